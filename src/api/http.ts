/**
 * The one HTTP layer every Lambda handler goes through (API Gateway HTTP API, payload format 2.0):
 * route lookup, size and content-type limits, strict JSON, zod validation of body, path, query and
 * headers, problem+json errors, security headers and structured logs. Handlers stay thin.
 */
import { createHash } from 'node:crypto';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import type { ZodMiniType } from 'zod/mini';
import type { $ZodError, output } from 'zod/v4/core';
import { config } from '../config.ts';
import { BankError, type FieldError } from '../domain/errors.ts';
import { clip } from '../domain/text.ts';
import type { HttpFunctionName } from '../functions.ts';
import { afterGuard } from '../store/guard-gate.ts';
import { withDeadline } from '../store/retry.ts';
import { type EdgeCheck, edgeCheck } from './edge.ts';
import { securityHeaders } from './headers.ts';
import { JsonError, parseStrictJson } from './json.ts';
import { HTTP_API_TIMEOUT_MS, PROBLEM_MAX_ERRORS, PROBLEM_MAX_MESSAGE, PROBLEM_MAX_PATH } from './limits.ts';
import { logger } from './logger.ts';
import { PROBLEM_CONTENT_TYPE, problemOf } from './problem.ts';
import { withRequestContext } from './request-context.ts';
import { needsToken, type RouteDef, type RouteEntry, routeKey } from './route-def.ts';
import type { OperationId } from './routes.ts';
import { IdempotencyKey } from './schemas/primitives.ts';

export const MAX_BODY_BYTES = 64 * 1024;

/** The authenticated caller, from the claims the JWT authorizer verified. */
export interface Caller {
  sub: string;
  username: string;
  clientId: string;
  /** When the access token was issued (epoch seconds; 0 if unknown). */
  issuedAt: number;
  /** The Cognito groups of the token (`cognito:groups`), say `['admin']`; empty for none. */
  groups: string[];
}

type Out<S> = S extends ZodMiniType ? output<S> : undefined;

export interface Request<R extends RouteDef = RouteDef> {
  body: Out<R['body']>;
  params: Out<R['params']>;
  query: Out<R['query']>;
  caller: R['role'] extends 'public' ? undefined : Caller;
  /** The caller's access token itself, for Cognito calls made on their behalf (ChangePassword, TOTP). */
  accessToken: R['role'] extends 'public' ? undefined : string;
  idempotencyKey: R['idempotent'] extends true
    ? string
    : R['optionalKey'] extends true
      ? string | undefined
      : undefined;
  /**
   * A hash of the operation and its validated input, keys sorted: the same request gets the same
   * fingerprint, whatever the order of its keys. It may carry, space separated, an older form that
   * records written before hold (fingerprintOf; src/store/idempotency.ts `fingerprintForms`).
   */
  fingerprint: string;
  requestId: string;
  sourceIp: string;
  route: RouteEntry;
}

export interface Reply {
  status?: number;
  body?: unknown;
  /** A non-JSON body (say, CSV), sent as is; `headers` must give its content-type. */
  text?: string;
  headers?: Record<string, string>;
}

export type Operation<R extends RouteDef> = (req: Request<R>) => Promise<Reply>;
/** One function's routes (src/api/routes/<function>.ts), by operation id. */
export type RouteTable<F extends HttpFunctionName = HttpFunctionName> = Record<string, RouteDef & { fn: F }>;
/** Every route of a table, implemented. */
export type Operations<T extends RouteTable> = { [K in keyof T]: Operation<T[K]> };

/** What the guard of token routes is given. */
export interface GuardInput {
  route: RouteEntry;
  caller: Caller;
  accessToken: string | undefined;
  requestId: string;
  sourceIp: string;
}

/**
 * The guard of token routes: resolves to let the request through, throws a BankError to refuse it.
 * The handlers supply it (src/handlers/gate.ts: the admin rules and the disabled-login check); the
 * HTTP layer only decides when it runs.
 */
export type Guard = (g: GuardInput) => Promise<void>;
export type Result = APIGatewayProxyStructuredResultV2 & {
  statusCode: number;
  headers: Record<string, string>;
};

export const jsonResult = (
  status: number,
  body: unknown,
  requestId: string,
  headers: Record<string, string> = {},
): Result => ({
  statusCode: status,
  headers: {
    ...securityHeaders(requestId),
    ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
    ...headers,
  },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

/**
 * A problem that src/api throws with response headers of its own (a replayed decline's
 * Idempotent-Replayed), so that it takes the one error path. The domain's errors carry no headers:
 * their Retry-After is `retryAfter`, rendered here.
 */
export class ProblemWithHeaders extends BankError {
  constructor(
    e: BankError,
    readonly headers: Record<string, string>,
  ) {
    super(e.code, e.detail, {
      ...(e.errors ? { errors: e.errors } : {}),
      ...(e.refusals ? { refusals: e.refusals } : {}),
      ...(e.retryAfter === undefined ? {} : { retryAfter: e.retryAfter }),
    });
  }
}

export const errorResult = (
  e: BankError,
  requestId: string,
  headers: Record<string, string> = {},
): Result => ({
  statusCode: e.status,
  headers: {
    ...securityHeaders(requestId),
    'content-type': PROBLEM_CONTENT_TYPE,
    ...(e.retryAfter === undefined ? {} : { 'retry-after': String(e.retryAfter) }),
    ...(e instanceof ProblemWithHeaders ? e.headers : {}),
    ...headers,
  },
  body: JSON.stringify(problemOf(e)),
});

/**
 * The issues of a refused request, one per field: an object's unknown keys each in its own path ("is
 * not a field of this request"), since zod's message for them repeats every key sent in full (a
 * review found a 5,000-character key answered in a 5 KB message, past the Problem schema's bound).
 */
const fieldIssuesOf = (where: string, error: $ZodError): FieldError[] =>
  error.issues.flatMap((i) => {
    const at = [where, ...i.path.map(String)];
    return i.code === 'unrecognized_keys'
      ? i.keys.map((k) => ({ path: [...at, k].join('.'), message: 'Not a field of this request' }))
      : [{ path: at.join('.'), message: i.message }];
  });

/** The first issues as the Problem schema bounds them: their count, each path (a record's key as sent) and message. */
const issuesOf = (issues: readonly FieldError[]): FieldError[] =>
  issues.slice(0, PROBLEM_MAX_ERRORS).map((i) => ({
    path: clip(i.path, PROBLEM_MAX_PATH),
    message: clip(i.message, PROBLEM_MAX_MESSAGE),
  }));

const validate = <S extends ZodMiniType | undefined>(schema: S, value: unknown, where: string): Out<S> => {
  if (!schema) return undefined as Out<S>;
  const r = schema.safeParse(value);
  if (r.success) return r.data as Out<S>;
  if (where === 'params') throw new BankError('not_found', 'No such resource');
  const issues = fieldIssuesOf(where, r.error);
  const n = issues.length;
  throw new BankError(
    'validation_failed',
    `The request is not valid${n > PROBLEM_MAX_ERRORS ? `: the first ${PROBLEM_MAX_ERRORS} of ${n} errors` : ''}`,
    { errors: issuesOf(issues) },
  );
};

const header = (event: APIGatewayProxyEventV2, name: string): string | undefined => {
  for (const [k, v] of Object.entries(event.headers ?? {})) if (k.toLowerCase() === name) return v;
  return undefined;
};

/** Refuses invalid UTF-8 (a base64 body can carry any bytes). Text bodies arrive as well-formed UTF-16. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

const readBody = (event: APIGatewayProxyEventV2, route: RouteEntry): unknown => {
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > MAX_BODY_BYTES)
    throw new BankError('payload_too_large', 'The body is larger than 64 KB');
  if (!route.body) return undefined;
  const type = header(event, 'content-type');
  if (bytes.length > 0 || type !== undefined) {
    const media = type?.split(';')[0]?.trim().toLowerCase();
    if (media !== 'application/json') {
      throw new BankError('unsupported_media_type', 'Send the body as application/json');
    }
  }
  if (bytes.length === 0) return undefined;
  return parseStrictJson(utf8.decode(bytes));
};

/**
 * The HTTP API JWT authorizer renders an array claim as one string, `[a b]` (the local gateway does
 * the same); a Lambda invoked otherwise may carry a real array.
 */
/**
 * The caller's Cognito groups. API Gateway's JWT authorizer renders an array claim as `[a b]`, space
 * separated; a group name holds no whitespace but may hold a comma, so commas do not split (a group
 * named `ops,admin` is not `admin`).
 */
const groupsOf = (claim: unknown): string[] => {
  if (Array.isArray(claim)) return claim.map(String);
  if (typeof claim !== 'string') return [];
  return claim
    .replace(/^\[|\]$/g, '')
    .split(/\s+/)
    .filter(Boolean);
};

const callerOf = (event: APIGatewayProxyEventV2): Caller | undefined => {
  const claims = (event as APIGatewayProxyEventV2WithJWTAuthorizer).requestContext?.authorizer?.jwt?.claims;
  const sub = claims?.sub;
  if (typeof sub !== 'string' || sub === '') return undefined;
  return {
    sub,
    username: String(claims?.username ?? ''),
    clientId: String(claims?.client_id ?? ''),
    issuedAt: Number(claims?.iat ?? 0) || 0,
    groups: groupsOf(claims?.['cognito:groups']),
  };
};

/**
 * The value with every object's keys sorted, at every level; arrays keep their order. (Integer-like
 * keys, which JavaScript puts first in numeric order, stay there: the order still depends on the keys
 * alone.)
 */
const sortedKeys = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, sortedKeys(o[k])]),
  );
};

const sha256 = (v: unknown): string => createHash('sha256').update(JSON.stringify(v)).digest('base64url');

/**
 * When the handler must have answered: the invocation's deadline, or API Gateway's (its integration
 * timeout from the request's arrival, `requestContext.timeEpoch`), whichever comes first.
 */
export const deadlineOf = (
  event: Pick<APIGatewayProxyEventV2, 'requestContext'>,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
  now = Date.now(),
): number => {
  const lambda = now + context.getRemainingTimeInMillis();
  const arrived = event.requestContext?.timeEpoch;
  return typeof arrived === 'number' ? Math.min(lambda, arrived + HTTP_API_TIMEOUT_MS) : lambda;
};

/**
 * The request's fingerprint: a hash of the operation, the path parameters and the validated body as
 * canonical JSON (keys sorted at every level), so that a retry with its metadata's keys in another
 * order is the same request (a review found it was 422 `idempotency_key_reused`: `z.record` keeps the
 * keys in the order received). When it differs, the form used before follows, after a space: the same
 * JSON unsorted, which the records written before hold. src/store/idempotency.ts stores the first form
 * only and accepts a record that holds either (`fingerprintForms`).
 */
const fingerprintOf = (route: RouteEntry, params: unknown, body: unknown): string => {
  const input = [route.operationId, params ?? null, body ?? null];
  const canonical = sha256(sortedKeys(input));
  const before = sha256(input);
  return canonical === before ? canonical : `${canonical} ${before}`;
};

/**
 * Reads and validates the request. A staff route's guard has passed when it returns; a customer
 * route's is returned running (`guarded`), for the caller to run the handler beside it (`serveGuarded`).
 */
const buildRequest = async (
  event: APIGatewayProxyEventV2,
  route: RouteEntry,
  guard: Guard | undefined,
  sourceIp: string,
): Promise<{ request: Request; guarded?: Promise<void> }> => {
  const caller = callerOf(event);
  if (needsToken(route) && !caller) throw new BankError('unauthorized', 'A valid access token is required');
  const accessToken = needsToken(route)
    ? header(event, 'authorization')?.replace(/^Bearer\s+/i, '')
    : undefined;
  const requestId = event.requestContext.requestId;
  const guarded = { route, caller, accessToken, requestId, sourceIp } as GuardInput;
  // createHandler refuses a table with token routes and no guard: this never passes unguarded.
  if (needsToken(route) && !guard) throw new Error(`${route.operationId}: no guard`);
  // A staff route is guarded before any input is read: a customer learns nothing of what it takes.
  if (route.role === 'admin' && caller) await guard?.(guarded);
  let rawBody: unknown;
  try {
    rawBody = readBody(event, route);
  } catch (e) {
    if (e instanceof JsonError || e instanceof TypeError) throw new BankError('malformed_json', e.message);
    throw e;
  }
  const params = validate(route.params, event.pathParameters ?? {}, 'params');
  const body = validate(route.body, rawBody, 'body');
  const query = validate(route.query, event.queryStringParameters ?? {}, 'query');
  let idempotencyKey: string | undefined;
  if (route.idempotent || route.optionalKey) {
    const key = header(event, 'idempotency-key');
    if (key !== undefined && key !== '') {
      idempotencyKey = validate(IdempotencyKey, key, 'headers.idempotency-key');
    } else if (route.idempotent) {
      throw new BankError(
        'idempotency_key_required',
        'Send an Idempotency-Key header with every money movement',
      );
    }
    // An optional key left out (or sent empty, as the missing required one is read) is none.
  }
  // A customer route's guard (is the login disabled?) reads the table: only for a well-formed request,
  // so that malformed input is answered without a database call (the input's shape is public anyway).
  const running = route.role === 'customer' && caller ? guard?.(guarded) : undefined;
  const request = {
    body,
    params,
    query,
    caller,
    accessToken,
    idempotencyKey,
    fingerprint: fingerprintOf(route, params, body),
    requestId,
    sourceIp,
    route,
  } as Request;
  return running ? { request, guarded: running } : { request };
};

/**
 * Runs a customer route's handler beside its guard rather than after it, so that the guard's read and
 * the handler's own reads share a round trip (a transfer's: the caller's login status, the accounts).
 * Nothing but reads is sent until the guard has passed (src/store/guard-gate.ts holds back every other
 * AWS call of the handler). A refusal is answered as soon as the guard gives it, whatever the handler
 * found or decided, and without waiting for it: how long a refused request takes tells nothing of what
 * the handler read (whether an account number exists, say). The handler's reads then run out unseen,
 * and its writes fail with the refusal.
 */
const serveGuarded = async (guarded: Promise<void>, serve: () => Promise<Reply>): Promise<Reply> => {
  // Begun on the next turn: a handler that threw before its first await still loses to a refusal.
  const reply = afterGuard(guarded, () => Promise.resolve().then(serve));
  reply.catch(() => {});
  await guarded;
  return reply;
};

/** True until this process has served its first request (a Lambda cold start). */
let coldStart = true;

/** Connection failures Node reports by `code`: the request did not get an answer. */
const CONNECTION_FAILURES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);

/**
 * An AWS service that failed on its side (a 5xx: the SDK marks it `$fault: 'server'`), throttled or
 * otherwise said to retry (`$retryable`), timed out, or a connection that broke, once the SDK's own
 * retries are spent. Not a fault of ours: the answer is 503 with Retry-After, and the client sends
 * the request again (a money movement with the same Idempotency-Key, which replays it if it was
 * done). Anything else unexpected stays a 500.
 */
export const isDependencyOutage = (e: unknown): boolean => {
  const err = e as { $fault?: unknown; $retryable?: unknown; name?: unknown; code?: unknown } | undefined;
  return (
    err?.$fault === 'server' ||
    Boolean(err?.$retryable) ||
    err?.name === 'TimeoutError' ||
    CONNECTION_FAILURES.has(String(err?.code ?? ''))
  );
};

const unavailable = () =>
  new BankError('service_unavailable', 'A service the bank depends on did not answer: try again shortly', {
    retryAfter: 1,
  });

/**
 * A Lambda handler for one function: `routes` is its route table (src/api/routes/<function>.ts, only
 * that function's routes), `operations` implements each of them, keyed by operation id. A table with
 * token routes needs `guard` (src/handlers/gate.ts); one without (health) needs none.
 */
export const createHandler = <T extends RouteTable>(
  routes: T,
  operations: Operations<T>,
  options: { guard?: Guard; edge?: EdgeCheck } = {},
) => {
  const entries: RouteEntry[] = Object.entries(routes).map(([operationId, r]) => ({
    operationId: operationId as OperationId,
    ...r,
  }));
  const fn = entries[0]?.fn;
  if (!fn || entries.some((r) => r.fn !== fn))
    throw new Error("createHandler: give it one function's routes");
  const guard = options.guard;
  if (!guard && entries.some(needsToken)) throw new Error(`${fn}: token routes need createHandler's guard`);
  const byKey = new Map(entries.map((r) => [routeKey(r), r]));
  let edge: EdgeCheck | undefined;
  return async (event: APIGatewayProxyEventV2, context?: Context): Promise<Result> => {
    const started = Date.now();
    const requestId = event.requestContext?.requestId ?? context?.awsRequestId ?? 'unknown';
    const route = byKey.get(event.routeKey);
    // Keys go on each line rather than on the shared logger: the local gateway runs many requests in
    // one process at once, and keys appended to one logger would cross between them.
    const keys = {
      requestId,
      route: event.routeKey,
      function: fn,
      ...(context ? { awsRequestId: context.awsRequestId, coldStart: coldStart } : {}),
    };
    coldStart = false;
    let result: Result;
    let errorCode: string | undefined;
    try {
      // Through the API edge, the viewer's address; a request that skipped the edge stops here (403).
      edge ??= options.edge ?? edgeCheck(config().originSecretId);
      // Without an edge, no await: the request goes on in this turn, as it did before the check.
      const checked = edge(event.headers ?? {}, event.requestContext?.http?.sourceIp ?? '');
      const sourceIp = typeof checked === 'string' ? checked : await checked;
      if (!route) throw new BankError('not_found', 'No such route');
      const op = (operations as Record<string, Operation<RouteDef>>)[route.operationId];
      if (!op) throw new BankError('not_found', 'No such route');
      const served = { requestId, sourceIp };
      const serve = () =>
        withRequestContext(served, async () => {
          const { request, guarded } = await buildRequest(event, route, guard, sourceIp);
          return guarded ? serveGuarded(guarded, () => op(request)) : op(request);
        });
      // The stores' retries stop in time for this invocation to answer (src/store/retry.ts), and for
      // API Gateway to pass the answer on: it stops waiting HTTP_API_TIMEOUT_MS after the request
      // arrived, which on a cold start can come before the Lambda's own deadline.
      const reply = context ? await withDeadline(deadlineOf(event, context), serve) : await serve();
      result =
        reply.text === undefined
          ? jsonResult(reply.status ?? route.status, reply.body, requestId, reply.headers)
          : {
              statusCode: reply.status ?? route.status,
              headers: { ...securityHeaders(requestId), ...reply.headers },
              body: reply.text,
            };
      // A replayed decline is a reply, not a throw: its problem body carries the code.
      if (result.statusCode >= 400) errorCode = (reply.body as { code?: string } | undefined)?.code;
    } catch (e) {
      if (e instanceof BankError) {
        result = errorResult(e, requestId);
        errorCode = e.code;
      } else if (isDependencyOutage(e)) {
        const err = e as Error;
        logger.error('dependency unavailable', {
          ...keys,
          error: { name: err?.name, message: err?.message },
        });
        result = errorResult(unavailable(), requestId);
        errorCode = 'service_unavailable';
      } else {
        const err = e as Error;
        logger.error('unhandled error', {
          ...keys,
          error: { name: err?.name, message: err?.message, stack: err?.stack },
        });
        result = errorResult(new BankError('internal_error', 'Something went wrong on our side'), requestId);
        errorCode = 'internal_error';
      }
    }
    logger.info('request', {
      ...keys,
      method: event.requestContext?.http?.method,
      status: result.statusCode,
      errorCode,
      durationMs: Date.now() - started,
    });
    return result;
  };
};
