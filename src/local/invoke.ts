/**
 * Lambda, as the HTTP API integration calls it: the handler module of the route's function (imported
 * in-process through the local runtime, src/local/functions.ts, or injected by a test), an invocation payload of at most 6 MB, and the function's
 * timeout. A payload over the limit is 413 `{"message":"Request Too Long"}`; a handler that throws,
 * returns nothing usable or runs past its timeout is 500 `{"message":"Internal Server Error"}`.
 *
 * As on Lambda, a cold start's module load (its init phase, at most INIT_LIMIT_MS) is not counted
 * against the function's timeout: the invocation's clock, and the deadline its context reports, start
 * once the handler is loaded.
 *
 * API Gateway's own limit is apart from both: an HTTP API stops waiting INTEGRATION_TIMEOUT_MS after
 * the request arrived (the event's `requestContext.timeEpoch`), module load included, and answers 503
 * `{"message":"Service Unavailable"}`; the invocation runs on to its end, its result dropped.
 */

import type { Context } from 'aws-lambda';
import type { buildEvent } from '../api/event.ts';
import { HTTP_API_TIMEOUT_MS } from '../api/limits.ts';
import { gatewayError } from './answers.ts';
import { contextFor, loadHandler } from './functions.ts';
import { buildContext, type HttpResponse, toHttpResponse } from './lambda-event.ts';

export type LambdaHandler = (event: ReturnType<typeof buildEvent>, context: Context) => Promise<unknown>;

/** Lambda's synchronous invocation payload limit (request and response). */
export const MAX_INVOKE_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** Lambda's limit on a function's init phase (loading its module), apart from its timeout. */
export const INIT_LIMIT_MS = 10_000;

/** API Gateway HTTP API's integration timeout (src/api/limits.ts), kept by the local gateway. */
export const INTEGRATION_TIMEOUT_MS = HTTP_API_TIMEOUT_MS;

export interface InvokerOptions {
  handlers?: Partial<Record<string, LambdaHandler>>;
  region?: string;
  /** Overrides every function's timeout (tests). */
  timeoutMs?: number;
  /** Loads a function's handler (tests); the local runtime's loadHandler by default. */
  load?: (fn: string) => Promise<LambdaHandler>;
  /** API Gateway's integration timeout (tests); INTEGRATION_TIMEOUT_MS by default. */
  integrationTimeoutMs?: number;
  /** The clock the request's arrival (`timeEpoch`) was read on (tests); Date.now by default. */
  now?: () => number;
  onError: (message: string, error: unknown) => void;
}

export interface Invocation {
  fn: string;
  /** For error reports, e.g. `GET /v1/me`. */
  label: string;
  event: ReturnType<typeof buildEvent>;
  requestId: string;
}

export class TimeoutError extends Error {}
class IntegrationTimeoutError extends TimeoutError {}

/** `work`, or a TimeoutError (or `Late`) with `message` once `ms` have passed. */
export const within = async <T>(
  work: Promise<T>,
  ms: number,
  message: string,
  Late: new (m: string) => TimeoutError = TimeoutError,
): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Late(message)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
};

export const createInvoker = (getOpts: () => InvokerOptions) => {
  const handlerFor = (fn: string): Promise<LambdaHandler> => {
    const { handlers, load = loadHandler } = getOpts();
    const injected = handlers?.[fn];
    return injected ? Promise.resolve(injected) : (load(fn) as Promise<LambdaHandler>);
  };

  const run = async (
    { fn, label, event, requestId }: Invocation,
    opts: InvokerOptions,
  ): Promise<HttpResponse> => {
    if (Buffer.byteLength(JSON.stringify(event)) > MAX_INVOKE_PAYLOAD_BYTES) {
      return gatewayError('tooLong', requestId);
    }
    const region = opts.region ?? process.env.AWS_REGION ?? 'us-east-1';
    try {
      const handler = await within(handlerFor(fn), INIT_LIMIT_MS, `Init timed out after ${INIT_LIMIT_MS} ms`);
      // The function's own timeout from the registry (src/functions.ts), as Lambda enforces it,
      // counted from here: the load above was the init phase.
      const context = opts.timeoutMs
        ? buildContext({ functionName: fn, region, timeoutMs: opts.timeoutMs })
        : contextFor(fn, region);
      const timeoutMs = context.getRemainingTimeInMillis();
      const result = await within(handler(event, context), timeoutMs, `Task timed out after ${timeoutMs} ms`);
      const out = toHttpResponse(result);
      // Lambda counts the response as the JSON it sends: escapes included.
      if (Buffer.byteLength(JSON.stringify(result)) > MAX_INVOKE_PAYLOAD_BYTES)
        throw new Error('response payload over 6 MB');
      // API Gateway adds its request id, and nothing else: an X-Request-Id is the handler's to set.
      out.headers['apigw-requestid'] = requestId;
      return out;
    } catch (e) {
      // On AWS the invocation fails and the execution environment is stopped; here the handler's
      // promise cannot be stopped and runs on, but its result is dropped.
      opts.onError(`${fn} failed on ${label}`, e);
      return gatewayError('internal', requestId);
    }
  };

  return async (invocation: Invocation): Promise<HttpResponse> => {
    const opts = getOpts();
    const now = opts.now ?? Date.now;
    const limit = opts.integrationTimeoutMs ?? INTEGRATION_TIMEOUT_MS;
    const arrived = invocation.event.requestContext?.timeEpoch ?? now();
    try {
      return await within(
        run(invocation, opts),
        Math.max(0, arrived + limit - now()),
        `Integration timed out ${limit} ms after the request arrived`,
        IntegrationTimeoutError,
      );
    } catch (e) {
      if (!(e instanceof IntegrationTimeoutError)) throw e;
      // API Gateway stops waiting; the invocation runs on (on AWS too), its result dropped.
      opts.onError(`${invocation.fn} did not answer ${invocation.label} in time`, e);
      return gatewayError('unavailable', invocation.requestId);
    }
  };
};
