import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestTable, dynamoClients } from '../../test/harness.ts';
import { BankError } from '../domain/errors.ts';
import { createDocumentClient, type Db } from './db.ts';
import * as keys from './item-keys.ts';
import { EmailedCodeCounter, FailureCounter, LoginGuard, loginLocked, slowDelaySeconds } from './logins.ts';

const DAY = 24 * 3600;
const T0 = Date.parse('2027-05-01T10:00:00.000Z');

let db: Db;
let table: string;
beforeAll(async () => {
  db = createDocumentClient(dynamoClients().client);
  table = await createTestTable('logins');
});

const itemOf = async (key: { pk: string; sk: string }) =>
  (await db.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item ?? {};
/** What a promise was refused with: the error's code and Retry-After, or 'none'. */
const refusal = (p: Promise<unknown>) =>
  p.then(
    () => 'none',
    (e: unknown) => (e instanceof BankError ? { code: e.code, retryAfter: e.retryAfter } : e),
  );

describe('FailureCounter (failures in a row, then a lock)', () => {
  const counter = (lockSeconds = 60) =>
    new FailureCounter(db, table, { maxFailures: 3, lockSeconds }, loginLocked);
  const key = () => ({ pk: `T#${randomUUID()}`, sk: 'C' });

  it('locks at the last allowed failure, until the lock’s last millisecond; at its end the key tries again', async () => {
    const c = counter();
    const k = key();
    const outcomes = [];
    for (let i = 0; i < 3; i++) {
      await c.reserve(k, T0);
      outcomes.push(await c.failed(k, T0));
    }
    expect(outcomes).toEqual([{ locked: false }, { locked: false }, { locked: true, until: T0 + 60_000 }]);
    expect(await refusal(c.reserve(k, T0 + 59_999))).toEqual({ code: 'login_locked', retryAfter: 1 });
    expect(await c.reserve(k, T0 + 60_000)).toEqual({ unlocked: true });
  });

  it('refuses an attempt while as many as allowed are under way, for the whole lock time', async () => {
    const c = counter();
    const k = key();
    for (let i = 0; i < 3; i++) await c.reserve(k, T0);
    expect(await refusal(c.reserve(k, T0))).toEqual({ code: 'login_locked', retryAfter: 60 });
  });

  it('gives an unjudged attempt back, never below zero', async () => {
    const c = counter();
    const k = key();
    await c.reserve(k, T0);
    await c.release(k);
    await c.release(k);
    expect((await itemOf(k)).attempts).toBe(0);
    for (let i = 0; i < 3; i++) await c.reserve(k, T0);
    expect(await refusal(c.reserve(k, T0))).toMatchObject({ code: 'login_locked' });
  });

  it('keeps its item (TTL) a day past a lock, however long the lock', async () => {
    const c = counter(3 * DAY);
    const k = key();
    for (let i = 0; i < 3; i++) {
      await c.reserve(k, T0);
      await c.failed(k, T0);
    }
    const item = await itemOf(k);
    expect(item.lockedUntil).toBe(T0 + 3 * DAY * 1000);
    expect(item.expiresAt * 1000).toBeGreaterThanOrEqual(Number(item.lockedUntil) + DAY * 1000);
  });

  it('a counter of an older generation (a reset since) starts again, its lock lifted', async () => {
    const c = counter();
    const k = key();
    for (let i = 0; i < 3; i++) {
      await c.reserve(k, T0, 0);
      await c.failed(k, T0);
    }
    expect(await c.reserve(k, T0, 1)).toEqual({ unlocked: true });
    expect(await itemOf(k)).toMatchObject({ attempts: 1, epoch: 1 });
  });
});

describe('EmailedCodeCounter (wrong answers per emailed code)', () => {
  const counter = () =>
    new EmailedCodeCounter(
      db,
      table,
      { maxFailures: 3, codeSeconds: 60 },
      () => new BankError('reset_locked', 'spent'),
    );
  const email = () => `${randomUUID()}@example.com`;

  it('the third wrong answer spends the code; the next is refused until a new code is asked for', async () => {
    const c = counter();
    const e = email();
    await c.issued(e, T0);
    const tickets = [];
    for (let i = 0; i < 3; i++) tickets.push(await c.reserve(e, T0));
    expect(tickets.map((t) => t && c.failed(t).spent)).toEqual([false, false, true]);
    expect(await refusal(c.reserve(e, T0))).toMatchObject({ code: 'reset_locked' });
    await c.issued(e, T0);
    expect(await c.reserve(e, T0)).toMatchObject({ generation: 2, attempt: 1 });
  });

  it('counts guesses until the code’s last millisecond; from its expiry they count nothing', async () => {
    const c = counter();
    const e = email();
    await c.issued(e, T0);
    expect(await c.reserve(e, T0 + 59_999)).toMatchObject({ generation: 1, attempt: 1 });
    expect(await c.reserve(e, T0 + 60_000)).toBeUndefined();
    expect((await itemOf(keys.passwordReset(e))).codeAttempts).toBe(1);
  });

  it('asked for only if none is current: a live code keeps its count, an expired one is replaced', async () => {
    const c = counter();
    const e = email();
    await c.issued(e, T0);
    await c.reserve(e, T0);
    await c.issued(e, T0 + 59_999, true);
    expect(await itemOf(keys.passwordReset(e))).toMatchObject({ codeGeneration: 1, codeAttempts: 1 });
    await c.issued(e, T0 + 60_000, true);
    expect(await itemOf(keys.passwordReset(e))).toMatchObject({ codeGeneration: 2, codeAttempts: 0 });
  });

  it('gives back an unjudged attempt of the current code only, never below zero', async () => {
    const c = counter();
    const e = email();
    await c.issued(e, T0);
    const old = await c.reserve(e, T0);
    await c.issued(e, T0);
    // The old code's attempt given back after a new code was asked for: the new one's count stays.
    const first = await c.reserve(e, T0);
    if (!old || !first) return expect.fail('no ticket');
    await c.release(old);
    expect((await itemOf(keys.passwordReset(e))).codeAttempts).toBe(1);
    await c.release(first);
    await c.release(first);
    expect((await itemOf(keys.passwordReset(e))).codeAttempts).toBe(0);
  });

  it('a used code (the password was reset) counts nothing more', async () => {
    const c = counter();
    const e = email();
    await c.issued(e, T0);
    await c.reserve(e, T0);
    await c.succeeded(e);
    expect(await c.reserve(e, T0)).toBeUndefined();
    // Nor is it current: a code counted if none is (a guess with no code asked for) opens a new one.
    await c.issued(e, T0, true);
    expect(await c.reserve(e, T0)).toMatchObject({ attempt: 1 });
  });

  it('an attempt begun before the reset and given back after the next code was asked for leaves that code’s count alone', async () => {
    const c = counter();
    const e = email();
    await c.issued(e, T0);
    const late = await c.reserve(e, T0);
    await c.succeeded(e);
    await c.issued(e, T0);
    expect(await c.reserve(e, T0)).toMatchObject({ generation: 2, attempt: 1 });
    if (!late) return expect.fail('no ticket');
    await c.release(late);
    expect((await itemOf(keys.passwordReset(e))).codeAttempts).toBe(1);
  });
});

describe('LoginGuard (pair locks, the email’s slowing)', () => {
  const policy = {
    maxFailures: 3,
    lockSeconds: 1800,
    slowAfter: 3,
    maxDelaySeconds: 30,
    windowSeconds: 600,
    knownIpDays: 90,
  };
  const guard = () => new LoginGuard(db, table, policy);
  const email = () => `${randomUUID()}@example.com`;
  const fail = async (g: LoginGuard, e: string, ip: string, now: number) =>
    g.failed(await g.reserve(e, ip, now), now);

  it('slows after slowAfter failures: 1 s, doubling, at most maxDelaySeconds', () => {
    const delays = Array.from({ length: 10 }, (_, f) => slowDelaySeconds(f, policy));
    expect(delays).toEqual([0, 0, 0, 1, 2, 4, 8, 16, 30, 30]);
  });

  it('an unknown IP waits until the slowed time, through its last millisecond; a known IP does not', async () => {
    const g = guard();
    const e = email();
    await g.succeeded(await g.reserve(e, '10.0.0.1', T0), T0);
    for (let i = 0; i < 2; i++) await fail(g, e, `10.9.0.${i}`, T0);
    const third = await fail(g, e, '10.9.0.9', T0);
    expect(third).toEqual({ failures: 3, slowedUntil: T0 + 1000 });
    expect(await g.lockState(e, T0)).toEqual({ slowedUntil: T0 + 1000 });
    expect(await refusal(g.reserve(e, '10.9.1.1', T0 + 999))).toEqual({
      code: 'login_throttled',
      retryAfter: 1,
    });
    expect(await g.reserve(e, '10.0.0.1', T0 + 999)).toMatchObject({ claimed: false });
    expect(await g.lockState(e, T0 + 1000)).toEqual({});
    expect(await g.reserve(e, '10.9.1.1', T0 + 1000)).toMatchObject({ claimed: true });
  });

  it('an IP stays known for knownIpDays after a login from it, to the second', async () => {
    const g = guard();
    const e = email();
    await g.succeeded(await g.reserve(e, '10.4.0.1', T0), T0);
    const lastDay = T0 + (policy.knownIpDays * DAY - 2) * 1000;
    for (let i = 0; i < 3; i++) await fail(g, e, `10.4.1.${i}`, lastDay);
    // Slowed for unknown IPs: the known one goes on (its try counts, the slot is not taken) ...
    expect(await g.reserve(e, '10.4.0.1', lastDay + 999)).toMatchObject({ claimed: false });
    // ... until it is known no more: then it takes the slowed slot as any other.
    const gone = T0 + policy.knownIpDays * DAY * 1000;
    expect(await g.reserve(e, '10.4.0.1', gone)).toMatchObject({ claimed: true });
  });

  it('forgets failures a whole window old: the next try starts a new count', async () => {
    const g = guard();
    const e = email();
    for (let i = 0; i < 3; i++) await fail(g, e, `10.8.0.${i}`, T0);
    const later = T0 + policy.windowSeconds * 1000;
    const t = await g.reserve(e, '10.8.1.1', later);
    expect(t.claimed).toBe(false);
    expect(await g.failed(t, later)).toEqual({ failures: 1 });
  });

  it('an attempt judged a whole window after it began, or after a reset, counts in the new window or generation', async () => {
    const g = guard();
    const e = email();
    for (let i = 0; i < 2; i++) await fail(g, e, `10.7.0.${i}`, T0);
    const late = await g.reserve(e, '10.7.1.1', T0);
    const T1 = T0 + policy.windowSeconds * 1000;
    expect(await g.failed(late, T1)).toEqual({ failures: 1 });
    const before = await g.reserve(e, '10.7.2.1', T1);
    await g.clear(e);
    await g.reserve(e, '10.7.3.1', T1);
    expect(await g.failed(before, T1)).toEqual({ failures: 2 });
  });

  it('a try begun before a reset and given back after it leaves the new generation’s count alone', async () => {
    const g = guard();
    const e = email();
    const before = await g.reserve(e, '10.1.0.1', T0);
    await g.clear(e);
    for (let i = 0; i < 3; i++) await fail(g, e, `10.1.1.${i}`, T0);
    await g.release(before, T0);
    // Still 3 failures: the next unknown IP is past slowAfter and takes the slot once it is due.
    expect(await g.reserve(e, '10.1.2.1', T0 + 1000)).toMatchObject({ claimed: true });
  });

  it('a try given back (not judged) does not count toward slowing', async () => {
    const g = guard();
    const e = email();
    for (let i = 0; i < 5; i++) await g.release(await g.reserve(e, `10.6.0.${i}`, T0), T0);
    for (let i = 0; i < 2; i++) await fail(g, e, `10.6.1.${i}`, T0);
    expect(await g.reserve(e, '10.6.2.1', T0)).toMatchObject({ claimed: false });
  });

  it('an attempt that took the slowed slot and is then refused by its pair gives the slot back', async () => {
    const g = guard();
    const e = email();
    // As many attempts under way from one IP as its pair allows: 3 tries on the email, unjudged.
    for (let i = 0; i < 3; i++) await g.reserve(e, '10.2.0.1', T0);
    // The next from that IP takes the slot (a 4th try), then its pair refuses it.
    expect(await refusal(g.reserve(e, '10.2.0.1', T0))).toMatchObject({ code: 'login_locked' });
    // The slot is free again for another IP.
    expect(await g.reserve(e, '10.2.0.2', T0)).toMatchObject({ claimed: true });
  });

  it('a pair’s lock holds through its last millisecond and ends at its instant', async () => {
    const g = guard();
    const e = email();
    for (let i = 0; i < 3; i++) await fail(g, e, '10.3.0.1', T0);
    const end = T0 + policy.lockSeconds * 1000;
    expect(await refusal(g.reserve(e, '10.3.0.1', end - 1))).toEqual({ code: 'login_locked', retryAfter: 1 });
    expect(await g.reserve(e, '10.3.0.1', end)).toMatchObject({ unlocked: true });
  });

  it('a reset (clear) lifts the pair locks and the slowing of an email', async () => {
    const g = guard();
    const e = email();
    for (let i = 0; i < 3; i++) await fail(g, e, '10.5.0.1', T0);
    expect(await refusal(g.reserve(e, '10.5.0.1', T0))).toMatchObject({ code: 'login_locked' });
    expect(await g.lockState(e, T0)).toEqual({ lockedUntil: T0 + 1_800_000, slowedUntil: T0 + 1000 });
    expect(await g.lockState(e, T0 + 1_799_999)).toEqual({ lockedUntil: T0 + 1_800_000 });
    expect(await g.lockState(e, T0 + 1_800_000)).toEqual({});
    await g.clear(e);
    expect(await g.lockState(e, T0)).toEqual({});
    expect(await g.reserve(e, '10.5.0.1', T0)).toMatchObject({ claimed: false, epoch: 1 });
  });
});
