/**
 * Never pay twice, on screen. A money-moving form holds its intent in sessionStorage (see
 * idempotency.ts) until the outcome is definite. When the answer is lost the form says so ("We don't
 * know yet whether this went through"), asks again with the same Idempotency-Key at once, then
 * offers a button; coming back to the form later (or reloading) resumes the same intent, so the
 * server answers what it did the first time.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { outcomeUnknown } from './api.ts';
import { explain } from './errors.ts';
import { createIntent, type HeldIntent, sessionIntentStore } from './idempotency.ts';
import { FormError } from './ui.tsx';

export const UNKNOWN_TITLE = 'We don\u2019t know yet whether this went through';

export interface HeldIntentState<P, R> {
  /** Sends `payload`; resolves its result, or undefined when the outcome is unknown; throws a refusal. */
  submit(payload: P): Promise<R | undefined>;
  /** The intent whose outcome is unknown (after a reload too). */
  unknown: HeldIntent<P> | undefined;
  /** Asks again with the same key. */
  check(): Promise<void>;
  checking: boolean;
  /** Why the last check did not settle it, in plain words. */
  checkError: string | undefined;
  /** Gives up on the held intent (it may still have gone through). */
  forget(): void;
}

/**
 * `name` says which intent (`transfer`, `deposit:<account>`...); `send` moves the money with a key;
 * `onDone` gets the true outcome, however late it arrives (a resumed intent included).
 */
export const useHeldIntent = <P, R>(
  name: string,
  send: (payload: P, key: string) => Promise<R>,
  onDone: (result: R, payload: P) => void,
  /** A held intent, asked again (after coming back, or "Check again"), was refused: it did not happen. */
  onRefused?: (error: unknown, payload: P) => void,
  /**
   * Whether the screen can show the answer yet (its data loaded): coming back, the intent is asked
   * again only then, so that a refusal lands on the form it is shown in, not on a screen still loading.
   */
  ready = true,
): HeldIntentState<P, R> => {
  const intent = useMemo(
    () => createIntent<P, R>({ isRetryable: outcomeUnknown, store: sessionIntentStore<P>(name) }),
    [name],
  );
  const [unknown, setUnknown] = useState<HeldIntent<P> | undefined>(intent.held);
  const [checking, setChecking] = useState(false);
  const [checkError, setCheckError] = useState<string | undefined>();
  const latest = useRef({ send, onDone, onRefused });
  latest.current = { send, onDone, onRefused };

  /** One attempt; `undefined` when the outcome is still unknown. Refusals are thrown. */
  const attempt = async (payload: P): Promise<R | undefined> => {
    try {
      const r = await intent.submit(payload, (key) => latest.current.send(payload, key));
      setUnknown(undefined);
      setCheckError(undefined);
      latest.current.onDone(r, payload);
      return r;
    } catch (e) {
      if (!outcomeUnknown(e)) {
        setUnknown(undefined);
        throw e;
      }
      setUnknown(intent.held);
      setCheckError(explain(e).message);
      return undefined;
    }
  };

  const check = async () => {
    const held = intent.held;
    if (!held || checking) return;
    setChecking(true);
    try {
      await attempt(held.payload);
    } catch (e) {
      setCheckError(explain(e).message);
      latest.current.onRefused?.(e, held.payload);
    } finally {
      setChecking(false);
    }
  };

  // Coming back to a form whose intent is held: ask again once (once the screen is ready), with the
  // same key.
  const asked = useRef(false);
  useEffect(() => {
    if (!ready || asked.current) return;
    asked.current = true;
    if (intent.held) void check();
  }, [intent, ready]);

  return {
    unknown,
    checking,
    checkError,
    check,
    forget: () => {
      intent.reset();
      setUnknown(undefined);
      setCheckError(undefined);
    },
    async submit(payload) {
      const first = await attempt(payload);
      if (first !== undefined || !intent.held) return first;
      // The answer was lost: ask again once at once, with the same key.
      setChecking(true);
      try {
        return await attempt(payload);
      } finally {
        setChecking(false);
      }
    },
  };
};

/** What the customer sees while an outcome is unknown: what was sent, a check button, a way out. */
export const UnknownOutcome = ({
  state,
  children,
  forgetLabel = 'Forget it and start again',
}: {
  state: Pick<HeldIntentState<unknown, unknown>, 'checking' | 'checkError' | 'check' | 'forget'>;
  children?: ComponentChildren;
  forgetLabel?: string;
}) => {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <section class="unknown-outcome" aria-labelledby="unknown-title" data-testid="unknown-outcome">
      <h2 id="unknown-title" ref={ref} tabIndex={-1}>
        {UNKNOWN_TITLE}
      </h2>
      {children}
      <p>
        The bank may have done it, but its answer did not reach us. Asking again is safe: the bank knows this
        request and will not do it twice.
      </p>
      <p class="status" role="status" aria-live="polite">
        {state.checking ? 'Checking with the bank…' : ''}
      </p>
      {state.checking ? null : <FormError message={state.checkError} />}
      <div class="actions">
        <button
          type="button"
          class="primary"
          aria-disabled={state.checking ? 'true' : undefined}
          onClick={() => void state.check()}
        >
          Check again
        </button>
        <button type="button" onClick={state.forget}>
          {forgetLabel}
        </button>
      </div>
    </section>
  );
};
