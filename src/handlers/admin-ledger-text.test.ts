/**
 * The text the bank builds around a customer's on the back office's ledger routes (a security review's failing test, kept).
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminCall, type TestAdmin, testAdmin } from '../../test/admin.ts';
import { call } from '../../test/api.ts';
import { createTestTable, useHandlerEnv } from '../../test/harness.ts';

const ADMIN = `staff-${randomUUID()}`;
let staff: TestAdmin;
beforeAll(async () => {
  const table = await createTestTable('admin-ledger-review');
  useHandlerEnv({ TABLE_NAME: table, BANK_DAILY_LIMIT: '500000', BANK_DAILY_DEPOSIT_LIMIT: '100000' });
  staff = await testAdmin({ sub: ADMIN });
});

const key = () => ({ 'idempotency-key': randomUUID() });
const open = async (user: string) =>
  (await call('openAccount', { user, body: { type: 'checking', currency: 'USD' } })).body as {
    id: string;
    number: string;
  };

describe('reversals of a transfer whose description the sender chose', () => {
  it('keep the reversal\u2019s description well-formed Unicode (no surrogate cut in half by the 140 limit)', async () => {
    const u = `u-${randomUUID()}`;
    const v = `u-${randomUUID()}`;
    const a = await open(u);
    const b = await open(v);
    await adminCall('tellerDeposit', staff, {
      params: { id: a.id },
      body: { amount: 5_000, reference: 'slip-1' },
      headers: key(),
    });
    // 129 UTF-16 units, well-formed, within the 140 a description may take: the API accepts it.
    const description = `${'x'.repeat(127)}\u{1F600}`;
    const t = await call('transfer', {
      user: u,
      body: { fromAccountId: a.id, toAccountNumber: b.number, amount: 1_200, currency: 'USD', description },
      headers: key(),
    });
    expect(t.status).toBe(201);
    // "Reversal of " + description is 141 units; .slice(0, 140) keeps the emoji's high surrogate alone.
    const rev = await adminCall('reverseTransaction', staff, {
      params: { id: t.body.id },
      body: { reason: 'Sent in error' },
      headers: key(),
    });
    expect(rev.status).toBe(201);
    const seen = await call('getTransaction', { user: u, params: { id: rev.body.id } });
    expect(seen.status).toBe(200);
    const shown = String(seen.body.description);
    expect(shown.isWellFormed(), JSON.stringify(shown.slice(-3))).toBe(true);
  });
});
