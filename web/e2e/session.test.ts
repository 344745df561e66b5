/**
 * Sessions in the browser: a reload renews the session from sessionStorage; a session that ended
 * (refresh token revoked, or a 401 that cannot be cured) returns to login and keeps the path; after
 * 15 idle minutes the customer is logged out, warned a minute before (the page's clock is driven by
 * Playwright, so nobody waits 15 minutes).
 */
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import {
  apiCall,
  arrived,
  type Customer,
  logIn,
  newCustomer,
  openPage,
  poll,
  readOnceAsFocused,
  screenshot,
  seedCustomer,
  useBrowser,
} from './browser.ts';
import { cutKeyedPosts, payTo, unknownAndIdle } from './money-helpers.ts';

const browser = useBrowser();

const refreshTokenOf = (page: Page) => page.evaluate(() => sessionStorage.getItem('bank.refreshToken'));

/** Revokes the page's refresh token on the server, as logging out elsewhere would. */
const revoke = async (refreshToken: string) => {
  const { accessToken } = await apiCall<{ accessToken: string }>('POST', '/v1/auth/refresh', {
    refreshToken,
  });
  await apiCall('POST', '/v1/auth/logout', { refreshToken }, { authorization: `Bearer ${accessToken}` });
};

/** The page revokes a session it ends after showing the login screen: the token is refused soon. */
const revokedSoon = (refreshToken: string) =>
  poll(() =>
    apiCall('POST', '/v1/auth/refresh', { refreshToken }).then(
      () => 'valid',
      () => 'revoked',
    ),
  ).toBe('revoked');

const loginAgain = async (page: Page, c: Customer) => {
  await page.getByLabel('Email').fill(c.email);
  await page.getByLabel('Password').fill(c.password);
  await page.getByRole('button', { name: 'Log in' }).click();
};

it('keeps the session across a reload, by renewing it with the refresh token', async () => {
  const c = await seedCustomer([{ currency: 'EUR', deposit: 1234, nickname: 'Travel' }]);
  const { page, problems, context } = await openPage(browser());
  await logIn(page, c);
  const accountPath = `/accounts/${c.accounts[0]?.id}`;
  await page.goto(accountPath);
  await page.getByRole('heading', { level: 1, name: 'Travel' }).waitFor();

  // The API calls are counted by each new document itself, from before its own scripts run: a call
  // the old page started just before the reload (useLoad's effects run after paint) can reach the
  // network after the reload began, and must not be taken for the new page's first.
  await page.addInitScript(() => {
    const calls: string[] = [];
    (window as unknown as { apiCalls: string[] }).apiCalls = calls;
    const original = window.fetch.bind(window);
    window.fetch = (input, init) => {
      const asked = input instanceof Request ? input : undefined;
      const url = new URL(asked?.url ?? String(input), location.href);
      const method = (init?.method ?? asked?.method ?? 'GET').toUpperCase();
      if (url.pathname.startsWith('/v1/')) calls.push(`${method} ${url.pathname}`);
      return original(input, init);
    };
  });
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Travel' }).waitFor();
  expect(new URL(page.url()).pathname).toBe(accountPath);
  expect(await page.getByTestId('balance').textContent()).toBe('€12.34');
  const calls = await page.evaluate(() => (window as unknown as { apiCalls: string[] }).apiCalls);
  expect(calls[0]).toBe('POST /v1/auth/refresh');
  expect(await page.evaluate(() => Object.keys(localStorage))).toEqual([]);
  expect(problems).toEqual([]);
  await context.close();
});

it('returns an expired session to login, keeping the path, and comes back after logging in', async () => {
  const c = await seedCustomer([{ currency: 'USD', nickname: 'Bills' }]);
  const { page, problems, context } = await openPage(browser());
  await logIn(page, c);
  const accountPath = `/accounts/${c.accounts[0]?.id}`;
  await page.goto(accountPath);
  await page.getByRole('heading', { level: 1, name: 'Bills' }).waitFor();

  await revoke((await refreshTokenOf(page)) as string);
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
  await page.getByText('Your session has ended. Please log in again.').waitFor();
  const url = new URL(page.url());
  expect(url.pathname).toBe('/login');
  expect(url.searchParams.get('next')).toBe(accountPath);
  expect(await refreshTokenOf(page)).toBeNull();
  await screenshot(page, '13-login-session-expired');

  await loginAgain(page, c);
  await page.getByRole('heading', { level: 1, name: 'Bills' }).waitFor();
  expect(new URL(page.url()).pathname).toBe(accountPath);
  expect(problems).toEqual([]);
  await context.close();
});

it('on a 401 that a renewal cannot cure, returns to login and keeps the path', async () => {
  const c = await seedCustomer([{ currency: 'GBP', nickname: 'Savings pot' }]);
  const { page, problems, context } = await openPage(browser());
  await logIn(page, c);
  await revoke((await refreshTokenOf(page)) as string);
  // The gateway's answer to an access token that has expired meanwhile.
  await page.route('**/v1/accounts/*', (route) =>
    route.fulfill({ status: 401, contentType: 'application/json', body: '{"message":"Unauthorized"}' }),
  );
  await page.locator('.account-list a', { hasText: 'Savings pot' }).click();
  await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
  await page.getByText('Your session has ended. Please log in again.').waitFor();
  expect(new URL(page.url()).searchParams.get('next')).toBe(`/accounts/${c.accounts[0]?.id}`);
  await page.unroute('**/v1/accounts/*');

  await loginAgain(page, c);
  await page.getByRole('heading', { level: 1, name: 'Savings pot' }).waitFor();
  expect(problems).toEqual([]);
  await context.close();
});

it('warns a minute before 15 idle minutes, lets the customer stay, then logs out and revokes the token', async () => {
  const c = await seedCustomer([{ currency: 'CHF', nickname: 'Swiss' }]);
  const { page, problems, context } = await openPage(browser());
  await page.clock.install();
  await logIn(page, c);
  const accountPath = `/accounts/${c.accounts[0]?.id}`;
  await page.goto(accountPath);
  await page.getByRole('heading', { level: 1, name: 'Swiss' }).waitFor();
  const dialog = page.getByRole('alertdialog', { name: 'Are you still there?' });

  // From here the page's time moves only when the test moves it, however slow the steps between;
  // the idle time starts at a key press at a known instant. Preact's effects (the dialog's showModal
  // and focus) run after a frame, which on the paused clock comes when the test moves time: hence
  // the 100 ms after each jump.
  // A minute ahead: the page's time runs on until the pause reaches it, and one in the past is refused.
  await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 60_000);
  await page.keyboard.press('Shift');
  await page.clock.fastForward('13:50');
  await page.clock.runFor(100);
  expect(await dialog.isVisible()).toBe(false);
  await page.clock.fastForward('00:15');
  await page.clock.runFor(100);
  await dialog.waitFor();
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Stay logged in');
  await screenshot(page, '14-idle-warning');

  await page.getByRole('button', { name: 'Stay logged in' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await page.clock.fastForward('13:55');
  await page.clock.runFor(100);
  expect(await dialog.isVisible()).toBe(false);
  expect(new URL(page.url()).pathname).toBe(accountPath);

  const refreshToken = (await refreshTokenOf(page)) as string;
  await page.clock.fastForward('01:10');
  await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
  await page.getByText('You were logged out because there was no activity for a while.').waitFor();
  expect(new URL(page.url()).searchParams.get('next')).toBe(accountPath);
  expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([]);
  // The page shows the login screen, then revokes the session.
  await revokedSoon(refreshToken);
  expect(problems).toEqual([]);
  await context.close();
});

it('does not bring back a session idle for 15 minutes on reload', async () => {
  const c = await seedCustomer([]);
  const { page, problems, context } = await openPage(browser());
  await logIn(page, c);
  // The tab was left alone: its last activity is 16 minutes old.
  await page.evaluate(() => sessionStorage.setItem('bank.lastActivity', String(Date.now() - 16 * 60_000)));
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
  await page.getByText('You were logged out because there was no activity for a while.').waitFor();
  expect(await refreshTokenOf(page)).toBeNull();
  expect(problems).toEqual([]);
  await context.close();
});

it('a reload renews the session; a tab reopened a minute after it was closed does not, and its token is revoked', async () => {
  const c = await seedCustomer([]);
  const { page, problems, context } = await openPage(browser());
  await logIn(page, c);
  await page.reload();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
  const refreshToken = (await refreshTokenOf(page)) as string;
  expect(refreshToken).toBeTruthy();
  // "Reopen closed tab" gives the tab its sessionStorage back: as if it had been left a minute ago.
  await page.addInitScript(() => sessionStorage.setItem('bank.leftAt', String(Date.now() - 60_000)));
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
  await page.getByText('You were logged out because the page was closed or left.').waitFor();
  expect(await refreshTokenOf(page)).toBeNull();
  await revokedSoon(refreshToken);
  expect(problems).toEqual([]);
  await context.close();
});

it('a session that ends by itself leaves nothing of the customer to the next, but their unknown intents to resume', async () => {
  const ada = await seedCustomer([{ currency: 'USD', deposit: 10_000, nickname: 'Main' }]);
  const payee = await seedCustomer([{ currency: 'USD' }]);
  const bea = await seedCustomer([]);
  const id = ada.accounts[0]?.id as string;
  const { page, problems, context } = await openPage(browser());
  await logIn(page, ada);
  // A transfer sent (noted for "You sent this already"), and a deposit whose answer is lost.
  await payTo(page, id, payee.accounts[0]?.number as string, payee.name, '20');
  await page.getByRole('button', { name: 'Confirm transfer' }).click();
  await page.getByRole('heading', { name: 'Transfer sent' }).waitFor();
  const cut = await cutKeyedPosts(page, '**/v1/accounts/*/deposits');
  await page.goto(`/accounts/${id}/deposit`);
  await page.getByLabel('Amount (USD)').fill('15');
  await page.getByRole('button', { name: 'Deposit', exact: true }).click();
  await unknownAndIdle(page);
  const stored = () => page.evaluate(() => Object.keys(sessionStorage).sort());
  const deposit = (await stored()).find((k) => k.startsWith('bank.intent.')) as string;
  expect(deposit).toMatch(/^bank\.intent\.[^.]+\.deposit:/);
  const adaSub = deposit.split('.')[2] as string;
  // An answer written down for a form not shown yet (a webhook's secret, say).
  const answered = (owner: string) =>
    page.evaluate((item) => {
      const outcome = { ok: true, result: { secret: 'whsec_ada' } };
      sessionStorage.setItem(item, JSON.stringify({ key: 'k', print: 'p', payload: {}, since: 0, outcome }));
    }, `bank.intent.${owner}.webhook`);
  await answered(adaSub);
  expect(await stored()).toContain('bank.recent-transfers');

  // The session expires (the refresh token refused): back to login, and only the unknown intent stays.
  await revoke((await refreshTokenOf(page)) as string);
  const accounts = (url: URL) => url.pathname.startsWith('/v1/accounts');
  await page.route(accounts, (route) =>
    route.fulfill({ status: 401, contentType: 'application/json', body: '{"message":"Unauthorized"}' }),
  );
  await page.getByRole('link', { name: 'Accounts', exact: true }).click();
  await page.getByText('Your session has ended. Please log in again.').waitFor();
  await page.unroute(accounts);
  expect(await stored()).toEqual([deposit]);

  // An answer that reaches the tab only after Ada's session ended is gone once Bea signs in.
  await answered(adaSub);
  await page.goto('/login');
  await loginAgain(page, bea);
  await page.getByRole('button', { name: 'Log out' }).waitFor();
  expect((await stored()).filter((k) => k.startsWith('bank.intent.'))).toEqual([deposit]);
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();

  // Ada back: her deposit is asked again with its key, and answered.
  cut.on = false;
  await loginAgain(page, ada);
  await page.getByRole('button', { name: 'Log out' }).waitFor();
  await page.goto(`/accounts/${id}/deposit`);
  await page.getByTestId('flash').filter({ hasText: 'Deposited $15.00' }).waitFor();
  expect(new Set(cut.keys).size).toBe(1);
  expect(problems).toEqual([]);
  await context.close();
});

it("never shows the last customer's name to the next: an answer of an ended session is dropped", async () => {
  const ada = await seedCustomer([]);
  const bea = { ...newCustomer(), name: 'Bea Example' };
  await apiCall('POST', '/v1/auth/register', bea);
  const { page, problems, context } = await openPage(browser());
  // Ada's "who am I" is answered by the bank at once, and reaches the page only after Bea has signed in.
  let answered!: () => void;
  const adaAnswered = new Promise<void>((r) => {
    answered = r;
  });
  let deliver!: () => void;
  const delivered = new Promise<void>((r) => {
    deliver = r;
  });
  let first = true;
  await page.route('**/v1/me', async (route) => {
    if (!first) return route.fallback();
    first = false;
    const response = await route.fetch();
    answered();
    await delivered;
    await route.fulfill({ response });
  });
  await logIn(page, ada);
  await adaAnswered;
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
  await loginAgain(page, bea);
  const who = page.locator('.site-header .who');
  await poll(() => who.textContent()).toBe('Signed in as Bea Example');

  // Ada's answer lands; then the page does more (a move to another screen), so it has been dealt with.
  const adaLanded = page.waitForEvent('requestfinished', (r) => new URL(r.url()).pathname === '/v1/me');
  deliver();
  await adaLanded;
  await page.getByRole('link', { name: 'Payees', exact: true }).click();
  await arrived(page, 'Payees');
  expect(await who.textContent()).toBe('Signed in as Bea Example');
  expect(await page.getByText(ada.name).count()).toBe(0);
  expect(problems).toEqual([]);
  await context.close();
});

it('says on the login form, with focus, that the two-step sign-in took too long', async () => {
  const { page, problems, context } = await openPage(browser());
  // The password accepted with a code to follow; the code comes after the sign-in has expired.
  await page.route('**/v1/auth/login', (route) =>
    route.fulfill({
      status: 200,
      contentType: 'application/json',
      body: '{"challenge":"totp","session":"s"}',
    }),
  );
  await page.route('**/v1/auth/login/mfa', (route) =>
    route.fulfill({
      status: 401,
      contentType: 'application/problem+json',
      body: JSON.stringify({
        title: 'Invalid or expired sign-in session',
        status: 401,
        code: 'invalid_session',
      }),
    }),
  );
  await page.goto('/login');
  await loginAgain(page, { email: 'ada@example.com', password: 'Web-Client-2026!', name: 'Ada' });
  await page.getByRole('heading', { level: 1, name: 'Enter your code' }).waitFor();
  await page.getByLabel('Code').fill('123456');
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
  const said = 'The sign-in took too long or the code was wrong too often. Please log in again.';
  // Said on the login form, which takes focus to it: read once, as focused (no alert too).
  await readOnceAsFocused(page, said);
  expect(problems).toEqual([]);
  await context.close();
});
