import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../test/api.ts';
import { createTestTable, createTestUserPool, useHandlerEnv } from '../../test/harness.ts';
import { captureLogs } from '../../test/logs.ts';

const PASSWORD = 'Correct-Horse-9-Battery';

beforeAll(async () => {
  const pool = await createTestUserPool();
  useHandlerEnv({
    TABLE_NAME: await createTestTable('auth'),
    USER_POOL_ID: pool.userPoolId,
    USER_POOL_CLIENT_ID: pool.clientId,
    BANK_AUTO_CONFIRM: 'true',
    BANK_LOGIN_MAX_FAILURES: '10',
    BANK_LOGIN_LOCK_SECONDS: '1800',
  });
});

const email = () => `user-${randomUUID().slice(0, 8)}@example.com`;
const register = (body: Record<string, unknown>) => call('register', { body });
const login = (e: string, password = PASSWORD) => call('login', { body: { email: e, password } });

describe('register', () => {
  it('registers, trims and lower-cases the email, and confirms locally', async () => {
    const e = email();
    const r = await register({ email: `  ${e.toUpperCase()} `, password: PASSWORD, name: 'Ada Lovelace' });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ userId: expect.any(String), email: e, confirmed: true });
  });

  it('refuses a duplicate email with 409 user_exists', async () => {
    const e = email();
    await register({ email: e, password: PASSWORD, name: 'A' });
    const r = await register({ email: e, password: PASSWORD, name: 'B' });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('user_exists');
  });

  it.each([
    ['short', 'Aa1!aaaaaaa'],
    ['no upper case', 'correct-horse-9-battery'],
    ['no lower case', 'CORRECT-HORSE-9-BATTERY'],
    ['no digit', 'Correct-Horse-Battery'],
    ['no symbol', 'CorrectHorse9Battery'],
    ['a space at the end', 'Correct-Horse-9-Battery '],
  ])('enforces the password policy ourselves: %s', async (_, password) => {
    const r = await register({ email: email(), password, name: 'A' });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('validation_failed');
    expect(r.body.errors[0].path).toBe('body.password');
  });

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

describe('login, refresh, logout, me', () => {
  it('logs in, reads /me, refreshes, and after logout the refresh token is refused', async () => {
    const e = email();
    const reg = await register({ email: e, password: PASSWORD, name: 'Grace Hopper' });
    const r = await login(e);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      accessToken: expect.any(String),
      idToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresIn: expect.any(Number),
      tokenType: 'Bearer',
    });
    expect(r.body.expiresIn).toBeGreaterThan(0);
    const claims = decodeJwt(r.body.accessToken);
    expect(claims.sub).toBe(reg.body.userId);

    const me = await call('me', { user: reg.body.userId });
    expect(me.body).toEqual({
      userId: reg.body.userId,
      email: e,
      name: 'Grace Hopper',
      createdAt: expect.any(String),
    });

    const refreshed = await call('refresh', { body: { refreshToken: r.body.refreshToken } });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.accessToken).toEqual(expect.any(String));
    expect(refreshed.body.tokenType).toBe('Bearer');

    const out = await call('logout', { user: reg.body.userId, body: { refreshToken: r.body.refreshToken } });
    expect(out.status).toBe(204);
    const after = await call('refresh', { body: { refreshToken: r.body.refreshToken } });
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('invalid_refresh_token');
    const bogus = await call('refresh', { body: { refreshToken: 'not-a-token' } });
    expect(bogus.status).toBe(401);
    expect(bogus.body).toEqual({ ...after.body, detail: after.body.detail });
  });

  it('answers an unknown email and a wrong password the same way', async () => {
    const e = email();
    await register({ email: e, password: PASSWORD, name: 'A' });
    const wrong = await login(e, 'Wrong-Password-1');
    const unknown = await login(email(), PASSWORD);
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.code).toBe('invalid_credentials');
  });

  it('locks an email after 10 failures in a row, even for the right password, with Retry-After', async () => {
    const e = email();
    await register({ email: e, password: PASSWORD, name: 'A' });
    for (let i = 0; i < 10; i++) expect((await login(e, `Wrong-Password-${i}`)).status).toBe(401);
    const locked = await login(e);
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('login_locked');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(1700);
  });

  it('a burst of parallel guesses cannot get past the limit', async () => {
    const e = email();
    await register({ email: e, password: PASSWORD, name: 'A' });
    const rs = await Promise.all(Array.from({ length: 40 }, (_, i) => login(e, `Wrong-Password-${i}`)));
    const statuses = rs.map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(10);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(30);
    expect((await login(e)).status).toBe(429);
  });

  it('a successful login resets the count', async () => {
    const e = email();
    await register({ email: e, password: PASSWORD, name: 'A' });
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
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(PASSWORD);
    for (const t of [result.body.accessToken, result.body.refreshToken, result.body.idToken])
      expect(logs).not.toContain(t);
  });
});
