/**
 * The ledger's concurrency promises, through HTTP on the local stack (`npm start`): the gateway,
 * the JWT authorizer and the real handlers, with requests racing for real, under AWS's transaction
 * conflict rules (src/local/conflicts.ts): without them DynamoDB Local never reports a conflict, and a
 * ledger that did not retry one would pass here and fail on AWS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StartedStack, startStack } from './harness.ts';

let stack: StartedStack;
let token: string;
beforeAll(async () => {
  // AWS's transaction conflicts emulated even if the caller turned it off: these promises are AWS's.
  stack = await startStack({ env: { BANK_RATE_LIMIT: 'off', BANK_EMULATE_CONFLICTS: 'on' } });
  const email = `ledger-${Date.now()}@example.com`;
  const password = 'Ledger-Http-2026!';
  await post('/v1/auth/register', { email, password, name: 'Ledger' });
  token = (await post('/v1/auth/login', { email, password })).body.accessToken;
}, 180_000);
afterAll(async () => {
  await stack?.stop();
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const r = await fetch(`${stack.baseUrl}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: JSON.stringify(body),
  });
  return { status: r.status, headers: r.headers, body: await r.json() };
}
const get = async (path: string) =>
  (await fetch(`${stack.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } })).json();

const openWith = async (amount: number) => {
  const account = (await post('/v1/accounts', { type: 'checking', currency: 'USD' })).body;
  await post(`/v1/accounts/${account.id}/deposits`, { amount }, { 'idempotency-key': `seed-${account.id}` });
  return account.id as string;
};

describe('the ledger under concurrency, over HTTP', () => {
  it('50 concurrent withdrawals of 10 from a balance of 200: exactly 20 succeed, the rest 422, balance 0', async () => {
    const id = await openWith(200);
    const rs = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        post(`/v1/accounts/${id}/withdrawals`, { amount: 10 }, { 'idempotency-key': `w-${id}-${i}` }),
      ),
    );
    const statuses = rs.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(20);
    expect(statuses.filter((s) => s === 422)).toHaveLength(30);
    expect(rs.filter((r) => r.status === 422).every((r) => r.body.code === 'insufficient_funds')).toBe(true);
    expect((await get(`/v1/accounts/${id}/balance`)).balance).toBe(0);
  });

  it('10 concurrent identical requests with one key produce exactly one posting', async () => {
    const id = await openWith(0);
    const rs = await Promise.all(
      Array.from({ length: 10 }, () =>
        post(`/v1/accounts/${id}/deposits`, { amount: 77 }, { 'idempotency-key': `same-${id}` }),
      ),
    );
    for (const r of rs) expect([201, 409]).toContain(r.status);
    const ok = rs.filter((r) => r.status === 201);
    expect(new Set(ok.map((r) => r.body.id)).size).toBe(1);
    expect(ok.filter((r) => r.headers.get('idempotent-replayed') !== 'true')).toHaveLength(1);
    expect((await get(`/v1/accounts/${id}/balance`)).balance).toBe(77);
    const history = await get(`/v1/accounts/${id}/transactions`);
    expect(history.items.filter((t: { amount: number }) => t.amount === 77)).toHaveLength(1);
  });

  it("ran with AWS's transaction conflicts emulated (on by default), every one retried to success", async () => {
    const { conflicts } = await (await fetch(`${stack.baseUrl}/_local/diagnostics`)).json();
    expect(conflicts.emulated).toBe(true);
    // Every request above ended as the test expects, so each conflict raised was retried to an answer.
    console.log(`conflicts emulated and retried in this file: ${JSON.stringify(conflicts)}`);
  });

  it('verify-ledger is clean afterwards', async () => {
    const r = await stack.verifyLedger();
    expect(r.output).toMatch(/OK: the ledger balances/);
    expect(r.code).toBe(0);
  }, 60_000);
});
