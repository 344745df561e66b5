/**
 * Never pay twice, on screen. A money-moving form holds its intent in sessionStorage (see
 * idempotency.ts) until the outcome is definite. When the answer is lost the form says so ("We don't
 * know yet whether this went through"), asks again with the same Idempotency-Key at once, then
 * offers a button; coming back to the form later (or reloading) resumes the same intent, so the
 * server answers what it did the first time.
 *
 * The answer, once definite, is written down in the intent's place and handed to the screen
 * (`onDone`, `onRefused`) only while the screen is mounted: an answer that reaches a page about to
 * reload, or a screen already left, stays written down and the next mount of the form shows it. A
 * success is taken as it is handed over (its screen moves on: a receipt, another page); a refusal
 * stays written down while its form shows it, so a reload shows it again, and is taken when the
 * customer leaves the form within the app, starts a new intent on it, or gives up on it.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { outcomeUnknown } from './api.ts';
import { ApiError, explain } from './errors.ts';
import {
  createIntent,
  fingerprint,
  type HeldIntent,
  type SettledIntent,
  sessionIntentStore,
  tooOldToAsk,
} from './idempotency.ts';
import { homeOf } from './routes.ts';
import { tokenClaims } from './session.ts';
import { FormError, focusOnceShown, useApp } from './ui.tsx';

export const UNKNOWN_TITLE = 'We don\u2019t know yet whether this went through';

/** Said in place of "Check again" for an intent sent too long ago to be asked again by its key. */
export const TOO_OLD_TO_ASK =
  'It was sent more than a day ago, and the bank remembers such a request by its key for a day at least: asking again now could do it twice. Look whether it was done (the account\u2019s activity, your schedules, payees or webhooks) before doing it again.';

/**
 * Said when the bank did it but the screen failed to show it (see `done` in useHeldIntent). Nothing of
 * where to see it: a new schedule or webhook is in no account's activity.
 */
export const DONE_UNSHOWN =
  'Done: the bank did it, but the page could not show the details. Check before doing it again.';

export interface HeldIntentState<P, R> {
  /** Sends `payload`; resolves its result, or undefined when the outcome is unknown; throws a refusal. */
  submit(payload: P): Promise<R | undefined>;
  /** The intent whose outcome is unknown (after a reload too). */
  unknown: HeldIntent<P, R> | undefined;
  /** Asks again with the same key. */
  check(): Promise<void>;
  checking: boolean;
  /** Why the last check did not settle it, in plain words. */
  checkError: string | undefined;
  /** Gives up on the held intent (it may still have gone through). */
  forget(): void;
  /**
   * The held intent was sent too long ago to be asked again by its key (`tooOldToAsk`): it is not
   * checked, and the customer is told to look whether it was done.
   */
  tooOld: boolean;
}

/** A refusal as written down with its intent (sessionStorage keeps JSON, not an ApiError). */
interface RefusalRecord {
  status: number;
  code: string;
  fieldErrors?: ApiError['fieldErrors'];
  /** Retry-After, and when it was said (epoch ms): a refusal shown again says the wait left. */
  retryAfterSeconds?: number;
  at?: number;
}

const recordRefusal = (e: unknown): RefusalRecord | undefined =>
  e instanceof ApiError
    ? {
        status: e.status,
        code: e.code,
        fieldErrors: e.fieldErrors,
        ...(e.retryAfterSeconds === undefined
          ? {}
          : { retryAfterSeconds: e.retryAfterSeconds, at: Date.now() }),
      }
    : undefined;

const refusalOf = (r: unknown): unknown => {
  const rec = r as Partial<RefusalRecord> | undefined;
  if (!rec || typeof rec.status !== 'number' || typeof rec.code !== 'string') return new Error('refused');
  const wait =
    typeof rec.retryAfterSeconds === 'number' && typeof rec.at === 'number'
      ? Math.max(0, rec.retryAfterSeconds - (Date.now() - rec.at) / 1000)
      : undefined;
  return new ApiError(
    rec.status,
    rec.code,
    Array.isArray(rec.fieldErrors) ? rec.fieldErrors : [],
    wait || undefined,
  );
};

/** Whether the bank asked for a wait (Retry-After) before this intent is asked again on its own. */
const waiting = (held: HeldIntent<unknown, unknown>): boolean => (held.notBefore ?? 0) > Date.now();

/** How many mounted forms hold each intent name: a form mounted again at once keeps its refusal. */
const mounted = new Map<string, number>();

/**
 * `name` says which intent (`transfer`, `deposit:<account>`...); `send` moves the money with a key;
 * `onDone` gets the true outcome, however late it arrives (a resumed intent, or one answered while
 * the form was away, included); `onRefused` gets the refusal of an intent asked again, or answered
 * while the form was away: it did not happen, and the form must say so.
 *
 * `onForgotten` gets the intent the customer gave up on (it may still have gone through): the screen
 * starts afresh from it, an empty form, never the details or the review that sent it, where one more
 * click would send them again under a new key.
 */
export const useHeldIntent = <P, R>(
  name: string,
  send: (payload: P, key: string) => Promise<R>,
  onDone: (result: R, payload: P) => void,
  onRefused: (error: unknown, payload: P) => void,
  onForgotten: (held: HeldIntent<P, R>) => void,
): HeldIntentState<P, R> => {
  // Held per customer: another customer who signs in on this tab (a shared computer) neither sees nor
  // resumes this one's intents, which would send them under their own login.
  const { session, navigate } = useApp();
  const sub = tokenClaims(session.accessToken()).sub;
  const owner = typeof sub === 'string' ? sub : 'signed-out';
  const intent = useMemo(
    () =>
      createIntent<P, R>({
        isRetryable: (e, lost) => outcomeUnknown(e, lost),
        waitOf: (e) => (e instanceof ApiError ? e.retryAfterSeconds : undefined),
        recordRefusal,
        store: sessionIntentStore<P>(`${owner}.${name}`),
      }),
    [owner, name],
  );
  const [unknown, setUnknown] = useState<HeldIntent<P, R> | undefined>(intent.held);
  const [checking, setChecking] = useState(false);
  const [checkError, setCheckError] = useState<string | undefined>();
  const latest = useRef({ send, onDone, onRefused, onForgotten });
  latest.current = { send, onDone, onRefused, onForgotten };
  /** Whether this form is on screen: answers are handed over only then. */
  const live = useRef(true);
  /** The key of the refusal this form showed: taken when the form is left. */
  const shown = useRef<string | undefined>(undefined);

  /**
   * A success reaches the screen: taken at once (the screen moves on: a receipt, another page). When
   * the screen's own code fails on it, the form that sent it must not stay filled in, where one more
   * click would send it again under a new key: the app moves to its home page and says it was done.
   */
  const done = (result: R, payload: P, key: string | undefined) => {
    setUnknown(undefined);
    setCheckError(undefined);
    if (key !== undefined) intent.take(key);
    try {
      latest.current.onDone(result, payload);
    } catch (e) {
      navigate(homeOf(globalThis.location?.pathname ?? '/'), { flash: DONE_UNSHOWN });
      // Still the screen's error, reported as uncaught, never turned into the form's message.
      reportError(e);
    }
  };
  /** A refusal reaches the screen: written down while the form shows it, taken once the form is left. */
  const refused = (error: unknown, payload: P, key: string | undefined) => {
    setUnknown(undefined);
    setCheckError(undefined);
    shown.current = key;
    latest.current.onRefused(error, payload);
  };
  /** An outcome written down and not taken yet (an earlier page, a form left before its answer came). */
  const deliver = (s: SettledIntent<P, R>) =>
    s.outcome.ok
      ? done(s.outcome.result, s.payload, s.key)
      : refused(refusalOf(s.outcome.refusal), s.payload, s.key);

  /**
   * One attempt, its success not handed over yet: `{ result }` when done, undefined when the outcome
   * is still unknown. Refusals are thrown.
   */
  const ask = async (payload: P): Promise<{ result: R } | undefined> => {
    // Decided as the intent decides (createIntent's isRetryable): was an attempt of it unanswered before?
    const before = intent.held;
    const lost = before?.lost === true && before.print === fingerprint(payload);
    try {
      return { result: await intent.submit(payload, (key) => latest.current.send(payload, key)) };
    } catch (e) {
      if (!outcomeUnknown(e, lost)) {
        if (live.current) {
          setUnknown(undefined);
          // The screen shows the refusal it is thrown: taken once the form is left.
          shown.current = intent.settled?.key;
        }
        throw e;
      }
      if (live.current) {
        setUnknown(intent.held);
        setCheckError(explain(e).message);
      }
      return undefined;
    }
  };

  /**
   * One attempt; `undefined` when the outcome is still unknown. Refusals are thrown. The success is
   * handed over outside the attempt's catch: an error of the screen's own `onDone` is the screen's,
   * never read as the bank's refusal (the money did move).
   */
  const attempt = async (payload: P): Promise<R | undefined> => {
    const answer = await ask(payload);
    if (!answer) return undefined;
    // A form no longer on screen hands nothing over: the outcome stays written down for its next mount.
    if (live.current) done(answer.result, payload, intent.settled?.key);
    return answer.result;
  };

  const check = async () => {
    const held = intent.held;
    if (!held || checking) return;
    // Grown too old while on screen: shown again, as too old (no Check again), not asked.
    if (tooOldToAsk(held, Date.now())) {
      setUnknown({ ...held });
      return;
    }
    setChecking(true);
    let answer: { result: R } | undefined;
    try {
      answer = await ask(held.payload);
    } catch (e) {
      if (live.current) refused(e, held.payload, intent.settled?.key);
    } finally {
      if (live.current) setChecking(false);
    }
    if (answer && live.current) done(answer.result, held.payload, intent.settled?.key);
  };

  // On screen: counted, so that a form mounted again at once (a remount) keeps the refusal shown.
  useLayoutEffect(() => {
    live.current = true;
    mounted.set(name, (mounted.get(name) ?? 0) + 1);
    return () => {
      live.current = false;
      mounted.set(name, (mounted.get(name) ?? 1) - 1);
      const key = shown.current;
      // Left within the app (a reload runs no cleanup, so the refusal is shown again after it).
      if (key !== undefined)
        setTimeout(() => {
          if (!mounted.get(name)) intent.take(key);
        }, 0);
    };
  }, [intent]);

  // Coming to the form: an outcome written down and not shown yet is shown (whether or not the
  // screen's own data has loaded: what the screen does with it is state of the screen, kept while it
  // loads); an intent still unknown is asked again once, with the same key.
  useEffect(() => {
    const s = intent.settled;
    if (s) deliver(s);
    else if (intent.held && !waiting(intent.held) && !tooOldToAsk(intent.held, Date.now())) void check();
  }, [intent]);

  return {
    unknown,
    tooOld: unknown !== undefined && tooOldToAsk(unknown, Date.now()),
    checking,
    checkError,
    check,
    forget: () => {
      // Not while a check is in flight: its answer may say the bank did it, and forgetting then would
      // leave the customer to start again what is done.
      if (checking) return;
      const given = intent.held;
      intent.reset();
      shown.current = undefined;
      setUnknown(undefined);
      setCheckError(undefined);
      if (given) latest.current.onForgotten(given);
    },
    async submit(payload) {
      shown.current = undefined;
      const first = await attempt(payload);
      if (first !== undefined || !intent.held || waiting(intent.held)) return first;
      // The answer was lost: ask again once at once, with the same key (unless the bank said when).
      setChecking(true);
      try {
        return await attempt(payload);
      } finally {
        if (live.current) setChecking(false);
      }
    },
  };
};

/**
 * What the customer sees while an outcome is unknown: what was sent, a check button, a way out. Left
 * ("Leave it…"), it gives way to the fresh form, and focus goes to `then`, the form's start (its first
 * field, or its step's heading; on a screen that reads its data again first, once that shows it), not
 * to the page's start with the button pressed.
 */
export const UnknownOutcome = ({
  state,
  children,
  forgetLabel = 'Leave it and start again',
  then,
}: {
  state: Pick<HeldIntentState<unknown, unknown>, 'checking' | 'checkError' | 'check' | 'forget' | 'tooOld'>;
  children?: ComponentChildren;
  forgetLabel?: string;
  /** The id of what takes focus once it is left. */
  then: string;
}) => {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <section class="unknown-outcome" aria-labelledby="unknown-title" data-testid="unknown-outcome">
      <h2 id="unknown-title" ref={ref} tabIndex={-1}>
        {UNKNOWN_TITLE}
      </h2>
      {children}
      {state.tooOld ? (
        <p data-testid="unknown-too-old">{TOO_OLD_TO_ASK}</p>
      ) : (
        <p>
          The bank may have done it, but its answer did not reach us. Asking again is safe: the bank knows
          this request and will not do it twice.
        </p>
      )}
      <p class="status" role="status" aria-live="polite">
        {state.checking ? 'Checking with the bank…' : ''}
      </p>
      {state.checking ? null : <FormError message={state.checkError} />}
      <div class="actions">
        {state.tooOld ? null : (
          <button
            type="button"
            class="primary"
            aria-disabled={state.checking ? 'true' : undefined}
            onClick={() => void state.check()}
          >
            Check again
          </button>
        )}
        <button
          type="button"
          aria-disabled={state.checking ? 'true' : undefined}
          onClick={() => {
            // Nothing to leave while a check is in flight (forget does nothing then): focus stays.
            if (state.checking) return;
            state.forget();
            focusOnceShown(then);
          }}
        >
          {forgetLabel}
        </button>
      </div>
    </section>
  );
};
