import { describe, expect, it } from 'vitest';
import { summarizeSettlement } from './settlement.ts';

const at = (ms: number) => new Date(Date.UTC(2026, 11, 2, 12, 0, 0) + ms).toISOString();

describe('how soon deferred credits reached the balance', () => {
  it('counts the deferred ones by their settledAt, apart from those credited at once and those not settled', () => {
    const s = summarizeSettlement(8, [
      { createdAt: at(0) },
      { createdAt: at(0), settledAt: at(40) },
      { createdAt: at(10), settledAt: at(30) },
      { createdAt: at(20), settledAt: at(920) },
      { createdAt: at(30), unsettled: true },
    ]);
    expect(s).toEqual({
      concurrency: 8,
      transfers: 5,
      deferred: 3,
      unsettled: 1,
      p50Ms: 40,
      p99Ms: 900,
      maxMs: 900,
    });
  });

  it('says nothing was deferred when every credit went in at once', () => {
    const s = summarizeSettlement(32, [{ createdAt: at(0) }, { createdAt: at(5) }]);
    expect(s).toMatchObject({ transfers: 2, deferred: 0, unsettled: 0 });
    expect(Number.isNaN(s.maxMs)).toBe(true);
  });
});
