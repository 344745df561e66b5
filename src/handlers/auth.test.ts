import { randomUUID } from 'node:crypto';
import { AdminConfirmSignUpCommand, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { decodeJwt } from 'jose';
import { generateSync } from 'otplib';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { call } from '../../test/api.ts';
import { createTestTable, createTestUserPool, dynamoClients, useHandlerEnv } from '../../test/harness.ts';
import { captureLogs } from '../../test/logs.ts';
import { config } from '../config.ts';
import { IDLE_TIMEOUT_SECONDS } from '../domain/session.ts';
import { sendTotp, unusedTotpCode } from '../local/totp-code.ts';
import { createDocumentClient } from '../store/db.ts';
import * as itemKeys from '../store/item-keys.ts';
import { tokenHash } from '../store/login-status.ts';
import { ipLockKey, LoginGuard } from '../store/logins.ts';
import { SessionStore } from '../store/sessions.ts';
import { UserStore } from '../store/users.ts';
import { useFloorWait } from './checks.ts';
import { confirmAttempts, securitySettings, signIn as signInCalls, userDirectory } from './context.ts';

const PASSWORD = 'Correct-Horse-9-Battery';

let pool: Awaited<ReturnType<typeof createTestUserPool>>;
let table: string;
beforeAll(async () => {
  pool = await createTestUserPool();
  table = await createTestTable('auth');
  useHandlerEnv({
    TABLE_NAME: table,
    USER_POOL_ID: pool.userPoolId,
    USER_POOL_CLIENT_ID: pool.clientId,
    BANK_AUTO_CONFIRM: 'true',
    BANK_LOGIN_MAX_FAILURES: '10',
    BANK_LOGIN_LOCK_SECONDS: '1800',
    BANK_LOGIN_SLOW_AFTER: '10',
    BANK_AUTH_FLOOR_MS: '50',
  });
});

const email = () => `user-${randomUUID().slice(0, 8)}@example.com`;
const register = (body: Record<string, unknown>) => call('register', { body });
const login = (e: string, password = PASSWORD, sourceIp = '127.0.0.1') =>
  call('login', { body: { email: e, password }, sourceIp });
const registered = async (password = PASSWORD) => {
  const e = email();
  expect((await register({ email: e, password, name: 'A' })).status).toBe(201);
  return e;
};
const tokensOf = async (e: string, password = PASSWORD) => {
  const r = await login(e, password);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body as { accessToken: string; refreshToken: string; idToken: string };
};

/** A failure counter's item (src/store/logins.ts FailureCounter) whose lock ran out a moment ago. */
const lockRanOut = (key: { pk: string; sk: string }) =>
  dynamoClients().doc.send(
    new PutCommand({
      TableName: table,
      Item: { ...key, attempts: 0, epoch: 0, lockedUntil: Date.now() - 1000 },
    }),
  );

/** A sign-up made in the pool itself, past the register route (the app client is public), not confirmed. */
const signUpAtCognito = async (password: string, name?: string) => {
  const e = email();
  const r = await pool.cognito.send(
    new SignUpCommand({
      ClientId: pool.clientId,
      Username: e,
      Password: password,
      UserAttributes: [{ Name: 'email', Value: e }, ...(name ? [{ Name: 'name', Value: name }] : [])],
    }),
  );
  return { e, sub: String(r.UserSub) };
};

describe('register', () => {
  it('registers, trims and lower-cases the email, and confirms locally', async () => {
    const e = email();
    const r = await register({ email: `  ${e.toUpperCase()} `, password: PASSWORD, name: 'Ada Lovelace' });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ email: e, status: 'confirmed' });
  });

  it('answers a taken email exactly as a new one, creates nothing, and tells the owner', async () => {
    const e = email();
    const first = await register({ email: e, password: PASSWORD, name: 'Owner' });
    const { logs, result: again } = await captureLogs(() =>
      register({ email: e, password: 'Another-Pass-77!', name: 'Squatter' }),
    );
    expect(again.status).toBe(first.status);
    expect(again.body).toEqual(first.body);
    expect(logs).toContain('"event":"registration_repeated"');
    expect(logs).toContain('Someone tried to register with your address');
    // Nothing changed: the owner's password still works, the second one does not.
    expect((await login(e)).status).toBe(200);
    expect((await login(e, 'Another-Pass-77!')).status).toBe(401);
  });

  it('replaces an unconfirmed sign-up older than 24 hours, and keeps a younger one', async () => {
    const e = email();
    // A squatter's sign-up, never confirmed.
    await pool.cognito.send(
      new SignUpCommand({
        ClientId: pool.clientId,
        Username: e,
        Password: 'Squatter-Pass-77!',
        UserAttributes: [{ Name: 'email', Value: e }],
      }),
    );
    const young = await register({ email: e, password: PASSWORD, name: 'Owner' });
    expect(young.status).toBe(201);
    expect((await login(e)).status).toBe(401);

    const now = Date.now();
    const later = vi.spyOn(Date, 'now').mockReturnValue(now + 25 * 3600 * 1000);
    const { logs, result } = await captureLogs(() =>
      register({ email: e, password: PASSWORD, name: 'Owner' }),
    );
    later.mockRestore();
    expect(result.body).toEqual(young.body);
    expect(logs).toContain('"event":"registration_replaced"');
    // The owner's sign-up replaced the stale one (confirmed at once here), and it is the owner's password.
    expect((await login(e)).status).toBe(200);
    expect((await login(e, 'Squatter-Pass-77!')).status).toBe(401);
  });

  it.each([
    ['short', 'Aa1!aaaaaaa'],
    ['no upper case', 'correct-horse-9-battery'],
    ['no lower case', 'CORRECT-HORSE-9-BATTERY'],
    ['no digit', 'Correct-Horse-Battery'],
    ['no symbol', 'CorrectHorse9Battery'],
    ['a space at the end', 'Correct-Horse-9-Battery '],
    ['an é, which Cognito refuses', 'Corrécte-Horse-9-Battery'],
    ['a €, which Cognito refuses', 'Correct-Horse-9-Battery€'],
  ])('enforces the password policy ourselves: %s', async (_, password) => {
    const r = await register({ email: email(), password, name: 'A' });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('validation_failed');
    expect(r.body.errors[0].path).toBe('body.password');
  });

  it.each(['Password123!', 'P@ssw0rd2024!', '!!Iloveyou1234', 'Qwertyuiop123#', 'Football-2025!'])(
    'refuses a common password or a trivial variant: %s',
    async (password) => {
      const r = await register({ email: email(), password, name: 'A' });
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.code).toBe('weak_password');
      expect(r.body.detail).toMatch(/too common/);
    },
  );

  it('validates name and email, and refuses unknown fields', async () => {
    for (const body of [
      { email: 'not-an-email', password: PASSWORD, name: 'A' },
      { email: email(), password: PASSWORD, name: '' },
      { email: email(), password: PASSWORD, name: 'x'.repeat(101) },
      { email: email(), password: PASSWORD, name: 'A', admin: true },
    ]) {
      expect((await register(body)).status).toBe(400);
    }
  });
});

/**
 * A burst's answers besides the guesses judged (401): at least `min` are refused (429) or found a
 * dependency that did not answer in time on a machine loaded far past its cores (503, a TimeoutError
 * of the SDK: a guess not judged, counted or not, which a load average of 15 produced once), never
 * anything else, and most are refused.
 */
const expectRefused = (statuses: number[], min: number) => {
  const refused = statuses.filter((s) => s === 429).length;
  const busy = statuses.filter((s) => s === 503).length;
  expect(refused + busy).toBeGreaterThanOrEqual(min);
  expect(refused).toBeGreaterThan(busy);
  expect(statuses.filter((s) => ![401, 429, 503].includes(s))).toEqual([]);
};

describe('login, refresh, logout, me', () => {
  it('logs in, reads /me, refreshes, and after logout the refresh token is refused', async () => {
    const e = await registered();
    const t = await tokensOf(e);
    const sub = String(decodeJwt(t.accessToken).sub);
    const me = await call('me', { token: t.accessToken });
    expect(me.body).toEqual({ userId: sub, email: e, name: 'A', createdAt: expect.any(String) });

    const refreshed = await call('refresh', { body: { refreshToken: t.refreshToken } });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.tokenType).toBe('Bearer');

    const out = await call('logout', { token: t.accessToken, body: { refreshToken: t.refreshToken } });
    expect(out.status).toBe(204);
    const after = await call('refresh', { body: { refreshToken: t.refreshToken } });
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('invalid_refresh_token');
    const bogus = await call('refresh', { body: { refreshToken: 'not-a-token' } });
    expect(bogus.status).toBe(401);
    expect(bogus.body).toEqual(after.body);
  });

  it('a session idle past the timeout renews nothing, whoever holds its refresh token: refused and revoked; one in use renews on', async () => {
    const t = await tokensOf(await registered());
    const key = itemKeys.refreshToken(tokenHash(t.refreshToken));
    const stored = async () =>
      (await dynamoClients().doc.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true })))
        .Item;
    const setUntil = (until: number | undefined) =>
      dynamoClients().doc.send(
        new UpdateCommand({
          TableName: table,
          Key: key,
          ...(until === undefined
            ? { UpdateExpression: 'REMOVE renewableUntil' }
            : { UpdateExpression: 'SET renewableUntil = :u', ExpressionAttributeValues: { ':u': until } }),
        }),
      );
    const expOf = (accessToken: string) => Number(decodeJwt(accessToken).exp);
    const renew = () => call('refresh', { body: { refreshToken: t.refreshToken } });
    // Renewable until the idle timeout past its access token's expiry; each renewal moves that on.
    expect((await stored())?.renewableUntil).toBe(expOf(t.accessToken) + IDLE_TIMEOUT_SECONDS);
    await setUntil(Math.floor(Date.now() / 1000) + 5);
    const renewed = await renew();
    expect(renewed.status, JSON.stringify(renewed.body)).toBe(200);
    expect((await stored())?.renewableUntil).toBe(expOf(renewed.body.accessToken) + IDLE_TIMEOUT_SECONDS);
    // One issued before the time was kept renews, and is given one.
    await setUntil(undefined);
    const legacy = await renew();
    expect(legacy.status).toBe(200);
    expect((await stored())?.renewableUntil).toBe(expOf(legacy.body.accessToken) + IDLE_TIMEOUT_SECONDS);
    // Idle past it: refused, and revoked for good (a later time given back does not revive it).
    await setUntil(Math.floor(Date.now() / 1000) - 1);
    const idle = await renew();
    expect(idle.status).toBe(401);
    expect(idle.body.code).toBe('invalid_refresh_token');
    expect((await stored())?.revokedAt).toEqual(expect.any(Number));
    await setUntil(Math.floor(Date.now() / 1000) + 3600);
    expect((await renew()).status).toBe(401);
  });

  it('logout with another customer\u2019s refresh token is refused and revokes nothing', async () => {
    const alice = await tokensOf(await registered());
    const mallory = await tokensOf(await registered());
    const r = await call('logout', {
      token: mallory.accessToken,
      body: { refreshToken: alice.refreshToken },
    });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('invalid_token');
    const garbage = await call('logout', { token: mallory.accessToken, body: { refreshToken: 'garbage' } });
    expect(garbage.status).toBe(400);
    expect(garbage.body.code).toBe('invalid_token');
    expect((await call('refresh', { body: { refreshToken: alice.refreshToken } })).status).toBe(200);
  });

  it('a held login (its confirmation did not set the password) renews nothing, and its refresh token is spent', async () => {
    const e = await registered();
    const t = await tokensOf(e);
    const sub = String(decodeJwt(t.accessToken).sub);
    const holds = new SessionStore(dynamoClients().doc, config().tableName, 3600);
    await holds.holdPassword(sub);
    const held = await call('refresh', { body: { refreshToken: t.refreshToken } });
    expect(held.status).toBe(403);
    expect(held.body.code).toBe('password_reset_required');
    // Cleared (as a password reset clears it), the token refused while held stays refused.
    await holds.clearPasswordHolds(sub);
    const after = await call('refresh', { body: { refreshToken: t.refreshToken } });
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('invalid_refresh_token');
    expect((await call('refresh', { body: { refreshToken: (await tokensOf(e)).refreshToken } })).status).toBe(
      200,
    );
  });

  it('sign out everywhere ends renewal for every session', async () => {
    const e = await registered();
    const a = await tokensOf(e);
    const b = await tokensOf(e);
    const asked = vi.spyOn(userDirectory(), 'signOutEverywhere');
    const { logs, result } = await captureLogs(() => call('revokeSessions', { token: a.accessToken }));
    expect(result.status).toBe(204);
    expect(logs).toContain('"event":"sessions_revoked"');
    // Cognito is asked with the caller's token, and their sub, its fallback should it refuse the token.
    expect(asked.mock.calls).toEqual([[{ accessToken: a.accessToken, sub: decodeJwt(a.accessToken).sub }]]);
    asked.mockRestore();
    for (const t of [a, b]) {
      const r = await call('refresh', { body: { refreshToken: t.refreshToken } });
      expect(r.status).toBe(401);
      expect(r.body.code).toBe('invalid_refresh_token');
    }
    // A new login works and renews.
    const c = await tokensOf(e);
    expect((await call('refresh', { body: { refreshToken: c.refreshToken } })).status).toBe(200);
  });

  it('sign out everywhere refuses the old access tokens on every route; a login right after works', async () => {
    const e = await registered();
    const a = await tokensOf(e);
    const b = await tokensOf(e);
    const checking = { body: { type: 'checking', currency: 'USD' } };
    const opened = await call('openAccount', { token: a.accessToken, ...checking });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    const deposit = (token: string) =>
      call('deposit', {
        token,
        params: { id: opened.body.id },
        body: { amount: 100 },
        headers: { 'idempotency-key': randomUUID() },
      });
    expect((await deposit(a.accessToken)).status).toBe(201);
    expect((await call('revokeSessions', { token: a.accessToken })).status).toBe(204);
    for (const t of [a, b])
      for (const [op, r] of [
        ['me', await call('me', { token: t.accessToken })],
        ['openAccount', await call('openAccount', { token: t.accessToken, ...checking })],
        ['listAccounts', await call('listAccounts', { token: t.accessToken })],
        ['deposit', await deposit(t.accessToken)],
      ] as const) {
        expect(r.status, op).toBe(401);
        expect(r.body.code, op).toBe('unauthorized');
      }
    // Logging in again at once (as a rule within the marker's second, whose tokens are refused unless
    // the login admitted them) gives tokens that work, and renew into tokens that work.
    const c = await tokensOf(e);
    expect((await call('openAccount', { token: c.accessToken, ...checking })).status).toBe(201);
    expect((await deposit(c.accessToken)).status).toBe(201);
    const renewed = await call('refresh', { body: { refreshToken: c.refreshToken } });
    expect(renewed.status).toBe(200);
    expect((await call('me', { token: renewed.body.accessToken })).status).toBe(200);
  });

  it('answers an unknown email and a wrong password the same way', async () => {
    const e = await registered();
    const wrong = await login(e, 'Wrong-Password-1');
    const unknown = await login(email(), PASSWORD);
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.code).toBe('invalid_credentials');
  });

  it('10 failures from one IP lock that IP for that email; the owner from a known IP still logs in', async () => {
    const e = await registered();
    expect((await login(e, PASSWORD, '10.0.0.2')).status).toBe(200);
    const { logs } = await captureLogs(async () => {
      for (let i = 0; i < 10; i++)
        expect((await login(e, `Wrong-Password-${i}`, '10.0.0.66')).status).toBe(401);
    });
    expect(logs).toContain('"event":"login_locked"');
    const locked = await login(e, PASSWORD, '10.0.0.66');
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('login_locked');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(1700);
    // The owner's usual IP is neither locked nor slowed by the attacker's failures.
    expect((await login(e, PASSWORD, '10.0.0.2')).status).toBe(200);
  });

  it('an IPv6 client counts as its /64: 10 failures over one /64 lock every address of it', async () => {
    const e = await registered();
    // The owner logs in from one address of their own /64.
    expect((await login(e, PASSWORD, '2001:db8:aaaa:2::10')).status).toBe(200);
    // The attacker picks a new address of its /64 for every guess, written any way it likes.
    const attacker = (i: number) =>
      [`2001:db8:aaaa:1::${i + 1}`, `2001:DB8:AAAA:1:${i}:0:0:7`, `2001:0db8:aaaa:0001:ffff:${i}::`][i % 3];
    const { logs } = await captureLogs(async () => {
      for (let i = 0; i < 10; i++)
        expect((await login(e, `Wrong-Password-${i}`, attacker(i))).status).toBe(401);
    });
    expect(logs).toContain('"event":"login_locked"');
    expect(logs).toContain('too many failures from 2001:db8:aaaa:1::/64');
    const locked = await login(e, PASSWORD, '2001:db8:aaaa:1:dead:beef:0:1');
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('login_locked');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(1700);
    // Another address of the owner's /64 is the owner's known network: neither locked nor slowed.
    expect((await login(e, PASSWORD, '2001:db8:aaaa:2:1234::99')).status).toBe(200);
  });

  it('failures from many IPs slow the email down for unknown IPs, with Retry-After, but never lock it', async () => {
    const e = await registered();
    for (let i = 0; i < 10; i++) expect((await login(e, 'Wrong-Password-1', `10.1.0.${i}`)).status).toBe(401);
    const slowed = await login(e, PASSWORD, '10.1.1.1');
    expect(slowed.status).toBe(429);
    expect(slowed.body.code).toBe('login_throttled');
    expect(Number(slowed.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(slowed.headers['retry-after'])).toBeLessThanOrEqual(30);
  });

  it('a burst of parallel guesses from as many IPs is counted as it starts: no more get through than one at a time would', async () => {
    const e = await registered();
    // The bank's clock held still, so the slowed slot's wait (1 s at first) cannot pass while a busy
    // machine works through the burst (a CI run once let the owner's login below through).
    vi.useFakeTimers({ toFake: ['Date'], now: new Date() });
    try {
      const rs = await Promise.all(
        Array.from({ length: 60 }, (_, i) => login(e, `Wrong-Password-${i}`, `10.7.${i}.1`)),
      );
      const statuses = rs.map((r) => r.status);
      // 10 tries, then the one slowed slot: at most 11 are judged, and the rest wait their turn.
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(11);
      expectRefused(statuses, 49);
      // Slowed now: the owner from an unknown IP waits too (a known IP would not).
      expect((await login(e, PASSWORD, '10.7.200.1')).status).toBe(429);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a burst of parallel guesses from one IP cannot get past the limit', async () => {
    const e = await registered();
    const rs = await Promise.all(Array.from({ length: 40 }, (_, i) => login(e, `Wrong-Password-${i}`)));
    const statuses = rs.map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(10);
    expectRefused(statuses, 30);
    expect((await login(e)).status).toBe(429);
  });

  it('a successful login resets the pair count', async () => {
    const e = await registered();
    for (let i = 0; i < 9; i++) await login(e, 'Wrong-Password-1');
    expect((await login(e)).status).toBe(200);
    for (let i = 0; i < 9; i++) await login(e, 'Wrong-Password-1');
    expect((await login(e)).status).toBe(200);
  });

  it('never logs passwords or tokens', async () => {
    const e = email();
    const { logs, result } = await captureLogs(async () => {
      await register({ email: e, password: PASSWORD, name: 'A' });
      return login(e);
    });
    expect(logs).toContain('"event":"login_succeeded"');
    expect(logs).not.toContain(PASSWORD);
    for (const t of [result.body.accessToken, result.body.refreshToken, result.body.idToken])
      expect(logs).not.toContain(t);
  });
});

/** The login guard on this file's table, with the file's policy (but `slowAfter`). */
const guard = (slowAfter: number) =>
  new LoginGuard(createDocumentClient(dynamoClients().client), table, {
    maxFailures: 10,
    lockSeconds: 1800,
    slowAfter,
    maxDelaySeconds: 30,
    windowSeconds: 1800,
    knownIpDays: 90,
  });

describe('login locks by network: an IPv6 source counts as its /64', () => {
  it.each([
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:0DB8:0000:0000:FFFF:0000:0000:0001', '2001:db8:0:0::/64'],
    ['2001:db8:1:2:3::', '2001:db8:1:2::/64'],
    ['2001:db8:1::2:3:4:5', '2001:db8:1:0::/64'],
    ['2001:db8:1:2::', '2001:db8:1:2::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['FE80::ABCD:1%25', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['::', '0:0:0:0::/64'],
    [' 2001:db8::1 ', '2001:db8:0:0::/64'],
    // IPv4-mapped: the IPv4 address itself, whichever way it is written.
    ['::ffff:1.2.3.4', '1.2.3.4'],
    ['::FFFF:1.2.3.4', '1.2.3.4'],
    ['0:0:0:0:0:ffff:1.2.3.4', '1.2.3.4'],
    ['::ffff:102:304', '1.2.3.4'],
    ['::ffff:0a00:00ff', '10.0.0.255'],
    ['::ffff:1.2.3.4%eth0', '1.2.3.4'],
    ['fe80::%1', 'fe80:0:0:0::/64'],
    // Other IPv4-in-IPv6 forms are plain IPv6.
    ['64:ff9b::1.2.3.4', '64:ff9b:0:0::/64'],
    ['::1.2.3.4', '0:0:0:0::/64'],
    ['1.2.3.4', '1.2.3.4'],
    ['10.0.0.66', '10.0.0.66'],
    ['not-an-ip', 'not-an-ip'],
    ['', ''],
  ])('ipLockKey(%j) is %j', (ip, key) => {
    expect(ipLockKey(ip)).toBe(key);
  });

  it('gives every way of writing an IPv6 address the key of its first four hextets', () => {
    const hextet = fc.integer({ min: 0, max: 0xffff });
    fc.assert(
      fc.property(fc.array(hextet, { minLength: 8, maxLength: 8 }), fc.boolean(), (h, zone) => {
        fc.pre(!(h.slice(0, 5).every((x) => x === 0) && h[5] === 0xffff));
        const full = h.map((x) => x.toString(16).padStart(4, '0')).join(':');
        // WHATWG URL's own serialization: the compressed, lower-case form.
        const compressed = new URL(`http://[${full}]`).hostname.slice(1, -1);
        const key = `${h
          .slice(0, 4)
          .map((x) => x.toString(16))
          .join(':')}::/64`;
        expect(ipLockKey(full)).toBe(key);
        expect(ipLockKey(full.toUpperCase())).toBe(key);
        expect(ipLockKey(compressed + (zone ? '%eth0' : ''))).toBe(key);
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }), (b) => {
        const v4 = b.join('.');
        expect(ipLockKey(`::ffff:${v4}`)).toBe(v4);
        expect(ipLockKey(new URL(`http://[::ffff:${v4}]`).hostname.slice(1, -1))).toBe(v4);
        expect(ipLockKey(v4)).toBe(v4);
      }),
    );
  });

  const now = Date.parse('2027-05-01T10:00:00Z');
  const fail = async (g: LoginGuard, e: string, ip: string) => g.failed(await g.reserve(e, ip, now), now);

  it('10 failures spread over one /64 lock the 11th address of it, not another /64', async () => {
    const g = guard(100);
    const e = email();
    for (let i = 0; i < 10; i++) await fail(g, e, `2001:db8:5:6:${i}::${i + 1}`);
    await expect(g.reserve(e, '2001:DB8:5:6:FFFF::1', now)).rejects.toMatchObject({ code: 'login_locked' });
    await expect(g.reserve(e, '2001:db8:5:7::1', now)).resolves.toMatchObject({ ip: '2001:db8:5:7::/64' });
    // IPv4 stays per address, and its IPv4-mapped form is the same address.
    for (let i = 0; i < 10; i++) await fail(g, e, i % 2 ? '192.0.2.9' : '::ffff:192.0.2.9');
    await expect(g.reserve(e, '192.0.2.9', now)).rejects.toMatchObject({ code: 'login_locked' });
    await expect(g.reserve(e, '::ffff:c000:209', now)).rejects.toMatchObject({ code: 'login_locked' });
    await expect(g.reserve(e, '192.0.2.10', now)).resolves.toMatchObject({ ip: '192.0.2.10' });
  });

  it('an IP the customer logged in from is known by its /64: other addresses of it are not slowed', async () => {
    const g = guard(10);
    const e = email();
    await g.succeeded(await g.reserve(e, '2001:db8:9:1::10', now), now);
    for (let i = 0; i < 10; i++) await fail(g, e, `2001:db8:9:2::${i + 1}`);
    // The email is slowed for unknown networks (the clock stands still: the 1 s wait has not passed) ...
    await expect(g.reserve(e, '2001:db8:9:3::1', now)).rejects.toMatchObject({ code: 'login_throttled' });
    // ... but not for a new address of the owner's /64.
    await expect(g.reserve(e, '2001:db8:9:1:abcd::77', now)).resolves.toMatchObject({
      ip: '2001:db8:9:1::/64',
      claimed: false,
    });
  });
});

describe('change password', () => {
  it('changes with the current password; a wrong one is refused; a common new one is weak', async () => {
    const e = await registered();
    const t = await tokensOf(e);
    const wrong = await call('changePassword', {
      token: t.accessToken,
      body: { currentPassword: 'Not-The-Password-1', newPassword: 'Brand-New-Secret-42' },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.code).toBe('wrong_password');
    const weak = await call('changePassword', {
      token: t.accessToken,
      body: { currentPassword: PASSWORD, newPassword: 'Password123!' },
    });
    expect(weak.body.code).toBe('weak_password');
    const other = await tokensOf(e);
    const { logs, result: ok } = await captureLogs(() =>
      call('changePassword', {
        token: t.accessToken,
        body: { currentPassword: PASSWORD, newPassword: 'Brand-New-Secret-42' },
      }),
    );
    expect(ok.status, JSON.stringify(ok.body)).toBe(204);
    expect(logs).toContain('"event":"sessions_revoked"');
    expect(logs).toContain('"reason":"password change: ');
    // Every session ends, the caller's and the other device's: no route, no renewal.
    for (const s of [t, other]) {
      const me = await call('me', { token: s.accessToken });
      expect(me.status).toBe(401);
      expect(me.body.code).toBe('unauthorized');
      const renewed = await call('refresh', { body: { refreshToken: s.refreshToken } });
      expect(renewed.status).toBe(401);
      expect(renewed.body.code).toBe('invalid_refresh_token');
    }
    expect((await login(e)).status).toBe(401);
    const again = await login(e, 'Brand-New-Secret-42');
    expect(again.status).toBe(200);
    expect((await call('me', { token: again.body.accessToken })).status).toBe(200);
  });

  it('the first check after the lock of wrong passwords ran out records the unlock', async () => {
    const e = await registered();
    const t = await tokensOf(e);
    const sub = String(decodeJwt(t.accessToken).sub);
    // The customer's lock of wrong passwords and codes (5 in 15 minutes), run out a moment ago.
    await lockRanOut({ pk: `USER#${sub}`, sk: 'VERIFY' });
    const { logs, result } = await captureLogs(() =>
      call('changePassword', {
        token: t.accessToken,
        body: { currentPassword: 'Not-The-Password-1', newPassword: 'Brand-New-Secret-42' },
      }),
    );
    expect(result.body.code).toBe('wrong_password');
    expect(logs).toContain('"event":"verification_unlocked"');
  });
});

describe('a user who signed up at Cognito directly (the public client allows it)', () => {
  const direct = async (password: string, name?: string) => {
    const signedUp = await signUpAtCognito(password, name);
    await pool.cognito.send(
      new AdminConfirmSignUpCommand({ UserPoolId: pool.userPoolId, Username: signedUp.e }),
    );
    return signedUp;
  };
  const profile = (sub: string) => new UserStore(dynamoClients().doc, config().tableName).get(sub);

  it('gets a profile at the first login through the bank, recorded, and is a customer like any other', async () => {
    const { e, sub } = await direct(PASSWORD, 'Dee Direct');
    expect(await profile(sub)).toBeUndefined();
    const { logs, result } = await captureLogs(() => login(e));
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    expect(logs).toContain('profile created at first login');
    const me = await call('me', { token: result.body.accessToken });
    expect(me.body).toEqual({ userId: sub, email: e, name: 'Dee Direct', createdAt: expect.any(String) });
    const activity = await call('myActivity', { token: result.body.accessToken });
    expect(activity.body.items.map((i: { action: string }) => i.action)).toContain('registration_started');
    // The next login finds it.
    const again = await captureLogs(() => login(e));
    expect(again.result.status).toBe(200);
    expect(again.logs).not.toContain('profile created at first login');
  });

  it('with a common password (registration refuses those) gets no tokens and no profile until it resets it', async () => {
    const { e, sub } = await direct('Password123!');
    const r = await login(e, 'Password123!');
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('weak_password');
    expect(r.body.accessToken).toBeUndefined();
    expect(await profile(sub)).toBeUndefined();
  });
});

describe('password reset codes', () => {
  const reset = (e: string, code = '000000') =>
    call('resetPassword', { body: { email: e, code, newPassword: 'Brand-New-Secret-42' } });
  const forgot = (e: string) => call('forgotPassword', { body: { email: e } });

  it('wrong codes sent with no code asked for lock nothing: the owner can still ask for one', async () => {
    const e = await registered();
    for (let i = 0; i < 8; i++) {
      const r = await reset(e);
      expect(r.status, String(i)).toBe(400);
      expect(r.body.code).toBe('invalid_code');
    }
    expect((await forgot(e)).status).toBe(202);
    // The code just asked for has its own five tries.
    expect((await reset(e)).body.code).toBe('invalid_code');
  });

  it('5 wrong tries spend the code asked for, for a known and an unknown email alike; a new request opens a new one', async () => {
    const answers = async (e: string) => {
      const seen: unknown[] = [];
      expect((await forgot(e)).status).toBe(202);
      for (let i = 0; i < 5; i++) seen.push((await reset(e)).body.code);
      const { logs, result: spent } = await captureLogs(() => reset(e, '123456'));
      seen.push(spent.status, spent.body.code, spent.headers['retry-after'] !== undefined);
      // Spent: the right code or not, nothing reaches Cognito until a new one is asked for.
      expect(logs).not.toContain('"event":"password_reset_failed"');
      expect((await forgot(e)).status).toBe(202);
      seen.push((await reset(e)).body.code);
      return seen;
    };
    const known = await answers(await registered());
    const unknown = await answers(email());
    const five = Array(5).fill('invalid_code');
    expect(known).toEqual([...five, 429, 'reset_locked', true, 'invalid_code']);
    expect(unknown).toEqual(known);
  });
});

describe('confirmation codes', () => {
  it('wrong codes answer alike for a pending sign-up, a confirmed login and an unknown email: 5 spend the code sent', async () => {
    const confirm = (e: string, code: string) =>
      call('confirm', { body: { email: e, code, password: PASSWORD, name: 'A' } });
    const answers = async (e: string) => {
      expect((await call('resendConfirmation', { body: { email: e } })).status).toBe(202);
      const seen: unknown[] = [];
      for (let i = 0; i < 6; i++) {
        const r = await confirm(e, `00000${i}`);
        seen.push(r.status, r.body.code);
      }
      return seen;
    };
    // A sign-up waiting for its code (the register route confirms at once in this file's stack).
    const waiting = await answers((await signUpAtCognito(PASSWORD)).e);
    expect(waiting).toEqual([...Array(5).fill([400, 'invalid_code']).flat(), 429, 'verification_locked']);
    // Before, only a pending sign-up's code was counted: the sixth answer told which emails had one.
    expect(await answers(await registered())).toEqual(waiting);
    expect(await answers(email())).toEqual(waiting);
  });

  it('alike too with no code asked for: an unknown email and a confirmed login are not told apart from a sign-up registered here', async () => {
    const guesses = async (e: string) => {
      const seen: unknown[] = [];
      for (let i = 0; i < 6; i++) {
        const r = await call('confirm', {
          body: { email: e, code: `00000${i}`, password: PASSWORD, name: 'A' },
        });
        seen.push(r.status, r.body.code);
      }
      return seen;
    };
    // A sign-up registered here had its code's count opened (register's `issued`); no resend after.
    const waiting = await signUpAtCognito(PASSWORD);
    await confirmAttempts().issued(waiting.e);
    const pending = await guesses(waiting.e);
    expect(pending).toEqual([...Array(5).fill([400, 'invalid_code']).flat(), 429, 'verification_locked']);
    expect(await guesses(email())).toEqual(pending);
    expect(await guesses(await registered())).toEqual(pending);
  });
});

describe('the time floor', () => {
  /** The floors the routes ask for while `f` runs (none waited here: the check is which routes ask). */
  const floorsDuring = async (f: () => Promise<unknown>) => {
    const asked: number[] = [];
    const undo = useFloorWait(async (ms) => {
      asked.push(ms);
    });
    try {
      await f();
    } finally {
      undo();
    }
    return asked;
  };
  const floor = () => [config().authFloorMs];

  it('holds every answer that could tell which emails are known, confirmed or waiting: register, resend, forgot, confirm, reset', async () => {
    const waiting = (await signUpAtCognito(PASSWORD)).e;
    const known = await registered();
    for (const e of [waiting, known, email()]) {
      expect(await floorsDuring(() => register({ email: e, password: PASSWORD, name: 'A' }))).toEqual(
        floor(),
      );
      expect(await floorsDuring(() => call('resendConfirmation', { body: { email: e } }))).toEqual(floor());
      expect(await floorsDuring(() => call('forgotPassword', { body: { email: e } }))).toEqual(floor());
      // A wrong confirmation code: before, a sign-up waiting answered after Cognito's check and two
      // writes, a confirmed or unknown email without them.
      expect(
        await floorsDuring(() =>
          call('confirm', { body: { email: e, code: '000000', password: PASSWORD, name: 'A' } }),
        ),
      ).toEqual(floor());
      // A wrong reset code: before, a sign-up waiting was refused without asking Cognito.
      expect(
        await floorsDuring(() =>
          call('resetPassword', { body: { email: e, code: '000000', newPassword: PASSWORD } }),
        ),
      ).toEqual(floor());
    }
  });

  it('is not asked for by a login (its locks count the attempts), so the record above is of the routes', async () => {
    const e = await registered();
    expect(await floorsDuring(() => login(e, 'Wrong-Horse-9-Battery'))).toEqual([]);
  });
});

describe('TOTP MFA', () => {
  const code = (secret: string) => generateSync({ secret });
  /** The code of the next 30 s step, which Cognito's check (one step either side) takes already. */
  const nextCode = (secret: string) => generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });
  /** The code of the last 30 s step, which Cognito's check takes still. */
  const lastCode = (secret: string) => generateSync({ secret, epoch: Math.floor(Date.now() / 1000) - 30 });
  /**
   * A customer with TOTP on, turned on with the last step's code (the code that turns it on is taken,
   * as a login's is), so a login may use the current one and the next.
   */
  const withTotp = async () => {
    const e = await registered();
    const t = await tokensOf(e);
    const { secret } = (await call('enrolTotp', { token: t.accessToken, body: { password: PASSWORD } })).body;
    const on = await sendTotp(
      secret,
      -1,
      (code) => call('verifyTotp', { token: t.accessToken, body: { code } }),
      (r) => r.status === 204,
    );
    expect(on.status).toBe(204);
    return { e, t, secret: secret as string };
  };

  it('enrols, turns on, asks for the code at login, counts wrong codes, turns off', async () => {
    const e = await registered();
    const t = await tokensOf(e);
    expect((await call('mfaStatus', { token: t.accessToken })).body).toEqual({ totp: false });

    const enrol = await call('enrolTotp', { token: t.accessToken, body: { password: PASSWORD } });
    expect(enrol.status, JSON.stringify(enrol.body)).toBe(200);
    const { secret, otpauthUri } = enrol.body;
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\/Serverless%20Bank:/);
    expect(new URL(otpauthUri).searchParams.get('secret')).toBe(secret);

    const bad = await call('verifyTotp', { token: t.accessToken, body: { code: '000000' } });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('invalid_code');
    const enrolCode = code(secret);
    expect((await call('verifyTotp', { token: t.accessToken, body: { code: enrolCode } })).status).toBe(204);
    expect((await call('mfaStatus', { token: t.accessToken })).body).toEqual({ totp: true });
    // Refused as on before the password is looked at (a wrong one here): nothing to prove, nothing counted.
    const again = await call('enrolTotp', { token: t.accessToken, body: { password: 'Not-The-Password-1' } });
    expect(again.body.code).toBe('mfa_already_enabled');

    // Login: a challenge instead of tokens.
    const first = await login(e);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ challenge: 'totp', session: expect.any(String) });
    expect(first.body.accessToken).toBeUndefined();
    const wrong = await call('loginMfa', { body: { session: first.body.session, code: '000000' } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.code).toBe('invalid_code');
    // The code that turned TOTP on was taken (RFC 6238 §5.2: accepted once): whoever watched the
    // enrolment cannot log in with it. Refused as a wrong code.
    const reused = await call('loginMfa', { body: { session: first.body.session, code: enrolCode } });
    expect(reused.status).toBe(400);
    expect(reused.body.code).toBe('invalid_code');
    const loginCode = unusedTotpCode(secret, [enrolCode]);
    const done = await call('loginMfa', { body: { session: first.body.session, code: loginCode } });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(decodeJwt(done.body.accessToken).sub).toBe(decodeJwt(t.accessToken).sub);
    // The waiting login is single use.
    const replay = await call('loginMfa', { body: { session: first.body.session, code: code(secret) } });
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe('invalid_session');
    expect((await call('loginMfa', { body: { session: 'made-up', code: '123456' } })).body.code).toBe(
      'invalid_session',
    );

    // Turning it off needs the password and a current code.
    const noPassword = await call('disableTotp', {
      token: t.accessToken,
      body: { code: code(secret), password: 'Not-The-Password-1' },
    });
    expect(noPassword.body.code).toBe('wrong_password');
    // The enrolment and the login took theirs (a code is accepted once): another turns TOTP off.
    const off = await call('disableTotp', {
      token: t.accessToken,
      body: { code: unusedTotpCode(secret, [enrolCode, loginCode]), password: PASSWORD },
    });
    expect(off.status, JSON.stringify(off.body)).toBe(204);
    expect((await login(e)).body.accessToken).toEqual(expect.any(String));
  });

  it('asks for the password before it enrols: a wrong one associates nothing; the sign-in that proves it is not kept', async () => {
    const e = await registered();
    const t = await tokensOf(e);
    const associate = vi.spyOn(securitySettings(), 'associateTotp');
    const signIn = vi.spyOn(signInCalls(), 'login');
    const revoke = vi.spyOn(signInCalls(), 'revoke');
    try {
      const enrol = (body?: unknown) => call('enrolTotp', { token: t.accessToken, body });
      const wrong = await enrol({ password: 'Not-The-Password-1' });
      expect(wrong.status).toBe(400);
      expect(wrong.body.code).toBe('wrong_password');
      expect(wrong.body.secret).toBeUndefined();
      // None, or an empty one: refused before anything is asked of Cognito.
      expect((await enrol()).body.code).toBe('validation_failed');
      expect((await enrol({ password: '' })).body.code).toBe('validation_failed');
      expect(associate).not.toHaveBeenCalled();
      expect(revoke).not.toHaveBeenCalled();

      const right = await enrol({ password: PASSWORD });
      expect(right.status, JSON.stringify(right.body)).toBe(200);
      expect(right.body.secret).toEqual(expect.any(String));
      expect(associate).toHaveBeenCalledTimes(1);
      // The sign-in with the password gave tokens (TOTP is off): none handed out, its refresh token
      // revoked at once.
      expect(right.body.accessToken).toBeUndefined();
      const proof = await signIn.mock.results.at(-1)?.value;
      expect(proof.tokens.refreshToken).toEqual(expect.any(String));
      expect(revoke).toHaveBeenCalledWith(proof.tokens.refreshToken);
    } finally {
      associate.mockRestore();
      signIn.mockRestore();
      revoke.mockRestore();
    }
  });

  it('counts wrong passwords at enrolment toward the lock of wrong passwords and codes', async () => {
    const e = await registered();
    const t = await tokensOf(e);
    const seen: unknown[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await call('enrolTotp', {
        token: t.accessToken,
        body: { password: `Not-The-Password-${i}` },
      });
      seen.push(r.status, r.body.code);
    }
    expect(seen).toEqual([...Array(5).fill([400, 'wrong_password']).flat(), 429, 'verification_locked']);
    // Locked: the right password too is refused while it lasts, and no secret is given.
    const right = await call('enrolTotp', { token: t.accessToken, body: { password: PASSWORD } });
    expect(right.body.code).toBe('verification_locked');
    expect(right.body.secret).toBeUndefined();
  });

  it('a code is accepted once: a second login with it is refused, and so is turning TOTP off with it', async () => {
    const { e, t, secret } = await withTotp();
    const used = code(secret);
    const mfa = async (c: string) => {
      const first = await login(e);
      expect(first.body.challenge).toBe('totp');
      return call('loginMfa', { body: { session: first.body.session, code: c } });
    };
    expect((await mfa(used)).status).toBe(200);
    // Whoever saw the customer type it, with the password: refused as a wrong code (and counted as one).
    const replay = await mfa(used);
    expect(replay.status).toBe(400);
    expect(replay.body.code).toBe('invalid_code');
    expect(replay.body.accessToken).toBeUndefined();
    const again = await call('disableTotp', {
      token: t.accessToken,
      body: { code: used, password: PASSWORD },
    });
    expect(again.body.code).toBe('invalid_code');
    expect((await call('mfaStatus', { token: t.accessToken })).body).toEqual({ totp: true });
    // Two at once with a fresh code: one login between them.
    const fresh = nextCode(secret);
    const [a, b] = await Promise.all([mfa(fresh), mfa(fresh)]);
    expect([a.status, b.status].sort()).toEqual([200, 400]);
  });

  it('a sign-in waiting for its code when every session is signed out cannot finish: it logs in again', async () => {
    const { e, t, secret } = await withTotp();
    const waiting = await login(e);
    expect(waiting.body.challenge).toBe('totp');
    // Sign out everywhere (a password change or reset sets the same marker) while it waits.
    expect((await call('revokeSessions', { token: t.accessToken })).status).toBe(204);
    const late = await call('loginMfa', { body: { session: waiting.body.session, code: code(secret) } });
    expect(late.status).toBe(401);
    expect(late.body.code).toBe('invalid_session');
    expect(late.body.accessToken).toBeUndefined();
    // A sign-in begun after it finishes (with the next code: the last one was taken).
    const fresh = await login(e);
    const done = await call('loginMfa', { body: { session: fresh.body.session, code: nextCode(secret) } });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect((await call('me', { token: done.body.accessToken })).status).toBe(200);
  });

  it('wrong MFA codes count toward the lockout of that email and IP', async () => {
    const e = await registered();
    const t = await tokensOf(e);
    const { secret } = (await call('enrolTotp', { token: t.accessToken, body: { password: PASSWORD } })).body;
    expect((await call('verifyTotp', { token: t.accessToken, body: { code: code(secret) } })).status).toBe(
      204,
    );
    let failures = 0;
    while (failures < 10) {
      const first = await login(e, PASSWORD, '10.9.9.9');
      expect(first.status, JSON.stringify(first.body)).toBe(200);
      for (let i = 0; i < 3 && failures < 10; i++, failures++) {
        const r = await call('loginMfa', {
          body: { session: first.body.session, code: '000000' },
          sourceIp: '10.9.9.9',
        });
        expect(r.body.code).toBe('invalid_code');
      }
    }
    const locked = await login(e, PASSWORD, '10.9.9.9');
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('login_locked');
  });

  it('wrong TOTP codes from every IP lock the email\u2019s TOTP step after as many as lock a pair, the owner\u2019s IP too; clearing the counters (a reset, an unlock) ends it', async () => {
    const { e, secret } = await withTotp();
    // BANK_LOGIN_MAX_FAILURES is 10 in this file: ten wrong codes, three to a waiting login (MFA_TRIES),
    // each login from an IP of its own, so that no pair locks.
    let wrong = 0;
    for (let n = 0; wrong < 10; n++) {
      const ip = `10.7.${n}.1`;
      const first = await login(e, PASSWORD, ip);
      expect(first.body.challenge, JSON.stringify(first.body)).toBe('totp');
      for (let k = 0; k < 3 && wrong < 10; k++, wrong++) {
        const r = await call('loginMfa', {
          body: { session: first.body.session, code: '000000' },
          sourceIp: ip,
        });
        expect(r.body.code, `wrong code ${wrong + 1}`).toBe('invalid_code');
      }
    }
    // The owner, from the IP they logged in from before and with the right code: locked, 30 minutes.
    const owner = await login(e);
    expect(owner.body.challenge).toBe('totp');
    const right = unusedTotpCode(secret, [lastCode(secret)]);
    const { result: locked, logs } = await captureLogs(() =>
      call('loginMfa', { body: { session: owner.body.session, code: right } }),
    );
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('login_locked');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(1700);
    expect(logs).not.toContain('"event":"login_succeeded"');
    expect(await guard(10).lockState(e)).toMatchObject({ lockedUntil: expect.any(Number) });
    // Cleared (what a password reset and staff's unlock do): the owner's next code goes through.
    await guard(10).clear(e);
    const again = await login(e);
    const done = await call('loginMfa', { body: { session: again.body.session, code: right } });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
  });

  it('the TOTP step that finds the email\u2019s TOTP lock expired records the unlock, and goes through', async () => {
    const { e, secret } = await withTotp();
    // Locked as if by ten wrong codes whose lock ran out a moment ago (this generation: never cleared).
    await lockRanOut({ pk: `LOGIN#${e}`, sk: 'TOTPFAIL' });
    const owner = await login(e);
    const { result, logs } = await captureLogs(() =>
      call('loginMfa', {
        body: { session: owner.body.session, code: unusedTotpCode(secret, [lastCode(secret)]) },
      }),
    );
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    const events = logs
      .split('\n')
      .filter((l) => l.includes('"security event"'))
      .map((l) => JSON.parse(l) as { event: string; reason?: string });
    expect(events).toContainEqual(
      expect.objectContaining({ event: 'login_unlocked', reason: 'the lock on wrong TOTP codes expired' }),
    );
  });

  it('the TOTP step that finds its IP\u2019s lock expired records the unlock, as the password step does', async () => {
    const { e, secret } = await withTotp();
    // The password step from one IP; the code is sent from another, whose lock (of this generation)
    // ran out a moment ago: the code's reservation is what finds it.
    const first = await login(e, PASSWORD, '10.9.8.1');
    expect(first.body.challenge).toBe('totp');
    await lockRanOut({ pk: `LOGIN#${e}`, sk: 'IP#10.9.8.2' });
    const { result, logs } = await captureLogs(() =>
      call('loginMfa', {
        body: { session: first.body.session, code: unusedTotpCode(secret, [lastCode(secret)]) },
        sourceIp: '10.9.8.2',
      }),
    );
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    const events = logs
      .split('\n')
      .filter((l) => l.includes('"security event"'))
      .map((l) => JSON.parse(l) as { event: string; sourceIp?: string });
    expect(events).toContainEqual(expect.objectContaining({ event: 'login_unlocked', sourceIp: '10.9.8.2' }));
  });
});
