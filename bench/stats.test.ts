import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { linearFit, mean, median, percentile, seededRandom, summarize } from './stats.ts';

describe('percentile (nearest rank)', () => {
  it('picks the value at the rank', () => {
    const values = [15, 20, 35, 40, 50];
    expect(percentile(values, 5)).toBe(15);
    expect(percentile(values, 30)).toBe(20);
    expect(percentile(values, 40)).toBe(20);
    expect(percentile(values, 50)).toBe(35);
    expect(percentile(values, 100)).toBe(50);
  });

  it('is NaN for no values', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(median([])).toBeNaN();
    expect(mean([])).toBeNaN();
  });

  it('p50 <= p95 <= p99 <= max, each one of the values', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e5, noNaN: true }), { minLength: 1 }), (values) => {
        const s = summarize(values);
        expect(s.p50).toBeLessThanOrEqual(s.p95);
        expect(s.p95).toBeLessThanOrEqual(s.p99);
        expect(s.p99).toBeLessThanOrEqual(s.max);
        const rounded = values.map((v) => Math.round(v * 10) / 10);
        expect(rounded).toContain(s.p99);
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});

describe('median and mean', () => {
  it('averages the middle two of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([3, 1, 2])).toBe(2);
    expect(mean([1, 2, 3, 6])).toBe(3);
  });

  it('summarize does not overflow the stack on many values', () => {
    const many = Array.from({ length: 300_000 }, (_, i) => i);
    expect(summarize(many).max).toBe(299_999);
  });
});

describe('seededRandom', () => {
  it('repeats for a seed, differs across seeds, stays in [0, 1)', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const c = seededRandom(8);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 1000 }, () => c())).not.toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

describe('linearFit', () => {
  it('finds the line through points on it, with a correlation of 1', () => {
    const fit = linearFit([62, 240, 291], [62 * 0.2 + 20, 240 * 0.2 + 20, 291 * 0.2 + 20]);
    expect(fit?.slope).toBeCloseTo(0.2, 10);
    expect(fit?.intercept).toBeCloseTo(20, 10);
    expect(fit?.r).toBeCloseTo(1, 10);
  });

  it('fits noisy points by least squares; a falling line has a negative correlation', () => {
    // Least squares through (0, 1), (1, 3), (2, 2), (3, 5): slope 1.1, intercept 1.1, r = 0.8315.
    const fit = linearFit([0, 1, 2, 3], [1, 3, 2, 5]);
    expect(fit?.slope).toBeCloseTo(1.1, 10);
    expect(fit?.intercept).toBeCloseTo(1.1, 10);
    expect(fit?.r).toBeCloseTo(0.8315, 4);
    expect(linearFit([0, 1, 2], [5, 3, 1])).toMatchObject({ slope: -2, intercept: 5, r: -1 });
  });

  it('tells nothing with fewer than 3 points or no spread, and refuses unpaired values', () => {
    expect(linearFit([1, 2], [1, 2])).toBeUndefined();
    expect(linearFit([4, 4, 4], [1, 2, 3])).toBeUndefined();
    expect(linearFit([1, 2, 3], [7, 7, 7])).toBeUndefined();
    expect(() => linearFit([1, 2, 3], [1, 2])).toThrow();
  });
});
