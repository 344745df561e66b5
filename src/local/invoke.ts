/**
 * Lambda, as the HTTP API integration calls it: the handler module of the route's function (imported
 * in-process through the local runtime, src/local/functions.ts, or injected by a test), an invocation payload of at most 6 MB, and the function's
 * timeout. A payload over the limit is 413 `{"message":"Request Too Long"}`; a handler that throws,
 * returns nothing usable or runs past its timeout is 500 `{"message":"Internal Server Error"}`.
 */
import type { Context } from 'aws-lambda';
import type { buildEvent } from '../api/event.ts';
import { gatewayError } from './answers.ts';
import { contextFor, loadHandler } from './functions.ts';
import { buildContext, type HttpResponse, toHttpResponse } from './lambda-event.ts';

export type LambdaHandler = (event: ReturnType<typeof buildEvent>, context: Context) => Promise<unknown>;

/** Lambda's synchronous invocation payload limit (request and response). */
export const MAX_INVOKE_PAYLOAD_BYTES = 6 * 1024 * 1024;

export interface InvokerOptions {
  handlers?: Partial<Record<string, LambdaHandler>>;
  region?: string;
  /** Overrides every function's timeout (tests). */
  timeoutMs?: number;
  onError: (message: string, error: unknown) => void;
}

export interface Invocation {
  fn: string;
  /** For error reports, e.g. `GET /v1/me`. */
  label: string;
  event: ReturnType<typeof buildEvent>;
  requestId: string;
}

class TimeoutError extends Error {}

export const createInvoker = (getOpts: () => InvokerOptions) => {
  const handlerFor = (fn: string): Promise<LambdaHandler> => {
    const injected = getOpts().handlers?.[fn];
    return injected ? Promise.resolve(injected) : (loadHandler(fn) as Promise<LambdaHandler>);
  };

  return async ({ fn, label, event, requestId }: Invocation): Promise<HttpResponse> => {
    const opts = getOpts();
    if (Buffer.byteLength(JSON.stringify(event)) > MAX_INVOKE_PAYLOAD_BYTES) {
      return gatewayError('tooLong', requestId);
    }
    const region = opts.region ?? process.env.AWS_REGION ?? 'us-east-1';
    // The function's own timeout from the registry (src/functions.ts), as Lambda enforces it.
    const context = opts.timeoutMs
      ? buildContext({ functionName: fn, region, timeoutMs: opts.timeoutMs })
      : contextFor(fn, region);
    const timeoutMs = context.getRemainingTimeInMillis();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TimeoutError(`Task timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const handler = await handlerFor(fn);
      const result = await Promise.race([handler(event, context), deadline]);
      const out = toHttpResponse(result);
      // Lambda counts the response as the JSON it sends: escapes included.
      if (Buffer.byteLength(JSON.stringify(result)) > MAX_INVOKE_PAYLOAD_BYTES)
        throw new Error('response payload over 6 MB');
      if (!('x-request-id' in out.headers)) out.headers['x-request-id'] = requestId;
      out.headers['apigw-requestid'] = requestId;
      return out;
    } catch (e) {
      // On AWS the invocation fails and the execution environment is stopped; here the handler's
      // promise cannot be stopped and runs on, but its result is dropped.
      opts.onError(`${fn} failed on ${label}`, e);
      return gatewayError('internal', requestId);
    } finally {
      clearTimeout(timer);
    }
  };
};
