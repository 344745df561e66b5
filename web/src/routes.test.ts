import { describe, expect, it } from 'vitest';
import { homeOf, isPublic, loginPath, match, navSection, safeNext } from './routes.ts';

const id = '3f9a2b1c-6a43-4c1e-9a55-5b7f0e2d8c11';

describe('routes', () => {
  it('matches every screen', () => {
    expect(match('/')).toEqual({ name: 'dashboard' });
    expect(match('/login')).toEqual({ name: 'login' });
    expect(match('/register/')).toEqual({ name: 'register' });
    expect(match('/confirm')).toEqual({ name: 'confirm' });
    expect(match('/accounts/new')).toEqual({ name: 'open' });
    expect(match('/transfer')).toEqual({ name: 'transfer' });
    expect(match('/transfer/bulk')).toEqual({ name: 'bulk' });
    expect(match(`/accounts/${id}`)).toEqual({ name: 'account', id });
    expect(match(`/accounts/${id}/deposit`)).toEqual({ name: 'deposit', id });
    expect(match(`/accounts/${id}/withdraw`)).toEqual({ name: 'withdraw', id });
    expect(match(`/accounts/${id}/close`)).toEqual({ name: 'close', id });
    expect(match('/accounts/nope')).toEqual({ name: 'notFound' });
    expect(match('/payees')).toEqual({ name: 'payees' });
    expect(match(`/transactions/${id}`)).toEqual({ name: 'transaction', id });
    expect(match('/transactions/nope')).toEqual({ name: 'notFound' });
    expect(match('/schedules')).toEqual({ name: 'schedules' });
    expect(match('/schedules/new')).toEqual({ name: 'newSchedule' });
    expect(match(`/schedules/${id}`)).toEqual({ name: 'schedule', id });
    expect(isPublic(match('/login'))).toBe(true);
    expect(isPublic(match('/'))).toBe(false);
  });

  it('matches the settings and statements screens, and places them in the nav', () => {
    const wh = `wh_${'0a'.repeat(16)}`;
    expect(match(`/accounts/${id}/statements`)).toEqual({ name: 'statements', id });
    expect(match('/settings')).toEqual({ name: 'settings' });
    expect(match('/settings/developers/')).toEqual({ name: 'developers' });
    expect(match(`/settings/developers/${wh}`)).toEqual({ name: 'webhook', id: wh });
    expect(match('/settings/developers/wh_nope')).toEqual({ name: 'notFound' });
    expect(match('/settings/activity')).toEqual({ name: 'activity' });
    expect(navSection(match(`/accounts/${id}/statements`))).toBe('accounts');
    expect(navSection(match('/'))).toBe('accounts');
    expect(navSection(match('/transfer'))).toBe('transfer');
    expect(navSection(match('/transfer/bulk'))).toBe('transfer');
    expect(navSection(match('/security'))).toBe('settings');
    expect(navSection(match(`/settings/developers/${wh}`))).toBe('settings');
    expect(navSection(match('/nowhere'))).toBeUndefined();
    expect(safeNext('/settings/activity')).toBe('/settings/activity');
  });

  it('only returns to paths of this app after login', () => {
    expect(safeNext(`/accounts/${id}?x=1`)).toBe(`/accounts/${id}?x=1`);
    expect(safeNext('/transfer')).toBe('/transfer');
    for (const bad of [
      null,
      '',
      'https://evil.example',
      '//evil.example/x',
      '/\\evil.example',
      'javascript:alert(1)',
      '/login',
      '/nowhere',
    ]) {
      expect(safeNext(bad), String(bad)).toBe('/');
    }
  });

  it('keeps the current path in the login link', () => {
    expect(loginPath(`/accounts/${id}`)).toBe(`/login?next=%2Faccounts%2F${id}`);
    expect(loginPath('/')).toBe('/login');
    expect(loginPath('/login?next=/transfer')).toBe('/login');
  });
});

describe('homeOf', () => {
  it("is the back office's home for its paths, the customer's for every other", () => {
    expect(homeOf('/admin')).toBe('/admin');
    expect(homeOf('/admin/accounts/x')).toBe('/admin');
    expect(homeOf('/accounts/00000000-0000-4000-8000-000000000000/deposit')).toBe('/');
    expect(homeOf('/administrator')).toBe('/');
    expect(homeOf('/transfer')).toBe('/');
  });
});
