/**
 * The main journey in a real browser: register, log in, open two accounts, deposit, transfer between
 * them, see both sides in the history, log out. Screenshots of each screen go to test-results/web/.
 */
import { expect, it } from 'vitest';
import { newCustomer, openPage, poll, screenshot, useBrowser } from './browser.ts';

const browser = useBrowser();

it('registers, logs in, opens two accounts, deposits, transfers between them and logs out', async () => {
  const { page, problems, context } = await openPage(browser());
  const c = newCustomer();

  // A visitor is sent to the login screen.
  await page.goto('/');
  await poll(() => new URL(page.url()).pathname).toBe('/login');
  await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
  await screenshot(page, '01-login');

  // Register, with live feedback on the password rules.
  await page.getByRole('link', { name: 'Register' }).click();
  await page.getByRole('heading', { level: 1, name: 'Register' }).waitFor();
  await page.getByLabel('Full name').fill(c.name);
  await page.getByLabel('Email').fill(c.email);
  await page.getByLabel('Password', { exact: true }).fill('short1A');
  expect(await page.locator('.rules .met').allTextContents()).toEqual([
    'An upper-case letter (done)',
    'A lower-case letter (done)',
    'A digit (done)',
    'No other characters (such as é, € or a tab) (done)',
    'No space at the start or end (done)',
  ]);
  await screenshot(page, '02-register-password-feedback');
  await page.getByRole('button', { name: 'Register' }).click();
  await poll(() => page.locator('#f-password-error').textContent()).toBe(
    'The password does not meet all the rules below yet.',
  );
  await page.getByLabel('Password', { exact: true }).fill(c.password);
  expect(await page.locator('.rules .unmet').count()).toBe(0);
  await page.getByRole('button', { name: 'Register' }).click();

  // Confirmed at once locally: on to log in, with the email filled in.
  await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
  expect(await page.getByTestId('flash').textContent()).toContain('You are registered');
  expect(await page.getByLabel('Email').inputValue()).toBe(c.email);
  await page.getByLabel('Password').fill(c.password);
  await page.getByRole('button', { name: 'Log in' }).click();

  // The empty dashboard.
  await page.getByRole('heading', { level: 1, name: 'Your accounts' }).waitFor();
  await page.getByText('You have no open accounts yet.').waitFor();
  expect(await page.locator('.who').textContent()).toContain(c.name);
  await screenshot(page, '03-dashboard-empty');

  // Open two accounts.
  await page.getByRole('link', { name: 'Open your first account' }).click();
  await page.getByRole('heading', { level: 1, name: 'Open an account' }).waitFor();
  await page.getByLabel('Checking').check();
  await page.getByLabel('Currency').selectOption('USD');
  await page.getByLabel('Nickname (optional)').fill('Everyday');
  await screenshot(page, '04-open-account');
  await page.getByRole('button', { name: 'Open account' }).click();
  await page.getByTestId('flash').getByText('Your new checking account').waitFor();

  await page.getByRole('link', { name: 'Open an account' }).click();
  await page.getByLabel('Savings').check();
  await page.getByLabel('Nickname (optional)').fill('Rainy day');
  await page.getByRole('button', { name: 'Open account' }).click();
  await page.getByTestId('flash').getByText('Your new savings account').waitFor();

  const everyday = page.locator('.account-list li', { hasText: 'Everyday' });
  const rainy = page.locator('.account-list li', { hasText: 'Rainy day' });
  const everydayNumber = (await everyday.getAttribute('data-account-number')) as string;
  const rainyNumber = (await rainy.getAttribute('data-account-number')) as string;
  expect(everydayNumber).toMatch(/^\d{10}$/);
  expect(rainyNumber).toMatch(/^\d{10}$/);
  expect(await page.locator('.totals [data-currency="USD"]').textContent()).toBe('USD (2 accounts)$0.00');

  // Deposit into Everyday.
  await everyday.getByRole('link').click();
  await page.getByRole('heading', { level: 1, name: 'Everyday' }).waitFor();
  await page.getByText('No transactions yet.').waitFor();
  await screenshot(page, '05-account-empty');
  await page.getByRole('link', { name: 'Deposit' }).click();
  await page.getByRole('heading', { level: 1, name: 'Deposit into Everyday' }).waitFor();
  await page.getByLabel('Amount (USD)').fill('250');
  await page.getByLabel('Description (optional)').fill('Salary');
  await screenshot(page, '06-deposit');
  await page.getByRole('button', { name: 'Deposit' }).click();
  await page.getByTestId('flash').getByText('Deposited $250.00. New balance: $250.00.').waitFor();
  expect(await page.getByTestId('balance').textContent()).toBe('$250.00');

  // Transfer to Rainy day, with a review step.
  await page.getByRole('link', { name: 'Transfer', exact: true }).last().click();
  await page.getByRole('heading', { level: 1, name: 'Transfer money' }).waitFor();
  expect(await page.getByLabel('From').inputValue()).toBeTruthy();
  await page.getByLabel('To account number').fill(rainyNumber);
  await page.getByLabel('Name on the account').fill('Ada Lovelace');
  await page.getByLabel('Amount (USD)').fill('75.5');
  await page.getByLabel('Description (optional)').fill('Rent share');
  await screenshot(page, '07-transfer-details');
  await page.getByRole('button', { name: 'Review transfer' }).click();
  const review = page.getByTestId('review');
  await review.waitFor();
  expect(await review.textContent()).toContain('$75.50');
  expect(await review.textContent()).toContain(rainyNumber);
  await screenshot(page, '08-transfer-review');
  await page.getByRole('button', { name: 'Confirm transfer' }).click();
  await page.getByRole('heading', { name: 'Transfer sent' }).waitFor();
  expect(await page.locator('.notice').textContent()).toContain(
    `You sent $75.50 to Ada Lovelace (account ${rainyNumber})`,
  );
  await screenshot(page, '09-transfer-sent');

  // Both sides in the history, with signed amounts and the counterparty.
  await page.getByRole('link', { name: 'View account' }).click();
  await page.getByRole('heading', { level: 1, name: 'Everyday' }).waitFor();
  const outgoing = page.locator('.history li', { hasText: 'Rent share' });
  expect(await outgoing.locator('.amount').textContent()).toBe('-$75.50');
  expect(await outgoing.locator('.counterparty').textContent()).toContain(`To Rainy day (${rainyNumber})`);
  expect(await page.locator('.history li', { hasText: 'Salary' }).locator('.amount').textContent()).toBe(
    '+$250.00',
  );
  expect(await page.getByTestId('balance').textContent()).toBe('$174.50');
  await screenshot(page, '10-account-history');

  await page.getByRole('link', { name: 'All accounts' }).click();
  await rainy.getByRole('link').click();
  await page.getByRole('heading', { level: 1, name: 'Rainy day' }).waitFor();
  const incoming = page.locator('.history li', { hasText: 'Rent share' });
  expect(await incoming.locator('.amount').textContent()).toBe('+$75.50');
  expect(await incoming.locator('.counterparty').textContent()).toContain(
    `From Everyday (${everydayNumber})`,
  );
  expect(await page.getByTestId('balance').textContent()).toBe('$75.50');

  await page.getByRole('link', { name: 'Accounts', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Your accounts' }).waitFor();
  await poll(() => page.locator('.totals [data-currency="USD"] dd').textContent()).toBe('$250.00');
  await screenshot(page, '11-dashboard');

  // Tokens: nothing in localStorage; only the refresh token in sessionStorage (and the transfers this
  // tab sent, for "You sent this already").
  const stored = await page.evaluate(() => ({
    local: Object.keys(localStorage),
    session: Object.keys(sessionStorage).sort(),
  }));
  expect(stored).toEqual({
    local: [],
    session: ['bank.lastActivity', 'bank.recent-transfers', 'bank.refreshToken'],
  });

  // Log out.
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
  await page.getByText('You have logged out.').waitFor();
  expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([]);
  await page.goto('/');
  await poll(() => new URL(page.url()).pathname).toBe('/login');

  expect(problems).toEqual([]);
  await context.close();
});
