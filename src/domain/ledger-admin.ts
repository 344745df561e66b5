/**
 * The back office's banking rules (issue 13): freezing an account, cash at a counter, reversals.
 * Pure, like src/domain/ledger.ts, whose plans they reuse: the store turns each plan into one
 * transaction whose stored conditions enforce the same rules (see src/store/ledger-admin.ts).
 *
 *   - A frozen account refuses every movement in and out (422 account_not_active): the ledger's
 *     `status = active` condition on every posting (and every new hold) is the rule, so a freeze is
 *     only a change of the stored status. Releasing a hold (void, expiry) moves nothing and stays
 *     allowed. A frozen account cannot be closed by its owner either (staff unfreeze it first).
 *   - Teller cash is a deposit or a withdrawal without the customer's daily caps; it never overdraws.
 *   - A reversal gives back all or part of a posted deposit, withdrawal, transfer or refund, in the
 *     opposite direction. Refunds and reversals of one journal together never exceed its amount
 *     (`unreversed`, shared with refunds), and no customer balance goes below zero.
 *   - Unclaimed funds (a transfer whose recipient's and sender's accounts both closed before it
 *     settled, held on an `unclaimed` shard) are paid out whole, once, to an active account of the
 *     transfer's sender in its currency, or out of the bank (a cheque, or to the state) on a cash-out
 *     shard: a `reversal` of the transfer from that shard to the account or the cash-out shard.
 */
import { type AccountStatus, assertActive } from './account.ts';
import { BankError } from './errors.ts';
import {
  assertAmount,
  assertFunds,
  checked,
  empty,
  type Journal,
  type Moving,
  type Plan,
  planDeposit,
  planWithdrawal,
  posted,
  unreversed,
} from './ledger.ts';

/**
 * Staff never act on their own money: no teller cash into or out of an account they own, no reversal
 * of a movement of theirs, no freeze or unfreeze of their own account (another member of staff does
 * it). One compromised staff login cannot credit itself.
 */
export const assertNotOwn = (staff: string, ...owners: (string | undefined)[]): void => {
  if (owners.includes(staff))
    throw new BankError('forbidden', 'Bank staff may not act on their own accounts: ask a colleague');
};

/** What a freeze or an unfreeze leads to: the status to store, or none when it is already there. */
export const statusChange = (
  current: AccountStatus,
  action: 'freeze' | 'unfreeze',
): { to: AccountStatus; changed: boolean } => {
  if (current === 'closed') throw new BankError('account_not_active', 'The account is closed');
  const to: AccountStatus = action === 'freeze' ? 'frozen' : 'active';
  return { to, changed: current !== to };
};

/** Cash paid in at a counter: a deposit that counts against no daily limit. */
export const planTellerDeposit = (to: Moving, amount: number, cashInShard: string): Plan => ({
  ...planDeposit(to, amount, cashInShard, Number.POSITIVE_INFINITY),
  deposited: 0,
});

/** Cash paid out at a counter: a withdrawal that counts against no daily limit, and never overdraws. */
export const planTellerWithdrawal = (from: Moving, amount: number, cashOutShard: string): Plan => ({
  ...planWithdrawal(from, amount, cashOutShard, Number.POSITIVE_INFINITY),
  outgoing: 0,
});

const REVERSIBLE: readonly Journal['type'][] = ['deposit', 'withdrawal', 'transfer', 'refund'];

/** Only a posted deposit, withdrawal, transfer or refund can be reversed (not a reversal, nor a pending one). */
export const assertReversible = (j: Pick<Journal, 'type' | 'status'>): void => {
  if (!REVERSIBLE.includes(j.type) || j.status !== 'posted')
    throw new BankError(
      'not_reversible',
      'Only a posted deposit, withdrawal, transfer or refund can be reversed',
    );
};

/** The sides of a reversal: money goes back from the side the original credited to the one it debited. */
export interface ReversalSides {
  /** The customer account the original credited (it is debited now), or the system shard it came from. */
  debit: Moving | { system: string };
  /** The customer account the original debited (it is credited now), or the system shard it went to. */
  credit: Moving | { system: string };
}

const isSystem = (s: Moving | { system: string }): s is { system: string } => 'system' in s;

/**
 * Reverses `amount` (default: all that is left) of a posted journal. The customer side debited must
 * hold the money (422 insufficient_funds: staff freeze the account and follow up); every customer side
 * must be active, or with `evenFrozen` (a staff reversal) not closed: a frozen account's money is
 * taken back without unfreezing it first, when its owner could move it.
 */
export const planReversal = (
  original: Journal,
  sides: ReversalSides,
  amount: number | undefined,
  opts: { evenFrozen?: boolean } = {},
): Plan => {
  assertReversible(original);
  if (amount !== undefined) assertAmount(amount);
  const room = unreversed(original);
  const amt = amount ?? room;
  if (amt > room || amt <= 0)
    throw new BankError(
      'reversal_exceeds_amount',
      'Refunds and reversals would exceed the amount of the transaction',
    );
  const read: Moving[] = [];
  const changes: Plan['changes'] = new Map();
  const leg = (side: Moving | { system: string }, delta: number) => {
    if (isSystem(side))
      return { account: side.system, system: true, amount: delta, currency: original.currency };
    if (opts.evenFrozen && side.status === 'frozen') {
      changes.set(side.id, { ...posted(side, delta), evenFrozen: true });
    } else {
      assertActive(side);
      changes.set(side.id, posted(side, delta));
    }
    if (delta < 0) assertFunds(side, -delta);
    read.push(side);
    return { account: side.id, system: false, amount: delta, currency: original.currency };
  };
  const postings = [leg(sides.debit, -amt), leg(sides.credit, amt)];
  return checked({ ...empty, type: 'reversal', postings, changes }, read);
};

/**
 * Pays out unclaimed funds (src/store/ledger-return.ts `unclaim`): the whole of `original`, from the
 * unclaimed shard it was posted to, to `to`: an account of the original's sender, or out of the bank
 * (a cheque, or to the state) on a cash-out shard. Refused (declines, 422) when the journal is not
 * unclaimed funds (`not_reversible`), when it was paid out already (`reversal_exceeds_amount`: the
 * payout is a reversal of it, and all of it has been given back), when the account is not the
 * sender's (`recipient_not_found`: the funds have no other recipient), not in the journal's currency
 * (`currency_mismatch`) or not active (`account_not_active`). Existing codes: the web client keeps a
 * message for every code (web/src/errors.ts).
 */
export const planUnclaimedPayout = (
  original: Journal,
  to: (Moving & { ownerId: string }) | { system: string },
  unclaimedShard: string,
): Plan => {
  if (!original.unclaimed || original.type !== 'transfer' || original.status !== 'posted')
    throw new BankError('not_reversible', 'Only a transfer held as unclaimed funds can be paid out');
  if (original.unclaimedPaidOut)
    throw new BankError('reversal_exceeds_amount', 'These unclaimed funds were already paid out');
  const account = isSystem(to) ? undefined : to;
  if (account) {
    if (account.ownerId !== original.from?.ownerId)
      throw new BankError(
        'recipient_not_found',
        "Unclaimed funds are paid to an account of the transfer's sender only",
      );
    if (account.currency !== original.currency)
      throw new BankError('currency_mismatch', 'The account must be in the currency of the unclaimed funds');
    assertActive(account);
  }
  const { amount, currency } = original;
  return checked(
    {
      ...empty,
      type: 'reversal',
      postings: [
        { account: unclaimedShard, system: true, amount: -amount, currency },
        { account: isSystem(to) ? to.system : to.id, system: !account, amount, currency },
      ],
      changes: new Map(account ? [[account.id, posted(account, amount)]] : []),
    },
    account ? [account] : [],
  );
};
