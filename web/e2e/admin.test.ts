/**
 * The back office in the browser, at 1280 px and (the short journeys) 390 px: an admin (a real one: the admin group, TOTP on,
 * a login with password and code) finds a customer by email, freezes and unfreezes an account with a
 * reason, pays cash in at the counter, reverses it (which the customer then sees on both transactions),
 * and finds each step in the audit trail, and pays unclaimed funds out by cheque; axe finds
 * no serious or critical problem on any screen. A customer's token shows no back office, and the
 * server refuses the customer on an admin route in plain words.
 */
import { generateSync } from 'otplib';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { addToAdminGroup } from '../../src/local/admins.ts';
import { STAFF_LOGIN_REFUSED } from '../src/admin/access.ts';
import { axeProblems } from './a11y.ts';
import { newStaff, STAFF_PASSWORD, unclaimedTransfer, useBackOffice } from './back-office.ts';
import {
  apiCall,
  baseUrl,
  focusedText,
  logIn,
  openPage,
  poll,
  screenshot,
  seedCustomer,
  useBrowser,
} from './browser.ts';

const browser = useBrowser();
const backOffice = useBackOffice();

/** No serious or critical axe violation on the page as it is now (web/e2e/a11y.ts runs axe). */
const axe = async (page: Page, where: string) => {
  expect(await axeProblems(page), where).toEqual([]);
};

/** The page does not scroll sideways (the 360 px rule). */
const noSidewaysScroll = async (page: Page) =>
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth)).toBe(true);

/** Every screen: one main and one h1. */
const landmarks = async (page: Page) => {
  expect(await page.locator('main').count()).toBe(1);
  expect(await page.locator('h1').count()).toBe(1);
};

const check = async (page: Page, name: string) => {
  await landmarks(page);
  await noSidewaysScroll(page);
  await axe(page, name);
};

/**
 * Logs a staff member of its own in through the browser: a TOTP code is accepted once, so each login
 * here is the second of its staff member (createAdmin's took the current code), with the next step's.
 * `path`: the login screen's, with where to go next (a page load ends the session held in memory).
 */
const adminLogIn = async (page: Page, path = '/login') => {
  const staff = await newStaff(backOffice());
  await page.goto(path);
  await page.getByLabel('Email').fill(staff.email);
  await page.getByLabel('Password').fill(STAFF_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page
    .getByLabel('Code')
    .fill(generateSync({ secret: staff.secret, epoch: Math.floor(Date.now() / 1000) + 30 }));
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
  return staff;
};

describe('the admin journey at 1280 px', () => {
  const width = 1280;
  it('finds a customer, freezes with a reason, pays cash in, reverses it and sees it audited', async () => {
    const customer = await seedCustomer([{ currency: 'USD', deposit: 5_000 }]);
    const account = customer.accounts[0] as { id: string; number: string };
    const { page, problems, requests, context } = await openPage(browser(), { width, height: 900 });
    const staff = await adminLogIn(page);

    // The nav link, by keyboard: focus it and press Enter.
    const nav = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Back office' });
    await nav.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Back office' }).waitFor();
    // The heading is the lazy placeholder's too: scan the screen its chunk renders.
    await page.getByLabel('Customer email').waitFor();
    await check(page, 'search');

    // Search by email, keyboard only.
    await page.getByLabel('Customer email').focus();
    await page.keyboard.type(customer.email);
    await page.keyboard.press('Enter');
    const hit = page.getByRole('link', { name: new RegExp(customer.name) });
    await hit.waitFor();
    await hit.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: `Customer: ${customer.name}` }).waitFor();
    expect(await page.getByTestId('customer-email').textContent()).toBe(customer.email);
    expect(await page.getByTestId('login-status').textContent()).toBe('Enabled');
    await check(page, 'customer');

    // The account: freeze with a reason (a reason is required first).
    await page.getByRole('link', { name: new RegExp(account.number) }).click();
    await page.getByRole('heading', { level: 1, name: `Account ${account.number}` }).waitFor();
    await page.getByRole('button', { name: 'Freeze account' }).click();
    await page.getByText('Give a reason').waitFor();
    await page.getByLabel('Reason to freeze').fill('Suspected card fraud (ticket 4411)');
    await page.getByRole('button', { name: 'Freeze account' }).click();
    await page.getByRole('status').filter({ hasText: 'Account frozen' }).waitFor();
    // The form stays while the account is read again (useLast): focus stays on its button, now the other way.
    await poll(() => focusedText(page)).toBe('Unfreeze account');
    await page.getByTestId('account-status').filter({ hasText: 'Frozen' }).waitFor();
    await check(page, 'account frozen');
    await page.getByLabel('Reason to unfreeze').fill('Customer confirmed the payments');
    await page.getByRole('button', { name: 'Unfreeze account' }).click();
    await page.getByTestId('account-status').filter({ hasText: 'Active' }).waitFor();

    // Teller deposit with a reference: one POST, with an Idempotency-Key.
    const keys: (string | undefined)[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith(`/v1/admin/accounts/${account.id}/deposits`))
        keys.push(r.headers()['idempotency-key']);
    });
    await page.getByLabel('Amount (USD)').fill('25.50');
    await page.getByLabel('Reference').fill('BR12-000481');
    await page.getByRole('button', { name: 'Pay in cash' }).click();
    await page.getByRole('status').filter({ hasText: 'Paid in $25.50 (reference BR12-000481)' }).waitFor();
    await page.getByTestId('balance').filter({ hasText: '$75.50' }).waitFor();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    await check(page, 'account after deposit');

    // Reverse it: the reason is required, the amount optional (all of it).
    await page.getByRole('link', { name: 'View the transaction' }).click();
    await page.getByRole('heading', { level: 1, name: 'Deposit of $25.50' }).waitFor();
    const depositId = new URL(page.url()).pathname.split('/').pop() as string;
    await check(page, 'transaction');
    // Not unclaimed funds: no payout offered, and Reverse is.
    expect(await page.getByRole('heading', { name: 'Pay out unclaimed funds' }).count()).toBe(0);
    await page.getByLabel('Reason for the reversal').fill('Counted twice at the counter');
    await page.getByRole('button', { name: 'Reverse transaction' }).click();
    await page.getByTestId('flash').filter({ hasText: 'Reversed $25.50' }).waitFor();
    await page.getByRole('heading', { level: 1, name: 'Reversal of $25.50' }).waitFor();
    const { balance } = await apiCall<{ balance: number }>('GET', `/v1/accounts/${account.id}`, undefined, {
      authorization: `Bearer ${customer.token}`,
    });
    expect(balance).toBe(5_000);

    // The customer sees it too: the reversal links to the deposit, which says what the bank reversed.
    const reversalId = new URL(page.url()).pathname.split('/').pop() as string;
    const mine = await openPage(browser(), { width, height: 900 });
    await logIn(mine.page, customer);
    await mine.page.goto(`/transactions/${reversalId}`);
    await mine.page.getByRole('link', { name: 'the original transaction' }).click();
    await mine.page.waitForURL(`**/transactions/${depositId}`);
    expect(await mine.page.getByTestId('reversed-amount').textContent()).toBe('$25.50');
    expect(mine.problems).toEqual([]);
    await mine.context.close();

    // The audit trail: the account's records, newest first, then the staff member's own.
    await page
      .getByRole('link', { name: `Account ${account.number}` })
      .first()
      .click();
    await page.getByRole('heading', { level: 1, name: `Account ${account.number}` }).waitFor();
    await page.getByRole('link', { name: 'Audit trail' }).click();
    await page.getByRole('heading', { level: 1, name: 'Audit trail' }).waitFor();
    const list = page.locator('.audit-list li');
    await list.first().waitFor();
    expect(await list.evaluateAll((li) => li.map((l) => l.getAttribute('data-action')))).toEqual([
      'teller_deposit',
      'account_unfrozen',
      'account_frozen',
    ]);
    await page.getByText('Suspected card fraud (ticket 4411)', { exact: false }).waitFor();
    await check(page, 'audit');
    await page.getByRole('textbox', { name: 'Subject' }).fill('');
    await page.getByRole('textbox', { name: 'Actor' }).fill(staff.login.sub);
    await page.getByRole('button', { name: 'Show records' }).click();
    // The reversal's record names the deposit it reversed (its subject).
    await page
      .locator('.audit-list li[data-action="transaction_reversed"]')
      .filter({ hasText: depositId })
      .waitFor();
    await screenshot(page, `admin-audit-${width}`);
    // A day range: none of today's records is from a day to come; the range is in the address.
    await page.getByLabel('From').fill('2099-01-01');
    await page.getByRole('button', { name: 'Show records' }).click();
    await page.getByRole('status').filter({ hasText: 'No records.' }).waitFor();
    expect(new URL(page.url()).searchParams.get('from')).toBe('2099-01-01');
    expect(
      requests.filter((r) => r.startsWith('POST /v1/admin/accounts/') && r.endsWith('/deposits')),
    ).toHaveLength(1);
    expect(problems).toEqual([]);
    await context.close();
  });
});

it('a customer sees no back office, and the server refuses them in plain words', async () => {
  const customer = await seedCustomer([{ currency: 'USD' }]);
  const { page, problems, requests, context } = await openPage(browser(), { width: 390 });
  await logIn(page, customer);
  expect(await page.getByRole('link', { name: 'Back office' }).count()).toBe(0);
  await page.goto('/admin');
  await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
  // Nothing of the back office was loaded or asked for.
  expect(requests.some((r) => r.startsWith('GET /v1/admin'))).toBe(false);
  const res = await fetch(`${baseUrl()}/v1/admin/customers?email=${encodeURIComponent(customer.email)}`, {
    headers: { authorization: `Bearer ${customer.token}` },
  });
  expect(res.status).toBe(403);
  expect(((await res.json()) as { code: string }).code).toBe('forbidden');
  expect(problems).toEqual([]);
  await context.close();
});

it('an admin whose login had no authenticator code is told so in plain words', async () => {
  const c = await seedCustomer();
  const { cognito, pool } = backOffice();
  await addToAdminGroup(cognito, pool, c.email);
  const { page, problems, context } = await openPage(browser(), { width: 390 });
  await logIn(page, c);
  await page.getByRole('link', { name: 'Back office' }).click();
  await page.getByLabel('Customer email').fill(c.email);
  await page.getByRole('button', { name: 'Search' }).click();
  await page
    .locator('.form-error')
    .filter({ hasText: 'needs a login with your authenticator code' })
    .waitFor();
  await check(page, 'mfa required');
  expect(problems).toEqual([]);
  await context.close();
});

it('teller cash whose answers are lost is held until the bank answers: the same key, posted once', async () => {
  const customer = await seedCustomer([{ currency: 'USD', deposit: 1_000 }]);
  const account = customer.accounts[0] as { id: string; number: string };
  const { page, problems, context } = await openPage(browser(), { width: 1280 });
  await adminLogIn(page);
  await page.getByRole('link', { name: 'Back office' }).click();
  await page.getByLabel('Account number').fill(account.number);
  await page.getByRole('button', { name: 'Open account' }).click();
  await page.getByRole('heading', { level: 1, name: `Account ${account.number}` }).waitFor();
  // The server posts every attempt, but the first six answers never reach the browser: the first try
  // and the client's two automatic retries, then the form's one immediate re-ask and its two.
  const sent: { key: string | undefined; replayed: string | null }[] = [];
  await page.route(`**/v1/admin/accounts/${account.id}/deposits`, async (route) => {
    const key = route.request().headers()['idempotency-key'];
    const response = await route.fetch();
    sent.push({ key, replayed: response.headers()['idempotent-replayed'] ?? null });
    if (sent.length <= 6) return route.abort('connectionreset');
    return route.fulfill({ response });
  });
  await page.getByLabel('Amount (USD)').fill('40');
  await page.getByLabel('Reference').fill('BR12-000482');
  await page.getByRole('button', { name: 'Pay in cash' }).click();
  // Not an editable form to send again under a new key: what was sent, and a way to ask again.
  const unknown = page.getByTestId('unknown-outcome');
  await unknown.filter({ hasText: 'Pay in $40.00 (reference BR12-000482)' }).waitFor();
  expect(await page.getByRole('button', { name: 'Pay in cash' }).count()).toBe(0);
  await page.getByRole('button', { name: 'Check again' }).click();
  await page.getByRole('status').filter({ hasText: 'Paid in $40.00' }).waitFor();

  expect(sent).toHaveLength(7);
  expect(new Set(sent.map((s) => s.key)).size).toBe(1);
  expect(sent[6]?.replayed).toBe('true');
  const { balance } = await apiCall<{ balance: number }>('GET', `/v1/accounts/${account.id}`, undefined, {
    authorization: `Bearer ${customer.token}`,
  });
  expect(balance).toBe(5_000);
  expect(problems).toEqual([]);
  await context.close();
});

it('unlocks a locked-out customer, disables one with a reason (refused at once), enables them: all audited', async () => {
  const customer = await seedCustomer([{ currency: 'USD' }]);
  const staffSide = await openPage(browser(), { width: 1280, height: 900 });
  const own = await openPage(browser(), { width: 390 });
  const { page } = staffSide;

  // Wrong passwords from this address until the login is locked; then the right one is refused too.
  const statuses: number[] = [];
  for (let i = 0; i < 15 && statuses.at(-1) !== 429; i++) {
    const res = await fetch(`${baseUrl()}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: customer.email, password: `Wrong-Password-${i}!` }),
    });
    statuses.push(res.status);
  }
  expect(statuses[0]).toBe(401);
  expect(statuses.at(-1)).toBe(429);
  await own.page.goto('/login');
  await own.page.getByLabel('Email').fill(customer.email);
  await own.page.getByLabel('Password').fill(customer.password);
  await own.page.getByRole('button', { name: 'Log in' }).click();
  await own.page.locator('#form-error').filter({ hasText: 'failed attempts' }).waitFor();

  // The admin finds the customer, sees the lock and clears it; the customer is let in.
  const staff = await adminLogIn(page);
  await page.getByRole('link', { name: 'Back office' }).click();
  await page.getByLabel('Customer email').fill(customer.email);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('link', { name: new RegExp(customer.name) }).click();
  await page.getByRole('heading', { level: 1, name: `Customer: ${customer.name}` }).waitFor();
  const locked = page.getByTestId('locked-until');
  expect(await locked.textContent()).not.toBe('Not locked');
  await page.getByRole('button', { name: 'Unlock login' }).click();
  await page.getByRole('status').filter({ hasText: 'Login locks cleared.' }).waitFor();
  await locked.filter({ hasText: 'Not locked' }).waitFor();
  await own.page.getByLabel('Password').fill(customer.password);
  await own.page.getByRole('button', { name: 'Log in' }).click();
  await own.page.getByRole('button', { name: 'Log out' }).waitFor();

  // Disable: a reason is required first, then the login is disabled with it.
  const status = page.getByTestId('login-status');
  expect(await status.textContent()).toBe('Enabled');
  await page.getByRole('button', { name: 'Disable login' }).click();
  await page.getByText('Give a reason').waitFor();
  const reason = 'Phone stolen, reported by the customer (ticket 5120)';
  await page.getByLabel('Reason', { exact: true }).fill(reason);
  await page.getByRole('button', { name: 'Disable login' }).click();
  await page.getByRole('status').filter({ hasText: 'Login disabled.' }).waitFor();
  await poll(() => focusedText(page)).toBe('Enable login');
  await status.filter({ hasText: `(${reason})` }).waitFor();
  expect(await status.textContent()).toMatch(/^Disabled since /);
  await check(page, 'customer disabled');

  // The customer's open session ends at its next request, saying why; a new login is refused as a
  // wrong password is (a login does not tell who was disabled: the password is not checked).
  await own.page.getByRole('link', { name: 'Payees' }).first().click();
  await own.page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
  await own.page
    .getByRole('status')
    .filter({ hasText: 'You were logged out because this login has been disabled' })
    .waitFor();
  // Told to contact the bank, with the way to (the stage's contact; offline, support@bank.local).
  expect(await own.page.getByRole('contentinfo').textContent()).toBe('Contact us: support@bank.local');
  await own.page.getByLabel('Email').fill(customer.email);
  await own.page.getByLabel('Password').fill(customer.password);
  await own.page.getByRole('button', { name: 'Log in' }).click();
  await own.page
    .locator('#form-error')
    .filter({ hasText: 'The email or password is not correct.' })
    .waitFor();
  expect(await own.page.getByRole('button', { name: 'Log out' }).count()).toBe(0);

  // Enable (the reason is optional): the customer logs in again.
  await page.getByLabel('Reason', { exact: true }).fill('Identity checked at the branch');
  await page.getByRole('button', { name: 'Enable login' }).click();
  await page.getByRole('status').filter({ hasText: 'Login enabled again.' }).waitFor();
  await status.filter({ hasText: /^Enabled$/ }).waitFor();
  await own.page.getByLabel('Password').fill(customer.password);
  await own.page.getByRole('button', { name: 'Log in' }).click();
  await own.page.getByRole('button', { name: 'Log out' }).waitFor();

  // The customer's audit trail: the three actions, newest first, the disable with its reason.
  await page.getByRole('link', { name: 'Audit trail' }).click();
  await page.getByRole('heading', { level: 1, name: 'Audit trail' }).waitFor();
  const records = page.locator('.audit-list li');
  await records.first().waitFor();
  const seen = await records.evaluateAll((li) => li.map((l) => l.getAttribute('data-action')));
  expect(seen.filter((a) => a?.startsWith('customer_'))).toEqual([
    'customer_enabled',
    'customer_disabled',
    'customer_unlocked',
  ]);
  await page.locator('.audit-list li[data-action="customer_disabled"]').filter({ hasText: reason }).waitFor();
  await check(page, 'customer audit');

  // The staff member's own login (a colleague's the same) is not the back office's to change: the
  // refusal in words for staff, not the customers' "for bank staff only".
  await page.getByRole('link', { name: 'Back office' }).click();
  await page.getByLabel('Customer email').fill(staff.email);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('link', { name: /Grace Hopper/ }).click();
  await page.getByRole('heading', { level: 1, name: 'Customer: Grace Hopper' }).waitFor();
  await page.getByRole('button', { name: 'Unlock login' }).click();
  await page.locator('.form-error').filter({ hasText: STAFF_LOGIN_REFUSED }).waitFor();
  expect(staffSide.problems).toEqual([]);
  expect(own.problems).toEqual([]);
  await own.context.close();
  await staffSide.context.close();
});

describe('unclaimed funds at 1280 px', () => {
  it('pays them out by cheque: the reference is asked for, the outcome and the payout say how', async () => {
    const { id } = await unclaimedTransfer(backOffice(), 1_234);
    const { page, problems, context } = await openPage(browser(), { width: 1280, height: 900 });
    await adminLogIn(page, `/login?next=${encodeURIComponent(`/admin/transactions/${id}`)}`);
    await page.getByRole('heading', { name: 'Pay out unclaimed funds' }).waitFor();
    expect(await page.getByTestId('unclaimed').textContent()).toMatch(/^Held for the sender/);
    await page.getByLabel('Into an account of theirs').waitFor();
    expect(await page.getByLabel('Into an account of theirs').isChecked()).toBe(true);
    await page.getByLabel('By cheque').check();
    // The account's field gives way to the cheque's number, required.
    expect(await page.getByLabel('Account id to pay into').count()).toBe(0);
    await page.getByLabel('Reason for the payout').fill('Customer asked for a cheque (ticket 5120)');
    await page.getByRole('button', { name: 'Pay out unclaimed funds' }).click();
    await page.getByText('Enter the cheque number.').waitFor();
    await poll(() => page.evaluate(() => document.activeElement?.id)).toBe('f-payout-reference');
    await check(page, 'unclaimed payout form');
    await page.getByLabel('Cheque number').fill('CHQ-004711');
    await page.getByRole('button', { name: 'Pay out unclaimed funds' }).click();
    await page
      .getByTestId('payout-done')
      .filter({ hasText: 'Paid out $12.34 by cheque CHQ-004711.' })
      .waitFor();
    await page.getByTestId('unclaimed').filter({ hasText: 'Paid out' }).waitFor();
    await page.getByRole('link', { name: 'View the payout' }).click();
    await page.getByRole('heading', { level: 1, name: 'Reversal of $12.34' }).waitFor();
    expect(await page.getByTestId('payout-method').textContent()).toBe('by cheque CHQ-004711');
    await check(page, 'unclaimed payout');
    expect(problems).toEqual([]);
    await context.close();
  });
});
