import { describe, expect, it } from 'vitest';
import { newAccountNumber } from '../../src/domain/account.ts';
import { accountNumberProblem, lastDigits, normalizeAccountNumber } from './account-number.ts';

describe('account numbers', () => {
  it('accepts every number the bank makes', () => {
    for (let i = 0; i < 200; i++) expect(accountNumberProblem(newAccountNumber())).toBeUndefined();
  });

  const invalid = 'This account number is not valid. Check it for typing errors.';
  const wrongLength = 'An account number has exactly 10 digits.';

  /**
   * Check digits worked out by hand: from the right of the nine digits, double the 1st, 3rd, 5th,
   * 7th and 9th (a result over 9 loses 9), add everything, and the check digit brings the sum to a
   * multiple of 10.
   */
  it.each([
    // 4 8 2 0 1 9 3 7 5: 5→1, 7, 3→6, 9, 1→2, 0, 2→4, 8, 4→8 = 45 → 5
    '4820193755',
    // 1 2 3 4 5 6 7 8 9: 9→9, 8, 7→5, 6, 5→1, 4, 3→6, 2, 1→2 = 43 → 7
    '1234567897',
    '0000000000', // 0 → 0
    // nine 9s: five doubled 9s count 9 each, four plain 9s: 81 → 9
    '9999999999',
    '0000000018', // the rightmost 1 is doubled: 2 → 8
    '0000000109', // the next 1 is not: 1 → 9
    '0000000059', // 5 doubled is 10, less 9 is 1 → 9
    '1000000008', // the leftmost 1 is the 9th from the right, doubled: 2 → 8
  ])('accepts %s, a valid check digit', (n) => {
    expect(accountNumberProblem(n)).toBeUndefined();
  });

  it.each([
    '4820193757', // 45 needs 5, not 7
    '1234567890', // 43 needs 7, not 0
    '2134567897', // two digits swapped: 2 1 3 … gives 44, which needs 6
    '0000000019', // as if the rightmost digit were not doubled
    '0000000050', // as if 5 doubled were 10 (not 1)
    '9999999990',
  ])('refuses %s, a wrong check digit', (n) => {
    expect(accountNumberProblem(n)).toBe(invalid);
  });

  it.each([
    '482019375', // 9 digits
    '48201937555', // 11 digits
    '482019375a',
    '+482019375',
    '482.019.3755',
    '٤٨٢٠١٩٣٧٥٥', // Arabic-Indic digits are not the digits of an account number
  ])('refuses %s, not 10 digits', (n) => {
    expect(accountNumberProblem(n)).toBe(wrongLength);
  });

  it('explains what is wrong, and tolerates spaces and dashes', () => {
    const good = newAccountNumber();
    const typo = good.slice(0, 3) + ((Number(good[3]) + 1) % 10) + good.slice(4);
    expect(accountNumberProblem(typo)).toBe('This account number is not valid. Check it for typing errors.');
    expect(accountNumberProblem('')).toBe('Enter the account number to send to.');
    expect(accountNumberProblem('12345')).toBe('An account number has exactly 10 digits.');
    expect(accountNumberProblem(`${good.slice(0, 5)} ${good.slice(5)}`)).toBeUndefined();
    expect(normalizeAccountNumber('482-019 3757')).toBe('4820193757');
    expect(lastDigits('4820193757')).toBe('····3757');
  });
});
