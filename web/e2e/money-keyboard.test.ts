/**
 * Keyboard only (Tab, Enter, Space), after logging in: pay a saved payee, and cancel a scheduled
 * transfer. Focus moves to each new screen's heading, to the question before a cancel (back to the
 * button that asked it when kept), and to the message after it.
 */
import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import {
  apiCall,
  arrived,
  focused,
  focusedText,
  logIn,
  openPage,
  poll,
  seedCustomer,
  tabTo,
  useBrowser,
} from './browser.ts';

const browser = useBrowser();

const tomorrow = () => new Date(Date.now() + 24 * 3600 * 1000).toISOString().slice(0, 10);

it('pays a payee and cancels a schedule with the keyboard alone', async () => {
  const c = await seedCustomer([{ currency: 'USD', deposit: 5_000, nickname: 'Main' }]);
  const jane = await seedCustomer([{ currency: 'USD' }]);
  const auth = { authorization: `Bearer ${c.token}` };
  await apiCall(
    'POST',
    '/v1/payees',
    { name: 'Ada Lovelace', accountNumber: jane.accounts[0]?.number },
    auth,
  );
  await apiCall(
    'POST',
    '/v1/scheduled-transfers',
    {
      fromAccountId: c.accounts[0]?.id,
      toAccountNumber: jane.accounts[0]?.number,
      amount: 1_000,
      currency: 'USD',
      description: 'Rent',
      startDate: tomorrow(),
      frequency: 'monthly',
    },
    { ...auth, 'idempotency-key': randomUUID() },
  );
  const { page, problems, context } = await openPage(browser());
  const kb = page.keyboard;
  await logIn(page, c);
  await page.getByRole('heading', { level: 1, name: 'Your accounts' }).waitFor();
  await expect.poll(async () => (await focused(page)).text, { timeout: 30_000 }).toBe('Your accounts');

  // Pay the payee.
  await tabTo(page, 'Payees', 80);
  await kb.press('Enter');
  await arrived(page, 'Payees');
  await tabTo(page, 'Pay Ada Lovelace');
  await kb.press('Enter');
  await arrived(page, 'Transfer money');
  await tabTo(page, 'Amount (USD)');
  await kb.type('15');
  await tabTo(page, 'Review transfer');
  await kb.press('Enter');
  await page.getByTestId('review').waitFor();
  await expect.poll(async () => (await focused(page)).text, { timeout: 30_000 }).toBe('Check and confirm');
  expect(await page.getByTestId('payee-match').getAttribute('data-match')).toBe('exact');
  await tabTo(page, 'Confirm transfer');
  await kb.press('Space');
  await page.getByRole('heading', { name: 'Transfer sent' }).waitFor();
  await expect.poll(async () => (await focused(page)).text, { timeout: 30_000 }).toBe('Transfer sent');
  const janeBalance = await apiCall<{ balance: number }>(
    'GET',
    `/v1/accounts/${jane.accounts[0]?.id}`,
    undefined,
    {
      authorization: `Bearer ${jane.token}`,
    },
  );
  expect(janeBalance.balance).toBe(1_500);

  // Cancel the schedule.
  await tabTo(page, 'Scheduled', 80);
  await kb.press('Enter');
  await arrived(page, 'Scheduled transfers');
  await tabTo(page, /Rent/);
  await kb.press('Enter');
  await page.getByTestId('schedule').waitFor();
  await arrived(page);
  await tabTo(page, 'Cancel scheduled transfer');
  await kb.press('Enter');
  await expect
    .poll(async () => (await focused(page)).text, { timeout: 30_000 })
    .toBe('Cancel this scheduled transfer? No more transfers will be made.');
  // Kept: the question goes, and focus is back on the button that asked it.
  await tabTo(page, 'No, keep it');
  await kb.press('Enter');
  await poll(() => focusedText(page)).toBe('Cancel scheduled transfer');
  await kb.press('Enter');
  await expect
    .poll(async () => (await focused(page)).text, { timeout: 30_000 })
    .toBe('Cancel this scheduled transfer? No more transfers will be made.');
  await tabTo(page, 'Yes, cancel it');
  await kb.press('Enter');
  await expect
    .poll(() => page.getByTestId('schedule-status').textContent(), { timeout: 30_000 })
    .toBe('Cancelled');
  // The buttons are gone with the schedule read again: focus on the words that say it was done.
  await expect
    .poll(async () => (await focused(page)).text, { timeout: 30_000 })
    .toBe('Scheduled transfer cancelled.');
  const schedules = await apiCall<{ items: { status: string }[] }>(
    'GET',
    '/v1/scheduled-transfers',
    undefined,
    auth,
  );
  expect(schedules.items.map((s) => s.status)).toEqual(['cancelled']);
  expect(problems).toEqual([]);
  await context.close();
});
