/**
 * The registration/confirmation/reset floor (src/handlers/checks.ts `atLeast`), on vitest's fake clock: an
 * answer never comes sooner than the floor, whether the work succeeded or failed, and not later than
 * the work when the work is slower. Which routes wait for it: src/handlers/auth.test.ts ("the time
 * floor"). The browser tests run their stack with the floor at 0 (it is only
 * waiting there), so this is where its length is checked; 400 ms is the default.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { config, resetConfig } from '../src/config.ts';
import { atLeast } from '../src/handlers/checks.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Settles `p` into an inspectable state without waiting on it. */
const track = <T>(p: Promise<T>) => {
  const state: { done: boolean; value?: T; error?: unknown } = { done: false };
  p.then(
    (value) => Object.assign(state, { done: true, value }),
    (error) => Object.assign(state, { done: true, error }),
  );
  return state;
};

describe('atLeast', () => {
  it('answers a fast success no sooner than the floor', async () => {
    const s = track(atLeast(400, async () => 'ok'));
    await vi.advanceTimersByTimeAsync(399);
    expect(s.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(s).toEqual({ done: true, value: 'ok' });
  });

  it('holds a fast failure to the floor too, then rejects with it', async () => {
    const boom = new Error('taken');
    const s = track(
      atLeast(400, async () => {
        throw boom;
      }),
    );
    await vi.advanceTimersByTimeAsync(399);
    expect(s.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(s).toEqual({ done: true, error: boom });
  });

  it('adds nothing to work slower than the floor', async () => {
    const s = track(atLeast(400, () => new Promise((r) => setTimeout(() => r('slow'), 1_000))));
    await vi.advanceTimersByTimeAsync(999);
    expect(s.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(s).toEqual({ done: true, value: 'slow' });
  });
});

describe('the floor setting', () => {
  it('is 400 ms unless BANK_AUTH_FLOOR_MS says otherwise', () => {
    const before = process.env.BANK_AUTH_FLOOR_MS;
    try {
      delete process.env.BANK_AUTH_FLOOR_MS;
      resetConfig();
      expect(config().authFloorMs).toBe(400);
      process.env.BANK_AUTH_FLOOR_MS = '0';
      resetConfig();
      expect(config().authFloorMs).toBe(0);
    } finally {
      if (before === undefined) delete process.env.BANK_AUTH_FLOOR_MS;
      else process.env.BANK_AUTH_FLOOR_MS = before;
      resetConfig();
    }
  });
});
