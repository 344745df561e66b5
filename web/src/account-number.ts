/**
 * Account numbers: 10 digits, the last a Luhn check digit (src/domain/account.ts makes them). Checking
 * it here catches a mistyped digit before anything is sent.
 */
import { isWellFormedAccountNumber } from '../../src/domain/luhn.ts';

/** Spaces and dashes people type are dropped. */
export const normalizeAccountNumber = (input: string): string => input.replace(/[\s-]/g, '');

export const accountNumberProblem = (input: string): string | undefined => {
  const n = normalizeAccountNumber(input);
  if (n === '') return 'Enter the account number to send to.';
  if (!/^\d{10}$/.test(n)) return 'An account number has exactly 10 digits.';
  if (!isWellFormedAccountNumber(n)) return 'This account number is not valid. Check it for typing errors.';
  return undefined;
};

/** `4820193757` -> `····3757`, to name an account without showing its whole number. */
export const lastDigits = (n: string): string => `····${n.slice(-4)}`;
