/**
 * What the security tests share: a raw HTTP client for a running stack (node:http, so every byte,
 * header and content type is exactly what the test says, and nothing is added), test users, and the
 * checks every response must pass: problem+json for errors, nothing internal in any body.
 */
import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { expect } from 'vitest';
import type { $ZodType } from 'zod/v4/core';
import type { RouteEntry } from '../../src/api/routes.ts';
import { RawClient, type Received, type Sent } from '../../src/local/http-client.ts';

export type { Received, Sent } from '../../src/local/http-client.ts';

export interface Exchange {
  req: Sent;
  res: Received;
}

/** The local stack's raw client; it keeps every exchange, so a test can check all answers at once. */
export class Client extends RawClient {
  readonly exchanges: Exchange[] = [];

  override async send(req: Sent, opts: { fresh?: boolean } = {}): Promise<Received> {
    const res = await super.send(req, opts);
    this.exchanges.push({ req, res });
    return res;
  }
}

// ---------- users and accounts ----------

export const PASSWORD = 'Security-Test-2026!';

export interface TestUser {
  email: string;
  password: string;
  sub: string;
  token: string;
  refreshToken: string;
}

export const newEmail = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}@example.com`;

export const login = async (c: Client, email: string, password = PASSWORD): Promise<TestUser> => {
  const r = await c.call('POST', '/v1/auth/login', { body: { email, password } });
  expect(r.status, r.text).toBe(200);
  const token = r.json.accessToken as string;
  return { email, password, sub: String(decodeJwt(token).sub), token, refreshToken: r.json.refreshToken };
};

/** Registers (confirmed automatically by the local stack) and logs in. */
export const newUser = async (c: Client, prefix: string): Promise<TestUser> => {
  const email = newEmail(prefix);
  const r = await c.call('POST', '/v1/auth/register', { body: { email, password: PASSWORD, name: prefix } });
  expect(r.status, r.text).toBe(201);
  return login(c, email);
};

export interface TestAccount {
  id: string;
  number: string;
}

export const openAccount = async (c: Client, user: TestUser, currency = 'USD'): Promise<TestAccount> => {
  const r = await c.call('POST', '/v1/accounts', { token: user.token, body: { type: 'checking', currency } });
  expect(r.status, r.text).toBe(201);
  return { id: r.json.id, number: r.json.number };
};

/** A deposit with a fresh key; returns the transaction id. */
export const deposit = async (c: Client, user: TestUser, accountId: string, amount: number) => {
  const r = await c.call('POST', `/v1/accounts/${accountId}/deposits`, {
    token: user.token,
    body: { amount },
    headers: { 'idempotency-key': randomUUID() },
  });
  expect(r.status, r.text).toBe(201);
  return r.json.id as string;
};

// ---------- paths ----------

/** Percent-encodes every byte that is not unreserved (a lone surrogate becomes U+FFFD, as in UTF-8). */
export const encodeSegment = (s: string): string =>
  [...Buffer.from(s, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9\-._~]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');

/** The route's path with its parameters filled in (encoded). */
export const pathOf = (route: Pick<RouteEntry, 'path'>, params: Record<string, string> = {}): string =>
  route.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeSegment(params[name] ?? ''));

/** The names of a route's path parameters. */
export const paramNames = (route: Pick<RouteEntry, 'path'>): string[] =>
  [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);

// ---------- what every answer must satisfy ----------

export const PROBLEM_TYPE = /^application\/problem\+json/;

/** Asserts an RFC 9457 problem+json answer, with the status and code when given. */
export const expectProblem = (r: Received, status?: number, code?: string): void => {
  const what = `${r.status} ${r.text.slice(0, 500)}`;
  expect(r.headers['content-type'], what).toMatch(PROBLEM_TYPE);
  expect(r.json, what).toMatchObject({
    type: expect.stringMatching(/^https:\/\//),
    title: expect.any(String),
    status: r.status,
    detail: expect.any(String),
    code: expect.stringMatching(/^[a-z]+(_[a-z]+)*$/),
  });
  if (status !== undefined) expect(r.status, what).toBe(status);
  if (code !== undefined) expect(r.json.code, what).toBe(code);
};

/**
 * Text that must never reach a client in an error: stack frames, file paths, SDK and emulator error
 * names, the table's internal keys and attributes. (Success bodies may echo a customer's own text, such
 * as a description, so they are checked by their keys instead: see `extraKeys`.)
 */
export const LEAK_PATTERNS: readonly RegExp[] = [
  /\s+at \S.*:\d+:\d+/, // a stack frame
  /node_modules|\/work\/|file:\/\/|\.ts:\d+/,
  /\b[A-Z][A-Za-z]*(Exception|Error)\b/, // SDK error names: ConditionalCheckFailedException, TypeError...
  /TransactionCanceled|ConditionalCheckFailed|ProvisionedThroughput|\$metadata|__type|\$fault/,
  /amazonaws\.com|com\.amazon|dynamodb|DynamoDB|cognito-local/,
  /"(pk|sk|gsi1pk|gsi1sk|ownerId|version|entity|expiresAt|journal|seq|fingerprint)"\s*:/,
  /\b(USER|ACCOUNT|ACCTNUM|JOURNAL|IDEM|LOGIN|SYSTEM)#/,
];

/** The leak patterns a body matches (none, for a clean body). */
export const leaksIn = (text: string): string[] =>
  LEAK_PATTERNS.filter((p) => p.test(text)).map((p) => `${p} in ${text.slice(0, 300)}`);

interface Def {
  type: string;
  shape?: Record<string, $ZodType>;
  element?: $ZodType;
  innerType?: $ZodType;
}
const defOf = (schema: $ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/**
 * The paths of keys in `value` that its response schema does not declare (zod's objects strip unknown
 * keys when parsing, so a parse alone would not notice an internal attribute riding along).
 */
export const extraKeys = (schema: $ZodType, value: unknown, path = '$'): string[] => {
  const def = defOf(schema);
  if ((def.type === 'optional' || def.type === 'nullable') && def.innerType) {
    return value === null || value === undefined ? [] : extraKeys(def.innerType, value, path);
  }
  if (def.type === 'array' && def.element && Array.isArray(value)) {
    const element = def.element;
    return value.flatMap((v, i) => extraKeys(element, v, `${path}[${i}]`));
  }
  if (def.type === 'object' && def.shape && value !== null && typeof value === 'object') {
    const shape = def.shape;
    return Object.entries(value).flatMap(([k, v]) => {
      const field = Object.hasOwn(shape, k) ? shape[k] : undefined;
      return field ? extraKeys(field, v, `${path}.${k}`) : [`${path}.${k}`];
    });
  }
  return [];
};

/**
 * Headers every API answer a function makes carries (a handler's, or the local stack's own extras:
 * starting up, its rate limit). API Gateway's own answers carry none of them (expectApiHeaders).
 */
export const API_HEADERS = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' } as const;

/** Headers a handler adds to each of its answers. */
export const HANDLER_HEADERS = {
  ...API_HEADERS,
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
} as const;

/**
 * The answer to a request on a route must never be a 5xx: an error is problem+json with nothing
 * internal in it; a success has the route's status, matches its response schema and carries no key
 * the schema does not declare. (The JWT authorizer's 401 is API Gateway's own
 * `{"message":"Unauthorized"}`, as on AWS; these checks are for requests that get past it.)
 */
/** An answer of API Gateway itself (as the local gateway mirrors it): exactly `{"message": string}`. */
export const isGatewayAnswer = (r: Received): boolean =>
  /^application\/json\b/.test(String(r.headers['content-type'] ?? '')) &&
  r.json !== null &&
  typeof r.json === 'object' &&
  Object.keys(r.json).length === 1 &&
  typeof (r.json as { message?: unknown }).message === 'string';

/** An answer no function made: API Gateway's `{"message": ...}`, its 413 (plain text), its preflight. */
export const isGatewayOwn = (r: Received, method?: string): boolean =>
  isGatewayAnswer(r) ||
  (r.status === 413 && /^text\/plain\b/.test(String(r.headers['content-type'] ?? ''))) ||
  (method === 'OPTIONS' && r.status === 204);

/**
 * A function's answer carries API_HEADERS; API Gateway's own carries its request id and none of them
 * (on AWS no function was there to add them; the local gateway answers the same).
 */
export const expectApiHeaders = (r: Received, what: string, method?: string): void => {
  if (isGatewayOwn(r, method)) {
    expect(r.headers['apigw-requestid'], what).toBeTruthy();
    for (const k of Object.keys(API_HEADERS)) expect(r.headers[k], `${k}: ${what}`).toBeUndefined();
    expect(r.headers['x-request-id'], what).toBeUndefined();
  } else for (const [k, v] of Object.entries(API_HEADERS)) expect(r.headers[k], `${k}: ${what}`).toBe(v);
};

export const expectSafeAnswer = (route: RouteEntry, r: Received): void => {
  const what = `${route.method} ${route.path} -> ${r.status} ${r.text.slice(0, 500)}`;
  expect(r.status, what).toBeGreaterThanOrEqual(200);
  expect(r.status, what).toBeLessThan(500);
  expectApiHeaders(r, what, route.method);
  if (r.status >= 400) {
    if (isGatewayAnswer(r)) {
      // API Gateway's own answer (no route, over a limit): {"message": ...}, never the function's.
      expect([401, 403, 404, 413, 431], what).toContain(r.status);
    } else expectProblem(r);
    expect(leaksIn(r.text), what).toEqual([]);
    return;
  }
  // Registration answers 201 instead of 202 where sign-ups are confirmed automatically (local development).
  const expected = route.operationId === 'register' && r.status === 201 ? 201 : route.status;
  expect(r.status, what).toBe(expected);
  if (route.response) {
    expect(route.response.safeParse(r.json).success, what).toBe(true);
    expect(extraKeys(route.response, r.json), what).toEqual([]);
  }
};

const routePatterns = (routes: readonly RouteEntry[]) =>
  routes.map((route) => ({
    route,
    pattern: new RegExp(`^${route.path.replace(/\{\w+\}/g, '[^/]+')}(\\?.*)?$`),
  }));

/** The route a request went to, as the gateway matches it (or undefined). */
export const routeOf = (
  routes: readonly RouteEntry[],
  method: string,
  path: string,
): RouteEntry | undefined =>
  routePatterns(routes).find((p) => p.route.method === method && p.pattern.test(path))?.route;
