/**
 * Identity against attackers, through HTTP on the whole local stack (`npm start`, confirmation by
 * emailed code): registration that does not tell taken emails apart, password reset with the code
 * from the log, the lockout per (email, source IP) with a second client bound to 127.0.0.2, the TOTP
 * journey with otplib computing the codes, logout of foreign tokens, and sign out everywhere.
 */
import { request } from 'node:http';
import { generateSync } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendTotp } from '../src/local/totp-code.ts';
import { type StartedStack, startStack } from './harness.ts';

/**
 * cognito-local "emails" codes to its log (which `npm start` prints), but its logger may hold a line
 * back until its next one, so the tests fix its codes with CODE (cognito-local's own setting) instead
 * of waiting on the log. A wrong code is any other.
 */
const CODE = '246810';
const WRONG_CODE = '135790';
let stack: StartedStack;
beforeAll(async () => {
  stack = await startStack({ env: { BANK_AUTO_CONFIRM: 'false', CODE } });
}, 180_000);
afterAll(async () => {
  await stack?.stop();
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // biome-ignore lint/suspicious/noExplicitAny: a JSON body whose shape each test asserts
  body: any;
}

/** A request from a chosen loopback address: the gateway takes the source IP from the socket only. */
const send = (
  method: string,
  path: string,
  body?: unknown,
  opts: { token?: string; from?: string; headers?: Record<string, string> } = {},
) =>
  new Promise<Reply>((resolve, reject) => {
    const url = new URL(path, stack.baseUrl);
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method,
        localAddress: opts.from ?? '127.0.0.1',
        headers: {
          ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}),
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
          ...opts.headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text ? JSON.parse(text) : undefined,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(data);
  });
const post = (path: string, body?: unknown, opts?: Parameters<typeof send>[3]) =>
  send('POST', path, body, opts);

const PASSWORD = 'Correct-Horse-9-Battery';
let n = 0;
// Short: cognito-local prints the address in an 80-column box, and a longer one would wrap.
const newEmail = (tag: string) => `${tag}-${Date.now() % 1e7}-${n++}@example.com`;

const codeFor = async (_email: string, _since: number): Promise<string> => CODE;

/** Registers and confirms with the emailed code. */
const customer = async (tag: string, password = PASSWORD) => {
  const email = newEmail(tag);
  const since = stack.output().length;
  const r = await post('/v1/auth/register', { email, password, name: tag });
  expect(r.status).toBe(202);
  expect(
    (
      await post('/v1/auth/confirm', {
        email,
        code: await codeFor(email, since),
        password,
        name: 'Ada Lovelace',
      })
    ).status,
  ).toBe(204);
  return email;
};
const login = (email: string, password = PASSWORD, from = '127.0.0.1') =>
  post('/v1/auth/login', { email, password }, { from });

describe('registration', () => {
  it('cannot tell a taken email from a new one (status and body), and tells the owner', async () => {
    const taken = await customer('taken');
    const since = stack.output().length;
    const fresh = newEmail('fresh');
    const a = await post('/v1/auth/register', { email: taken, password: 'Another-Pass-77!', name: 'X' });
    const b = await post('/v1/auth/register', { email: fresh, password: 'Another-Pass-77!', name: 'X' });
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(a.body).toEqual({ email: taken, status: 'pending_confirmation' });
    expect(b.body).toEqual({ email: fresh, status: 'pending_confirmation' });
    expect(Object.keys(a.headers).sort()).toEqual(Object.keys(b.headers).sort());
    expect(stack.output().slice(since)).toContain('Someone tried to register with your address');
    // The owner's password is untouched.
    expect((await login(taken)).status).toBe(200);
  });

  it('resends a confirmation code (always 202)', async () => {
    const email = newEmail('resend');
    await post('/v1/auth/register', { email, password: PASSWORD, name: 'R' });
    const since = stack.output().length;
    const r = await post('/v1/auth/confirm/resend', { email });
    const unknown = await post('/v1/auth/confirm/resend', { email: newEmail('nobody') });
    expect(r.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(unknown.body).toEqual(r.body);
    expect(
      (
        await post('/v1/auth/confirm', {
          email,
          code: await codeFor(email, since),
          password: PASSWORD,
          name: 'Ada Lovelace',
        })
      ).status,
    ).toBe(204);
  });

  it('refuses "Password123!" and a password with é', async () => {
    const weak = await post('/v1/auth/register', {
      email: newEmail('weak'),
      password: 'Password123!',
      name: 'W',
    });
    expect(weak.status).toBe(400);
    expect(weak.body.code).toBe('weak_password');
    const accent = await post('/v1/auth/register', {
      email: newEmail('e'),
      password: 'Corrécte-Horse-9-B',
      name: 'E',
    });
    expect(accent.status).toBe(400);
    expect(accent.body.code).toBe('validation_failed');
  });
});

describe('password reset', () => {
  it('answers an unknown email as a known one; a wrong code is refused; the right one resets, signs out and unlocks', async () => {
    const email = await customer('reset');
    const session = (await login(email)).body;
    // An attacker locks the pair (email, 127.0.0.1).
    for (let i = 0; i < 10; i++) await login(email, `Wrong-Password-${i}`);
    expect((await login(email)).status).toBe(429);

    const since = stack.output().length;
    const known = await post('/v1/auth/password/forgot', { email });
    const unknown = await post('/v1/auth/password/forgot', { email: newEmail('nobody') });
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(unknown.body).toEqual(known.body);

    const code = await codeFor(email, since);
    const wrong = await post('/v1/auth/password/reset', {
      email,
      code: WRONG_CODE,
      newPassword: 'Brand-New-Secret-42',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.code).toBe('invalid_code');
    const weak = await post('/v1/auth/password/reset', { email, code, newPassword: 'Password123!' });
    expect(weak.body.code).toBe('weak_password');
    expect(
      (await post('/v1/auth/password/reset', { email, code, newPassword: 'Brand-New-Secret-42' })).status,
    ).toBe(204);

    // Every session ended (the access token too, on every route); the lock is gone; the new password works.
    expect((await post('/v1/auth/refresh', { refreshToken: session.refreshToken })).status).toBe(401);
    expect((await send('GET', '/v1/accounts', undefined, { token: session.accessToken })).status).toBe(401);
    expect((await login(email, PASSWORD)).status).toBe(401);
    expect((await login(email, 'Brand-New-Secret-42')).status).toBe(200);
  });

  it('wrong codes lock nothing until a code is asked for; 5 wrong tries spend that code; a new one works', async () => {
    const email = await customer('reset-lock');
    const reset = (code: string) =>
      post('/v1/auth/password/reset', { email, code, newPassword: 'Brand-New-Secret-42' });
    // Someone else's guesses, with no code asked for: refused, and they keep the owner out of nothing.
    for (let i = 0; i < 6; i++) expect((await reset(WRONG_CODE)).body.code).toBe('invalid_code');
    expect((await post('/v1/auth/password/forgot', { email })).status).toBe(202);
    // Brute force of the code asked for stops after 5 wrong tries: then even the right code is refused.
    for (let i = 0; i < 5; i++) expect((await reset(WRONG_CODE)).body.code).toBe('invalid_code');
    const spent = await reset(CODE);
    expect(spent.status).toBe(429);
    expect(spent.body.code).toBe('reset_locked');
    expect(spent.body.detail).toMatch(/ask for a new code/);
    // The owner asks again, and the new code works at once.
    expect((await post('/v1/auth/password/forgot', { email })).status).toBe(202);
    expect((await reset(CODE)).status).toBe(204);
    expect((await login(email, 'Brand-New-Secret-42')).status).toBe(200);
  });
});

describe('lockout', () => {
  it('10 failures from one IP lock that IP for that email; the owner on 127.0.0.2 still logs in', async () => {
    const email = await customer('lockout');
    // The owner's usual address.
    expect((await login(email, PASSWORD, '127.0.0.2')).status).toBe(200);
    for (let i = 0; i < 10; i++) expect((await login(email, `Wrong-Password-${i}`)).status).toBe(401);
    const locked = await login(email);
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('login_locked');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(1700);
    // No header sets the source IP: the attacker cannot pose as the owner's address.
    const posing = await post(
      '/v1/auth/login',
      { email, password: PASSWORD },
      { headers: { 'x-forwarded-for': '127.0.0.2' } },
    );
    expect(posing.status).toBe(429);
    const owner = await login(email, PASSWORD, '127.0.0.2');
    expect(owner.status, JSON.stringify(owner.body)).toBe(200);
    expect(owner.body.accessToken).toEqual(expect.any(String));
  });
});

describe('sessions', () => {
  it('logout with a foreign refresh token is refused and revokes nothing; revoke-all ends renewal everywhere', async () => {
    const alice = await customer('alice');
    const mallory = await customer('mallory');
    const a1 = (await login(alice)).body;
    const a2 = (await login(alice, PASSWORD, '127.0.0.2')).body;
    const m = (await login(mallory)).body;
    const foreign = await post(
      '/v1/auth/logout',
      { refreshToken: a1.refreshToken },
      { token: m.accessToken },
    );
    expect(foreign.status).toBe(400);
    expect(foreign.body.code).toBe('invalid_token');
    expect((await post('/v1/auth/refresh', { refreshToken: a1.refreshToken })).status).toBe(200);

    expect((await post('/v1/me/sessions/revoke-all', undefined, { token: a1.accessToken })).status).toBe(204);
    for (const t of [a1, a2]) {
      const r = await post('/v1/auth/refresh', { refreshToken: t.refreshToken });
      expect(r.status).toBe(401);
      expect(r.body.code).toBe('invalid_refresh_token');
    }
    expect((await post('/v1/auth/refresh', { refreshToken: m.refreshToken })).status).toBe(200);
  });
});

describe('TOTP MFA', () => {
  it('enrols, turns on, logs in with the code, and turns off', async () => {
    const email = await customer('mfa');
    const t = (await login(email)).body;
    const enrol = await post('/v1/me/mfa/totp', { password: PASSWORD }, { token: t.accessToken });
    expect(enrol.status).toBe(200);
    const secret: string = enrol.body.secret;
    expect(enrol.body.otpauthUri).toContain(`secret=${secret}`);
    // Turned on with the last step's code: that one is taken (each is accepted once), and the login
    // below uses the current one.
    const on = await sendTotp(
      secret,
      -1,
      (code) => post('/v1/me/mfa/totp/verify', { code }, { token: t.accessToken }),
      (r) => r.status === 204,
    );
    expect(on.status).toBe(204);

    const first = await login(email);
    expect(first.body).toEqual({ challenge: 'totp', session: expect.any(String) });
    const wrong = await post('/v1/auth/login/mfa', { session: first.body.session, code: '000000' });
    expect(wrong.body.code).toBe('invalid_code');
    const done = await post('/v1/auth/login/mfa', {
      session: first.body.session,
      code: generateSync({ secret }),
    });
    expect(done.status).toBe(200);
    expect((await send('GET', '/v1/me', undefined, { token: done.body.accessToken })).body.email).toBe(email);

    // The login took the current code (each is accepted once): the next step's turns TOTP off.
    const next = generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });
    const off = await send(
      'DELETE',
      '/v1/me/mfa/totp',
      { code: next, password: PASSWORD },
      {
        token: done.body.accessToken,
      },
    );
    expect(off.status, JSON.stringify(off.body)).toBe(204);
    expect((await login(email)).body.accessToken).toEqual(expect.any(String));
  });
});
