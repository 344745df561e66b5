import { describe, expect, it } from 'vitest';
import { fakeClock } from './fake-clock.ts';
import { createIdleTimer, warnBeforeFor } from './idle.ts';

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
