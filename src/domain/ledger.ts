/**
 * Double-entry rules. A movement is a journal with a lifecycle (pending -> posted | voided | expired;
 * instant movements are posted at once). A posted journal has postings that sum to zero per currency.
 * Customer accounts have a lower bound of zero on what they may spend (`available = balance - held`);
 * system accounts (cash-in for deposits, cash-out for withdrawals, returns for credits given back to
 * their senders, unclaimed for credits that neither side's account can take any more) have none and
 * are spread over
 * shards so that no single item is hot.
 *
 * Plans are pure: they take what was read and say what changes. The store turns a plan into one
 * DynamoDB transaction whose conditions enforce the same rules on the stored attributes.
 */
import { type Account, assertActive, assertRecipientActive, isExpired, payerNotActive } from './account.ts';
import { BankError } from './errors.ts';
import { addMinor, type Currency, isAmount } from './money.ts';

export const transactionTypes = ['deposit', 'withdrawal', 'transfer', 'refund', 'reversal'] as const;
export type TransactionType = (typeof transactionTypes)[number];
export const transactionStatuses = ['pending', 'posted', 'voided', 'expired'] as const;
export type TransactionStatus = (typeof transactionStatuses)[number];
export const systemAccounts = ['cash-in', 'cash-out', 'returns', 'unclaimed'] as const;
export type SystemAccount = (typeof systemAccounts)[number];

/** Pending transfers expire after 60 s to 7 days; 7 days when not said. */
export const MIN_HOLD_SECONDS = 60;
export const MAX_HOLD_SECONDS = 7 * 24 * 3600;

/** Caller-supplied metadata: at most 20 keys `^[A-Za-z0-9_.-]{1,40}$`, string values up to 500 chars. */
export type Metadata = Record<string, string>;
export const METADATA_MAX_KEYS = 20;
export const METADATA_KEY = /^[A-Za-z0-9_.-]{1,40}$/;
export const METADATA_MAX_VALUE = 500;

/** One side of a journal. `metadata` is what that side's owner set; it is shown to that owner only. */
export interface Party {
  accountId: string;
  number: string;
  ownerId: string;
  metadata?: Metadata;
  /** The side's posted balance after the journal posted. */
  balanceAfter?: number;
  /**
   * The side's place among its account's postings: 1 for the account's first, each next one more
   * (the account's `postingNo` after it). A reader of history finds a posting missing by a gap in them,
   * even where the missing ones sum to zero. Absent on a pending or unsettled side, and on postings
   * made before the number was kept.
   */
  postingNo?: number;
}

/** A journal: the record of one movement, with its status. Postings reference it by id. */
/** How unclaimed funds leave the bank: a cheque to the former customer, or to the state (escheatment). */
export const payoutMethods = ['cheque', 'escheat'] as const;
export type PayoutMethod = (typeof payoutMethods)[number];

export interface Journal {
  id: string;
  type: TransactionType;
  status: TransactionStatus;
  /** The amount posted; while pending, the amount held. */
  amount: number;
  currency: Currency;
  description: string;
  createdAt: string;
  postedAt?: string;
  /** Pending transfers: when the hold stops counting. */
  expiresAt?: string;
  /** Pending transfers: the amount first held (a partial post posts less). */
  heldAmount?: number;
  /** Transfers: the sum of the refunds made so far. */
  refundedAmount?: number;
  /** Refunds: the transfer refunded. */
  refundOf?: string;
  /** The sum of the reversals of this journal so far (bank staff, src/domain/ledger-admin.ts). */
  reversedAmount?: number;
  /** Reversals: the journal reversed. */
  reverses?: string;
  /** Teller cash and reversals: the bank staff member who made it (shown to staff only). */
  tellerId?: string;
  /**
   * Teller cash: the counter's reference; a payout of unclaimed funds out of the bank: the cheque
   * number or the state's filing reference (shown to staff only).
   */
  reference?: string;
  /**
   * A payout of unclaimed funds out of the bank (src/store/ledger-admin.ts `payUnclaimed`), on a
   * cash-out shard: by cheque to the former customer, or to the state (escheatment). Staff only.
   */
  payoutMethod?: PayoutMethod;
  /** Reversals: why (shown to staff only). */
  reason?: string;
  /** Bulk payments: the batch the transfer was posted in (src/domain/batch.ts). */
  batchId?: string;
  /** The UTC day whose outgoing limit the journal counted against (withdrawals, transfers). */
  limitDay?: string;
  /**
   * The account whose item carries that counter (its owner's limit host in the currency); absent when
   * the counter is an item of its own (accounts opened before hosts).
   */
  limitHost?: string;
  /**
   * A transfer whose credit to the recipient is not settled yet (hot-recipient credits, see the
   * store's `settle`): the sender's side is posted, the recipient's is a credit item until the settler
   * folds it into the account, sets `to.balanceAfter` and `settledAt`, and removes this flag.
   */
  unsettled?: boolean;
  /** When the recipient's side of a transfer with a deferred credit was settled (or returned). */
  settledAt?: string;
  /**
   * A deferred credit that was returned to its sender: the recipient's account was closed before it
   * settled (src/store/ledger-return.ts). The recipient never received it; a reversal gave it back.
   */
  returned?: boolean;
  /**
   * A deferred credit whose recipient's account and sender's account were both closed before it
   * settled (src/store/ledger-return.ts): its recipient side was posted to an `unclaimed` system shard,
   * funds the bank holds for the sender until staff pay them out. Set with `returned`.
   */
  unclaimed?: boolean;
  /**
   * Unclaimed funds paid out by staff (src/store/ledger-admin.ts `payUnclaimed`): the id of the
   * payout, a `reversal` of this journal from its unclaimed shard to an account of its sender's, or
   * out of the bank. Set once, in the payout's own transaction.
   */
  unclaimedPaidOut?: string;
  /** Set with `unclaimedPaidOut` when it was paid out of the bank: how (the payout's `payoutMethod`). */
  unclaimedPaidOutBy?: PayoutMethod;
  from?: Party;
  to?: Party;
}

/** One leg of a posted journal. `account` is a customer account id or a system shard id. */
export interface Posting {
  account: string;
  system: boolean;
  amount: number;
  currency: Currency;
}

/** A system account is kept per currency, in shards: `cash-in#USD#07`. */
export const systemShardId = (name: SystemAccount, currency: Currency, shard: number): string =>
  `${name}#${currency}#${String(shard).padStart(2, '0')}`;

/** Whether `id` is a shard of the system account `name` (any currency). */
export const isShardOf = (name: SystemAccount, id: string): boolean => id.startsWith(`${name}#`);

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

/** The UTC day of an instant, `YYYY-MM-DD`: the period of the daily limits. */
export const utcDay = (d: Date): string => d.toISOString().slice(0, 10);

/** What a movement reads of an account: `held` is as of now (expired holds no longer count). */
export type Moving = Pick<Account, 'id' | 'status' | 'currency' | 'balance' | 'held'>;

/** How one customer account changes: deltas of its posted balance and its held amount. */
export interface Change {
  balance: number;
  held: number;
  /** The posted balance after the journal (what its posting records). */
  balanceAfter: number;
  /**
   * A bank's own action on the account (a staff reversal): it may be frozen, not closed. Freezing
   * keeps the money where it is while staff take it back; every customer movement needs `active`.
   */
  evenFrozen?: true;
}

export interface Plan {
  type: TransactionType;
  /** The postings to write (none for a hold, a void or an expiry). */
  postings: Posting[];
  /** Customer accounts that change, by id. */
  changes: Map<string, Change>;
  /** Added to the owner's daily outgoing limit (0 when none). */
  outgoing: number;
  /** Given back to the owner's daily outgoing limit (the unposted rest of a hold). */
  released: number;
  /** Added to the owner's daily deposit limit. */
  deposited: number;
}

const available = (a: Moving): number => a.balance - a.held;

export const assertFunds = (a: Moving, amount: number): void => {
  if (available(a) < amount)
    throw new BankError('insufficient_funds', 'The available balance is too low for this amount');
};

/** Every plan that moves a given amount starts here: a deposit of -50 would be a withdrawal. */
export const assertAmount = (amount: number): void => {
  if (!isAmount(amount))
    throw new BankError('validation_failed', 'An amount is a positive whole number of minor units');
};

/**
 * No single outgoing movement above the daily limit, whatever else was sent that day (the rest of the
 * day's count is the store's, by its counters). A scheduled transfer is held to it when made: each of
 * its runs is one transfer of its amount, and one above the limit would be refused every time.
 */
export const assertWithinLimit = (amount: number, dailyLimit: number): void => {
  if (amount > dailyLimit)
    throw new BankError('daily_limit_exceeded', 'This would exceed your daily outgoing limit');
};

const assertWithinDepositLimit = (amount: number, depositLimit: number): void => {
  if (amount > depositLimit)
    throw new BankError('deposit_limit_exceeded', 'This would exceed your daily deposit limit');
};

/** Every plan goes through here: postings balance, and no customer account can spend below zero. */
export const checked = (plan: Plan, read: readonly Moving[]): Plan => {
  if (!isBalanced(plan.postings)) throw new Error('unbalanced journal');
  for (const a of read) {
    const c = plan.changes.get(a.id);
    if (c && c.balance - c.held < 0 && available(a) + c.balance - c.held < 0)
      throw new Error('overdraft planned');
  }
  return plan;
};

export const posted = (a: Moving, delta: number): Change => ({
  balance: delta,
  held: 0,
  balanceAfter: addMinor(a.balance, delta),
});

export const empty = { postings: [], outgoing: 0, released: 0, deposited: 0 };

export const planDeposit = (to: Moving, amount: number, cashInShard: string, depositLimit: number): Plan => {
  assertAmount(amount);
  assertActive(to);
  assertWithinDepositLimit(amount, depositLimit);
  return checked(
    {
      ...empty,
      type: 'deposit',
      postings: [
        { account: cashInShard, system: true, amount: -amount, currency: to.currency },
        { account: to.id, system: false, amount, currency: to.currency },
      ],
      changes: new Map([[to.id, posted(to, amount)]]),
      deposited: amount,
    },
    [to],
  );
};

export const planWithdrawal = (
  from: Moving,
  amount: number,
  cashOutShard: string,
  dailyLimit: number,
): Plan => {
  assertAmount(amount);
  assertActive(from);
  assertFunds(from, amount);
  assertWithinLimit(amount, dailyLimit);
  return checked(
    {
      ...empty,
      type: 'withdrawal',
      postings: [
        { account: from.id, system: false, amount: -amount, currency: from.currency },
        { account: cashOutShard, system: true, amount, currency: from.currency },
      ],
      changes: new Map([[from.id, posted(from, -amount)]]),
      outgoing: amount,
    },
    [from],
  );
};

/** A transfer: posted at once, or (pending) a hold on the sender that moves nothing yet. */
export const planTransfer = (
  from: Moving,
  to: Moving,
  amount: number,
  currency: Currency,
  dailyLimit: number,
  opts: { pending?: boolean } = {},
): Plan => {
  assertAmount(amount);
  if (from.id === to.id) throw new BankError('same_account', 'Choose a different account to transfer to');
  if (from.currency !== currency || to.currency !== currency) {
    throw new BankError('currency_mismatch', 'Both accounts must be in the currency of the transfer');
  }
  assertActive(from);
  assertRecipientActive(to);
  assertFunds(from, amount);
  assertWithinLimit(amount, dailyLimit);
  if (opts.pending) {
    return checked(
      {
        ...empty,
        type: 'transfer',
        changes: new Map([[from.id, { balance: 0, held: amount, balanceAfter: from.balance }]]),
        outgoing: amount,
      },
      [from],
    );
  }
  return checked(
    {
      ...empty,
      type: 'transfer',
      postings: [
        { account: from.id, system: false, amount: -amount, currency },
        { account: to.id, system: false, amount, currency },
      ],
      changes: new Map([
        [from.id, posted(from, -amount)],
        [to.id, posted(to, amount)],
      ]),
      outgoing: amount,
    },
    [from, to],
  );
};

/**
 * A journal's status as reads show it at `now`: a pending transfer past its expiry is `expired`, as its
 * hold no longer counts (heldAt) and it can no longer be posted or voided, before the sweeper marks it
 * so (until 2026-12-07 it read `pending` until then: a review found it).
 */
export const statusAt = (j: Pick<Journal, 'status' | 'expiresAt'>, now: Date): TransactionStatus =>
  j.status === 'pending' && j.expiresAt && isExpired(j.expiresAt, now) ? 'expired' : j.status;

/** A journal as reads show it at `now` (statusAt). */
export const journalAt = <J extends Pick<Journal, 'status' | 'expiresAt'>>(j: J, now: Date): J => {
  const status = statusAt(j, now);
  return status === j.status ? j : { ...j, status };
};

/** A pending journal may still be posted or voided: refuses one that is settled or past its expiry. */
export const assertPending = (j: Pick<Journal, 'status' | 'expiresAt'>, now: Date): void => {
  if (statusAt(j, now) === 'expired')
    throw new BankError('transaction_expired', 'The pending transfer has expired');
  if (j.status !== 'pending') throw new BankError('transaction_not_pending', 'The transfer is not pending');
};

const heldOf = (j: Journal): number => j.heldAmount ?? j.amount;

/**
 * Posts a pending transfer: `amount` (default: all of the hold, never more) moves from the sender's
 * balance to the recipient's; the whole hold is released, and the unposted rest goes back to the
 * sender's daily limit.
 */
export const planPost = (
  j: Journal,
  from: Moving,
  to: Moving,
  amount: number | undefined,
  now: Date,
): Plan => {
  assertPending(j, now);
  const hold = heldOf(j);
  const amt = amount ?? hold;
  assertAmount(amt);
  if (amt > hold)
    throw new BankError('amount_exceeds_hold', 'The amount is more than the pending transfer holds');
  assertActive(from);
  // Not said to be the recipient's: releasing names no account (the refusal would point at no field).
  assertActive(to);
  return checked(
    {
      ...empty,
      type: 'transfer',
      postings: [
        { account: from.id, system: false, amount: -amt, currency: j.currency },
        { account: to.id, system: false, amount: amt, currency: j.currency },
      ],
      changes: new Map([
        [from.id, { balance: -amt, held: -hold, balanceAfter: addMinor(from.balance, -amt) }],
        [to.id, posted(to, amt)],
      ]),
      released: hold - amt,
    },
    [],
  );
};

/** Voids a pending transfer (its owner), or expires it (`expire`, once its time has passed). */
export const planRelease = (
  j: Journal,
  from: Pick<Moving, 'id' | 'balance'>,
  now: Date,
  expire = false,
): Plan => {
  if (expire) {
    if (j.status !== 'pending' || !j.expiresAt || !isExpired(j.expiresAt, now))
      throw new BankError('transaction_not_pending', 'The transfer is not a pending one past its expiry');
  } else {
    assertPending(j, now);
  }
  const hold = heldOf(j);
  return {
    ...empty,
    type: 'transfer',
    changes: new Map([[from.id, { balance: 0, held: -hold, balanceAfter: from.balance }]]),
    released: hold,
  };
};

/**
 * What is left of a posted journal to give back: its amount less its refunds and reversals. Refunds
 * and reversals share it (and the store keeps it as the stored `refundable`, conditioned in both).
 */
export const unreversed = (j: Pick<Journal, 'amount' | 'refundedAmount' | 'reversedAmount'>): number =>
  j.amount - (j.refundedAmount ?? 0) - (j.reversedAmount ?? 0);

/**
 * Whether `user` may see the journal: the sender always; the recipient only once it is posted (a
 * pending, voided or expired transfer, or one returned to its sender, is not theirs to see). What
 * they may not see is a 404 to them on every route, reading or acting.
 */
export const visibleTo = (j: Journal, user: string): boolean =>
  j.from?.ownerId === user || (j.to?.ownerId === user && j.status === 'posted' && !j.returned);

/** Only a posted transfer can be refunded (not a pending, voided or expired one, a deposit or a refund). */
export const assertRefundable = (j: Pick<Journal, 'type' | 'status' | 'unsettled'>): void => {
  if (j.type !== 'transfer' || j.status !== 'posted')
    throw new BankError('not_refundable', 'Only a posted transfer can be refunded');
  assertSettled(j);
};

/**
 * A transfer whose credit is not settled yet cannot be given back (refund, reversal): the recipient's
 * balance does not hold it yet. Not a decline (not recorded with the key): a retry in a moment succeeds.
 */
export const assertSettled = (j: Pick<Journal, 'unsettled'>): void => {
  if (j.unsettled)
    throw new BankError(
      'credit_not_settled',
      'The transfer has not settled into the account yet: retry shortly',
    );
};

/**
 * How many credits one settlement folds into an account: 2 items each (the credit's delete, its
 * journal's update) + the account, within a transaction's 100.
 */
export const MAX_SETTLE = 49;

/**
 * Refunds part or all of a posted transfer, from the account it credited (`refunder`) back to the
 * account it debited (`sender`). Refunds do not count against the refunder's daily limit.
 */
export const planRefund = (
  original: Journal,
  refunder: Moving,
  sender: Moving,
  amount: number | undefined,
): Plan => {
  assertRefundable(original);
  if (amount !== undefined) assertAmount(amount);
  const room = unreversed(original);
  const amt = amount ?? room;
  if (amt > room || amt <= 0)
    throw new BankError('refund_exceeds_amount', 'Refunds would exceed the amount of the transfer');
  assertActive(refunder);
  // The payer's account, said to be theirs (not the refunder's own).
  if (sender.status !== 'active') throw payerNotActive();
  assertFunds(refunder, amt);
  return checked(
    {
      ...empty,
      type: 'refund',
      postings: [
        { account: refunder.id, system: false, amount: -amt, currency: original.currency },
        { account: sender.id, system: false, amount: amt, currency: original.currency },
      ],
      changes: new Map([
        [refunder.id, posted(refunder, -amt)],
        [sender.id, posted(sender, amt)],
      ]),
    },
    [refunder, sender],
  );
};

/** The amount a plan takes from what an account may spend (for the store's condition). */
export const debitOf = (c: Change): number => Math.max(0, c.held - c.balance);

/**
 * The first gap in an account's posting numbers (Party.postingNo) as a read of its history saw them,
 * in words, or undefined when there is none. `before`: the number of the posting before them, 0 when
 * there is none (the first numbered one must then be 1), undefined when it is unknown (a posting made
 * before numbers were kept, or by an older instance during a deploy, which moved no number: the first
 * numbered one may be any). `postingNos`: the numbers after it, in history order, undefined for a
 * posting without one (passed over). Each numbered one after the first must be one more than the last.
 */
export const firstGap = (
  before: number | undefined,
  postingNos: readonly (number | undefined)[],
): string | undefined => {
  let previous = before;
  for (const n of postingNos) {
    if (n === undefined) continue;
    if (previous !== undefined && n !== previous + 1)
      return n <= previous
        ? `history shows posting ${n} after posting ${previous}`
        : `history lacks postings ${previous + 1} to ${n - 1}`;
    previous = n;
  }
  return undefined;
};

/**
 * The log line of a closed account's credit left a credit item (one per credit: the settler's and the
 * sweeper's), which the CDK app alarms on (the registry's `alarmOnLog`: src/functions.ts): money no customer can reach, which
 * goes back only once its sender's account is unfrozen.
 */
export const CREDIT_LEFT_UNSETTLED = 'credit for a closed account left unsettled';

/**
 * The log line of a closed account's credit whose sender's account is closed too, moved to unclaimed
 * funds (one per credit: the settler's and the sweeper's), which the CDK app alarms on (the registry's
 * `alarmOnLog`): funds the bank now holds for a former customer, for staff to pay out.
 */
export const CREDIT_UNCLAIMED = 'credit moved to unclaimed funds';
