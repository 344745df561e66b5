/** Small statistics for the benchmark: percentiles by the nearest-rank method, and medians. */

/** The p-th percentile (0 < p <= 100) of `values` by nearest rank; NaN for no values. */
export const percentile = (values: readonly number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
};

export const median = (values: readonly number[]): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

export const mean = (values: readonly number[]): number =>
  values.length === 0 ? Number.NaN : values.reduce((s, v) => s + v, 0) / values.length;

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Latencies in milliseconds, rounded to 0.1 ms. */
export const summarize = (ms: readonly number[]): LatencySummary => {
  const r = (v: number) => (Number.isNaN(v) ? v : Math.round(v * 10) / 10);
  return {
    p50: r(percentile(ms, 50)),
    p95: r(percentile(ms, 95)),
    p99: r(percentile(ms, 99)),
    max: r(ms.length ? ms.reduce((m, v) => Math.max(m, v), -Infinity) : Number.NaN),
    mean: r(mean(ms)),
  };
};

/** A least-squares line through points: y = slope * x + intercept, and the correlation `r`. */
export interface LineFit {
  slope: number;
  intercept: number;
  r: number;
}

/**
 * The least-squares line through (xs[i], ys[i]); undefined with fewer than 3 points, or with no spread
 * in either (every x, or every y, the same), where no line or correlation is told.
 */
export const linearFit = (xs: readonly number[], ys: readonly number[]): LineFit | undefined => {
  if (xs.length !== ys.length) throw new Error('linearFit: as many xs as ys');
  if (xs.length < 3) return undefined;
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const [i, x] of xs.entries()) {
    const dx = x - mx;
    const dy = (ys[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return undefined;
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, r: sxy / Math.sqrt(sxx * syy) };
};

/** A seeded pseudo-random generator (mulberry32): the same seed picks the same accounts every run. */
export const seededRandom = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};
