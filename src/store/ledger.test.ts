import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestTable, dynamoClients } from '../../test/harness.ts';
import { BankError } from '../domain/errors.ts';
import { AccountStore } from './accounts.ts';
import { createDocumentClient, type Db } from './db.ts';
import { IdempotencyStore, type Outcome } from './idempotency.ts';
import { LedgerStore } from './ledger.ts';
import { again, done, retry, withDeadline } from './retry.ts';
import { verifyLedger } from './verify.ts';

const DAILY_LIMIT = 1_000_000;

const storesFor = (
  db: Db,
  table: string,
  opts: { maxAttempts?: number; ledgerDb?: Db; now?: () => Date } = {},
) => {
  const accounts = new AccountStore(db, table, opts.now);
  const ledgerDb = opts.ledgerDb ?? db;
  const idem = new IdempotencyStore(ledgerDb, table, 48 * 3600);
  const ledger = new LedgerStore(ledgerDb, table, accounts, idem, {
    systemShards: 4,
    dailyLimit: DAILY_LIMIT,
    ...(opts.maxAttempts ? { retry: { maxAttempts: opts.maxAttempts } } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
  return { accounts, ledger };
};

/** A DocumentClient that fails the first `n` TransactWriteItems with `fault`, then behaves. */
const faulty = (db: Db, n: number, fault: () => Error): Db & { injected: number } => {
  let left = n;
  const wrapped = Object.create(db) as Db & { injected: number };
  wrapped.injected = 0;
  wrapped.send = (async (command: { constructor: { name: string } }) => {
    if (command.constructor.name === 'TransactWriteCommand' && left > 0) {
      left--;
      wrapped.injected++;
      throw fault();
    }
    return db.send(command as never);
  }) as Db['send'];
  return wrapped;
};

const cancelled = (reason: string) =>
  Object.assign(new Error('Transaction cancelled'), {
    name: 'TransactionCanceledException',
    CancellationReasons: [{ Code: 'None' }, { Code: reason }, { Code: 'None' }],
  });

let db: Db;
beforeAll(() => {
  db = createDocumentClient(dynamoClients().client);
});

describe('retries (faults DynamoDB Local cannot produce, injected)', () => {
  it.each([
    ['TransactionConflict', () => cancelled('TransactionConflict')],
    ['a throttled item', () => cancelled('ThrottlingError')],
    ['ThrottlingException', () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })],
  ])('retries %s and posts once', async (_, fault) => {
    const table = await createTestTable('retry');
    const flaky = faulty(db, 3, fault);
    const { accounts, ledger } = storesFor(db, table, { ledgerDb: flaky });
    const a = await accounts.open({ ownerId: 'u', type: 'checking', currency: 'USD' });
    const out = await ledger.deposit({
      user: 'u',
      idempotencyKey: 'k',
      fingerprint: 'f',
      accountId: a.id,
      amount: 5,
    });
    expect(out.kind).toBe('journal');
    expect(flaky.injected).toBe(3);
    expect((await accounts.get('u', a.id))?.balance).toBe(5);
    expect((await verifyLedger(db, table)).journals).toBe(1);
  });

  it('gives up after a bounded number of attempts with 503 and Retry-After, having posted nothing', async () => {
    const table = await createTestTable('retry');
    const flaky = faulty(db, 1000, () => cancelled('TransactionConflict'));
    const { accounts, ledger } = storesFor(db, table, { ledgerDb: flaky, maxAttempts: 4 });
    const a = await accounts.open({ ownerId: 'u', type: 'checking', currency: 'USD' });
    const err = await ledger
      .deposit({ user: 'u', idempotencyKey: 'k', fingerprint: 'f', accountId: a.id, amount: 5 })
      .catch((e: BankError) => e);
    expect(err).toBeInstanceOf(BankError);
    expect((err as BankError).code).toBe('service_unavailable');
    expect((err as BankError).headers?.['retry-after']).toBe('1');
    expect(flaky.injected).toBe(4);
    expect((await accounts.get('u', a.id))?.balance).toBe(0);
  });

  it('does not retry an error that is not transient', async () => {
    const table = await createTestTable('retry');
    const flaky = faulty(db, 1, () => Object.assign(new Error('bad'), { name: 'ValidationException' }));
    const { accounts, ledger } = storesFor(db, table, { ledgerDb: flaky });
    const a = await accounts.open({ ownerId: 'u', type: 'checking', currency: 'USD' });
    await expect(
      ledger.deposit({ user: 'u', idempotencyKey: 'k', fingerprint: 'f', accountId: a.id, amount: 5 }),
    ).rejects.toThrow('bad');
  });
});

describe('the retry helper', () => {
  it('stops before the deadline leaves no time for another attempt', async () => {
    let clock = 0;
    let attempts = 0;
    const out = await withDeadline(5_000, () =>
      retry(
        async () => {
          attempts++;
          clock += 1_000; // each attempt takes a second
          return again;
        },
        { maxAttempts: 100, reserveMs: 1_000, now: () => clock, sleep: async () => {}, baseMs: 0, capMs: 0 },
      ),
    );
    expect(out).toBeUndefined();
    // After the 4th (ending at 4 s), a 5th as slow would end at 5 s, inside the 1 s reserve: stop.
    expect(attempts).toBe(4);
  });

  it('is bounded without a deadline, and returns what an attempt finished with', async () => {
    let attempts = 0;
    expect(await retry(async () => (++attempts < 3 ? again : done('ok')), { sleep: async () => {} })).toBe('ok');
    attempts = 0;
    expect(await retry(async () => (++attempts, again), { maxAttempts: 5, sleep: async () => {} })).toBeUndefined();
    expect(attempts).toBe(5);
  });
});

// ---------- the no-overdraft rule is a condition on stored attributes ----------

/** A DocumentClient whose transactions lose their version checks: plans built on stale reads commit. */
const withoutVersionChecks = (db: Db): Db => {
  const wrapped = Object.create(db) as Db;
  wrapped.send = (async (command: { constructor: { name: string }; input: { TransactItems?: unknown[] } }) => {
    if (command.constructor.name === 'TransactWriteCommand') {
      for (const item of command.input.TransactItems ?? []) {
        const u = (item as { Update?: { ConditionExpression?: string; ExpressionAttributeValues?: Record<string, unknown> } })
          .Update;
        if (u?.ConditionExpression?.includes('version = :version')) {
          delete u.ExpressionAttributeValues?.[':version'];
          u.ConditionExpression = u.ConditionExpression.replace('version = :version AND ', '').replace(
            ' AND version = :version',
            '',
          );
        }
      }
    }
    return db.send(command as never);
  }) as Db['send'];
  return wrapped;
};

describe('no overdraft, even without the version check', () => {
  it('20 concurrent withdrawals and holds of 10 against 100 with no version checks: exactly 10 succeed', async () => {
    const table = await createTestTable('noversion');
    const { accounts, ledger } = storesFor(db, table, { ledgerDb: withoutVersionChecks(db) });
    const a = await accounts.open({ ownerId: 'u', type: 'checking', currency: 'USD' });
    const b = await accounts.open({ ownerId: 'v', type: 'checking', currency: 'USD' });
    await ledger.deposit({ user: 'u', idempotencyKey: 'd', fingerprint: 'd', accountId: a.id, amount: 100 });
    const outs = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0
          ? ledger.withdraw({ user: 'u', idempotencyKey: `w${i}`, fingerprint: `w${i}`, accountId: a.id, amount: 10 })
          : ledger.transfer({
              user: 'u',
              idempotencyKey: `h${i}`,
              fingerprint: `h${i}`,
              fromAccountId: a.id,
              toAccountNumber: b.number,
              currency: 'USD',
              amount: 10,
              pending: true,
            }),
      ),
    );
    expect(outs.filter((o) => o.kind === 'journal')).toHaveLength(10);
    expect(outs.filter((o) => o.kind === 'declined').every((o) => o.kind === 'declined' && o.code === 'insufficient_funds')).toBe(true);
    const after = await accounts.get('u', a.id);
    expect(after?.available).toBe(0);
    expect((after?.balance ?? 0) - (after?.held ?? 0)).toBe(0);
    expect(after?.balance).toBeGreaterThanOrEqual(0);
  });
});

// ---------- lifecycle races ----------

const pendingTransfer = async (
  ledger: LedgerStore,
  from: { id: string },
  to: { number: string },
  amount: number,
  key: string,
  expiresInSeconds = 60,
) => {
  const out = await ledger.transfer({
    user: 'u',
    idempotencyKey: key,
    fingerprint: key,
    fromAccountId: from.id,
    toAccountNumber: to.number,
    currency: 'USD',
    amount,
    pending: true,
    expiresInSeconds,
  });
  if (out.kind !== 'journal') throw new Error(`hold declined: ${out.code}`);
  return out.journal;
};

describe('post, void and expiry race', () => {
  it('exactly one wins, 20 times, and the hold is released once', async () => {
    const table = await createTestTable('race');
    let now = Date.parse('2026-11-30T12:00:00Z');
    const clock = () => new Date(now);
    const { accounts, ledger } = storesFor(db, table, { now: clock });
    const a = await accounts.open({ ownerId: 'u', type: 'checking', currency: 'USD' });
    const b = await accounts.open({ ownerId: 'v', type: 'checking', currency: 'USD' });
    await ledger.deposit({ user: 'u', idempotencyKey: 'd', fingerprint: 'd', accountId: a.id, amount: 1000 });
    let balance = 1000;
    for (let round = 0; round < 20; round++) {
      const j = await pendingTransfer(ledger, a, b, 10, `hold-${round}`);
      // The expiry runs as of a clock past the hold's time; post and void as of one before it.
      const late = new Date(Date.parse(j.expiresAt as string));
      const [post, voided, expired] = await Promise.all([
        ledger.post({ user: 'u', idempotencyKey: `p-${round}`, fingerprint: 'p', journalId: j.id }),
        ledger.void({ user: 'u', idempotencyKey: `v-${round}`, fingerprint: 'v', journalId: j.id }),
        ledger.expire(j.id, late),
      ]);
      const winners = [post.kind === 'journal', voided.kind === 'journal', expired].filter(Boolean);
      expect(winners).toHaveLength(1);
      for (const lost of [post, voided]) {
        if (lost.kind === 'declined') expect(['transaction_not_pending', 'transaction_expired']).toContain(lost.code);
      }
      if (post.kind === 'journal') balance -= 10;
      const final = await ledger.getJournal(j.id);
      expect(final?.status).toBe(post.kind === 'journal' ? 'posted' : voided.kind === 'journal' ? 'voided' : 'expired');
      const acct = await accounts.get('u', a.id);
      expect(acct).toMatchObject({ balance, held: 0, available: balance, storedHeld: 0 });
      now += 1000;
    }
    const report = await verifyLedger(db, table, { now: clock() });
    expect(report.problems).toEqual([]);
  });

  it('a partial post releases the rest and gives it back to the daily limit', async () => {
    const table = await createTestTable('partial');
    const accounts = new AccountStore(db, table);
    const ledger = new LedgerStore(db, table, accounts, new IdempotencyStore(db, table, 48 * 3600), {
      systemShards: 2,
      dailyLimit: 100,
    });
    const a = await accounts.open({ ownerId: 'u', type: 'checking', currency: 'USD' });
    const b = await accounts.open({ ownerId: 'v', type: 'checking', currency: 'USD' });
    await ledger.deposit({ user: 'u', idempotencyKey: 'd', fingerprint: 'd', accountId: a.id, amount: 500 });
    const j = await pendingTransfer(ledger, a, b, 100, 'h');
    const w = () => ledger.withdraw({ user: 'u', idempotencyKey: `w-${Math.random()}`, fingerprint: 'w', accountId: a.id, amount: 60 });
    expect((await w()).kind).toBe('declined'); // the hold used the whole daily limit
    const posted = await ledger.post({ user: 'u', idempotencyKey: 'p', fingerprint: 'p', journalId: j.id, amount: 40 });
    expect(posted).toMatchObject({ kind: 'journal', journal: { status: 'posted', amount: 40 } });
    expect(await accounts.get('u', a.id)).toMatchObject({ balance: 460, held: 0, available: 460 });
    expect(await accounts.get('v', b.id)).toMatchObject({ balance: 40 });
    expect((await w()).kind).toBe('journal'); // 60 of the limit came back
    expect((await verifyLedger(db, table)).problems).toEqual([]);
  });

  it('an expired hold is not held on reads, and never refuses a debit, before the sweeper ran', async () => {
    const table = await createTestTable('expiry');
    let now = Date.parse('2026-11-30T12:00:00Z');
    const { accounts, ledger } = storesFor(db, table, { now: () => new Date(now) });
    const a = await accounts.open({ ownerId: 'u', type: 'checking', currency: 'USD' });
    const b = await accounts.open({ ownerId: 'v', type: 'checking', currency: 'USD' });
    await ledger.deposit({ user: 'u', idempotencyKey: 'd', fingerprint: 'd', accountId: a.id, amount: 100 });
    const j = await pendingTransfer(ledger, a, b, 100, 'h', 60);
    expect(await accounts.get('u', a.id)).toMatchObject({ balance: 100, held: 100, available: 0 });
    now += 60_000;
    expect(await accounts.get('u', a.id)).toMatchObject({ balance: 100, held: 0, available: 100, storedHeld: 100 });
    const w = await ledger.withdraw({ user: 'u', idempotencyKey: 'w', fingerprint: 'w', accountId: a.id, amount: 100 });
    expect(w.kind).toBe('journal');
    expect((await ledger.getJournal(j.id))?.status).toBe('expired');
    expect(await ledger.expireDue()).toEqual({ expired: 0, seen: 0 });
    const post = await ledger.post({ user: 'u', idempotencyKey: 'p', fingerprint: 'p', journalId: j.id });
    expect(post).toMatchObject({ kind: 'declined', code: 'transaction_expired' });
  });

  it('the sweeper expires what is due, and only that', async () => {
    const table = await createTestTable('sweep');
    let now = Date.parse('2026-11-30T12:00:00Z');
    const { accounts, ledger } = storesFor(db, table, { now: () => new Date(now) });
    const a = await accounts.open({ ownerId: 'u', type: 'checking', currency: 'USD' });
    const b = await accounts.open({ ownerId: 'v', type: 'checking', currency: 'USD' });
    await ledger.deposit({ user: 'u', idempotencyKey: 'd', fingerprint: 'd', accountId: a.id, amount: 100 });
    const soon = await pendingTransfer(ledger, a, b, 10, 'h1', 60);
    const later = await pendingTransfer(ledger, a, b, 20, 'h2', 600);
    now += 61_000;
    expect(await ledger.expireDue()).toEqual({ expired: 1, seen: 1 });
    expect((await ledger.getJournal(soon.id))?.status).toBe('expired');
    expect((await ledger.getJournal(later.id))?.status).toBe('pending');
    expect(await accounts.get('u', a.id)).toMatchObject({ held: 20, storedHeld: 20, available: 80 });
    expect((await verifyLedger(db, table, { now: new Date(now) })).problems).toEqual([]);
  });
});

describe('refunds', () => {
  it('20 concurrent refunds of 10 against a transfer of 100: exactly 10 succeed', async () => {
    const table = await createTestTable('refunds');
    const { accounts, ledger } = storesFor(db, table);
    const a = await accounts.open({ ownerId: 'u', type: 'checking', currency: 'USD' });
    const b = await accounts.open({ ownerId: 'v', type: 'checking', currency: 'USD' });
    await ledger.deposit({ user: 'u', idempotencyKey: 'd', fingerprint: 'd', accountId: a.id, amount: 100 });
    await ledger.deposit({ user: 'v', idempotencyKey: 'd', fingerprint: 'd', accountId: b.id, amount: 1000 });
    const t = await ledger.transfer({
      user: 'u',
      idempotencyKey: 't',
      fingerprint: 't',
      fromAccountId: a.id,
      toAccountNumber: b.number,
      currency: 'USD',
      amount: 100,
    });
    if (t.kind !== 'journal') throw new Error('transfer declined');
    const outs = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        ledger.refund({ user: 'v', idempotencyKey: `r${i}`, fingerprint: `r${i}`, journalId: t.journal.id, amount: 10 }),
      ),
    );
    expect(outs.filter((o) => o.kind === 'journal')).toHaveLength(10);
    expect(outs.filter((o) => o.kind === 'declined' && o.code === 'refund_exceeds_amount')).toHaveLength(10);
    expect((await ledger.getJournal(t.journal.id))?.refundedAmount).toBe(100);
    expect(await accounts.get('u', a.id)).toMatchObject({ balance: 100 });
    expect(await accounts.get('v', b.id)).toMatchObject({ balance: 1000 });
    // Only the credited side may refund; anyone else is told there is no such transaction.
    await expect(
      ledger.refund({ user: 'u', idempotencyKey: 'x', fingerprint: 'x', journalId: t.journal.id, amount: 1 }),
    ).rejects.toMatchObject({ code: 'not_found' });
    expect((await verifyLedger(db, table)).problems).toEqual([]);
  });
});
