/**
 * "Pay" a saved payee who is no longer saved (deleted in another tab or on another device, then Back to
 * the payee's link): the transfer form chooses nobody in their place, says so, and reviews nothing
 * until the customer chooses. Before, it silently chose the first payee in the list.
 */
import { expect, it } from 'vitest';
import { apiCall, focused, logIn, openPage, seedCustomer, useBrowser } from './browser.ts';
import { auth, axe } from './money-helpers.ts';

const browser = useBrowser();

it('a payee no longer saved is not replaced by another: nobody chosen, and said so', async () => {
  const c = await seedCustomer([{ currency: 'USD', deposit: 10_000 }]);
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
  await logIn(page, c, `/transfer?payee=${gone.id}`);
  await page.getByRole('heading', { level: 1, name: 'Transfer money' }).waitFor();
  const select = page.getByLabel('Payee', { exact: true });
  await select.waitFor();
  expect(await select.inputValue()).toBe('');
  expect(await page.locator('#f-payeeId-hint').textContent()).toBe(
    'The payee you chose is no longer saved. Choose who to pay.',
  );
  await page.getByLabel(/^Amount/).fill('5');
  await page.getByRole('button', { name: 'Review transfer' }).click();
  const error = page.locator('#f-payeeId-error');
  await error.waitFor();
  expect(await error.textContent()).toBe('Choose a payee, or pay someone new.');
  expect(await select.getAttribute('aria-invalid')).toBe('true');
  await expect.poll(async () => (await focused(page)).label).toBe('Payee');
  expect(await page.getByTestId('review').count()).toBe(0);
  await axe(page, 'payee gone');

  // Choosing one goes on as usual.
  await select.selectOption(kept.id);
  await page.getByRole('button', { name: 'Review transfer' }).click();
  await page.getByTestId('review').waitFor();
  expect(await page.getByTestId('review').textContent()).toContain('Bob Builder');
  expect(problems).toEqual([]);
  await context.close();
});
