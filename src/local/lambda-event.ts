/**
 * API Gateway HTTP API <-> Lambda, payload format 2.0, for the local gateway: the request's headers
 * and claims as the event carries them (the event itself is src/api/event.ts), the Lambda context,
 * and the HTTP response a handler's result becomes.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

export const LOCAL_ACCOUNT_ID = '000000000000';

/**
 * The request's headers as sent (buildEvent lower-cases and folds repeated ones), with the Cookie
 * header split into `cookies` as payload format 2.0 does.
 */
export const requestHeaders = (req: IncomingMessage): { headers: [string, string][]; cookies: string[] } => {
  const headers: [string, string][] = [];
  const cookies: string[] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    if (name.toLowerCase() === 'cookie') {
      cookies.push(
        ...value
          .split(';')
          .map((c) => c.trim())
          .filter(Boolean),
      );
    } else headers.push([name, value]);
  }
  return { headers, cookies };
};

/**
 * A header as API Gateway reads it, for its JWT authorizer as for the event: repeated ones joined with
 * commas. Node keeps only the first of a repeated `Authorization` in `req.headers`, so two tokens
 * passed offline where API Gateway's authorizer reads `Bearer a,Bearer b`, which is no token.
 */
export const foldedHeader = (req: IncomingMessage, name: string): string | undefined => {
  const values: string[] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2)
    if ((raw[i] as string).toLowerCase() === name) values.push(raw[i + 1] as string);
  return values.length ? values.join(',') : undefined;
};

/** The size API Gateway counts against its 10,240-byte limit: the request line and the header values. */
export const requestLineAndHeadersBytes = (req: IncomingMessage): number => {
  let size = Buffer.byteLength(`${req.method} ${req.url} HTTP/${req.httpVersion}`);
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    size += Buffer.byteLength(raw[i] as string) + Buffer.byteLength(raw[i + 1] as string);
  }
  return size;
};

/** API Gateway request ids look like `JLMGOjSmIAMEVbg=`; ours are unique and of the same shape. */
export const newRequestId = (): string => randomBytes(12).toString('base64');

/** The claims as the JWT authorizer hands them over: strings, arrays as `[a b]`. */
export const authorizerClaims = (claims: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(claims).map(([k, v]) => [
      k,
      typeof v === 'string' ? v : Array.isArray(v) ? `[${v.join(' ')}]` : JSON.stringify(v),
    ]),
  );

export interface ContextInput {
  functionName: string;
  region: string;
  timeoutMs: number;
  memoryMb?: number;
}

const noop = (): void => {};

export const buildContext = (input: ContextInput): Context => {
  const deadline = Date.now() + input.timeoutMs;
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: input.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${input.region}:${LOCAL_ACCOUNT_ID}:function:${input.functionName}`,
    memoryLimitInMB: String(input.memoryMb ?? 512),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${input.functionName}`,
    logStreamName: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: noop,
    fail: noop,
    succeed: noop,
  };
};

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/**
 * A handler's result as HTTP API sends it: a structured result as given (cookies as Set-Cookie),
 * anything else as a 200 JSON body. Payload format 2.0 has no `multiValueHeaders`: API Gateway ignores
 * them in a result, and so does this (a header with several values is one comma-joined `headers` value).
 */
export const toHttpResponse = (result: unknown): HttpResponse => {
  if (result === null || typeof result !== 'object' || !('statusCode' in result)) {
    const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(body) };
  }
  const r = result as APIGatewayProxyStructuredResultV2;
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = String(v);
  if (r.cookies?.length) headers['set-cookie'] = r.cookies;
  const body =
    r.body === undefined ? Buffer.alloc(0) : Buffer.from(r.body, r.isBase64Encoded ? 'base64' : 'utf8');
  return { status: r.statusCode ?? 200, headers, body };
};
