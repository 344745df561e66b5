/**
 * A second try after the first did not settle plainly: a transfer or deposit given up while its outcome
 * was unknown starts again from an empty form (never the review one click from paying again, under a
 * new key), and the same transfer entered again is questioned; a transfer refused outright is no
 * repeat; a saved payee the bank refuses (an account in another currency) is said on the form.
 */
import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { apiCall, focused, logIn, openPage, readOnceAsFocused, seedCustomer, useBrowser } from './browser.ts';
import {
  auth,
  balanceOf,
  cutKeyedPosts,
  holdNext,
  payTo,
  poll,
  transfersOf,
  unknownAndIdle,
} from './money-helpers.ts';

const browser = useBrowser();

it('"Leave it and start a new transfer" starts from empty details, and the same transfer again is questioned', async () => {
  const c = await seedCustomer([{ currency: 'USD', deposit: 10_000 }]);
  const payee = await seedCustomer([{ currency: 'USD' }]);
  const { page, problems, context } = await openPage(browser(), { width: 1280 });
  await logIn(page, c);
  const cut = await cutKeyedPosts(page, '**/v1/transfers');
  await payTo(page, c.accounts[0]?.id as string, payee.accounts[0]?.number as string, payee.name, '20');
  await page.getByTestId('review').waitFor();
  await page.getByRole('button', { name: 'Confirm transfer' }).click();
  await unknownAndIdle(page);

  await page.getByRole('button', { name: 'Leave it and start a new transfer' }).click();
  await page.getByRole('heading', { level: 2, name: 'Details' }).waitFor();
  await poll(async () => (await focused(page)).text).toBe('Details');
  expect(await page.getByTestId('review').count()).toBe(0);
  expect(await page.getByRole('button', { name: 'Confirm transfer' }).count()).toBe(0);
  expect(await page.getByLabel('To account number').inputValue()).toBe('');
  expect(await page.getByLabel(/^Amount/).inputValue()).toBe('');

  // The same payee and amount again: "perhaps sent", and nothing more is sent unless confirmed.
  cut.on = false;
  await payTo(page, c.accounts[0]?.id as string, payee.accounts[0]?.number as string, payee.name, '20');
  const warning = page.getByTestId('repeat-warning');
  await warning.waitFor();
  expect(await warning.textContent()).toContain('perhaps sent (we never heard back)');
  expect(new Set(cut.keys).size).toBe(1);
  expect(await transfersOf(c, 0)).toHaveLength(1);
  expect(problems).toEqual([]);
  await context.close();
});

it('"Leave it and start again" on a deposit empties the form', async () => {
  const c = await seedCustomer([{ currency: 'USD', nickname: 'Main' }]);
  const id = c.accounts[0]?.id as string;
  const { page, problems, context } = await openPage(browser(), { width: 390 });
  await logIn(page, c);
  await cutKeyedPosts(page, '**/v1/accounts/*/deposits');
  const hold = await holdNext(page, (u) => u.pathname === `/v1/accounts/${id}/deposits`);
  await page.goto(`/accounts/${id}/deposit`);
  await page.getByLabel('Amount (USD)').fill('15');
  await page.getByLabel('Description (optional)').fill('Birthday money');
  await page.getByRole('button', { name: 'Deposit', exact: true }).click();
  await unknownAndIdle(page);

  // While a check is in flight there is nothing to forget yet: its answer may say the bank did it.
  const check = hold();
  await page.getByRole('button', { name: 'Check again' }).click();
  await page.getByRole('status').filter({ hasText: 'Checking with the bank' }).waitFor();
  const forget = page.getByRole('button', { name: 'Leave it and start again' });
  expect(await forget.getAttribute('aria-disabled')).toBe('true');
  await forget.dispatchEvent('click');
  expect(await page.getByTestId('unknown-outcome').count()).toBe(1);
  check.open();
  // The check's answer is cut too: still unknown, and now it can be forgotten.
  await unknownAndIdle(page);
  expect(await forget.getAttribute('aria-disabled')).toBeNull();

  await forget.click();
  const amount = page.getByLabel('Amount (USD)');
  await amount.waitFor();
  expect(await amount.inputValue()).toBe('');
  expect(await page.getByLabel('Description (optional)').inputValue()).toBe('');
  await poll(async () => (await focused(page)).label).toBe('Amount (USD)');
  // Only the deposit the page never heard back about was made.
  expect(await balanceOf(c, 0)).toBe(1_500);
  expect(problems).toEqual([]);
  await context.close();
});

it('a transfer refused for want of money is no repeat when sent again', async () => {
  const c = await seedCustomer([{ currency: 'USD', deposit: 5_000 }]);
  const payee = await seedCustomer([{ currency: 'USD' }]);
  const { page, problems, context } = await openPage(browser(), { width: 1280 });
  await logIn(page, c);
  await payTo(page, c.accounts[0]?.id as string, payee.accounts[0]?.number as string, payee.name, '40');
  await page.getByTestId('review').waitFor();
  // Behind the page's back the balance goes down: the bank refuses the transfer.
  await apiCall(
    'POST',
    `/v1/accounts/${c.accounts[0]?.id}/withdrawals`,
    { amount: 2_000 },
    { ...auth(c), 'idempotency-key': randomUUID() },
  );
  await page.getByRole('button', { name: 'Confirm transfer' }).click();
  await page.locator('#f-amount-error').waitFor();

  // Money put back, and the same transfer again, without leaving the app: no "You sent this already".
  await apiCall(
    'POST',
    `/v1/accounts/${c.accounts[0]?.id}/deposits`,
    { amount: 2_000 },
    { ...auth(c), 'idempotency-key': randomUUID() },
  );
  await page.getByRole('link', { name: 'Accounts', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Your accounts' }).waitFor();
  await page.getByRole('link', { name: 'Transfer', exact: true }).click();
  await page.getByLabel('Someone new').check();
  await page.getByLabel('To account number').fill(payee.accounts[0]?.number as string);
  await page.getByLabel('Name on the account').fill(payee.name);
  await page.getByLabel(/^Amount/).fill('40');
  await page.getByRole('button', { name: 'Review transfer' }).click();
  // The review and its warning (if any) come in the same render.
  await page.getByTestId('review').waitFor();
  expect(await page.getByTestId('repeat-warning').count()).toBe(0);
  expect(await transfersOf(c, 0)).toEqual([]);
  expect(problems).toEqual([]);
  await context.close();
});

it('says so on the form when the bank refuses a saved payee (an account in another currency), to pay or to schedule', async () => {
  const c = await seedCustomer([{ currency: 'USD', deposit: 10_000 }]);
  const euro = await seedCustomer([{ currency: 'EUR' }]);
  const saved = await apiCall<{ id: string }>(
    'POST',
    '/v1/payees',
    { name: euro.name, accountNumber: euro.accounts[0]?.number },
    auth(c),
  );
  const { page, problems, context } = await openPage(browser(), { width: 390 });
  await logIn(page, c);
  await page.goto(`/transfer?payee=${saved.id}`);
  await page.getByLabel(/^Amount/).fill('12');
  await page.getByRole('button', { name: 'Review transfer' }).click();
  await page.getByRole('button', { name: 'Confirm transfer' }).click();
  const error = page.locator('#form-error');
  const said = 'That account holds a different currency. You can only transfer in the same currency.';
  await error.waitFor();
  expect(await error.textContent()).toBe(said);
  // Focused, and so no alert: read once.
  await readOnceAsFocused(page, said);
  // Back on the details, to choose another payee.
  await page.getByRole('button', { name: 'Review transfer' }).waitFor();
  expect(await transfersOf(c, 0)).toEqual([]);

  // Scheduling it is refused alike, and said alike.
  await page.goto('/schedules/new');
  await page.getByLabel(/^Amount/).fill('12');
  await page.getByRole('button', { name: 'Schedule transfer' }).click();
  await error.waitFor();
  expect(await error.textContent()).toBe(said);
  await readOnceAsFocused(page, said);
  expect(problems).toEqual([]);
  await context.close();
});
