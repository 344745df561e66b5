/**
 * Builds API Gateway HTTP API (payload format 2.0) events. The local gateway uses it for every
 * request it forwards, and handler tests use it to call handlers exactly as the gateway would.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';

export interface EventInput {
  method: string;
  /** The concrete path, e.g. /v1/accounts/123, percent-decoded as API Gateway gives `rawPath`. */
  path: string;
  /** The matched route key, e.g. "GET /v1/accounts/{id}". */
  routeKey: string;
  pathParameters?: Record<string, string>;
  /** Raw query string without "?". */
  rawQueryString?: string;
  /** As sent: names in any case, a name may repeat (as pairs); folded as API Gateway folds them. */
  headers?: Record<string, string> | readonly (readonly [string, string])[];
  cookies?: string[];
  body?: Buffer | string;
  /** Verified JWT claims: present only for routes behind the authorizer. */
  claims?: Record<string, string | number | boolean | string[]>;
  scopes?: string[];
  sourceIp?: string;
  requestId?: string;
  now?: Date;
}

const TEXT_TYPES = /^(application\/(json|problem\+json|x-www-form-urlencoded|xml)|text\/)/i;

/** Query string parameters as HTTP API gives them: repeated names joined with commas. */
export const queryParameters = (raw: string): Record<string, string> | undefined => {
  if (!raw) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(raw)) out[k] = k in out ? `${out[k]},${v}` : v;
  return out;
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');
/** `24/Nov/2026:08:00:00 +0000`: how API Gateway writes `requestContext.time`. */
export const requestTime = (d: Date): string =>
  `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;

export const buildEvent = (input: EventInput): APIGatewayProxyEventV2WithJWTAuthorizer => {
  const now = input.now ?? new Date();
  const headers: Record<string, string> = {};
  const given = input.headers ?? {};
  for (const [k, v] of Array.isArray(given) ? given : Object.entries(given)) {
    const key = k.toLowerCase();
    headers[key] = key in headers ? `${headers[key]},${v}` : v;
  }
  const body =
    input.body === undefined ? undefined : Buffer.isBuffer(input.body) ? input.body : Buffer.from(input.body);
  const isText =
    body !== undefined && (headers['content-type'] === undefined || TEXT_TYPES.test(headers['content-type']));
  const requestId = input.requestId ?? randomUUID();
  const rawQueryString = input.rawQueryString ?? '';
  const queryStringParameters = queryParameters(rawQueryString);
  return {
    version: '2.0',
    routeKey: input.routeKey,
    rawPath: input.path,
    rawQueryString,
    ...(input.cookies?.length ? { cookies: input.cookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    ...(input.pathParameters && Object.keys(input.pathParameters).length
      ? { pathParameters: input.pathParameters }
      : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0] ?? 'localhost',
      http: {
        method: input.method,
        path: input.path,
        protocol: 'HTTP/1.1',
        sourceIp: input.sourceIp ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: input.routeKey,
      stage: '$default',
      time: requestTime(now),
      timeEpoch: now.getTime(),
      // HTTP API adds the authorizer only for routes behind the JWT authorizer.
      ...(input.claims
        ? {
            authorizer: {
              principalId: '',
              integrationLatency: 0,
              jwt: { claims: input.claims, scopes: input.scopes ?? [] },
            },
          }
        : {}),
    },
    ...(body === undefined
      ? { isBase64Encoded: false }
      : isText
        ? { body: body.toString('utf8'), isBase64Encoded: false }
        : { body: body.toString('base64'), isBase64Encoded: true }),
  } as APIGatewayProxyEventV2WithJWTAuthorizer;
};
