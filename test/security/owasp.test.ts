/**
 * Issue #6, part 2: the OWASP API Security Top 10 (2023), one or more tests per item that applies,
 * named after it, against real `npm start` stacks: one with throttling off (as for benchmarks), and a
 * small one with a low rate limit for API4. Items that do not apply are explained in the README (Security and reliability).
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Node } from 'constructs';
import {
  decodeJwt,
  decodeProtectedHeader,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stageConfig } from '../../infra/stage.ts';
import { MAX_BODY_BYTES } from '../../src/api/http.ts';
import { needsToken, routeList } from '../../src/api/routes.ts';
import { MAX_REQUEST_BYTES } from '../../src/local/gateway.ts';
import { rateLimitFromEnv } from '../../src/local/rate-limit.ts';
import { type StartedStack, startStack } from '../harness.ts';
import {
  Client,
  deposit,
  expectApiHeaders,
  expectProblem,
  extraKeys,
  HANDLER_HEADERS,
  isGatewayOwn,
  leaksIn,
  newEmail,
  newUser,
  openAccount,
  PASSWORD,
  paramNames,
  pathOf,
  type Received,
  routeOf,
  type TestAccount,
  type TestUser,
} from './client.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const DAILY_LIMIT = 100_000;

let stack: StartedStack;
let limited: StartedStack;
let client: Client;
/** The victim, with money, and the attacker, with an account of their own. */
let alice: TestUser;
let mallory: TestUser;
let aliceUsd: TestAccount;
let aliceEur: TestAccount;
let malloryUsd: TestAccount;
let aliceDeposit: string;
let aliceTransfer: string;

const key = () => ({ 'idempotency-key': randomUUID() });
const balanceOf = async (user: TestUser, account: TestAccount) =>
  (await client.call('GET', `/v1/accounts/${account.id}/balance`, { token: user.token })).json
    .balance as number;

beforeAll(async () => {
  [stack, limited] = await Promise.all([
    startStack({ env: { BANK_RATE_LIMIT: 'off', BANK_DAILY_LIMIT: String(DAILY_LIMIT) } }),
    startStack({ env: { BANK_RATE_LIMIT_RPS: '5', BANK_RATE_LIMIT_BURST: '10' } }),
  ]);
  client = new Client(stack.baseUrl);
  [alice, mallory] = await Promise.all([newUser(client, 'alice'), newUser(client, 'mallory')]);
  aliceUsd = await openAccount(client, alice);
  aliceEur = await openAccount(client, alice, 'EUR');
  malloryUsd = await openAccount(client, mallory);
  aliceDeposit = await deposit(client, alice, aliceUsd.id, 50_000);
  const t = await client.call('POST', '/v1/transfers', {
    token: alice.token,
    headers: key(),
    body: { fromAccountId: aliceUsd.id, toAccountNumber: malloryUsd.number, amount: 1_000, currency: 'USD' },
  });
  expect(t.status, t.text).toBe(201);
  aliceTransfer = t.json.id;
}, 180_000);

afterAll(async () => {
  client?.close();
  await Promise.all([stack?.stop(), limited?.stop()]);
}, 60_000);

describe('API1:2023 Broken Object Level Authorization', () => {
  it('another user gets 404 from every account and transaction route, with the owner\u2019s ids and numbers', async () => {
    const before = [await balanceOf(alice, aliceUsd), await balanceOf(alice, aliceEur)];
    // Staff routes (role admin) refuse a customer whatever the object: API5 below covers them.
    const withParams = routeList.filter((r) => paramNames(r).length > 0 && r.role !== 'admin');
    expect(withParams.length).toBeGreaterThan(0);
    let tried = 0;
    for (const route of withParams) {
      const ids = route.path.startsWith('/v1/transactions/')
        ? [aliceDeposit]
        : [aliceUsd.id, aliceEur.id, aliceUsd.number, aliceEur.number];
      for (const id of ids) {
        // Every path parameter gets the owner's id (a webhook's deliveries take two).
        const params = Object.fromEntries(paramNames(route).map((n) => [n, id]));
        const r = await client.call(route.method, pathOf(route, params), {
          token: mallory.token,
          ...(route.body ? { body: { amount: 1 } } : {}),
          ...(route.idempotent ? { headers: key() } : {}),
        });
        expectProblem(r, 404, 'not_found');
        tried++;
      }
    }
    expect(tried).toBeGreaterThanOrEqual(withParams.length);
    // nothing moved, nothing closed
    expect([await balanceOf(alice, aliceUsd), await balanceOf(alice, aliceEur)]).toEqual(before);
    const mine = await client.call('GET', '/v1/accounts', { token: alice.token });
    expect(mine.json.items.map((a: { status: string }) => a.status)).toEqual(['active', 'active']);
  });

  it('a transfer out of someone else\u2019s account is impossible', async () => {
    const before = [await balanceOf(alice, aliceUsd), await balanceOf(mallory, malloryUsd)];
    for (const fromAccountId of [aliceUsd.id, aliceEur.id]) {
      const r = await client.call('POST', '/v1/transfers', {
        token: mallory.token,
        headers: key(),
        body: { fromAccountId, toAccountNumber: malloryUsd.number, amount: 100, currency: 'USD' },
      });
      expectProblem(r, 404, 'not_found');
    }
    expect([await balanceOf(alice, aliceUsd), await balanceOf(mallory, malloryUsd)]).toEqual(before);
  });

  it('a transfer its recipient may not see yet (pending, then voided) is a 404 to them on every route, refunds included', async () => {
    const t = await client.call('POST', '/v1/transfers', {
      token: alice.token,
      headers: key(),
      body: {
        fromAccountId: aliceUsd.id,
        toAccountNumber: malloryUsd.number,
        amount: 300,
        currency: 'USD',
        pending: true,
      },
    });
    expect(t.status, t.text).toBe(201);
    const asMallory = () =>
      Promise.all([
        client.call('GET', `/v1/transactions/${t.json.id}`, { token: mallory.token }),
        client.call('POST', `/v1/transactions/${t.json.id}/refunds`, {
          token: mallory.token,
          headers: key(),
          body: { amount: 1 },
        }),
      ]);
    for (const r of await asMallory()) expectProblem(r, 404, 'not_found');
    const voided = await client.call('POST', `/v1/transfers/${t.json.id}/void`, {
      token: alice.token,
      headers: key(),
    });
    expect(voided.status, voided.text).toBe(200);
    for (const r of await asMallory()) expectProblem(r, 404, 'not_found');
    // Control: a posted transfer to them is theirs to see and refund.
    const posted = await client.call('POST', `/v1/transactions/${aliceTransfer}/refunds`, {
      token: mallory.token,
      headers: key(),
      body: { amount: 1 },
    });
    expect(posted.status, posted.text).toBe(201);
  });

  it('an Idempotency-Key is the caller\u2019s own: reusing another user\u2019s key replays nothing of theirs', async () => {
    const k = randomUUID();
    const first = await client.call('POST', `/v1/accounts/${aliceUsd.id}/deposits`, {
      token: alice.token,
      headers: { 'idempotency-key': k },
      body: { amount: 5 },
    });
    expect(first.status).toBe(201);
    const theirs = await client.call('POST', `/v1/accounts/${malloryUsd.id}/deposits`, {
      token: mallory.token,
      headers: { 'idempotency-key': k },
      body: { amount: 5 },
    });
    expect(theirs.status).toBe(201);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(theirs.json.id).not.toBe(first.json.id);
    expect(theirs.json.toAccountId).toBe(malloryUsd.id);
  });
});

// ---------- API2 ----------

const poolKey = async () => {
  const file = JSON.parse(
    await readFile(join(ROOT, 'node_modules/cognito-local/lib/keys/cognitoLocal.private.json'), 'utf8'),
  ) as { jwk: JWK };
  return importJWK(file.jwk, 'RS256');
};

/** Signs `claims` as cognito-local signs its tokens (its static RSA key), or with `key`. */
const sign = async (claims: JWTPayload, opts: { key?: CryptoKey | Uint8Array; kid?: string } = {}) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: opts.kid ?? 'CognitoLocal', typ: 'JWT' })
    .sign(opts.key ?? (await poolKey()));

const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

describe('API2:2023 Broken Authentication', () => {
  const me = (authorization?: string) =>
    client.send({ method: 'GET', path: '/v1/me', headers: authorization ? { authorization } : {} });
  const expectRejected = (r: Received) => {
    expect(r.status, r.text).toBe(401);
    expect(r.json).toEqual({ message: 'Unauthorized' });
    expect(r.headers['www-authenticate']).toMatch(/^Bearer/);
  };

  it('control: a token built the way the forgeries are, but valid, is accepted (so each rejection below is about its one defect)', async () => {
    const claims = decodeJwt(alice.token);
    expect(decodeProtectedHeader(alice.token)).toMatchObject({ alg: 'RS256', kid: 'CognitoLocal' });
    const r = await me(`Bearer ${await sign({ ...claims, iat: now(), exp: now() + 600 })}`);
    expect(r.status, r.text).toBe(200);
    expect(r.json.email).toBe(alice.email);
  });

  it('rejects no token, an empty or malformed Authorization header, and another scheme', async () => {
    for (const h of [
      undefined,
      '',
      'Bearer',
      'Bearer ',
      'Basic YWxpY2U6cGFzc3dvcmQ=',
      'Bearer a.b.c',
      'Bearer x y',
    ]) {
      expectRejected(await me(h));
    }
    expectRejected(await client.send({ method: 'GET', path: `/v1/me?access_token=${alice.token}` }));
  });

  it('rejects a tampered payload (another user\u2019s sub under the original signature)', async () => {
    const [header, , signature] = alice.token.split('.');
    const forged = { ...decodeJwt(alice.token), sub: mallory.sub, username: mallory.sub };
    expectRejected(await me(`Bearer ${header}.${b64url(forged)}.${signature}`));
  });

  it('rejects a token re-signed with another key, even under the pool key\u2019s kid', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    expectRejected(await me(`Bearer ${await sign(decodeJwt(alice.token), { key: privateKey })}`));
  });

  it('rejects alg none, and HS256 keyed with the pool\u2019s public key (algorithm confusion)', async () => {
    const claims = decodeJwt(alice.token);
    expectRejected(await me(`Bearer ${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`));
    expectRejected(await me(`Bearer ${b64url({ alg: 'none' })}.${b64url(claims)}`));
    const { pem } = JSON.parse(
      await readFile(join(ROOT, 'node_modules/cognito-local/lib/keys/cognitoLocal.public.json'), 'utf8'),
    ) as { pem: string };
    const hs = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid: 'CognitoLocal' })
      .sign(new TextEncoder().encode(pem));
    expectRejected(await me(`Bearer ${hs}`));
  });

  it('rejects a wrong issuer, signed with the pool key', async () => {
    const claims = decodeJwt(alice.token);
    for (const iss of [
      'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_evil',
      `${claims.iss}x`,
      String(claims.iss).replace(/\/[^/]+$/, '/local_otherpool'),
    ]) {
      expectRejected(await me(`Bearer ${await sign({ ...claims, iss, exp: now() + 600 })}`));
    }
  });

  it('rejects an expired token, signed with the pool key (the expiry is checked, not only the signature)', async () => {
    const claims = decodeJwt(alice.token);
    expectRejected(await me(`Bearer ${await sign({ ...claims, iat: now() - 3600, exp: now() - 60 })}`));
    expectRejected(await me(`Bearer ${await sign({ ...claims, exp: undefined })}`));
  });

  it('rejects a token for another client (401), and an id token for want of the access scope (403)', async () => {
    const claims = decodeJwt(alice.token);
    expectRejected(
      await me(`Bearer ${await sign({ ...claims, client_id: 'another-client', exp: now() + 600 })}`),
    );
    const id = await client.call('POST', '/v1/auth/login', {
      body: { email: alice.email, password: PASSWORD },
    });
    const withIdToken = await me(`Bearer ${id.json.idToken}`);
    expect(withIdToken.status, withIdToken.text).toBe(403);
    expect(withIdToken.json).toEqual({ message: 'Forbidden' });
  });

  it('locks an email from this IP after 10 failed logins, even for the right password, and an unknown email alike', async () => {
    const victim = await newUser(client, 'lockout');
    const unknown = newEmail('nobody');
    for (const email of [victim.email, unknown]) {
      for (let i = 0; i < 10; i++) {
        const r = await client.call('POST', '/v1/auth/login', {
          body: { email, password: `Wrong-Pass-${i}!x` },
        });
        expectProblem(r, 401, 'invalid_credentials');
      }
      const r = await client.call('POST', '/v1/auth/login', { body: { email, password: PASSWORD } });
      expectProblem(r, 429, 'login_locked');
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    }
  });

  it('a refresh token stops working after logout', async () => {
    const u = await newUser(client, 'logout');
    const refreshed = await client.call('POST', '/v1/auth/refresh', {
      body: { refreshToken: u.refreshToken },
    });
    expect(refreshed.status).toBe(200);
    const out = await client.call('POST', '/v1/auth/logout', {
      token: u.token,
      body: { refreshToken: u.refreshToken },
    });
    expect(out.status).toBe(204);
    const after = await client.call('POST', '/v1/auth/refresh', { body: { refreshToken: u.refreshToken } });
    expectProblem(after, 401, 'invalid_refresh_token');
  });
});

// ---------- API3 ----------

describe('API3:2023 Broken Object Property Level Authorization', () => {
  it('fields a customer may not set are refused (400), and nothing is written', async () => {
    const u = await newUser(client, 'massassign');
    const cases: [string, string, Record<string, unknown>][] = [
      ['POST', '/v1/accounts', { balance: 1_000_000 }],
      ['POST', '/v1/accounts', { status: 'active' }],
      ['POST', '/v1/accounts', { ownerId: alice.sub }],
      ['POST', '/v1/accounts', { id: aliceUsd.id }],
      ['POST', '/v1/accounts', { number: aliceUsd.number }],
      ['POST', '/v1/accounts', { createdAt: '2000-01-01T00:00:00Z' }],
      ['POST', '/v1/accounts', { version: 99 }],
    ];
    for (const [method, path, extra] of cases) {
      const r = await client.call(method, path, {
        token: u.token,
        body: { type: 'checking', currency: 'USD', ...extra },
      });
      expectProblem(r, 400, 'validation_failed');
    }
    const proto = await client.send({
      method: 'POST',
      path: '/v1/accounts',
      headers: { authorization: `Bearer ${u.token}`, 'content-type': 'application/json' },
      body: '{"type":"checking","currency":"USD","__proto__":{"balance":1000000,"status":"active"}}',
    });
    // Refused before any schema reads it: `__proto__` is no key of a body (src/api/json.ts).
    expectProblem(proto, 400, 'malformed_json');
    expect((await client.call('GET', '/v1/accounts', { token: u.token })).json.items).toEqual([]);

    for (const extra of [
      { userId: alice.sub },
      { sub: alice.sub },
      { confirmed: true },
      { email_verified: true },
    ]) {
      const r = await client.call('POST', '/v1/auth/register', {
        body: { email: newEmail('assign'), password: PASSWORD, name: 'X', ...extra },
      });
      expectProblem(r, 400, 'validation_failed');
    }

    const acct = await openAccount(client, u);
    for (const extra of [
      { balanceAfter: 1 },
      { currency: 'EUR' },
      { status: 'posted' },
      { toAccountId: aliceUsd.id },
      { id: randomUUID() },
    ]) {
      const r = await client.call('POST', `/v1/accounts/${acct.id}/deposits`, {
        token: u.token,
        headers: key(),
        body: { amount: 100, ...extra },
      });
      expectProblem(r, 400, 'validation_failed');
    }
    const t = await client.call('POST', '/v1/transfers', {
      token: u.token,
      headers: key(),
      body: {
        fromAccountId: acct.id,
        toAccountNumber: malloryUsd.number,
        amount: 1,
        currency: 'USD',
        ownerId: alice.sub,
      },
    });
    expectProblem(t, 400, 'validation_failed');
    expect(await balanceOf(u, acct)).toBe(0);
  });

  it('the other side of a transfer sees the account number, never the owner\u2019s account id or anything else of theirs', async () => {
    const tx = await client.call('GET', `/v1/transactions/${aliceTransfer}`, { token: mallory.token });
    expect(tx.status).toBe(200);
    expect(tx.json).toMatchObject({ toAccountId: malloryUsd.id, fromAccountNumber: aliceUsd.number });
    expect(tx.json.fromAccountId).toBeUndefined();
    const history = await client.call('GET', `/v1/accounts/${malloryUsd.id}/transactions`, {
      token: mallory.token,
    });
    const entry = history.json.items.find(
      (i: { transactionId: string }) => i.transactionId === aliceTransfer,
    );
    expect(entry.counterparty).toEqual({ accountNumber: aliceUsd.number });
  });

  it('no answer to the attacker carries the victim\u2019s user id, email or account ids', () => {
    const secrets = [alice.sub, alice.email, aliceUsd.id, aliceEur.id];
    const malloryAnswers = client.exchanges.filter(
      (e) => e.req.headers?.authorization === `Bearer ${mallory.token}`,
    );
    expect(malloryAnswers.length).toBeGreaterThan(10);
    for (const { req, res } of malloryAnswers) {
      for (const s of secrets) expect(res.text, `${req.method} ${req.path}`).not.toContain(s);
    }
  });

  it('no successful answer in this file carried a key its response schema does not declare', () => {
    let checked = 0;
    for (const { req, res } of client.exchanges) {
      const route = routeOf(routeList, req.method, req.path);
      if (!route?.response || res.status >= 300) continue;
      expect(extraKeys(route.response, res.json), `${req.method} ${req.path}`).toEqual([]);
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
  });
});

// ---------- API4 ----------

describe('API4:2023 Unrestricted Resource Consumption', () => {
  it('refuses a body over 64 KB in the handler (413 problem+json) and over 10 MB at the gateway (413, as API Gateway)', async () => {
    const post = (bytes: number) =>
      client.send({
        method: 'POST',
        path: '/v1/accounts',
        headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
        body: `{"nickname":"${'x'.repeat(bytes - 15)}"}`, // exactly `bytes` long
      });
    expectProblem(await post(MAX_BODY_BYTES), 400, 'validation_failed'); // at the limit: read, and refused on its merits
    expectProblem(await post(MAX_BODY_BYTES + 1), 413, 'payload_too_large');
    const huge = await post(MAX_REQUEST_BYTES + 1);
    expect(huge.status).toBe(413);
    expect(huge.text).toBe(`HTTP content length exceeded ${MAX_REQUEST_BYTES} bytes.`);
  });

  it('pages history: 25 by default, at most 100, and more is refused', async () => {
    const acct = await openAccount(client, alice, 'GBP');
    for (let i = 0; i < 30; i++) await deposit(client, alice, acct.id, 1);
    const history = (q: string) =>
      client.call('GET', `/v1/accounts/${acct.id}/transactions${q}`, { token: alice.token });
    const first = await history('');
    expect(first.json.items).toHaveLength(25);
    expect(first.json.nextCursor).toEqual(expect.any(String));
    const all = await history('?limit=100');
    expect(all.json.items).toHaveLength(30);
    expect(all.json.nextCursor).toBeNull();
    for (const limit of ['101', '1000', '0', '-1', '1e2', '99999999999']) {
      expectProblem(await history(`?limit=${limit}`), 400, 'validation_failed');
    }
  });

  it('rate limit: a user over the burst gets 429 problem+json rate_limited with Retry-After; others and /health are unaffected', async () => {
    const c = new Client(limited.baseUrl);
    try {
      const [u, other] = [await newUser(c, 'busy'), await newUser(c, 'calm')];
      let answered = 0;
      let throttled: Received | undefined;
      // BANK_RATE_LIMIT_BURST=10, BANK_RATE_LIMIT_RPS=5: far fewer than 500 requests empty the bucket.
      while (!throttled && answered < 500) {
        const r = await c.call('GET', '/v1/me', { token: u.token });
        if (r.status === 429) throttled = r;
        else expect(r.status).toBe(200);
        answered++;
      }
      expect(answered).toBeGreaterThan(10);
      if (!throttled) throw new Error('no 429 after 500 requests');
      expectProblem(throttled, 429, 'rate_limited');
      expect(throttled.headers['retry-after']).toMatch(/^[1-9]\d*$/);
      expect((await c.call('GET', '/v1/me', { token: other.token })).status).toBe(200);
      expect((await c.call('GET', '/health')).status).toBe(200);
    } finally {
      c.close();
    }
  });

  it('rate limit defaults to 50 requests/s with a burst of 100, the CDK stage throttling, and can be switched off', () => {
    const dev = stageConfig({ tryGetContext: () => undefined } as unknown as Node);
    expect(rateLimitFromEnv({})).toEqual({ rps: 50, burst: 100 });
    expect(rateLimitFromEnv({})).toEqual({ rps: dev.throttle.rateLimit, burst: dev.throttle.burstLimit });
    expect(rateLimitFromEnv({ BANK_RATE_LIMIT_RPS: '5', BANK_RATE_LIMIT_BURST: '10' })).toEqual({
      rps: 5,
      burst: 10,
    });
    expect(rateLimitFromEnv({ BANK_RATE_LIMIT: 'off' })).toBe(false);
    // and the stack started with BANK_RATE_LIMIT=off throttled none of the requests of this file
    expect(client.exchanges.filter((e) => e.res.json?.code === 'rate_limited')).toEqual([]);
  });
});

// ---------- API5 ----------

describe('API5:2023 Broken Function Level Authorization', () => {
  it('the route table: public auth routes, /health, customer routes, and admin routes only under /v1/admin with role admin', () => {
    for (const r of routeList) {
      const where = `${r.method} ${r.path}`;
      // Staff routes live under /v1/admin, and every one of them has the admin role (the guard).
      expect(r.path.startsWith('/v1/admin/') || r.path === '/v1/admin', where).toBe(r.role === 'admin');
      if (r.role === 'admin') continue;
      // (`/v1/me/sessions/revoke-all` acts on the caller's own sessions only.)
      expect(where).not.toMatch(/admin|system|internal|users?\b|(?<!revoke-)all/i);
      if (!needsToken(r)) expect(r.path === '/health' || r.path.startsWith('/v1/auth/'), where).toBe(true);
      else
        expect(r.path, where).toMatch(
          /^\/v1\/(me|accounts|transactions|transfers|limits|events|webhooks|payees|scheduled-transfers|auth\/logout)(\/|$)/,
        );
    }
  });

  it('a customer token on every admin route of the table gets 403 forbidden, and each refusal is audited', async () => {
    const admin = routeList.filter((r) => r.role === 'admin');
    expect(admin.length).toBeGreaterThan(0);
    for (const r of admin) {
      const path = r.path.replace(/\{\w+\}/g, () => randomUUID());
      const res = await client.send({
        method: r.method,
        path,
        headers: { authorization: `Bearer ${mallory.token}`, 'content-type': 'application/json' },
        ...(r.method === 'POST' ? { body: '{}' } : {}),
      });
      expect(res.status, `${r.method} ${r.path}`).toBe(403);
      expectProblem(res, 403, 'forbidden');
    }
    const activity = await client.call('GET', '/v1/me/activity?limit=100', { token: mallory.token });
    const refused = activity.json.items.filter((x: { action: string }) => x.action === 'admin_route_refused');
    expect(refused.length).toBeGreaterThanOrEqual(admin.length);
  });

  it('admin-looking paths answer 404 (never 401 or 403, which would reveal them), with a customer token or none', async () => {
    const paths = [
      '/admin',
      '/v1/admin',
      '/v1/admin/users',
      '/v1/system',
      '/v1/system/accounts',
      '/v1/internal/metrics',
      '/internal/config',
      '/v1/users',
      `/v1/users/${alice.sub}`,
      `/v1/users/${alice.sub}/accounts`,
      '/v1/ledger',
      '/v1/journals',
    ];
    for (const path of paths) {
      for (const method of ['GET', 'POST', 'DELETE']) {
        for (const token of [mallory.token, undefined]) {
          const r = await client.send({
            method,
            path,
            headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          });
          expect(r.status, `${method} ${path}`).toBe(404);
          expect(r.json, `${method} ${path}`).toEqual({ message: 'Not Found' });
        }
      }
    }
  });

  it('query parameters do not widen a customer route: ?all=true or ?ownerId= lists only the caller\u2019s accounts', async () => {
    for (const q of ['?all=true', `?ownerId=${alice.sub}`, `?userId=${alice.sub}`, '?scope=admin']) {
      const r = await client.call('GET', `/v1/accounts${q}`, { token: mallory.token });
      // The query is a strict schema (limit, cursor, status): an unknown parameter is refused, never obeyed.
      expect(r.status, q).toBe(400);
      expect(r.json.code).toBe('validation_failed');
      expect(JSON.stringify(r.json)).not.toContain(alice.sub);
    }
  });
});

// ---------- API6 ----------

describe('API6:2023 Unrestricted Access to Sensitive Business Flows', () => {
  it('outgoing money is capped per user and day (BANK_DAILY_LIMIT), across accounts and routes', async () => {
    const u = await newUser(client, 'drain');
    const a = await openAccount(client, u);
    const b = await openAccount(client, u);
    await deposit(client, u, a.id, DAILY_LIMIT);
    await deposit(client, u, b.id, DAILY_LIMIT);
    const out = (path: string, body: Record<string, unknown>) =>
      client.call('POST', path, { token: u.token, headers: key(), body });
    expect((await out(`/v1/accounts/${a.id}/withdrawals`, { amount: DAILY_LIMIT / 2 })).status).toBe(201);
    const t = await out('/v1/transfers', {
      fromAccountId: b.id,
      toAccountNumber: malloryUsd.number,
      amount: DAILY_LIMIT / 2,
      currency: 'USD',
    });
    expect(t.status).toBe(201);
    expectProblem(await out(`/v1/accounts/${b.id}/withdrawals`, { amount: 1 }), 422, 'daily_limit_exceeded');
  });
});

// ---------- API8 ----------

describe('API8:2023 Security Misconfiguration', () => {
  const gatewayOwn = (r: Received) =>
    r.json?.message === 'Unauthorized' ||
    ['method_not_allowed', 'rate_limited', 'service_unavailable'].includes(r.json?.code) ||
    /^No route for|larger than 10 MB/.test(r.json?.detail ?? '');

  it("security headers on every function's answer: nosniff and no-store everywhere, the full set on every handler answer; API Gateway's own answers carry none", async () => {
    // a few of each kind of answer, on top of everything this file has sent so far
    await client.send({ method: 'OPTIONS', path: '/v1/accounts', headers: { origin: stack.baseUrl } });
    await client.send({ method: 'PUT', path: '/v1/accounts' });
    await client.send({ method: 'TRACE', path: '/v1/me' });
    await client.send({ method: 'GET', path: '/v1/nothing-here' });
    await client.send({ method: 'GET', path: '/openapi.json' });
    await client.send({ method: 'GET', path: '/config.json' });
    expect(client.exchanges.length).toBeGreaterThan(100);
    const api = client.exchanges.filter((e) => !/^\/(docs|$)/.test(e.req.path)); // static pages: the next test
    let handled = 0;
    for (const { req, res } of api) {
      const where = `${req.method} ${req.path} -> ${res.status}`;
      expectApiHeaders(res, where, req.method);
      if (!isGatewayOwn(res, req.method)) expect(res.headers['x-request-id'], where).toBeTruthy();
      expect(res.headers['x-powered-by'], where).toBeUndefined();
      expect(res.headers.server, where).toBeUndefined();
      if (routeOf(routeList, req.method, req.path) && !gatewayOwn(res) && !isGatewayOwn(res, req.method)) {
        for (const [k, v] of Object.entries(HANDLER_HEADERS))
          expect(res.headers[k], `${k}: ${where}`).toBe(v);
        handled++;
      }
    }
    expect(handled).toBeGreaterThan(100);
  });

  it('the web client and API reference are served with a CSP, nosniff and no framing', async () => {
    for (const path of ['/', '/docs']) {
      const r = await client.send({ method: 'GET', path, headers: { accept: 'text/html' } });
      expect(r.status).toBe(200);
      expect(r.headers['content-security-policy']).toMatch(/default-src 'self'.*frame-ancestors 'none'/);
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['x-frame-options']).toBe('DENY');
    }
  });

  it('CORS never echoes an arbitrary origin, on answers or preflights', async () => {
    const own = stack.baseUrl;
    const evil = [
      'https://evil.example',
      'null',
      `${own}.evil.example`,
      own.replace('http:', 'https:'),
      `${own}/`,
      '*',
    ];
    const requests = (origin: string) => [
      client.send({ method: 'GET', path: '/health', headers: { origin } }),
      client.send({
        method: 'GET',
        path: '/v1/me',
        headers: { origin, authorization: `Bearer ${alice.token}` },
      }),
      client.send({ method: 'GET', path: '/v1/nothing', headers: { origin } }),
      client.send({
        method: 'OPTIONS',
        path: '/v1/transfers',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization',
        },
      }),
    ];
    for (const origin of evil) {
      for (const r of await Promise.all(requests(origin))) {
        expect(r.headers['access-control-allow-origin'], origin).toBeUndefined();
        expect(r.headers['access-control-allow-credentials'], origin).toBeUndefined();
      }
    }
    for (const r of await Promise.all(requests(own))) {
      expect(r.headers['access-control-allow-origin']).toBe(own);
      expect(r.headers['access-control-allow-credentials']).toBeUndefined();
      expect(r.headers.vary).toMatch(/Origin/);
    }
  });

  it('no error body in this file carries a stack trace, a file path, SDK error text or an internal key', () => {
    const errors = client.exchanges.filter((e) => e.res.status >= 400);
    expect(errors.length).toBeGreaterThan(50);
    for (const { req, res } of errors) {
      expect(leaksIn(res.text), `${req.method} ${req.path}`).toEqual([]);
      expect(res.status, `${req.method} ${req.path}`).toBeLessThan(500);
    }
    expect(stack.output()).not.toMatch(/unhandled error|\[gateway\]/);
  });
});

// ---------- API9 ----------

describe('API9:2023 Improper Inventory Management', () => {
  it('the published OpenAPI document lists exactly the routes the gateway serves, and each has an owner function', async () => {
    const doc = (await client.call('GET', '/openapi.json')).json as {
      paths: Record<string, Record<string, unknown>>;
    };
    const published = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(published).toEqual(routeList.map((r) => `${r.method} ${r.path}`).sort());
  });
});

describe('the attack traffic left the ledger intact', () => {
  it('verify-ledger is clean', async () => {
    const r = await stack.verifyLedger();
    expect(r.output).toMatch(/OK: the ledger balances/);
    expect(r.code).toBe(0);
  }, 60_000);
});
