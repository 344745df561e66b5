import { describe, expect, it } from 'vitest';
import { runLoad } from './load.ts';

describe('runLoad', () => {
  it('tallies successes, allowed declines, errors and exceptions from every worker', async () => {
    // The clock moves 1 ms per operation started, whatever the machine's speed: 32 operations, each
    // worker starting one in turn (they yield to each other on setImmediate), so every worker runs
    // every kind of outcome.
    let clock = 0;
    const workers = new Set<number>();
    const r = await runLoad({
      concurrency: 4,
      durationMs: 32,
      now: () => clock,
      op: async (w, seq) => {
        clock++;
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
    expect(total).toBe(32);
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
    // Both workers start at 0 ms, before the 1 ms deadline; the clock passes the deadline while their
    // operations are in flight, and runLoad must still wait for both and count them.
    let clock = 0;
    let finished = 0;
    const r = await runLoad({
      concurrency: 2,
      durationMs: 1,
      now: () => clock,
      op: async () => {
        await new Promise((resolve) => setImmediate(resolve));
        clock = 10;
        await new Promise((resolve) => setImmediate(resolve));
        finished++;
        return { ok: true, outcome: '201' };
      },
    });
    expect(finished).toBe(2);
    expect(r.ok).toBe(2);
    expect(r.elapsedMs).toBe(10);
  });
});
