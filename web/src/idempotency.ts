/**
 * One Idempotency-Key per intent. An intent is "move this money with these details": the key is made
 * when the intent is first submitted and reused for every retry of it (a second click, a network
 * retry, a retry after a token refresh), so the server posts it once. A click while a submission is
 * in flight joins that submission instead of sending anything.
 *
 * The key is dropped when the outcome is definite (success, or a refusal such as insufficient funds),
 * and when the details change: that is a new intent.
 *
 * With a `store` (sessionStorage in the app), the key and the details are written down before the
 * request leaves, and kept until the outcome is definite: a reload, or going away and coming back,
 * finds the intent still held and resumes it with the same key, so a lost answer never pays twice.
 */
/** An intent sent at least once whose outcome is not yet known. */
export interface HeldIntent<P> {
  key: string;
  print: string;
  payload: P;
  /** When it was first sent (epoch ms). */
  since: number;
}

/** Where a held intent is written down: it must outlive the page (sessionStorage). */
export interface IntentStore<P> {
  load(): HeldIntent<P> | undefined;
  save(held: HeldIntent<P> | undefined): void;
}

type KeyValue = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

const browserSession = (): KeyValue | undefined => {
  try {
    return globalThis.sessionStorage;
  } catch {
    return undefined;
  }
};

/** An intent store under `bank.intent.<name>` in sessionStorage (this tab, until it closes). */
export const sessionIntentStore = <P>(name: string, storage: KeyValue | undefined = browserSession()) => {
  const item = `bank.intent.${name}`;
  const store: IntentStore<P> = {
    load() {
      try {
        const raw = storage?.getItem(item);
        const h = raw ? (JSON.parse(raw) as HeldIntent<P>) : undefined;
        return h && typeof h.key === 'string' && typeof h.print === 'string' ? h : undefined;
      } catch {
        return undefined;
      }
    },
    save(held) {
      try {
        if (held) storage?.setItem(item, JSON.stringify(held));
        else storage?.removeItem(item);
      } catch {
        // Storage full or disabled: the intent is still held in memory for this page.
      }
    },
  };
  return store;
};

export interface Intent<P, R> {
  /** Sends `payload` with this intent's key, or joins the submission already in flight. */
  submit(payload: P, send: (key: string) => Promise<R>): Promise<R>;
  /** The key the next submission of `payload` would use, if one is held. */
  readonly key: string | undefined;
  /** The intent sent whose outcome is not known yet (after a reload too, with a store). */
  readonly held: HeldIntent<P> | undefined;
  readonly inFlight: boolean;
  reset(): void;
}

export interface IntentOptions<P = unknown> {
  newKey?: () => string;
  /** Whether a failure leaves the outcome unknown, so a retry must reuse the key. */
  isRetryable?: (error: unknown) => boolean;
  store?: IntentStore<P>;
  now?: () => number;
}

/** Same payload, same fingerprint: key order does not matter. */
export const fingerprint = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );

export const createIntent = <P, R>(options: IntentOptions<P> = {}): Intent<P, R> => {
  const newKey = options.newKey ?? (() => crypto.randomUUID());
  const isRetryable = options.isRetryable ?? (() => true);
  const now = options.now ?? (() => Date.now());
  const store = options.store;
  let held: HeldIntent<P> | undefined = store?.load();
  let pending: Promise<R> | undefined;
  const drop = (attempt: HeldIntent<P>) => {
    if (held !== attempt) return;
    held = undefined;
    store?.save(undefined);
  };

  return {
    get key() {
      return held?.key;
    },
    get held() {
      return held;
    },
    get inFlight() {
      return pending !== undefined;
    },
    reset() {
      held = undefined;
      store?.save(undefined);
    },
    submit(payload, send) {
      if (pending) return pending;
      const print = fingerprint(payload);
      if (held?.print !== print) {
        held = { key: newKey(), print, payload, since: now() };
        // Written down before the request leaves: a reload mid-flight still knows the key.
        store?.save(held);
      }
      const attempt = held;
      const run = async (): Promise<R> => {
        try {
          const result = await send(attempt.key);
          drop(attempt);
          return result;
        } catch (e) {
          if (!isRetryable(e)) drop(attempt);
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
