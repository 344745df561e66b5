import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { call } from '../../test/api.ts';
import { deposit, newUser, openAccount, transfer } from '../../test/banking.ts';
import { createTestTable, dynamoClients, useHandlerEnv } from '../../test/harness.ts';
import { routes } from '../api/routes/payees.ts';
import { MAX_PAYEES } from '../domain/payees.ts';
import { AccountStore } from '../store/accounts.ts';
import { createDocumentClient } from '../store/db.ts';
import { paymentKeys } from '../store/keys.ts';
import { counterpartyNames, PayeeStore } from '../store/payees.ts';

let table: string;
beforeAll(async () => {
  table = await createTestTable('payees');
  useHandlerEnv({ TABLE_NAME: table });
});
const doc = () => createDocumentClient(dynamoClients().client);

describe('payees with confirmation of payee', () => {
  it('saves payees with exact, close and none matches across accents, case and initials', async () => {
    const me = await newUser(table, 'Me Myself');
    const jose = await openAccount(await newUser(table, 'José Álvarez García'));
    const john = await openAccount(await newUser(table, 'John Robert Smith'));

    const exact = await call('createPayee', {
      user: me,
      body: { name: '  jose alvarez  GARCIA ', accountNumber: jose.number },
    });
    expect(exact.status).toBe(201);
    expect(exact.body).toEqual({
      id: expect.any(String),
      name: 'jose alvarez  GARCIA',
      accountNumber: jose.number,
      match: 'exact',
      createdAt: expect.any(String),
    });
    // Initials: close, without the holder's name (the caller did not give it whole).
    const close = await call('createPayee', {
      user: me,
      body: { name: 'J. R. Smith', accountNumber: john.number },
    });
    expect(close.body.match).toBe('close');
    expect(close.body.holderName).toBeUndefined();
    expect(JSON.stringify(close.body)).not.toContain('Robert Smith');
    // A typo in the name given whole: close, with the holder's name, in the saving's answer alone.
    const typo = await call('createPayee', {
      user: me,
      body: { name: 'John Robert Smiht', accountNumber: john.number },
    });
    expect(typo.body).toMatchObject({ match: 'close', holderName: 'John Robert Smith' });
    const checked = await call('checkPayee', {
      user: me,
      body: { name: 'John Smith', accountNumber: john.number },
    });
    expect(checked.body).toEqual({ match: 'close' });
    expect((await call('getPayee', { user: me, params: { id: typo.body.id } })).body).not.toHaveProperty(
      'holderName',
    );
    expect((await call('deletePayee', { user: me, params: { id: typo.body.id } })).status).toBe(204);
    const none = await call('createPayee', {
      user: me,
      body: { name: 'Jane Doe', accountNumber: john.number },
    });
    expect(none.body.match).toBe('none');
    expect(JSON.stringify(none.body)).not.toContain('Robert');

    const list = await call('listPayees', { user: me });
    expect(list.body.items.map((p: { match: string }) => p.match).sort()).toEqual(['close', 'exact', 'none']);
    for (const p of list.body.items) expect(p).not.toHaveProperty('holderName');
    expect((await call('getPayee', { user: me, params: { id: exact.body.id } })).body.name).toBe(
      'jose alvarez  GARCIA',
    );
    expect((await call('deletePayee', { user: me, params: { id: exact.body.id } })).status).toBe(204);
    expect((await call('getPayee', { user: me, params: { id: exact.body.id } })).status).toBe(404);
    expect((await call('deletePayee', { user: me, params: { id: exact.body.id } })).status).toBe(404);
    expect((await call('listPayees', { user: me })).body.items).toHaveLength(2);
  });

  it('saves once per Idempotency-Key: a retry answers the payee saved, said to be a replay', async () => {
    const me = await newUser(table);
    const ann = await openAccount(await newUser(table, 'Ann Lee'));
    const body = { name: 'Ann Lee', accountNumber: ann.number };
    const headers = { 'idempotency-key': 'save-ann-1' };
    const first = await call('createPayee', { user: me, body, headers });
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await call('createPayee', { user: me, body, headers });
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect((await call('listPayees', { user: me })).body.items).toHaveLength(1);
    // The key with another payee: refused, nothing saved.
    const other = await call('createPayee', { user: me, body: { ...body, name: 'A Lee' }, headers });
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency_key_reused');
    // A refusal is not recorded: the same key is checked again.
    const unknown = { name: 'X', accountNumber: '0000000000' };
    const h2 = { 'idempotency-key': 'save-x-1' };
    expect((await call('createPayee', { user: me, body: unknown, headers: h2 })).body.code).toBe(
      'recipient_not_found',
    );
    expect((await call('createPayee', { user: me, body: unknown, headers: h2 })).body.code).toBe(
      'recipient_not_found',
    );
    // Without a key, each request saves (as before).
    await call('createPayee', { user: me, body });
    expect((await call('listPayees', { user: me })).body.items).toHaveLength(2);
  });

  it('checks without saving, and refuses an unknown number with recipient_not_found', async () => {
    const me = await newUser(table);
    const zoe = await openAccount(await newUser(table, 'Zoë Müller'));
    expect(
      (await call('checkPayee', { user: me, body: { name: 'ZOE MULLER', accountNumber: zoe.number } })).body,
    ).toEqual({ match: 'exact' });
    expect(
      (await call('checkPayee', { user: me, body: { name: 'Zoe Muler', accountNumber: zoe.number } })).body,
    ).toEqual({
      match: 'close',
      name: 'Zoë Müller',
    });
    expect(
      (await call('checkPayee', { user: me, body: { name: 'Max Power', accountNumber: zoe.number } })).body,
    ).toEqual({ match: 'none' });
    const unknown = await call('checkPayee', { user: me, body: { name: 'X', accountNumber: '0000000000' } });
    expect(unknown.status).toBe(422);
    expect(unknown.body.code).toBe('recipient_not_found');
    const save = await call('createPayee', { user: me, body: { name: 'X', accountNumber: '0000000000' } });
    expect(save.body.code).toBe('recipient_not_found');
    expect((await call('listPayees', { user: me })).body.items).toEqual([]);
  });

  it('saves no payee for a closed account, nor confirms one (nothing could be paid to it), and counts the check all the same', async () => {
    const me = await newUser(table);
    const ann = await newUser(table, 'Ann Lee');
    const a = await openAccount(ann);
    expect((await call('closeAccount', { user: ann, params: { id: a.id } })).status).toBe(200);
    // The clock frozen, so one minute holds every request.
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2027-05-01T12:00:05Z') });
    try {
      const save = await call('createPayee', {
        user: me,
        body: { name: 'Ann Lee', accountNumber: a.number },
      });
      expect(save.status, JSON.stringify(save.body)).toBe(422);
      expect(save.body.code).toBe('account_not_active');
      // The OpenAPI document lists it among the route's answers (it did not: generated clients missed it).
      expect(routes.createPayee.errors).toContain(save.body.code);
      expect((await call('listPayees', { user: me })).body.items).toEqual([]);
      // A check answers the same (it said `exact` before: the same rules as a save, the README says).
      const check = await call('checkPayee', {
        user: me,
        body: { name: 'Ann Lee', accountNumber: a.number },
      });
      expect(check.status).toBe(422);
      expect(check.body.code).toBe('account_not_active');
      expect(routes.checkPayee.errors).toContain(check.body.code);
      // 18 checks left of the minute's 20: the save and the check took one each.
      for (let i = 0; i < 18; i++)
        expect(
          (await call('checkPayee', { user: me, body: { name: 'Ann Lee', accountNumber: a.number } })).status,
        ).toBe(422);
      expect(
        (await call('checkPayee', { user: me, body: { name: 'Ann Lee', accountNumber: a.number } })).status,
      ).toBe(429);
    } finally {
      vi.useRealTimers();
    }
  });

  it('hands out no short holder’s name for a guess with a letter left out or wrong', async () => {
    // A review found `close` (with the holder's name) for any one edit, however short the name.
    const me = await newUser(table);
    const wang = await openAccount(await newUser(table, '王芳'));
    const bo = await openAccount(await newUser(table, 'Bo'));
    const check = async (name: string, accountNumber: string) => {
      const r = await call('checkPayee', { user: me, body: { name, accountNumber } });
      expect(r.status).toBe(200);
      return r.body;
    };
    expect(await check('王', wang.number)).toEqual({ match: 'none' });
    expect(await check('王芬', wang.number)).toEqual({ match: 'none' });
    expect(await check('B', bo.number)).toEqual({ match: 'none' });
    expect(await check('王芳', wang.number)).toEqual({ match: 'exact' });
    const saved = await call('createPayee', { user: me, body: { name: 'Bp', accountNumber: bo.number } });
    expect(saved.body.match).toBe('none');
    expect(saved.body.holderName).toBeUndefined();
  });

  it('limits checks to 20 a minute per customer across instances, with Retry-After', async () => {
    const me = await newUser(table);
    const other = await newUser(table);
    const target = await openAccount(await newUser(table, 'Ann Lee'));
    const now = new Date('2027-05-01T10:00:30Z');
    // Two Lambda instances: two stores, one counter item.
    const one = new PayeeStore(doc(), table);
    const two = new PayeeStore(doc(), table);
    const results = await Promise.allSettled(
      Array.from({ length: 25 }, (_, i) => (i % 2 ? one : two).check(me, 'Ann Lee', target.number, now)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(20);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused).toHaveLength(5);
    expect(refused[0]?.reason).toMatchObject({ code: 'rate_limited', retryAfter: 30 });
    // Another customer has their own budget; the next minute starts a new one.
    await expect(one.check(other, 'Ann Lee', target.number, now)).resolves.toEqual({ match: 'exact' });
    await expect(one.check(me, 'Ann Lee', target.number, new Date('2027-05-01T10:01:00Z'))).resolves.toEqual({
      match: 'exact',
    });
    // Through the handler, the 429 is problem+json.
    for (let i = 0; i < 20; i++)
      await call('checkPayee', { user: other, body: { name: 'Ann Lee', accountNumber: target.number } });
    const check = () =>
      call('checkPayee', { user: other, body: { name: 'Ann Lee', accountNumber: target.number } });
    let last = await check();
    if (last.status !== 429) {
      // The minute turned over during the loop: the next 20 must still stop.
      for (let i = 0; i < 20; i++) await check();
      last = await check();
    }
    expect(last.status).toBe(429);
    expect(last.body.code).toBe('rate_limited');
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('counts saving a payee against the same 20 a minute as checks: a save-and-delete loop is no way around it', async () => {
    const me = await newUser(table);
    const other = await newUser(table);
    const target = await openAccount(await newUser(table, 'Ann Lee'));
    const body = { name: 'Ann Lee', accountNumber: target.number };
    const now = new Date('2027-05-01T10:00:30Z');
    const store = new PayeeStore(doc(), table);
    // 20 saves, each deleted again (the payee limit never stops them): the 21st is refused before
    // the holder is looked up, and so is a check (one count for both).
    for (let i = 0; i < 20; i++) {
      const saved = await store.create(me, 'Ann Lee', target.number, now);
      await store.delete(me, saved.id);
    }
    await expect(store.create(me, 'Ann Lee', target.number, now)).rejects.toMatchObject({
      code: 'rate_limited',
      retryAfter: 30,
    });
    await expect(store.create(me, 'X', '0000000000', now)).rejects.toMatchObject({ code: 'rate_limited' });
    await expect(store.check(me, 'Ann Lee', target.number, now)).rejects.toMatchObject({
      code: 'rate_limited',
    });
    expect(await store.list(me)).toEqual([]);
    // Mixed: 10 checks and 10 saves spend the other customer's 20; the next save is refused.
    for (let i = 0; i < 10; i++) {
      await store.check(other, 'Ann Lee', target.number, now);
      await store.delete(other, (await store.create(other, 'Ann Lee', target.number, now)).id);
    }
    await expect(store.create(other, 'Ann Lee', target.number, now)).rejects.toMatchObject({
      code: 'rate_limited',
    });
    // The next minute starts a new count.
    const next = new Date('2027-05-01T10:01:00Z');
    await expect(store.create(me, 'Ann Lee', target.number, next)).resolves.toMatchObject({ match: 'exact' });

    // Through the handler (the clock frozen, so one minute holds every request): 20 checks spend the
    // count, and POST /v1/payees is then a 429 problem+json that saves nothing.
    const third = await newUser(table);
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2027-05-01T11:00:15Z') });
    try {
      for (let i = 0; i < 20; i++) expect((await call('checkPayee', { user: third, body })).status).toBe(200);
      const r = await call('createPayee', { user: third, body });
      expect(r.status, JSON.stringify(r.body)).toBe(429);
      expect(r.headers['content-type']).toMatch(/problem\+json/);
      expect(r.body.code).toBe('rate_limited');
      expect(r.headers['retry-after']).toBe('45');
      expect((await call('listPayees', { user: third })).body.items).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('lists payees read strongly consistent: one saved (or deleted) a moment ago is in (or out of) the list', async () => {
    // DynamoDB Local is always consistent; on AWS an eventually consistent Query can miss a payee
    // saved just before (or list one deleted), as GET /v1/payees/{id} never does. So: every Query asks.
    const me = await newUser(table);
    const target = await openAccount(await newUser(table, 'Ann Lee'));
    await new PayeeStore(doc(), table).create(me, 'Ann', target.number);
    const client = doc();
    const send = vi.spyOn(client, 'send');
    expect(await new PayeeStore(client, table).list(me)).toHaveLength(1);
    const queries = send.mock.calls.map(([c]) => c.input as { ConsistentRead?: boolean });
    expect(queries.length).toBeGreaterThan(0);
    for (const q of queries) expect(q.ConsistentRead).toBe(true);
  });

  it(`keeps at most ${MAX_PAYEES} payees per customer; deleting one frees a place`, async () => {
    const me = await newUser(table);
    const target = await openAccount(await newUser(table, 'Ann Lee'));
    await doc().send(
      new PutCommand({ TableName: table, Item: { ...paymentKeys.payeeCount(me), payees: MAX_PAYEES - 1 } }),
    );
    const last = await call('createPayee', { user: me, body: { name: 'Ann', accountNumber: target.number } });
    expect(last.status).toBe(201);
    const r = await call('createPayee', { user: me, body: { name: 'Ann', accountNumber: target.number } });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('payee_limit_reached');
    expect(r.body.detail).toMatch(/at most 100 payees/);
    // A deleted payee frees its place.
    expect((await call('deletePayee', { user: me, params: { id: last.body.id } })).status).toBe(204);
    expect(
      (await call('createPayee', { user: me, body: { name: 'Ann', accountNumber: target.number } })).status,
    ).toBe(201);
  });

  it("another customer's payee is a 404, and names history counterparties by payee and nickname", async () => {
    const me = await newUser(table);
    const other = await newUser(table);
    const target = await openAccount(await newUser(table, 'Ann Lee'));
    const p = await call('createPayee', {
      user: me,
      body: { name: 'Landlord', accountNumber: target.number },
    });
    expect((await call('getPayee', { user: other, params: { id: p.body.id } })).status).toBe(404);
    expect((await call('deletePayee', { user: other, params: { id: p.body.id } })).status).toBe(404);
    expect((await call('getPayee', { user: me, params: { id: p.body.id } })).status).toBe(200);

    const mine = await call('openAccount', {
      user: me,
      body: { type: 'savings', currency: 'USD', nickname: 'Rainy day' },
    });
    const names = await counterpartyNames(new PayeeStore(doc(), table), new AccountStore(doc(), table), me);
    expect(names.get(target.number)).toBe('Landlord');
    expect(names.get(mine.body.number)).toBe('Rainy day');
    expect(
      (await counterpartyNames(new PayeeStore(doc(), table), new AccountStore(doc(), table), other)).size,
    ).toBe(0);
  });

  it('pays a saved payee by payeeId: a repeat replays, another customer\u2019s payee is a 404, one of the two only', async () => {
    const me = await newUser(table);
    const other = await newUser(table);
    const from = await openAccount(me);
    await deposit(me, from.id, 10_000);
    const landlordUser = await newUser(table, 'Ann Lee');
    const landlord = await openAccount(landlordUser);
    const p = await call('createPayee', {
      user: me,
      body: { name: 'Ann Lee', accountNumber: landlord.number },
    });
    const body = { fromAccountId: from.id, payeeId: p.body.id, amount: 1_250, currency: 'USD' };
    const headers = { 'idempotency-key': 'rent-2027-05' };

    const first = await call('transfer', { user: me, body, headers });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body.toAccountNumber).toBe(landlord.number);
    const again = await call('transfer', { user: me, body, headers });
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect((await call('getBalance', { user: landlordUser, params: { id: landlord.id } })).body.balance).toBe(
      1_250,
    );
    // Deleting the payee does not break the replay; a new key for it is a 404.
    expect((await call('deletePayee', { user: me, params: { id: p.body.id } })).status).toBe(204);
    const afterDelete = await call('transfer', { user: me, body, headers });
    expect(afterDelete.status).toBe(201);
    expect(afterDelete.body.id).toBe(first.body.id);
    const fresh = await call('transfer', { user: me, body, headers: { 'idempotency-key': 'rent-2027-06' } });
    expect(fresh.status).toBe(404);
    // The same key with another payee is another request: a conflict, not a replay.
    const p2 = await call('createPayee', { user: me, body: { name: 'Ann', accountNumber: landlord.number } });
    const changed = await call('transfer', { user: me, body: { ...body, payeeId: p2.body.id }, headers });
    expect(changed.status).toBe(422);
    expect(changed.body.code).toBe('idempotency_key_reused');

    // Another customer's payee (with their own account) is indistinguishable from none.
    const theirs = await openAccount(other);
    await deposit(other, theirs.id, 5_000);
    const bola = await call('transfer', {
      user: other,
      body: { ...body, fromAccountId: theirs.id },
      headers: { 'idempotency-key': 'bola-1' },
    });
    expect(bola.status).toBe(404);
    expect(bola.body.code).toBe('not_found');
    expect((await call('getBalance', { user: other, params: { id: theirs.id } })).body.balance).toBe(5_000);

    for (const bad of [
      { ...body, toAccountNumber: landlord.number },
      { fromAccountId: from.id, amount: 1, currency: 'USD' },
    ]) {
      const r = await call('transfer', {
        user: me,
        body: bad,
        headers: { 'idempotency-key': `bad-${bad.amount}` },
      });
      expect(r.status).toBe(400);
      expect(r.body.code).toBe('validation_failed');
    }
  });

  it('names history counterparties by the caller\u2019s payees and own accounts\u2019 nicknames', async () => {
    const me = await newUser(table);
    const checking = await openAccount(me);
    const savings = await call('openAccount', {
      user: me,
      body: { type: 'savings', currency: 'USD', nickname: 'Rainy day' },
    });
    const annUser = await newUser(table, 'Ann Lee');
    const ann = await openAccount(annUser);
    const stranger = await openAccount(await newUser(table, 'Bo Stranger'));
    await call('createPayee', { user: me, body: { name: 'Landlord', accountNumber: ann.number } });
    await deposit(me, checking.id, 10_000);
    await transfer(me, checking.id, ann.number, 100);
    await transfer(me, checking.id, savings.body.number, 200);
    await transfer(me, checking.id, stranger.number, 300);

    const h = await call('history', { user: me, params: { id: checking.id } });
    expect(h.status).toBe(200);
    const byAmount = new Map(
      h.body.items.map((i: { amount: number; counterparty: unknown }) => [i.amount, i.counterparty]),
    );
    expect(byAmount.get(-100)).toEqual({ accountNumber: ann.number, name: 'Landlord' });
    expect(byAmount.get(-200)).toEqual({ accountNumber: savings.body.number, name: 'Rainy day' });
    expect(byAmount.get(-300)).toEqual({ accountNumber: stranger.number });
    expect(byAmount.get(10_000)).toBeNull();
    // The payee is mine: Ann's own history does not see my name for her, nor mine for me.
    const hers = await call('history', { user: annUser, params: { id: ann.id } });
    expect(hers.body.items[0].counterparty).toEqual({ accountNumber: checking.number });
  });
});
