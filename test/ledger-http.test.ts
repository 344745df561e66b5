/**
 * The ledger's concurrency promises, through HTTP on the local stack (`npm start`): the gateway,
 * the JWT authorizer and the real handlers, with requests racing for real, under AWS's transaction
 * conflict rules (src/local/conflicts.ts): without them DynamoDB Local never reports a conflict, and a
 * ledger that did not retry one would pass here and fail on AWS.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../src/local/bootstrap.ts';
import { AccountStore } from '../src/store/accounts.ts';
import { createDocumentClient } from '../src/store/db.ts';
import { IdempotencyStore } from '../src/store/idempotency.ts';
import { LedgerStore } from '../src/store/ledger.ts';
import { otherThan, untilNotBusy } from './busy.ts';
import { type StartedStack, startStack } from './harness.ts';
import { stackHttp } from './stack-http.ts';

let stack: StartedStack;
let token: string;
let other: string;
/**
 * The stack's own table, for the sweeper's expiry (run here with a clock past the hold's time). Its
 * client is this process's, outside the stack's conflict emulation (which sees one process's requests
 * only): the expiry neither meets nor causes a conflict; the stack's /post and /void meet each other's.
 */
let sweeper: LedgerStore;
beforeAll(async () => {
  // AWS's transaction conflicts emulated even if the caller turned it off: these promises are AWS's.
  stack = await startStack({ env: { BANK_RATE_LIMIT: 'off', BANK_EMULATE_CONFLICTS: 'on' } });
  const login = async (name: string) => {
    const email = `${name}-${Date.now()}@example.com`;
    const password = 'Ledger-Http-2026!';
    await post('/v1/auth/register', { email, password, name });
    return (await post('/v1/auth/login', { email, password })).body.accessToken as string;
  };
  token = await login('ledger');
  other = await login('other');
  const info = JSON.parse(readFileSync(join(stack.dataDir, 'stack.json'), 'utf8'));
  const db = createDocumentClient(
    new DynamoDBClient({
      endpoint: info.dynamodbEndpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    }),
  );
  const accounts = new AccountStore(db, info.tableName);
  sweeper = new LedgerStore(
    db,
    info.tableName,
    accounts,
    new IdempotencyStore(db, info.tableName, 48 * 3600),
    {
      systemShards: 16,
      dailyLimit: 1_000_000,
    },
  );
}, 180_000);
afterAll(async () => {
  await stack?.stop();
});

const { post, get } = stackHttp(
  () => stack.baseUrl,
  () => token,
);

const openWith = async (amount: number, as = token) => {
  const account = (await post('/v1/accounts', { type: 'checking', currency: 'USD' }, {}, as)).body;
  if (amount > 0)
    await post(
      `/v1/accounts/${account.id}/deposits`,
      { amount },
      { 'idempotency-key': `seed-${account.id}` },
      as,
    );
  return account.id as string;
};
const numberOf = async (id: string, as = token) => (await get(`/v1/accounts/${id}`, as)).number as string;

/**
 * A race's bound (not a measure: no test here reads a time). Its requests are retried by the stores,
 * and a 503 is sent again until another answer comes (test/busy.ts), so how long a race takes follows
 * the machine's load: the 50 withdrawals took 3 to 7 s run alone beside busy loops, 10 to over 30 s
 * beside a whole run of the suite.
 */
const RACE_TIMEOUT_MS = 120_000;

describe('the ledger under concurrency, over HTTP', () => {
  it(
    '50 concurrent withdrawals of 10 from a balance of 200: exactly 20 succeed, the rest 422, balance 0',
    async () => {
      const id = await openWith(200);
      const rs = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          untilNotBusy(() =>
            post(`/v1/accounts/${id}/withdrawals`, { amount: 10 }, { 'idempotency-key': `w-${id}-${i}` }),
          ),
        ),
      );
      expect(otherThan(rs, 201, 422)).toEqual([]);
      const statuses = rs.map((r) => r.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(20);
      expect(statuses.filter((s) => s === 422)).toHaveLength(30);
      expect(rs.filter((r) => r.status === 422).every((r) => r.body.code === 'insufficient_funds')).toBe(
        true,
      );
      expect((await get(`/v1/accounts/${id}/balance`)).balance).toBe(0);
    },
    RACE_TIMEOUT_MS,
  );

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

  it(
    '30 concurrent pending transfers of 10 against an available 100: exactly 10 succeed',
    async () => {
      const id = await openWith(100);
      const to = await numberOf(await openWith(0, other), other);
      const rs = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          untilNotBusy(() =>
            post(
              '/v1/transfers',
              { fromAccountId: id, toAccountNumber: to, amount: 10, currency: 'USD', pending: true },
              { 'idempotency-key': `hold-${id}-${i}` },
            ),
          ),
        ),
      );
      expect(otherThan(rs, 201, 422)).toEqual([]);
      expect(rs.filter((r) => r.status === 201)).toHaveLength(10);
      expect(
        rs.filter((r) => r.status === 201).every((r) => r.body.status === 'pending' && r.body.expiresAt),
      ).toBe(true);
      expect(rs.filter((r) => r.status === 422).every((r) => r.body.code === 'insufficient_funds')).toBe(
        true,
      );
      expect(rs.filter((r) => r.status === 422)).toHaveLength(20);
      expect(await get(`/v1/accounts/${id}`)).toMatchObject({ balance: 100, held: 100, available: 0 });
      const pending = await get(`/v1/accounts/${id}/transactions?status=pending`);
      expect(pending.items).toHaveLength(10);
      expect(pending.items.every((e: { amount: number }) => e.amount === -10)).toBe(true);
    },
    RACE_TIMEOUT_MS,
  );

  it(
    'post against void against expiry, raced 20 times: one winner each time, the hold released once',
    async () => {
      const id = await openWith(1000);
      const toId = await openWith(0, other);
      const to = await numberOf(toId, other);
      let balance = 1000;
      let received = 0;
      for (let round = 0; round < 20; round++) {
        const hold = await post(
          '/v1/transfers',
          {
            fromAccountId: id,
            toAccountNumber: to,
            amount: 10,
            currency: 'USD',
            pending: true,
            expiresInSeconds: 60,
          },
          { 'idempotency-key': `race-${id}-${round}` },
        );
        expect(hold.status).toBe(201);
        const late = new Date(Date.parse(hold.body.expiresAt));
        const [posted, voided, expired] = await Promise.all([
          post(`/v1/transfers/${hold.body.id}/post`, {}, { 'idempotency-key': `p-${id}-${round}` }),
          post(`/v1/transfers/${hold.body.id}/void`, {}, { 'idempotency-key': `v-${id}-${round}` }),
          sweeper.expire(hold.body.id, late),
        ]);
        const wins = [posted.status === 200, voided.status === 200, expired];
        expect(wins.filter(Boolean)).toHaveLength(1);
        for (const lost of [posted, voided].filter((r) => r.status !== 200)) {
          expect(lost.status).toBe(409);
          expect(['transaction_not_pending', 'transaction_expired']).toContain(lost.body.code);
        }
        if (posted.status === 200) {
          balance -= 10;
          received += 10;
        }
        expect(await get(`/v1/accounts/${id}`)).toMatchObject({ balance, held: 0, available: balance });
        const seen = await get(`/v1/transactions/${hold.body.id}`, other);
        if (posted.status === 200) expect(seen).toMatchObject({ status: 'posted', toAccountId: toId });
        else expect(seen.code).toBe('not_found');
      }
      expect(await get(`/v1/accounts/${toId}`, other)).toMatchObject({
        balance: received,
        available: received,
      });
    },
    RACE_TIMEOUT_MS,
  );

  it(
    '20 concurrent refunds of 10 against a transfer of 100: exactly 10 succeed',
    async () => {
      const id = await openWith(100);
      const toId = await openWith(1000, other);
      const t = await post(
        '/v1/transfers',
        { fromAccountId: id, toAccountNumber: await numberOf(toId, other), amount: 100, currency: 'USD' },
        { 'idempotency-key': `t-${id}` },
      );
      expect(t.status).toBe(201);
      const rs = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          untilNotBusy(() =>
            post(
              `/v1/transactions/${t.body.id}/refunds`,
              { amount: 10 },
              { 'idempotency-key': `r-${id}-${i}` },
              other,
            ),
          ),
        ),
      );
      expect(otherThan(rs, 201, 422)).toEqual([]);
      expect(rs.filter((r) => r.status === 201)).toHaveLength(10);
      expect(
        rs
          .filter((r) => r.status === 201)
          .every((r) => r.body.type === 'refund' && r.body.refundOf === t.body.id),
      ).toBe(true);
      expect(rs.filter((r) => r.status === 422).every((r) => r.body.code === 'refund_exceeds_amount')).toBe(
        true,
      );
      expect(await get(`/v1/transactions/${t.body.id}`)).toMatchObject({ refundedAmount: 100 });
      expect((await get(`/v1/accounts/${id}`)).balance).toBe(100);
    },
    RACE_TIMEOUT_MS,
  );

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
