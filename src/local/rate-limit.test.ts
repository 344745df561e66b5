import { describe, expect, it } from 'vitest';
import { createRateLimiter, rateLimitFromEnv } from './rate-limit.ts';

describe('the local rate limit from the environment', () => {
  it('takes an empty setting as unset, and refuses a rate or burst that is not a positive number', () => {
    expect(rateLimitFromEnv({ BANK_RATE_LIMIT_RPS: '', BANK_RATE_LIMIT_BURST: '' })).toEqual({
      rps: 50,
      burst: 100,
    });
    expect(rateLimitFromEnv({ BANK_RATE_LIMIT: 'on', BANK_RATE_LIMIT_RPS: '0.5' })).toEqual({
      rps: 0.5,
      burst: 100,
    });
    for (const bad of ['0', '-1', 'Infinity', 'ten'])
      expect(() => rateLimitFromEnv({ BANK_RATE_LIMIT_BURST: bad }), bad).toThrow(
        'BANK_RATE_LIMIT_BURST must be a positive number',
      );
    expect(() => rateLimitFromEnv({ BANK_RATE_LIMIT_RPS: '0' })).toThrow(
      'BANK_RATE_LIMIT_RPS must be a positive number',
    );
  });
});

describe('the local rate limiter (a token bucket per key)', () => {
  /** A limiter on a clock the test moves, and `take` called `n` times for `key`: the waits it answered. */
  const limiter = (rps: number, burst: number) => {
    const clock = { now: 1_000_000 };
    const l = createRateLimiter({ rps, burst }, () => clock.now);
    const takes = (key: string, n: number) => Array.from({ length: n }, () => l.take(key));
    return { clock, takes };
  };

  it('lets a new key take its whole burst at once, then answers the wait', () => {
    const { takes } = limiter(1, 3);
    expect(takes('a', 4)).toEqual([0, 0, 0, 1]);
    // Another key has a bucket of its own.
    expect(takes('b', 3)).toEqual([0, 0, 0]);
  });

  it('refills at rps tokens a second, counted from the last take', () => {
    const { clock, takes } = limiter(2, 4);
    expect(takes('a', 4)).toEqual([0, 0, 0, 0]);
    clock.now += 1000;
    expect(takes('a', 3)).toEqual([0, 0, 1]);
    // Half a second later one token (not what the earlier second gave again).
    clock.now += 500;
    expect(takes('a', 2)).toEqual([0, 1]);
  });

  it('saves up at most the burst, however long a key is idle', () => {
    const { clock, takes } = limiter(10, 3);
    expect(takes('a', 3)).toEqual([0, 0, 0]);
    clock.now += 3_600_000;
    expect(takes('a', 4)).toEqual([0, 0, 0, 1]);
  });

  it('answers the whole seconds until the next token: at least 1, rounded up', () => {
    // 0.4 a second: an empty bucket has its next token in 2.5 s.
    const slow = limiter(0.4, 1);
    expect(slow.takes('a', 2)).toEqual([0, 3]);
    // Half a token saved up: the other half comes in half a second.
    const half = limiter(1, 1);
    expect(half.takes('a', 1)).toEqual([0]);
    half.clock.now += 500;
    expect(half.takes('a', 1)).toEqual([1]);
    // 50 a second: the next token in 20 ms is still a wait of 1 s.
    const fast = limiter(50, 1);
    expect(fast.takes('a', 2)).toEqual([0, 1]);
  });

  it('forgets no bucket that is still refilling when it has to make room for new keys', () => {
    const { takes } = limiter(1, 2);
    expect(takes('drained', 3)).toEqual([0, 0, 1]);
    // 10,000 keys (the most it keeps) make it sweep: only full buckets may go.
    for (let i = 0; i < 10_000; i++) takes(`k${i}`, 1);
    expect(takes('drained', 1)).toEqual([1]);
  });
});
