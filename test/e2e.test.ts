/**
 * End to end, as a user would: `npm start` on a free port and a temporary data directory, then
 * register, log in, open an account, read its balance, move money, log out; restart, and the
 * users and accounts are still there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quietPort, type StartedStack, startStack } from './harness.ts';

let stack: StartedStack;
beforeAll(async () => {
  // The restart keeps the tokens valid only if cognito-local (the issuer) comes back on its port: it
  // has one of its own, that nothing else of the test run takes while the stack is down.
  stack = await startStack({ env: { BANK_COGNITO_PORT: String(await quietPort()) } });
}, 180_000);
afterAll(async () => {
  await stack?.stop();
});

const api = async (
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
) => {
  const res = await fetch(`${stack.baseUrl}${path}`, {
    method,
    headers: {
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...opts.headers,
    },
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
};

const email = `e2e-${Date.now()}@example.com`;
const password = 'E2e-Password-2026!';

describe('the bank, end to end through npm start', () => {
  let token: string;
  let refreshToken: string;
  let accountId: string;

  it('is healthy', async () => {
    const r = await api('GET', '/health');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: 'ok' });
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.headers.get('x-request-id')).toBeTruthy();
  });

  it('registers and logs in', async () => {
    const reg = await api('POST', '/v1/auth/register', { body: { email, password, name: 'E2E User' } });
    expect(reg.status).toBe(201);
    expect(reg.body.status).toBe('confirmed');
    const login = await api('POST', '/v1/auth/login', { body: { email, password } });
    expect(login.status).toBe(200);
    token = login.body.accessToken;
    refreshToken = login.body.refreshToken;
    const me = await api('GET', '/v1/me', { token });
    expect(me.body).toMatchObject({ email, name: 'E2E User' });
  });

  it('refuses a request without a valid token before any handler runs', async () => {
    expect(await api('GET', '/v1/accounts')).toMatchObject({
      status: 401,
      body: { message: 'Unauthorized' },
    });
    expect((await api('GET', '/v1/accounts', { token: `${token}x` })).status).toBe(401);
  });

  it('opens an account, moves money and reads the balance', async () => {
    const open = await api('POST', '/v1/accounts', { token, body: { type: 'checking', currency: 'USD' } });
    expect(open.status).toBe(201);
    accountId = open.body.id;
    const dep = await api('POST', `/v1/accounts/${accountId}/deposits`, {
      token,
      body: { amount: 12_345 },
      headers: { 'idempotency-key': 'e2e-deposit-1' },
    });
    expect(dep.status).toBe(201);
    const bal = await api('GET', `/v1/accounts/${accountId}/balance`, { token });
    expect(bal.body).toMatchObject({ accountId, currency: 'USD', balance: 12_345 });
  });

  it('answers bad input with 4xx problem+json, never 5xx, and writes nothing', async () => {
    const cases: [string, string, RequestInit][] = [
      [
        'malformed JSON',
        '/v1/accounts',
        { method: 'POST', body: '{"type":', headers: { 'content-type': 'application/json' } },
      ],
      [
        'wrong types',
        '/v1/accounts',
        {
          method: 'POST',
          body: '{"type":1,"currency":true}',
          headers: { 'content-type': 'application/json' },
        },
      ],
      [
        'extra fields',
        '/v1/accounts',
        {
          method: 'POST',
          body: '{"type":"checking","currency":"USD","balance":999}',
          headers: { 'content-type': 'application/json' },
        },
      ],
      [
        'oversize body',
        '/v1/accounts',
        {
          method: 'POST',
          body: `{"nickname":"${'x'.repeat(70_000)}"}`,
          headers: { 'content-type': 'application/json' },
        },
      ],
      [
        'wrong content type',
        '/v1/accounts',
        {
          method: 'POST',
          body: 'type=checking',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        },
      ],
      ['unknown route', '/v1/nope', { method: 'GET' }],
      [
        'wrong method',
        '/v1/accounts',
        { method: 'PUT', body: '{}', headers: { 'content-type': 'application/json' } },
      ],
    ];
    const expected: Record<string, number> = {
      'malformed JSON': 400,
      'wrong types': 400,
      'extra fields': 400,
      'oversize body': 413,
      'wrong content type': 415,
    };
    // API Gateway's own answers: no route, or no route for the method, is 404 {"message":"Not Found"}.
    for (const [name, path, init] of cases.filter(([n]) => !(n in expected))) {
      const res = await fetch(`${stack.baseUrl}${path}`, {
        ...init,
        headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` },
      });
      expect(res.status, name).toBe(404);
      expect(await res.json(), name).toEqual({ message: 'Not Found' });
    }
    for (const [name, path, init] of cases.filter(([n]) => n in expected)) {
      const res = await fetch(`${stack.baseUrl}${path}`, {
        ...init,
        headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` },
      });
      expect(res.status, name).toBe(expected[name]);
      expect(res.headers.get('content-type'), name).toBe('application/problem+json');
      const body = await res.json();
      expect(body, name).toMatchObject({
        type: expect.any(String),
        title: expect.any(String),
        status: res.status,
        code: expect.any(String),
      });
    }
    const list = await api('GET', '/v1/accounts', { token });
    expect(list.body.items).toHaveLength(1);
  });

  it('keeps users and accounts across a restart', async () => {
    await stack.restart();
    // cognito-local comes back on its port, so the tokens' issuer still matches (the gateway may not:
    // `stack.baseUrl` follows it).
    expect((await api('GET', '/v1/me', { token })).status).toBe(200);
    const login = await api('POST', '/v1/auth/login', { body: { email, password } });
    expect(login.status).toBe(200);
    token = login.body.accessToken;
    refreshToken = login.body.refreshToken;
    const bal = await api('GET', `/v1/accounts/${accountId}/balance`, { token });
    expect(bal.body.balance).toBe(12_345);
  }, 180_000);

  it('logs out: the refresh token stops working', async () => {
    const out = await api('POST', '/v1/auth/logout', { token, body: { refreshToken } });
    expect(out.status).toBe(204);
    const r = await api('POST', '/v1/auth/refresh', { body: { refreshToken } });
    expect(r.status).toBe(401);
    expect(r.body.code).toBe('invalid_refresh_token');
  });

  it('the ledger verifies clean', async () => {
    expect((await stack.verifyLedger()).code).toBe(0);
  }, 60_000);
});
