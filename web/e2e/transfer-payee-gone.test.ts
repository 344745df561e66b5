/**
 * "Pay" a saved payee who is no longer saved (deleted in another tab or on another device, then Back to
 * the payee's link), from an account closed since (a "Send from this account" link): the transfer form
 * chooses no payee and no account in their place, says so, and reviews nothing until the customer
 * chooses. Before, it silently chose the first payee in the list, and the first open account. The
 * bulk payment form does the same for its account.
 */
import { expect, it } from 'vitest';
import { apiCall, focused, logIn, openPage, poll, seedCustomer, useBrowser } from './browser.ts';
import { auth, axe } from './money-helpers.ts';

const browser = useBrowser();

it('a payee no longer saved, or an account closed since, is not replaced by another: nobody chosen, and said so', async () => {
  const c = await seedCustomer([{ currency: 'USD', deposit: 10_000 }, { currency: 'USD' }]);
  const closed = c.accounts[1]?.id;
  await apiCall('DELETE', `/v1/accounts/${closed}`, undefined, auth(c));
  const bob = await seedCustomer([{ currency: 'USD' }]);
  const ada = await seedCustomer([{ currency: 'USD' }]);
  // Bob first: the list's first payee, the one the form fell back on.
  const kept = await apiCall<{ id: string }>(
    'POST',
    '/v1/payees',
    { name: 'Bob Builder', accountNumber: bob.accounts[0]?.number },
    auth(c),
  );
  const gone = await apiCall<{ id: string }>(
    'POST',
    '/v1/payees',
    { name: 'Ada Lovelace', accountNumber: ada.accounts[0]?.number },
    auth(c),
  );
  await apiCall('DELETE', `/v1/payees/${gone.id}`, undefined, auth(c));

  const { page, problems, context } = await openPage(browser(), { width: 390 });
  await logIn(page, c, `/transfer?payee=${gone.id}&from=${closed}`);
  await page.getByRole('heading', { level: 1, name: 'Transfer money' }).waitFor();
  const select = page.getByLabel('Payee', { exact: true });
  const from = page.getByLabel('From', { exact: true });
  await select.waitFor();
  expect(await select.inputValue()).toBe('');
  expect(await page.locator('#f-payeeId-hint').textContent()).toBe(
    'The payee you chose is no longer saved. Choose who to pay.',
  );
  expect(await from.inputValue()).toBe('');
  const fromHint = 'The account you chose cannot send money now. Choose the account to send from.';
  expect(await page.locator('#f-fromAccountId-hint').textContent()).toBe(fromHint);
  await page.getByLabel(/^Amount/).fill('5');
  await page.getByRole('button', { name: 'Review transfer' }).click();
  const error = page.locator('#f-payeeId-error');
  await error.waitFor();
  expect(await error.textContent()).toBe('Choose a payee, or pay someone new.');
  expect(await select.getAttribute('aria-invalid')).toBe('true');
  expect(await page.locator('#f-fromAccountId-error').textContent()).toBe('Choose the account to send from.');
  expect(await from.getAttribute('aria-invalid')).toBe('true');
  // The first problem on the page, the account, takes the focus.
  await poll(async () => (await focused(page)).label).toBe('From');
  expect(await page.getByTestId('review').count()).toBe(0);
  await axe(page, 'payee and account gone');

  // Choosing them goes on as usual.
  await from.selectOption(c.accounts[0]?.id ?? '');
  await select.selectOption(kept.id);
  await page.getByRole('button', { name: 'Review transfer' }).click();
  await page.getByTestId('review').waitFor();
  expect(await page.getByTestId('review').textContent()).toContain('Bob Builder');

  // A bulk payment from the closed account: nobody chosen either, and no review until one is.
  await page.goto(`/transfer/bulk?from=${closed}`);
  const bulkFrom = page.getByLabel('From', { exact: true });
  await bulkFrom.waitFor();
  expect(await bulkFrom.inputValue()).toBe('');
  expect(await page.locator('#f-fromAccountId-hint').textContent()).toBe(fromHint);
  await page.getByRole('button', { name: /^Review/ }).click();
  await page.locator('#f-fromAccountId-error').waitFor();
  await poll(async () => (await focused(page)).label).toBe('From');
  expect(await page.getByTestId('review').count()).toBe(0);
  expect(problems).toEqual([]);
  await context.close();
});
