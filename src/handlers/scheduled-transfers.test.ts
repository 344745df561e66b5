import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { call } from '../../test/api.ts';
import {
  balanceOf,
  deposit,
  expiredHold,
  holdEntryStatus,
  newUser,
  openAccount,
  unknownNumber,
  withdraw,
} from '../../test/banking.ts';
import { timeout } from '../../test/faults.ts';
import { answerLostOnce, createTestTable, dynamoClients, useHandlerEnv } from '../../test/harness.ts';
import { captureLogs } from '../../test/logs.ts';
import type { Journal } from '../domain/ledger.ts';
import { addDays, dayOf } from '../domain/schedule.ts';
import { runAs } from '../local/iam.ts';
import { AccountStore } from '../store/accounts.ts';
import { createDocumentClient } from '../store/db.ts';
import * as keys from '../store/item-keys.ts';
import { paymentKeys } from '../store/keys.ts';
import {
  CLAIM_SECONDS,
  MAX_ACTIVE_SCHEDULES,
  type ScheduleRecord,
  ScheduleStore,
} from '../store/schedules.ts';
import { SessionStore } from '../store/sessions.ts';
import { loginStatus } from './context.ts';
import { declineRun, earlierRun, payRun } from './ledger-adapter.ts';
import { type RunnerDeps, runDue as runDueCode, handler as runnerHandler } from './scheduled-transfers.ts';

/**
 * The runner's code as the scheduled-transfers function runs it: under its offline IAM (src/local/iam.ts,
 * as the local stack's scheduler runs the handler), so a write outside the function's `writePartitions`
 * (src/functions.ts) is refused here as on AWS: the run fails, or is counted an error.
 */
const runDue = (d: RunnerDeps, today: string) => runAs('scheduled-transfers', () => runDueCode(d, today));
const handler = (event: Parameters<typeof runnerHandler>[0]) =>
  runAs('scheduled-transfers', () => runnerHandler(event));

/**
 * The year the schedules run in: the next one that is not a leap year (the month ends below include
 * 28 February), so every date is in the future whenever the suite runs.
 */
const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
let Y = new Date().getUTCFullYear() + 1;
while (leap(Y)) Y++;

/**
 * The file's clock: 10 December of the year before Y at each test's start, moving on at the real pace
 * (vi's fake Date; the handlers run in this process). createSchedule refuses a start more than
 * MAX_START_AHEAD_DAYS (366) from today, and the starts below span Y from 31 January to 1 December: on
 * the real clock they all fit only from about 30 November to 31 December, and on no day of a year
 * before a leap year (Y skips the leap year).
 */
const CLOCK_OFFSET = Date.parse(`${Y - 1}-12-10T12:00:00Z`) - Date.now();
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + CLOCK_OFFSET, shouldAdvanceTime: true });
});
afterEach(() => {
  vi.useRealTimers();
});

let table: string;
beforeAll(async () => {
  table = await createTestTable('schedules');
  useHandlerEnv({ TABLE_NAME: table, BANK_DAILY_LIMIT: '100000000' });
});
const doc = () => createDocumentClient(dynamoClients().client);
const deps = (extra: Partial<RunnerDeps> = {}): RunnerDeps => ({
  schedules: new ScheduleStore(doc(), table),
  accounts: new AccountStore(doc(), table),
  pay: payRun,
  earlier: earlierRun,
  decline: declineRun,
  loginStatus,
  ...extra,
});

const setup = async (funds: number) => {
  const payer = await newUser(table, 'Pat Payer');
  const landlord = await newUser(table, 'Lee Landlord');
  const from = await openAccount(payer);
  const to = await openAccount(landlord);
  if (funds) await deposit(payer, from.id, funds);
  return { payer, landlord, from, to };
};

const schedule = async (user: string, body: Record<string, unknown>) => {
  const r = await call('createSchedule', {
    user,
    body: { currency: 'USD', ...body },
    headers: { 'idempotency-key': randomUUID() },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as { id: string; nextRunDate: string; status: string };
};
const detail = async (user: string, id: string) => (await call('getSchedule', { user, params: { id } })).body;
/** A run's item as stored: what the stream turns into the owner's notice of a failed run. */
const runItem = async (user: string, id: string, runDate: string) =>
  (
    await doc().send(
      new GetCommand({ TableName: table, Key: paymentKeys.run(user, id, runDate), ConsistentRead: true }),
    )
  ).Item;
/** Disables or enables a customer's login as the admin's disable and enable do (the SECURITY item every guard reads). */
const setLogin = async (user: string, enable: boolean) => {
  const change = enable
    ? { enable: true as const }
    : { disable: { at: new Date().toISOString(), reason: 'Account takeover (ticket 9)' } };
  const piece = new SessionStore(doc(), table, 3600).statusPiece(user, change);
  await doc().send(new TransactWriteCommand({ TransactItems: [piece.item] }));
};
/** Sets an account's stored status as a freeze or unfreeze does (the version moves too). */
const setStatus = async (user: string, accountId: string, status: 'active' | 'frozen') =>
  doc().send(
    new UpdateCommand({
      TableName: table,
      Key: keys.account(user, accountId),
      UpdateExpression: 'SET #s = :s, version = version + :one',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':s': status, ':one': 1 },
    }),
  );

describe('scheduled transfers', () => {
  it('pays a year of rent monthly from 31 January, on 28 February and other month ends, in one pass of the clock', async () => {
    const { payer, landlord, from, to } = await setup(2_000_00);
    const s = await schedule(payer, {
      fromAccountId: from.id,
      toAccountNumber: to.number,
      amount: 100_00,
      description: 'Rent',
      startDate: `${Y}-01-31`,
      frequency: 'monthly',
      count: 12,
    });
    expect(s).toMatchObject({ status: 'active', nextRunDate: `${Y}-01-31` });
    // The clock moves a day at a time through the year.
    for (let day = `${Y}-01-30`; day <= `${Y + 1}-02-01`; day = addDays(day, 1)) await runDue(deps(), day);
    const d = await detail(payer, s.id);
    expect(d.status).toBe('ended');
    expect(d.endReason).toBe('completed');
    expect(d.runsDone).toBe(12);
    expect(d.nextRunDate).toBeNull();
    expect(d.runs.map((r: { runDate: string }) => r.runDate).reverse()).toEqual([
      `${Y}-01-31`,
      `${Y}-02-28`,
      `${Y}-03-31`,
      `${Y}-04-30`,
      `${Y}-05-31`,
      `${Y}-06-30`,
      `${Y}-07-31`,
      `${Y}-08-31`,
      `${Y}-09-30`,
      `${Y}-10-31`,
      `${Y}-11-30`,
      `${Y}-12-31`,
    ]);
    expect(
      d.runs.every(
        (r: { outcome: string; transactionId?: string }) => r.outcome === 'succeeded' && r.transactionId,
      ),
    ).toBe(true);
    expect(await balanceOf(payer, from.id)).toBe(800_00);
    expect(await balanceOf(landlord, to.id)).toBe(1_200_00);
  }, 120_000);

  it('two runners at once pay once, and a run retried after a crash is the same payment', async () => {
    const { payer, from, to } = await setup(1_000_00);
    const start = addDays(new Date().toISOString().slice(0, 10), 1);
    const s = await schedule(payer, {
      fromAccountId: from.id,
      toAccountNumber: to.number,
      amount: 10_00,
      startDate: start,
      frequency: 'weekly',
    });
    const results = await Promise.all([runDue(deps(), start), runDue(deps(), start), runDue(deps(), start)]);
    expect(results.reduce((n, r) => n + r.succeeded, 0)).toBe(1);
    expect(await balanceOf(payer, from.id)).toBe(990_00);

    // A runner paid the next run, then died before recording it: the next runner's payment replays it.
    const record = await new ScheduleStore(doc(), table).mustGet(payer, s.id);
    const first = await payRun(record, addDays(start, 7));
    expect(first).toEqual({ transactionId: expect.any(String) });
    await runDue(deps(), addDays(start, 7));
    const d = await detail(payer, s.id);
    expect(d.runs[0]).toMatchObject({
      runDate: addDays(start, 7),
      outcome: 'succeeded',
      transactionId: (first as { transactionId: string }).transactionId,
    });
    expect(await balanceOf(payer, from.id)).toBe(980_00);
  });

  it('a run paid by a runner that died is recorded as paid, though the owner was disabled or the source closed since', async () => {
    const { payer, from, to } = await setup(100_00);
    const start = `${Y}-11-02`;
    const s = await schedule(payer, {
      fromAccountId: from.id,
      toAccountNumber: to.number,
      amount: 10_00,
      startDate: start,
      frequency: 'weekly',
    });
    const record = await new ScheduleStore(doc(), table).mustGet(payer, s.id);
    // Paid, then the runner died before recording it; staff disable the login meanwhile.
    const first = (await payRun(record, start)) as { transactionId: string };
    const disabled = { disabled: { at: new Date().toISOString(), reason: 'Account takeover (ticket 12)' } };
    await runDue(deps({ loginStatus: async () => disabled }), start);
    expect((await detail(payer, s.id)).runs[0]).toMatchObject({
      runDate: start,
      outcome: 'succeeded',
      transactionId: first.transactionId,
    });
    // Paid again the next week under a runner's claim, then the owner empties and closes the source
    // before it is recorded: the close leaves the claimed schedule (its run may be paid) to the runner.
    const store = new ScheduleStore(doc(), table);
    const moved = await store.mustGet(payer, s.id);
    expect(await store.claim(moved, addDays(start, 7), Date.now())).toEqual(expect.any(String));
    const second = (await payRun(moved, addDays(start, 7))) as { transactionId: string };
    await withdraw(payer, from.id, 80_00);
    expect((await call('closeAccount', { user: payer, params: { id: from.id } })).status).toBe(200);
    expect(await detail(payer, s.id)).toMatchObject({ status: 'active', nextRunDate: addDays(start, 7) });
    // The claim's runner died: the next one takes the run over once the claim is over.
    const later = () => Date.now() + (CLAIM_SECONDS + 1) * 1000;
    await runDue(deps({ nowMs: later }), addDays(start, 14));
    const d = await detail(payer, s.id);
    expect(d).toMatchObject({ status: 'ended', endReason: 'source_closed', nextRunDate: null });
    expect(
      d.runs.map((r: { runDate: string; outcome: string; errorCode?: string; transactionId?: string }) => [
        r.runDate,
        r.outcome,
        r.errorCode ?? r.transactionId,
      ]),
    ).toEqual([
      // Recorded as paid, and the schedule ends with it: no failed run, no failure notice after.
      [addDays(start, 7), 'succeeded', second.transactionId],
      [start, 'succeeded', first.transactionId],
    ]);
  });

  it("pays a due run though its customer has spent the minute's account-number checks (the number was checked when the schedule was made)", async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date(`${Y}-02-20T10:00:05Z`) });
    try {
      const { payer, from, to } = await setup(100_00);
      const s = await schedule(payer, {
        fromAccountId: from.id,
        toAccountNumber: to.number,
        amount: 10_00,
        startDate: `${Y}-02-21`,
        frequency: 'once',
      });
      const pay = (toAccountNumber: string) =>
        call('transfer', {
          user: payer,
          body: { fromAccountId: from.id, toAccountNumber, amount: 1, currency: 'USD' },
          headers: { 'idempotency-key': randomUUID() },
        });
      // 20 numbers that match no account: the customer's checks for this minute are spent.
      for (let i = 0; i < 20; i++)
        expect((await pay(unknownNumber(i))).body.code).toBe('recipient_not_found');
      expect((await pay(to.number)).status).toBe(429);
      // The run, in the same minute, is paid.
      expect(await runDue(deps(), `${Y}-02-21`)).toMatchObject({ succeeded: 1, errors: 0 });
      expect((await detail(payer, s.id)).runs).toMatchObject([{ outcome: 'succeeded' }]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('records a failed run for insufficient funds and still runs the next month', async () => {
    const { payer, from, to } = await setup(150_00);
    const s = await schedule(payer, {
      fromAccountId: from.id,
      toAccountNumber: to.number,
      amount: 100_00,
      startDate: `${Y}-03-15`,
      frequency: 'monthly',
    });
    await runDue(deps(), `${Y}-03-15`);
    // The decline is recorded by the run that met it, and the schedule moves on at once.
    expect(await runDue(deps(), `${Y}-04-15`)).toMatchObject({ failed: 1, errors: 0 });
    expect(await detail(payer, s.id)).toMatchObject({ nextRunDate: `${Y}-05-15`, runsDone: 2 });
    // The failed run's item says the schedule goes on, and when (its owner's notice says so), and the
    // number of the account it was to pay from (the notice names it by its last 4 digits).
    expect(await runItem(payer, s.id, `${Y}-04-15`)).toMatchObject({
      outcome: 'failed',
      scheduleStatus: 'active',
      nextRunDate: `${Y}-05-15`,
      fromAccountNumber: from.number,
    });
    await deposit(payer, from.id, 100_00);
    await runDue(deps(), `${Y}-05-15`);
    const d = await detail(payer, s.id);
    expect(
      d.runs.map((r: { runDate: string; outcome: string; errorCode?: string }) => [
        r.runDate,
        r.outcome,
        r.errorCode,
      ]),
    ).toEqual([
      [`${Y}-05-15`, 'succeeded', undefined],
      [`${Y}-04-15`, 'failed', 'insufficient_funds'],
      [`${Y}-03-15`, 'succeeded', undefined],
    ]);
    expect(d).toMatchObject({ status: 'active', nextRunDate: `${Y}-06-15`, runsDone: 3 });
    expect(await balanceOf(payer, from.id)).toBe(50_00);
  });

  it('releases the payer\u2019s expired hold before it pays a run: the hold it took expires, its entry with it', async () => {
    const { payer, landlord, from, to } = await setup(100_00);
    // A pending transfer of 60 made ten minutes ago for a minute: expired, its hold still stored.
    const held = await expiredHold(payer, from.id, to.number, 60_00);
    const s = await schedule(payer, {
      fromAccountId: from.id,
      toAccountNumber: to.number,
      amount: 50_00,
      startDate: `${Y}-09-15`,
      frequency: 'once',
    });
    // 40 available as stored: the run's 50 is paid once the runner's debit releases the hold.
    expect(await runDue(deps(), `${Y}-09-15`)).toMatchObject({ succeeded: 1, errors: 0 });
    expect((await detail(payer, s.id)).runs).toMatchObject([{ outcome: 'succeeded' }]);
    const hold = await call('getTransaction', { user: payer, params: { id: held } });
    expect(hold.body.status).toBe('expired');
    expect(await holdEntryStatus(table, from.id, held)).toBe('expired');
    expect(await balanceOf(payer, from.id)).toBe(50_00);
    expect(await balanceOf(landlord, to.id)).toBe(50_00);
  });

  it('stops after cancellation, and ends when the source account is closed', async () => {
    const { payer, from, to } = await setup(500_00);
    const s = await schedule(payer, {
      fromAccountId: from.id,
      toAccountNumber: to.number,
      amount: 10_00,
      startDate: `${Y}-06-01`,
      frequency: 'weekly',
    });
    await runDue(deps(), `${Y}-06-01`);
    const cancelled = await call('cancelSchedule', { user: payer, params: { id: s.id } });
    expect(cancelled.body).toMatchObject({ status: 'cancelled', nextRunDate: null });
    // No run was under way: none may still be paid.
    expect(cancelled.body).not.toHaveProperty('openRun');
    await runDue(deps(), `${Y}-07-01`);
    expect((await detail(payer, s.id)).runs).toHaveLength(1);
    expect(await balanceOf(payer, from.id)).toBe(490_00);
    // Cancelling again answers it as it is.
    expect((await call('cancelSchedule', { user: payer, params: { id: s.id } })).body.status).toBe(
      'cancelled',
    );

    const t = await schedule(payer, {
      fromAccountId: from.id,
      toAccountNumber: to.number,
      amount: 10_00,
      startDate: `${Y}-08-01`,
      frequency: 'monthly',
    });
    await withdraw(payer, from.id, 490_00);
    expect((await call('closeAccount', { user: payer, params: { id: from.id } })).status).toBe(200);
    // Ended by the close itself: its first run, not due yet, is never tried (no failed run to tell of).
    expect(await detail(payer, t.id)).toMatchObject({ status: 'ended', endReason: 'source_closed' });
    await runDue(deps(), `${Y}-08-01`);
    const d = await detail(payer, t.id);
    expect(d).toMatchObject({ status: 'ended', endReason: 'source_closed', nextRunDate: null, runs: [] });
  });

  it('ends when the account it pays is closed, goes on while it is frozen, and each failed run says what became of the schedule', async () => {
    const { payer, landlord, from, to } = await setup(500_00);
    const s = await schedule(payer, {
      fromAccountId: from.id,
      toAccountNumber: to.number,
      amount: 10_00,
      startDate: `${Y}-11-02`,
      frequency: 'weekly',
    });
    // Frozen: it may be unfrozen, so the schedule goes on.
    await setStatus(landlord, to.id, 'frozen');
    await runDue(deps(), `${Y}-11-02`);
    expect(await detail(payer, s.id)).toMatchObject({ status: 'active', nextRunDate: `${Y}-11-09` });
    expect(await runItem(payer, s.id, `${Y}-11-02`)).toMatchObject({
      errorCode: 'recipient_frozen',
      scheduleStatus: 'active',
      nextRunDate: `${Y}-11-09`,
    });
    // Closed: no later run could be paid, so the schedule ends with this run recorded as failed.
    await setStatus(landlord, to.id, 'active');
    expect((await call('closeAccount', { user: landlord, params: { id: to.id } })).status).toBe(200);
    await runDue(deps(), `${Y}-11-09`);
    const d = await detail(payer, s.id);
    expect(d).toMatchObject({
      status: 'ended',
      endReason: 'recipient_closed',
      nextRunDate: null,
      runsDone: 2,
    });
    expect(d.runs[0]).toMatchObject({
      runDate: `${Y}-11-09`,
      outcome: 'failed',
      errorCode: 'recipient_closed',
    });
    expect(await runItem(payer, s.id, `${Y}-11-09`)).toMatchObject({
      scheduleStatus: 'ended',
      endReason: 'recipient_closed',
    });
    // Nothing runs after it, and nothing was paid.
    await runDue(deps(), `${Y}-12-31`);
    expect((await detail(payer, s.id)).runs).toHaveLength(2);
    expect(await balanceOf(payer, from.id)).toBe(500_00);
    // A new schedule to the closed account is refused, as a transfer to it is.
    const refused = await call('createSchedule', {
      user: payer,
      body: {
        currency: 'USD',
        fromAccountId: from.id,
        toAccountNumber: to.number,
        amount: 10_00,
        startDate: `${Y}-12-01`,
        frequency: 'weekly',
      },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('account_not_active');
    // Said to be the recipient's, as a transfer's refusal is (the form marks the number, not the source).
    expect(refused.body.errors).toEqual([{ path: 'body.toAccountNumber', message: expect.any(String) }]);

    // A one-off transfer's only run failing (more than the account holds) ends its schedule as
    // completed, and says so.
    const other = await openAccount(landlord);
    const once = await schedule(payer, {
      fromAccountId: from.id,
      toAccountNumber: other.number,
      amount: 1_000_00,
      startDate: `${Y}-11-03`,
      frequency: 'once',
    });
    await runDue(deps(), `${Y}-11-03`);
    expect(await runItem(payer, once.id, `${Y}-11-03`)).toMatchObject({
      errorCode: 'insufficient_funds',
      scheduleStatus: 'ended',
      endReason: 'completed',
    });
  });

  it('a run paid by a runner that died before recording it is recorded though its owner cancelled meanwhile; a claimed run never paid is not', async () => {
    const { payer, from, to } = await setup(100_00);
    const store = new ScheduleStore(doc(), table);
    const later = () => Date.now() + 10 * 60_000;
    const weekly = (startDate: string) =>
      schedule(payer, {
        fromAccountId: from.id,
        toAccountNumber: to.number,
        amount: 10_00,
        startDate,
        frequency: 'weekly',
      });
    const D = `${Y}-05-04`;
    const s = await weekly(D);
    // A runner claims the run and pays it, then dies before recording it.
    const rec = await store.mustGet(payer, s.id);
    expect(await store.claim(rec, D, Date.now())).toBeDefined();
    const paid = await payRun(rec, D);
    expect(paid).toHaveProperty('transactionId');
    // The owner cancels before the next invocation: the answer says the run under way may still be paid.
    expect((await call('cancelSchedule', { user: payer, params: { id: s.id } })).body).toMatchObject({
      status: 'cancelled',
      nextRunDate: null,
      openRun: D,
    });
    expect(await detail(payer, s.id)).toMatchObject({ openRun: D });
    // While the dead runner's claim lasts, nothing is done; once it is over, the run is recorded as paid.
    await runDue(deps(), D);
    expect(await store.runs(payer, s.id)).toEqual([]);
    await runDue(deps({ nowMs: later }), addDays(D, 7));
    const d = await detail(payer, s.id);
    expect(d).toMatchObject({ status: 'cancelled', nextRunDate: null, runsDone: 1 });
    expect(d).not.toHaveProperty('openRun');
    expect(d.runs).toMatchObject([
      { runDate: D, outcome: 'succeeded', transactionId: (paid as { transactionId: string }).transactionId },
    ]);
    expect(await runItem(payer, s.id, D)).toMatchObject({ scheduleStatus: 'cancelled' });
    expect((await store.due(addDays(D, 7), 1000)).map((x) => x.id)).not.toContain(s.id);
    expect(await balanceOf(payer, from.id)).toBe(90_00);

    // A claimed run that never reached the ledger: nothing is recorded or paid, and it leaves the index.
    const t = await weekly(`${Y}-05-11`);
    expect(await store.claim(await store.mustGet(payer, t.id), `${Y}-05-11`, Date.now())).toBeDefined();
    expect((await call('cancelSchedule', { user: payer, params: { id: t.id } })).body.openRun).toBe(
      `${Y}-05-11`,
    );
    await runDue(deps({ nowMs: later }), `${Y}-05-18`);
    expect(await detail(payer, t.id)).toMatchObject({ status: 'cancelled', runsDone: 0, runs: [] });
    expect(await detail(payer, t.id)).not.toHaveProperty('openRun');
    expect((await store.due(`${Y}-05-18`, 1000)).map((x) => x.id)).not.toContain(t.id);
    expect(await balanceOf(payer, from.id)).toBe(90_00);
  });

  it('a cancelled run settled as never paid stays unpaid when its first runner, past its claim, reaches the ledger after', async () => {
    const { payer, landlord, from, to } = await setup(100_00);
    const D = `${Y}-06-01`;
    const s = await schedule(payer, {
      fromAccountId: from.id,
      toAccountNumber: to.number,
      amount: 10_00,
      startDate: D,
      frequency: 'weekly',
    });
    // Runner A claims the run and is slow to pay it: it reaches the ledger only once released below.
    let reached = () => {};
    const atLedger = new Promise<void>((r) => {
      reached = r;
    });
    let release = () => {};
    const released = new Promise<void>((r) => {
      release = r;
    });
    const slow = runDue(
      deps({
        pay: async (rec, date) => {
          reached();
          await released;
          return payRun(rec, date);
        },
      }),
      D,
    );
    await atLedger;
    // The owner cancels while A holds the claim: the run stays open.
    expect((await call('cancelSchedule', { user: payer, params: { id: s.id } })).body.openRun).toBe(D);
    // Runner B comes once A's claim has run out, and finds the run's key free: nothing is recorded.
    await runDue(deps({ nowMs: () => Date.now() + 10 * 60_000 }), D);
    expect(await detail(payer, s.id)).toMatchObject({ status: 'cancelled', runsDone: 0, runs: [] });
    expect(await detail(payer, s.id)).not.toHaveProperty('openRun');
    // A's payment reaches the ledger after that: refused, so nothing is paid that no run records.
    release();
    await slow;
    expect(await balanceOf(payer, from.id)).toBe(100_00);
    expect(await balanceOf(landlord, to.id)).toBe(0);
    expect(await detail(payer, s.id)).toMatchObject({ status: 'cancelled', runsDone: 0, runs: [] });
  });

  it('pays nothing while the bank has disabled the owner\u2019s login: a failed run (user_disabled), then on', async () => {
    const { payer, landlord, from, to } = await setup(500_00);
    const s = await schedule(payer, {
      fromAccountId: from.id,
      toAccountNumber: to.number,
      amount: 10_00,
      startDate: `${Y}-10-01`,
      frequency: 'weekly',
    });
    const setEnabled = (enable: boolean) => setLogin(payer, enable);
    await setEnabled(false);
    await runDue(deps(), `${Y}-10-01`);
    // Through the function as deployed (its own dependencies) too.
    await handler({ time: `${Y}-10-08T00:00:01Z` });
    await setEnabled(true);
    // The owner, logged in again after the enable (a token issued after the disable's marker).
    const owner = { user: payer, claims: { iat: Math.floor(Date.now() / 1000) + 60 } };
    const balance = async (user: string, id: string) =>
      (await call('getBalance', { ...owner, user, params: { id } })).body.balance;
    expect(await balance(payer, from.id)).toBe(500_00);
    expect(await balanceOf(landlord, to.id)).toBe(0);
    // Runs missed while it was disabled are not paid after: the next date is.
    await runDue(deps(), `${Y}-10-15`);
    const d = (await call('getSchedule', { ...owner, params: { id: s.id } })).body;
    expect(d).toMatchObject({ status: 'active', nextRunDate: `${Y}-10-22`, runsDone: 3 });
    expect(
      d.runs.map((r: { runDate: string; outcome: string; errorCode?: string }) => [
        r.runDate,
        r.outcome,
        r.errorCode,
      ]),
    ).toEqual([
      [`${Y}-10-15`, 'succeeded', undefined],
      [`${Y}-10-08`, 'failed', 'user_disabled'],
      [`${Y}-10-01`, 'failed', 'user_disabled'],
    ]);
    expect(await balance(payer, from.id)).toBe(490_00);
    expect(await balanceOf(landlord, to.id)).toBe(10_00);
  });

  it('a run refused while the owner was disabled stays refused when its record failed and the login was enabled before the next runner', async () => {
    const { payer, landlord, from, to } = await setup(500_00);
    const s = await schedule(payer, {
      fromAccountId: from.id,
      toAccountNumber: to.number,
      amount: 10_00,
      startDate: `${Y}-12-01`,
      frequency: 'weekly',
    });
    const setEnabled = (enable: boolean) => setLogin(payer, enable);
    await setEnabled(false);
    // The runner refuses the run, and its record of it fails: its claim is left to run out.
    const store = new ScheduleStore(doc(), table);
    const unrecorded = Object.assign(Object.create(store) as ScheduleStore, {
      finish: (rec: ScheduleRecord, ...rest: unknown[]) => {
        if (rec.id === s.id) throw new Error('the record of the run was lost');
        return (store.finish as (...a: unknown[]) => Promise<{ nextRunDate?: string }>).call(
          store,
          rec,
          ...rest,
        );
      },
    });
    expect(await runDue(deps({ schedules: unrecorded }), `${Y}-12-01`)).toMatchObject({ errors: 1 });
    expect(await store.mustGet(payer, s.id)).toMatchObject({ runsDone: 0, nextRunDate: `${Y}-12-01` });
    // Staff enable the login before the next runner, which comes after the claim ran out.
    await setEnabled(true);
    const later = () => Date.now() + 10 * 60_000;
    await runDue(deps({ nowMs: later }), `${Y}-12-01`);
    expect(await store.runs(payer, s.id)).toMatchObject([
      { runDate: `${Y}-12-01`, outcome: 'failed', errorCode: 'user_disabled' },
    ]);
    expect(await store.mustGet(payer, s.id)).toMatchObject({ status: 'active', nextRunDate: `${Y}-12-08` });
    expect(await balanceOf(landlord, to.id)).toBe(0);
  });

  it('runs from the scheduled event\u2019s time, pays a payee, and validates what it is given', async () => {
    const { payer, landlord, from, to } = await setup(100_00);
    const payee = await call('createPayee', {
      user: payer,
      body: { name: 'Lee Landlord', accountNumber: to.number },
    });
    const s = await schedule(payer, {
      fromAccountId: from.id,
      payeeId: payee.body.id,
      amount: 7_00,
      startDate: `${Y}-09-09`,
      frequency: 'once',
    });
    expect((await detail(payer, s.id)).toAccountNumber).toBe(to.number);
    await handler({ time: `${Y}-09-08T23:59:59Z` });
    expect(await balanceOf(landlord, to.id)).toBe(0);
    await handler({ time: `${Y}-09-09T00:00:01Z` });
    expect(await balanceOf(landlord, to.id)).toBe(7_00);
    expect((await detail(payer, s.id)).status).toBe('ended');

    const today = new Date().toISOString().slice(0, 10);
    const bad = async (body: Record<string, unknown>, status = 400) => {
      const r = await call('createSchedule', {
        user: payer,
        headers: { 'idempotency-key': randomUUID() },
        body: {
          currency: 'USD',
          fromAccountId: from.id,
          amount: 1,
          frequency: 'monthly',
          startDate: today,
          ...body,
        },
      });
      expect(r.status, JSON.stringify(body)).toBe(status);
      return r.body.code;
    };
    await bad({ toAccountNumber: to.number, startDate: addDays(today, -1) });
    await bad({ toAccountNumber: to.number, startDate: `${Y}-02-30` });
    await bad({});
    await bad({ toAccountNumber: to.number, payeeId: payee.body.id });
    expect(await bad({ toAccountNumber: '0000000000' }, 422)).toBe('recipient_not_found');
    expect(await bad({ toAccountNumber: from.number }, 422)).toBe('same_account');
  });

  it('is created once per Idempotency-Key: a repeat answers the same schedule, and a key is required', async () => {
    const { payer, from, to } = await setup(0);
    const body = {
      currency: 'USD',
      fromAccountId: from.id,
      toAccountNumber: to.number,
      amount: 5_00,
      startDate: `${Y}-02-01`,
      frequency: 'weekly',
    };
    const headers = { 'idempotency-key': randomUUID() };
    const first = await call('createSchedule', { user: payer, body, headers });
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await call('createSchedule', { user: payer, body, headers });
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect((await call('listSchedules', { user: payer })).body.items).toHaveLength(1);
    // The same key for another schedule, no key, or a key of the scheduler's own form: refused.
    const other = await call('createSchedule', { user: payer, body: { ...body, amount: 6_00 }, headers });
    expect([other.status, other.body.code]).toEqual([422, 'idempotency_key_reused']);
    const none = await call('createSchedule', { user: payer, body });
    expect([none.status, none.body.code]).toEqual([400, 'idempotency_key_required']);
    const theirs = await call('createSchedule', {
      user: payer,
      body,
      headers: { 'idempotency-key': `sched:${first.body.id}:${Y}-02-01` },
    });
    expect([theirs.status, theirs.body.code]).toEqual([400, 'validation_failed']);
    expect((await call('listSchedules', { user: payer })).body.items).toHaveLength(1);
  });

  it("another customer's schedule is a 404", async () => {
    const { payer, from, to } = await setup(0);
    const other = await newUser(table);
    const s = await schedule(payer, {
      fromAccountId: from.id,
      toAccountNumber: to.number,
      amount: 1_00,
      startDate: `${Y}-10-01`,
      frequency: 'once',
    });
    expect((await call('getSchedule', { user: other, params: { id: s.id } })).status).toBe(404);
    expect((await call('cancelSchedule', { user: other, params: { id: s.id } })).status).toBe(404);
    expect((await call('listSchedules', { user: other })).body.items).toEqual([]);
    expect(
      (
        await call('createSchedule', {
          user: other,
          headers: { 'idempotency-key': randomUUID() },
          body: {
            currency: 'USD',
            fromAccountId: from.id,
            toAccountNumber: to.number,
            amount: 1,
            startDate: `${Y}-10-01`,
            frequency: 'once',
          },
        })
      ).status,
    ).toBe(404);
    expect((await detail(payer, s.id)).status).toBe('active');
  });

  it(`allows at most ${MAX_ACTIVE_SCHEDULES} active schedules; a cancelled one and one that ended each free a place`, async () => {
    const { payer, from, to } = await setup(0);
    const make = (frequency: string) =>
      call('createSchedule', {
        user: payer,
        headers: { 'idempotency-key': randomUUID() },
        body: {
          currency: 'USD',
          fromAccountId: from.id,
          toAccountNumber: to.number,
          amount: 1_00,
          startDate: `${Y}-09-01`,
          frequency,
        },
      });
    // All but two places taken (the count the store keeps, written directly).
    await doc().send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: `USER#${payer}`, sk: 'SCHEDULES' },
        UpdateExpression: 'SET active = :n',
        ExpressionAttributeValues: { ':n': MAX_ACTIVE_SCHEDULES - 2 },
      }),
    );
    const once = await make('once');
    const weekly = await make('weekly');
    expect([once.status, weekly.status]).toEqual([201, 201]);
    const refused = await make('weekly');
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('schedule_limit_reached');
    expect(refused.body.detail).toMatch(/at most 50 active/);
    expect((await call('listSchedules', { user: payer })).body.items).toHaveLength(2);
    // A cancelled schedule frees its place.
    expect((await call('cancelSchedule', { user: payer, params: { id: weekly.body.id } })).status).toBe(200);
    expect((await make('weekly')).status).toBe(201);
    expect((await make('weekly')).status).toBe(409);
    // So does one that ended (its only run recorded).
    const store = new ScheduleStore(doc(), table);
    const rec = await store.mustGet(payer, once.body.id);
    const token = (await store.claim(rec, `${Y}-09-01`, Date.now())) as string;
    await store.finish(rec, token, {
      runDate: `${Y}-09-01`,
      outcome: 'failed',
      errorCode: 'insufficient_funds',
      at: new Date().toISOString(),
    });
    expect(await detail(payer, once.body.id)).toMatchObject({ status: 'ended', endReason: 'completed' });
    expect((await make('weekly')).status).toBe(201);
    expect((await make('weekly')).status).toBe(409);
  });
});

describe('claims on a run (ScheduleStore.claim, release, finish, settleOpenRun)', () => {
  /** A whole second, so that the lease's last second is exact. */
  const T0 = Date.parse(`${Y}-07-01T09:00:00.000Z`);
  const plus = (seconds: number) => T0 + seconds * 1000;
  const weekly = async (startDate: string) => {
    const { payer, from, to } = await setup(0);
    const s = await schedule(payer, {
      fromAccountId: from.id,
      toAccountNumber: to.number,
      amount: 1_00,
      startDate,
      frequency: 'weekly',
    });
    const store = new ScheduleStore(doc(), table);
    return { payer, store, rec: await store.mustGet(payer, s.id) };
  };
  const failedRun = (runDate: string) => ({
    runDate,
    outcome: 'failed' as const,
    errorCode: 'insufficient_funds',
    at: new Date(T0).toISOString(),
  });

  it('holds the run for CLAIM_SECONDS, through their last second, against other runners; then another may take it', async () => {
    const D = `${Y}-07-06`;
    const { store, rec } = await weekly(D);
    expect(await store.claim(rec, D, T0)).toBeDefined();
    expect(await store.claim(rec, D, plus(1))).toBeUndefined();
    expect(await store.claim(rec, D, plus(CLAIM_SECONDS))).toBeUndefined();
    expect(await store.claim(rec, D, plus(CLAIM_SECONDS + 1))).toBeDefined();
  });

  it('is taken when the SDK sends it again after its answer was lost: the claim is this runner\u2019s, not no one\u2019s for CLAIM_SECONDS', async () => {
    const D = `${Y}-07-20`;
    const { payer, rec } = await weekly(D);
    // DynamoDB sets the claim; its answer is lost, and the SDK's second attempt meets the claim it set.
    const lossy = answerLostOnce('UpdateItemCommand');
    const token = await new ScheduleStore(lossy, table).claim(rec, D, T0);
    expect(lossy.lost()).toBe(1);
    expect(token).toBeDefined();
    // It is this runner's: it can finish the run under it.
    await new ScheduleStore(doc(), table).finish(rec, token as string, failedRun(D));
    expect(await new ScheduleStore(doc(), table).mustGet(payer, rec.id)).toMatchObject({
      nextRunDate: addDays(D, 7),
    });
  });

  it('is refused for a run the schedule has moved past (a runner that read it before another recorded the run)', async () => {
    const D = `${Y}-07-13`;
    const { payer, store, rec } = await weekly(D);
    const token = await store.claim(rec, D, T0);
    await store.finish(rec, token as string, failedRun(D));
    expect(await store.mustGet(payer, rec.id)).toMatchObject({ nextRunDate: addDays(D, 7) });
    // No claim stands now: only the date refuses it.
    expect(await store.claim(rec, D, plus(1))).toBeUndefined();
  });

  it('given back, or recorded, by a runner whose claim ran out and was taken: the taker’s claim stands, and the run is the taker’s to record', async () => {
    const D = `${Y}-07-20`;
    const { payer, store, rec } = await weekly(D);
    const a = (await store.claim(rec, D, T0)) as string;
    const b = (await store.claim(rec, D, plus(CLAIM_SECONDS + 1))) as string;
    expect(b).toBeDefined();
    // A gives its claim back: B's stands, so a third runner is refused.
    await store.release(rec, a);
    expect(await store.claim(rec, D, plus(CLAIM_SECONDS + 2))).toBeUndefined();
    // A records the run: nothing is recorded and the schedule stays where B found it.
    await store.finish(rec, a, failedRun(D));
    expect(await store.runs(payer, rec.id)).toEqual([]);
    expect(await store.mustGet(payer, rec.id)).toMatchObject({ runsDone: 0, nextRunDate: D, claimToken: b });
    await store.finish(rec, b, failedRun(D));
    expect(await store.runs(payer, rec.id)).toMatchObject([{ runDate: D, outcome: 'failed' }]);
    expect(await store.mustGet(payer, rec.id)).toMatchObject({ runsDone: 1, nextRunDate: addDays(D, 7) });
  });

  it('a cancelled schedule’s open run is settled only under the claim that holds it now', async () => {
    const D = `${Y}-07-27`;
    const { payer, store, rec } = await weekly(D);
    const a = (await store.claim(rec, D, T0)) as string;
    await store.cancel(payer, rec.id);
    const open = await store.mustGet(payer, rec.id);
    expect(open).toMatchObject({ status: 'cancelled', openRun: D, claimToken: a });
    const b = await store.claimOpenRun(open, plus(CLAIM_SECONDS + 1));
    expect(b).toBeDefined();
    await expect(store.settleOpenRun(open, a)).rejects.toThrow(/could not be settled/);
    expect(await store.mustGet(payer, rec.id)).toMatchObject({ openRun: D, claimToken: b });
    await store.settleOpenRun(open, b as string);
    expect(await store.mustGet(payer, rec.id)).not.toHaveProperty('openRun');
  });

  it('a cancelled schedule’s open run whose settlement committed and lost its answer is settled, not reported failed to be retried', async () => {
    // The owner cancels while a runner that paid the run holds its claim; that runner dies. The next
    // invocation settles the open run: its transaction commits, and DynamoDB's answer is lost (a
    // timeout), so `commit` tries it again and finds the run recorded and the claim gone, both by its
    // own write.
    const D = `${Y}-08-10`;
    const { payer, from, to } = await setup(100_00);
    const s = await schedule(payer, {
      fromAccountId: from.id,
      toAccountNumber: to.number,
      amount: 10_00,
      startDate: D,
      frequency: 'weekly',
    });
    const store = new ScheduleStore(doc(), table);
    const rec = await store.mustGet(payer, s.id);
    expect(await store.claim(rec, D, Date.now())).toBeDefined();
    const paid = (await payRun(rec, D)) as { transactionId: string };
    await call('cancelSchedule', { user: payer, params: { id: s.id } });
    // The first transaction on this schedule's item commits, and its answer is lost.
    const base = doc();
    const lossy = Object.create(base) as typeof base;
    let injected = 0;
    lossy.send = (async (command: {
      constructor: { name: string };
      input: { TransactItems?: unknown[] };
    }) => {
      const mine = JSON.stringify(command.input?.TransactItems ?? []).includes(s.id);
      if (command.constructor.name !== 'TransactWriteCommand' || !mine || injected > 0)
        return base.send(command as never);
      await base.send(command as never);
      injected++;
      throw timeout();
    }) as typeof base.send;
    const { logs } = await captureLogs(() =>
      runDue(deps({ schedules: new ScheduleStore(lossy, table), nowMs: () => Date.now() + 10 * 60_000 }), D),
    );
    expect(injected).toBe(1);
    // Settled by this very call: the run recorded as paid, the schedule out of the index.
    const d = await detail(payer, s.id);
    expect(d).not.toHaveProperty('openRun');
    expect(d.runs).toMatchObject([{ runDate: D, outcome: 'succeeded', transactionId: paid.transactionId }]);
    expect((await store.due(D, 1000)).map((x) => x.id)).not.toContain(s.id);
    // ... yet the runner counts it an error and logs that it failed and will be retried (nothing will:
    // the schedule has left the due index), instead of counting the paid run it recorded.
    const failed = logs
      .split('\n')
      .filter((l) => l.includes('scheduled transfer failed') && l.includes(s.id));
    expect(failed).toEqual([]);
  });

  it('a cancel on or after the day a run is due, with no claim on it, keeps the run open: a payment whose answer was lost is recorded, one never made is fenced', async () => {
    const D = `${Y}-08-17`;
    const { payer, from, to } = await setup(100_00);
    const make = () =>
      schedule(payer, {
        fromAccountId: from.id,
        toAccountNumber: to.number,
        amount: 10_00,
        startDate: D,
        frequency: 'weekly',
      });
    const paidOne = await make();
    const neverTried = await make();
    const store = new ScheduleStore(doc(), table);
    // A runner pays paidOne's run, the ledger's answer is lost, and it gives its claim back
    // (scheduled-transfers.ts runNext: `release`) not knowing whether the run was paid.
    const rec = await store.mustGet(payer, paidOne.id);
    const token = (await store.claim(rec, D, Date.now())) as string;
    const paid = (await payRun(rec, D)) as { transactionId: string };
    expect(paid.transactionId).toBeDefined();
    await store.release(rec, token);
    // The owner cancels both on the day they are due, before a runner comes back to them.
    const onTheDay = new Date(`${D}T10:00:00.000Z`);
    for (const { id } of [paidOne, neverTried]) {
      expect(await store.cancel(payer, id, onTheDay)).toMatchObject({ status: 'cancelled', openRun: D });
      expect((await store.due(D, 1000)).map((x) => x.id)).toContain(id);
    }
    await runDue(deps(), D);
    // The paid run is recorded and counted; the one never made is fenced: its key refuses a payment
    // still on its way, and nothing is recorded. Both leave the due index.
    expect(await detail(payer, paidOne.id)).toMatchObject({
      status: 'cancelled',
      runsDone: 1,
      runs: [{ runDate: D, outcome: 'succeeded', transactionId: paid.transactionId }],
    });
    const never = await detail(payer, neverTried.id);
    expect(never).toMatchObject({ status: 'cancelled', runsDone: 0, runs: [] });
    for (const d of [await detail(payer, paidOne.id), never]) expect(d).not.toHaveProperty('openRun');
    expect(await payRun(await store.mustGet(payer, neverTried.id), D)).not.toHaveProperty('transactionId');
    expect(await balanceOf(payer, from.id)).toBe(90_00);
    const due = (await store.due(D, 1000)).map((x) => x.id);
    for (const { id } of [paidOne, neverTried]) expect(due).not.toContain(id);
  });

  it('a cancel that read a due run, when a runner records that run before its write, reads again and keeps the next one open', async () => {
    const D = `${Y}-08-31`;
    const { payer, store, rec } = await weekly(D);
    const db = doc();
    // A runner claims and records the run between the cancel's read and its write.
    let recorded = false;
    const racing = Object.create(db) as typeof db;
    racing.send = (async (command: { constructor: { name: string } }) => {
      if (command.constructor.name === 'TransactWriteCommand' && !recorded) {
        recorded = true;
        await store.finish(rec, (await store.claim(rec, D, Date.now())) as string, failedRun(D));
      }
      return db.send(command as never);
    }) as typeof db.send;
    const late = new Date(`${addDays(D, 7)}T10:00:00.000Z`);
    const cancelled = await new ScheduleStore(racing, table).cancel(payer, rec.id, late);
    expect(recorded).toBe(true);
    // The open run is the one due next, not the one recorded meanwhile.
    expect(cancelled).toMatchObject({ status: 'cancelled', openRun: addDays(D, 7), runsDone: 1 });
  });

  it('a cancel the day before a run is due takes it off the due index at once: no run was paid', async () => {
    const D = `${Y}-08-24`;
    const { payer, store, rec } = await weekly(D);
    const cancelled = await store.cancel(payer, rec.id, new Date(`${addDays(D, -1)}T23:59:59.999Z`));
    expect(cancelled).toMatchObject({ status: 'cancelled' });
    expect(cancelled).not.toHaveProperty('openRun');
    expect((await store.due(D, 1000)).map((x) => x.id)).not.toContain(rec.id);
  });

  it('a cancel that read no claim, when a runner claims the run before its write, reads again and keeps the run open', async () => {
    const D = `${Y}-08-03`;
    const { payer, store, rec } = await weekly(D);
    const db = doc();
    // The runner's claim lands between the cancel's read and its write.
    let claimed: string | undefined;
    const racing = Object.create(db) as typeof db;
    racing.send = (async (command: { constructor: { name: string } }) => {
      if (command.constructor.name === 'TransactWriteCommand' && claimed === undefined)
        claimed = await store.claim(rec, D, Date.now());
      return db.send(command as never);
    }) as typeof db.send;
    const cancelled = await new ScheduleStore(racing, table).cancel(payer, rec.id);
    expect(claimed).toBeDefined();
    expect(cancelled).toMatchObject({ status: 'cancelled', openRun: D });
    expect(await store.mustGet(payer, rec.id)).toMatchObject({ openRun: D, claimToken: claimed });
  });
});

describe('paging through the due index', () => {
  /**
   * A runner on stand-ins (no table): `bad` schedules whose payment fails every time (a fault, not a
   * decline), listed first by the index, then one that pays. The index answers as the store's `due`
   * does: at most `limit`, in its order.
   */
  const runner = (bad: number, held = false, stale = 0) => {
    const today = '2031-03-03';
    // `stale`: entries the index still lists (it lags) for schedules that have ended.
    const staleIds = Array.from({ length: stale }, (_, i) => `stale-${i}`);
    const ids = [...staleIds, ...Array.from({ length: bad }, (_, i) => `bad-${i}`), 'good'];
    const records = new Map(
      ids.map((id) => [
        id,
        {
          id,
          ownerId: 'o',
          status: id.startsWith('stale-') ? 'ended' : 'active',
          nextRunDate: id.startsWith('stale-') ? null : today,
          frequency: 'once',
          runsDone: 0,
        } as ScheduleRecord,
      ]),
    );
    const paid: string[] = [];
    const schedules = {
      due: async (_today: string, limit = 100) =>
        ids
          .filter((id) => id.startsWith('stale-') || records.get(id)?.status === 'active')
          .slice(0, limit)
          .map((id) => ({ ownerId: 'o', id, runDate: today })),
      get: async (_o: string, id: string) => records.get(id),
      // `held`: another runner holds the bad ones' claims.
      claim: async (s: ScheduleRecord) => (held && s.id !== 'good' ? undefined : 'token'),
      release: async () => {},
      finish: async (s: ScheduleRecord) => {
        records.set(s.id, { ...s, status: 'ended', nextRunDate: null });
        return {};
      },
    } as unknown as ScheduleStore;
    const d: RunnerDeps = {
      schedules,
      accounts: { get: async () => ({ status: 'active' }) } as unknown as AccountStore,
      pay: async (s) => {
        if (s.id !== 'good') throw new Error('DynamoDB is unwell for this one');
        paid.push(s.id);
        return { transactionId: 't-good' };
      },
      earlier: async () => undefined,
      decline: async () => ({ errorCode: 'user_disabled' }),
      loginStatus: async () => ({}),
    };
    return { run: () => runDue(d, today), paid };
  };

  it('a full page of schedules that fail every time does not hold up the one behind them', async () => {
    const r = runner(100);
    expect(await r.run()).toMatchObject({ succeeded: 1, errors: 100 });
    expect(r.paid).toEqual(['good']);
  });

  it('passes over a full page that another runner holds, once, instead of reading it again while it works', async () => {
    const r = runner(100, true);
    expect(await r.run()).toMatchObject({ succeeded: 1, skipped: 100, errors: 0 });
    expect(r.paid).toEqual(['good']);
  });

  it('passes over a full page the index still lists for schedules already ended, to the one behind it', async () => {
    const r = runner(0, false, 100);
    expect(await r.run()).toMatchObject({ succeeded: 1, errors: 0 });
    expect(r.paid).toEqual(['good']);
  });

  it('tries each failing schedule once per invocation, and stops when the index has no more', async () => {
    const r = runner(250);
    expect(await r.run()).toMatchObject({ succeeded: 1, errors: 250 });
    expect(await r.run()).toMatchObject({ succeeded: 0, errors: 250 });
  });
});

describe('runs missed while nothing ran, oldest first across schedules', () => {
  /**
   * A runner on stand-ins: daily schedules, each `[id, nextRunDate, listedFor]` (the index may list a
   * schedule for an older date than its next run: it lags). The index answers as the store's `due`
   * does, oldest first, at most `limit`. Returns the runs paid, in order.
   */
  const runner = (today: string, entries: [string, string, string?][], lag = 0) => {
    const next = new Map(entries.map(([id, date]) => [id, date]));
    const listedFor = new Map(entries.map(([id, date, listed]) => [id, listed ?? date]));
    const day = (d: string, n: number) =>
      new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
    const paid: string[] = [];
    const unseen: [string, string][] = [];
    const schedules = {
      due: async (_today: string, limit = 100) =>
        [...listedFor]
          .filter(([, d]) => d <= today)
          .sort(([a, x], [b, y]) => (x < y ? -1 : x > y ? 1 : a < b ? -1 : 1))
          .slice(0, limit)
          .map(([id, runDate]) => ({ ownerId: 'o', id, runDate })),
      get: async (_o: string, id: string) =>
        ({
          id,
          ownerId: 'o',
          status: 'active',
          nextRunDate: next.get(id),
          frequency: 'daily',
          runsDone: 0,
        }) as unknown as ScheduleRecord,
      claim: async () => 'token',
      release: async () => {},
      finish: async (s: ScheduleRecord) => {
        const after = day(s.nextRunDate as string, 1);
        next.set(s.id, after);
        // The index shows a write once `lag` later writes were made.
        unseen.push([s.id, after]);
        while (unseen.length > lag) {
          const [id, d] = unseen.shift() as [string, string];
          listedFor.set(id, d);
        }
        return { nextRunDate: after };
      },
    } as unknown as ScheduleStore;
    const d: RunnerDeps = {
      schedules,
      accounts: { get: async () => ({ status: 'active' }) } as unknown as AccountStore,
      pay: async (s) => {
        paid.push(`${s.id}@${s.nextRunDate}`);
        return { transactionId: `t-${paid.length}` };
      },
      earlier: async () => undefined,
      decline: async () => ({ errorCode: 'user_disabled' }),
      loginStatus: async () => ({}),
    };
    return { run: () => runDue(d, today), paid };
  };

  it("after an outage, a customer's one-off run is paid before a weekly schedule's later runs take the money", async () => {
    // Money for two of the transfers below.
    const { payer, from, to } = await setup(200_00);
    const d = addDays(new Date().toISOString().slice(0, 10), 1);
    const pay = { fromAccountId: from.id, toAccountNumber: to.number, amount: 100_00 };
    // A weekly transfer from day d, and a one-off one on day d + 1.
    const weekly = await schedule(payer, {
      ...pay,
      description: 'Weekly savings',
      startDate: d,
      frequency: 'weekly',
    });
    const once = await schedule(payer, {
      ...pay,
      description: 'Tax bill due the day after',
      startDate: addDays(d, 1),
      frequency: 'once',
    });
    // The runner did not run for two weeks (an outage), then runs: runs due d, d+1, d+7, d+14.
    await runDue(deps(), addDays(d, 14));
    // Oldest first, the one-off of d+1 is paid before the weekly runs of d+7 and d+14.
    const runs = async (id: string) =>
      ((await detail(payer, id)) as { runs: { runDate: string; outcome: string }[] }).runs
        .map((r) => [r.runDate, r.outcome])
        .sort();
    expect({ once: await runs(once.id), weekly: await runs(weekly.id) }).toEqual({
      once: [[addDays(d, 1), 'succeeded']],
      weekly: [
        [d, 'succeeded'],
        [addDays(d, 7), 'failed'],
        [addDays(d, 14), 'failed'],
      ],
    });
  });

  it('a schedule the index lists for an older date than its next run waits its turn at its own date', async () => {
    const r = runner('2031-03-03', [
      ['lagging', '2031-03-03', '2031-03-01'],
      ['b', '2031-03-02'],
    ]);
    expect(await r.run()).toMatchObject({ succeeded: 3, errors: 0 });
    // Listed for the 1st, it is due on the 3rd: the run of the 2nd goes first (the two of the 3rd in
    // either order).
    expect(r.paid[0]).toBe('b@2031-03-02');
    expect(r.paid.slice(1).sort()).toEqual(['b@2031-03-03', 'lagging@2031-03-03']);
  });

  it('pays every due run though the index does not show the last writes of a page yet', async () => {
    // 250 daily schedules due on the 1st and the 2nd (an outage of a day): 500 runs. The next page still
    // lists the last three schedules paid for the 1st; they are due on the 2nd, after that page's last
    // date (a review found them passed over until the next invocation).
    const ids = Array.from({ length: 250 }, (_, i): [string, string] => [
      `s${String(i).padStart(3, '0')}`,
      '2031-03-01',
    ]);
    const r = runner('2031-03-02', ids, 3);
    expect(await r.run()).toMatchObject({ succeeded: 500, errors: 0 });
    expect(ids.filter(([id]) => !r.paid.includes(`${id}@2031-03-02`))).toEqual([]);
    // Every run of the 1st before any of the 2nd.
    expect(r.paid.findIndex((p) => p.endsWith('@2031-03-02'))).toBe(250);
  });

  it('a full page the index lists for an older date than each is due is still paid, in a last pass', async () => {
    const stale = Array.from({ length: 100 }, (_, i): [string, string, string] => [
      `s${i}`,
      '2031-03-02',
      '2031-03-01',
    ]);
    const r = runner('2031-03-02', stale);
    expect(await r.run()).toMatchObject({ succeeded: 100, errors: 0 });
  });

  it('a full page pays up to its last date: the schedules behind it may be due sooner', async () => {
    // 100 schedules fill the first page with runs of the 1st; one more, due on the 2nd, is behind it.
    const full = Array.from({ length: 100 }, (_, i): [string, string] => [
      `s${String(i).padStart(3, '0')}`,
      '2031-03-01',
    ]);
    const r = runner('2031-03-03', [...full, ['t-behind', '2031-03-02']]);
    expect(await r.run()).toMatchObject({ succeeded: 302, errors: 0 });
    const at = (run: string) => r.paid.indexOf(run);
    expect(at('t-behind@2031-03-02')).toBeGreaterThan(-1);
    // Every run of the 2nd before any of the 3rd.
    const firstThird = r.paid.findIndex((p) => p.endsWith('@2031-03-03'));
    expect(at('t-behind@2031-03-02')).toBeLessThan(firstThird);
  });
});

describe('ledger outcomes', () => {
  it('reads a run from the ledger\u2019s outcome: a journal or a decline', async () => {
    const { resultOf } = await import('./ledger-adapter.ts');
    const journal = { id: 't2' } as Journal;
    expect(resultOf({ kind: 'journal', journal, replayed: false })).toEqual({
      transactionId: 't2',
    });
    expect(resultOf({ kind: 'declined', code: 'daily_limit_exceeded', detail: '', replayed: true })).toEqual({
      errorCode: 'daily_limit_exceeded',
    });
  });
});

describe('closing the account a schedule pays from', () => {
  const store = () => new ScheduleStore(doc(), table);
  /** Every entry of the due index up to `day`: what a runner would be given. */
  const dueIds = async (day: string) => new Set((await store().due(day, 10_000)).map((e) => e.id));
  const activeCount = async (user: string) =>
    (
      await doc().send(
        new GetCommand({
          TableName: table,
          Key: { pk: `USER#${user}`, sk: 'SCHEDULES' },
          ConsistentRead: true,
        }),
      )
    ).Item?.active;
  const close = (user: string, id: string) => call('closeAccount', { user, params: { id } });
  /** Writes the customer's count of active schedules directly (`:n` the value the expression uses). */
  const changeCount = (user: string, expression: string, n: number) =>
    doc().send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: `USER#${user}`, sk: 'SCHEDULES' },
        UpdateExpression: expression,
        ExpressionAttributeValues: { ':n': n },
      }),
    );
  /** A customer with an account (`funds` in it) and a weekly schedule from it starting on `startDate`. */
  const weeklyFrom = async (funds: number, startDate: string) => {
    const parties = await setup(funds);
    const s = await schedule(parties.payer, {
      fromAccountId: parties.from.id,
      toAccountNumber: parties.to.number,
      amount: 10_00,
      startDate,
      frequency: 'weekly',
    });
    return { ...parties, s };
  };
  /** A schedule as written before ids were time-ordered (a UUIDv4 under SCHEDULE#), active and counted. */
  const olderSchedule = async (user: string, body: Record<string, unknown>, next: string) => {
    const id = randomUUID();
    await doc().send(
      new PutCommand({
        TableName: table,
        Item: {
          ...paymentKeys.schedule(user, id),
          gsi1pk: paymentKeys.dueShard(0),
          gsi1sk: `${next}#${id}`,
          entity: 'schedule',
          ownerId: user,
          id,
          currency: 'USD',
          description: '',
          ...body,
          status: 'active',
          nextRunDate: next,
          runsDone: 0,
          createdAt: new Date(Date.now() - 86_400_000).toISOString(),
        },
      }),
    );
    await changeCount(user, 'ADD active :n', 1);
    return id;
  };

  it('ends its schedules at once (ended, source_closed, off the due index), and the runner makes no run of them', async () => {
    const { payer, landlord, from, to } = await setup(0);
    const other = await openAccount(payer);
    const pay = { toAccountNumber: to.number, amount: 10_00 };
    const make = (fromAccountId: string, startDate: string, frequency: string) =>
      schedule(payer, { ...pay, fromAccountId, startDate, frequency });
    const weekly = await make(from.id, `${Y}-10-04`, 'weekly');
    const once = await make(from.id, `${Y}-10-20`, 'once');
    const older = await olderSchedule(
      payer,
      { ...pay, fromAccountId: from.id, startDate: `${Y}-10-05`, frequency: 'monthly' },
      `${Y}-10-05`,
    );
    // From the customer's other account: not the closed one's, so it goes on.
    const fromOther = await make(other.id, `${Y}-10-04`, 'weekly');
    // Another customer's, paying into the account that closes: not the closer's to end (the runner ends
    // it at its run, `recipient_closed`).
    const into = await schedule(landlord, {
      fromAccountId: to.id,
      toAccountNumber: from.number,
      amount: 5_00,
      startDate: `${Y}-10-04`,
      frequency: 'weekly',
    });
    expect(await activeCount(payer)).toBe(4);

    const closed = await close(payer, from.id);
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    expect(closed.body.status).toBe('closed');

    // The list says so at once.
    const listed = await call('listSchedules', { user: payer });
    const byId = new Map(listed.body.items.map((s: { id: string }) => [s.id, s]));
    for (const id of [weekly.id, once.id, older])
      expect(byId.get(id), id).toMatchObject({
        status: 'ended',
        endReason: 'source_closed',
        nextRunDate: null,
      });
    expect(byId.get(fromOther.id)).toMatchObject({ status: 'active', nextRunDate: `${Y}-10-04` });
    expect((await detail(landlord, into.id)).status).toBe('active');
    // Out of the active count (the limit of 50), and off the due index: no runner is given them.
    expect(await activeCount(payer)).toBe(1);
    const due = await dueIds(`${Y}-12-31`);
    for (const id of [weekly.id, once.id, older]) expect(due.has(id), id).toBe(false);
    expect(due.has(fromOther.id)).toBe(true);
    expect(due.has(into.id)).toBe(true);

    // The runner, through their dates: no run of them, so no failed run for the stream to email about
    // (the owner's notice of a failed run is made from the run's item alone).
    for (const day of [`${Y}-10-04`, `${Y}-10-05`, `${Y}-10-11`, `${Y}-10-20`]) await runDue(deps(), day);
    for (const id of [weekly.id, once.id, older]) {
      expect(await detail(payer, id), id).toMatchObject({
        status: 'ended',
        endReason: 'source_closed',
        runs: [],
      });
    }
    expect(await runItem(payer, weekly.id, `${Y}-10-04`)).toBeUndefined();
    expect(await runItem(payer, once.id, `${Y}-10-20`)).toBeUndefined();
    // A repeat of the close answers the account as it is, and changes nothing.
    expect((await close(payer, from.id)).body.status).toBe('closed');
    expect(await activeCount(payer)).toBe(1);
  });

  it('a claim a runner takes between the read and the end wins: the schedule is left to it, its claim intact', async () => {
    const { payer, from, s } = await weeklyFrom(0, `${Y}-10-09`);
    const inner = doc();
    let token: string | undefined;
    let writes = 0;
    const racing = Object.create(inner) as typeof inner;
    racing.send = (async (command: { constructor: { name: string } }) => {
      // Just before the end is written, a runner claims the run.
      if (command.constructor.name === 'TransactWriteCommand') {
        writes++;
        token ??= await store().claim(await store().mustGet(payer, s.id), `${Y}-10-09`, Date.now());
      }
      return inner.send(command as never);
    }) as typeof inner.send;
    const outcome = await new ScheduleStore(racing, table).endPayingFrom(payer, from.id, dayOf(new Date()));
    expect(token).toEqual(expect.any(String));
    expect(outcome).toEqual({ ended: [], left: [s.id], failed: [] });
    // Read again, found claimed, and left: not written again and again until the retries run out.
    expect(writes).toBe(1);
    expect(await store().mustGet(payer, s.id)).toMatchObject({ status: 'active', claimToken: token });
    expect(await activeCount(payer)).toBe(1);
  });

  it('a close is not failed by its schedules: one that cannot be ended now is left to the runner, and logged', async () => {
    const { payer, from, s } = await weeklyFrom(0, `${Y}-10-08`);
    // The active count says none (a fault: the count's condition refuses the schedule's end).
    await changeCount(payer, 'SET active = :n', 0);
    const { result, logs } = await captureLogs(() => close(payer, from.id));
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    expect(result.body.status).toBe('closed');
    expect(logs).toContain('closed account: its schedules were not ended, the runner will');
    expect(await detail(payer, s.id)).toMatchObject({ status: 'active', nextRunDate: `${Y}-10-08` });
    // A fault before any schedule (their read): the close still stands, and says so in the log.
    const other = await openAccount(payer);
    const read = vi
      .spyOn(ScheduleStore.prototype, 'endPayingFrom')
      .mockRejectedValueOnce(new Error('throttled'));
    try {
      const again = await captureLogs(() => close(payer, other.id));
      expect(again.result.status, JSON.stringify(again.result.body)).toBe(200);
      expect(again.result.body.status).toBe('closed');
      expect(again.logs).toContain('closed account: its schedules were not ended, the runner will');
      expect(read).toHaveBeenCalledTimes(1);
    } finally {
      read.mockRestore();
    }
  });

  it('a fault ending one schedule does not keep the others from ending', async () => {
    const { payer, from, to, s } = await weeklyFrom(0, `${Y}-10-10`);
    const second = await schedule(payer, {
      fromAccountId: from.id,
      toAccountNumber: to.number,
      amount: 1_00,
      startDate: `${Y}-10-11`,
      frequency: 'once',
    });
    const inner = doc();
    const faulty = Object.create(inner) as typeof inner;
    faulty.send = (async (command: { constructor: { name: string }; input: unknown }) => {
      if (command.constructor.name === 'TransactWriteCommand' && JSON.stringify(command.input).includes(s.id))
        throw Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' });
      return inner.send(command as never);
    }) as typeof inner.send;
    const outcome = await new ScheduleStore(faulty, table).endPayingFrom(payer, from.id, dayOf(new Date()));
    expect(outcome).toEqual({ ended: [second.id], left: [], failed: [{ id: s.id, error: 'not allowed' }] });
    expect((await detail(payer, second.id)).status).toBe('ended');
    expect((await detail(payer, s.id)).status).toBe('active');
  });

  it('a close that is refused (money in the account, or frozen) leaves its schedules as they were', async () => {
    const { payer, from, s } = await weeklyFrom(100_00, `${Y}-10-06`);
    const before = await detail(payer, s.id);
    const refused = await close(payer, from.id);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('balance_not_zero');
    await withdraw(payer, from.id, 100_00);
    await setStatus(payer, from.id, 'frozen');
    const frozen = await close(payer, from.id);
    expect(frozen.status).toBe(422);
    expect(frozen.body.code).toBe('account_not_active');
    expect(await detail(payer, s.id)).toEqual(before);
    expect((await dueIds(`${Y}-10-06`)).has(s.id)).toBe(true);
    expect(await activeCount(payer)).toBe(1);
    // Unfrozen and closed: it ends.
    await setStatus(payer, from.id, 'active');
    expect((await close(payer, from.id)).status).toBe(200);
    expect(await detail(payer, s.id)).toMatchObject({ status: 'ended', endReason: 'source_closed' });
  });

  it('leaves to the runner a schedule it holds a claim on, and one whose run is due: their runs are recorded as they went', async () => {
    const { payer, from, to, s: held } = await weeklyFrom(0, `${Y}-10-07`);
    const pay = { fromAccountId: from.id, toAccountNumber: to.number, amount: 10_00 };
    // Due today (UTC): a runner may have paid it and lost the answer (its claim given back).
    const today = dayOf(new Date());
    const dueNow = await schedule(payer, { ...pay, startDate: today, frequency: 'once' });
    // A runner holds the claim on its run, and is at work on it.
    const record = await store().mustGet(payer, held.id);
    const token = (await store().claim(record, `${Y}-10-07`, Date.now())) as string;
    expect(token).toEqual(expect.any(String));
    const claimed = await store().mustGet(payer, held.id);

    expect((await close(payer, from.id)).status).toBe(200);
    // Neither touched: the claim as its runner took it, still on the index.
    expect(await store().mustGet(payer, held.id)).toEqual(claimed);
    expect(await detail(payer, dueNow.id)).toMatchObject({ status: 'active', nextRunDate: today });
    const due = await dueIds(`${Y}-12-31`);
    expect(due.has(held.id)).toBe(true);
    expect(due.has(dueNow.id)).toBe(true);

    // The claim's runner records its run under its claim (it read the source closed): unhindered.
    const run = {
      runDate: `${Y}-10-07`,
      outcome: 'failed' as const,
      errorCode: 'account_closed',
      at: new Date().toISOString(),
    };
    await store().finish(record, token, run, { end: 'source_closed' });
    expect(await detail(payer, held.id)).toMatchObject({
      status: 'ended',
      endReason: 'source_closed',
      runs: [{ runDate: `${Y}-10-07`, outcome: 'failed', errorCode: 'account_closed' }],
    });
    // The run due before the close: the runner reads its key (nothing paid) and ends it, the run failed.
    await runDue(deps(), today);
    expect(await detail(payer, dueNow.id)).toMatchObject({
      status: 'ended',
      endReason: 'source_closed',
      runs: [{ runDate: today, outcome: 'failed', errorCode: 'account_closed' }],
    });
    expect(await activeCount(payer)).toBe(0);
  });
});
