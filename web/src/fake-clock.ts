/** A manual clock for unit tests: time moves only when `advance` says so. */
import type { Clock } from './clock.ts';

export interface FakeClock extends Clock {
  advance(ms: number): void;
  /** Time moves and no timer fires (a frozen or sleeping tab): the next `advance` fires what is due. */
  skip(ms: number): void;
  readonly pending: number;
}

export const fakeClock = (start = 1_800_000_000_000): FakeClock => {
  let now = start;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout(fn, ms) {
      seq += 1;
      timers.set(seq, { at: now + Math.max(0, ms), fn });
      return seq;
    },
    clearTimeout(h) {
      timers.delete(h as number);
    },
    get pending() {
      return timers.size;
    },
    skip(ms) {
      now += ms;
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const next = [...timers].sort(([, a], [, b]) => a.at - b.at)[0];
        if (!next || next[1].at > end) break;
        timers.delete(next[0]);
        now = next[1].at;
        next[1].fn();
      }
      now = end;
    },
  };
};
