/** Shared pieces of the screens: the app context, links, form fields, messages, money, loading. */
import type { ComponentChildren } from 'preact';
import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from './api.ts';
import type { RuntimeConfig } from './config.ts';
import { explain } from './errors.ts';
import { type Currency, formatMoney } from './money.ts';
import type { More } from './more.ts';
import type { Session } from './session.ts';

export interface NavigateOptions {
  replace?: boolean;
  /** A message for the next screen, such as "Account opened". */
  flash?: string;
}

export interface AppContext {
  api: Api;
  session: Session;
  config: RuntimeConfig;
  navigate(to: string, options?: NavigateOptions): void;
  /** Query parameters of the current location. */
  query: URLSearchParams;
}

export const Ctx = createContext<AppContext | null>(null);

export const useApp = (): AppContext => {
  const ctx = useContext(Ctx);
  if (!ctx) throw new Error('useApp outside <Ctx.Provider>');
  return ctx;
};

/** A link inside the app: no page load, the router takes it. */
export const Link = ({
  to,
  children,
  class: cls,
  current,
}: {
  to: string;
  children: ComponentChildren;
  class?: string;
  /** The link to the page being shown (`aria-current="page"`). */
  current?: boolean;
}) => {
  const { navigate } = useApp();
  const onClick = (e: MouseEvent) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} class={cls} onClick={onClick} aria-current={current ? 'page' : undefined}>
      {children}
    </a>
  );
};

/** The screen's heading; the router moves focus to it after each navigation. */
export const Title = ({ children }: { children: ComponentChildren }) => (
  <h1 id="page-title" tabIndex={-1}>
    {children}
  </h1>
);

/**
 * A screen: its heading, then its content. Every state of a screen (loading, failed, loaded) renders
 * through this, so the heading stays the same element and keeps the focus the router gave it.
 */
export const Page = ({
  title,
  narrow,
  children,
}: {
  title: ComponentChildren;
  narrow?: boolean;
  children?: ComponentChildren;
}) => (
  <div class={narrow ? 'narrow' : undefined}>
    <Title>{title}</Title>
    {children}
  </div>
);

export const Money = ({
  minor,
  currency,
  signed,
}: {
  minor: number;
  currency: Currency;
  signed?: boolean;
}) => (
  <span class={signed ? (minor < 0 ? 'money debit' : 'money credit') : 'money'}>
    {formatMoney(minor, currency, { signed: signed ?? false })}
  </span>
);

export const Loading = ({ children = 'Loading…' }: { children?: ComponentChildren }) => (
  <p class="status" role="status" aria-live="polite">
    {children}
  </p>
);

export const Empty = ({ children }: { children: ComponentChildren }) => <div class="empty">{children}</div>;

/**
 * What came of an action done (deleted, cancelled, released, turned on...), shown where the pressed
 * button was and given focus (useFocusOnceRead): focus makes a screen reader read it, so it is no live
 * region. One that is both can be read twice, once as focused and once as announced, and the app
 * always moves focus to these (the button they replace is gone). A message that takes no focus (a
 * flash after a move between screens, "Checking with the bank…", a copy done) is a live region instead.
 */
export const Outcome = ({
  id,
  children,
  testId,
}: {
  id: string;
  children: ComponentChildren;
  testId?: string;
}) => (
  <p class="notice" id={id} tabIndex={-1} data-testid={testId}>
    {children}
  </p>
);

export interface FormErrorProps {
  message: string | undefined;
  id?: string | undefined;
  /**
   * The app moves focus to it when it shows (focusFirstProblem, useFocusOnceRead): read as focused, so
   * no live region.
   */
  focused?: boolean;
}

/**
 * A problem with the whole action (a refusal), shown next to its button. Read once, as `Outcome` is:
 * one given focus (`focused`: a refused submission's words, when no field is in error) is no live
 * region, since one that is both can be read twice; one that shows while focus stays elsewhere (a
 * failed load, "show more" or download, a check that got no answer, a form's words when focus went
 * to a field in error) is announced, `role="alert"`.
 */
export const FormError = ({ message, id, focused = false }: FormErrorProps) =>
  message ? (
    <p class="form-error" role={focused ? undefined : 'alert'} id={id}>
      {message}
    </p>
  ) : null;

export interface FieldProps {
  name: string;
  label: string;
  value: string;
  onValue(value: string): void;
  error?: string | undefined;
  hint?: ComponentChildren;
  /** Extra ids for aria-describedby (say, a live checklist). */
  describedBy?: string;
  /**
   * Put before `f-<name>` in the input's id: a form whose field names another form on the same screen
   * uses too (useForm's `idPrefix`), so each label names its own input.
   */
  idPrefix?: string;
  type?: 'text' | 'email' | 'password' | 'date';
  autocomplete?: string;
  inputMode?: 'text' | 'numeric' | 'decimal' | 'email';
  maxLength?: number;
}

/** A labelled input with its hint and its error, tied together for assistive technology. */
export const Field = ({
  name,
  label,
  value,
  onValue,
  error,
  hint,
  describedBy,
  idPrefix = '',
  type = 'text',
  ...input
}: FieldProps) => {
  const id = `f-${idPrefix}${name}`;
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : '', describedBy ?? '']
    .filter(Boolean)
    .join(' ');
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {hint ? (
        <span class="hint" id={`${id}-hint`}>
          {hint}
        </span>
      ) : null}
      <input
        {...input}
        type={type as 'text'}
        id={id}
        name={name}
        value={value}
        onInput={(e) => onValue(e.currentTarget.value)}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={ids || undefined}
      />
      {error ? (
        <span class="field-error" id={`${id}-error`}>
          {error}
        </span>
      ) : null}
    </div>
  );
};

/**
 * Keyboard focus onto `el`, made focusable (not tabbable) first when it is not already: a message, a
 * heading or a row that a keyboard user goes on from; a field or a button keeps its own tab stop.
 */
export const focusOn = (el: HTMLElement): void => {
  if (el.tabIndex < 0 && !el.hasAttribute('tabindex')) el.tabIndex = -1;
  el.focus();
};

/** The first field with an error: where focus goes after a refused submission (none: the action's message). */
export const firstProblem = (fields: Record<string, string | undefined>): string | undefined =>
  Object.entries(fields).find(([, v]) => v)?.[0];

/** Moves focus to the first field with an error, or to the action's message. */
export const focusFirstProblem = (
  fields: Record<string, string | undefined>,
  formErrorId?: string,
  idPrefix = '',
): void => {
  requestAnimationFrame(() => {
    const first = firstProblem(fields);
    const el = first
      ? document.getElementById(`f-${idPrefix}${first}`)
      : formErrorId
        ? document.getElementById(formErrorId)
        : null;
    if (el) focusOn(el);
  });
};

export interface FormState {
  fields: Record<string, string | undefined>;
  message: string | undefined;
}

const NO_PROBLEMS: FormState = { fields: {}, message: undefined };

/**
 * A form's values, its problems (per field, and for the action), and its submission: `submit(check,
 * action)` runs the client-side `check` first, then `action` once at a time, and turns a failure
 * into plain words next to the right field. Focus moves to the first problem.
 */
export const useForm = <F extends string>(
  initial: Record<F, string>,
  formErrorId = 'form-error',
  /** Its fields' ids are `f-<idPrefix><name>` (Field's `idPrefix`). */
  idPrefix = '',
) => {
  const [values, setValues] = useState(initial);
  const [problems, setProblems] = useState<FormState>(NO_PROBLEMS);
  const [busy, setBusy] = useState(false);
  const show = (next: FormState) => {
    setProblems(next);
    focusFirstProblem(next.fields, formErrorId, idPrefix);
  };
  const fail = (e: unknown) => show(explain(e, Object.keys(initial)));
  const set = (name: F, value: string) => setValues((v) => ({ ...v, [name]: value }));
  return {
    values,
    busy,
    fields: problems.fields,
    /** The props of the form's <FormError>: focused (focusFirstProblem) unless a field is in error. */
    error: {
      message: problems.message,
      id: formErrorId,
      focused: firstProblem(problems.fields) === undefined,
    } satisfies FormErrorProps,
    set,
    reset: () => setValues(initial),
    show,
    fail,
    clear: () => setProblems(NO_PROBLEMS),
    /** The props that tie a <Field> to this form. */
    bind: (name: F) => ({
      name,
      value: values[name],
      onValue: (v: string) => set(name, v),
      error: problems.fields[name],
      ...(idPrefix ? { idPrefix } : {}),
    }),
    submit:
      (check: () => Record<string, string | undefined> | undefined, action: () => Promise<unknown>) =>
      async (e?: Event) => {
        e?.preventDefault();
        if (busy) return;
        const fields = check();
        if (fields && Object.values(fields).some(Boolean)) return show({ fields, message: undefined });
        setProblems(NO_PROBLEMS);
        setBusy(true);
        try {
          await action();
        } catch (err) {
          fail(err);
        } finally {
          setBusy(false);
        }
      },
  };
};

export type Load<T> = { state: 'loading' } | { state: 'error'; message: string } | { state: 'ok'; data: T };

/** Loads data for a screen; `reload` runs it again. Errors become plain words. */
export const useLoad = <T,>(load: () => Promise<T>, deps: unknown[]): Load<T> & { reload(): void } => {
  const [result, setResult] = useState<Load<T>>({ state: 'loading' });
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    setResult({ state: 'loading' });
    load().then(
      (data) => live && setResult({ state: 'ok', data }),
      (e: unknown) =>
        live && setResult({ state: 'error', message: explain(e).message ?? 'Something went wrong.' }),
    );
    return () => {
      live = false;
    };
  }, [...deps, n]);
  return { ...result, reload: () => setN((x) => x + 1) };
};

/**
 * Focus for the words that say what came of an action on loaded data (done, or refused), shown over
 * the data as read again: the new reading takes away the buttons the action was asked from, the
 * focused one with them, and focus would fall to the page's start. `focusOnceRead(id)`, before
 * `reload()`, moves focus to the element `id` once a new reading shows it (`readAgain` false: once it
 * shows over this one).
 */
export const useFocusOnceRead = (load: Load<unknown>) => {
  const pending = useRef<{ id: string; over: unknown } | undefined>(undefined);
  useEffect(() => {
    const f = pending.current;
    if (!f || load.state !== 'ok' || load.data === f.over) return;
    const el = document.getElementById(f.id);
    if (!el) return;
    pending.current = undefined;
    focusOn(el);
  });
  return (id: string, readAgain = true): void => {
    pending.current = { id, over: readAgain && load.state === 'ok' ? load.data : undefined };
  };
};

/**
 * Moves focus to the element `id` once it is on the page, and keeps it there while the screen settles:
 * one that reads its data again takes the form away (focus falls to the page) and brings it back. Given
 * up once focus is elsewhere (the customer went on), or after a few seconds.
 */
export const focusOnceShown = (id: string): void => {
  const fallen = () => {
    const a = document.activeElement;
    return !a || a === document.body || !a.isConnected;
  };
  let stop: () => void = () => {};
  const step = () => {
    if (!fallen()) {
      if (document.activeElement?.id !== id) stop();
      return;
    }
    const el = document.getElementById(id);
    if (el) focusOn(el);
  };
  // After the render that takes the pressed button away.
  requestAnimationFrame(() => {
    const watch = new MutationObserver(step);
    const timer = setTimeout(() => stop(), 10_000);
    stop = () => {
      watch.disconnect();
      clearTimeout(timer);
    };
    watch.observe(document.body, { childList: true, subtree: true });
    step();
  });
};

/** What to show while data loads or after it failed; null once it is there. */
export const LoadState = ({ load, what }: { load: Load<unknown> & { reload(): void }; what: string }) => {
  if (load.state === 'loading') return <Loading>Loading {what}…</Loading>;
  if (load.state === 'error')
    return (
      <div>
        <FormError message={load.message} />
        <button type="button" onClick={load.reload}>
          Try again
        </button>
      </div>
    );
  return null;
};

/** A submit button that stays focusable while its action runs (so keyboard focus is not lost). */
export const SubmitButton = ({
  busy,
  children,
  busyText,
  class: cls = 'primary',
  onClick,
  type = 'submit',
}: {
  busy: boolean;
  children: ComponentChildren;
  busyText: string;
  class?: string;
  onClick?: () => void;
  type?: 'submit' | 'button';
}) => (
  <button
    type={type}
    class={cls}
    aria-disabled={busy ? 'true' : undefined}
    onClick={(e) => {
      if (busy) {
        e.preventDefault();
        return;
      }
      onClick?.();
    }}
  >
    {busy ? busyText : children}
  </button>
);

export const accountName = (a: { nickname: string | null; type: string }): string =>
  a.nickname ?? (a.type === 'savings' ? 'Savings account' : 'Checking account');

/** The error of the last "show more" request, and the button that loads the next page (none at the end). */
export const ShowMore = ({
  more,
  cursor,
  children,
}: {
  more: More;
  cursor: string | null;
  children: ComponentChildren;
}) => (
  <>
    <FormError message={more.error} />
    {cursor ? (
      <div class="actions">
        <SubmitButton
          type="button"
          class=""
          busy={more.loading}
          busyText="Loading…"
          onClick={() => more.load(cursor)}
        >
          {children}
        </SubmitButton>
      </div>
    ) : null}
  </>
);
