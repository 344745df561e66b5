import { randomInt } from 'node:crypto';
import { BankError } from './errors.ts';
import { luhnDigit } from './luhn.ts';
import type { Currency } from './money.ts';

export { isWellFormedAccountNumber, luhnDigit } from './luhn.ts';

export const accountTypes = ['checking', 'savings'] as const;
export type AccountType = (typeof accountTypes)[number];
export const accountStatuses = ['active', 'frozen', 'closed'] as const;
export type AccountStatus = (typeof accountStatuses)[number];

/** A customer may hold at most this many accounts that are not closed. */
export const MAX_OPEN_ACCOUNTS = 10;

export interface Account {
  id: string;
  number: string;
  type: AccountType;
  currency: Currency;
  nickname: string | null;
  status: AccountStatus;
  balance: number;
  createdAt: string;
}

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

export const assertClosable = (account: Pick<Account, 'balance' | 'status'>): void => {
  if (account.balance !== 0)
    throw new BankError('balance_not_zero', 'Only an account with a zero balance can be closed');
};
