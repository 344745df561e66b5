import { randomInt } from 'node:crypto';
import { BankError } from './errors.ts';
import { luhnDigit } from './luhn.ts';
import { type Currency, isAmount } from './money.ts';

export { isWellFormedAccountNumber, luhnDigit } from './luhn.ts';

export const accountTypes = ['checking', 'savings'] as const;
export type AccountType = (typeof accountTypes)[number];
export const accountStatuses = ['active', 'frozen', 'closed'] as const;
export type AccountStatus = (typeof accountStatuses)[number];

/** A customer may hold at most this many accounts that are not closed. */
export const MAX_OPEN_ACCOUNTS = 10;

/**
 * A customer may open at most this many accounts in all, closed ones included: a closed account's item
 * stays (its history and statements are kept), and every account list and every opening reads the
 * owner's account items, so opening and closing without end would make them ever slower.
 */
export const MAX_ACCOUNTS_EVER = 100;

export interface Account {
  id: string;
  number: string;
  type: AccountType;
  currency: Currency;
  nickname: string | null;
  status: AccountStatus;
  /** Posted balance, in minor units. */
  balance: number;
  /** The sum of the account's live (pending, unexpired) outgoing transfers. */
  held: number;
  /** What may be spent: `balance - held`. */
  available: number;
  createdAt: string;
}

/** A live hold on an account: a pending outgoing transfer, until it is posted, voided or expires. */
export interface Hold {
  amount: number;
  /** ISO 8601 instant: from then on the hold no longer counts (even before the sweeper releases it). */
  expiresAt: string;
}

/** An account may carry at most this many pending outgoing transfers at once. */
export const MAX_LIVE_HOLDS = 100;

export const isExpired = (expiresAt: string, now: Date): boolean => Date.parse(expiresAt) <= now.getTime();

/**
 * What is wrong with a stored `holds` map, or undefined when nothing is: it must map journal ids to
 * holds, each a positive whole amount (minor units) and an instant it expires at. A map that does not
 * (an item written wrong, by hand or by a bug) cannot say what is held or what may be released: its
 * sums come out NaN, which passes every comparison of a plan (LedgerEngine.soundAccount refuses every
 * debit from it, a post's too; reads show its stored `held` and `available`: store/accounts.ts toAccount).
 */
export const holdsFault = (holds: unknown): string | undefined => {
  if (holds === undefined || holds === null) return undefined;
  if (typeof holds !== 'object' || Array.isArray(holds))
    return `holds is ${Array.isArray(holds) ? 'a list' : `a ${typeof holds}`}, not a map`;
  for (const [id, h] of Object.entries(holds)) {
    const { amount, expiresAt } = (typeof h === 'object' && h !== null ? h : {}) as Partial<Hold>;
    if (typeof amount !== 'number' || !isAmount(amount)) return `hold ${id} has no positive whole amount`;
    if (typeof expiresAt !== 'string' || Number.isNaN(Date.parse(expiresAt)))
      return `hold ${id} has no instant it expires at`;
  }
  return undefined;
};

/** The held amount as of `now`: holds past their expiry no longer count. */
export const heldAt = (holds: Readonly<Record<string, Hold>>, now: Date): number =>
  Object.values(holds).reduce((sum, h) => (isExpired(h.expiresAt, now) ? sum : sum + h.amount), 0);

/** The ids of holds past their expiry, which must be released before the account is debited. */
export const expiredHolds = (holds: Readonly<Record<string, Hold>>, now: Date): string[] =>
  Object.entries(holds)
    .filter(([, h]) => isExpired(h.expiresAt, now))
    .map(([id]) => id);

/**
 * A new account number: 9 random digits (not derived from the id) and a Luhn check digit,
 * so that a mistyped digit in a transfer is caught before any lookup.
 */
export const newAccountNumber = (): string => {
  const body = String(randomInt(100_000_000, 1_000_000_000));
  return body + luhnDigit(body);
};

/** Any money movement needs an active account. */
export const assertActive = (account: Pick<Account, 'status'>): void => {
  if (account.status !== 'active') throw new BankError('account_not_active', 'The account is not active');
};

/**
 * Where a refusal names the recipient's account: the request's account number (a saved payee's
 * transfer names the number the payee pays).
 */
export const RECIPIENT_PATH = 'body.toAccountNumber';

/**
 * A movement's recipient must be active too. Refused with the same code, but said to be the
 * recipient's (a field error on RECIPIENT_PATH), so that the sender is not told their own account is
 * not active; nor whether the recipient's is closed or frozen.
 */
export const assertRecipientActive = (account: Pick<Account, 'status'>): void => {
  if (account.status !== 'active') throw recipientNotActive();
};

/** The refusal of a recipient's account (assertRecipientActive; a new schedule's closed recipient). */
export const recipientNotActive = (): BankError =>
  new BankError('account_not_active', 'The account you want to pay cannot take payments', {
    errors: [{ path: RECIPIENT_PATH, message: 'is not an account that can take payments' }],
  });

/**
 * Where a refund's refusal names the account the refunded transfer came from: the transaction the
 * request names (its path's id), since the refund's body names no account.
 */
export const REFUND_PAYER_PATH = 'params.id';

/**
 * The refusal of a refund whose payer's account (the account the transfer came from) cannot take
 * payments: the same code, said to be that account's (a field error on REFUND_PAYER_PATH), so that
 * the refunder is not told their own account is not active; nor whether the payer's is closed or frozen.
 */
export const payerNotActive = (): BankError =>
  new BankError('account_not_active', 'The account the transfer came from cannot take payments', {
    errors: [{ path: REFUND_PAYER_PATH, message: 'came from an account that cannot take payments' }],
  });

/** Only an active account with nothing in it closes: a frozen one stays open until staff unfreeze it. */
export const assertClosable = (account: Pick<Account, 'status' | 'balance' | 'held'>): void => {
  assertActive(account);
  if (account.balance !== 0 || account.held !== 0)
    throw new BankError('balance_not_zero', 'Only an account with a zero balance and no holds can be closed');
};
