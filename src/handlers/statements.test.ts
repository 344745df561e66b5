import { randomUUID } from 'node:crypto';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { call } from '../../test/api.ts';
import { balanceOf, deposit, newUser, openAccount, transfer, withdraw } from '../../test/banking.ts';
import { parseCsv } from '../../test/csv.ts';
import { createTestTable, dynamoClients, useHandlerEnv } from '../../test/harness.ts';
import { holdBackCredit, holdBackSide } from '../../test/index-lag.ts';
import { captureLogs } from '../../test/logs.ts';
import { pdfText } from '../../test/pdf-text.ts';
import { utcDay, withinOnePeriod } from '../../test/periods.ts';
import { MIN_HOLD_SECONDS } from '../domain/ledger.ts';
import {
  formatAmount,
  lastInstantOf,
  MIN_CSV_LINE_BYTES,
  periodOf,
  periodRange,
  type Totals,
} from '../domain/statements.ts';
import { s3Env } from '../local/s3.ts';
import { AccountStore } from '../store/accounts.ts';
import { createDocumentClient } from '../store/db.ts';
import { MonthTotals } from '../store/month-totals.ts';
import { objectKey, StatementFileMarks } from '../store/statement-links.ts';
import { StatementSource } from '../store/statement-source.ts';
import { createS3Client, StatementFiles } from '../store/statements.ts';
import { ledger } from './context.ts';
import { statementLinks, statementSource } from './context-payments.ts';
import { useStatementClock } from './statement-files.ts';
import { EXPORT_MAX_BYTES, EXPORT_MAX_LINES } from './statements.ts';

let table: string;
const s3 = () => inject('s3');
beforeAll(async () => {
  table = await createTestTable('statements');
  useHandlerEnv({ TABLE_NAME: table, ...s3Env(s3()) });
});

const doc = () => createDocumentClient(dynamoClients().client);
const download = async (url: string) => {
  const r = await fetch(url);
  return {
    status: r.status,
    bytes: new Uint8Array(await r.arrayBuffer()),
    type: r.headers.get('content-type'),
  };
};
const statementLink = async (user: string, id: string, period: string, format: 'pdf' | 'csv') => {
  const r = await call('getStatement', { user, params: { id, period }, query: { format } });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body as { url: string; expiresAt: string };
};
const cents = (s: string) => Math.round(Number(s) * 100);
/** The 10th of the month `ago` months before this one (by the real clock), at noon (UTC). */
const monthsAgo = (ago: number, real: Date) =>
  new Date(Date.UTC(real.getUTCFullYear(), real.getUTCMonth() - ago, 10, 12));
/** A customer whose account opened a year ago, its month of opening (closed) and that month's CSV key. */
const closedMonthCsv = async () => {
  const u = await newUser(table);
  const opened = new Date(Date.UTC(new Date().getUTCFullYear() - 1, new Date().getUTCMonth(), 15));
  const a = await new AccountStore(doc(), table).open(
    { ownerId: u, type: 'checking', currency: 'USD' },
    opened,
  );
  const closed = periodOf(opened);
  return { u, a, closed, key: objectKey(a.id, closed, 'csv') };
};
/** A month's CSV statement asked for (the whole response). */
const csvOf = (user: string, id: string, period: string) =>
  call('getStatement', { user, params: { id, period }, query: { format: 'csv' } });
/** Whether S3 holds an object under `key` (its own HeadObject: the handler looks up marks instead). */
const inS3 = async (key: string) =>
  createS3Client({ pathStyle: true })
    .send(new HeadObjectCommand({ Bucket: s3().bucket, Key: key }))
    .then(
      () => true,
      (e: { $metadata?: { httpStatusCode?: number } }) => {
        if (e.$metadata?.httpStatusCode === 404) return false;
        throw e;
      },
    );

describe('statements', () => {
  // The current month's statement holds within one UTC month: a test that ran into the next one is
  // skipped (test/periods.ts).
  it('a month of deposits, transfers both ways, a refund and an expired hold agrees with the ledger in the list, the CSV, the PDF and balance?at=', async ({
    skip,
  }) =>
    withinOnePeriod(skip, periodOf, async () => {
      const ada = await newUser(table, 'Ada Lovelace');
      const bob = await newUser(table, 'Bob Brown');
      const a = await openAccount(ada);
      const b = await openAccount(bob);
      await deposit(ada, a.id, 100_00, 'Salary');
      await deposit(bob, b.id, 50_00);
      const paid = await transfer(ada, a.id, b.number, 25_50, '=HYPERLINK("http://evil","click")');
      await transfer(bob, b.id, a.number, 10_00, 'Dinner, "thanks"');
      await withdraw(ada, a.id, 5_25);
      // Bob refunds part of what Ada paid him.
      const refund = await call('refund', {
        user: bob,
        params: { id: paid.id },
        body: { amount: 5_00, description: 'Overpaid' },
        headers: { 'idempotency-key': randomUUID() },
      });
      expect(refund.status, JSON.stringify(refund.body)).toBe(201);
      // A pending transfer from Ada that nobody posts: the sweeper expires it, releasing the hold.
      const hold = await call('transfer', {
        user: ada,
        body: {
          fromAccountId: a.id,
          toAccountNumber: b.number,
          amount: 7_00,
          currency: 'USD',
          pending: true,
          expiresInSeconds: MIN_HOLD_SECONDS,
        },
        headers: { 'idempotency-key': randomUUID() },
      });
      expect(hold.status, JSON.stringify(hold.body)).toBe(201);
      const swept = await ledger().expireDue(new Date(Date.parse(hold.body.expiresAt) + 1_000));
      expect(swept.expired).toBeGreaterThanOrEqual(1);
      expect((await call('getTransaction', { user: ada, params: { id: hold.body.id } })).body.status).toBe(
        'expired',
      );

      const period = periodOf(new Date());
      const balance = await balanceOf(ada, a.id);
      expect(balance).toBe(100_00 - 25_50 + 10_00 - 5_25 + 5_00);

      const list = await call('listStatements', { user: ada, params: { id: a.id } });
      expect(list.status).toBe(200);
      expect(list.body.items).toEqual([
        {
          period,
          currency: 'USD',
          toDate: true,
          openingBalance: 0,
          closingBalance: balance,
          totalIn: 115_00,
          totalOut: 30_75,
          count: 5,
        },
      ]);
      // opening + Σ = closing, and closing is the ledger's own balance at that instant.
      const [item] = list.body.items;
      expect(item.openingBalance + item.totalIn - item.totalOut).toBe(item.closingBalance);
      const at = new Date().toISOString();
      const then = await call('getBalance', { user: ada, params: { id: a.id }, query: { at } });
      expect(then.body.balance).toBe(item.closingBalance);
      const monthStart = `${period}-01T00:00:00.000Z`;
      const opening = await call('getBalance', {
        user: ada,
        params: { id: a.id },
        query: { at: monthStart },
      });
      expect(opening.body.balance).toBe(item.openingBalance);

      // The ledger's posted entries, oldest first: the expired hold is in history but posted nothing.
      const entries = (
        await call('history', { user: ada, params: { id: a.id }, query: { limit: '100' } })
      ).body.items
        .slice()
        .reverse() as {
        transactionId: string;
        status: string;
        amount: number;
        balanceAfter: number | null;
      }[];
      expect(entries.find((h) => h.transactionId === hold.body.id)?.status).toBe('expired');
      const history = entries.filter((h) => h.status === 'posted' && h.balanceAfter !== null);
      expect(history.map((h) => h.amount)).toEqual([100_00, -25_50, 10_00, -5_25, 5_00]);

      // CSV: header, opening, one row per posting in order with the ledger's running balance, closing.
      const asked = Date.now();
      const csvLink = await statementLink(ada, a.id, period, 'csv');
      const answered = Date.now();
      // The link lives the documented 5 minutes from when it is made: not already expired, not longer.
      const expiresAt = Date.parse(csvLink.expiresAt);
      expect(expiresAt).toBeGreaterThanOrEqual(asked + 300_000);
      expect(expiresAt).toBeLessThanOrEqual(answered + 300_000);
      expect(new URL(csvLink.url).searchParams.get('X-Amz-Expires')).toBe('300');
      const csv = await download(csvLink.url);
      expect(csv.status).toBe(200);
      const rows = parseCsv(Buffer.from(csv.bytes).toString('utf8'));
      expect(rows[0]?.[0]).toBe('Date');
      expect(rows[1]?.[1]).toBe('opening');
      expect(rows[1]?.[2]).toContain('Ada Lovelace');
      expect(rows[1]?.[2]).toContain(a.number);
      const body = rows.slice(2, -1);
      expect(body.map((r) => [r[7], cents(r[4] as string), cents(r[5] as string)])).toEqual(
        history.map((h) => [h.transactionId, h.amount, h.balanceAfter]),
      );
      expect(body.some((r) => r[7] === hold.body.id)).toBe(false);
      expect(body.find((r) => r[4] === '-25.50')?.[2]).toBe(`'=HYPERLINK("http://evil","click")`);
      expect(body.find((r) => r[4] === '-25.50')?.[3]).toBe(b.number);
      expect(body.find((r) => r[4] === '10.00')?.[2]).toBe('Dinner, "thanks"');
      expect(body.find((r) => r[4] === '5.00')).toMatchObject({ 1: 'refund', 2: 'Overpaid', 3: b.number });
      expect(cents(rows.at(-1)?.[5] as string)).toBe(balance);
      expect((await call('listStatements', { user: ada, params: { id: a.id } })).body).toEqual(list.body);

      // PDF: the same lines, amounts and running balances, read back from the file; no expired hold.
      const pdf = await download((await statementLink(ada, a.id, period, 'pdf')).url);
      expect(pdf.status).toBe(200);
      const text = (await pdfText(pdf.bytes)).flat();
      expect(text).toContain('Customer: Ada Lovelace');
      expect(text).toContain(`Account: ${a.number} (USD)`);
      expect(text).toContain('Opening balance: 0.00 USD');
      expect(text).toContain(`Closing balance: ${formatAmount(balance, 'USD')} USD`);
      expect(text).not.toContain(formatAmount(-7_00, 'USD'));
      let pos = text.indexOf('Balance');
      for (const h of history) {
        const i = text.indexOf(formatAmount(h.amount, 'USD'), pos);
        expect(i, h.transactionId).toBeGreaterThan(pos);
        expect(text[i + 1]).toBe(formatAmount(h.balanceAfter as number, 'USD'));
        pos = i;
      }
    }));

  // The current month's file is kept per UTC day: a run across midnight is skipped (test/periods.ts).
  it('regenerates the current month when a posting lands, and serves it unchanged otherwise', async ({
    skip,
  }) =>
    withinOnePeriod(skip, utcDay, async () => {
      const u = await newUser(table);
      const a = await openAccount(u);
      await deposit(u, a.id, 1_00);
      const period = periodOf(new Date());
      const first = await statementLink(u, a.id, period, 'csv');
      const again = await statementLink(u, a.id, period, 'csv');
      expect(new URL(again.url).pathname).toBe(new URL(first.url).pathname);
      await deposit(u, a.id, 2_00);
      const after = await statementLink(u, a.id, period, 'csv');
      expect(new URL(after.url).pathname).not.toBe(new URL(first.url).pathname);
      const rows = parseCsv(Buffer.from((await download(after.url)).bytes).toString('utf8'));
      expect(rows.at(-1)?.[5]).toBe('3.00');
    }));

  /** The statement list, this month's CSV file and today's export, and a check that each answers 503. */
  const todaysReads = (user: string, id: string) => {
    const period = periodOf(new Date());
    const day = new Date().toISOString().slice(0, 10);
    const list = () => call('listStatements', { user, params: { id } });
    const file = () => call('getStatement', { user, params: { id, period }, query: { format: 'csv' } });
    const exported = () => call('exportCsv', { user, params: { id }, query: { from: day, to: day } });
    const expectUnavailable = async () => {
      for (const r of [await list(), await file(), await exported()]) {
        expect(r.status, JSON.stringify(r.body)).toBe(503);
        expect(r.body.code).toBe('service_unavailable');
      }
    };
    return { list, exported, expectUnavailable };
  };

  // On AWS history comes partly from eventually consistent indexes: here an entry is held back by
  // taking its index keys off its journal, as a lagging index would show it. Without the first movement
  // the running balances do not add up; without the last they do, and the account's last posting
  // (lastPostedAt, read strongly consistent) says what must show.
  it.for(['first', 'last'] as const)(
    'answers 503 rather than a statement without its %s movement, while the history catches up',
    async (which, { skip }) =>
      withinOnePeriod(skip, utcDay, async () => {
        const u = await newUser(table);
        const a = await openAccount(u);
        const deposits = [await deposit(u, a.id, 1_00), await deposit(u, a.id, 2_00)];
        const lagging = (which === 'first' ? deposits[0] : deposits[1]) as { id: string };
        const period = periodOf(new Date());
        const { list, exported, expectUnavailable } = todaysReads(u, a.id);
        const catchUp = await holdBackCredit(doc(), table, lagging.id, a.id);
        await expectUnavailable();
        await catchUp();
        expect(((await list()).body.items as { closingBalance: number }[])[0]?.closingBalance).toBe(3_00);
        expect(parseCsv(String((await exported()).body)).length).toBe(3);
        const rows = parseCsv(
          Buffer.from((await download((await statementLink(u, a.id, period, 'csv')).url)).bytes).toString(
            'utf8',
          ),
        );
        expect(rows.at(-1)?.[5]).toBe('3.00');
      }),
  );

  // Two movements lagging together whose amounts cancel out (a deposit and a withdrawal of 5.00)
  // leave every running balance adding up: only the postings' numbers (1, then 4) show the gap.
  it('answers 503 rather than a statement without two movements that cancel out, while the history catches up', async ({
    skip,
  }) =>
    withinOnePeriod(skip, utcDay, async () => {
      const u = await newUser(table);
      const a = await openAccount(u);
      await deposit(u, a.id, 1_00);
      const paidIn = await deposit(u, a.id, 5_00);
      const paidOut = await withdraw(u, a.id, 5_00);
      await deposit(u, a.id, 2_00);
      const { list, exported, expectUnavailable } = todaysReads(u, a.id);
      const catchUp = [
        await holdBackSide(doc(), table, paidIn.id, a.id, 'credit'),
        await holdBackSide(doc(), table, paidOut.id, a.id, 'debit'),
      ];
      await expectUnavailable();
      for (const c of catchUp) await c();
      expect(((await list()).body.items as { closingBalance: number }[])[0]?.closingBalance).toBe(3_00);
      const rows = parseCsv(String((await exported()).body));
      expect(rows.slice(1).map((row) => row[4])).toEqual(['1.00', '5.00', '-5.00', '2.00']);
    }));

  it("never writes a closed month's file without its last movement: not while it lags, nor while the next month's first does", async () => {
    const real = new Date();
    const period = periodOf(new Date(Date.UTC(real.getUTCFullYear() - 1, real.getUTCMonth(), 1)));
    const lastDay = lastInstantOf(period).slice(0, 10);
    const u = await newUser(table);
    vi.useFakeTimers({ toFake: ['Date'], now: new Date(`${period}-10T08:00:00Z`) });
    let a: { id: string; number: string };
    let late: { id: string };
    let next: { id: string };
    try {
      a = await openAccount(u);
      await deposit(u, a.id, 40_00);
      vi.setSystemTime(new Date(`${lastDay}T22:15:00Z`));
      late = await deposit(u, a.id, 5_00);
      vi.setSystemTime(new Date(`${lastDay}T23:59:59.999Z`).getTime() + 86_400_000);
      next = await deposit(u, a.id, 1_00);
    } finally {
      vi.useRealTimers();
    }
    const key = objectKey(a.id, period, 'csv');
    const marks = new StatementFileMarks(doc(), table, s3().bucket);
    const ask = () =>
      call('getStatement', { user: u, params: { id: a.id, period }, query: { format: 'csv' } });
    // The month's last movement lags: what shows (40.00) adds up, but the next month's first posting
    // says 45.00 came before it.
    const lateLags = await holdBackCredit(doc(), table, late.id, a.id);
    expect((await ask()).status).toBe(503);
    expect(await inS3(key)).toBe(false);
    expect(await marks.has(key)).toBe(false);
    await lateLags();
    // The next month's first posting lags: the account has posted since the month, and nothing shows.
    const nextLags = await holdBackCredit(doc(), table, next.id, a.id);
    expect((await ask()).status).toBe(503);
    expect(await inS3(key)).toBe(false);
    expect(await marks.has(key)).toBe(false);
    // A month after it with no movement: its opening balance is the lagging posting's (46.00, not 45.00).
    const quiet = periodOf(new Date(Date.parse(periodRange(period).end) + 40 * 86_400_000));
    const askQuiet = () =>
      call('getStatement', { user: u, params: { id: a.id, period: quiet }, query: { format: 'csv' } });
    expect((await askQuiet()).status).toBe(503);
    await nextLags();
    const q = await askQuiet();
    expect(q.status).toBe(200);
    const quietRows = parseCsv(
      Buffer.from((await download((q.body as { url: string }).url)).bytes).toString('utf8'),
    );
    expect(quietRows.slice(1).map((row) => [row[1], row[5]])).toEqual([
      ['opening', '46.00'],
      ['closing', '46.00'],
    ]);
    const r = await ask();
    expect(r.status).toBe(200);
    const rows = parseCsv(
      Buffer.from((await download((r.body as { url: string }).url)).bytes).toString('utf8'),
    );
    expect(rows.map((row) => [row[1], row[4], row[5]]).slice(2)).toEqual([
      ['deposit', '40.00', '40.00'],
      ['deposit', '5.00', '45.00'],
      ['closing', '', '45.00'],
    ]);
  });

  it('regenerates the current month on a later day with no new posting, so it says that day', async () => {
    // A month ahead: the account opened and paid into on its 3rd (Date faked for the ledger alone),
    // then statements made by the function's clock on the 3rd and the 20th, nothing posted between.
    // S3 stays on the real clock (its requests are signed with it); a future link is still valid.
    const real = new Date();
    const third = new Date(Date.UTC(real.getUTCFullYear() + 1, real.getUTCMonth(), 3, 9, 30));
    const twentieth = new Date(Date.UTC(real.getUTCFullYear() + 1, real.getUTCMonth(), 20, 16, 45));
    const period = periodOf(third);
    const u = await newUser(table);
    vi.useFakeTimers({ toFake: ['Date'], now: new Date(third.getTime() - 3600_000) });
    let a: { id: string; number: string };
    try {
      a = await openAccount(u);
      await deposit(u, a.id, 12_00);
    } finally {
      vi.useRealTimers();
    }
    let now = third;
    const restore = useStatementClock(() => now);
    try {
      const csvOf = async () => {
        const link = await statementLink(u, a.id, period, 'csv');
        const rows = parseCsv(Buffer.from((await download(link.url)).bytes).toString('utf8'));
        return { path: new URL(link.url).pathname, closing: rows.at(-1) };
      };
      const pdfOf = async () =>
        (await pdfText((await download((await statementLink(u, a.id, period, 'pdf')).url)).bytes)).flat();

      const early = await csvOf();
      expect(early.closing?.slice(0, 2)).toEqual([third.toISOString(), 'closing']);
      expect(await pdfOf()).toContain(`Statement for ${period} (to date, ${period}-03)`);

      now = twentieth;
      const later = await csvOf();
      expect(later.closing?.slice(0, 2)).toEqual([twentieth.toISOString(), 'closing']);
      expect(later.path).not.toBe(early.path);
      expect(later.closing?.[5]).toBe('12.00');
      const pdf = await pdfOf();
      expect(pdf).toContain(`Statement for ${period} (to date, ${period}-20)`);
      expect(pdf).toContain(`Period: ${period}-01 to ${period}-20`);
      // Later the same day, nothing posted: the same file.
      now = new Date(twentieth.getTime() + 3600_000);
      expect((await csvOf()).path).toBe(later.path);
    } finally {
      restore();
    }
  });

  it('ends a closed month on its last day: the CSV closing record and the PDF period', async () => {
    // Postings made with the clock in a month of last year; the statement asked for now (closed).
    const real = new Date();
    const period = periodOf(new Date(Date.UTC(real.getUTCFullYear() - 1, real.getUTCMonth(), 1)));
    const last = lastInstantOf(period);
    const lastDay = last.slice(0, 10);
    const u = await newUser(table, 'Cleo Closed');
    vi.useFakeTimers({ toFake: ['Date'], now: new Date(`${period}-10T08:00:00Z`) });
    let a: { id: string; number: string };
    try {
      a = await openAccount(u);
      await deposit(u, a.id, 40_00, 'Salary');
      vi.setSystemTime(new Date(`${lastDay}T22:15:00Z`));
      await withdraw(u, a.id, 15_25);
    } finally {
      vi.useRealTimers();
    }

    const csv = await download((await statementLink(u, a.id, period, 'csv')).url);
    const rows = parseCsv(Buffer.from(csv.bytes).toString('utf8'));
    expect(rows.map((r) => [r[1], r[4], r[5]])).toEqual([
      ['Type', 'Amount', 'Balance'],
      ['opening', '', '0.00'],
      ['deposit', '40.00', '40.00'],
      ['withdrawal', '-15.25', '24.75'],
      ['closing', '', '24.75'],
    ]);
    expect(rows[1]?.[0]).toBe(`${period}-01T00:00:00.000Z`);
    // The closing balance is as of the month's last instant: in the month, never the next one's first.
    expect(rows.at(-1)?.[0]).toBe(last);
    expect(periodOf(rows.at(-1)?.[0] as string)).toBe(period);

    const pdf = (
      await pdfText((await download((await statementLink(u, a.id, period, 'pdf')).url)).bytes)
    ).flat();
    expect(pdf).toContain(`Statement for ${period}`);
    expect(pdf).toContain(`Period: ${period}-01 to ${lastDay}`);
    expect(pdf).toContain('Closing balance: 24.75 USD');
  });

  it('lists every month since opening and generates a closed month once, then serves it from S3', async ({
    skip,
  }) =>
    withinOnePeriod(skip, periodOf, async () => {
      const u = await newUser(table);
      const opened = new Date(Date.UTC(new Date().getUTCFullYear() - 1, new Date().getUTCMonth(), 15));
      const a = await new AccountStore(doc(), table).open(
        { ownerId: u, type: 'savings', currency: 'EUR' },
        opened,
      );
      // 13 months: a page of the newest 12 (the default), then the month it opened.
      const list = await call('listStatements', { user: u, params: { id: a.id } });
      expect(list.body.items).toHaveLength(12);
      expect(list.body.items[0]).toMatchObject({ period: periodOf(new Date()), toDate: true });
      expect(list.body.nextCursor).toBe(list.body.items[11].period);
      const older = await call('listStatements', {
        user: u,
        params: { id: a.id },
        query: { before: list.body.nextCursor },
      });
      expect(older.body).toMatchObject({
        items: [{ period: periodOf(opened), toDate: false, openingBalance: 0, closingBalance: 0, count: 0 }],
        nextCursor: null,
      });
      expect(older.body.items).toHaveLength(1);

      const closed = periodOf(opened);
      const link = await statementLink(u, a.id, closed, 'csv');
      const key = decodeURIComponent(new URL(link.url).pathname.split('/').slice(2).join('/'));
      expect(key).toBe(`statements/${a.id}/${closed}.v2.csv`);
      // Served from S3 from now on: what the bucket holds is what the next link downloads.
      await createS3Client({ pathStyle: true }).send(
        new PutObjectCommand({ Bucket: s3().bucket, Key: key, Body: 'kept', ContentType: 'text/csv' }),
      );
      const second = await download((await statementLink(u, a.id, closed, 'csv')).url);
      expect(Buffer.from(second.bytes).toString()).toBe('kept');

      const before = periodOf(new Date(Date.UTC(opened.getUTCFullYear(), opened.getUTCMonth() - 1, 1)));
      expect((await call('getStatement', { user: u, params: { id: a.id, period: before } })).status).toBe(
        404,
      );
      expect((await call('getStatement', { user: u, params: { id: a.id, period: '2999-01' } })).status).toBe(
        404,
      );
      expect((await call('getStatement', { user: u, params: { id: a.id, period: '2024-13' } })).status).toBe(
        404,
      );
    }));

  it("never replaces a closed month's file: a request that found none, then lost the race to write it, serves the one written", async () => {
    const { u, a, closed, key } = await closedMonthCsv();
    // Another request's file lands between this request's look-up (none yet) and its write.
    await createS3Client({ pathStyle: true }).send(
      new PutObjectCommand({ Bucket: s3().bucket, Key: key, Body: 'written first', ContentType: 'text/csv' }),
    );
    // No mark for it (its writer died before the mark, or the bucket held it before marks): this
    // request makes the file, finds the key taken (412) and serves the file there.
    const marks = new StatementFileMarks(doc(), table, s3().bucket);
    expect(await marks.has(key)).toBe(false);
    const link = await statementLink(u, a.id, closed, 'csv');
    expect(Buffer.from((await download(link.url)).bytes).toString()).toBe('written first');
    // The file it found is marked now: the next request serves it without making it again.
    expect(await marks.has(key)).toBe(true);
  });

  it("makes the current month's file once while nothing is posted, then again after a posting", async ({
    skip,
  }) =>
    withinOnePeriod(skip, periodOf, async () => {
      const u = await newUser(table);
      const a = await openAccount(u);
      await deposit(u, a.id, 10_00);
      const period = periodOf(new Date());
      const write = vi.spyOn(StatementFiles.prototype, 'putOnce');
      try {
        const first = await statementLink(u, a.id, period, 'csv');
        expect(await statementLink(u, a.id, period, 'csv')).toMatchObject({
          url: expect.stringContaining(new URL(first.url).pathname),
        });
        expect(write).toHaveBeenCalledTimes(1);
        await deposit(u, a.id, 1_00);
        const after = await statementLink(u, a.id, period, 'csv');
        expect(write).toHaveBeenCalledTimes(2);
        expect(new URL(after.url).pathname).not.toBe(new URL(first.url).pathname);
      } finally {
        write.mockRestore();
      }
    }));

  it('a mark lost after S3 took the file: the next request makes it again, finds it (412), marks it and serves the first file', async () => {
    const { u, a, closed, key } = await closedMonthCsv();
    const marks = new StatementFileMarks(doc(), table, s3().bucket);
    const mark = vi
      .spyOn(StatementFileMarks.prototype, 'record')
      .mockRejectedValueOnce(
        Object.assign(new Error('DynamoDB is down'), { $metadata: { httpStatusCode: 500 } }),
      );
    const write = vi.spyOn(StatementFiles.prototype, 'putOnce');
    try {
      expect((await csvOf(u, a.id, closed)).status).toBe(500);
      expect(await inS3(key)).toBe(true);
      expect(await marks.has(key)).toBe(false);
      const link = await statementLink(u, a.id, closed, 'csv');
      expect(write).toHaveBeenCalledTimes(2);
      await expect(write.mock.results[1]?.value).resolves.toBe(false);
      expect((await download(link.url)).status).toBe(200);
      expect(await marks.has(key)).toBe(true);
    } finally {
      mark.mockRestore();
      write.mockRestore();
    }
  });

  it('marks a file only once S3 holds it: a write that failed leaves no mark, and the next request makes it', async () => {
    const { u, a, closed, key } = await closedMonthCsv();
    const marks = new StatementFileMarks(doc(), table, s3().bucket);
    const write = vi
      .spyOn(StatementFiles.prototype, 'putOnce')
      .mockRejectedValueOnce(Object.assign(new Error('S3 is down'), { $metadata: { httpStatusCode: 500 } }));
    try {
      expect((await csvOf(u, a.id, closed)).status).toBe(500);
      expect(write).toHaveBeenCalledTimes(1);
      expect(await marks.has(key)).toBe(false);
      const link = await statementLink(u, a.id, closed, 'csv');
      expect(write).toHaveBeenCalledTimes(2);
      expect((await download(link.url)).status).toBe(200);
      expect(await marks.has(key)).toBe(true);
      expect(await inS3(key)).toBe(true);
      // Marked: served again without a write.
      await statementLink(u, a.id, closed, 'csv');
      expect(write).toHaveBeenCalledTimes(2);
    } finally {
      write.mockRestore();
    }
  });

  it('pages the list a few months at a time, each page reading only its own months, with totals that run on from page to page', async ({
    skip,
  }) =>
    withinOnePeriod(skip, periodOf, async () => {
      const u = await newUser(table);
      // Months before this one by the real clock, read before the tests' fake Date.
      const real = new Date();
      const ago = (n: number) => monthsAgo(n, real);
      let a: { id: string; number: string };
      vi.useFakeTimers({ toFake: ['Date'], now: ago(14) });
      try {
        a = await openAccount(u);
        await deposit(u, a.id, 10_00);
        vi.setSystemTime(ago(11));
        await deposit(u, a.id, 20_00);
        vi.setSystemTime(ago(3));
        await withdraw(u, a.id, 5_00);
      } finally {
        vi.useRealTimers();
      }
      await deposit(u, a.id, 1_00);
      const span = vi.spyOn(statementSource(), 'span');
      type Item = {
        period: string;
        openingBalance: number;
        closingBalance: number;
        totalIn: number;
        totalOut: number;
        count: number;
      };
      const items: Item[] = [];
      let cursor: string | null | undefined;
      let pages = 0;
      try {
        do {
          const r = await call('listStatements', {
            user: u,
            params: { id: a.id },
            query: { limit: '4', ...(cursor ? { before: cursor } : {}) },
          });
          expect(r.status, JSON.stringify(r.body)).toBe(200);
          const page = r.body.items as Item[];
          // The page's own months only: the read starts at its oldest month, not at the account's first.
          expect(span.mock.calls.at(-1)?.[1]).toBe(periodRange(page.at(-1)?.period as string).start);
          // ...and ends at its newest month's end; only the page with the current month reads to the
          // end (a posting's time can run slightly ahead of the clock).
          expect(span.mock.calls.at(-1)?.[2]).toBe(
            cursor === undefined ? '\uffff' : periodRange(page[0]?.period as string).end,
          );
          items.push(...page);
          cursor = r.body.nextCursor;
          pages++;
        } while (cursor);
      } finally {
        span.mockRestore();
      }
      // 15 months, newest first, in pages of 4, 4, 4 and 3.
      expect(pages).toBe(4);
      expect(items.map((i) => i.period)).toEqual(Array.from({ length: 15 }, (_, n) => periodOf(ago(n))));
      // Each month opens where the one before it closed, across pages too.
      for (let i = 0; i < items.length - 1; i++)
        expect((items[i] as Item).openingBalance).toBe((items[i + 1] as Item).closingBalance);
      const byAgo = (ago: number) => items[ago] as Item;
      expect(byAgo(14)).toMatchObject({ openingBalance: 0, totalIn: 10_00, closingBalance: 10_00, count: 1 });
      expect(byAgo(11)).toMatchObject({
        openingBalance: 10_00,
        totalIn: 20_00,
        closingBalance: 30_00,
        count: 1,
      });
      expect(byAgo(3)).toMatchObject({
        openingBalance: 30_00,
        totalOut: 5_00,
        closingBalance: 25_00,
        count: 1,
      });
      expect(byAgo(0)).toMatchObject({
        openingBalance: 25_00,
        totalIn: 1_00,
        closingBalance: 26_00,
        count: 1,
      });
      expect(byAgo(7)).toMatchObject({ openingBalance: 30_00, closingBalance: 30_00, count: 0 });
      // Before the month it opened: nothing older.
      const none = await call('listStatements', {
        user: u,
        params: { id: a.id },
        query: { before: periodOf(ago(14)) },
      });
      expect(none.body).toEqual({ items: [], nextCursor: null });
      // A limit out of range, a `before` that is no month, or a `cursor` (not this list's), is refused.
      for (const query of [
        { limit: '0' },
        { limit: '61' },
        { before: '2027-13' },
        { before: 'x' },
        { cursor: '2027-01' },
      ] as Record<string, string>[])
        expect((await call('listStatements', { user: u, params: { id: a.id }, query })).status).toBe(400);
    }));

  it("keeps a final month's totals once read, lists past months from them, and trusts them only while they agree with the ledger", async ({
    skip,
  }) =>
    withinOnePeriod(skip, periodOf, async () => {
      const u = await newUser(table);
      // Months before this one by the real clock, read before the tests' fake Date.
      const real = new Date();
      const ago = (n: number) => monthsAgo(n, real);
      const period = (n: number) => periodOf(ago(n));
      let a: { id: string; number: string };
      // Another account, whose last posting is two months ago: only the months before that are final.
      let quiet: { id: string; number: string };
      vi.useFakeTimers({ toFake: ['Date'], now: ago(4) });
      try {
        a = await openAccount(u);
        quiet = await openAccount(u);
        await deposit(u, a.id, 10_00);
        await deposit(u, quiet.id, 3_00);
        vi.setSystemTime(ago(2));
        await withdraw(u, a.id, 4_00);
        await deposit(u, quiet.id, 1_00);
      } finally {
        vi.useRealTimers();
      }
      await deposit(u, a.id, 1_00);
      const kept = new MonthTotals(doc(), table);
      const keptOf = async (id: string) => [...(await kept.read(id, '0000-01', '9999-12')).keys()];
      const list = async (id: string, query: Record<string, string> = {}) => {
        const r = await call('listStatements', { user: u, params: { id }, query });
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        return r.body.items as ({ period: string; currency: string; toDate: boolean } & Totals)[];
      };

      const first = await list(a.id);
      expect(first.map((i) => i.period)).toEqual([0, 1, 2, 3, 4].map(period));
      // The four past months are final (the account has posted since), the current one is not.
      expect(await keptOf(a.id)).toEqual([4, 3, 2, 1].map(period));
      await list(quiet.id);
      // Its last posting is in the month two ago: that month and those after it could still change.
      expect(await keptOf(quiet.id)).toEqual([4, 3].map(period));

      // The next list reads the postings of the current month alone; a page of past months, none.
      const span = vi.spyOn(statementSource(), 'span');
      try {
        expect(await list(a.id)).toEqual(first);
        expect(span.mock.calls.map((c) => c[1])).toEqual([periodRange(period(0)).start]);
        expect(await list(a.id, { before: period(0) })).toEqual(first.slice(1));
        expect(span).toHaveBeenCalledTimes(1);
      } finally {
        span.mockRestore();
      }

      // What is kept is what is listed: a month's kept totals changed behind its back show (a check
      // that the list reads them), as long as they still chain with the ledger's balances...
      const tamper = (ago: number, attr: string, value: number) =>
        doc().send(
          new UpdateCommand({
            TableName: table,
            Key: { pk: `MONTHSUM#${a.id}`, sk: period(ago) },
            UpdateExpression: 'SET #a = :v',
            ExpressionAttributeNames: { '#a': attr },
            ExpressionAttributeValues: { ':v': value },
          }),
        );
      await tamper(3, 'totalIn', 999_00);
      expect((await list(a.id)).find((i) => i.period === period(3))?.totalIn).toBe(999_00);
      // ...and once they do not meet the ledger, the page is read from the postings, the disagreement
      // logged, and its final months' totals kept again from that read (month 3's tampered totalIn
      // with them): the next list agrees, and logs nothing.
      // The past months' totals as first listed (from the postings), oldest first.
      const truth = first
        .slice(1)
        .reverse()
        .map(({ period: p, currency: _c, toDate: _t, ...t }) => [p, t]);
      const cases: [string, () => Promise<unknown>, Record<string, string>][] = [
        // A month closing on a balance the postings after it do not open on.
        ['closing, then postings', () => tamper(1, 'closingBalance', 7_00), {}],
        // A page of kept months alone whose closing is not the ledger's balance after it.
        ['closing, page of kept months', () => tamper(1, 'closingBalance', 7_00), { before: period(0) }],
        // Whose opening is not the ledger's balance before it: alone, and before postings.
        ['opening, page of kept months', () => tamper(4, 'openingBalance', 1_00), { before: period(0) }],
        ['opening, then postings', () => tamper(4, 'openingBalance', 1_00), {}],
        // A kept month that does not open where the one before it closed.
        ['a break in the chain', () => tamper(2, 'openingBalance', 5_00), {}],
      ];
      for (const [name, corrupt, query] of cases) {
        await tamper(3, 'totalIn', 999_00);
        await corrupt();
        const expected = query.before ? first.slice(1) : first;
        const { result, logs } = await captureLogs(() => list(a.id, query));
        expect(result, name).toEqual(expected);
        expect(logs, name).toContain('kept month totals disagree with the postings');
        expect([...(await kept.read(a.id, period(4), period(1))).entries()], name).toEqual(truth);
        const again = await captureLogs(() => list(a.id, query));
        expect(again.result, name).toEqual(expected);
        expect(again.logs, name).not.toContain('disagree');
      }
    }));

  it('lists no month for an account opened after the clock (another function\u2019s clock ahead, across a month\u2019s end)', async () => {
    const u = await newUser(table);
    const now = new Date();
    const nextMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1, 0, 0, 0, 5));
    const a = await new AccountStore(doc(), table).open(
      { ownerId: u, type: 'checking', currency: 'USD' },
      nextMonth,
    );
    const list = await call('listStatements', { user: u, params: { id: a.id } });
    expect(list.status, JSON.stringify(list.body)).toBe(200);
    expect(list.body.items).toEqual([]);
  });

  it('a presigned URL works, then fails once expired', async () => {
    const files = new StatementFiles(createS3Client({ pathStyle: true }), s3().bucket);
    const key = `exports/statements/test/${randomUUID()}.csv`;
    await files.putOnce(key, 'a,b\r\n', 'csv');
    // The handler's own links (its configuration, its DynamoDB client's credentials), made without the S3 client.
    const fresh = await statementLinks().presign(key, 'x.csv');
    const got = await download(fresh.url);
    expect(got.status).toBe(200);
    expect(Buffer.from(got.bytes).toString()).toBe('a,b\r\n');
    // Signed six minutes ago: past its five minutes.
    const old = await statementLinks().presign(key, 'x.csv', new Date(Date.now() - 6 * 60_000));
    expect((await download(old.url)).status).toBe(403);
  });

  it('an export of more lines than its response could hold is refused (export_too_large) without reading the rest', async () => {
    const u = await newUser(table);
    const a = await openAccount(u);
    for (const amount of [1_00, 2_00, 3_00]) await deposit(u, a.id, amount);
    const account = (await new AccountStore(doc(), table).get(u, a.id)) as NonNullable<
      Awaited<ReturnType<AccountStore['get']>>
    >;
    const source = new StatementSource(doc(), table);
    const [from, to] = ['2000-01-01T00:00:00.000Z', '\uffff'];
    await expect(source.span(account, from, to, 2)).rejects.toMatchObject({ code: 'export_too_large' });
    expect((await source.span(account, from, to, 3)).lines).toHaveLength(3);
    // The handler's limit: more lines than any response of EXPORT_MAX_BYTES could hold.
    expect(EXPORT_MAX_LINES * MIN_CSV_LINE_BYTES).toBeGreaterThanOrEqual(EXPORT_MAX_BYTES);
  });

  it('exports a range as CSV, up to a year, and refuses longer ranges', async () => {
    const u = await newUser(table);
    const a = await openAccount(u);
    await deposit(u, a.id, 12_34, '@SUM(A1:A9)');
    await withdraw(u, a.id, 4_00);
    const today = new Date().toISOString().slice(0, 10);
    const r = await call('exportCsv', { user: u, params: { id: a.id }, query: { to: today } });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(r.headers['content-disposition']).toMatch(/^attachment; filename="transactions-\d{10}-/);
    // By default the 30 days ending on `to`, `to` included.
    const byDefault = await call('exportCsv', { user: u, params: { id: a.id }, query: { to: '2026-03-31' } });
    expect(byDefault.status).toBe(200);
    expect(byDefault.headers['content-disposition']).toMatch(/-2026-03-02-2026-03-31\.csv"$/);
    const rows = parseCsv(r.body);
    expect(rows.map((x) => [x[2], x[4], x[5]])).toEqual([
      ['Description', 'Amount', 'Balance'],
      ["'@SUM(A1:A9)", '12.34', '12.34'],
      ['', '-4.00', '8.34'],
    ]);
    const long = await call('exportCsv', {
      user: u,
      params: { id: a.id },
      query: { from: '2025-01-01', to: '2026-01-02' },
    });
    expect(long.status).toBe(400);
    // Not calendar dates: a day past the month's end, a month 13 or 00 (each a 400 naming its field, not a 500).
    const notDates: Record<string, string>[] = [
      { from: '2026-02-30' },
      { to: '2026-13-01' },
      { from: '2026-00-01' },
    ];
    for (const query of notDates) {
      const bad = await call('exportCsv', { user: u, params: { id: a.id }, query });
      expect(bad.status, JSON.stringify(query)).toBe(400);
      expect(bad.body.code).toBe('validation_failed');
      expect(JSON.stringify(bad.body.errors), JSON.stringify(query)).toContain(
        `query.${Object.keys(query)[0]}`,
      );
    }
  });

  it('exports the last days of year 9999 without a 500, and answers a range past them with a 400 that says so', async () => {
    const u = await newUser(table);
    const a = await openAccount(u);
    await deposit(u, a.id, 1_00);
    // The day after 9999-12-31 is in year 10000, whose ISO form (+010000-...) sorts below every
    // posting's key: the range's upper bound fell below its lower one (DynamoDB's ValidationException).
    const last = await call('exportCsv', {
      user: u,
      params: { id: a.id },
      query: { from: '9998-12-31', to: '9999-12-30' },
    });
    expect(last.status, JSON.stringify(last.body)).toBe(200);
    expect(parseCsv(last.body)).toHaveLength(1);
    // Within a year, near the end of year 9999: not "more than a year".
    const short = await call('exportCsv', {
      user: u,
      params: { id: a.id },
      query: { from: '9999-06-01', to: '9999-06-02' },
    });
    expect(short.status, JSON.stringify(short.body)).toBe(200);
    const past = await call('exportCsv', {
      user: u,
      params: { id: a.id },
      query: { from: '9998-12-31', to: '9999-12-31' },
    });
    expect(past.status, JSON.stringify(past.body)).toBe(400);
    expect(JSON.stringify(past.body.errors)).toContain('query.to');
  });

  it("another customer's account gives 404 for the list, a statement and an export", async () => {
    const owner = await newUser(table);
    const other = await newUser(table);
    const a = await openAccount(owner);
    const period = periodOf(new Date());
    expect((await call('listStatements', { user: other, params: { id: a.id } })).status).toBe(404);
    expect((await call('getStatement', { user: other, params: { id: a.id, period } })).status).toBe(404);
    expect((await call('exportCsv', { user: other, params: { id: a.id } })).status).toBe(404);
  });
});
