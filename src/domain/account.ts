import { randomInt } from 'node:crypto';
import { BankError } from './errors.ts';
import type { Currency } from './money.ts';

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

/** Luhn check digit over a string of digits. */
export const luhnDigit = (digits: string): string => {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
};

/**
 * A new account number: 9 random digits (not derived from the id) and a Luhn check digit,
 * so that a mistyped digit in a transfer is caught before any lookup.
 */
export const newAccountNumber = (): string => {
  const body = String(randomInt(100_000_000, 1_000_000_000));
  return body + luhnDigit(body);
};

export const isWellFormedAccountNumber = (n: string): boolean =>
  /^\d{10}$/.test(n) && luhnDigit(n.slice(0, 9)) === n[9];

/** Any money movement needs an active account. */
export const assertActive = (account: Pick<Account, 'status'>): void => {
  if (account.status !== 'active') throw new BankError('account_not_active', 'The account is not active');
};

export const assertClosable = (account: Pick<Account, 'balance' | 'status'>): void => {
  if (account.balance !== 0)
    throw new BankError('balance_not_zero', 'Only an account with a zero balance can be closed');
};
