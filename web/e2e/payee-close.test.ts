/**
 * Confirmation of payee's close match without the holder's name: a name given by its initials (or with
 * a word left out) is answered close without the name, and a saved payee's holder's name is never kept.
 * The payees screen says so without a name, and paying such a payee, or someone new by their initials,
 * says to check the details and goes on with "Confirm transfer". Before, a saved close payee's review
 * read "Did you mean ?" with a "Yes, pay" button that did nothing (a review found it).
 */
import { expect, it } from 'vitest';
import { apiCall, logIn, newCustomer, openPage, seedCustomer, useBrowser } from './browser.ts';
import { auth, axe, balanceOf, payTo } from './money-helpers.ts';

const browser = useBrowser();

/** A customer of another name than seedCustomer's (whose "A Lovelace" is a strict part of it: no match). */
const holder = async (name: string) => {
  const c = { ...newCustomer(), name };
  await apiCall('POST', '/v1/auth/register', c);
  const { accessToken } = await apiCall<{ accessToken: string }>('POST', '/v1/auth/login', {
    email: c.email,
    password: c.password,
  });
  const seeded = { ...c, token: accessToken, accounts: [] as { id: string; number: string }[] };
  seeded.accounts.push(
    await apiCall<{ id: string; number: string }>(
      'POST',
      '/v1/accounts',
      { type: 'checking', currency: 'USD' },
      auth(seeded),
    ),
  );
  return seeded;
};

it('a close payee with no holder’s name is saved, listed and paid with words that make sense, and no dead button', async () => {
  const c = await seedCustomer([{ currency: 'USD', deposit: 10_000 }]);
  const mary = await holder('Mary Ann Smith-Jones');
  const maryNumber = mary.accounts[0]?.number as string;
  // A middle name left out: close, and the holder's name is not handed out.
  const saved = await apiCall<Record<string, unknown>>(
    'POST',
    '/v1/payees',
    { name: 'Mary Jones', accountNumber: maryNumber },
    auth(c),
  );
  expect(saved.match).toBe('close');
  expect(saved.holderName).toBeUndefined();

  const { page, problems, context } = await openPage(browser(), { width: 390 });
  await logIn(page, c, '/payees');
  await page.getByRole('heading', { level: 1, name: 'Payees' }).waitFor();
  const row = page.locator(`li[data-payee="${maryNumber}"]`);
  await row.waitFor();
  expect(await row.textContent()).toContain('Name close');
  expect(await row.textContent()).not.toMatch(/holder is|undefined/);

  // Saved on the screen by its initials: close, and no "Did you mean ?" without a name.
  await page.getByLabel('Name on the account').fill('M. A. Smith-Jones');
  await page.getByLabel('Account number').fill(maryNumber);
  await page.getByRole('button', { name: 'Save payee' }).click();
  const added = page.getByTestId('payee-added');
  await added.waitFor();
  expect(await added.getAttribute('data-match')).toBe('close');
  expect(await added.textContent()).toBe(
    'M. A. Smith-Jones is saved. The name is close to the account holder\u2019s name, but not the same. Check the full name with them before you pay.',
  );
  await axe(page, 'close payee saved');

  // Paying the saved payee: what was found when it was saved, and the transfer goes on as any other.
  await page.getByRole('link', { name: 'Pay Mary Jones', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Transfer money' }).waitFor();
  await page.getByLabel(/^Amount/).fill('3');
  await page.getByRole('button', { name: 'Review transfer' }).click();
  const match = page.getByTestId('payee-match');
  await match.waitFor();
  expect(await match.getAttribute('data-match')).toBe('close');
  expect(await match.textContent()).toBe(
    'When you saved this payee, the name you gave was close to the account holder\u2019s, but not the same. Check the details before you pay.',
  );
  expect(await page.getByRole('button', { name: /^Yes, pay/ }).count()).toBe(0);
  await axe(page, 'close payee review');
  await page.getByRole('button', { name: 'Confirm transfer' }).click();
  await page.getByRole('heading', { name: 'Transfer sent' }).waitFor();
  expect(await balanceOf(mary, 0)).toBe(300);

  // Someone new by their initials: close without a name, and "Confirm transfer" pays.
  await payTo(page, c.accounts[0]?.id as string, maryNumber, 'M Jones', '2');
  await match.waitFor();
  expect(await match.getAttribute('data-match')).toBe('close');
  expect(await match.textContent()).toBe(
    'The name is close to the account holder\u2019s name, but not the same. Check the full name with the person you are paying before you confirm.',
  );
  expect(await page.getByRole('button', { name: /^Yes, pay/ }).count()).toBe(0);
  await page.getByRole('button', { name: 'Confirm transfer' }).click();
  await page.getByRole('heading', { name: 'Transfer sent' }).waitFor();
  expect(await balanceOf(mary, 0)).toBe(500);
  expect(problems).toEqual([]);
  await context.close();
});
