/**
 * Upgrading a table whose keyed requests kept their records at `IDEM#<sub>#<key>` (src/config.ts
 * legacyIdempotencyUntil): a keyed creation looks there too, before it creates anything. Run as their
 * functions (test/api.ts), under the offline IAM: a function that reads only in its `readPartitions`
 * (src/functions.ts) must name `IDEM#` to read that record, or every keyed creation is a 500 for as
 * long as the upgrade lasts. Its own file: the setting is read once per cold start.
 */
import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call } from '../../test/api.ts';
import { createTestTable, dynamoClients, useHandlerEnv } from '../../test/harness.ts';
import * as keys from '../store/item-keys.ts';

let table: string;
let restore: () => void;

beforeAll(async () => {
  table = await createTestTable('legacy-idempotency');
  restore = useHandlerEnv({ TABLE_NAME: table, BANK_LEGACY_IDEMPOTENCY_UNTIL: '2999-01-01T00:00:00Z' });
});
afterAll(() => restore());

it.each([
  ['createWebhook', { url: 'https://example.com/hooks', events: ['transaction.posted'] }],
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
    // Another request's record, at the layout before: its fingerprint is not this request's.
    await dynamoClients().doc.send(
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
    const r = await call(op, { user, body, headers: { 'idempotency-key': key } });
    expect(r.status, JSON.stringify(r.body)).toBe(422);
    expect(r.body.code).toBe('idempotency_key_reused');
  },
);
