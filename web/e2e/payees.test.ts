/**
 * Saving a payee the bank refuses for its number: an unknown number, and a closed account's (which
 * must not read as the customer's own account). The refusal is on the account number's field, tied to
 * it and focused, and nothing is saved. Deleting a payee puts focus on the words that say so.
 */
import { expect, it } from 'vitest';
import { apiCall, focused, logIn, openPage, poll, seedCustomer, useBrowser } from './browser.ts';
import { auth, axe } from './money-helpers.ts';

const browser = useBrowser();

it('a payee refused for its number says so on the number, for an unknown number and a closed account', async () => {
  const c = await seedCustomer([{ currency: 'USD' }]);
  const gone = await seedCustomer([{ currency: 'USD' }]);
  await apiCall('DELETE', `/v1/accounts/${gone.accounts[0]?.id}`, undefined, auth(gone));
  const { page, problems, context } = await openPage(browser(), { width: 390 });
  await logIn(page, c, '/payees');
  await page.getByRole('heading', { level: 1, name: 'Payees' }).waitFor();

  const number = page.getByLabel('Account number');
  const numberError = page.locator('#f-accountNumber-error');
  const save = async (accountNumber: string) => {
    await page.getByLabel('Name on the account').fill('Ada Lovelace');
    await number.fill(accountNumber);
    await page.getByRole('button', { name: 'Save payee' }).click();
  };

  // An unknown (well-formed) number.
  await save('0000000000');
  await numberError.waitFor();
  expect(await numberError.textContent()).toBe('No account has that number. Check the number and try again.');
  expect(await number.getAttribute('aria-invalid')).toBe('true');
  expect(await number.getAttribute('aria-describedby')).toContain('f-accountNumber-error');
  await poll(async () => (await focused(page)).label).toBe('Account number');
  expect(await page.locator('#payee-error').count()).toBe(0);

  // A closed account's number: the account paid, not the customer's own.
  await save(gone.accounts[0]?.number as string);
  await page.getByText('That account is closed, so it cannot be paid.').waitFor();
  expect(await numberError.textContent()).toBe(
    'That account is closed, so it cannot be paid. Check the number and try again.',
  );
  expect(await page.getByText('money cannot move in or out of it').count()).toBe(0);
  await axe(page, 'payee refused');

  const saved = await apiCall<{ items: unknown[] }>('GET', '/v1/payees', undefined, auth(c));
  expect(saved.items).toEqual([]);
  expect(problems).toEqual([]);
  await context.close();
});

it('deleting a payee puts focus on the words that say so, not on the page with the row gone', async () => {
  const c = await seedCustomer([{ currency: 'USD' }]);
  const [ada, lee] = [await seedCustomer([{ currency: 'USD' }]), await seedCustomer([{ currency: 'USD' }])];
  for (const [name, who] of [
    ['Ada Lovelace', ada],
    ['Lee Leaving', lee],
  ] as const)
    await apiCall('POST', '/v1/payees', { name, accountNumber: who.accounts[0]?.number }, auth(c));
  const { page, problems, context } = await openPage(browser(), { width: 1280 });
  await logIn(page, c, '/payees');
  const list = page.getByRole('list', { name: 'Saved payees' });
  await poll(() => list.locator('li').count()).toBe(2);
  for (const name of ['Lee Leaving', 'Ada Lovelace']) {
    await page.getByRole('button', { name: `Delete ${name}` }).focus();
    await page.keyboard.press('Enter');
    await poll(async () => (await focused(page)).text).toBe(`${name} is deleted.`);
  }
  await page.getByText('You have no saved payees yet.').waitFor();
  await axe(page, 'payee deleted');
  expect(problems).toEqual([]);
  await context.close();
});
