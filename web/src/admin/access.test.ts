import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.ts';
import {
  auditPath,
  dayRange,
  dayRangeProblem,
  isAdminToken,
  loginActionRefusal,
  matchAdmin,
  reasonProblem,
  referenceProblem,
  STAFF_LOGIN_REFUSED,
  tokenGroups,
} from './access.ts';

const jwt = (payload: unknown) =>
  ['{"alg":"RS256"}', JSON.stringify(payload), 'sig']
    .map((p) => Buffer.from(p).toString('base64url'))
    .join('.');

const ID = '0b6f1c7e-3a52-4c1e-9d59-2f1a3b4c5d6e';

describe('tokenGroups / isAdminToken', () => {
  it('reads cognito:groups from the payload (base64url, no padding)', () => {
    expect(tokenGroups(jwt({ sub: 'x', 'cognito:groups': ['admin', 'staff'] }))).toEqual(['admin', 'staff']);
    expect(isAdminToken(jwt({ 'cognito:groups': ['admin'] }))).toBe(true);
    // A payload whose base64url needs `-`/`_` and padding back.
    expect(isAdminToken(jwt({ n: '>>>???', 'cognito:groups': ['admin'] }))).toBe(true);
  });

  it('is false for a customer token, another group, a malformed token or none', () => {
    expect(isAdminToken(jwt({ sub: 'x' }))).toBe(false);
    expect(isAdminToken(jwt({ 'cognito:groups': ['administrators'] }))).toBe(false);
    expect(isAdminToken(jwt({ 'cognito:groups': 'admin' }))).toBe(false);
    expect(isAdminToken('not-a-jwt')).toBe(false);
    expect(isAdminToken('a.%%%.c')).toBe(false);
    expect(isAdminToken(undefined)).toBe(false);
  });
});

describe('matchAdmin', () => {
  it('maps the back office paths', () => {
    expect(matchAdmin('/admin')).toEqual({ name: 'search' });
    expect(matchAdmin('/admin/')).toEqual({ name: 'search' });
    expect(matchAdmin('/admin/audit')).toEqual({ name: 'audit' });
    expect(matchAdmin(`/admin/customers/${ID}`)).toEqual({ name: 'customer', id: ID });
    expect(matchAdmin(`/admin/accounts/${ID}`)).toEqual({ name: 'account', id: ID });
    expect(matchAdmin(`/admin/transactions/${ID}`)).toEqual({ name: 'transaction', id: ID });
  });
  it('anything else is not found', () => {
    expect(matchAdmin('/admin/accounts/123')).toEqual({ name: 'notFound' });
    expect(matchAdmin(`/admin/customers/${ID}/x`)).toEqual({ name: 'notFound' });
    expect(matchAdmin('/administrator')).toEqual({ name: 'notFound' });
  });
});

describe('auditPath', () => {
  it('takes the subject, else the actor, trimmed and encoded', () => {
    expect(auditPath({ subjectId: ` ${ID} ` })).toBe(`/admin/audit?subjectId=${ID}`);
    expect(auditPath({ subjectId: 'a b@x.com', actorId: 'z' })).toBe('/admin/audit?subjectId=a+b%40x.com');
    expect(auditPath({ subjectId: ' ', actorId: 'sub-1' })).toBe('/admin/audit?actorId=sub-1');
    expect(auditPath({})).toBe('/admin/audit');
  });

  it('keeps the days of a range in the address, and leaves out what is not a day', () => {
    expect(auditPath({ actorId: 'sub-1', from: '2026-11-01', to: '2026-11-30' })).toBe(
      '/admin/audit?actorId=sub-1&from=2026-11-01&to=2026-11-30',
    );
    expect(auditPath({ actorId: 'sub-1', from: '1 Nov', to: '2026-13-45' })).toBe(
      '/admin/audit?actorId=sub-1',
    );
  });
});

describe('day ranges', () => {
  it("runs from the first UTC day's start to the last one's end", () => {
    expect(dayRange('2026-11-01', '2026-11-30')).toEqual({
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-11-30T23:59:59.999Z',
    });
    expect(dayRange('', '2026-11-30')).toEqual({ to: '2026-11-30T23:59:59.999Z' });
    expect(dayRange()).toEqual({});
  });

  it('refuses a last day before the first, and what is not a date', () => {
    expect(dayRangeProblem('2026-11-02', '2026-11-01')).toEqual({
      to: 'The last day must be on or after the first.',
    });
    expect(dayRangeProblem('2026-11-01', '2026-11-01')).toBeUndefined();
    expect(dayRangeProblem('', '')).toBeUndefined();
    expect(dayRangeProblem('yesterday', '')).toEqual({ from: 'Enter a date as YYYY-MM-DD.' });
    expect(dayRangeProblem('', '2026-02-30x')).toEqual({ to: 'Enter a date as YYYY-MM-DD.' });
  });
});

describe('loginActionRefusal', () => {
  it("words a 403 forbidden on a login action as staff's own or a colleague's login, and nothing else", () => {
    const problem = (code: string, status: number) => new ApiError(status, code);
    expect(loginActionRefusal(problem('forbidden', 403))).toBe(STAFF_LOGIN_REFUSED);
    expect(loginActionRefusal(problem('not_found', 404))).toBeUndefined();
    expect(loginActionRefusal(problem('validation_failed', 400))).toBeUndefined();
    expect(loginActionRefusal(new Error('offline'))).toBeUndefined();
  });
});

describe('reasonProblem / referenceProblem', () => {
  it('a reason is 3 to 500 characters; required only where the API requires it', () => {
    expect(reasonProblem('', true)).toMatch(/Give a reason/);
    expect(reasonProblem('  ', false)).toBeUndefined();
    expect(reasonProblem('ab', false)).toMatch(/3 to 500/);
    expect(reasonProblem(' abc ', true)).toBeUndefined();
    expect(reasonProblem('x'.repeat(500), true)).toBeUndefined();
    expect(reasonProblem('x'.repeat(501), true)).toMatch(/3 to 500/);
  });
  it('a reference is 1 to 64 characters', () => {
    expect(referenceProblem(' ')).toMatch(/slip/);
    expect(referenceProblem(' ', 'the cheque number')).toBe('Enter the cheque number.');
    expect(referenceProblem('BR12-000481')).toBeUndefined();
    expect(referenceProblem('x'.repeat(65))).toMatch(/64/);
  });
});
