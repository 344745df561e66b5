/**
 * The AWS SDK's own retries, narrowed for calls that must not be sent twice. The SDK retries a
 * throttle, a 5xx, a broken connection and a timeout alike; after a timeout (or a 5xx, or a connection
 * broken after the request went out) the service may have done the call whose answer was lost, and
 * sending it again either does it twice (an email) or gets an answer about the first one's effect
 * instead of its own (a spent code, a password that is no longer the current one), which the caller
 * would take for a refusal. Apart from src/store/retry.ts (the stores' own loop) so that a bundle
 * that only sets a deadline does not load the SDK's strategy.
 */
import { StandardRetryStrategy } from '@smithy/core/retry';

export type SdkRetryErrorInfo = Parameters<StandardRetryStrategy['refreshRetryTokenForRetry']>[1];

/**
 * The SDK's standard strategy (its backoff and its retry quota, `maxAttempts` in all), retrying only
 * the errors `allowed` passes: any other failed attempt is the call's answer, thrown to the caller.
 */
export class SdkRetriesOnly extends StandardRetryStrategy {
  constructor(
    maxAttempts: number,
    private readonly allowed: (info: SdkRetryErrorInfo) => boolean,
  ) {
    super(maxAttempts);
  }

  override async refreshRetryTokenForRetry(
    token: Parameters<StandardRetryStrategy['refreshRetryTokenForRetry']>[0],
    errorInfo: SdkRetryErrorInfo,
  ) {
    if (!this.allowed(errorInfo)) throw errorInfo.error;
    return super.refreshRetryTokenForRetry(token, errorInfo);
  }
}

/** A throttled attempt: the service refused it before doing anything, so sending it again is safe. */
export const throttledOnly = (info: SdkRetryErrorInfo): boolean => info.errorType === 'THROTTLING';
