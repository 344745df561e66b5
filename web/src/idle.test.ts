import { describe, expect, it } from 'vitest';
import { fakeClock } from './fake-clock.ts';
import { createIdleTimer, formatCountdown, secondsLeft, startCountdown, warnBeforeFor } from './idle.ts';

const MIN = 60_000;

const setup = (extra: { lastActivity?: number } = {}) => {
  const clock = fakeClock();
  const events: string[] = [];
  const saved: number[] = [];
  const timer = createIdleTimer({
    timeoutMs: 15 * MIN,
    warnBeforeMs: MIN,
    clock,
    onWarn: (ms) => events.push(`warn ${ms / 1000}s`),
    onExpire: () => events.push('expire'),
    persist: (t) => saved.push(t),
    ...extra,
  });
  return { clock, events, saved, timer };
};

describe('idle timer', () => {
  it('warns a minute before 15 idle minutes, then expires', () => {
    const { clock, events } = setup();
    clock.advance(14 * MIN - 1);
    expect(events).toEqual([]);
    clock.advance(1);
    expect(events).toEqual(['warn 60s']);
    clock.advance(MIN - 1);
    expect(events).toEqual(['warn 60s']);
    clock.advance(1);
    expect(events).toEqual(['warn 60s', 'expire']);
    expect(clock.pending).toBe(0);
  });

  it('counts from the last activity', () => {
    const { clock, events, timer } = setup();
    clock.advance(10 * MIN);
    timer.touch();
    clock.advance(13 * MIN);
    expect(events).toEqual([]);
    clock.advance(MIN);
    expect(events).toEqual(['warn 60s']);
  });

  it('ignores ordinary activity during the warning; staying active restarts the 15 minutes', () => {
    const { clock, events, timer } = setup();
    clock.advance(14 * MIN + 30_000);
    timer.touch();
    expect(timer.warning).toBe(true);
    timer.stayActive();
    expect(timer.warning).toBe(false);
    clock.advance(14 * MIN - 1);
    expect(events).toEqual(['warn 60s']);
    clock.advance(MIN + 1);
    expect(events).toEqual(['warn 60s', 'warn 60s', 'expire']);
  });

  it('a tab frozen or asleep past the timeout: the first key, before its late timer, expires the session', () => {
    const { clock, events, timer } = setup();
    clock.skip(60 * MIN);
    timer.touch();
    expect(events).toEqual(['expire']);
    clock.advance(15 * MIN);
    expect(events).toEqual(['expire']);
  });

  it('"Stay logged in" clicked after the timeout, before the late timer fires, is too late', () => {
    const { clock, events, timer } = setup();
    clock.advance(14 * MIN);
    expect(events).toEqual(['warn 60s']);
    clock.skip(45 * MIN);
    timer.stayActive();
    expect(events).toEqual(['warn 60s', 'expire']);
    expect(timer.warning).toBe(true);
  });

  it('a tab shown again past the timeout expires at once; before it, nothing changes', () => {
    const { clock, events, timer } = setup();
    clock.skip(10 * MIN);
    timer.wake();
    expect(events).toEqual([]);
    clock.skip(10 * MIN);
    timer.wake();
    expect(events).toEqual(['expire']);
  });

  it('expires at once when it starts after the timeout (a reload after idling)', () => {
    const clock = fakeClock();
    const events: string[] = [];
    createIdleTimer({
      timeoutMs: 15 * MIN,
      warnBeforeMs: MIN,
      clock,
      lastActivity: clock.now() - 15 * MIN,
      onWarn: () => events.push('warn'),
      onExpire: () => events.push('expire'),
    });
    expect(events).toEqual(['expire']);
  });

  it('warns with the time actually left when the timer fires late', () => {
    const { clock, events } = setup({ lastActivity: 1_800_000_000_000 - 14 * MIN - 20_000 });
    expect(events).toEqual(['warn 40s']);
    clock.advance(40_000);
    expect(events).toEqual(['warn 40s', 'expire']);
  });

  it('persists activity at most every 5 seconds, and stops cleanly', () => {
    const { clock, saved, timer, events } = setup();
    const t0 = clock.now();
    for (let i = 0; i < 10; i++) {
      clock.advance(1000);
      timer.touch();
    }
    expect(saved).toEqual([t0, t0 + 5000, t0 + 10_000]);
    expect(timer.lastActivity).toBe(t0 + 10_000);
    timer.stop();
    clock.advance(60 * MIN);
    expect(events).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  it('warns a minute early, or halfway through short timeouts', () => {
    expect(warnBeforeFor(15 * MIN)).toBe(MIN);
    expect(warnBeforeFor(60_000)).toBe(30_000);
  });
});

describe('the idle warning countdown', () => {
  it('counts whole seconds, rounding up, and never below zero', () => {
    expect(secondsLeft(10_000, 0)).toBe(10);
    expect(secondsLeft(10_000, 1)).toBe(10);
    expect(secondsLeft(10_000, 9_001)).toBe(1);
    expect(secondsLeft(10_000, 10_000)).toBe(0);
    expect(secondsLeft(10_000, 12_000)).toBe(0);
    expect(formatCountdown(60)).toBe('1:00');
    expect(formatCountdown(65)).toBe('1:05');
    expect(formatCountdown(9)).toBe('0:09');
    expect(formatCountdown(0)).toBe('0:00');
  });

  it('ticks once a second, on the second, from 60 down to 0, and stops there', () => {
    const clock = fakeClock();
    const ticks: number[] = [];
    startCountdown(clock, clock.now() + MIN, (s) => ticks.push(s));
    expect(ticks).toEqual([60]);
    clock.advance(999);
    expect(ticks).toEqual([60]);
    clock.advance(1);
    expect(ticks).toEqual([60, 59]);
    clock.advance(58_000);
    expect(ticks.at(-1)).toBe(1);
    expect(ticks).toHaveLength(60);
    clock.advance(1_000);
    expect(ticks.at(-1)).toBe(0);
    expect(ticks).toEqual(Array.from({ length: 61 }, (_, i) => 60 - i));
    expect(clock.pending).toBe(0);
  });

  it('starts from the time left, not a full minute, and a stopped countdown ticks no more', () => {
    const clock = fakeClock();
    const ticks: number[] = [];
    const stop = startCountdown(clock, clock.now() + 42_500, (s) => ticks.push(s));
    expect(ticks).toEqual([43]);
    clock.advance(500);
    expect(ticks).toEqual([43, 42]);
    stop();
    clock.advance(5_000);
    expect(ticks).toEqual([43, 42]);
    expect(clock.pending).toBe(0);
  });
});
