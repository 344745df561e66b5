/**
 * What the local gateway answers on its own. API Gateway's own answers are `{"message": "..."}` bodies
 * with its headers alone (`gatewayAnswer`, `emptyAnswer`: no function was there to add the handlers'
 * security headers or X-Request-Id). The problem+json ones are the local stack's extras (starting up,
 * the per-user rate limit) and the static content's misses, built by the same functions the handlers
 * use (src/api/http.ts) so their headers and bodies cannot drift.
 */
import { errorResult, jsonResult } from '../api/http.ts';
import { BankError, type ErrorCode } from '../domain/errors.ts';
import { type HttpResponse, toHttpResponse } from './lambda-event.ts';

const withGatewayId = (r: HttpResponse, requestId: string): HttpResponse => {
  r.headers['apigw-requestid'] = requestId;
  return r;
};

/**
 * API Gateway's own answer: `{"message": ...}` as application/json, with API Gateway's headers alone
 * (its request id, and `headers`, e.g. WWW-Authenticate): none of the security headers or the
 * X-Request-Id that the handlers add (src/api/http.ts), which no function was there to add.
 */
export const gatewayAnswer = (
  status: number,
  message: string,
  requestId: string,
  headers: Record<string, string> = {},
): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/json', ...headers, 'apigw-requestid': requestId },
  body: Buffer.from(JSON.stringify({ message })),
});

/** An answer without a body (CORS preflights), API Gateway's own: its request id alone. */
export const emptyAnswer = (status: number, requestId: string): HttpResponse => ({
  status,
  headers: { 'apigw-requestid': requestId },
  body: Buffer.alloc(0),
});

/** The messages API Gateway HTTP APIs answer with. */
export const gatewayMessages = {
  unauthorized: [401, 'Unauthorized'],
  forbidden: [403, 'Forbidden'],
  notFound: [404, 'Not Found'],
  tooLong: [413, 'Request Too Long'],
  headersTooLarge: [431, 'Request Header Fields Too Large'],
  internal: [500, 'Internal Server Error'],
  /** The integration did not answer within API Gateway's integration timeout. */
  unavailable: [503, 'Service Unavailable'],
} as const satisfies Record<string, readonly [number, string]>;

export const gatewayError = (
  which: keyof typeof gatewayMessages,
  requestId: string,
  headers: Record<string, string> = {},
): HttpResponse => {
  const [status, message] = gatewayMessages[which];
  return gatewayAnswer(status, message, requestId, headers);
};

/** A problem+json answer of the local stack itself. */
export const problemAnswer = (
  code: ErrorCode,
  requestId: string,
  detail?: string,
  headers: Record<string, string> = {},
): HttpResponse =>
  withGatewayId(toHttpResponse(errorResult(new BankError(code, detail), requestId, headers)), requestId);

/** A JSON document the gateway serves itself (the OpenAPI document, the client config). */
export const jsonAnswer = (body: unknown, requestId: string): HttpResponse =>
  withGatewayId(toHttpResponse(jsonResult(200, body, requestId)), requestId);
