import { describe, expect, it } from 'vitest';
import { securityEventNames } from '../../src/identity/security-events.ts';
import { ACTIONS, describeAction, describeOutcome, isWorrying, toActivityPage } from './activity.ts';

describe('security activity adapter', () => {
  it('reads the route shape, keeping only well-formed items', () => {
    const page = toActivityPage({
      items: [
        {
          id: 'a1',
          at: '2026-11-30T07:00:00Z',
          action: 'login_succeeded',
          outcome: 'success',
          sourceIp: '203.0.113.9',
        },
        { id: 'a2', at: '2026-11-30T07:01:00Z', action: 'login_failed', outcome: 'failure', extra: 1 },
        { id: 'a3', at: 'not a date', action: 'logout', outcome: 'success' },
        { at: '2026-11-30T07:02:00Z', action: 'logout' },
        'junk',
        { id: 'a4', at: '2026-11-30T07:03:00Z', action: 'logout' },
      ],
      nextCursor: 'abc',
    });
    expect(page).toEqual({
      items: [
        {
          id: 'a1',
          at: '2026-11-30T07:00:00Z',
          action: 'login_succeeded',
          outcome: 'success',
          sourceIp: '203.0.113.9',
        },
        { id: 'a2', at: '2026-11-30T07:01:00Z', action: 'login_failed', outcome: 'failure' },
        { id: 'a4', at: '2026-11-30T07:03:00Z', action: 'logout', outcome: 'unknown' },
      ],
      nextCursor: 'abc',
    });
    expect(toActivityPage({ items: [] })).toEqual({ items: [], nextCursor: null });
    expect(toActivityPage(undefined)).toEqual({ items: [], nextCursor: null });
  });

  it('puts actions and outcomes in plain words, and flags the worrying ones', () => {
    expect(describeAction('mfa_enabled')).toBe('Two-step verification turned on');
    expect(describeAction('auth.password_changed')).toBe('Password changed');
    expect(describeAction('something_new.happened')).toBe('Something new happened');
    expect(describeOutcome('failure')).toBe('Failed');
    expect(describeOutcome('success')).toBe('Succeeded');
    const item = { id: 'x', at: '2026-11-30T07:00:00Z', action: 'login_succeeded', outcome: 'success' };
    expect(isWorrying(item)).toBe(false);
    expect(isWorrying({ ...item, outcome: 'failure' })).toBe(true);
    expect(isWorrying({ ...item, action: 'login_locked' })).toBe(true);
  });

  it('has its own words for every security event the bank records', () => {
    // Spelled out, "login_refused_locked" reads "Login refused locked": each event the server can
    // record has its words, so a new one cannot reach the activity screen without them.
    expect(securityEventNames.filter((name) => !Object.hasOwn(ACTIONS, name))).toEqual([]);
    expect(describeAction('login_refused_locked')).toBe('Login refused: paused after failed attempts');
  });
});
