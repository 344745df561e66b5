import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../test/faults.ts';
import { isBalanced, type Journal, planRefund } from './ledger.ts';
import {
  assertNotOwn,
  planReversal,
  planTellerDeposit,
  planTellerWithdrawal,
  planUnclaimedPayout,
  statusChange,
} from './ledger-admin.ts';
import { MAX_AMOUNT } from './money.ts';

const acct = (id: string, balance: number, status: 'active' | 'frozen' | 'closed' = 'active') => ({
  id,
  balance,
  held: 0,
  status,
  currency: 'USD' as const,
});
const code = codeOf;
const journal = (over: Partial<Journal> = {}): Journal => ({
  id: 't',
  type: 'transfer',
  status: 'posted',
  amount: 100,
  currency: 'USD',
  description: '',
  createdAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

describe('freeze and unfreeze', () => {
  it('moves between active and frozen, says when nothing changes, and never touches a closed account', () => {
    expect(statusChange('active', 'freeze')).toEqual({ to: 'frozen', changed: true });
    expect(statusChange('frozen', 'freeze')).toEqual({ to: 'frozen', changed: false });
    expect(statusChange('frozen', 'unfreeze')).toEqual({ to: 'active', changed: true });
    expect(statusChange('active', 'unfreeze')).toEqual({ to: 'active', changed: false });
    expect(code(() => statusChange('closed', 'freeze'))).toBe('account_not_active');
    expect(code(() => statusChange('closed', 'unfreeze'))).toBe('account_not_active');
  });
});

describe('staff and their own accounts', () => {
  it('refuses a member of staff acting on an account of their own, on either side', () => {
    expect(code(() => assertNotOwn('staff-1', 'customer-9', 'staff-1'))).toBe('forbidden');
    expect(code(() => assertNotOwn('staff-1', 'staff-1'))).toBe('forbidden');
    expect(code(() => assertNotOwn('staff-1', 'customer-9', undefined))).toBe('none');
  });
});

describe('teller cash', () => {
  it('counts against no daily limit, refuses a frozen account and never overdraws', () => {
    const d = planTellerDeposit(acct('a', 0), MAX_AMOUNT, 'cash-in#USD#00');
    expect(d).toMatchObject({ type: 'deposit', deposited: 0, outgoing: 0 });
    const w = planTellerWithdrawal(acct('a', 500), 500, 'cash-out#USD#00');
    expect(w).toMatchObject({ type: 'withdrawal', outgoing: 0 });
    expect(code(() => planTellerWithdrawal(acct('a', 500), 501, 'x'))).toBe('insufficient_funds');
    expect(code(() => planTellerDeposit(acct('a', 0, 'frozen'), 1, 'x'))).toBe('account_not_active');
  });
});

describe('reversals', () => {
  it('move money back from the side credited to the side debited, balanced', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), (amt) => {
        const p = planReversal(journal(), { debit: acct('b', 100), credit: acct('a', 0) }, amt);
        expect(isBalanced(p.postings)).toBe(true);
        expect(p.changes.get('b')?.balanceAfter).toBe(100 - amt);
        expect(p.changes.get('a')?.balanceAfter).toBe(amt);
        expect(p.type).toBe('reversal');
      }),
    );
  });

  it('of a deposit: the customer pays back the cash-in account', () => {
    const p = planReversal(
      journal({ type: 'deposit' }),
      { debit: acct('a', 100), credit: { system: 'cash-in#USD#01' } },
      undefined,
    );
    expect(p.postings).toEqual([
      { account: 'a', system: false, amount: -100, currency: 'USD' },
      { account: 'cash-in#USD#01', system: true, amount: 100, currency: 'USD' },
    ]);
  });

  it('never exceed what refunds and earlier reversals left, nor overdraw, nor touch a frozen account', () => {
    const sides = { debit: acct('b', 1_000), credit: acct('a', 0) };
    const j = journal({ refundedAmount: 30, reversedAmount: 20 });
    expect(planReversal(j, sides, undefined).postings[1]?.amount).toBe(50);
    expect(code(() => planReversal(j, sides, 51))).toBe('reversal_exceeds_amount');
    expect(code(() => planReversal(journal({ reversedAmount: 100 }), sides, undefined))).toBe(
      'reversal_exceeds_amount',
    );
    expect(code(() => planReversal(journal(), { debit: acct('b', 99), credit: acct('a', 0) }, 100))).toBe(
      'insufficient_funds',
    );
    expect(
      code(() => planReversal(journal(), { debit: acct('b', 100), credit: acct('a', 0, 'frozen') }, 1)),
    ).toBe('account_not_active');
    // A staff reversal (evenFrozen) moves a frozen account's money and marks its change so (the stored
    // condition then admits `frozen`), never a closed account's; still never more than it holds.
    const staff = { evenFrozen: true };
    const frozen = planReversal(
      journal(),
      { debit: acct('b', 100, 'frozen'), credit: acct('a', 0) },
      40,
      staff,
    );
    expect(frozen.changes.get('b')).toMatchObject({ balance: -40, evenFrozen: true });
    expect(frozen.changes.get('a')).not.toHaveProperty('evenFrozen');
    expect(
      code(() =>
        planReversal(journal(), { debit: acct('b', 100, 'closed'), credit: acct('a', 0) }, 1, staff),
      ),
    ).toBe('account_not_active');
    expect(
      code(() =>
        planReversal(journal(), { debit: acct('b', 100), credit: acct('a', 0, 'closed') }, 1, staff),
      ),
    ).toBe('account_not_active');
    expect(
      code(() =>
        planReversal(journal(), { debit: acct('b', 30, 'frozen'), credit: acct('a', 0) }, 40, staff),
      ),
    ).toBe('insufficient_funds');
    expect(code(() => planReversal(journal({ type: 'reversal' }), sides, 1))).toBe('not_reversible');
    expect(code(() => planReversal(journal({ status: 'pending' }), sides, 1))).toBe('not_reversible');
    // An amount given is a positive whole number of minor units (the API's schema stops these first).
    for (const amt of [0, -5, 0.5])
      expect(code(() => planReversal(journal(), sides, amt))).toBe('validation_failed');
  });

  it('leave refunds only what is left of the transfer', () => {
    const j = journal({ refundedAmount: 40, reversedAmount: 50 });
    expect(planRefund(j, acct('b', 500), acct('a', 0), undefined).postings[1]?.amount).toBe(10);
    expect(code(() => planRefund(j, acct('b', 500), acct('a', 0), 11))).toBe('refund_exceeds_amount');
  });
});

describe('unclaimed funds paid out', () => {
  const sender = { accountId: 'gone', number: '0000000000', ownerId: 'alice' };
  const funds = (over: Partial<Journal> = {}) => journal({ unclaimed: true, from: sender, ...over });
  const alices = (status: 'active' | 'frozen' | 'closed' = 'active', currency: 'USD' | 'EUR' = 'USD') => ({
    ...acct('a2', 0, status),
    currency,
    ownerId: 'alice',
  });

  it("go whole from the unclaimed shard to an active account of the sender's in the currency, or out of the bank", () => {
    const back = planUnclaimedPayout(funds(), alices(), 'unclaimed#USD#03');
    expect(back.postings).toEqual([
      { account: 'unclaimed#USD#03', system: true, amount: -100, currency: 'USD' },
      { account: 'a2', system: false, amount: 100, currency: 'USD' },
    ]);
    expect(back.changes.get('a2')?.balance).toBe(100);
    const cheque = planUnclaimedPayout(funds(), { system: 'cash-out#USD#01' }, 'unclaimed#USD#03');
    expect(cheque.postings.map((p) => [p.account, p.amount])).toEqual([
      ['unclaimed#USD#03', -100],
      ['cash-out#USD#01', 100],
    ]);
    expect(cheque.changes.size).toBe(0);
  });

  it('refuse what is not unclaimed funds, funds paid out already, and any account but an active one of the sender in the currency', () => {
    expect(code(() => planUnclaimedPayout(funds({ unclaimed: false }), alices(), 'u'))).toBe(
      'not_reversible',
    );
    expect(code(() => planUnclaimedPayout(funds({ type: 'refund' }), alices(), 'u'))).toBe('not_reversible');
    expect(code(() => planUnclaimedPayout(funds({ status: 'pending' }), alices(), 'u'))).toBe(
      'not_reversible',
    );
    expect(code(() => planUnclaimedPayout(funds({ unclaimedPaidOut: 'p1' }), alices(), 'u'))).toBe(
      'reversal_exceeds_amount',
    );
    const bobs = { ...alices(), ownerId: 'bob' };
    expect(code(() => planUnclaimedPayout(funds(), bobs, 'u'))).toBe('recipient_not_found');
    expect(code(() => planUnclaimedPayout(funds(), alices('active', 'EUR'), 'u'))).toBe('currency_mismatch');
    expect(code(() => planUnclaimedPayout(funds(), alices('frozen'), 'u'))).toBe('account_not_active');
    expect(code(() => planUnclaimedPayout(funds(), alices('closed'), 'u'))).toBe('account_not_active');
  });
});
