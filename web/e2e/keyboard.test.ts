/**
 * Keyboard only: the login and transfer flows complete with Tab, Enter and Space, and focus moves to
 * each new screen's heading.
 */
import { expect, it } from 'vitest';
import {
  apiCall,
  arrived,
  focused,
  openPage,
  poll,
  readOnceAsFocused,
  seedCustomer,
  tabTo,
  useBrowser,
} from './browser.ts';

const browser = useBrowser();

it('logs in and transfers with Tab, Enter and Space alone', async () => {
  const c = await seedCustomer([
    { currency: 'USD', deposit: 5_000, nickname: 'Main' },
    { currency: 'USD', nickname: 'Spare' },
  ]);
  const { page, problems, context } = await openPage(browser());
  const kb = page.keyboard;

  await page.goto('/login');
  await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();

  // The skip link comes first.
  await kb.press('Tab');
  expect(await focused(page)).toMatchObject({ tag: 'a', text: 'Skip to content' });
  await tabTo(page, 'Email');
  await kb.type(c.email);
  await kb.press('Tab');
  expect((await focused(page)).label).toBe('Password');
  await kb.type(c.password);
  await kb.press('Enter');

  await page.getByRole('heading', { level: 1, name: 'Your accounts' }).waitFor();
  await poll(async () => (await focused(page)).text).toBe('Your accounts');

  // To the transfer screen through the dashboard's link, with Enter.
  await tabTo(page, 'Transfer money');
  await kb.press('Enter');
  await arrived(page, 'Transfer money');
  await poll(async () => (await focused(page)).text).toBe('Transfer money');

  await tabTo(page, 'From');
  expect(await page.getByLabel('From').inputValue()).toBe(c.accounts[0]?.id);
  await tabTo(page, 'To account number');
  await kb.type(c.accounts[1]?.number as string);
  await kb.press('Tab');
  expect((await focused(page)).label).toBe('Name on the account');
  await kb.type(c.name);
  await tabTo(page, 'Amount (USD)');
  await kb.type('20.00');
  await tabTo(page, 'Review transfer');
  await kb.press('Space');

  await page.getByTestId('review').waitFor();
  await poll(async () => (await focused(page)).text).toBe('Check and confirm');
  await tabTo(page, 'Confirm transfer');
  await kb.press('Space');

  await page.getByRole('heading', { name: 'Transfer sent' }).waitFor();
  await poll(async () => (await focused(page)).text).toBe('Transfer sent');
  await tabTo(page, 'View account');
  await kb.press('Enter');
  await arrived(page, 'Main');
  expect(await page.getByTestId('balance').textContent()).toBe('$30.00');

  const spare = await apiCall<{ balance: number }>('GET', `/v1/accounts/${c.accounts[1]?.id}`, undefined, {
    authorization: `Bearer ${c.token}`,
  });
  expect(spare.balance).toBe(2_000);

  // Log out from the keyboard too.
  await tabTo(page, 'Log out');
  await kb.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
  expect(problems).toEqual([]);
  await context.close();
});

it('reaches the field in error after a refused submission', async () => {
  const c = await seedCustomer([]);
  const { page, context } = await openPage(browser());
  await page.goto('/login');
  await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
  await tabTo(page, 'Email');
  await page.keyboard.type(c.email);
  await page.keyboard.press('Tab');
  await page.keyboard.type('Not-The-Password-1');
  await page.keyboard.press('Enter');
  // The refusal takes focus, and is read once: as focused, not announced as an alert too.
  await readOnceAsFocused(page, 'The email or password is not correct.');
  expect(await page.locator('#form-error').getAttribute('role')).toBeNull();
  await context.close();
});
