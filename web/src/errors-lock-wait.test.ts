/**
 * `verification_locked` (429) comes with a Retry-After the client does not read. The bank sends it for
 * two locks (src/handlers/context.ts): a confirmation code spent by 5 wrong tries (Retry-After: 1; the
 * way on is a new code, "Send a new code" beside the form), and wrong passwords or codes in signed-in
 * changes (Retry-After: the seconds left of the 15-minute lock). The words say "wait 15 minutes" for both.
 */
import { describe, expect, it } from 'vitest';
import { problem } from '../../src/api/problem.ts';
import { apiErrorFrom, explain } from './errors.ts';

const confirmForm = ['email', 'code', 'name', 'password'];

describe('verification_locked says what Retry-After says', () => {
  it('a confirmation code spent (Retry-After: 1) is not told to wait 15 minutes, but to ask for a new code', () => {
    const spent = apiErrorFrom(
      429,
      problem('verification_locked', 'Too many wrong tries of this code: ask for a new code'),
      '1',
    );
    const { message } = explain(spent, confirmForm);
    expect(message).not.toMatch(/15 minutes/);
    expect(message).toMatch(/new code/i);
  });

  it('a lock with 2 minutes left (Retry-After: 120) says so, not 15 minutes', () => {
    const locked = apiErrorFrom(
      429,
      problem('verification_locked', 'Too many wrong passwords or codes'),
      '120',
    );
    const { message } = explain(locked, ['currentPassword', 'newPassword']);
    expect(message).toMatch(/2 minutes/);
  });

  it('a code locked with minutes to wait (Cognito, Retry-After: 900) says the wait, then a new code', () => {
    const locked = apiErrorFrom(429, problem('verification_locked'), '900');
    const { message } = explain(locked, confirmForm);
    expect(message).toMatch(/wait 15 minutes, then ask for a new code/);
  });
});
