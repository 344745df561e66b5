import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../test/api.ts';
import { balanceOf, deposit, newUser, openAccount, withdraw } from '../../test/banking.ts';
import { createTestTable, dynamoClients, useHandlerEnv } from '../../test/harness.ts';
import type { Journal } from '../domain/ledger.ts';
import { addDays } from '../domain/schedule.ts';
import { AccountStore } from '../store/accounts.ts';
import { createDocumentClient } from '../store/db.ts';
import { ScheduleStore } from '../store/schedules.ts';
import { payRun } from './ledger-adapter.ts';
import { handler, type RunnerDeps, runDue } from './scheduled-transfers.ts';

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
  const r = await call('createSchedule', { user, body: { currency: 'USD', ...body } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as { id: string; nextRunDate: string; status: string };
};
const detail = async (user: string, id: string) => (await call('getSchedule', { user, params: { id } })).body;

describe('scheduled transfers', () => {
  it('pays a year of rent monthly from 31 January, on 28 February and other month ends, in one pass of the clock', async () => {
    const { payer, landlord, from, to } = await setup(2_000_00);
    const s = await schedule(payer, {
      fromAccountId: from.id,
      toAccountNumber: to.number,
      amount: 100_00,
      description: 'Rent',
      startDate: '2027-01-31',
      frequency: 'monthly',
      count: 12,
    });
    expect(s).toMatchObject({ status: 'active', nextRunDate: '2027-01-31' });
    // The clock moves a day at a time through the year.
    for (let day = '2027-01-30'; day <= '2028-02-01'; day = addDays(day, 1)) await runDue(deps(), day);
    const d = await detail(payer, s.id);
    expect(d.status).toBe('ended');
    expect(d.endReason).toBe('completed');
    expect(d.runsDone).toBe(12);
    expect(d.nextRunDate).toBeNull();
    expect(d.runs.map((r: { runDate: string }) => r.runDate).reverse()).toEqual([
      '2027-01-31',
      '2027-02-28',
      '2027-03-31',
      '2027-04-30',
      '2027-05-31',
      '2027-06-30',
      '2027-07-31',
      '2027-08-31',
      '2027-09-30',
      '2027-10-31',
      '2027-11-30',
      '2027-12-31',
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

  it('records a failed run for insufficient funds and still runs the next month', async () => {
    const { payer, from, to } = await setup(150_00);
    const s = await schedule(payer, {
      fromAccountId: from.id,
      toAccountNumber: to.number,
      amount: 100_00,
      startDate: '2027-03-15',
      frequency: 'monthly',
    });
    await runDue(deps(), '2027-03-15');
    // The decline is recorded by the run that met it, and the schedule moves on at once.
    expect(await runDue(deps(), '2027-04-15')).toMatchObject({ failed: 1, errors: 0 });
    expect(await detail(payer, s.id)).toMatchObject({ nextRunDate: '2027-05-15', runsDone: 2 });
    await deposit(payer, from.id, 100_00);
    await runDue(deps(), '2027-05-15');
    const d = await detail(payer, s.id);
    expect(
      d.runs.map((r: { runDate: string; outcome: string; errorCode?: string }) => [
        r.runDate,
        r.outcome,
        r.errorCode,
      ]),
    ).toEqual([
      ['2027-05-15', 'succeeded', undefined],
      ['2027-04-15', 'failed', 'insufficient_funds'],
      ['2027-03-15', 'succeeded', undefined],
    ]);
    expect(d).toMatchObject({ status: 'active', nextRunDate: '2027-06-15', runsDone: 3 });
    expect(await balanceOf(payer, from.id)).toBe(50_00);
  });

  it('stops after cancellation, and ends when the source account is closed', async () => {
    const { payer, from, to } = await setup(500_00);
    const s = await schedule(payer, {
      fromAccountId: from.id,
      toAccountNumber: to.number,
      amount: 10_00,
      startDate: '2027-06-01',
      frequency: 'weekly',
    });
    await runDue(deps(), '2027-06-01');
    const cancelled = await call('cancelSchedule', { user: payer, params: { id: s.id } });
    expect(cancelled.body).toMatchObject({ status: 'cancelled', nextRunDate: null });
    await runDue(deps(), '2027-07-01');
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
      startDate: '2027-08-01',
      frequency: 'monthly',
    });
    await withdraw(payer, from.id, 490_00);
    expect((await call('closeAccount', { user: payer, params: { id: from.id } })).status).toBe(200);
    await runDue(deps(), '2027-08-01');
    const d = await detail(payer, t.id);
    expect(d).toMatchObject({ status: 'ended', endReason: 'source_closed', nextRunDate: null });
    expect(d.runs[0]).toMatchObject({ outcome: 'failed', errorCode: 'account_closed' });
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
      startDate: '2027-09-09',
      frequency: 'once',
    });
    expect((await detail(payer, s.id)).toAccountNumber).toBe(to.number);
    await handler({ time: '2027-09-08T23:59:59Z' });
    expect(await balanceOf(landlord, to.id)).toBe(0);
    await handler({ time: '2027-09-09T00:00:01Z' });
    expect(await balanceOf(landlord, to.id)).toBe(7_00);
    expect((await detail(payer, s.id)).status).toBe('ended');

    const today = new Date().toISOString().slice(0, 10);
    const bad = async (body: Record<string, unknown>, status = 400) => {
      const r = await call('createSchedule', {
        user: payer,
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
    await bad({ toAccountNumber: to.number, startDate: '2027-02-30' });
    await bad({});
    await bad({ toAccountNumber: to.number, payeeId: payee.body.id });
    expect(await bad({ toAccountNumber: '0000000000' }, 422)).toBe('recipient_not_found');
    expect(await bad({ toAccountNumber: from.number }, 422)).toBe('same_account');
  });

  it("another customer's schedule is a 404", async () => {
    const { payer, from, to } = await setup(0);
    const other = await newUser(table);
    const s = await schedule(payer, {
      fromAccountId: from.id,
      toAccountNumber: to.number,
      amount: 1_00,
      startDate: '2027-10-01',
      frequency: 'once',
    });
    expect((await call('getSchedule', { user: other, params: { id: s.id } })).status).toBe(404);
    expect((await call('cancelSchedule', { user: other, params: { id: s.id } })).status).toBe(404);
    expect((await call('listSchedules', { user: other })).body.items).toEqual([]);
    expect(
      (
        await call('createSchedule', {
          user: other,
          body: {
            currency: 'USD',
            fromAccountId: from.id,
            toAccountNumber: to.number,
            amount: 1,
            startDate: '2027-10-01',
            frequency: 'once',
          },
        })
      ).status,
    ).toBe(404);
    expect((await detail(payer, s.id)).status).toBe('active');
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
