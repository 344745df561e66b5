import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isBalanced,
  planDeposit,
  planTransfer,
  planWithdrawal,
  shardOf,
  sumsByCurrency,
  utcDay,
} from './ledger.ts';
import { MAX_AMOUNT } from './money.ts';

const acct = (
  id: string,
  balance: number,
  extra: Partial<{ status: 'active' | 'frozen' | 'closed'; currency: 'USD' | 'EUR' }> = {},
) => ({
  id,
  balance,
  status: extra.status ?? ('active' as const),
  currency: extra.currency ?? ('USD' as const),
});

const amount = fc.integer({ min: 1, max: MAX_AMOUNT });
const balance = fc.integer({ min: 0, max: 10 * MAX_AMOUNT });

describe('plans', () => {
  it('every plan is balanced and leaves no customer balance negative', () => {
    fc.assert(
      fc.property(balance, balance, amount, (b1, b2, amt) => {
        const plans = [];
        plans.push(planDeposit(acct('a', b1), amt, 'cash-in#00'));
        if (amt <= b1) {
          plans.push(planWithdrawal(acct('a', b1), amt, 'cash-out#01', MAX_AMOUNT));
          plans.push(planTransfer(acct('a', b1), acct('b', b2), amt, 'USD', MAX_AMOUNT));
        }
        for (const p of plans) {
          expect(isBalanced(p.postings)).toBe(true);
          for (const v of p.balances.values()) expect(v).toBeGreaterThanOrEqual(0);
        }
      }),
      { seed: 1, numRuns: 500 },
    );
  });

  it('a transfer moves exactly the amount', () => {
    const p = planTransfer(acct('a', 500), acct('b', 7), 200, 'USD', 1000);
    expect(p.balances.get('a')).toBe(300);
    expect(p.balances.get('b')).toBe(207);
    expect(p.outgoing).toBe(200);
  });

  it('refuses what the rules forbid, with the stable codes', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as { code: string }).code;
      }
      return 'none';
    };
    expect(code(() => planWithdrawal(acct('a', 9), 10, 's', 1000))).toBe('insufficient_funds');
    expect(code(() => planWithdrawal(acct('a', 5000), 2000, 's', 1000))).toBe('daily_limit_exceeded');
    expect(code(() => planDeposit(acct('a', 0, { status: 'frozen' }), 1, 's'))).toBe('account_not_active');
    expect(code(() => planTransfer(acct('a', 10), acct('a', 10), 1, 'USD', 1000))).toBe('same_account');
    expect(code(() => planTransfer(acct('a', 10), acct('b', 0, { currency: 'EUR' }), 1, 'USD', 1000))).toBe(
      'currency_mismatch',
    );
    expect(code(() => planTransfer(acct('a', 10), acct('b', 0), 1, 'EUR', 1000))).toBe('currency_mismatch');
    expect(code(() => planTransfer(acct('a', 10), acct('b', 0, { status: 'closed' }), 1, 'USD', 1000))).toBe(
      'account_not_active',
    );
  });
});

describe('helpers', () => {
  it('shards stay in range and are stable', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.integer({ min: 1, max: 64 }), (id, n) => {
        const s = shardOf(id, n);
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThan(n);
        expect(shardOf(id, n)).toBe(s);
      }),
      { seed: 3 },
    );
  });

  it('spreads journals over all shards', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++)
      seen.add(shardOf(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, 16));
    expect(seen.size).toBe(16);
  });

  it('sums per currency', () => {
    const sums = sumsByCurrency([
      { amount: 5, currency: 'USD' },
      { amount: -5, currency: 'USD' },
      { amount: 3, currency: 'EUR' },
    ]);
    expect(sums.get('USD')).toBe(0);
    expect(sums.get('EUR')).toBe(3);
  });

  it('names the UTC day', () => {
    expect(utcDay(new Date('2026-11-24T23:59:59.999-05:00'))).toBe('2026-11-25');
  });
});
