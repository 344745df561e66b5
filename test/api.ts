/**
 * Calls Lambda handlers in-process, with events built exactly as the local gateway builds them.
 * For handler integration tests; the end-to-end tests go through the real `npm start` instead.
 */
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { buildEvent } from '../src/api/event.ts';
import type { Result } from '../src/api/http.ts';
import { type OperationId, routeKey, routes } from '../src/api/routes.ts';
import { functions } from '../src/functions.ts';
import { runAs } from '../src/local/iam.ts';

export interface CallInput {
  params?: Record<string, string>;
  body?: unknown;
  /** A raw body, sent as is (for malformed input). */
  raw?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** The caller: becomes verified JWT claims. */
  user?: string;
  /** More claims of `user`'s token, say `{ 'cognito:groups': '[admin]' }` (as the authorizer renders them). */
  claims?: Record<string, string | number>;
  /** The caller's real access token: its claims become the verified claims, and it is sent as Bearer. */
  token?: string;
  /** requestContext.http.sourceIp (127.0.0.1 by default). */
  sourceIp?: string;
  /** With `user`: the Cognito groups of the claims, rendered `[a b]` as the authorizer does. */
  groups?: string[];
}

export interface CallResult {
  status: number;
  headers: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: a JSON body whose shape each test asserts
  body: any;
}

const root = join(import.meta.dirname, '..');

export const call = async (op: OperationId, input: CallInput = {}): Promise<CallResult> => {
  const route = routes[op];
  const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(input.params?.[name] ?? ''),
  );
  const body = input.raw ?? (input.body === undefined ? undefined : JSON.stringify(input.body));
  const headers = {
    ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...(input.token ? { authorization: `Bearer ${input.token}` } : {}),
    ...input.headers,
  };
  const claims = input.token
    ? (decodeJwt(input.token) as Record<string, string | number>)
    : input.user
      ? {
          sub: input.user,
          username: input.user,
          client_id: 'test',
          token_use: 'access',
          ...(input.groups ? { 'cognito:groups': `[${input.groups.join(' ')}]` } : {}),
          ...input.claims,
        }
      : undefined;
  const event = buildEvent({
    method: route.method,
    path,
    routeKey: routeKey(route),
    pathParameters: input.params ?? {},
    rawQueryString: new URLSearchParams(input.query ?? {}).toString(),
    headers,
    ...(body !== undefined ? { body } : {}),
    ...(claims ? { claims } : {}),
    ...(input.sourceIp ? { sourceIp: input.sourceIp } : {}),
  });
  const mod = (await import(join(root, functions[route.fn].entry))) as {
    handler: (e: typeof event) => Promise<Result>;
  };
  // As the function: the offline IAM refuses what its registry entry does not declare (src/local/iam.ts).
  const r = await runAs(route.fn, () => mod.handler(event));
  const text = r.body ?? '';
  const json = /json/.test(r.headers['content-type'] ?? '');
  return {
    status: r.statusCode,
    headers: r.headers,
    body: text ? (json ? JSON.parse(text) : text) : undefined,
  };
};
