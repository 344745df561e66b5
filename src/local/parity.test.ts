/**
 * The local gateway against API Gateway HTTP API's documented behaviour, one case per difference the
 * cloud-parity review listed. Each case drives a real socket and asserts what AWS answers; the tokens
 * are real RS256 JWTs checked by the same verifier the local stack uses.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { functions } from '../functions.ts';
import { ACCESS_TOKEN_SCOPE, createJwtVerifier } from '../identity/jwt.ts';
import {
  createGateway,
  type Gateway,
  type LambdaHandler,
  MAX_REQUEST_LINE_AND_HEADERS_BYTES,
} from './gateway.ts';
import { MAX_INVOKE_PAYLOAD_BYTES } from './invoke.ts';

const CLIENT = 'web-client';
const KID = 'k1';
let key: Awaited<ReturnType<typeof generateKeyPair>>;
let jwks: Server;
let issuer = '';

beforeAll(async () => {
  key = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(key.publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
  jwks = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/pool`;
});
afterAll(() => new Promise<void>((r) => jwks.close(() => r())));

const token = (claims: JWTPayload, opts: { kid?: string | null; iat?: number } = {}): Promise<string> => {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub: 'user-1', ...claims })
    .setProtectedHeader({ alg: 'RS256', ...(opts.kid === null ? {} : { kid: opts.kid ?? KID }) })
    .setIssuer(issuer)
    .setIssuedAt(opts.iat ?? now)
    .setExpirationTime(now + 900)
    .sign(key.privateKey);
};
const accessToken = (opts?: { kid?: string | null; iat?: number }) =>
  token({ token_use: 'access', client_id: CLIENT, scope: ACCESS_TOKEN_SCOPE }, opts);
const idToken = () => token({ token_use: 'id', aud: CLIENT, email: 'ada@example.com' });

/** A stand-in function that records the events it gets and answers 200. */
const recorder = () => {
  const events: APIGatewayProxyEventV2[] = [];
  const handler: LambdaHandler = async (event) => {
    events.push(event);
    return { statusCode: 200, body: '{}' };
  };
  return { events, handler };
};

let gateway: Gateway | undefined;
let base = '';
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});
const start = async (handlers: Record<string, LambdaHandler>, timeoutMs?: number) => {
  gateway = createGateway({
    verifier: createJwtVerifier({ issuer, jwksUrl: `${issuer}/.well-known/jwks.json`, clientIds: [CLIENT] }),
    rateLimit: false,
    handlers,
    ...(timeoutMs ? { timeoutMs } : {}),
  });
  base = (await gateway.listen(0)).url;
};

const call = async (method: string, path: string, headers: Record<string, string> = {}, body?: string) => {
  const res = await fetch(`${base}${path}`, { method, headers, ...(body ? { body } : {}) });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
};

/** A request whose path is sent exactly as given (fetch would normalise it). */
const rawGet = (path: string, headers: Record<string, string>) =>
  new Promise<number>((resolve, reject) => {
    const url = new URL(base);
    const req = httpRequest({ host: url.hostname, port: url.port, path, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });

describe('parity with API Gateway HTTP API', () => {
  it('an id token (valid, without the route\u2019s scope) is 403 {"message":"Forbidden"}; the function never runs', async () => {
    const { events, handler } = recorder();
    await start({ profile: handler });
    const res = await call('GET', '/v1/me', { authorization: `Bearer ${await idToken()}` });
    expect(res).toEqual({ status: 403, type: 'application/json', text: '{"message":"Forbidden"}' });
    expect(events).toHaveLength(0);
    expect((await call('GET', '/v1/me', { authorization: `Bearer ${await accessToken()}` })).status).toBe(
      200,
    );
  });

  it('a token without kid, or issued in the future, is 401 {"message":"Unauthorized"}', async () => {
    const { events, handler } = recorder();
    await start({ profile: handler });
    const future = Math.floor(Date.now() / 1000) + 300;
    for (const t of [await accessToken({ kid: null }), await accessToken({ iat: future })]) {
      const res = await call('GET', '/v1/me', { authorization: `Bearer ${t}` });
      expect(res).toEqual({ status: 401, type: 'application/json', text: '{"message":"Unauthorized"}' });
    }
    expect(events).toHaveLength(0);
  });

  it('an unknown route, and a known path with a method it lacks, are 404 {"message":"Not Found"} (no 405)', async () => {
    await start({});
    for (const [method, path] of [
      ['GET', '/v1/nothing-here'],
      ['PATCH', '/v1/accounts'],
      ['PUT', '/v1/accounts/3f9a2b1c-6a43-4c1e-9a55-5b7f0e2d8c11'],
      ['DELETE', '/v1/transfers'],
    ] as const) {
      expect(await call(method, path), `${method} ${path}`).toEqual({
        status: 404,
        type: 'application/json',
        text: '{"message":"Not Found"}',
      });
    }
  });

  it('hands the function a decoded rawPath', async () => {
    const { events, handler } = recorder();
    await start({ 'accounts-read': handler });
    const path = '/v1/accounts/abc%2Dd%20e/balance';
    expect((await call('GET', path, { authorization: `Bearer ${await accessToken()}` })).status).toBe(200);
    expect(events[0]?.rawPath).toBe('/v1/accounts/abc-d e/balance');
    expect(events[0]?.requestContext.http.path).toBe('/v1/accounts/abc-d e/balance');
  });

  it('refuses a request line plus headers over 10,240 bytes, and takes one of exactly 10,240', async () => {
    const { events, handler } = recorder();
    await start({ health: handler });
    const url = new URL(base);
    // Node adds Host and Connection; the filler header brings the total to the limit exactly.
    const fixed =
      'GET /health HTTP/1.1'.length +
      'Host'.length +
      url.host.length +
      'Connection'.length +
      'keep-alive'.length;
    const filler = (total: number) => ({ 'x-fill': 'a'.repeat(total - fixed - 'x-fill'.length) });
    expect(await rawGet('/health', filler(MAX_REQUEST_LINE_AND_HEADERS_BYTES))).toBe(200);
    expect(await rawGet('/health', filler(MAX_REQUEST_LINE_AND_HEADERS_BYTES + 1))).toBe(431);
    expect(events).toHaveLength(1);
  });

  it('refuses an invocation payload over Lambda\u2019s 6 MB with 413 {"message":"Request Too Long"}', async () => {
    const { events, handler } = recorder();
    await start({ auth: handler });
    const res = await call(
      'POST',
      '/v1/auth/login',
      { 'content-type': 'application/json' },
      'a'.repeat(MAX_INVOKE_PAYLOAD_BYTES),
    );
    expect(res).toEqual({ status: 413, type: 'application/json', text: '{"message":"Request Too Long"}' });
    expect(events).toHaveLength(0);
    // Under the limit the function runs (its own 64 KB body limit is its business).
    expect((await call('POST', '/v1/auth/login', {}, 'a'.repeat(1024 * 1024))).status).toBe(200);
  });

  it('fails a response over Lambda\u2019s 6 MB counted as the JSON it is sent as, escapes included', async () => {
    // 4 MB of quotes: 4 MB of text, 8 MB of JSON.
    const quotes: LambdaHandler = async () => ({ statusCode: 200, body: '"'.repeat(4 * 1024 * 1024) });
    const letters: LambdaHandler = async () => ({ statusCode: 200, body: 'a'.repeat(4 * 1024 * 1024) });
    await start({ health: quotes, auth: letters });
    expect(await call('GET', '/health')).toEqual({
      status: 500,
      type: 'application/json',
      text: '{"message":"Internal Server Error"}',
    });
    expect((await call('POST', '/v1/auth/login', { 'content-type': 'application/json' }, '{}')).status).toBe(
      200,
    );
  });

  it('ends a function that runs past its timeout with 500 {"message":"Internal Server Error"}', async () => {
    let release: () => void = () => {};
    const stuck: LambdaHandler = () =>
      new Promise((resolve) => {
        release = () => resolve({ statusCode: 200, body: '{}' });
      });
    await start({ health: stuck }, 50);
    // The timeout is injected small; the case asserts the answer, not how long it took.
    const res = await call('GET', '/health');
    release();
    expect(res).toEqual({
      status: 500,
      type: 'application/json',
      text: '{"message":"Internal Server Error"}',
    });
  });

  it('answers 503 {"message":"Service Unavailable"} when the function has not answered within the integration timeout', async () => {
    let release: () => void = () => {};
    const stuck: LambdaHandler = () =>
      new Promise((resolve) => {
        release = () => resolve({ statusCode: 200, body: '{}' });
      });
    // API Gateway's 30 s, injected small; the function's own timeout (10 s) is longer.
    gateway = createGateway({ rateLimit: false, handlers: { health: stuck }, integrationTimeoutMs: 50 });
    base = (await gateway.listen(0)).url;
    const res = await call('GET', '/health');
    release();
    expect(res).toEqual({ status: 503, type: 'application/json', text: '{"message":"Service Unavailable"}' });
  });

  it('gives the function the deadline of its registry timeout (src/functions.ts)', async () => {
    let remaining = -1;
    await start({
      health: async (_event, context) => {
        remaining = context.getRemainingTimeInMillis();
        return { statusCode: 200, body: '{}' };
      },
    });
    expect((await call('GET', '/health')).status).toBe(200);
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(functions.health.timeoutSeconds * 1000);
  });
});
