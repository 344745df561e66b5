import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resetConfig } from '../config.ts';
import { edgeCheck, type OriginKeys, originMatches, VIEWER_IP_FUNCTION, viewerIpOf } from './edge.ts';
import { buildEvent } from './event.ts';
import { createHandler, type Request } from './http.ts';
import { routes as moneyRoutes } from './routes/money.ts';
import { routeKey, routes } from './routes.ts';

const CURRENT = 'c'.repeat(40);
const PREVIOUS = 'p'.repeat(40);
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:origin-AbCdEf';

/** A stand-in for the Parameters and Secrets Lambda Extension: records each read, answers the secret. */
let secretString: string | undefined = JSON.stringify({ current: CURRENT, previous: PREVIOUS });
const reads: { path: string; token: string | undefined }[] = [];
let server: Server;
const saved = { ...process.env };

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    reads.push({ path: req.url ?? '', token: req.headers['x-aws-parameters-secrets-token'] as string });
    if (secretString === undefined) {
      res.writeHead(500).end('{"message":"down"}');
      return;
    }
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ SecretString: secretString }));
  });
  await new Promise<void>((ok) => server.listen(0, 'localhost', ok));
});
afterAll(async () => {
  await new Promise((ok) => server.close(ok));
});
afterEach(() => {
  process.env = { ...saved };
  resetConfig();
  reads.length = 0;
  seen.length = 0;
  secretString = JSON.stringify({ current: CURRENT, previous: PREVIOUS });
});

const seen: Request[] = [];
const ok = async (req: Request) => {
  seen.push(req);
  return { body: { ok: true } };
};

/** A money handler made after the environment says where the secret is, as a Lambda's module load is. */
const moneyHandler = (env: Record<string, string>) => {
  Object.assign(process.env, env);
  resetConfig();
  return createHandler(moneyRoutes, { deposit: ok, withdraw: ok, transfer: ok } as never, {
    guard: async () => {},
  });
};
const withEdge = () =>
  moneyHandler({
    BANK_ORIGIN_SECRET_ID: SECRET_ARN,
    PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String((server.address() as AddressInfo).port),
    AWS_SESSION_TOKEN: 'session-token-of-the-function',
  });

const transfer = (headers: Record<string, string>) =>
  buildEvent({
    method: 'POST',
    path: '/v1/transfers',
    routeKey: routeKey(routes.transfer),
    headers: { 'content-type': 'application/json', 'idempotency-key': 'k-1', ...headers },
    body: JSON.stringify({
      fromAccountId: '3f9a2b1c-6a43-4c1e-9a55-5b7f0e2d8c11',
      toAccountNumber: '4820193755',
      amount: 100,
      currency: 'USD',
    }),
    claims: { sub: 'u1', username: 'u1', client_id: 'c' },
    sourceIp: '130.176.0.10', // CloudFront's, as API Gateway sees a request through the edge
  });

const codeOf = (r: { body?: string }) => JSON.parse(r.body ?? '{}').code;

describe('the API edge: a request must come through CloudFront', () => {
  it('refuses a request without the origin header, or with a wrong one, before its handler runs', async () => {
    const handler = withEdge();
    const missing = await handler(transfer({ 'x-bank-viewer-ip': '203.0.113.7' }));
    expect(missing.statusCode).toBe(403);
    expect(codeOf(missing)).toBe('forbidden');
    const wrong = await handler(transfer({ 'x-origin-verify': `${CURRENT}x` }));
    expect(wrong.statusCode).toBe(403);
    expect(seen).toEqual([]);
  });

  it('serves one with the current or the previous key, with the viewer address CloudFront gives', async () => {
    const handler = withEdge();
    const r = await handler(transfer({ 'x-origin-verify': CURRENT, 'x-bank-viewer-ip': '203.0.113.7' }));
    expect(r.statusCode).toBe(201);
    const v6 = await handler(transfer({ 'x-origin-verify': PREVIOUS, 'x-bank-viewer-ip': '2001:db8::7' }));
    expect(v6.statusCode).toBe(201);
    expect(seen.map((s) => s.sourceIp)).toEqual(['203.0.113.7', '2001:db8::7']);
    // Read once (kept in memory), through the extension, with the function's session token.
    expect(reads).toEqual([
      {
        path: `/secretsmanager/get?secretId=${encodeURIComponent(SECRET_ARN)}`,
        token: 'session-token-of-the-function',
      },
    ]);
  });

  it('keeps API Gateway\u2019s source IP when the viewer address is missing or not an address', async () => {
    const handler = withEdge();
    await handler(transfer({ 'x-origin-verify': CURRENT }));
    await handler(transfer({ 'x-origin-verify': CURRENT, 'x-bank-viewer-ip': 'evil' }));
    expect(seen.map((s) => s.sourceIp)).toEqual(['130.176.0.10', '130.176.0.10']);
  });

  it('without an edge, checks nothing and never trusts a viewer address a client sends', async () => {
    const handler = moneyHandler({});
    const r = await handler(transfer({ 'x-bank-viewer-ip': '203.0.113.7' }));
    expect(r.statusCode).toBe(201);
    expect(seen.map((s) => s.sourceIp)).toEqual(['130.176.0.10']);
    expect(reads).toEqual([]);
  });

  it('fails closed with 503 when the secret cannot be read, and reads again at the next request', async () => {
    const handler = withEdge();
    secretString = undefined;
    const down = await handler(transfer({ 'x-origin-verify': CURRENT }));
    expect(down.statusCode).toBe(503);
    expect(codeOf(down)).toBe('service_unavailable');
    expect(down.headers['retry-after']).toBe('1');
    secretString = JSON.stringify({ current: CURRENT });
    expect((await handler(transfer({ 'x-origin-verify': CURRENT }))).statusCode).toBe(201);
    expect(reads).toHaveLength(2);
    expect(seen).toHaveLength(1);
  });

  it('refuses to run on a secret with no usable current key', async () => {
    const handler = withEdge();
    secretString = JSON.stringify({ current: 'short' });
    expect((await handler(transfer({ 'x-origin-verify': 'short' }))).statusCode).toBe(500);
    expect(seen).toEqual([]);
  });

  it('accepts the `next` key of a rotation\u2019s first step, before CloudFront sends it', async () => {
    const NEXT = 'n'.repeat(40);
    secretString = JSON.stringify({ current: CURRENT, next: NEXT });
    const handler = withEdge();
    expect((await handler(transfer({ 'x-origin-verify': NEXT }))).statusCode).toBe(201);
    expect((await handler(transfer({ 'x-origin-verify': CURRENT }))).statusCode).toBe(201);
    // A key too short to be one is no key: not accepted.
    secretString = JSON.stringify({ current: CURRENT, next: 'n' });
    const again = withEdge();
    expect((await again(transfer({ 'x-origin-verify': 'n' }))).statusCode).toBe(403);
  });
});

describe('edgeCheck', () => {
  it('reads the keys again once they are ORIGIN_KEYS_TTL_SECONDS old, and shares a read in flight', async () => {
    let t = 0;
    let n = 0;
    const source = async (): Promise<OriginKeys> => {
      n += 1;
      return { current: n === 1 ? CURRENT : PREVIOUS };
    };
    const check = edgeCheck(SECRET_ARN, source, () => t);
    await Promise.all([
      check({ 'x-origin-verify': CURRENT }, 'ip'),
      check({ 'x-origin-verify': CURRENT }, 'ip'),
    ]);
    t = 299_999;
    await check({ 'x-origin-verify': CURRENT }, 'ip');
    expect(n).toBe(1);
    t = 300_000;
    // The rotated secret: the old current is no longer one of its keys.
    await expect(check({ 'x-origin-verify': CURRENT }, 'ip')).rejects.toMatchObject({ code: 'forbidden' });
    expect(n).toBe(2);
  });
});

describe('originMatches and viewerIpOf', () => {
  it('matches a key exactly, never an empty header or a prefix', () => {
    expect(originMatches(CURRENT, { current: CURRENT })).toBe(true);
    expect(originMatches(PREVIOUS, { current: CURRENT, previous: PREVIOUS })).toBe(true);
    expect(originMatches(PREVIOUS, { current: CURRENT })).toBe(false);
    expect(originMatches(PREVIOUS, { current: CURRENT, next: PREVIOUS })).toBe(true);
    expect(originMatches(CURRENT.slice(1), { current: CURRENT })).toBe(false);
    expect(originMatches('', { current: CURRENT })).toBe(false);
    expect(originMatches(undefined, { current: CURRENT })).toBe(false);
  });

  it('takes an IPv4 or IPv6 address, and nothing else', () => {
    expect(viewerIpOf('198.51.100.10')).toBe('198.51.100.10');
    expect(viewerIpOf('2001:db8:85a3::8a2e:370:7334')).toBe('2001:db8:85a3::8a2e:370:7334');
    expect(viewerIpOf('198.51.100.10:46532')).toBeUndefined();
    expect(viewerIpOf('198.51.100.10, 203.0.113.7')).toBeUndefined();
    expect(viewerIpOf('host.example')).toBeUndefined();
    expect(viewerIpOf('')).toBeUndefined();
    expect(viewerIpOf(undefined)).toBeUndefined();
  });
});

describe('the edge\u2019s CloudFront Function', () => {
  // Run as CloudFront runs it: the viewer's request and address in, the request sent on out.
  const run = new Function(`${VIEWER_IP_FUNCTION}; return handler;`)() as (event: unknown) => {
    headers: Record<string, { value: string }>;
  };

  it('puts the viewer\u2019s IP in the header, over whatever the viewer sent in it', () => {
    const out = run({
      viewer: { ip: '2001:db8::7' },
      request: { headers: { 'x-bank-viewer-ip': { value: '10.0.0.1' }, accept: { value: '*/*' } } },
    });
    expect(out.headers).toEqual({ 'x-bank-viewer-ip': { value: '2001:db8::7' }, accept: { value: '*/*' } });
  });
});
