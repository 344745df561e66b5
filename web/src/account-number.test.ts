import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isWellFormedAccountNumber, newAccountNumber } from '../../src/domain/account.ts';
import { accountNumberProblem, lastDigits, normalizeAccountNumber } from './account-number.ts';

describe('account numbers', () => {
  it('accepts every number the bank makes', () => {
    for (let i = 0; i < 200; i++) expect(accountNumberProblem(newAccountNumber())).toBeUndefined();
  });

  it('agrees with the domain check on any 10 digits', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{10}$/), (n) => {
        expect(accountNumberProblem(n) === undefined).toBe(isWellFormedAccountNumber(n));
      }),
      { seed: 4242, numRuns: 2000 },
    );
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
