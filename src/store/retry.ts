/**
 * The one retry helper: bounded attempts with full-jitter backoff, aware of the Lambda deadline.
 * Every retry loop of the stores goes through `retry()`.
 *
 * The deadline is the time the invocation must answer by. src/api/http.ts sets it per request from
 * `context.getRemainingTimeInMillis()` (`withDeadline`); it travels through AsyncLocalStorage, so the
 * stores need no extra parameter and concurrent requests in one process (the local gateway) keep
 * their own. A retry that would not finish before the deadline (minus a reserve to answer) is not
 * tried: the caller gets `undefined` back from `retry` and answers 503 with Retry-After.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A random delay in [0, min(cap, base * 2^attempt)): "full jitter". */
export const jitter = (attempt: number, baseMs = 10, capMs = 500): number =>
  Math.random() * Math.min(capMs, baseMs * 2 ** attempt);

/** Full-jitter backoff (for callers outside the stores, such as the bench's raw ceiling). */
export const backoff = (attempt: number, baseMs = 10, capMs = 500): Promise<void> =>
  sleep(jitter(attempt, baseMs, capMs));

const RETRYABLE_ERRORS = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TransactionInProgressException',
  'TransactionConflictException',
  'InternalServerError',
  'TimeoutError',
]);
const RETRYABLE_REASONS = new Set([
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
]);

/** True for a throttle or a transaction conflict: the same request may succeed if sent again. */
export const isTransient = (e: unknown, reasons: string[] | undefined): boolean =>
  reasons ? reasons.some((r) => RETRYABLE_REASONS.has(r)) : RETRYABLE_ERRORS.has((e as Error)?.name);

const deadlines = new AsyncLocalStorage<number>();

/** Runs `fn` with a deadline (epoch ms) that every `retry` inside it respects. */
export const withDeadline = <T>(deadline: number, fn: () => Promise<T>): Promise<T> =>
  deadlines.run(deadline, fn);

/** The current deadline (epoch ms), if one was set. */
export const currentDeadline = (): number | undefined => deadlines.getStore();

/**
 * Whether the current deadline, if any, leaves time for one more unit of work taking `needMs` and the
 * reserve to answer. A loop over many units (accounts, rounds of a settlement) asks before each one,
 * the first against the reserve alone: `retry` watches the deadline between the attempts of one unit,
 * not between units.
 */
export const timeLeftFor = (needMs: number, now = Date.now()): boolean => {
  const deadline = currentDeadline();
  return deadline === undefined || now + needMs + defaultPolicy.reserveMs <= deadline;
};

/** Time kept back, when a call stops waiting on the deadline, for the function to write its answer. */
export const ANSWER_MS = 250;
/**
 * When a call begun earlier stops waiting: this long before the deadline (the retries' reserve), so
 * that what the handler does once it gave up (uncounting a login attempt it reserved, say) still has
 * the time between this and ANSWER_MS to be sent and answered.
 */
export const GIVE_UP_MS = 1000;

/**
 * What a call gets when the invocation's deadline ends its wait: a `TimeoutError`, as the SDK's own
 * request timeout throws, so the API answers 503 with Retry-After (src/api/http.ts, a dependency
 * outage) and `retry` counts it as transient. The request may still be answered and applied after
 * it: a money movement's Idempotency-Key makes the client's retry safe.
 */
const pastDeadline = () =>
  Object.assign(new Error('Out of time: the invocation ends'), { name: 'TimeoutError' });

/**
 * An SDK middleware (initialize step: the whole call, the SDK's own retries included) that bounds
 * each call by the current deadline (`withDeadline`): a call with less than ANSWER_MS left is not
 * sent; one begun before the last GIVE_UP_MS stops waiting GIVE_UP_MS before the deadline, and one
 * begun within them (the handler's clean-up after giving up) ANSWER_MS before it. Without it, a slow
 * dependency runs a request into the function's timeout, which Lambda answers 500 with no body of ours.
 */
export const deadlineMiddleware =
  <I, O>(next: (args: I) => Promise<O>) =>
  (args: I): Promise<O> => {
    const deadline = currentDeadline();
    if (deadline === undefined) return next(args);
    const left = deadline - Date.now();
    if (left <= ANSWER_MS) return Promise.reject(pastDeadline());
    const call = next(args);
    return new Promise<O>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(pastDeadline()),
        left - (left > GIVE_UP_MS ? GIVE_UP_MS : ANSWER_MS),
      );
      // Settles the wait, or (once the wait is over) nobody's: not an unhandled rejection either way.
      call.then(resolve, reject).finally(() => clearTimeout(timer));
    });
  };

/** Installs `deadlineMiddleware` on an SDK client (DynamoDB, Cognito, S3), once; returns the client. */
export const boundByDeadline = <C extends { middlewareStack: { add: (...a: never[]) => unknown } }>(
  client: C,
): C => {
  (client.middlewareStack.add as (m: unknown, o: object) => void)(deadlineMiddleware, {
    step: 'initialize',
    name: 'bankDeadline',
    priority: 'high',
    override: true,
  });
  return client;
};

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseMs: number;
  capMs: number;
  /** Time kept back before the deadline to answer (write the 503) instead of trying again. */
  reserveMs: number;
  /** The clock (tests inject one). */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export const defaultPolicy: RetryPolicy = { maxAttempts: 8, baseMs: 10, capMs: 500, reserveMs: 1000 };

/**
 * For a read that waits on an eventually consistent index to catch up (history, statements): 4
 * attempts, up to about 0.7 s in all, where AWS's index lag is typically well under a second.
 */
export const indexLagPolicy: Pick<RetryPolicy, 'maxAttempts' | 'baseMs' | 'capMs'> = {
  maxAttempts: 4,
  baseMs: 100,
  capMs: 400,
};

/** What one attempt decided: done with a value, or try again. */
export type Attempt<T> = { done: true; value: T } | { done: false };
export const done = <T>(value: T): Attempt<T> => ({ done: true, value });
export const again: Attempt<never> = { done: false };

/**
 * Calls `attempt(n)` until it is done, at most `maxAttempts` times, sleeping a full-jitter delay
 * between attempts. Gives up early, before sleeping, when the deadline would not leave time for the
 * delay, one more attempt as long as the slowest so far, and the reserve. Returns `undefined` when it
 * gave up: the caller decides what that means (usually 503 service_unavailable with Retry-After).
 */
export const retry = async <T>(
  attempt: (n: number) => Promise<Attempt<T>>,
  policy: Partial<RetryPolicy> = {},
): Promise<T | undefined> => {
  const p = { ...defaultPolicy, ...policy };
  const now = p.now ?? Date.now;
  const pause = p.sleep ?? sleep;
  const deadline = currentDeadline();
  let slowest = 0;
  for (let n = 0; n < p.maxAttempts; n++) {
    const started = now();
    const r = await attempt(n);
    if (r.done) return r.value;
    slowest = Math.max(slowest, now() - started);
    if (n + 1 >= p.maxAttempts) break;
    const delay = jitter(n, p.baseMs, p.capMs);
    if (deadline !== undefined && now() + delay + slowest + p.reserveMs > deadline) break;
    await pause(delay);
  }
  return undefined;
};
