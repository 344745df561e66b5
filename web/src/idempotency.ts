/**
 * One Idempotency-Key per intent. An intent is "move this money with these details": the key is made
 * when the intent is first submitted and reused for every retry of it (a second click, a network
 * retry, a retry after a token refresh), so the server posts it once. A click while a submission is
 * in flight joins that submission instead of sending anything.
 *
 * The key is dropped when the outcome is definite (success, or a refusal such as insufficient funds),
 * and when the details change: that is a new intent.
 */
export interface Intent<P, R> {
  /** Sends `payload` with this intent's key, or joins the submission already in flight. */
  submit(payload: P, send: (key: string) => Promise<R>): Promise<R>;
  /** The key the next submission of `payload` would use, if one is held. */
  readonly key: string | undefined;
  readonly inFlight: boolean;
  reset(): void;
}

export interface IntentOptions {
  newKey?: () => string;
  /** Whether a failure leaves the outcome unknown, so a retry must reuse the key. */
  isRetryable?: (error: unknown) => boolean;
}

/** Same payload, same fingerprint: key order does not matter. */
export const fingerprint = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );

export const createIntent = <P, R>(options: IntentOptions = {}): Intent<P, R> => {
  const newKey = options.newKey ?? (() => crypto.randomUUID());
  const isRetryable = options.isRetryable ?? (() => true);
  let held: { key: string; print: string } | undefined;
  let pending: Promise<R> | undefined;

  return {
    get key() {
      return held?.key;
    },
    get inFlight() {
      return pending !== undefined;
    },
    reset() {
      held = undefined;
    },
    submit(payload, send) {
      if (pending) return pending;
      const print = fingerprint(payload);
      if (held?.print !== print) held = { key: newKey(), print };
      const attempt = held;
      const run = async (): Promise<R> => {
        try {
          const result = await send(attempt.key);
          if (held === attempt) held = undefined;
          return result;
        } catch (e) {
          if (held === attempt && !isRetryable(e)) held = undefined;
          throw e;
        } finally {
          pending = undefined;
        }
      };
      pending = run();
      return pending;
    },
  };
};
