import { describe, expect, it } from 'vitest';
import {
  brokenPasswordRules,
  COGNITO_SYMBOLS,
  commonPasswordCandidates,
  isCommonPassword,
} from './password.ts';

/** A few entries in the list's form (src/identity/common-passwords.txt.br holds them all, 3 letters and up). */
const list = new Set(['password', 'dragon', 'iloveyou', 'batman', 'letmein', 'qwe', '123456789']);
const common = (p: string) => isCommonPassword(p, (e) => list.has(e));

describe('the password rule', () => {
  it('accepts every symbol on Cognito\u2019s list and nothing else', () => {
    for (const c of COGNITO_SYMBOLS.replace(' ', ''))
      expect(brokenPasswordRules(`Abcdefgh123${c}`), c).toEqual([]);
    for (const c of ['é', '€', '£', '\u00a0', '\t', 'ß']) {
      expect(
        brokenPasswordRules(`Abcdefgh123!${c}x`).map((r) => r.id),
        c,
      ).toContain('charset');
    }
  });

  it.each([
    ['Abcdefgh12!', ['length']],
    ['abcdefgh123!', ['upper']],
    ['ABCDEFGH123!', ['lower']],
    ['Abcdefghijk!', ['digit']],
    ['Abcdefgh1234', ['symbol']],
    ['Abcdefgh123!', []],
    // The ends of the ranges: Z is upper case, 0 a digit (and an allowed character).
    ['Zbcdefgh000!', []],
    ['ab', ['length', 'upper', 'digit', 'symbol']],
  ])('%s breaks %j', (p, ids) => {
    expect(brokenPasswordRules(p).map((r) => r.id)).toEqual(ids);
  });

  it('counts a space inside as allowed but not as the symbol, and refuses one at an edge', () => {
    expect(brokenPasswordRules('Correct horse 9 Battery').map((r) => r.id)).toEqual(['symbol']);
    expect(brokenPasswordRules(' Correct-horse-9-Battery').map((r) => r.id)).toEqual(['edges']);
    expect(brokenPasswordRules('Correct-horse-9-Battery ').map((r) => r.id)).toEqual(['edges']);
  });
});

describe('common passwords', () => {
  it.each(['Password123!', 'P@ssw0rd2024!', '!!Dragon2025', 'I-Love-You-1234', 'PASSWORD!!!!1234'])(
    'refuses %s as a variant of a common one',
    (p) => expect(common(p)).toBe(true),
  );
  it.each(['Correct-Horse-9-Battery', 'Passwordless-Login-42!', 'Dragonfly-Orbit-77'])('accepts %s', (p) =>
    expect(common(p)).toBe(false),
  );
  it('looks up the core without the digits and symbols around it', () => {
    expect(commonPasswordCandidates('Password123!')).toContain('password');
  });
  it('looks up a core of 3 letters, the shortest the list holds (36 of them: qwe, abc, dog\u2026)', () => {
    expect(common('Qwe!123456789')).toBe(true);
  });
  it.each([
    ['1', '1loveyou'],
    ['3', 'ilov3you'],
    ['4', 'b4tman'],
    ['5', 'pa55word'],
    ['7', 'le7mein'],
    ['8', '8atman'],
    ['9', 'dra9on'],
    ['$', 'pa$$word'],
    ['!', '!loveyou'],
    ['+', 'le+mein'],
  ])('reads %s back as the letter it stands for (%s)', (_, p) => expect(common(p)).toBe(true));
  it('reads back a leeted letter at the start of a word with digits after it', () => {
    expect(common('!loveyou22')).toBe(true);
  });
  it('squashes a phrase of digits with separators', () => {
    expect(common('123-456-789')).toBe(true);
  });
});
