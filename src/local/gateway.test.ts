import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { routeList, routes } from '../api/routes.ts';
import { TokenError } from '../identity/jwt.ts';
import {
  createGateway,
  DIAGNOSTICS_PATH,
  type Gateway,
  type GatewayOptions,
  type LambdaHandler,
  MAX_REQUEST_BYTES,
} from './gateway.ts';
import { WEB_CSP } from './static.ts';

type Seen = { event: APIGatewayProxyEventV2WithJWTAuthorizer; context: Context };

/** A handler module stand-in that records what it got and answers 200 JSON (or `reply`). */
const recorder = (
  reply: unknown = { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' },
) => {
  const seen: Seen[] = [];
  const handler: LambdaHandler = async (event, context) => {
    seen.push({ event: event as APIGatewayProxyEventV2WithJWTAuthorizer, context });
    return reply;
  };
  return { seen, handler };
};

/** Tokens `good-<sub>` are valid for user <sub>; anything else is refused. */
const fakeVerifier = {
  verify: async (token: string) => {
    if (!token.startsWith('good-')) throw new TokenError('bad token');
    const sub = token.slice(5);
    return {
      sub,
      client_id: 'web',
      token_use: 'access' as const,
      username: sub,
      scope: 'aws.cognito.signin.user.admin',
      exp: 4e9,
    };
  },
};

let gateway: Gateway | undefined;
let base = '';
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

const start = async (opts: GatewayOptions = {}) => {
  gateway = createGateway({
    verifier: fakeVerifier,
    rateLimit: false,
    corsOrigins: ['https://app.example'],
    ...opts,
  });
  base = (await gateway.listen(0)).url;
  return gateway;
};

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** A raw HTTP request (repeated headers stay repeated, unlike fetch). */
const raw = (method: string, path: string, headers: string[] = [], body?: Buffer | string) =>
  new Promise<Raw>((resolve, reject) => {
    const url = new URL(path, base);
    const req = httpRequest(
      // A raw header list replaces Node's defaults, Host included.
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: headers.length ? ['Host', url.host, ...headers] : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers });
const bearer = (sub = 'u1') => ({ authorization: `Bearer good-${sub}` });

describe('event and context', () => {
  it("stamps the event with the request's arrival (timeEpoch, time), before the authorizer's work", async () => {
    const { seen, handler } = recorder();
    let clock = Date.UTC(2026, 10, 24, 8, 0, 0);
    const arrival = clock;
    // The authorizer takes 10 s of the gateway's clock: the event still says when the request came.
    const slowVerifier = {
      verify: async (token: string) => {
        clock += 10_000;
        return fakeVerifier.verify(token);
      },
    };
    await start({ handlers: { profile: handler }, verifier: slowVerifier, clock: () => clock });
    expect((await get('/v1/me', bearer())).status).toBe(200);
    expect(seen[0]?.event.requestContext.timeEpoch).toBe(arrival);
    expect(seen[0]?.event.requestContext.time).toBe('24/Nov/2026:08:00:00 +0000');
  });

  it('builds a payload 2.0 event for the matched route', async () => {
    const { seen, handler } = recorder();
    await start({ handlers: { 'accounts-read': handler } });
    const res = await raw('GET', '/v1/accounts/abc%20d/transactions?limit=5&limit=6&x=y', [
      'Authorization',
      'Bearer good-user-1',
      'X-Custom',
      'a',
      'x-custom',
      'b',
      'Cookie',
      'a=1; b=2',
      'User-Agent',
      'test-agent',
    ]);
    expect(res.status).toBe(200);
    const { event, context } = seen[0] as Seen;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /v1/accounts/{id}/transactions',
      // API Gateway hands the function the decoded path.
      rawPath: '/v1/accounts/abc d/transactions',
      rawQueryString: 'limit=5&limit=6&x=y',
      queryStringParameters: { limit: '5,6', x: 'y' },
      pathParameters: { id: 'abc d' },
      cookies: ['a=1', 'b=2'],
      isBase64Encoded: false,
    });
    expect(event.headers['x-custom']).toBe('a,b');
    expect(event.headers.cookie).toBeUndefined();
    expect(event.requestContext).toMatchObject({
      accountId: expect.any(String),
      apiId: expect.any(String),
      routeKey: 'GET /v1/accounts/{id}/transactions',
      stage: '$default',
      requestId: res.headers['apigw-requestid'],
      http: {
        method: 'GET',
        path: '/v1/accounts/abc d/transactions',
        sourceIp: '127.0.0.1',
        userAgent: 'test-agent',
      },
    });
    expect(event.requestContext.authorizer.jwt.claims).toMatchObject({
      sub: 'user-1',
      client_id: 'web',
      exp: '4000000000',
    });
    expect(event.requestContext.authorizer.jwt.scopes).toEqual(['aws.cognito.signin.user.admin']);
    expect(context.functionName).toBe('accounts-read');
    expect(context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
  });

  it('gives each request its own id', async () => {
    const { seen, handler } = recorder();
    await start({ handlers: { auth: handler } });
    for (let i = 0; i < 3; i++) await fetch(`${base}/v1/auth/login`, { method: 'POST', body: '{}' });
    expect(new Set(seen.map((s) => s.event.requestContext.requestId)).size).toBe(3);
  });

  it('passes JSON as text and other bodies base64-encoded', async () => {
    const { seen, handler } = recorder();
    await start({ handlers: { auth: handler } });
    await fetch(`${base}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":"é"}',
    });
    await fetch(`${base}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Uint8Array([0, 255, 1]),
    });
    expect(seen[0]?.event).toMatchObject({ body: '{"a":"é"}', isBase64Encoded: false });
    expect(seen[1]?.event).toMatchObject({
      body: Buffer.from([0, 255, 1]).toString('base64'),
      isBase64Encoded: true,
    });
    expect(seen[0]?.event.requestContext.authorizer).toBeUndefined();
  });

  it('maps the result back: status, headers, cookies, base64 bodies', async () => {
    const { handler } = recorder({
      statusCode: 201,
      headers: { 'Content-Type': 'application/octet-stream', 'X-Request-Id': 'from-handler' },
      cookies: ['a=1; Secure', 'b=2'],
      body: Buffer.from([1, 2, 3]).toString('base64'),
      isBase64Encoded: true,
    });
    await start({ handlers: { auth: handler } });
    const res = await raw('POST', '/v1/auth/login');
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['set-cookie']).toEqual(['a=1; Secure', 'b=2']);
    expect(res.headers['x-request-id']).toBe('from-handler');
    expect(Buffer.from(res.text, 'latin1')).toEqual(Buffer.from([1, 2, 3]));
  });

  it('ignores multiValueHeaders in a result, which payload format 2.0 does not have', async () => {
    const { handler } = recorder({
      statusCode: 200,
      headers: { 'content-type': 'application/json', 'x-one': 'a,b' },
      multiValueHeaders: { 'x-many': ['a', 'b'], 'x-one': ['c'] },
      body: '{}',
    });
    await start({ handlers: { auth: handler } });
    const res = await raw('POST', '/v1/auth/login');
    expect(res.status).toBe(200);
    expect(res.headers['x-many']).toBeUndefined();
    expect(res.headers['x-one']).toBe('a,b');
  });

  it('adds its apigw-requestid, never an X-Request-Id the handler did not set; a bare result becomes a 200 JSON body', async () => {
    const { handler } = recorder({ hello: 'world' });
    await start({ handlers: { auth: handler } });
    const res = await fetch(`${base}/v1/auth/login`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ hello: 'world' });
    expect(res.headers.get('apigw-requestid')).toBeTruthy();
    expect(res.headers.get('x-request-id')).toBeNull();
  });

  it("answers of API Gateway's own carry its headers alone, none of the handlers' (on AWS no function made them)", async () => {
    const { handler } = recorder();
    await start({ handlers: { accounts: handler } });
    const own = [
      await get('/v1/nope'),
      await get('/v1/accounts'),
      await fetch(`${base}/v1/accounts`, { method: 'OPTIONS', headers: { origin: 'https://app.example' } }),
      await fetch(`${base}/v1/auth/login`, { method: 'POST', body: Buffer.alloc(MAX_REQUEST_BYTES + 1) }),
    ];
    expect(own.map((r) => r.status)).toEqual([404, 401, 204, 413]);
    for (const r of own) {
      expect(r.headers.get('apigw-requestid')).toBeTruthy();
      for (const h of [
        'x-request-id',
        'x-content-type-options',
        'cache-control',
        'x-frame-options',
        'content-security-policy',
      ])
        expect(r.headers.get(h), `${r.status} ${h}`).toBeNull();
    }
  });

  it('imports the real handler module of a route that has no injected handler', async () => {
    await start();
    const res = await get('/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });
});

const expectProblem = async (res: Response, status: number, code: string) => {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('x-request-id')).toBeTruthy();
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  expect(await res.json()).toMatchObject({
    status,
    code,
    type: expect.any(String),
    title: expect.any(String),
  });
};

describe('routing and gateway errors', () => {
  it('answers an unknown path, or a known path with another method, with API Gateway\u2019s 404 (no 405)', async () => {
    await start();
    for (const res of [
      await get('/v1/nope'),
      await fetch(`${base}/v1/accounts/x/y/z`, { method: 'POST' }),
      await fetch(`${base}/v1/accounts/123`, { method: 'PUT' }),
    ]) {
      expect(res.status).toBe(404);
      expect(res.headers.get('allow')).toBeNull();
      expect(await res.text()).toBe('{"message":"Not Found"}');
    }
  });

  it('answers headers Node cannot even parse (over 16 KB) with 431 {"message":...}', async () => {
    await start();
    const r = await raw('GET', '/health', ['x-big', 'a'.repeat(20_000)]);
    expect(r.status).toBe(431);
    expect(JSON.parse(r.text)).toEqual({ message: 'Request Header Fields Too Large' });
  });

  it('answers 500 {"message":"Internal Server Error"} when a handler throws, or its module cannot load', async () => {
    const errors: string[] = [];
    await start({
      handlers: {
        auth: async () => {
          throw new Error('boom');
        },
      },
      routes: [
        ...routeList,
        { ...routes.health, operationId: 'health', path: '/ghost', fn: 'ghost' as 'health' },
      ],
      onError: (m) => errors.push(m),
    });
    for (const res of [await fetch(`${base}/v1/auth/login`, { method: 'POST' }), await get('/ghost')]) {
      expect(res.status).toBe(500);
      expect(await res.text()).toBe('{"message":"Internal Server Error"}');
    }
    expect(errors).toEqual(['auth failed on POST /v1/auth/login', 'ghost failed on GET /ghost']);
  });

  it('refuses bodies over 10 MB with 413 before any function runs', async () => {
    const { seen, handler } = recorder();
    await start({ handlers: { auth: handler } });
    const res = await fetch(`${base}/v1/auth/login`, {
      method: 'POST',
      body: Buffer.alloc(MAX_REQUEST_BYTES + 1, 97),
    });
    expect(res.status).toBe(413);
    expect(await res.text()).toBe(`HTTP content length exceeded ${MAX_REQUEST_BYTES} bytes.`);
    expect(seen).toHaveLength(0);
  });

  it('answers 503 service_unavailable until it is ready', async () => {
    const gw = await start({ ready: false });
    const res = await get('/health');
    expect(res.headers.get('retry-after')).toBe('1');
    await expectProblem(res, 503, 'service_unavailable');
    await expectProblem(await get('/config.json'), 503, 'service_unavailable');
    gw.configure({ ready: true });
    expect((await get('/health')).status).toBe(200);
  });
});

describe('the JWT authorizer', () => {
  it('answers 401 {"message":"Unauthorized"} before any handler runs', async () => {
    const { seen, handler } = recorder();
    await start({ handlers: { profile: handler } });
    for (const headers of [
      {} as Record<string, string>,
      { authorization: 'Bearer bad' },
      { authorization: 'Basic abc' },
      { authorization: '' },
    ]) {
      const res = await get('/v1/me', headers);
      expect(res.status).toBe(401);
      expect(await res.text()).toBe('{"message":"Unauthorized"}');
      expect(res.headers.get('content-type')).toBe('application/json');
    }
    expect(seen).toHaveLength(0);
    expect((await get('/v1/me', bearer())).status).toBe(200);
  });

  it('reads a repeated Authorization as API Gateway does, joined with a comma: no token, 401', async () => {
    const { seen, handler } = recorder();
    await start({ handlers: { profile: handler } });
    const twice = ['Authorization', 'Bearer good-u1', 'Authorization', 'Bearer good-u2'];
    const res = await raw('GET', '/v1/me', twice);
    expect(res.status).toBe(401);
    expect(res.text).toBe('{"message":"Unauthorized"}');
    expect(seen).toHaveLength(0);
    expect((await raw('GET', '/v1/me', twice.slice(0, 2))).status).toBe(200);
  });

  it('answers 401 on auth routes when no verifier is configured', async () => {
    await start({ verifier: undefined });
    expect((await get('/v1/me', bearer())).status).toBe(401);
  });

  it('lets public routes through without a token', async () => {
    const { seen, handler } = recorder();
    await start({ handlers: { auth: handler } });
    expect((await fetch(`${base}/v1/auth/register`, { method: 'POST' })).status).toBe(200);
    expect(seen).toHaveLength(1);
  });
});

describe('CORS', () => {
  it('allows listed origins and never echoes others', async () => {
    await start();
    const ok = await get('/health', { origin: 'https://app.example' });
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(ok.headers.get('access-control-expose-headers')).toContain('x-request-id');
    const evil = await get('/health', { origin: 'https://evil.example' });
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    expect(evil.headers.get('vary')).toBe('Origin');
  });

  it("ignores a function's own CORS headers, as API Gateway does with CORS configured", async () => {
    const { handler } = recorder({
      statusCode: 200,
      headers: {
        'content-type': 'application/json',
        'Access-Control-Allow-Origin': '*',
        'access-control-allow-credentials': 'true',
        'access-control-expose-headers': 'x-secret',
      },
      body: '{}',
    });
    await start({ handlers: { auth: handler } });
    const evil = await raw('POST', '/v1/auth/login', ['Origin', 'https://evil.example']);
    expect(evil.status).toBe(200);
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    expect(evil.headers['access-control-allow-credentials']).toBeUndefined();
    expect(evil.headers['access-control-expose-headers']).toBeUndefined();
    const ok = await raw('POST', '/v1/auth/login', ['Origin', 'https://app.example']);
    expect(ok.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(ok.headers['access-control-allow-credentials']).toBeUndefined();
    expect(ok.headers['access-control-expose-headers']).not.toContain('x-secret');
  });

  it('answers preflights itself', async () => {
    await start();
    const pre = (origin: string) =>
      fetch(`${base}/v1/accounts`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization',
        },
      });
    const ok = await pre('https://app.example');
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
    expect(ok.headers.get('access-control-allow-headers')).toContain('idempotency-key');
    const evil = await pre('https://evil.example');
    expect(evil.status).toBe(204);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('defaults to its own origin, or BANK_CORS_ORIGINS', async () => {
    gateway = createGateway({ rateLimit: false });
    const { port } = await gateway.listen(0);
    base = `http://127.0.0.1:${port}`;
    const own = await get('/health', { origin: `http://localhost:${port}` });
    expect(own.headers.get('access-control-allow-origin')).toBe(`http://localhost:${port}`);
    expect(
      (await get('/health', { origin: 'http://localhost:1' })).headers.get('access-control-allow-origin'),
    ).toBeNull();
    await gateway.close();
    process.env.BANK_CORS_ORIGINS = 'https://a.example, https://b.example/';
    try {
      gateway = createGateway({ rateLimit: false });
      base = (await gateway.listen(0)).url;
      const b = await get('/health', { origin: 'https://b.example' });
      expect(b.headers.get('access-control-allow-origin')).toBe('https://b.example');
    } finally {
      delete process.env.BANK_CORS_ORIGINS;
    }
  });
});

describe('rate limiting', () => {
  it('limits each user to the bucket, answers 429 with Retry-After, refills over time', async () => {
    let now = 1_000_000;
    const { handler } = recorder();
    await start({ handlers: { profile: handler }, rateLimit: { rps: 1, burst: 2 }, now: () => now });
    expect((await get('/v1/me', bearer('a'))).status).toBe(200);
    expect((await get('/v1/me', bearer('a'))).status).toBe(200);
    const limited = await get('/v1/me', bearer('a'));
    expect(limited.headers.get('retry-after')).toBe('1');
    await expectProblem(limited, 429, 'rate_limited');
    expect((await get('/v1/me', bearer('b'))).status).toBe(200);
    now += 1000;
    expect((await get('/v1/me', bearer('a'))).status).toBe(200);
  });

  it('limits public routes by source IP and exempts /health', async () => {
    const { handler } = recorder();
    await start({ handlers: { auth: handler }, rateLimit: { rps: 1, burst: 1 }, now: () => 0 });
    expect((await fetch(`${base}/v1/auth/login`, { method: 'POST' })).status).toBe(200);
    expect((await fetch(`${base}/v1/auth/login`, { method: 'POST' })).status).toBe(429);
    for (let i = 0; i < 5; i++) expect((await get('/health')).status).toBe(200);
  });
});

describe('static content', () => {
  const webDir = async (withIndex: boolean) => {
    const dir = await mkdtemp(join(tmpdir(), 'gateway-web-'));
    await mkdir(join(dir, 'assets'));
    if (withIndex) await writeFile(join(dir, 'index.html'), '<!doctype html><title>app</title>');
    await writeFile(join(dir, 'assets', 'app-1234.js'), 'console.log(1)');
    return dir;
  };

  it('serves the web client with security headers and an SPA fallback', async () => {
    await start({ webDir: await webDir(true) });
    const index = await get('/', { accept: 'text/html' });
    expect(await index.text()).toContain('<title>app</title>');
    expect(index.headers.get('content-security-policy')).toBe(WEB_CSP);
    expect(index.headers.get('x-frame-options')).toBe('DENY');
    expect(index.headers.get('referrer-policy')).toBe('no-referrer');
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect(index.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(index.headers.get('permissions-policy')).toBe(
      'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
    );
    const deep = await get('/accounts/123', { accept: 'text/html,application/xhtml+xml' });
    expect(await deep.text()).toContain('<title>app</title>');
    const asset = await get('/assets/app-1234.js');
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    for (const res of [await get('/missing.js'), await get('/v1/unknown', { accept: 'text/html' })]) {
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ message: 'Not Found' });
    }
  });

  it('never serves files outside the web directory', async () => {
    await start({ webDir: await webDir(true) });
    for (const path of ['/..%2fpackage.json', '/%2e%2e/%2e%2e/package.json', '/.env', '/assets/%00x']) {
      const res = await raw('GET', path);
      expect(res.text, path).not.toContain('"name"');
      expect(res.status, path).toBe(404);
    }
  });

  it('serves a placeholder page when the web client is not built', async () => {
    await start({ webDir: await webDir(false) });
    const res = await get('/', { accept: 'text/html' });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('npm run build:web');
  });

  it('serves the OpenAPI document, the API reference and the client config', async () => {
    await start({
      clientConfig: {
        apiBaseUrl: '',
        region: 'us-east-1',
        userPoolId: 'p',
        userPoolClientId: 'c',
        idleTimeoutSeconds: 900,
        supportContact: 'help@bank.example',
      },
    });
    const doc = await get('/openapi.json');
    expect((await doc.json()).openapi).toBe('3.1.0');
    const docs = await get('/docs');
    const html = await docs.text();
    expect(html).toContain('/docs/init.js');
    expect(html).not.toMatch(/<script>(?!<)/);
    expect(docs.headers.get('content-security-policy')).toContain("script-src 'self';");
    expect((await get('/docs/swagger-ui-bundle.js')).status).toBe(200);
    expect((await get('/docs/init.js')).status).toBe(200);
    expect((await get('/docs/package.json')).status).toBe(404);
    const cfg = await get('/config.json');
    expect(await cfg.json()).toEqual({
      apiBaseUrl: '',
      region: 'us-east-1',
      userPoolId: 'p',
      userPoolClientId: 'c',
      idleTimeoutSeconds: 900,
      supportContact: 'help@bank.example',
    });
    expect(cfg.headers.get('cache-control')).toBe('no-store');
  });
});

describe('local diagnostics', () => {
  it('GET /_local/diagnostics answers what the stack reports (conflict counters), only when given', async () => {
    let total = 3;
    await start({ diagnostics: () => ({ conflicts: { emulated: true, total } }) });
    expect(await (await get(DIAGNOSTICS_PATH)).json()).toEqual({ conflicts: { emulated: true, total: 3 } });
    total = 5;
    expect(await (await get(DIAGNOSTICS_PATH)).json()).toEqual({ conflicts: { emulated: true, total: 5 } });
    await gateway?.close();
    await start({ webDir: '/nonexistent' });
    expect((await get(DIAGNOSTICS_PATH)).status).toBe(404);
  });
});
