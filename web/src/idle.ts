/**
 * The idle timeout (PCI DSS v4 8.2.8): after `timeoutMs` without activity the session ends, with a
 * warning `warnBeforeMs` earlier. Activity only records a timestamp; the timer checks the clock when
 * it fires, so a throttled background tab still expires on time when it wakes.
 */
import type { Clock } from './clock.ts';

export interface IdleOptions {
  timeoutMs: number;
  warnBeforeMs: number;
  clock: Clock;
  /** The last activity when the timer starts (say, from before a reload). Defaults to now. */
  lastActivity?: number;
  onWarn(remainingMs: number): void;
  onExpire(): void;
  /** Called with the activity time, at most once per `persistEveryMs`. */
  persist?(lastActivity: number): void;
  persistEveryMs?: number;
}

export interface IdleTimer {
  /**
   * User activity. Ignored once the warning shows: only `stayActive` answers it. After the timeout it
   * expires the session instead: a tab frozen or asleep past it may hear a key before its timer fires.
   */
  touch(): void;
  /** The customer chose to stay signed in; too late after the timeout, which expires the session. */
  stayActive(): void;
  /** The tab shows again (or comes back from the back-forward cache): expires now if it is due. */
  wake(): void;
  readonly warning: boolean;
  readonly lastActivity: number;
  stop(): void;
}

/** The warning comes a minute early, or halfway for timeouts under two minutes. */
export const warnBeforeFor = (timeoutMs: number): number => Math.min(60_000, Math.floor(timeoutMs / 2));

export const createIdleTimer = (o: IdleOptions): IdleTimer => {
  const { clock } = o;
  const persistEvery = o.persistEveryMs ?? 5_000;
  let last = o.lastActivity ?? clock.now();
  let persisted = Number.NEGATIVE_INFINITY;
  let warned = false;
  let stopped = false;
  let handle: unknown;

  const record = (t: number) => {
    last = t;
    if (o.persist && t - persisted >= persistEvery) {
      persisted = t;
      o.persist(t);
    }
  };

  const schedule = () => {
    if (stopped) return;
    clock.clearTimeout(handle);
    const target = warned ? last + o.timeoutMs : last + o.timeoutMs - o.warnBeforeMs;
    handle = clock.setTimeout(check, Math.max(0, target - clock.now()));
  };

  const check = () => {
    if (stopped) return;
    const now = clock.now();
    const expireAt = last + o.timeoutMs;
    if (now >= expireAt) {
      stopped = true;
      o.onExpire();
      return;
    }
    if (!warned && now >= expireAt - o.warnBeforeMs) {
      warned = true;
      o.onWarn(expireAt - now);
    }
    schedule();
  };

  if (o.persist) {
    persisted = last;
    o.persist(last);
  }
  check();

  /** The timeout passed with no check yet (a frozen or sleeping tab's timer fires late): expire now. */
  const overdue = () => {
    if (stopped || clock.now() < last + o.timeoutMs) return false;
    check();
    return true;
  };

  return {
    touch() {
      if (overdue()) return;
      if (!warned && !stopped) record(clock.now());
    },
    stayActive() {
      if (stopped || overdue()) return;
      warned = false;
      persisted = Number.NEGATIVE_INFINITY;
      record(clock.now());
      schedule();
    },
    wake() {
      if (!stopped) check();
    },
    get warning() {
      return warned;
    },
    get lastActivity() {
      return last;
    },
    stop() {
      stopped = true;
      clock.clearTimeout(handle);
    },
  };
};

// ---------- the warning's countdown ----------

/** Whole seconds left until `deadline`, rounded up (so "1 second" shows until the very end); never below 0. */
export const secondsLeft = (deadline: number, now: number): number =>
  Math.max(0, Math.ceil((deadline - now) / 1000));

/** `65` -> "1:05", `9` -> "0:09": as a countdown reads. */
export const formatCountdown = (seconds: number): string =>
  `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;

/**
 * Calls `onTick` with the seconds left now, then each time the whole number of seconds left changes,
 * down to 0. Each tick is scheduled for the moment the number changes, read from the clock (not
 * counted), so a late timer never drifts. Returns the stop function.
 */
export const startCountdown = (
  clock: Clock,
  deadline: number,
  onTick: (seconds: number) => void,
): (() => void) => {
  let handle: unknown;
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    const left = secondsLeft(deadline, clock.now());
    onTick(left);
    if (left === 0) return;
    // The next change comes when `deadline - now` drops to (left - 1) seconds.
    handle = clock.setTimeout(tick, deadline - (left - 1) * 1000 - clock.now());
  };
  tick();
  return () => {
    stopped = true;
    clock.clearTimeout(handle);
  };
};
