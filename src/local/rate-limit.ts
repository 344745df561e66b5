/** A token bucket per key (user or source IP): `rps` tokens a second, at most `burst` saved up. */
export interface RateLimit {
  rps: number;
  burst: number;
}

export interface RateLimiter {
  /** Takes a token for `key`: 0 if allowed, else the whole seconds to wait (for Retry-After). */
  take: (key: string) => number;
}

/** The limit from BANK_RATE_LIMIT / _RPS / _BURST: 50 a second with bursts of 100 unless set; false when off. */
export const rateLimitFromEnv = (env: NodeJS.ProcessEnv = process.env): RateLimit | false => {
  if (env.BANK_RATE_LIMIT === 'off') return false;
  const num = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number`);
    return n;
  };
  return { rps: num('BANK_RATE_LIMIT_RPS', 50), burst: num('BANK_RATE_LIMIT_BURST', 100) };
};

const MAX_KEYS = 10_000;

export const createRateLimiter = (limit: RateLimit, now: () => number = Date.now): RateLimiter => {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const refill = (b: { tokens: number; at: number }, t: number) => {
    b.tokens = Math.min(limit.burst, b.tokens + ((t - b.at) / 1000) * limit.rps);
    b.at = t;
  };
  /** Forgets buckets that have filled up again: they are the same as new ones. */
  const sweep = (t: number) => {
    for (const [key, b] of buckets) {
      refill(b, t);
      if (b.tokens >= limit.burst) buckets.delete(key);
    }
  };
  return {
    take: (key) => {
      const t = now();
      let b = buckets.get(key);
      if (!b) {
        if (buckets.size >= MAX_KEYS) sweep(t);
        b = { tokens: limit.burst, at: t };
        buckets.set(key, b);
      }
      refill(b, t);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - b.tokens) / limit.rps));
    },
  };
};
