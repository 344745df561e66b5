import { describe, expect, it } from 'vitest';
import { runLoad } from './load.ts';

describe('runLoad', () => {
  it('tallies successes, allowed declines, errors and exceptions from every worker', async () => {
    const workers = new Set<number>();
    const r = await runLoad({
      concurrency: 4,
      durationMs: 30,
      op: async (w, seq) => {
        workers.add(w);
        await new Promise((resolve) => setImmediate(resolve));
        if (seq % 4 === 1) return { ok: false, outcome: '422 insufficient_funds', expected: true };
        if (seq % 4 === 2) return { ok: false, outcome: '503 service_unavailable' };
        if (seq % 4 === 3) throw Object.assign(new Error('boom'), { name: 'Boom' });
        return { ok: true, outcome: '201', retries: 1 };
      },
    });
    expect([...workers].sort()).toEqual([0, 1, 2, 3]);
    const total = Object.values(r.outcomes).reduce((s, n) => s + n, 0);
    expect(r.ok + r.expected + r.errors).toBe(total);
    expect(r.ok).toBe(r.outcomes['201']);
    expect(r.expected).toBe(r.outcomes['422 insufficient_funds']);
    expect(r.errors).toBe(
      (r.outcomes['503 service_unavailable'] ?? 0) + (r.outcomes['exception Boom: boom'] ?? 0),
    );
    expect(r.retries).toBe(r.ok);
    expect(r.concurrency).toBe(4);
  });

  it('waits for an operation that started before the deadline', async () => {
    let finished = 0;
    const r = await runLoad({
      concurrency: 2,
      durationMs: 1,
      op: async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        finished++;
        return { ok: true, outcome: '201' };
      },
    });
    expect(r.ok).toBe(finished);
    expect(r.ok).toBeGreaterThanOrEqual(2);
  });
});
