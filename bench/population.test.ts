import { describe, expect, it } from 'vitest';
import { mapPool } from './population.ts';

describe('mapPool', () => {
  it('keeps the order of results and never runs more than `parallel` at once', async () => {
    let running = 0;
    let most = 0;
    const out = await mapPool([5, 1, 4, 2, 3, 0, 6], 3, async (x, i) => {
      running++;
      most = Math.max(most, running);
      for (let k = 0; k < x; k++) await new Promise((r) => setImmediate(r));
      running--;
      return `${i}:${x * 10}`;
    });
    expect(out).toEqual(['0:50', '1:10', '2:40', '3:20', '4:30', '5:0', '6:60']);
    expect(most).toBe(3);
  });

  it('handles fewer items than lanes, and none', async () => {
    expect(await mapPool([1], 8, async (x) => x + 1)).toEqual([2]);
    expect(await mapPool([], 8, async (x) => x)).toEqual([]);
  });
});
