import { describe, expect, it } from 'vitest';
import type { BenchAccount, Customer, Population } from './population.ts';
import { handlerDurations, outcomeOf, picker, sendersOf } from './scenarios.ts';

const account = (id: string): BenchAccount => ({
  id,
  number: id.padStart(10, '0'),
  type: 'checking',
  currency: 'USD',
  nickname: null,
  status: 'active',
  balance: 1000,
  held: 0,
  available: 1000,
  createdAt: '2026-01-01T00:00:00.000Z',
  ownerId: `owner-${id}`,
});
const population = (n: number): Population => {
  const customers: Customer[] = Array.from({ length: n }, (_, i) => ({
    email: `${i}@example.com`,
    token: `t${i}`,
    sub: `s${i}`,
    sending: account(`send${i}`),
    receiving: [account(`recv${i}a`), account(`recv${i}b`)],
  }));
  return { customers, recipients: customers.flatMap((c) => c.receiving) };
};

describe('who sends to whom', () => {
  it('no two workers share a sending account, and every customer sends', () => {
    const pop = population(32);
    for (const c of [1, 8, 32]) {
      const all = Array.from({ length: c }, (_, w) =>
        sendersOf(pop.customers, w, c).map((x) => x.sub),
      ).flat();
      expect(new Set(all).size).toBe(all.length);
      expect(all).toHaveLength(32);
    }
  });

  it('uniform draws recipients from the whole pool, the same ones for the same seed', () => {
    const pop = population(8);
    const draw = (seed: number) => {
      const next = picker(pop, 'uniform', 4, seed);
      return Array.from({ length: 200 }, (_, i) => next(i % 4, Math.floor(i / 4)));
    };
    const a = draw(1);
    expect(draw(1)).toEqual(a);
    expect(new Set(a.map((p) => p.recipient.id)).size).toBeGreaterThan(8);
    expect(a.every((p) => p.amount >= 1 && p.amount <= 100)).toBe(true);
    // Worker 1 of 4 sends only from its own customers, in turn.
    expect(a.filter((_, i) => i % 4 === 1).map((p) => p.sender.sub)).toEqual(
      Array.from({ length: 50 }, (_, k) => (k % 2 === 0 ? 's1' : 's5')),
    );
  });

  it('hot-recipient sends everything to one account', () => {
    const next = picker(population(8), 'hot-recipient', 8, 3);
    const ids = new Set(Array.from({ length: 64 }, (_, i) => next(i % 8, i).recipient.id));
    expect([...ids]).toEqual(['recv0a']);
  });

  it('refuses more workers than customers', () => {
    expect(() => picker(population(4), 'uniform', 8, 1)).toThrow(/at least 8 customers/);
  });
});

describe('outcomes and handler logs', () => {
  it('201 succeeds, 422 is an allowed decline, the rest are errors', () => {
    expect(outcomeOf({ status: 201, body: {} })).toEqual({ ok: true, outcome: '201' });
    expect(outcomeOf({ status: 422, body: { code: 'insufficient_funds' } })).toEqual({
      ok: false,
      outcome: '422 insufficient_funds',
      expected: true,
    });
    expect(outcomeOf({ status: 401, body: { message: 'Unauthorized' } })).toEqual({
      ok: false,
      outcome: '401 Unauthorized',
      expected: false,
    });
  });

  it('reads the handlers’ own durations for one route from the stack’s output', () => {
    const log = [
      'Serverless Bank: ready',
      JSON.stringify({ level: 'INFO', message: 'request', route: 'POST /v1/transfers', durationMs: 12 }),
      JSON.stringify({ level: 'INFO', message: 'request', route: 'GET /v1/accounts', durationMs: 3 }),
      '{"broken json", "durationMs"',
      JSON.stringify({ level: 'INFO', message: 'request', route: 'POST /v1/transfers', durationMs: 30 }),
    ].join('\n');
    expect(handlerDurations(log, 'POST /v1/transfers')).toEqual([12, 30]);
  });
});
