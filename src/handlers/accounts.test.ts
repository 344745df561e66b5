import { randomUUID } from 'node:crypto';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../test/api.ts';
import { untilNotBusy } from '../../test/busy.ts';
import { createTestTable, dynamoClients, useHandlerEnv } from '../../test/harness.ts';
import { config } from '../config.ts';
import { AccountStore } from '../store/accounts.ts';
import { createDocumentClient } from '../store/db.ts';
import { IdempotencyStore } from '../store/idempotency.ts';
import * as keys from '../store/item-keys.ts';
import { LedgerStore } from '../store/ledger.ts';

beforeAll(async () => {
  useHandlerEnv({ TABLE_NAME: await createTestTable('accounts') });
});

const open = (user: string, body: Record<string, unknown> = { type: 'checking', currency: 'USD' }) =>
  call('openAccount', { user, body });

describe('accounts', () => {
  it('opens an account with a 10-digit number and a zero balance', async () => {
    const r = await open('alice', { type: 'savings', currency: 'EUR', nickname: '  Rainy day ' });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      number: expect.stringMatching(/^\d{10}$/),
      type: 'savings',
      currency: 'EUR',
      nickname: 'Rainy day',
      status: 'active',
      balance: 0,
      held: 0,
      available: 0,
      createdAt: expect.any(String),
    });
    expect(r.body.number).not.toContain(r.body.id.replace(/\D/g, '').slice(0, 10));
  });

  it('lists, reads and reports the balance of the caller\u2019s own accounts', async () => {
    const user = `u-${randomUUID()}`;
    const a = (await open(user)).body;
    const b = (await open(user, { type: 'savings', currency: 'GBP' })).body;
    const list = await call('listAccounts', { user });
    expect(list.status).toBe(200);
    expect(list.body.items.map((x: { id: string }) => x.id).sort()).toEqual([a.id, b.id].sort());
    expect(list.body.nextCursor).toBeNull();
    expect((await call('getAccount', { user, params: { id: a.id } })).body).toEqual(a);
    const bal = await call('getBalance', { user, params: { id: b.id } });
    expect(bal.body).toEqual({
      accountId: b.id,
      currency: 'GBP',
      balance: 0,
      held: 0,
      available: 0,
      asOf: expect.any(String),
    });
  });

  it('answers 404, never 403, for someone else\u2019s account or one that does not exist', async () => {
    const mine = (await open('owner')).body;
    for (const id of [mine.id, randomUUID(), 'not-a-uuid']) {
      for (const op of ['getAccount', 'getBalance', 'closeAccount'] as const) {
        const r = await call(op, { user: 'intruder', params: { id } });
        expect(r.status).toBe(404);
        expect(r.body.code).toBe('not_found');
      }
    }
    expect((await call('listAccounts', { user: 'intruder' })).body.items).toEqual([]);
  });

  it('rejects fields a customer may not set, and writes nothing', async () => {
    const user = `u-${randomUUID()}`;
    for (const extra of [
      { balance: 1_000_000 },
      { status: 'frozen' },
      { id: randomUUID() },
      { ownerId: 'x' },
    ]) {
      const r = await open(user, { type: 'checking', currency: 'USD', ...extra });
      expect(r.status).toBe(400);
      expect(r.body.code).toBe('validation_failed');
    }
    for (const bad of [{ type: 'gold', currency: 'USD' }, { type: 'checking', currency: 'XXX' }, {}]) {
      expect((await open(user, bad)).status).toBe(400);
    }
    expect((await call('listAccounts', { user })).body.items).toEqual([]);
  });

  it('allows at most 10 open accounts, and closing one frees a place', async () => {
    const user = `u-${randomUUID()}`;
    const opened = await Promise.all(Array.from({ length: 10 }, () => untilNotBusy(() => open(user))));
    expect(opened.every((r) => r.status === 201)).toBe(true);
    const eleventh = await open(user);
    expect(eleventh.status).toBe(409);
    expect(eleventh.body.code).toBe('account_limit_reached');
    const closed = await call('closeAccount', { user, params: { id: opened[0]?.body.id } });
    expect(closed.status).toBe(200);
    expect(closed.body.status).toBe('closed');
    expect((await open(user)).status).toBe(201);
  });

  it('allows at most 100 accounts opened in all, closed ones included: closing is no way round it', async () => {
    const user = `u-${randomUUID()}`;
    for (let i = 0; i < 3; i++) {
      const a = await open(user);
      expect(a.status).toBe(201);
      expect((await call('closeAccount', { user, params: { id: a.body.id } })).status).toBe(200);
    }
    const doc = createDocumentClient(dynamoClients().client);
    const profile = await doc.send(
      new GetCommand({ TableName: config().tableName, Key: keys.profile(user), ConsistentRead: true }),
    );
    expect(profile.Item).toMatchObject({ openAccounts: 0, accountsOpened: 3 });
    // 97 more opened and closed (written directly): the 101st is refused, though none is open.
    await doc.send(
      new UpdateCommand({
        TableName: config().tableName,
        Key: keys.profile(user),
        UpdateExpression: 'SET accountsOpened = :n',
        ExpressionAttributeValues: { ':n': 100 },
      }),
    );
    const refused = await open(user);
    expect(refused.status, JSON.stringify(refused.body)).toBe(409);
    expect(refused.body.code).toBe('account_limit_reached');
    expect(refused.body.detail).toMatch(/at most 100 accounts in all/);
  });

  it('numbers are unique', async () => {
    // Ten customers at once: numbers are unique across the bank. (Ten opens by one customer at once
    // all meet on that customer's profile item: under AWS's conflict rules (src/local/conflicts.ts)
    // AccountStore.open's eight attempts do not get all ten through; a known limit, not this test's.)
    const rs = await Promise.all(Array.from({ length: 10 }, () => open(`u-${randomUUID()}`)));
    expect(rs.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(new Set(rs.map((r) => r.body.number)).size).toBe(10);
  });

  it('pages the list like history, lists closed accounts only with status=closed, and binds cursors', async () => {
    const user = `u-${randomUUID()}`;
    const opened = [];
    for (let i = 0; i < 5; i++) opened.push((await open(user)).body);
    for (const a of opened.slice(0, 2)) {
      expect((await call('closeAccount', { user, params: { id: a.id } })).status).toBe(200);
    }
    const ids = (r: { body: { items: { id: string; status: string }[] } }) => r.body.items.map((x) => x.id);
    const page = async (query: Record<string, string>) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const r = await call('listAccounts', { user, query: { ...query, ...(cursor ? { cursor } : {}) } });
        expect(r.status).toBe(200);
        expect(r.body.items.length).toBeLessThanOrEqual(Number(query.limit ?? 25));
        seen.push(...ids(r));
        cursor = r.body.nextCursor;
      } while (cursor);
      return seen;
    };
    const openIds = opened.slice(2).map((a) => a.id);
    const closedIds = opened.slice(0, 2).map((a) => a.id);
    expect((await page({ limit: '2' })).sort()).toEqual([...openIds].sort());
    expect((await page({ limit: '1', status: 'closed' })).sort()).toEqual([...closedIds].sort());
    expect((await page({})).sort()).toEqual([...openIds].sort());
    // A full page that is also the last says so.
    expect((await call('listAccounts', { user, query: { limit: '3' } })).body.nextCursor).toBeNull();
    // A cursor is bound to its user and its filter.
    const first = await call('listAccounts', { user, query: { limit: '1' } });
    const cursor = first.body.nextCursor as string;
    for (const [who, query] of [
      ['intruder', { cursor }],
      [user, { cursor, status: 'closed' }],
    ] as const) {
      const r = await call('listAccounts', { user: who, query });
      expect(r.status).toBe(400);
      expect(r.body.code).toBe('invalid_cursor');
    }
    for (const query of [{ limit: '0' }, { limit: '101' }, { status: 'open' }, { other: 'x' }] as Record<
      string,
      string
    >[]) {
      expect((await call('listAccounts', { user, query })).status, JSON.stringify(query)).toBe(400);
    }
  });
});

describe('a closed account with a credit still on its way (a hot recipient closed as it came)', () => {
  it('shows nothing incoming, in the account or its history: the credit goes back to its sender', async () => {
    const doc = createDocumentClient(dynamoClients().client);
    const table = config().tableName;
    const accounts = new AccountStore(doc, table);
    const ledger = new LedgerStore(doc, table, accounts, new IdempotencyStore(doc, table, 3600), {
      systemShards: config().systemShards,
      dailyLimit: config().dailyLimit,
      deferCredits: 'always',
    });
    const payer = `payer-${randomUUID()}`;
    const shop = `shop-${randomUUID()}`;
    const from = await accounts.open({ ownerId: payer, type: 'checking', currency: 'USD' });
    const to = await accounts.open({ ownerId: shop, type: 'checking', currency: 'USD' });
    await ledger.deposit({
      user: payer,
      idempotencyKey: 'd',
      fingerprint: 'd',
      accountId: from.id,
      amount: 100,
    });
    const paid = await ledger.transfer({
      user: payer,
      idempotencyKey: 't',
      fingerprint: 't',
      fromAccountId: from.id,
      toAccountNumber: to.number,
      currency: 'USD',
      amount: 30,
    });
    expect(paid.kind).toBe('journal');
    const seen = async () => {
      const account = await call('getAccount', { user: shop, params: { id: to.id } });
      const history = await call('history', { user: shop, params: { id: to.id } });
      return [account.body.incoming, (history.body.items as { amount: number }[]).map((i) => i.amount)];
    };
    // Open, it is on its way; closed (as a close racing the credit leaves it), it is not.
    expect(await seen()).toEqual([30, [30]]);
    await doc.send(
      new UpdateCommand({
        TableName: table,
        Key: keys.account(shop, to.id),
        UpdateExpression: 'SET #s = :closed, version = version + :one',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':closed': 'closed', ':one': 1 },
      }),
    );
    expect(await seen()).toEqual([undefined, []]);
  });
});

describe('opening with an Idempotency-Key (optional)', () => {
  const body = { type: 'savings', currency: 'EUR', nickname: 'Rainy day' };
  const keyed = (user: string, key: string, b: Record<string, unknown> = body) =>
    call('openAccount', { user, body: b, headers: { 'idempotency-key': key } });
  const listed = async (user: string) =>
    (await call('listAccounts', { user })).body.items.map((a: { id: string }) => a.id);
  const doc = () => createDocumentClient(dynamoClients().client);
  const item = async (key: { pk: string; sk: string }) =>
    (await doc().send(new GetCommand({ TableName: config().tableName, Key: key, ConsistentRead: true })))
      .Item;
  const openAccounts = (user: string, n: number) =>
    doc().send(
      new UpdateCommand({
        TableName: config().tableName,
        Key: keys.profile(user),
        UpdateExpression: 'SET openAccounts = :n',
        ExpressionAttributeValues: { ':n': n },
      }),
    );

  it('opens once per key: a repeat answers the same account, says so, and opens no second one', async () => {
    const user = `u-${randomUUID()}`;
    const key = randomUUID();
    const first = await keyed(user, key);
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await keyed(user, key);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await listed(user)).toEqual([first.body.id]);
    // Closed since: a repeat still answers the account as first opened, and opens nothing.
    expect((await call('closeAccount', { user, params: { id: first.body.id } })).status).toBe(200);
    const late = await keyed(user, key);
    expect([late.status, late.body]).toEqual([201, first.body]);
    expect(await listed(user)).toEqual([]);
    // The record sits in the owner's partition (accounts-write writes no journal), and expires.
    const record = await item(keys.ownIdempotency(user, key));
    expect(record).toMatchObject({ entity: 'idempotency', outcome: expect.any(String) });
    const ttl = Number(record?.expiresAt) - Date.parse(String(record?.createdAt)) / 1000;
    expect(Math.abs(ttl - config().idempotencyTtlSeconds)).toBeLessThanOrEqual(1);
    expect(await item(keys.idempotency(user, key))).toBeUndefined();
    // Keys are per customer: another one's same key opens their own account.
    const other = await keyed(`u-${randomUUID()}`, key);
    expect([other.status, other.headers['idempotent-replayed']]).toEqual([201, undefined]);
    expect(other.body.id).not.toBe(first.body.id);
  });

  it('refuses the same key for another request, and opens nothing for it', async () => {
    const user = `u-${randomUUID()}`;
    const key = randomUUID();
    const first = await keyed(user, key);
    expect(first.status).toBe(201);
    const other = await keyed(user, key, { ...body, currency: 'USD' });
    expect([other.status, other.body.code]).toEqual([422, 'idempotency_key_reused']);
    expect(await listed(user)).toEqual([first.body.id]);
  });

  it('without a key (or an empty one), every request opens an account, as before', async () => {
    const user = `u-${randomUUID()}`;
    const a = await open(user, body);
    const b = await open(user, body);
    const c = await call('openAccount', { user, body, headers: { 'idempotency-key': '' } });
    expect([a.status, b.status, c.status]).toEqual([201, 201, 201]);
    expect([a, b, c].map((r) => r.headers['idempotent-replayed'])).toEqual([undefined, undefined, undefined]);
    expect((await listed(user)).sort()).toEqual([a.body.id, b.body.id, c.body.id].sort());
    const bad = await call('openAccount', { user, body, headers: { 'idempotency-key': 'x'.repeat(256) } });
    expect([bad.status, bad.body.code]).toEqual([400, 'validation_failed']);
  });

  it('records the key in the opening\u2019s own transaction: a refused opening leaves it free', async () => {
    const user = `u-${randomUUID()}`;
    const key = randomUUID();
    await openAccounts(user, 10);
    const refused = await keyed(user, key);
    expect([refused.status, refused.body.code]).toEqual([409, 'account_limit_reached']);
    expect(await item(keys.ownIdempotency(user, key))).toBeUndefined();
    // A place freed: the same key opens the account now, the first time (not a replay of the refusal).
    await openAccounts(user, 9);
    const opened = await keyed(user, key);
    expect([opened.status, opened.headers['idempotent-replayed']]).toEqual([201, undefined]);
    expect(await listed(user)).toEqual([opened.body.id]);
    expect(await item(keys.ownIdempotency(user, key))).toMatchObject({ entity: 'idempotency' });
  });

  it('two at once with one key open one account: the other answers it, or says the key is in use', async () => {
    const user = `u-${randomUUID()}`;
    const key = randomUUID();
    const rs = await Promise.all([keyed(user, key), keyed(user, key), keyed(user, key)]);
    const opened = await listed(user);
    expect(opened).toHaveLength(1);
    for (const r of rs) {
      if (r.status === 201) expect(r.body.id).toBe(opened[0]);
      else expect([r.status, r.body.code], JSON.stringify(r.body)).toEqual([409, 'idempotency_key_in_use']);
    }
    expect(rs.filter((r) => r.status === 201 && !r.headers['idempotent-replayed'])).toHaveLength(1);
  });
});
