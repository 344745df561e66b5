/**
 * Account numbers that match no account, in transfers, bulk payments and new scheduled transfers,
 * count against the same 20 a minute as name checks and saved payees (src/store/rate-counter.ts
 * NUMBER_CHECKS): a bulk payment of made-up numbers must not find out more numbers than the name
 * checks allow.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { call } from '../../test/api.ts';
import { deposit, newUser, openAccount, unknownNumber } from '../../test/banking.ts';
import { createTestTable, dynamoClients, useHandlerEnv } from '../../test/harness.ts';
import { createDocumentClient } from '../store/db.ts';
import { paymentKeys } from '../store/keys.ts';

let table: string;
beforeAll(async () => {
  table = await createTestTable('number-checks');
  useHandlerEnv({ TABLE_NAME: table });
});
afterEach(() => {
  vi.useRealTimers();
});

const unknown = unknownNumber;
const doc = () => createDocumentClient(dynamoClients().client);
const pay = (user: string, from: string, toAccountNumber: string, key = randomUUID()) =>
  call('transfer', {
    user,
    body: { fromAccountId: from, toAccountNumber, amount: 1, currency: 'USD' },
    headers: { 'idempotency-key': key },
  });
/** A customer's rate counter for the window that starts at `start`, as stored. */
const counter = async (user: string, name: string, start: string) =>
  (
    await doc().send(
      new GetCommand({
        TableName: table,
        Key: paymentKeys.rate(user, name, Date.parse(start) / 1000),
        ConsistentRead: true,
      }),
    )
  ).Item;
const payMany = (user: string, from: string, numbers: string[], key = randomUUID()) =>
  call('transferBatch', {
    user,
    body: {
      fromAccountId: from,
      currency: 'USD',
      transfers: numbers.map((n) => ({ toAccountNumber: n, amount: 1 })),
    },
    headers: { 'idempotency-key': key },
  });

describe('account numbers that match no account', () => {
  it('count 20 a minute across bulk payments, transfers and name checks; then 429, not recorded with the key', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2027-05-01T10:00:15Z') });
    const me = await newUser(table);
    const mine = await openAccount(me);
    await deposit(me, mine.id, 10_00);
    const known = await openAccount(await newUser(table, 'Ann Lee'));

    // A bulk payment naming 3 unknown numbers (one of them twice) and a known one: 3 counted.
    const batch = await payMany(me, mine.id, [unknown(1), known.number, unknown(2), unknown(1), unknown(3)]);
    expect(batch.status, JSON.stringify(batch.body)).toBe(422);
    expect(batch.body.code).toBe('batch_rejected');
    // Then 16 single transfers: 19 counted; a name check is the 20th.
    for (let i = 0; i < 16; i++)
      expect((await pay(me, mine.id, unknown(100 + i))).body.code).toBe('recipient_not_found');
    expect(
      (await call('checkPayee', { user: me, body: { name: 'Ann Lee', accountNumber: known.number } })).status,
    ).toBe(200);
    // The 21st: refused for the rate, before it says whether the number exists; not recorded, so the
    // same key in the next minute gets the real answer.
    const key = randomUUID();
    const limited = await pay(me, mine.id, unknown(999), key);
    expect(limited.status, JSON.stringify(limited.body)).toBe(429);
    expect(limited.body.code).toBe('rate_limited');
    expect(limited.headers['retry-after']).toBe('45');
    expect((await payMany(me, mine.id, [unknown(998)])).status).toBe(429);
    // Past the count, another customer's account is refused the same way, whatever else the request
    // says (another currency would be 422 currency_mismatch): the answers tell no number from another.
    expect((await pay(me, mine.id, known.number)).status).toBe(429);
    const eur = await call('transfer', {
      user: me,
      body: { fromAccountId: mine.id, toAccountNumber: known.number, amount: 1, currency: 'EUR' },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(eur.status, JSON.stringify(eur.body)).toBe(429);
    expect((await payMany(me, mine.id, [known.number])).status).toBe(429);
    const schedule = await call('createSchedule', {
      user: me,
      headers: { 'idempotency-key': randomUUID() },
      body: {
        fromAccountId: mine.id,
        toAccountNumber: known.number,
        amount: 1,
        currency: 'USD',
        frequency: 'once',
        startDate: '2027-05-02',
      },
    });
    expect(schedule.status, JSON.stringify(schedule.body)).toBe(429);
    // The customer's own accounts are no secret to them: they still pay.
    const own = await openAccount(me);
    expect((await pay(me, mine.id, own.number)).status).toBe(201);
    expect((await payMany(me, mine.id, [own.number])).status).toBe(201);

    vi.setSystemTime(new Date('2027-05-01T10:01:00Z'));
    expect((await pay(me, mine.id, known.number)).status).toBe(201);
    const later = await pay(me, mine.id, unknown(999), key);
    expect(later.status).toBe(422);
    expect(later.body.code).toBe('recipient_not_found');
  });

  it('count 200 a day besides 20 a minute: past the day, numbers wait for the next (UTC) day', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2027-05-02T10:00:05Z') });
    const me = await newUser(table);
    const mine = await openAccount(me);
    await deposit(me, mine.id, 10_00);
    const known = await openAccount(await newUser(table, 'Ann Lee'));
    // 199 counted earlier today (as ten minutes of 20 would, less one).
    const dayStart = Date.parse('2027-05-02T00:00:00Z') / 1000;
    await doc().send(
      new UpdateCommand({
        TableName: table,
        Key: paymentKeys.rate(me, 'payee-check-day', dayStart),
        UpdateExpression: 'SET hits = :n',
        ExpressionAttributeValues: { ':n': 199 },
      }),
    );
    expect((await pay(me, mine.id, unknown(700))).body.code).toBe('recipient_not_found');
    // A new minute, but the day is spent: refused before any look-up, known numbers too.
    vi.setSystemTime(new Date('2027-05-02T10:01:05Z'));
    const refused = await pay(me, mine.id, unknown(701));
    expect(refused.status, JSON.stringify(refused.body)).toBe(429);
    expect(refused.body.detail).toMatch(/200 account numbers a day/);
    expect(refused.headers['retry-after']).toBe(String(14 * 3600 - 65));
    // The minute's count spent too: the answer waits for the day's end, not the minute's.
    await doc().send(
      new UpdateCommand({
        TableName: table,
        Key: paymentKeys.rate(me, 'payee-check', Date.parse('2027-05-02T10:01:00Z') / 1000),
        UpdateExpression: 'SET hits = :n',
        ExpressionAttributeValues: { ':n': 20 },
      }),
    );
    const held = await pay(me, mine.id, known.number);
    expect(held.status).toBe(429);
    expect(held.headers['retry-after']).toBe(String(14 * 3600 - 65));
    expect(
      (await call('checkPayee', { user: me, body: { name: 'Ann Lee', accountNumber: known.number } })).status,
    ).toBe(429);
    // The next day.
    vi.setSystemTime(new Date('2027-05-03T00:00:01Z'));
    expect((await pay(me, mine.id, known.number)).status).toBe(201);
  });

  it('leave out a mistyped number (its check digit wrong): 400 before any look-up, never counted', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2027-05-01T15:00:10Z') });
    const me = await newUser(table);
    const mine = await openAccount(me);
    await deposit(me, mine.id, 10_00);
    const known = await openAccount(await newUser(table, 'Ann Lee'));
    // The last digit changed: one digit off is never well formed (Luhn).
    const typo = `${known.number.slice(0, 9)}${(Number(known.number[9]) + 1) % 10}`;
    for (let i = 0; i < 25; i++) {
      const r = await pay(me, mine.id, typo);
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.code).toBe('validation_failed');
    }
    expect((await payMany(me, mine.id, [typo])).status).toBe(400);
    expect(
      (await call('checkPayee', { user: me, body: { name: 'Ann Lee', accountNumber: typo } })).status,
    ).toBe(400);
    // None was counted: 20 numbers that match no account still get their real answer.
    for (let i = 0; i < 20; i++)
      expect((await pay(me, mine.id, unknown(500 + i))).body.code).toBe('recipient_not_found');
    expect((await pay(me, mine.id, unknown(600))).status).toBe(429);
  });

  it('once spent, still let a customer pay their saved payees, whose numbers were counted when saved', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2027-05-01T14:00:10Z') });
    const me = await newUser(table);
    const mine = await openAccount(me);
    await deposit(me, mine.id, 10_00);
    const known = await openAccount(await newUser(table, 'Ann Lee'));
    const saved = await call('createPayee', {
      user: me,
      body: { name: 'Ann Lee', accountNumber: known.number },
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    const payeeId = (saved.body as { id: string }).id;
    // The payee was the 1st; 19 unknown numbers spend the rest.
    for (let i = 0; i < 19; i++)
      expect((await pay(me, mine.id, unknown(400 + i))).body.code).toBe('recipient_not_found');
    expect((await pay(me, mine.id, known.number)).status).toBe(429);
    const paid = await call('transfer', {
      user: me,
      body: { fromAccountId: mine.id, payeeId, amount: 1, currency: 'USD' },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(paid.status, JSON.stringify(paid.body)).toBe(201);
    const scheduled = await call('createSchedule', {
      user: me,
      headers: { 'idempotency-key': randomUUID() },
      body: {
        fromAccountId: mine.id,
        payeeId,
        amount: 1,
        currency: 'USD',
        frequency: 'once',
        startDate: '2027-05-02',
      },
    });
    expect(scheduled.status, JSON.stringify(scheduled.body)).toBe(201);
  });

  it('count a request once: its retries, answered from its record, and its key reused for another request are not counted again', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2027-05-01T13:00:05Z') });
    const me = await newUser(table);
    const mine = await openAccount(me);
    await deposit(me, mine.id, 10_00);
    const key = randomUUID();
    const five = Array.from({ length: 5 }, (_, i) => unknown(i));
    const first = await payMany(me, mine.id, five, key);
    expect(first.body.code).toBe('batch_rejected');
    // A client that lost the answers retries four times: each is the first answer again.
    for (let i = 0; i < 4; i++) {
      const again = await payMany(me, mine.id, five, key);
      expect(again.body).toEqual(first.body);
      expect(again.headers['idempotent-replayed']).toBe('true');
    }
    // The key reused for other numbers, and a single transfer retried.
    for (let i = 0; i < 3; i++)
      expect((await payMany(me, mine.id, [unknown(7), unknown(8)], key)).body.code).toBe(
        'idempotency_key_reused',
      );
    const single = randomUUID();
    for (let i = 0; i < 3; i++)
      expect((await pay(me, mine.id, unknown(9), single)).body.code).toBe('recipient_not_found');
    // 6 counted (5 + 1): 14 more fit, the 21st does not.
    for (let i = 0; i < 14; i++)
      expect((await pay(me, mine.id, unknown(200 + i))).body.code).toBe('recipient_not_found');
    expect((await pay(me, mine.id, unknown(300))).status).toBe(429);
  });

  it('count a scheduled transfer set up to a number that matches no account, too', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2027-05-01T12:00:20Z') });
    const me = await newUser(table);
    const mine = await openAccount(me);
    const schedule = (n: number) =>
      call('createSchedule', {
        user: me,
        headers: { 'idempotency-key': randomUUID() },
        body: {
          fromAccountId: mine.id,
          toAccountNumber: unknown(n),
          amount: 1,
          currency: 'USD',
          frequency: 'monthly',
          startDate: '2027-05-02',
        },
      });
    for (let i = 0; i < 20; i++) expect((await schedule(i)).body.code).toBe('recipient_not_found');
    const limited = await schedule(20);
    expect(limited.status, JSON.stringify(limited.body)).toBe(429);
    expect(limited.body.code).toBe('rate_limited');
    expect(limited.headers['retry-after']).toBe('40');
  });

  it('answers a bulk payment with more unknown numbers than a minute allows once and for all, for the rest of the minute, and lets other customers be', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2027-05-01T11:00:30Z') });
    const me = await newUser(table);
    const mine = await openAccount(me);
    await deposit(me, mine.id, 10_00);
    const key = randomUUID();
    const many = Array.from({ length: 21 }, (_, i) => unknown(i));
    const r = await payMany(me, mine.id, many, key);
    expect(r.status, JSON.stringify(r.body)).toBe(422);
    expect(r.body.code).toBe('too_many_unknown_numbers');
    // Which numbers are unknown is not said.
    expect(r.body.errors).toBeUndefined();
    // The day counts a whole minute's 20, not the 21 asked; each counter outlives its window (TTL).
    const minute = await counter(me, 'payee-check', '2027-05-01T11:00:00Z');
    const day = await counter(me, 'payee-check-day', '2027-05-01T00:00:00Z');
    expect(minute?.hits).toBe(20);
    expect(day?.hits).toBe(20);
    expect(minute?.expiresAt).toBeGreaterThan(Date.parse('2027-05-01T11:01:00Z') / 1000);
    expect(day?.expiresAt).toBeGreaterThan(Date.parse('2027-05-02T00:00:00Z') / 1000);
    // It cost the rest of the minute: a name check, or a number that matches none, is now 429.
    expect((await pay(me, mine.id, unknown(50))).status).toBe(429);
    // The same request is answered the same, recorded with its key: not a 429 that every minute repeats.
    vi.setSystemTime(new Date('2027-05-01T11:01:30Z'));
    const again = await payMany(me, mine.id, many, key);
    expect(again.status).toBe(422);
    expect(again.body).toEqual(r.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    // A new window: 20 fit (the replay counted nothing).
    const twenty = await payMany(
      me,
      mine.id,
      Array.from({ length: 20 }, (_, i) => unknown(i)),
    );
    expect(twenty.status).toBe(422);
    expect(twenty.body.errors).toHaveLength(20);
    // With the window spent, more than a window is 429, unrecorded: the same key later gets its answer.
    const spentKey = randomUUID();
    expect((await payMany(me, mine.id, many, spentKey)).status).toBe(429);
    vi.setSystemTime(new Date('2027-05-01T11:02:00Z'));
    expect((await payMany(me, mine.id, many, spentKey)).body.code).toBe('too_many_unknown_numbers');
    // Another customer has their own count.
    const other = await newUser(table);
    const theirs = await openAccount(other);
    await deposit(other, theirs.id, 10_00);
    expect((await pay(other, theirs.id, unknown(5))).status).toBe(422);
  });
});
