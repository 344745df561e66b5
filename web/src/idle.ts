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
  /** User activity. Ignored once the warning shows: only `stayActive` answers it. */
  touch(): void;
  /** The customer chose to stay signed in. */
  stayActive(): void;
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

  return {
    touch() {
      if (!warned && !stopped) record(clock.now());
    },
    stayActive() {
      if (stopped) return;
      warned = false;
      persisted = Number.NEGATIVE_INFINITY;
      record(clock.now());
      schedule();
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
