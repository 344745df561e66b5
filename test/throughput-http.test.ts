/**
 * Throughput at DynamoDB's limit (issue 11), through HTTP on the local stack with AWS's transaction
 * conflicts emulated (src/local/conflicts.ts): bulk payments (all or nothing, replay, totals), and
 * many concurrent movements on one shared item. verify-ledger must be clean afterwards. The stack
 * defers credits (BANK_DEFER_CREDITS=always, hot recipients): a transfer's credit settles a moment later,
 * by the settler on the stack's stream, and so do bulk payments' credits; deposits write their accounts
 * directly.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MAX_BATCH_TRANSFERS } from '../src/domain/batch.ts';
import { untilNotBusy } from './busy.ts';
import { type StartedStack, startStack } from './harness.ts';
import { utcDay, withinOnePeriod } from './periods.ts';
import { stackHttp } from './stack-http.ts';

let stack: StartedStack;
let token: string;
let other: string;
beforeAll(async () => {
  stack = await startStack({
    env: {
      BANK_RATE_LIMIT: 'off',
      BANK_EMULATE_CONFLICTS: 'on',
      BANK_DAILY_LIMIT: '500000',
      BANK_DEFER_CREDITS: 'always',
      // The sweeper also settles credits the stream has not settled within 5 s: on a loaded machine it
      // would race the settler on the recipient's account, conflicts of theirs that the hot-recipient
      // test (which counts the stack's conflicts while the transfers run) would take for the
      // transfers'. The stream settles everything here; verify-ledger runs with the same setting.
      BANK_SWEEP_SECONDS: '600',
    },
  });
  token = await customer('payer');
  other = await customer('payee');
}, 180_000);
afterAll(async () => {
  await stack?.stop();
});

const { post, get } = stackHttp(
  () => stack.baseUrl,
  () => token,
);
/** A new customer's access token. */
async function customer(name: string): Promise<string> {
  const email = `${name}-${randomUUID()}@example.com`;
  const password = 'Throughput-Http-2026!';
  await post('/v1/auth/register', { email, password, name });
  return (await post('/v1/auth/login', { email, password })).body.accessToken as string;
}

const open = async (as = token, currency = 'USD') =>
  (await post('/v1/accounts', { type: 'checking', currency }, {}, as)).body as { id: string; number: string };
const deposit = async (id: string, amount: number, as = token) =>
  expect(
    (await post(`/v1/accounts/${id}/deposits`, { amount }, { 'idempotency-key': `seed-${id}-${amount}` }, as))
      .status,
  ).toBe(201);
const balanceOf = async (id: string, as = token) => (await get(`/v1/accounts/${id}`, as)).balance as number;
/** A recipient's balance once its deferred credits are settled (by the stream's settler, in ms offline). */
const settledBalanceOf = async (id: string, as = token) =>
  vi.waitFor(
    async () => {
      const a = await get(`/v1/accounts/${id}`, as);
      expect(a.incoming).toBeUndefined();
      return a.balance as number;
    },
    { timeout: 30_000, interval: 50 },
  );

describe('bulk payments: POST /v1/transfers/batch', () => {
  it('pays every recipient in one go: each transfer its own id, balances and history exact', async () => {
    const from = await open();
    await deposit(from.id, 100_000);
    const a = await open(other);
    const b = await open(other);
    const transfers = [
      { toAccountNumber: a.number, amount: 1_000, description: 'salary A' },
      { toAccountNumber: b.number, amount: 2_000, metadata: { run: 'payroll-1' } },
      { toAccountNumber: a.number, amount: 300 },
    ];
    const r = await post(
      '/v1/transfers/batch',
      { fromAccountId: from.id, currency: 'USD', transfers },
      { 'idempotency-key': `batch-${from.id}` },
    );
    expect(r.status).toBe(201);
    expect(r.body.transfers).toHaveLength(3);
    expect(new Set(r.body.transfers.map((t: { id: string }) => t.id)).size).toBe(3);
    expect(r.body.transfers.map((t: { amount: number }) => t.amount)).toEqual([1_000, 2_000, 300]);
    expect(r.body.transfers.every((t: { batchId: string }) => t.batchId === r.body.id)).toBe(true);
    // The sender's running balance, transfer by transfer.
    expect(r.body.transfers.map((t: { balanceAfter: number }) => t.balanceAfter)).toEqual([
      99_000, 97_000, 96_700,
    ]);
    expect(await balanceOf(from.id)).toBe(96_700);
    expect(await settledBalanceOf(a.id, other)).toBe(1_300);
    expect(await settledBalanceOf(b.id, other)).toBe(2_000);
    // The recipient sees each as a transfer of its own, with its own balance after it.
    const history = await get(`/v1/accounts/${a.id}/transactions`, other);
    expect(
      history.items.map((e: { amount: number; balanceAfter: number }) => [e.amount, e.balanceAfter]),
    ).toEqual([
      [300, 1_300],
      [1_000, 1_000],
    ]);
    const one = await get(`/v1/transactions/${r.body.transfers[1].id}`);
    expect(one).toMatchObject({ status: 'posted', amount: 2_000, metadata: { run: 'payroll-1' } });
  });

  it('one bad recipient: 422 batch_rejected naming only it, and nothing posted', async () => {
    const from = await open();
    await deposit(from.id, 50_000);
    const good = await open(other);
    const euro = await open(other, 'EUR');
    const transfers = [
      { toAccountNumber: good.number, amount: 100 },
      { toAccountNumber: '0000000000', amount: 100 },
      { toAccountNumber: good.number, amount: 100 },
      { toAccountNumber: euro.number, amount: 100 },
      { toAccountNumber: from.number, amount: 100 },
    ];
    const r = await post(
      '/v1/transfers/batch',
      { fromAccountId: from.id, currency: 'USD', transfers },
      { 'idempotency-key': `bad-${from.id}` },
    );
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('batch_rejected');
    expect(r.body.errors.map((e: { index: number; code: string }) => [e.index, e.code])).toEqual([
      [1, 'recipient_not_found'],
      [3, 'currency_mismatch'],
      [4, 'same_account'],
    ]);
    expect(await balanceOf(from.id)).toBe(50_000);
    expect(await get(`/v1/accounts/${good.id}`, other)).toMatchObject({ balance: 0 });
    expect((await get(`/v1/accounts/${good.id}`, other)).incoming).toBeUndefined();
    expect((await get(`/v1/accounts/${from.id}/transactions`)).items).toHaveLength(1);
    // The decline is recorded with the key: the same request gets the same answer.
    const again = await post(
      '/v1/transfers/batch',
      { fromAccountId: from.id, currency: 'USD', transfers },
      { 'idempotency-key': `bad-${from.id}` },
    );
    expect(again.status).toBe(422);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.errors).toEqual(r.body.errors);
  });

  it('replayed with its key, concurrently and after: posts once', async () => {
    const from = await open();
    await deposit(from.id, 10_000);
    const to = await open(other);
    const body = {
      fromAccountId: from.id,
      currency: 'USD',
      transfers: Array.from({ length: 5 }, () => ({ toAccountNumber: to.number, amount: 100 })),
    };
    const key = { 'idempotency-key': `replay-${from.id}` };
    const rs = await Promise.all(Array.from({ length: 6 }, () => post('/v1/transfers/batch', body, key)));
    for (const r of rs) expect([201, 409]).toContain(r.status);
    const later = await post('/v1/transfers/batch', body, key);
    expect(later.status).toBe(201);
    expect(later.headers.get('idempotent-replayed')).toBe('true');
    const firsts = [...rs, later].filter(
      (r) => r.status === 201 && r.headers.get('idempotent-replayed') !== 'true',
    );
    expect(firsts).toHaveLength(1);
    expect(later.body).toEqual(firsts[0]?.body);
    expect(await balanceOf(from.id)).toBe(9_500);
    expect(await settledBalanceOf(to.id, other)).toBe(500);
    // The same key with another body is refused, not replayed.
    const reused = await post('/v1/transfers/batch', { ...body, transfers: body.transfers.slice(1) }, key);
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('idempotency_key_reused');
  });

  it('the total counts against available and the daily limit (top-level declines)', async ({ skip }) =>
    // The limit counts per UTC day: a run across midnight is skipped (test/periods.ts).
    withinOnePeriod(skip, utcDay, async () => {
      const from = await open();
      await deposit(from.id, 600_000);
      const to = await open(other);
      const pay = (amounts: number[], key: string) =>
        post(
          '/v1/transfers/batch',
          {
            fromAccountId: from.id,
            currency: 'USD',
            transfers: amounts.map((amount) => ({ toAccountNumber: to.number, amount })),
          },
          { 'idempotency-key': `${key}-${from.id}` },
        );
      // Each under the daily limit (500 000), the total over it.
      const overLimit = await pay([300_000, 300_000], 'limit');
      expect(overLimit.status).toBe(422);
      expect(overLimit.body.code).toBe('daily_limit_exceeded');
      expect(overLimit.body.errors).toBeUndefined();
      expect(await balanceOf(from.id)).toBe(600_000);
      // Within the limit and posted; then the rest of the limit is the room.
      expect((await pay([200_000, 200_000], 'ok')).status).toBe(201);
      const overRest = await pay([60_000, 60_000], 'rest');
      expect(overRest.body.code).toBe('daily_limit_exceeded');
      // Over both (200 000 left, 250 000 asked, the limit has room for 100 000): funds are said first.
      const overFunds = await pay([50_000, 50_000, 50_000, 50_000, 50_000], 'funds');
      expect(overFunds.status).toBe(422);
      expect(overFunds.body.code).toBe('insufficient_funds');
      expect(await balanceOf(from.id)).toBe(200_000);
      expect(await settledBalanceOf(to.id, other)).toBe(400_000);
    }));

  it('insufficient funds on the total, each transfer being affordable alone', async () => {
    const from = await open();
    await deposit(from.id, 1_000);
    const to = await open(other);
    const r = await post(
      '/v1/transfers/batch',
      {
        fromAccountId: from.id,
        currency: 'USD',
        transfers: [600, 600].map((amount) => ({ toAccountNumber: to.number, amount })),
      },
      { 'idempotency-key': `funds-${from.id}` },
    );
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('insufficient_funds');
    expect(await balanceOf(from.id)).toBe(1_000);
  });

  it(`carries ${MAX_BATCH_TRANSFERS} transfers to distinct recipients (the most one transaction holds); one more is 400`, async () => {
    const from = await open();
    await deposit(from.id, 100_000);
    // Distinct recipient accounts are the costly case (one item each): a customer has at most 10
    // accounts, so the recipients are spread over customers.
    const owners = await Promise.all(
      Array.from({ length: Math.ceil(MAX_BATCH_TRANSFERS / 8) }, (_, i) => customer(`r${i}`)),
    );
    const all: { id: string; number: string }[] = [];
    for (const t of owners) for (let k = 0; k < 8; k++) all.push(await open(t));
    all.length = MAX_BATCH_TRANSFERS;
    expect(all).toHaveLength(MAX_BATCH_TRANSFERS);
    const transfers = all.map((a) => ({ toAccountNumber: a.number, amount: 10 }));
    const body = { fromAccountId: from.id, currency: 'USD', transfers };
    const r = await post('/v1/transfers/batch', body, { 'idempotency-key': `max-${from.id}` });
    expect(r.body.errors ?? r.body.code).toBeUndefined();
    expect(r.status).toBe(201);
    expect(r.body.transfers).toHaveLength(MAX_BATCH_TRANSFERS);
    expect(await balanceOf(from.id)).toBe(100_000 - 10 * MAX_BATCH_TRANSFERS);
    const tooMany = await post(
      '/v1/transfers/batch',
      { ...body, transfers: [...transfers, transfers[0]] },
      { 'idempotency-key': `toomany-${from.id}` },
    );
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.code).toBe('validation_failed');
  });
});

/** Conflicts the stack's background functions may meet while a hot phase runs (none, almost always). */
const BACKGROUND_CONFLICTS = 3;

describe('one shared item, many writers at once', () => {
  it('32 concurrent deposits into 32 accounts (one system account): all 201', async () => {
    const owners = await Promise.all(Array.from({ length: 4 }, (_, i) => customer(`d${i}`)));
    const accounts: { id: string; as: string }[] = [];
    for (const as of owners) for (let k = 0; k < 8; k++) accounts.push({ id: (await open(as)).id, as });
    const rs = await Promise.all(
      accounts.map(({ id, as }) =>
        untilNotBusy(() =>
          post(`/v1/accounts/${id}/deposits`, { amount: 250 }, { 'idempotency-key': `dep-${id}` }, as),
        ),
      ),
    );
    expect(rs.map((r) => r.status)).toEqual(accounts.map(() => 201));
    for (const { id, as } of accounts) expect(await balanceOf(id, as)).toBe(250);
  });

  it('32 concurrent transfers into one account: all 201, none conflicting with another, then settled with balances exact', async () => {
    const to = await open(other);
    // 32 senders of their own: one customer's transfers share its daily-limit counter (a hot item
    // of the sender's, not the recipient's), which would conflict whatever the credits do.
    const senders = await Promise.all(Array.from({ length: 32 }, (_, i) => customer(`s${i}`)));
    const from: { id: string; as: string }[] = [];
    for (const as of senders) {
      const a = await open(as);
      await deposit(a.id, 1_000, as);
      from.push({ id: a.id, as });
    }
    const conflicts = async () =>
      ((await (await fetch(`${stack.baseUrl}/_local/diagnostics`)).json()).conflicts.total ?? 0) as number;
    const before = await conflicts();
    const rs = await Promise.all(
      from.map(({ id, as }, i) =>
        post(
          '/v1/transfers',
          { fromAccountId: id, toAccountNumber: to.number, amount: 10 + i, currency: 'USD' },
          { 'idempotency-key': `hot-${id}` },
          as,
        ),
      ),
    );
    expect(rs.map((r) => r.status)).toEqual(from.map(() => 201));
    // The credits touched nothing another touched: AWS (and the emulation) had nothing to cancel among
    // them. The count is the whole stack's, and the settler starts on the recipient while transfers are
    // still in flight, so a write of the stack's own background work may meet another once in a while
    // (1 in one CI run); credits written to the account itself conflict at every round of the race.
    expect((await conflicts()) - before).toBeLessThanOrEqual(BACKGROUND_CONFLICTS);
    const total = from.reduce((s, _, i) => s + 10 + i, 0);
    // Settled by the settler on the stream: the balance shows it within a second offline.
    await vi.waitFor(async () => expect(await balanceOf(to.id, other)).toBe(total), {
      timeout: 30_000,
      interval: 50,
    });
    expect((await get(`/v1/accounts/${to.id}`, other)).incoming).toBeUndefined();
    for (const [i, { id, as }] of from.entries()) expect(await balanceOf(id, as)).toBe(1_000 - 10 - i);
    // Every credit is in the recipient's history with an exact running balance.
    const history = await get(`/v1/accounts/${to.id}/transactions?limit=50`, other);
    expect(history.items).toHaveLength(32);
    const oldestFirst = [...history.items].reverse();
    let running = 0;
    for (const e of oldestFirst) {
      running += e.amount;
      expect(e.balanceAfter).toBe(running);
    }
  });
});

describe('verify-ledger', () => {
  it('is clean afterwards', async () => {
    const r = await stack.verifyLedger();
    expect(r.output).toMatch(/OK: the ledger balances/);
    expect(r.code).toBe(0);
  }, 60_000);
});
