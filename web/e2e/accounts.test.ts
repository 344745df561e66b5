/**
 * Account screens in the browser: history paging with "Load more", withdraw, closing an account
 * (refused with money in it, done at zero), loading and empty states.
 */
import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { apiCall, arrived, logIn, openPage, poll, screenshot, seedCustomer, useBrowser } from './browser.ts';

const browser = useBrowser();

it('pages the history with "Load more", newest first', async () => {
  const c = await seedCustomer([{ currency: 'JPY', nickname: 'Yen' }]);
  const id = c.accounts[0]?.id as string;
  for (let i = 1; i <= 23; i++) {
    await apiCall(
      'POST',
      `/v1/accounts/${id}/deposits`,
      { amount: i * 100, description: `Deposit ${i}` },
      { authorization: `Bearer ${c.token}`, 'idempotency-key': randomUUID() },
    );
  }
  const { page, problems, requests, context } = await openPage(browser());
  await logIn(page, c);
  await page.goto(`/accounts/${id}`);
  await page.getByRole('heading', { level: 1, name: 'Yen' }).waitFor();
  const items = page.locator('.history li');
  await poll(() => items.count()).toBe(20);
  expect(await items.first().locator('.what').textContent()).toBe('Deposit 23');
  expect(await items.first().locator('.amount').textContent()).toBe('+¥2,300');
  expect(await page.getByTestId('balance').textContent()).toBe('¥27,600');

  const historyReads = () => requests.filter((r) => r.endsWith('/transactions')).length;
  const before = historyReads();
  await page.getByRole('button', { name: 'Load more' }).click();
  await poll(() => items.count()).toBe(23);
  expect(await items.last().locator('.what').textContent()).toBe('Deposit 1');
  expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
  // The button went away: focus went to the first entry it loaded.
  await poll(() => page.evaluate(() => document.activeElement?.textContent)).toContain('Deposit 3');
  expect(historyReads()).toBe(before + 1);
  await screenshot(page, '15-history-paged');
  expect(problems).toEqual([]);
  await context.close();
});

it('withdraws, refuses to close an account with money in it, and closes it at zero', async () => {
  const c = await seedCustomer([{ currency: 'GBP', deposit: 1_050, nickname: 'Old pot' }]);
  const id = c.accounts[0]?.id as string;
  const { page, problems, context } = await openPage(browser());
  await logIn(page, c);
  await page.goto(`/accounts/${id}/close`);
  await page.getByRole('heading', { level: 1, name: 'Close Old pot' }).waitFor();
  await page
    .getByText('Only an account with a zero balance can be closed. This account holds £10.50.')
    .waitFor();
  await page.getByRole('button', { name: 'Close account' }).click();
  const refusal = page.locator('#form-error');
  await refusal.waitFor();
  expect(await refusal.textContent()).toBe(
    'Only an account with a zero balance can be closed. Move the money out first.',
  );
  await screenshot(page, '16-close-refused');

  await page.getByRole('link', { name: 'Keep it open' }).click();
  await page.getByRole('link', { name: 'Withdraw' }).click();
  await page.getByRole('heading', { level: 1, name: 'Withdraw from Old pot' }).waitFor();
  await page.getByLabel('Amount (GBP)').fill('10.51');
  await page.getByRole('button', { name: 'Withdraw' }).click();
  await page.locator('#f-amount-error').getByText('There is not enough money').waitFor();
  await page.getByLabel('Amount (GBP)').fill('10.50');
  await page.getByRole('button', { name: 'Withdraw' }).click();
  await page.getByTestId('flash').getByText('Withdrew £10.50. New balance: £0.00.').waitFor();
  expect(await page.locator('.history li').first().locator('.amount').textContent()).toBe('-£10.50');

  await page.getByRole('link', { name: 'Close account' }).click();
  await page.getByText('Closing is permanent.').waitFor();
  await screenshot(page, '17-close-account');
  await page.getByRole('button', { name: 'Close account' }).click();
  // The button went with its screen: focus goes to the top of the next one, as after any navigation.
  await arrived(page, 'Your accounts');
  await page
    .getByTestId('flash')
    .getByText(/^Account ····\d{4} is closed\.$/)
    .waitFor();
  await page.getByRole('heading', { name: 'Closed accounts' }).waitFor();
  await page.getByText('You have no open accounts yet.').waitFor();
  expect(problems).toEqual([]);
  await context.close();
});

it('shows a loading state while the accounts load', async () => {
  const c = await seedCustomer([{ currency: 'USD' }]);
  const { page, context } = await openPage(browser());
  await logIn(page, c);
  let release: () => void = () => {};
  const held = new Promise<void>((r) => {
    release = r;
  });
  // The accounts list, open and closed pages alike (`/v1/accounts?…`).
  await page.route(/\/v1\/accounts(\?.*)?$/, async (route) => {
    await held;
    await route.continue();
  });
  await page.getByRole('link', { name: 'Transfer', exact: true }).click();
  await page.getByRole('status').getByText('Loading your accounts…').waitFor();
  await screenshot(page, '18-loading');
  release();
  await page.getByLabel('To account number').waitFor();
  await context.close();
});
