/** Bounded retries with full jitter, for the faults DynamoDB asks callers to retry. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Full-jitter backoff: a random delay in [0, min(cap, base * 2^attempt)). */
export const backoff = (attempt: number, baseMs = 10, capMs = 500): Promise<void> =>
  sleep(Math.random() * Math.min(capMs, baseMs * 2 ** attempt));

const RETRYABLE_ERRORS = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TransactionInProgressException',
  'TransactionConflictException',
  'InternalServerError',
]);
const RETRYABLE_REASONS = new Set([
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
]);

/** True for a throttle or a transaction conflict: the same request may succeed if sent again. */
export const isTransient = (e: unknown, reasons: string[] | undefined): boolean =>
  reasons ? reasons.some((r) => RETRYABLE_REASONS.has(r)) : RETRYABLE_ERRORS.has((e as Error)?.name);
