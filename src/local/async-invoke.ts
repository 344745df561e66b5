/**
 * Lambda's asynchronous Invoke offline. There is no Lambda emulator, so the local stack serves the one
 * call of Lambda's REST API the functions make (a registry function's `invokes`, src/functions.ts):
 * `POST /2015-03-31/functions/{name}/invocations` with `X-Amz-Invocation-Type: Event`, on 127.0.0.1
 * only. The SDK's Lambda client reaches it through AWS_ENDPOINT_URL_LAMBDA, with the same code as on AWS.
 *
 * Like Lambda: the event is queued and answered 202 at once; the function's handler then runs through
 * the local runtime (src/local/functions.ts: as that function, for the offline IAM, with its timeout),
 * and a failed invocation (it threw, or ran past its timeout) is retried the registry's `retryAttempts`
 * times; one still failing, or older than `maxEventAgeSeconds` before a retry, goes to the on-failure
 * destination, here `onFailure` (the log by default). A payload over 256 KB is 413
 * RequestTooLargeException, a function not in the registry 404 ResourceNotFoundException.
 * Differences: Lambda retries after about 1 and then 2 minutes, this after RETRY_DELAYS_MS (1 and 2 s),
 * so a retry is seen while one waits; an invocation that timed out runs on here (its result dropped);
 * nothing is kept across a restart (a queued event or a pending retry is lost with the process, where
 * Lambda's queue keeps it); a synchronous invocation (RequestResponse, DryRun) is refused as not
 * supported offline. Who may invoke what is the offline IAM's check, in the caller (src/local/iam.ts).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FunctionDef, functions, type Trigger } from '../functions.ts';
import { contextFor, type LambdaHandler, loadHandler } from './functions.ts';
import { readBody } from './gateway.ts';
import { functionNameOf, runAs } from './iam.ts';
import { within } from './invoke.ts';

/** Lambda's limit on an asynchronous invocation's payload (256 KB; src/handlers/notify.ts keeps under it). */
export const MAX_ASYNC_PAYLOAD_BYTES = 256 * 1024;

/** The wait before each retry offline (Lambda: about 1, then 2 minutes). */
export const RETRY_DELAYS_MS = [1_000, 2_000] as const;

const INVOCATIONS = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

export interface AsyncInvokeOptions {
  region: string;
  /** The port on 127.0.0.1 (a free one by default). */
  port?: number;
  /** Handlers by function name (tests); others are imported from the registry's entries. */
  handlers?: Record<string, LambdaHandler>;
  /** The wait before retry `n` (1, 2): RETRY_DELAYS_MS by default; tests give 0. */
  retryDelayMs?: (n: number) => number;
  /** The clock events are aged on (tests); Date.now by default. */
  now?: () => number;
  /** Where an event still failing after its retries, or too old, goes (AWS: the on-failure destination). */
  onFailure?: (fn: string, payload: unknown, error: unknown) => void;
  /** After each attempt (tests wait on it): `attempt` 0 is the first invocation, then the retries. */
  onAttempt?: (fn: string, attempt: number, error?: unknown) => void;
}

export interface AsyncInvokeEndpoint {
  /** What AWS_ENDPOINT_URL_LAMBDA is set to. */
  endpoint: string;
  /** Whether no event is queued, running or waiting for a retry. */
  idle(): boolean;
  /** Stops taking events, drops the retries waiting, and waits for the invocations running. */
  stop(): Promise<void>;
}

/** Lambda's error answer: the type in `x-amzn-ErrorType` (the SDK reads it), and a message. */
const answerError = (res: ServerResponse, status: number, type: string, message: string): void => {
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-errortype': type,
    'x-amzn-requestid': randomUUID(),
  });
  res.end(JSON.stringify({ Type: 'User', message }));
};

export const startAsyncInvoke = async (opts: AsyncInvokeOptions): Promise<AsyncInvokeEndpoint> => {
  const now = opts.now ?? Date.now;
  const delay = opts.retryDelayMs ?? ((n: number) => RETRY_DELAYS_MS[n - 1] ?? 0);
  const onFailure =
    opts.onFailure ??
    ((fn: string, payload: unknown, error: unknown) =>
      console.error(
        `[lambda] ${fn}: an asynchronous invocation (${Buffer.byteLength(JSON.stringify(payload))} bytes) sent to the on-failure destination`,
        error,
      ));
  let pending = 0;
  const running = new Set<Promise<void>>();
  /** The retries waiting: stop() ends their waits (they are dropped). */
  const waits = new Set<{ timer: NodeJS.Timeout; done: () => void }>();
  let stopped = false;

  const handlerFor = (fn: string): Promise<LambdaHandler> => {
    const injected = opts.handlers?.[fn];
    return injected ? Promise.resolve(injected) : loadHandler(fn);
  };

  /** False when the stack stopped meanwhile. */
  const wait = (ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      if (stopped) return resolve(false);
      const w = {
        timer: setTimeout(() => w.done(), ms),
        done: () => {
          clearTimeout(w.timer);
          waits.delete(w);
          resolve(!stopped);
        },
      };
      waits.add(w);
    });

  /**
   * The event's invocations: the first, then the retries, until one passes or none is left. Counted in
   * `pending` (from the caller's count) until they end: no longer once an onAttempt or onFailure that
   * ends them has been heard.
   */
  const deliver = async (fn: string, trigger: Extract<Trigger, { type: 'invoke' }>, payload: unknown) => {
    const queuedAt = now();
    let error: unknown;
    let ended = false;
    const end = () => {
      if (!ended) pending--;
      ended = true;
    };
    try {
      for (let attempt = 0; attempt <= trigger.retryAttempts; attempt++) {
        if (attempt > 0) {
          if (!(await wait(delay(attempt)))) return;
          if (now() - queuedAt > trigger.maxEventAgeSeconds * 1000) {
            error = new Error(
              `event older than ${trigger.maxEventAgeSeconds} s: dropped (maximum event age)`,
            );
            break;
          }
        }
        try {
          const handler = await handlerFor(fn);
          const context = contextFor(fn, opts.region);
          const timeoutMs = context.getRemainingTimeInMillis();
          // As that function (the offline IAM checks its calls), injected handlers too.
          await within(
            runAs(fn, () => handler(payload, context)),
            timeoutMs,
            `Task timed out after ${timeoutMs} ms`,
          );
          end();
          opts.onAttempt?.(fn, attempt);
          return;
        } catch (e) {
          error = e;
          if (attempt === trigger.retryAttempts) end();
          opts.onAttempt?.(fn, attempt, e);
        }
      }
      end();
      onFailure(fn, payload, error);
    } finally {
      end();
    }
  };

  const server = createServer(async (req, res) => {
    const match = INVOCATIONS.exec(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (req.method !== 'POST' || !match)
      return answerError(res, 404, 'UnknownOperationException', 'not served offline: only Invoke');
    const fn = functionNameOf(decodeURIComponent(match[1] as string));
    const body = await readBody(req, MAX_ASYNC_PAYLOAD_BYTES).catch(() => undefined);
    const def = (functions as Record<string, FunctionDef>)[fn];
    if (!def) return answerError(res, 404, 'ResourceNotFoundException', `Function not found: ${fn}`);
    const type = req.headers['x-amz-invocation-type'] ?? 'RequestResponse';
    if (type !== 'Event')
      return answerError(
        res,
        400,
        'InvalidParameterValueException',
        `InvocationType ${type} is not supported offline: only Event (asynchronous)`,
      );
    if (body === undefined)
      return answerError(
        res,
        413,
        'RequestTooLargeException',
        `Request must be smaller than ${MAX_ASYNC_PAYLOAD_BYTES} bytes for the InvokeAsync operation`,
      );
    if (def.trigger.type !== 'invoke')
      return answerError(res, 400, 'InvalidParameterValueException', `${fn} is not invoked asynchronously`);
    let payload: unknown;
    try {
      payload = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    } catch {
      return answerError(
        res,
        400,
        'InvalidRequestContentException',
        'Could not parse request body into json',
      );
    }
    if (stopped) return answerError(res, 503, 'ServiceException', 'the local stack is stopping');
    pending++;
    const run = deliver(fn, def.trigger, payload).finally(() => running.delete(run));
    running.add(run);
    res.writeHead(202, { 'x-amzn-requestid': randomUUID(), 'content-length': '0' });
    res.end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    idle: () => pending === 0,
    stop: async () => {
      stopped = true;
      for (const w of [...waits]) w.done();
      server.closeAllConnections();
      await Promise.all([new Promise((r) => server.close(r)), ...running]);
    },
  };
};
