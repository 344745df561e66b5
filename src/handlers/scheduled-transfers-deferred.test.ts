/**
 * A scheduled run whose recipient's credit is deferred to the settler (BANK_DEFER_CREDITS=always: every
 * recipient taken as hot), paid by the handler as the scheduled-transfers function (its offline IAM,
 * src/local/iam.ts): the credit is put in the recipient's credit partition (CREDIT#<accountId>), one of
 * the partitions the function writes in (src/functions.ts writePartitions). Its own file: the setting
 * is read once.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, expect, it } from 'vitest';
import { call } from '../../test/api.ts';
import { balanceOf, deposit, newUser, openAccount } from '../../test/banking.ts';
import { createTestTable, dynamoClients, useHandlerEnv } from '../../test/harness.ts';
import { addDays, dayOf } from '../domain/schedule.ts';
import { runAs } from '../local/iam.ts';
import { createDocumentClient } from '../store/db.ts';
import { unsettledCredits } from '../store/ledger-settle.ts';
import { handler } from './scheduled-transfers.ts';

let table: string;
beforeAll(async () => {
  table = await createTestTable('schedules-deferred');
  useHandlerEnv({ TABLE_NAME: table, BANK_DEFER_CREDITS: 'always' });
});

it('puts a run\u2019s credit to a hot recipient in its credit partition, for the settler', async () => {
  const payer = await newUser(table, 'Pat Payer');
  const shop = await newUser(table, 'Sam Shop');
  const from = await openAccount(payer);
  const to = await openAccount(shop);
  await deposit(payer, from.id, 100_00);
  // A month from today: a date of next year, as before, was past MAX_START_AHEAD_DAYS (366) from 1 January
  // to early March, when the schedule was refused.
  const runDate = addDays(dayOf(new Date()), 30);
  const made = await call('createSchedule', {
    user: payer,
    body: {
      currency: 'USD',
      fromAccountId: from.id,
      toAccountNumber: to.number,
      amount: 30_00,
      startDate: runDate,
      frequency: 'once',
    },
    headers: { 'idempotency-key': randomUUID() },
  });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  const summary = await runAs('scheduled-transfers', () => handler({ time: `${runDate}T00:00:01Z` }));
  expect(summary).toMatchObject({ succeeded: 1, errors: 0 });
  const run = (await call('getSchedule', { user: payer, params: { id: made.body.id } })).body.runs[0];
  expect(run).toMatchObject({ outcome: 'succeeded' });
  // The credit item as the settler reads it (CREDIT#<accountId>), the run's transfer's.
  const credits = await unsettledCredits(createDocumentClient(dynamoClients().client), table, to.id);
  expect(credits.map((c) => [c.amount, c.journalId])).toEqual([[30_00, run.transactionId]]);
  expect(await balanceOf(payer, from.id)).toBe(70_00);
  // Not settled yet: no settler runs here.
  expect(await balanceOf(shop, to.id)).toBe(0);
});
