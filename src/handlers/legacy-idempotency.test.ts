/**
 * Upgrading a table whose keyed requests kept their records at `IDEM#<sub>#<key>` (src/config.ts
 * legacyIdempotencyUntil): a keyed creation or movement (a customer's transfer, a teller's deposit),
 * and a scheduled run at its run's key, looks there too before it creates or moves anything. Run as
 * their functions (test/api.ts; the run as scheduled-transfers), under the offline IAM: a function
 * that reads only in its `readPartitions` (src/functions.ts) must name `IDEM#` to read that record, or
 * every keyed request is a 500 for as long as the upgrade lasts. Its own file: the setting is read
 * once per cold start.
 */
import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { adminCall, testAdmin } from '../../test/admin.ts';
import { call } from '../../test/api.ts';
import { createTestTable, dynamoClients, useHandlerEnv } from '../../test/harness.ts';
import { runAs } from '../local/iam.ts';
import * as keys from '../store/item-keys.ts';
import type { ScheduleRecord } from '../store/schedules.ts';
import { idempotencyKeyOf, payRun } from './ledger-adapter.ts';

let table: string;
let restore: () => void;

beforeAll(async () => {
  table = await createTestTable('legacy-idempotency');
  restore = useHandlerEnv({ TABLE_NAME: table, BANK_LEGACY_IDEMPOTENCY_UNTIL: '2999-01-01T00:00:00Z' });
});
afterAll(() => restore());

/** Another request's record at the layout before (its fingerprint is not the request's). */
const legacyRecord = (user: string, key: string) =>
  dynamoClients().doc.send(
    new PutCommand({
      TableName: table,
      Item: {
        ...keys.legacyIdempotency(user, key),
        entity: 'idempotency',
        fingerprint: 'another request',
        outcome: JSON.stringify({ kind: 'declined', code: 'insufficient_funds', detail: 'x' }),
        createdAt: new Date().toISOString(),
      },
    }),
  );

it.each([
  ['createWebhook', { url: 'https://example.com/hooks', events: ['transaction.posted'] }],
  [
    'transfer',
    { fromAccountId: randomUUID(), toAccountNumber: '4820193755', amount: 10_00, currency: 'USD' },
  ],
  [
    'createSchedule',
    {
      currency: 'USD',
      fromAccountId: randomUUID(),
      toAccountNumber: '4820193755',
      amount: 10_00,
      startDate: '2999-01-01',
      frequency: 'weekly',
    },
  ],
] as const)(
  '%s reads a record kept at the layout before (IDEM#): its key used for another request is refused',
  async (op, body) => {
    const user = `legacy-${op}`;
    const key = randomUUID();
    await legacyRecord(user, key);
    const r = await call(op, { user, body, headers: { 'idempotency-key': key } });
    expect(r.status, JSON.stringify(r.body)).toBe(422);
    expect(r.body.code).toBe('idempotency_key_reused');
  },
);

it('a scheduled run reads a record kept at the layout before (IDEM#) at its run key, run as the scheduled-transfers function', async () => {
  const s = {
    ownerId: 'legacy-run',
    id: randomUUID(),
    fromAccountId: randomUUID(),
    toAccountNumber: '4820193755',
    amount: 10_00,
    currency: 'USD',
  } as ScheduleRecord;
  const runDate = '2999-01-01';
  await legacyRecord(s.ownerId, idempotencyKeyOf(s.id, runDate));
  // Its key holds another request's answer: refused before anything is read or paid.
  expect(await runAs('scheduled-transfers', () => payRun(s, runDate))).toEqual({
    errorCode: 'idempotency_key_reused',
  });
});

it("a teller's keyed deposit reads a record kept at the layout before (IDEM#), as admin-money", async () => {
  const admin = await testAdmin();
  const key = randomUUID();
  await legacyRecord(admin.sub, key);
  const r = await adminCall('tellerDeposit', admin, {
    params: { id: randomUUID() },
    body: { amount: 10_00, reference: 'BR12-000481' },
    headers: { 'idempotency-key': key },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(422);
  expect(r.body.code).toBe('idempotency_key_reused');
});
