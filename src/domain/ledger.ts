/**
 * Double-entry rules. A movement is a journal of postings that sum to zero per currency.
 * Customer accounts have a lower bound of zero; system accounts (cash-in for deposits, cash-out
 * for withdrawals) have none and are spread over shards so that no single item is hot.
 */
import { type Account, assertActive } from './account.ts';
import { BankError } from './errors.ts';
import { addMinor, type Currency } from './money.ts';

export type TransactionType = 'deposit' | 'withdrawal' | 'transfer';
export type SystemAccount = 'cash-in' | 'cash-out';

/** One leg of a journal. `account` is a customer account id or a system shard id. */
export interface Posting {
  account: string;
  system: boolean;
  amount: number;
  currency: Currency;
}

/** A system account is kept per currency, in shards: `cash-in#USD#07`. */
export const systemShardId = (name: SystemAccount, currency: Currency, shard: number): string =>
  `${name}#${currency}#${String(shard).padStart(2, '0')}`;

/** A stable shard in [0, n) from the journal id (FNV-1a), so retries of a journal land on the same shard. */
export const shardOf = (journalId: string, n: number): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < journalId.length; i++) {
    h ^= journalId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % n;
};

/** Per-currency sums of a set of postings. Every journal's sums are all zero. */
export const sumsByCurrency = (
  postings: readonly { amount: number; currency: string }[],
): Map<string, number> => {
  const sums = new Map<string, number>();
  for (const p of postings) sums.set(p.currency, addMinor(sums.get(p.currency) ?? 0, p.amount));
  return sums;
};

export const isBalanced = (postings: readonly { amount: number; currency: string }[]): boolean =>
  [...sumsByCurrency(postings).values()].every((s) => s === 0);

/** The UTC day of an instant, `YYYY-MM-DD`: the period of the daily outgoing limit. */
export const utcDay = (d: Date): string => d.toISOString().slice(0, 10);

type Moving = Pick<Account, 'id' | 'status' | 'currency' | 'balance'>;

export interface Plan {
  type: TransactionType;
  postings: Posting[];
  /** Customer balances after the journal, by account id. */
  balances: Map<string, number>;
  /** The amount that counts against the owner's daily outgoing limit (0 for deposits). */
  outgoing: number;
}

const assertFunds = (a: Moving, amount: number): void => {
  if (a.balance < amount) throw new BankError('insufficient_funds', 'The balance is too low for this amount');
};

const assertWithinLimit = (amount: number, dailyLimit: number): void => {
  if (amount > dailyLimit)
    throw new BankError('daily_limit_exceeded', 'This would exceed your daily outgoing limit');
};

const balanced = (plan: Plan): Plan => {
  if (!isBalanced(plan.postings)) throw new Error('unbalanced journal');
  return plan;
};

export const planDeposit = (to: Moving, amount: number, cashInShard: string): Plan => {
  assertActive(to);
  return balanced({
    type: 'deposit',
    postings: [
      { account: cashInShard, system: true, amount: -amount, currency: to.currency },
      { account: to.id, system: false, amount, currency: to.currency },
    ],
    balances: new Map([[to.id, addMinor(to.balance, amount)]]),
    outgoing: 0,
  });
};

export const planWithdrawal = (
  from: Moving,
  amount: number,
  cashOutShard: string,
  dailyLimit: number,
): Plan => {
  assertActive(from);
  assertFunds(from, amount);
  assertWithinLimit(amount, dailyLimit);
  return balanced({
    type: 'withdrawal',
    postings: [
      { account: from.id, system: false, amount: -amount, currency: from.currency },
      { account: cashOutShard, system: true, amount, currency: from.currency },
    ],
    balances: new Map([[from.id, from.balance - amount]]),
    outgoing: amount,
  });
};

export const planTransfer = (
  from: Moving,
  to: Moving,
  amount: number,
  currency: Currency,
  dailyLimit: number,
): Plan => {
  if (from.id === to.id) throw new BankError('same_account', 'Choose a different account to transfer to');
  if (from.currency !== currency || to.currency !== currency) {
    throw new BankError('currency_mismatch', 'Both accounts must be in the currency of the transfer');
  }
  assertActive(from);
  assertActive(to);
  assertFunds(from, amount);
  assertWithinLimit(amount, dailyLimit);
  return balanced({
    type: 'transfer',
    postings: [
      { account: from.id, system: false, amount: -amount, currency },
      { account: to.id, system: false, amount, currency },
    ],
    balances: new Map([
      [from.id, from.balance - amount],
      [to.id, addMinor(to.balance, amount)],
    ]),
    outgoing: amount,
  });
};
