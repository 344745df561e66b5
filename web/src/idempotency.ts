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
 *
 * The definite outcome is written down in its place, and stays there until the screen that shows it
 * takes it (`take`): an answer that reaches a page about to reload, or a screen no longer mounted,
 * is still there for the next page or screen to show. The page that received it is not trusted to
 * have shown it.
 */

/** The definite answer to an intent: what it did, or why it was refused (nothing moved). */
export type Outcome<R> = { ok: true; result: R } | { ok: false; refusal: unknown };

/** An intent sent at least once: its outcome is not yet known, or (with `outcome`) not yet shown. */
export interface HeldIntent<P, R = unknown> {
  key: string;
  print: string;
  payload: P;
  /** When it was first sent (epoch ms). */
  since: number;
  /**
   * An attempt of it went unanswered (its outcome unknown): a later refusal that speaks of its own
   * attempt alone (a 429, which a throttle gives before the bank looks at the key) leaves it unknown.
   */
  lost?: true;
  /** Not to be asked again on its own before this (epoch ms): the bank's Retry-After of its last answer. */
  notBefore?: number;
  /** The definite answer, once there is one: the intent is over (the same details again are a new intent). */
  outcome?: Outcome<R>;
}

/**
 * How long after an intent was first sent it may be asked again with its key: under a day. The bank
 * keeps a money movement's answer for good, but its answer to a refusal, a new schedule, a webhook, a
 * payee or an account only for its idempotency TTL, which is at least 24 hours
 * (MIN_IDEMPOTENCY_TTL_SECONDS, src/config.ts; web/src/idempotency.test.ts holds the two together).
 * Past it, the same key could be taken for a new request: a schedule made twice, every run paid twice,
 * or a transfer refused two days ago made now.
 */
export const ASK_AGAIN_WITHIN_MS = 23 * 3600 * 1000;

/** Whether an intent is too old to be asked again with its key (`ASK_AGAIN_WITHIN_MS`). */
export const tooOldToAsk = (held: Pick<HeldIntent<unknown>, 'since'>, now: number): boolean =>
  !(now - held.since < ASK_AGAIN_WITHIN_MS);

/**
 * Thrown by `submit` for the details of an intent too old to be asked again (`tooOldToAsk`): nothing is
 * sent. The customer is to look whether it was done; giving it up (`reset`) lets the same details be
 * sent again as a new intent.
 */
export class IntentTooOld extends Error {
  constructor(readonly since: number) {
    super('This request was sent too long ago to be asked again by its key');
    this.name = 'IntentTooOld';
  }
}

/** An intent whose definite answer has not been taken by a screen yet. */
export type SettledIntent<P, R> = HeldIntent<P, R> & { outcome: Outcome<R> };

/** Where a held intent is written down: it must outlive the page (sessionStorage). */
export interface IntentStore<P, R = unknown> {
  load(): HeldIntent<P, R> | undefined;
  save(held: HeldIntent<P, R> | undefined): void;
}

type KeyValue = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

const browserSession = (): KeyValue | undefined => {
  try {
    return globalThis.sessionStorage;
  } catch {
    return undefined;
  }
};

/** Where held intents are written down in sessionStorage: `bank.intent.<name>`. */
const INTENT_PREFIX = 'bank.intent.';

/** An intent store under `bank.intent.<name>` in sessionStorage (this tab's, which a reopened or restored tab gets back); useHeldIntent names it `<customer>.<form>`. */
export const sessionIntentStore = <P, R = unknown>(
  name: string,
  storage: KeyValue | undefined = browserSession(),
) => {
  const item = `${INTENT_PREFIX}${name}`;
  const store: IntentStore<P, R> = {
    load() {
      try {
        const raw = storage?.getItem(item);
        const h = raw ? (JSON.parse(raw) as HeldIntent<P, R>) : undefined;
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

/**
 * When a session ends, whatever the reason: forgets every definite outcome written down in this tab
 * (every customer's) that no form has shown yet, so that an answer (a webhook's signing secret among
 * them) does not outlive the session in sessionStorage. Intents whose outcome is still unknown are
 * kept: they hold only what was sent, and are what lets the customer check, once back, whether it went
 * through. With `except` (a customer, on signing in), that customer's own outcomes are kept: it drops
 * an answer that reached the tab after its customer's session had ended.
 */
export const dropSettledIntents = (
  storage: (KeyValue & Pick<Storage, 'length' | 'key'>) | undefined = browserSession() as Storage | undefined,
  except?: string,
): void => {
  try {
    if (!storage) return;
    const names: string[] = [];
    for (let i = 0; i < storage.length; i++) {
      const name = storage.key(i);
      if (name?.startsWith(INTENT_PREFIX)) names.push(name.slice(INTENT_PREFIX.length));
    }
    for (const name of names) {
      if (except !== undefined && name.startsWith(`${except}.`)) continue;
      const store = sessionIntentStore(name, storage);
      const held = store.load();
      // Still unknown: kept. Settled, or unreadable (nothing a form could resume): dropped.
      if (held && held.outcome === undefined) continue;
      store.save(undefined);
    }
  } catch {
    // Storage disabled: nothing was written down.
  }
};

export interface Intent<P, R> {
  /** Sends `payload` with this intent's key, or joins the submission already in flight. */
  submit(payload: P, send: (key: string) => Promise<R>): Promise<R>;
  /** The key the next submission of `payload` would use, if one is held. */
  readonly key: string | undefined;
  /** The intent sent whose outcome is not known yet (after a reload too, with a store). */
  readonly held: HeldIntent<P, R> | undefined;
  /** The last intent's definite outcome, until a screen takes it (after a reload too, with a store). */
  readonly settled: SettledIntent<P, R> | undefined;
  readonly inFlight: boolean;
  /** Forgets the outcome of the intent with `key` (this one's by default): a screen has shown it. */
  take(key?: string): void;
  reset(): void;
}

export interface IntentOptions<P = unknown> {
  newKey?: () => string;
  /**
   * Whether a failure leaves the outcome unknown, so a retry must reuse the key. `lost`: an earlier
   * attempt of the same intent went unanswered.
   */
  isRetryable?: (error: unknown, lost: boolean) => boolean;
  /** The wait (seconds) an answer asks for before the next attempt (Retry-After), if any. */
  waitOf?: (error: unknown) => number | undefined;
  /** How a refusal is written down with the outcome (the store keeps JSON). */
  recordRefusal?: (error: unknown) => unknown;
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
  const recordRefusal = options.recordRefusal ?? ((e: unknown) => e);
  const now = options.now ?? (() => Date.now());
  const store = options.store as IntentStore<P, R> | undefined;
  const stored = store?.load();
  let held: HeldIntent<P, R> | undefined = stored && !stored.outcome ? stored : undefined;
  let settled = stored?.outcome ? (stored as SettledIntent<P, R>) : undefined;
  let pending: Promise<R> | undefined;
  /** The answer is definite: the key is done with, and the outcome is written down in its place. */
  const settle = (attempt: HeldIntent<P, R>, outcome: Outcome<R>) => {
    if (held !== attempt) return;
    held = undefined;
    settled = { ...attempt, outcome };
    store?.save(settled);
  };

  return {
    get key() {
      return held?.key;
    },
    get held() {
      return held;
    },
    get settled() {
      return settled;
    },
    get inFlight() {
      return pending !== undefined;
    },
    take(key = settled?.key) {
      if (key === undefined) return;
      if (settled?.key === key) settled = undefined;
      // Whoever wrote it down (another screen, an earlier page): only that outcome, never a newer intent.
      const written = store?.load();
      if (written?.outcome && written.key === key) store?.save(undefined);
    },
    reset() {
      held = undefined;
      settled = undefined;
      // A request still in flight belongs to the intent given up: the next submission is a new intent
      // with its own key, never joined to that request (whose answer no longer settles anything here).
      pending = undefined;
      store?.save(undefined);
    },
    submit(payload, send) {
      if (pending) return pending;
      const print = fingerprint(payload);
      if (held?.print === print && tooOldToAsk(held, now()))
        return Promise.reject(new IntentTooOld(held.since));
      if (held?.print !== print) {
        held = { key: newKey(), print, payload, since: now() };
        settled = undefined;
        // Written down before the request leaves: a reload mid-flight still knows the key.
        store?.save(held);
      }
      const attempt = held;
      const run = async (): Promise<R> => {
        try {
          const result = await send(attempt.key);
          settle(attempt, { ok: true, result });
          return result;
        } catch (e) {
          if (!isRetryable(e, attempt.lost === true))
            settle(attempt, { ok: false, refusal: recordRefusal(e) });
          else if (held === attempt) {
            attempt.lost = true;
            const wait = options.waitOf?.(e);
            if (wait) attempt.notBefore = now() + wait * 1000;
            else delete attempt.notBefore;
            store?.save(attempt);
          }
          throw e;
        }
      };
      const running = run();
      pending = running;
      // Over: no longer joined. Only its own, though: after a reset a newer submission may be in flight.
      const over = () => {
        if (pending === running) pending = undefined;
      };
      running.then(over, over);
      return running;
    },
  };
};
