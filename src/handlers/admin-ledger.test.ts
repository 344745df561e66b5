import { randomUUID } from 'node:crypto';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminCall, type TestAdmin, testAdmin } from '../../test/admin.ts';
import { type CallInput, call } from '../../test/api.ts';
import { expiredHold, holdEntryStatus } from '../../test/banking.ts';
import { createTestTable, dynamoClients, useHandlerEnv } from '../../test/harness.ts';
import type { OperationId } from '../api/routes.ts';
import { eventsFromChange } from '../domain/events.ts';
import { AccountStore, toAccount } from '../store/accounts.ts';
import { AuditStore, verifyAudit } from '../store/audit.ts';
import { createDocumentClient } from '../store/db.ts';
import { sideEntries } from '../store/history.ts';
import { IdempotencyStore } from '../store/idempotency.ts';
import * as keys from '../store/item-keys.ts';
import { LedgerStore } from '../store/ledger.ts';
import { verifyLedger } from '../store/verify.ts';
import { settler } from './context.ts';
import { staffOnly } from './staff.ts';

let table: string;
beforeAll(async () => {
  table = await createTestTable('admin-ledger');
  useHandlerEnv({
    TABLE_NAME: table,
    BANK_DAILY_LIMIT: '500000',
    BANK_DAILY_DEPOSIT_LIMIT: '100000',
  });
  staff = await testAdmin({ sub: ADMIN });
});

const ADMIN = `staff-${randomUUID()}`;
/** Staff with the group and a TOTP-login token (test/admin.ts), as the admin guard requires. */
let staff: TestAdmin;
const asAdmin = (op: OperationId, input: Omit<CallInput, 'user' | 'token' | 'groups'> = {}) =>
  adminCall(op, staff, input);
const key = () => ({ 'idempotency-key': randomUUID() });
const newUser = () => `u-${randomUUID()}`;
const open = async (user: string) =>
  (await call('openAccount', { user, body: { type: 'checking', currency: 'USD' } })).body as {
    id: string;
    number: string;
  };
const cashIn = (id: string, amount: number, headers: Record<string, string> = key()) =>
  asAdmin('tellerDeposit', {
    params: { id },
    body: { amount, reference: 'slip-1', description: 'Cash' },
    headers,
  });
const transfer = (user: string, fromAccountId: string, toAccountNumber: string, amount: number) =>
  call('transfer', {
    user,
    body: { fromAccountId, toAccountNumber, amount, currency: 'USD' },
    headers: key(),
  });
const balance = async (user: string, id: string) =>
  (await call('getBalance', { user, params: { id } })).body.balance as number;
const ledgerIsClean = async () =>
  expect((await verifyLedger(createDocumentClient(dynamoClients().client), table)).problems).toEqual([]);

describe('staff only', () => {
  it('a caller outside the admin group is refused (403 by the guard), and nothing moves', async () => {
    const u = newUser();
    const a = await open(u);
    await cashIn(a.id, 500);
    const attempts = [
      await call('adminGetAccount', { user: u, params: { id: a.id } }),
      await call('adminHistory', { user: u, params: { id: a.id } }),
      await call('freezeAccount', { user: u, params: { id: a.id }, body: { reason: 'mine' } }),
      await call('tellerDeposit', {
        user: u,
        params: { id: a.id },
        body: { amount: 1_000_000, reference: 'x' },
        headers: key(),
      }),
      await call('tellerWithdraw', {
        user: u,
        params: { id: a.id },
        body: { amount: 500, reference: 'x' },
        headers: key(),
        claims: { 'cognito:groups': '[customers]' },
      }),
    ];
    for (const r of attempts) expect(r).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    expect(await balance(u, a.id)).toBe(500);
    expect((await call('getAccount', { user: u, params: { id: a.id } })).body.status).toBe('active');
  });
});

describe('defence in depth', () => {
  it('should the guard ever be bypassed, a staff operation finds nothing (404) for a caller outside the group', async () => {
    let ran = 0;
    const ops = staffOnly({ op: async (_req: { caller: { groups: string[] } }) => ++ran });
    await expect(async () => ops.op({ caller: { groups: ['customers'] } })).rejects.toMatchObject({
      code: 'not_found',
    });
    expect(ran).toBe(0);
    expect(await ops.op({ caller: { groups: ['admin'] } })).toBe(1);
  });
});

describe('admin account reads', () => {
  it('finds any customer account by id and by number, with its owner', async () => {
    const u = newUser();
    const a = await open(u);
    const byId = await asAdmin('adminGetAccount', { params: { id: a.id } });
    expect(byId.status).toBe(200);
    expect(byId.body).toMatchObject({ id: a.id, number: a.number, ownerId: u, status: 'active', balance: 0 });
    const byNumber = await asAdmin('adminGetAccountByNumber', { params: { number: a.number } });
    expect(byNumber.body).toEqual(byId.body);
    expect((await asAdmin('adminGetAccount', { params: { id: randomUUID() } })).status).toBe(404);
    expect((await asAdmin('adminGetAccountByNumber', { params: { number: '0000000000' } })).status).toBe(404);
    expect((await asAdmin('adminGetAccountByNumber', { params: { number: 'abc' } })).status).toBe(404);
  });

  it('pages an account\u2019s history as the customer\u2019s is, with cursors of its own', async () => {
    const u = newUser();
    const a = await open(u);
    for (const amount of [100, 200, 300]) expect((await cashIn(a.id, amount)).status).toBe(201);
    const first = await asAdmin('adminHistory', { params: { id: a.id }, query: { limit: '2' } });
    expect(first.status).toBe(200);
    const customer = await call('history', { user: u, params: { id: a.id }, query: { limit: '2' } });
    expect(first.body.items).toEqual(customer.body.items);
    expect(first.body.items.map((h: { amount: number }) => h.amount)).toEqual([300, 200]);
    const second = await asAdmin('adminHistory', {
      params: { id: a.id },
      query: { limit: '2', cursor: first.body.nextCursor },
    });
    expect(second.body).toMatchObject({ items: [{ amount: 100, balanceAfter: 100 }], nextCursor: null });
    // A cursor is bound to its caller: the customer's does not page the admin's listing.
    const foreign = await asAdmin('adminHistory', {
      params: { id: a.id },
      query: { limit: '2', cursor: customer.body.nextCursor },
    });
    expect(foreign).toMatchObject({ status: 400, body: { code: 'invalid_cursor' } });
    expect((await asAdmin('adminHistory', { params: { id: randomUUID() } })).status).toBe(404);
    expect(
      (await asAdmin('adminHistory', { params: { id: a.id }, query: { type: 'reversal' } })).body.items,
    ).toEqual([]);
  });
});

describe('teller cash', () => {
  it('deposits past the customer daily limit, once per key; the teller is shown to staff only', async () => {
    const u = newUser();
    const a = await open(u);
    const headers = key();
    const r = await cashIn(a.id, 250_000, headers);
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      type: 'deposit',
      amount: 250_000,
      tellerId: ADMIN,
      reference: 'slip-1',
      to: { accountId: a.id, ownerId: u, balanceAfter: 250_000 },
    });
    const replay = await cashIn(a.id, 250_000, headers);
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.id).toBe(r.body.id);
    expect(await balance(u, a.id)).toBe(250_000);
    // The customer's own view: no member of staff, no counter reference.
    const mine = await call('getTransaction', { user: u, params: { id: r.body.id } });
    expect(mine.status).toBe(200);
    expect(JSON.stringify(mine.body)).not.toContain(ADMIN);
    expect(mine.body).not.toHaveProperty('tellerId');
    expect(mine.body).not.toHaveProperty('reference');
    const staff = await asAdmin('adminGetTransaction', { params: { id: r.body.id } });
    expect(staff.body).toMatchObject({ tellerId: ADMIN, reference: 'slip-1' });
    expect((await asAdmin('adminGetTransaction', { params: { id: randomUUID() } })).status).toBe(404);
  });

  it('refuses staff their own accounts (403): no teller cash, no reversal, no freeze; nothing moves', async () => {
    const mine = await open(ADMIN);
    const other = newUser();
    const theirs = await open(other);
    const refused = (r: { status: number; body: { code?: string } }) =>
      expect([r.status, r.body.code]).toEqual([403, 'forbidden']);
    refused(await cashIn(mine.id, 500));
    expect((await cashIn(theirs.id, 1_000)).status).toBe(201);
    const sent = await transfer(other, theirs.id, mine.number, 400);
    expect(sent.status).toBe(201);
    refused(
      await asAdmin('tellerWithdraw', {
        params: { id: mine.id },
        body: { amount: 100, reference: 'w' },
        headers: key(),
      }),
    );
    refused(
      await asAdmin('reverseTransaction', {
        params: { id: sent.body.id },
        body: { reason: 'mine' },
        headers: key(),
      }),
    );
    // Nor of a movement they sent: paying someone and taking it back.
    const paid = await transfer(ADMIN, mine.id, theirs.number, 100);
    expect(paid.status).toBe(201);
    refused(
      await asAdmin('reverseTransaction', {
        params: { id: paid.body.id },
        body: { reason: 'paid' },
        headers: key(),
      }),
    );
    refused(await asAdmin('freezeAccount', { params: { id: mine.id }, body: { reason: 'mine' } }));
    refused(await asAdmin('unfreezeAccount', { params: { id: mine.id }, body: { reason: 'mine' } }));
    expect(await balance(ADMIN, mine.id)).toBe(300);
    expect(await balance(other, theirs.id)).toBe(700);
    // Each attempt at self-dealing is in the audit trail, refused, under the member of staff.
    const trail = new AuditStore(createDocumentClient(dynamoClients().client), table);
    const of = async (id: string) =>
      (await trail.bySubject(id, { limit: 50 })).items.map((r) => [
        r.action,
        r.outcome,
        r.actor.userId,
        r.reason,
      ]);
    expect(await of(mine.id)).toEqual(
      expect.arrayContaining([
        ['teller_deposit', 'refused', ADMIN, expect.stringMatching(/^forbidden/)],
        ['teller_withdrawal', 'refused', ADMIN, 'forbidden: w'],
        ['account_frozen', 'refused', ADMIN, 'forbidden: mine'],
        ['account_unfrozen', 'refused', ADMIN, 'forbidden: mine'],
      ]),
    );
    expect(await of(sent.body.id)).toEqual([['transaction_reversed', 'refused', ADMIN, 'forbidden: mine']]);
    // Refused before anything was made (the key stays free for another action), a record names no
    // transaction: a review found one naming what the same key made afterwards. It keeps the amount.
    const cash = (await trail.bySubject(mine.id, { limit: 50 })).items.find(
      (r) => r.action === 'teller_deposit',
    );
    expect(cash).toMatchObject({ outcome: 'refused', amount: 500 });
    expect(cash).not.toHaveProperty('transactionId');
    expect(await of(paid.body.id)).toEqual([['transaction_reversed', 'refused', ADMIN, 'forbidden: paid']]);
    // Another customer's account, as ever: the same member of staff may act on it.
    expect(
      (await asAdmin('freezeAccount', { params: { id: theirs.id }, body: { reason: 'x' } })).status,
    ).toBe(200);
    await ledgerIsClean();
  });

  it('needs an Idempotency-Key and a reference, and never overdraws', async () => {
    const u = newUser();
    const a = await open(u);
    const noKey = await asAdmin('tellerDeposit', {
      params: { id: a.id },
      body: { amount: 1, reference: 'x' },
    });
    expect(noKey).toMatchObject({ status: 400, body: { code: 'idempotency_key_required' } });
    const noRef = await asAdmin('tellerDeposit', {
      params: { id: a.id },
      body: { amount: 1 },
      headers: key(),
    });
    expect(noRef).toMatchObject({ status: 400, body: { code: 'validation_failed' } });
    await cashIn(a.id, 1_000);
    const over = await asAdmin('tellerWithdraw', {
      params: { id: a.id },
      body: { amount: 1_001, reference: 'w1' },
      headers: key(),
    });
    expect(over).toMatchObject({ status: 422, body: { code: 'insufficient_funds' } });
    const out = await asAdmin('tellerWithdraw', {
      params: { id: a.id },
      body: { amount: 1_000, reference: 'w2' },
      headers: key(),
    });
    expect(out).toMatchObject({ status: 201, body: { type: 'withdrawal', tellerId: ADMIN } });
    expect(await balance(u, a.id)).toBe(0);
    const missing = await asAdmin('tellerDeposit', {
      params: { id: randomUUID() },
      body: { amount: 1, reference: 'x' },
      headers: key(),
    });
    expect(missing.status).toBe(404);
  });

  it('a withdrawal releases the customer\u2019s expired hold first: the hold and its history entry expire, and what it freed is paid out', async () => {
    const u = newUser();
    const a = await open(u);
    const b = await open(newUser());
    expect((await cashIn(a.id, 1_000)).status).toBe(201);
    // A pending transfer of 600 made ten minutes ago for a minute: expired, its hold still stored.
    const held = await expiredHold(u, a.id, b.number, 600);
    // 400 available as stored: 800 is paid out once the teller's debit releases the hold.
    const out = await asAdmin('tellerWithdraw', {
      params: { id: a.id },
      body: { amount: 800, reference: 'w-expired-hold' },
      headers: key(),
    });
    expect(out, JSON.stringify(out.body)).toMatchObject({ status: 201, body: { type: 'withdrawal' } });
    expect((await call('getTransaction', { user: u, params: { id: held } })).body.status).toBe('expired');
    expect(await holdEntryStatus(table, a.id, held)).toBe('expired');
    expect(await balance(u, a.id)).toBe(200);
    await ledgerIsClean();
  });
});

describe('freeze', () => {
  it('refuses every movement with 422 account_not_active; the owner still sees it, frozen', async () => {
    const u = newUser();
    const v = newUser();
    const a = await open(u);
    const b = await open(v);
    await cashIn(a.id, 1_000);
    await cashIn(b.id, 1_000);
    const before = await dynamoClients().doc.send(
      new GetCommand({ TableName: table, Key: keys.account(u, a.id) }),
    );
    const frozen = await asAdmin('freezeAccount', {
      params: { id: a.id },
      body: { reason: 'Investigation' },
    });
    expect(frozen).toMatchObject({ status: 200, body: { id: a.id, status: 'frozen', ownerId: u } });
    expect((await call('getAccount', { user: u, params: { id: a.id } })).body.status).toBe('frozen');
    const listed = await call('listAccounts', { user: u });
    expect(listed.body.items).toMatchObject([{ id: a.id, status: 'frozen' }]);

    const refusals = [
      await call('deposit', { user: u, params: { id: a.id }, body: { amount: 1 }, headers: key() }),
      await call('withdraw', { user: u, params: { id: a.id }, body: { amount: 1 }, headers: key() }),
      await transfer(u, a.id, b.number, 1),
      await transfer(v, b.id, a.number, 1),
      await cashIn(a.id, 1),
    ];
    for (const r of refusals) expect(r).toMatchObject({ status: 422, body: { code: 'account_not_active' } });
    const close = await call('closeAccount', { user: u, params: { id: a.id } });
    expect(close.status).toBe(422);

    // The events pipeline sees a status change: account.frozen, then account.unfrozen.
    const after = await dynamoClients().doc.send(
      new GetCommand({ TableName: table, Key: keys.account(u, a.id) }),
    );
    const views = { transaction: () => ({}), account: (x: Record<string, unknown>) => ({ ...toAccount(x) }) };
    const at = new Date().toISOString();
    expect(eventsFromChange(before.Item, after.Item, at, views).map((e) => e.type)).toEqual([
      'account.frozen',
    ]);

    expect((await asAdmin('freezeAccount', { params: { id: a.id }, body: { reason: 'again' } })).status).toBe(
      200,
    );
    const un = await asAdmin('unfreezeAccount', { params: { id: a.id }, body: { reason: 'Cleared' } });
    expect(un).toMatchObject({ status: 200, body: { status: 'active' } });
    const later = await dynamoClients().doc.send(
      new GetCommand({ TableName: table, Key: keys.account(u, a.id) }),
    );
    expect(eventsFromChange(after.Item, later.Item, at, views).map((e) => e.type)).toEqual([
      'account.unfrozen',
    ]);
    expect((await transfer(u, a.id, b.number, 1)).status).toBe(201);

    expect((await asAdmin('freezeAccount', { params: { id: a.id }, body: {} })).status).toBe(400);
    expect(
      (await asAdmin('freezeAccount', { params: { id: randomUUID() }, body: { reason: 'x' } })).status,
    ).toBe(404);
    await ledgerIsClean();
  });

  it('against a transfer, raced 20 times: no movement commits after the freeze\u2019s 200', async () => {
    for (let race = 0; race < 20; race++) {
      const u = newUser();
      const v = newUser();
      const a = await open(u);
      const b = await open(v);
      await cashIn(a.id, 1_000);
      const target = race % 2 === 0 ? { user: u, ...a } : { user: v, ...b };
      const sent = transfer(u, a.id, b.number, 100 + race);
      const frozen = await asAdmin('freezeAccount', { params: { id: target.id }, body: { reason: 'race' } });
      expect(frozen.status).toBe(200);
      const t = await sent;
      expect([201, 422]).toContain(t.status);
      // The balance the freeze answered is the balance for good: nothing moved after it.
      expect(await balance(target.user, target.id), `race ${race}`).toBe(frozen.body.balance);
      expect((await transfer(u, a.id, b.number, 1)).body.code).toBe('account_not_active');
    }
    await ledgerIsClean();
  }, 120_000);
});

describe('reversals', () => {
  it('teller deposit, customer transfer, admin reversal: linked both ways, and the ledger is clean', async () => {
    const u = newUser();
    const v = newUser();
    const a = await open(u);
    const b = await open(v);
    await cashIn(a.id, 5_000);
    const t = (await transfer(u, a.id, b.number, 1_200)).body as { id: string };
    const headers = key();
    const rev = await asAdmin('reverseTransaction', {
      params: { id: t.id },
      body: { amount: 700, reason: 'Sent in error' },
      headers,
    });
    expect(rev.status).toBe(201);
    expect(rev.body).toMatchObject({
      type: 'reversal',
      amount: 700,
      reverses: t.id,
      tellerId: ADMIN,
      reason: 'Sent in error',
      from: { accountId: b.id, balanceAfter: 500 },
      to: { accountId: a.id, balanceAfter: 4_500 },
    });
    const replay = await asAdmin('reverseTransaction', {
      params: { id: t.id },
      body: { amount: 700, reason: 'Sent in error' },
      headers,
    });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    // Customers see the link, never who made it or why.
    const original = await call('getTransaction', { user: u, params: { id: t.id } });
    expect(original.body).toMatchObject({ reversedAmount: 700, refundedAmount: 0 });
    const seen = await call('getTransaction', { user: v, params: { id: rev.body.id } });
    expect(seen.body).toMatchObject({ type: 'reversal', reverses: t.id, amount: 700 });
    expect(JSON.stringify(seen.body)).not.toMatch(new RegExp(`${ADMIN}|Sent in error`));
    const history = await call('history', { user: v, params: { id: b.id }, query: { type: 'reversal' } });
    expect(history.body.items).toMatchObject([{ type: 'reversal', amount: -700, balanceAfter: 500 }]);

    const refund = await call('refund', {
      user: v,
      params: { id: t.id },
      body: { amount: 501 },
      headers: key(),
    });
    expect(refund).toMatchObject({ status: 422, body: { code: 'refund_exceeds_amount' } });
    const past = await asAdmin('reverseTransaction', {
      params: { id: t.id },
      body: { amount: 501, reason: 'x' },
      headers: key(),
    });
    expect(past).toMatchObject({ status: 422, body: { code: 'reversal_exceeds_amount' } });
    await call('withdraw', { user: v, params: { id: b.id }, body: { amount: 400 }, headers: key() });
    const broke = await asAdmin('reverseTransaction', {
      params: { id: t.id },
      body: { reason: 'x' },
      headers: key(),
    });
    expect(broke).toMatchObject({ status: 422, body: { code: 'insufficient_funds' } });
    const again = await asAdmin('reverseTransaction', {
      params: { id: rev.body.id },
      body: { reason: 'x' },
      headers: key(),
    });
    expect(again).toMatchObject({ status: 422, body: { code: 'not_reversible' } });
    const missing = await asAdmin('reverseTransaction', {
      params: { id: randomUUID() },
      body: { reason: 'x' },
      headers: key(),
    });
    expect(missing.status).toBe(404);
    await ledgerIsClean();

    // The audit trail: the reversal once (its replay added nothing), the refusals once each, every
    // chain intact.
    const trail = await new AuditStore(createDocumentClient(dynamoClients().client), table).bySubject(t.id, {
      limit: 50,
    });
    expect(trail.items.map((r) => [r.action, r.outcome, r.actor.userId])).toEqual([
      ['transaction_reversed', 'refused', ADMIN],
      ['transaction_reversed', 'refused', ADMIN],
      ['transaction_reversed', 'succeeded', ADMIN],
    ]);
    expect(trail.items[0]?.reason).toBe('insufficient_funds: x');
    expect(trail.items[2]?.reason).toBe('Sent in error');
    // The record says which transaction the reversal made and how much it asked for.
    expect(trail.items[2]).toMatchObject({ transactionId: rev.body.id, amount: 700 });
    expect(await verifyAudit(createDocumentClient(dynamoClients().client), table)).toMatchObject({
      ok: true,
      problems: [],
    });
  });

  it('a closed account is neither frozen nor unfrozen (422), and each refusal is in the audit trail', async () => {
    const u = newUser();
    const a = await open(u);
    expect((await call('closeAccount', { user: u, params: { id: a.id } })).status).toBeLessThan(300);
    for (const op of ['freezeAccount', 'unfreezeAccount'] as const) {
      const r = await asAdmin(op, { params: { id: a.id }, body: { reason: 'Chargeback' } });
      expect([r.status, r.body.code], op).toEqual([422, 'account_not_active']);
    }
    const trail = await new AuditStore(createDocumentClient(dynamoClients().client), table).bySubject(a.id, {
      limit: 50,
    });
    expect(trail.items.map((r) => [r.action, r.outcome, r.actor.userId, r.reason])).toEqual([
      ['account_unfrozen', 'refused', ADMIN, 'account_not_active: Chargeback'],
      ['account_frozen', 'refused', ADMIN, 'account_not_active: Chargeback'],
    ]);
  });

  it('a freeze and its audit record commit together; raced freezes and unfreezes leave one unforked chain', async () => {
    const a = await open(newUser());
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        asAdmin(i % 2 ? 'unfreezeAccount' : 'freezeAccount', {
          params: { id: a.id },
          body: { reason: `case ${i}` },
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    const trail = await new AuditStore(createDocumentClient(dynamoClients().client), table).bySubject(a.id, {
      limit: 50,
    });
    expect(trail.items).toHaveLength(10);
    expect(new Set(trail.items.map((r) => r.seq)).size).toBe(10);
    expect(await verifyAudit(createDocumentClient(dynamoClients().client), table)).toMatchObject({
      ok: true,
    });
  });
});

describe('unclaimed funds', () => {
  /**
   * `u` pays all of its account (`amount`) to a hot recipient's, and both accounts close before the
   * credit settles: the settler holds it as unclaimed funds (ledger-return.ts).
   */
  const unclaimedFunds = async (u: string, amount: number) => {
    const db = createDocumentClient(dynamoClients().client);
    const accounts = new AccountStore(db, table);
    const deferring = new LedgerStore(db, table, accounts, new IdempotencyStore(db, table, 48 * 3600), {
      systemShards: 16,
      dailyLimit: 500_000,
      deferCredits: 'always',
    });
    const v = newUser();
    const a = await open(u);
    const b = await open(v);
    await cashIn(a.id, amount);
    const t = await deferring.transfer({
      user: u,
      idempotencyKey: randomUUID(),
      fingerprint: randomUUID(),
      fromAccountId: a.id,
      toAccountNumber: b.number,
      amount,
      currency: 'USD',
    });
    if (t.kind !== 'journal') throw new Error(`declined: ${t.code}`);
    for (const [owner, id] of [
      [v, b.id],
      [u, a.id],
    ] as const)
      await dynamoClients().doc.send(
        new UpdateCommand({
          TableName: table,
          Key: keys.account(owner, id),
          UpdateExpression: 'SET #s = :closed, version = version + :one',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':closed': 'closed', ':one': 1 },
        }),
      );
    expect(await settler().settle(v, b.id)).toBe(1);
    return { ...t.journal, recipient: v };
  };

  it("staff pay them once to the former customer's new account, the customer hears of it, each refusal is audited", async () => {
    const u = newUser();
    const t = await unclaimedFunds(u, 300);
    // The former customer sees their transfer given back and held for them; the recipient, who never
    // received it, does not see it at all.
    const held = await call('getTransaction', { user: u, params: { id: t.id } });
    expect(held.body).toMatchObject({ status: 'posted', reversedAmount: 300, unclaimed: true });
    expect(held.body.unclaimedPaidOut).toBeUndefined();
    expect((await call('getTransaction', { user: t.recipient, params: { id: t.id } })).status).toBe(404);
    const fresh = await open(u);
    await cashIn(fresh.id, 50);
    const headers = key();
    const body = { toAccountId: fresh.id, reason: 'Customer came back' };
    const before = await dynamoClients().doc.send(
      new GetCommand({ TableName: table, Key: keys.journal(t.id) }),
    );
    const paid = await asAdmin('payUnclaimed', { params: { id: t.id }, body, headers });
    expect(paid.status).toBe(201);
    expect(paid.body).toMatchObject({
      type: 'reversal',
      amount: 300,
      reverses: t.id,
      tellerId: ADMIN,
      reason: 'Customer came back',
      to: { accountId: fresh.id, ownerId: u, balanceAfter: 350 },
    });
    expect(paid.body.from).toBeUndefined();
    expect(await balance(u, fresh.id)).toBe(350);
    const replay = await asAdmin('payUnclaimed', { params: { id: t.id }, body, headers });
    expect(replay).toMatchObject({ status: 201, body: { id: paid.body.id } });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    const reused = await asAdmin('payUnclaimed', {
      params: { id: t.id },
      body: { ...body, reason: 'other' },
      headers,
    });
    expect(reused).toMatchObject({ status: 422, body: { code: 'idempotency_key_reused' } });
    const twice = await asAdmin('payUnclaimed', { params: { id: t.id }, body, headers: key() });
    expect(twice).toMatchObject({ status: 422, body: { code: 'reversal_exceeds_amount' } });
    expect(await balance(u, fresh.id)).toBe(350);
    // The customer sees the payout as theirs, and hears of it: transaction.posted, to them alone.
    const seen = await call('getTransaction', { user: u, params: { id: paid.body.id } });
    expect(seen.body).toMatchObject({ type: 'reversal', amount: 300 });
    expect((await call('getTransaction', { user: u, params: { id: t.id } })).body).toMatchObject({
      unclaimed: true,
      unclaimedPaidOut: paid.body.id,
    });
    const views = { transaction: () => ({}), account: (x: Record<string, unknown>) => ({ ...toAccount(x) }) };
    const at = new Date().toISOString();
    const item = await dynamoClients().doc.send(
      new GetCommand({ TableName: table, Key: keys.journal(paid.body.id) }),
    );
    expect(eventsFromChange(undefined, item.Item, at, views).map((e) => [e.type, e.customer])).toEqual([
      ['transaction.posted', u],
    ]);
    // The transfer's mark tells no one anything new.
    const after = await dynamoClients().doc.send(
      new GetCommand({ TableName: table, Key: keys.journal(t.id) }),
    );
    expect(after.Item).toMatchObject({ unclaimedPaidOut: paid.body.id });
    // Staff see the funds as unclaimed, and paid out by that payout.
    expect((await asAdmin('adminGetTransaction', { params: { id: t.id } })).body).toMatchObject({
      unclaimed: true,
      unclaimedPaidOut: paid.body.id,
    });
    expect(eventsFromChange(before.Item, after.Item, at, views)).toEqual([]);
    await ledgerIsClean();
    const trail = await new AuditStore(createDocumentClient(dynamoClients().client), table).bySubject(t.id, {
      limit: 50,
    });
    expect(trail.items.map((r) => [r.action, r.outcome, r.actor.userId])).toEqual([
      ['unclaimed_paid_out', 'refused', ADMIN],
      ['unclaimed_paid_out', 'succeeded', ADMIN],
    ]);
  });

  it('staff pay them out of the bank by cheque once: unclaimed shard to cash-out, audited, the sender told how', async () => {
    const u = newUser();
    const t = await unclaimedFunds(u, 250);
    const before = await dynamoClients().doc.send(
      new GetCommand({ TableName: table, Key: keys.journal(t.id) }),
    );
    const body = { method: 'cheque', reference: 'CHQ-004711', reason: 'Customer asked for a cheque' };
    const paid = await asAdmin('payUnclaimed', { params: { id: t.id }, body, headers: key() });
    expect(paid.status).toBe(201);
    expect(paid.body).toMatchObject({
      type: 'reversal',
      status: 'posted',
      amount: 250,
      currency: 'USD',
      reverses: t.id,
      tellerId: ADMIN,
      reason: 'Customer asked for a cheque',
      reference: 'CHQ-004711',
      payoutMethod: 'cheque',
    });
    expect(paid.body.from ?? paid.body.to).toBeUndefined();
    const twice = await asAdmin('payUnclaimed', {
      params: { id: t.id },
      body: { ...body, method: 'escheat' },
      headers: key(),
    });
    expect(twice).toMatchObject({ status: 422, body: { code: 'reversal_exceeds_amount' } });
    // From the unclaimed shard the credit went to, onto a cash-out shard: no customer account moves.
    const item = await dynamoClients().doc.send(
      new GetCommand({ TableName: table, Key: keys.journal(paid.body.id) }),
    );
    const held = await dynamoClients().doc.send(
      new GetCommand({ TableName: table, Key: keys.journal(t.id) }),
    );
    expect(held.Item).toMatchObject({ unclaimedPaidOut: paid.body.id });
    const credit = sideEntries(held.Item ?? {}).find((e) => Number(e.amount) > 0);
    expect(credit?.accountId).toMatch(/^unclaimed#USD#/);
    expect(sideEntries(item.Item ?? {}).map((e) => [String(e.accountId).split('#')[0], e.amount])).toEqual([
      ['unclaimed', -250],
      ['cash-out', 250],
    ]);
    expect(sideEntries(item.Item ?? {})[0]?.accountId).toBe(credit?.accountId);
    // Staff see the method and the cheque's number; the customer, whose account it never touched,
    // hears nothing of the payout itself and cannot read it.
    expect((await asAdmin('adminGetTransaction', { params: { id: paid.body.id } })).body).toMatchObject({
      payoutMethod: 'cheque',
      reference: 'CHQ-004711',
    });
    const views = { transaction: () => ({}), account: (x: Record<string, unknown>) => ({ ...toAccount(x) }) };
    expect(eventsFromChange(undefined, item.Item, new Date().toISOString(), views)).toEqual([]);
    // The sender hears of it through their transfer's mark: transaction.unclaimed, saying how.
    const told = eventsFromChange(before.Item, held.Item, new Date().toISOString(), views);
    expect(told.map((e) => [e.type, e.customer])).toEqual([['transaction.unclaimed', u]]);
    expect((await call('getTransaction', { user: u, params: { id: paid.body.id } })).status).toBe(404);
    // Their transfer says how the money left the bank, not a payout they cannot read.
    const theirs = await call('getTransaction', { user: u, params: { id: t.id } });
    expect(theirs.body).toMatchObject({ unclaimed: true, unclaimedPaidOutBy: 'cheque' });
    expect(theirs.body.unclaimedPaidOut).toBeUndefined();
    await ledgerIsClean();
    const trail = await new AuditStore(createDocumentClient(dynamoClients().client), table).bySubject(t.id, {
      limit: 50,
    });
    expect(trail.items.map((r) => [r.action, r.outcome, r.reason])).toEqual([
      [
        'unclaimed_paid_out',
        'refused',
        'reversal_exceeds_amount: Customer asked for a cheque (escheat CHQ-004711)',
      ],
      ['unclaimed_paid_out', 'succeeded', 'Customer asked for a cheque (cheque CHQ-004711)'],
    ]);
  });

  it('takes an account or a method with a reference, never both, and no other method', async () => {
    const u = newUser();
    const t = await unclaimedFunds(u, 40);
    const good = await open(u);
    for (const body of [
      { toAccountId: good.id, method: 'cheque', reference: 'CHQ-1', reason: 'x' },
      { toAccountId: good.id, reference: 'CHQ-1', reason: 'x' },
      { method: 'cheque', reason: 'x' },
      { method: 'wire', reference: 'CHQ-1', reason: 'x' },
      { method: 'escheat', reference: ' ', reason: 'x' },
      { method: 'escheat', reference: 'x'.repeat(65), reason: 'x' },
    ])
      expect(
        (await asAdmin('payUnclaimed', { params: { id: t.id }, body, headers: key() })).status,
        JSON.stringify(body),
      ).toBe(400);
    const state = await asAdmin('payUnclaimed', {
      params: { id: t.id },
      body: { method: 'escheat', reference: 'NY-AUF-2026-0042', reason: 'Dormant five years' },
      headers: key(),
    });
    expect(state).toMatchObject({
      status: 201,
      body: { payoutMethod: 'escheat', reference: 'NY-AUF-2026-0042' },
    });
    expect(await balance(u, good.id)).toBe(0);
    await ledgerIsClean();
  });

  it("refuses another customer's account, a frozen one, a journal that is not unclaimed, an unknown one; the customer's own call is 403", async () => {
    const u = newUser();
    const t = await unclaimedFunds(u, 120);
    const stranger = await open(newUser());
    const frozen = await open(u);
    expect(
      (await asAdmin('freezeAccount', { params: { id: frozen.id }, body: { reason: 'x' } })).status,
    ).toBe(200);
    const pay = (id: string, toAccountId: string) =>
      asAdmin('payUnclaimed', { params: { id }, body: { toAccountId, reason: 'x' }, headers: key() });
    expect(await pay(t.id, stranger.id)).toMatchObject({
      status: 422,
      body: { code: 'recipient_not_found' },
    });
    expect(await pay(t.id, frozen.id)).toMatchObject({ status: 422, body: { code: 'account_not_active' } });
    const good = await open(u);
    await cashIn(good.id, 10);
    const plain = (await transfer(u, good.id, stranger.number, 5)).body as { id: string };
    expect(await pay(plain.id, good.id)).toMatchObject({ status: 422, body: { code: 'not_reversible' } });
    expect((await pay(randomUUID(), good.id)).status).toBe(404);
    expect(
      (await asAdmin('payUnclaimed', { params: { id: t.id }, body: { reason: 'x' }, headers: key() })).status,
    ).toBe(400);
    expect(
      (await asAdmin('payUnclaimed', { params: { id: t.id }, body: { toAccountId: good.id, reason: 'x' } }))
        .status,
    ).toBe(400);
    const customer = await call('payUnclaimed', {
      user: u,
      params: { id: t.id },
      body: { toAccountId: good.id, reason: 'x' },
      headers: key(),
    });
    expect(customer.status).toBe(403);
    expect(await balance(u, good.id)).toBe(5);
    expect((await pay(t.id, good.id)).status).toBe(201);
    expect(await balance(u, good.id)).toBe(125);
    await ledgerIsClean();
  });
});
