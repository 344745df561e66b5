import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RECIPIENT_PATH } from './account.ts';
import type { BankError } from './errors.ts';
import {
  checked,
  debitOf,
  isBalanced,
  type Journal,
  type Plan,
  planDeposit,
  planPost,
  planRefund,
  planRelease,
  planTransfer,
  planWithdrawal,
  shardOf,
  sumsByCurrency,
  utcDay,
  visibleTo,
} from './ledger.ts';
import { MAX_AMOUNT } from './money.ts';

const acct = (
  id: string,
  balance: number,
  extra: Partial<{ status: 'active' | 'frozen' | 'closed'; currency: 'USD' | 'EUR'; held: number }> = {},
) => ({
  id,
  balance,
  held: extra.held ?? 0,
  status: extra.status ?? ('active' as const),
  currency: extra.currency ?? ('USD' as const),
});

const amount = fc.integer({ min: 1, max: MAX_AMOUNT });
const balance = fc.integer({ min: 0, max: 10 * MAX_AMOUNT });
/** What `f` throws, if it does. */
const refusal = (f: () => unknown): (Partial<BankError> & Error) | undefined => {
  try {
    f();
  } catch (e) {
    return e as Partial<BankError> & Error;
  }
  return undefined;
};
const code = (f: () => unknown) => {
  const e = refusal(f);
  return e ? (e.code ?? e.message) : 'none';
};
const balanceAfterOf = (p: Plan, id: string) => p.changes.get(id)?.balanceAfter;

describe('plans', () => {
  it('a debit within the available balance moves exactly the amount; beyond it, it is refused', () => {
    fc.assert(
      fc.property(balance, balance, fc.integer({ min: 0, max: MAX_AMOUNT }), amount, (b1, b2, held, amt) => {
        const a = acct('a', b1 + held, { held });
        const b = acct('b', b2);
        const dep = planDeposit(a, amt, 'cash-in#00', MAX_AMOUNT);
        expect(balanceAfterOf(dep, 'a')).toBe(b1 + held + amt);
        expect(isBalanced(dep.postings)).toBe(true);
        // A deposit counts against the daily deposit limit, never the outgoing one.
        expect([dep.deposited, dep.outgoing, dep.released]).toEqual([amt, 0, 0]);
        const debits = [
          () => planWithdrawal(a, amt, 'cash-out#01', MAX_AMOUNT),
          () => planTransfer(a, b, amt, 'USD', MAX_AMOUNT),
          () => planTransfer(a, b, amt, 'USD', MAX_AMOUNT, { pending: true }),
        ];
        for (const debit of debits) {
          if (amt > b1) {
            expect(code(debit)).toBe('insufficient_funds');
            continue;
          }
          const p = debit();
          expect(isBalanced(p.postings)).toBe(true);
          const c = p.changes.get('a');
          // What may be spent falls by exactly the amount, and never below zero.
          expect((c?.balance ?? 0) - (c?.held ?? 0)).toBe(-amt);
          if (p.postings.length > 0) {
            expect(balanceAfterOf(p, 'a')).toBe(b1 + held - amt);
            expect(p.postings.find((x) => x.account === 'a')?.amount).toBe(-amt);
          } else {
            expect(c?.held).toBe(amt);
            expect(balanceAfterOf(p, 'a')).toBe(b1 + held);
          }
          if (p.changes.has('b')) expect(balanceAfterOf(p, 'b')).toBe(b2 + amt);
          expect(p.outgoing).toBe(amt);
        }
      }),
      { seed: 1, numRuns: 500 },
    );
  });

  it('a withdrawal subtracts, a transfer moves exactly the amount', () => {
    const w = planWithdrawal(acct('a', 500), 200, 'cash-out#00', 1000);
    expect(balanceAfterOf(w, 'a')).toBe(300);
    expect(w.postings).toEqual([
      { account: 'a', system: false, amount: -200, currency: 'USD' },
      { account: 'cash-out#00', system: true, amount: 200, currency: 'USD' },
    ]);
    const p = planTransfer(acct('a', 500), acct('b', 7), 200, 'USD', 1000);
    expect(balanceAfterOf(p, 'a')).toBe(300);
    expect(balanceAfterOf(p, 'b')).toBe(207);
    expect(p.outgoing).toBe(200);
  });

  it('counts held money out of what may be spent', () => {
    expect(code(() => planWithdrawal(acct('a', 100, { held: 60 }), 41, 's', 1000))).toBe(
      'insufficient_funds',
    );
    expect(balanceAfterOf(planWithdrawal(acct('a', 100, { held: 60 }), 40, 's', 1000), 'a')).toBe(60);
    expect(code(() => planWithdrawal(acct('a', 9), 10, 's', 1000))).toBe('insufficient_funds');
    expect(code(() => planTransfer(acct('a', 9), acct('b', 0), 10, 'USD', 1000))).toBe('insufficient_funds');
    expect(code(() => planTransfer(acct('a', 9), acct('b', 0), 10, 'USD', 1000, { pending: true }))).toBe(
      'insufficient_funds',
    );
  });

  it('refuses what the rules forbid, with the stable codes', () => {
    expect(code(() => planWithdrawal(acct('a', 5000), 2000, 's', 1000))).toBe('daily_limit_exceeded');
    expect(code(() => planDeposit(acct('a', 0), 2000, 's', 1000))).toBe('deposit_limit_exceeded');
    expect(code(() => planDeposit(acct('a', 0, { status: 'frozen' }), 1, 's', 1000))).toBe(
      'account_not_active',
    );
    // A withdrawal from an account not active, however much it holds.
    for (const status of ['frozen', 'closed'] as const)
      expect(
        code(() => planWithdrawal(acct('a', 5000, { status }), 1, 's', 1000)),
        status,
      ).toBe('account_not_active');
    expect(code(() => planTransfer(acct('a', 10), acct('a', 10), 1, 'USD', 1000))).toBe('same_account');
    expect(code(() => planTransfer(acct('a', 10), acct('b', 0, { currency: 'EUR' }), 1, 'USD', 1000))).toBe(
      'currency_mismatch',
    );
    expect(code(() => planTransfer(acct('a', 10), acct('b', 0), 1, 'EUR', 1000))).toBe('currency_mismatch');
    // The sender's currency alone differing: the recipient is in the transfer's (found by mutation).
    expect(code(() => planTransfer(acct('a', 10), acct('b', 0, { currency: 'EUR' }), 1, 'EUR', 1000))).toBe(
      'currency_mismatch',
    );
    expect(code(() => planTransfer(acct('a', 10), acct('b', 0, { status: 'closed' }), 1, 'USD', 1000))).toBe(
      'account_not_active',
    );
    // Said to be the recipient's (a field error on the number paid), and the sender's own is not.
    expect(
      refusal(() => planTransfer(acct('a', 10), acct('b', 0, { status: 'frozen' }), 1, 'USD', 1000))?.errors,
    ).toEqual([{ path: RECIPIENT_PATH, message: expect.any(String) }]);
    const own = refusal(() =>
      planTransfer(acct('a', 10, { status: 'frozen' }), acct('b', 0), 1, 'USD', 1000),
    );
    expect([own?.code, own?.errors]).toEqual(['account_not_active', undefined]);
    expect(code(() => planTransfer(acct('a', 5000), acct('b', 0), 2000, 'USD', 1000))).toBe(
      'daily_limit_exceeded',
    );
    expect(
      code(() => planTransfer(acct('a', 5000), acct('b', 0), 2000, 'USD', 1000, { pending: true })),
    ).toBe('daily_limit_exceeded');
    // At the limit exactly is allowed.
    expect(planTransfer(acct('a', 5000), acct('b', 0), 1000, 'USD', 1000).outgoing).toBe(1000);
  });

  it('moves only a positive whole number of minor units, at most the largest movement', () => {
    const a = acct('a', 10 * MAX_AMOUNT);
    const b = acct('b', 0);
    const plans = {
      deposit: (n: number) => planDeposit(a, n, 'cash-in#00', 10 * MAX_AMOUNT),
      withdrawal: (n: number) => planWithdrawal(a, n, 'cash-out#00', 10 * MAX_AMOUNT),
      transfer: (n: number) => planTransfer(a, b, n, 'USD', 10 * MAX_AMOUNT),
      pending: (n: number) => planTransfer(a, b, n, 'USD', 10 * MAX_AMOUNT, { pending: true }),
    };
    for (const [name, plan] of Object.entries(plans)) {
      // A deposit of -50 would take 50 from the account; 0 would write a journal that moves nothing.
      for (const bad of [-50, 0, 0.5, MAX_AMOUNT + 1, Number.NaN])
        expect(
          code(() => plan(bad)),
          `${name} of ${bad}`,
        ).toBe('validation_failed');
      expect(
        code(() => plan(MAX_AMOUNT)),
        name,
      ).toBe('none');
    }
  });

  it('refuses to write an unbalanced journal or a planned overdraft (the last check of every plan)', () => {
    const a = acct('a', 100);
    const ok = planWithdrawal(a, 40, 'cash-out#00', 1000);
    expect(checked(ok, [a])).toBe(ok);
    const unbalanced: Plan = {
      ...ok,
      postings: ok.postings.map((p) => (p.system ? { ...p, amount: p.amount + 1 } : p)),
    };
    expect(code(() => checked(unbalanced, [a]))).toBe('unbalanced journal');
    const overdraft: Plan = {
      ...ok,
      postings: ok.postings.map((p) => ({ ...p, amount: p.system ? 101 : -101 })),
      changes: new Map([['a', { balance: -101, held: 0, balanceAfter: -1 }]]),
    };
    expect(code(() => checked(overdraft, [a]))).toBe('overdraft planned');
    // A hold counts too: holding more than is available is an overdraft.
    const hold: Plan = {
      ...ok,
      postings: [],
      changes: new Map([['a', { balance: 0, held: 101, balanceAfter: 100 }]]),
    };
    expect(code(() => checked(hold, [a]))).toBe('overdraft planned');
    expect(
      code(() =>
        checked({ ...hold, changes: new Map([['a', { balance: 0, held: 100, balanceAfter: 100 }]]) }, [a]),
      ),
    ).toBe('none');
  });
});

describe('the lifecycle of a pending transfer', () => {
  const now = new Date('2026-11-30T12:00:00Z');
  const pending = (extra: Partial<Journal> = {}): Journal => ({
    id: 'j',
    type: 'transfer',
    status: 'pending',
    amount: 100,
    heldAmount: 100,
    currency: 'USD',
    description: '',
    createdAt: '2026-11-30T11:00:00.000Z',
    expiresAt: '2026-11-30T13:00:00.000Z',
    from: { accountId: 'a', number: '1', ownerId: 'u' },
    to: { accountId: 'b', number: '2', ownerId: 'v' },
    ...extra,
  });
  const from = acct('a', 500, { held: 100 });
  const to = acct('b', 7);

  it('posts all or part of the hold, releases the whole hold, gives the rest back', () => {
    const all = planPost(pending(), from, to, undefined, now);
    expect(all.changes.get('a')).toEqual({ balance: -100, held: -100, balanceAfter: 400 });
    expect(balanceAfterOf(all, 'b')).toBe(107);
    expect(all.released).toBe(0);
    const part = planPost(pending(), from, to, 30, now);
    expect(part.changes.get('a')).toEqual({ balance: -30, held: -100, balanceAfter: 470 });
    expect(balanceAfterOf(part, 'b')).toBe(37);
    expect(part.released).toBe(70);
    expect(isBalanced(part.postings)).toBe(true);
    expect(code(() => planPost(pending(), from, to, 101, now))).toBe('amount_exceeds_hold');
    // A sender frozen or closed since the hold: its money stays where it is.
    for (const status of ['frozen', 'closed'] as const)
      expect(code(() => planPost(pending(), acct('a', 500, { held: 100, status }), to, undefined, now))).toBe(
        'account_not_active',
      );
    // A recipient frozen since the hold: a declined post, not a write its condition refuses.
    expect(code(() => planPost(pending(), from, acct('b', 7, { status: 'frozen' }), undefined, now))).toBe(
      'account_not_active',
    );
    for (const bad of [0, -30, 0.5])
      expect(
        code(() => planPost(pending(), from, to, bad, now)),
        `${bad}`,
      ).toBe('validation_failed');
  });

  it('voids or expires: releases the hold, moves nothing', () => {
    const v = planRelease(pending(), from, now);
    expect(v.changes.get('a')).toEqual({ balance: 0, held: -100, balanceAfter: 500 });
    expect(v.postings).toEqual([]);
    expect(v.released).toBe(100);
    const later = new Date('2026-11-30T13:00:00Z');
    expect(planRelease(pending(), from, later, true).released).toBe(100);
    expect(code(() => planRelease(pending(), from, now, true))).toBe('transaction_not_pending');
    // Only a pending transfer with an expiry, past it, expires.
    for (const status of ['posted', 'voided', 'expired'] as const)
      expect(code(() => planRelease(pending({ status }), from, later, true))).toBe('transaction_not_pending');
    expect(code(() => planRelease(pending({ expiresAt: undefined }), from, later, true))).toBe(
      'transaction_not_pending',
    );
  });

  it('only a pending transfer before its expiry may be posted or voided', () => {
    const later = new Date('2026-11-30T13:00:00Z');
    expect(code(() => planPost(pending(), from, to, undefined, later))).toBe('transaction_expired');
    expect(code(() => planRelease(pending(), from, later))).toBe('transaction_expired');
    expect(code(() => planPost(pending({ status: 'expired' }), from, to, undefined, now))).toBe(
      'transaction_expired',
    );
    for (const status of ['posted', 'voided'] as const) {
      expect(code(() => planPost(pending({ status }), from, to, undefined, now))).toBe(
        'transaction_not_pending',
      );
      expect(code(() => planRelease(pending({ status }), from, now))).toBe('transaction_not_pending');
    }
  });
});

/** A posted transfer. */
const posted = (extra: Partial<Journal> = {}): Journal => ({
  id: 't',
  type: 'transfer',
  status: 'posted',
  amount: 100,
  currency: 'USD',
  description: '',
  createdAt: '2026-11-30T11:00:00.000Z',
  refundedAmount: 0,
  ...extra,
});

describe('refunds', () => {
  it('moves back what is left, never more, from the refunder’s available money', () => {
    const p = planRefund(posted({ refundedAmount: 40 }), acct('b', 500), acct('a', 0), undefined);
    expect(p.postings[0]).toEqual({ account: 'b', system: false, amount: -60, currency: 'USD' });
    expect(balanceAfterOf(p, 'b')).toBe(440);
    expect(balanceAfterOf(p, 'a')).toBe(60);
    expect(p.outgoing).toBe(0);
    // To a sender whose account has closed since: declined as such, said to be the payer's account
    // (the transaction's), not the refunder's own.
    for (const status of ['closed', 'frozen'] as const) {
      const refused = () => planRefund(posted(), acct('b', 500), acct('a', 0, { status }), 1);
      expect(refused).toThrow(
        expect.objectContaining({
          code: 'account_not_active',
          errors: [{ path: 'params.id', message: expect.any(String) }],
        }),
      );
    }
    // The refunder's own account: the code's own words, no field named.
    const own = () => planRefund(posted(), acct('b', 500, { status: 'frozen' }), acct('a', 0), 1);
    expect(own).toThrow(expect.objectContaining({ code: 'account_not_active', errors: undefined }));
    expect(code(() => planRefund(posted({ refundedAmount: 40 }), acct('b', 500), acct('a', 0), 61))).toBe(
      'refund_exceeds_amount',
    );
    expect(code(() => planRefund(posted(), acct('b', 50, { held: 10 }), acct('a', 0), 41))).toBe(
      'insufficient_funds',
    );
    // Nothing, less than nothing or a part of a minor unit is no refund (the API's schema stops these
    // first; the rule stands alone).
    for (const amt of [0, -5, 0.5])
      expect(code(() => planRefund(posted(), acct('b', 500), acct('a', 0), amt))).toBe('validation_failed');
    expect(
      code(() => planRefund(posted({ refundedAmount: 100 }), acct('b', 500), acct('a', 0), undefined)),
    ).toBe('refund_exceeds_amount');
  });
  it('refuses a transfer whose credit has not settled into the refunder’s account yet', () => {
    expect(code(() => planRefund(posted({ unsettled: true }), acct('b', 500), acct('a', 0), 1))).toBe(
      'credit_not_settled',
    );
  });
  it('refuses what is not a posted transfer', () => {
    for (const j of [
      posted({ status: 'pending' }),
      posted({ status: 'voided' }),
      posted({ type: 'refund' }),
      posted({ type: 'deposit' }),
    ]) {
      expect(code(() => planRefund(j, acct('b', 500), acct('a', 0), 1))).toBe('not_refundable');
    }
  });
});

describe('who may see a journal', () => {
  const parties = {
    from: { accountId: 'a', number: '1', ownerId: 'payer' },
    to: { accountId: 'b', number: '2', ownerId: 'payee' },
  };
  const j = (extra: Partial<Journal> = {}): Journal => posted({ ...parties, ...extra });
  it('the sender always; the recipient once posted and not returned; no one else', () => {
    for (const status of ['pending', 'posted', 'voided', 'expired'] as const) {
      expect(visibleTo(j({ status }), 'payer'), status).toBe(true);
      expect(visibleTo(j({ status }), 'payee'), status).toBe(status === 'posted');
      expect(visibleTo(j({ status }), 'stranger'), status).toBe(false);
    }
    expect(visibleTo(j({ returned: true }), 'payer')).toBe(true);
    expect(visibleTo(j({ returned: true }), 'payee')).toBe(false);
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

  it('says what a change takes from what may be spent: a debit or a new hold, never a credit or a release', () => {
    expect(debitOf({ balance: -40, held: 0, balanceAfter: 60 })).toBe(40);
    expect(debitOf({ balance: 0, held: 100, balanceAfter: 500 })).toBe(100);
    expect(debitOf({ balance: 50, held: 0, balanceAfter: 150 })).toBe(0);
    // A partial post: 30 leaves the balance, the whole hold of 100 is released.
    expect(debitOf({ balance: -30, held: -100, balanceAfter: 470 })).toBe(0);
  });

  it('names the UTC day', () => {
    expect(utcDay(new Date('2026-11-24T23:59:59.999-05:00'))).toBe('2026-11-25');
  });
});
