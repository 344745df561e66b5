/**
 * Money actions in the browser: a double click on "Confirm transfer" posts once, a lost response is
 * retried with the same Idempotency-Key and posts once, and a transfer over the balance shows the
 * insufficient-funds message and moves nothing.
 */
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import {
  apiCall,
  logIn,
  openPage,
  poll,
  type Seeded,
  screenshot,
  seedCustomer,
  useBrowser,
} from './browser.ts';

const browser = useBrowser();

interface HistoryPage {
  items: { type: string; amount: number }[];
}
const history = (c: Seeded, i: number) =>
  apiCall<HistoryPage>('GET', `/v1/accounts/${c.accounts[i]?.id}/transactions`, undefined, {
    authorization: `Bearer ${c.token}`,
  });
const transfersOf = async (c: Seeded, i: number) =>
  (await history(c, i)).items.filter((t) => t.type === 'transfer');

const fillTransfer = async (page: Page, c: Seeded, amount: string) => {
  await page.goto(`/transfer?from=${c.accounts[0]?.id}`);
  await page.getByRole('heading', { level: 1, name: 'Transfer money' }).waitFor();
  await page.getByLabel('To account number').fill(c.accounts[1]?.number as string);
  await page.getByLabel('Name on the account').fill(c.name);
  await page.getByLabel('Amount (USD)').fill(amount);
  await page.getByRole('button', { name: 'Review transfer' }).click();
};

it('posts a double-clicked "Confirm transfer" once', async () => {
  const c = await seedCustomer([{ currency: 'USD', deposit: 10_000 }, { currency: 'USD' }]);
  const { page, problems, requests, context } = await openPage(browser());
  await logIn(page, c);
  // The first request is held until both clicks have landed: the second lands while it is in flight.
  let release!: () => void;
  const held = new Promise<void>((r) => {
    release = r;
  });
  await page.route('**/v1/transfers', async (route) => {
    await held;
    await route.continue();
  });
  await fillTransfer(page, c, '30');
  await page.getByTestId('review').waitFor();
  await page.getByRole('button', { name: 'Confirm transfer' }).dblclick();
  release();
  await page.getByRole('heading', { name: 'Transfer sent' }).waitFor();

  expect(requests.filter((r) => r === 'POST /v1/transfers')).toHaveLength(1);
  expect(await transfersOf(c, 0)).toEqual([expect.objectContaining({ amount: -3000 })]);
  expect(await transfersOf(c, 1)).toEqual([expect.objectContaining({ amount: 3000 })]);
  expect(problems).toEqual([]);
  await context.close();
});

it('retries a transfer whose response was lost with the same key, and it posts once', async () => {
  const c = await seedCustomer([{ currency: 'USD', deposit: 10_000 }, { currency: 'USD' }]);
  const { page, problems, context } = await openPage(browser());
  await logIn(page, c);
  const sent: { key: string | undefined; replayed: string | null }[] = [];
  let first = true;
  await page.route('**/v1/transfers', async (route) => {
    const key = route.request().headers()['idempotency-key'];
    const response = await route.fetch();
    sent.push({ key, replayed: response.headers()['idempotent-replayed'] ?? null });
    if (first) {
      // The server posted it, but the answer never reaches the browser.
      first = false;
      await route.abort('connectionreset');
      return;
    }
    await route.fulfill({ response });
  });
  await fillTransfer(page, c, '12.34');
  await page.getByRole('button', { name: 'Confirm transfer' }).click();
  await page.getByRole('heading', { name: 'Transfer sent' }).waitFor();

  expect(sent).toHaveLength(2);
  expect(sent[0]?.key).toMatch(/^[0-9a-f-]{36}$/);
  expect(sent[1]).toEqual({ key: sent[0]?.key, replayed: 'true' });
  expect(await transfersOf(c, 0)).toEqual([expect.objectContaining({ amount: -1234 })]);
  expect(problems).toEqual([]);
  await context.close();
});

it('shows the insufficient-funds message next to the amount and posts nothing', async () => {
  const c = await seedCustomer([{ currency: 'USD', deposit: 10_000 }, { currency: 'USD' }]);
  const { page, problems, requests, context } = await openPage(browser());
  await logIn(page, c);
  await fillTransfer(page, c, '100.01');
  const error = page.locator('#f-amount-error');
  await error.waitFor();
  expect(await error.textContent()).toBe('There is not enough money in this account for that amount.');
  expect(await page.getByLabel('Amount (USD)').getAttribute('aria-invalid')).toBe('true');
  // Focus moves to the field an animation frame after the message shows.
  await poll(() => page.evaluate(() => document.activeElement?.id)).toBe('f-amount');
  await screenshot(page, '12-transfer-insufficient-funds');
  expect(requests.filter((r) => r.startsWith('POST /v1/transfers'))).toEqual([]);

  // The balance changed behind the page's back: the server refuses, and the page says so in the same words.
  await apiCall(
    'POST',
    `/v1/accounts/${c.accounts[0]?.id}/withdrawals`,
    { amount: 9_000 },
    { authorization: `Bearer ${c.token}`, 'idempotency-key': `w-${c.email}` },
  );
  await page.getByLabel('Amount (USD)').fill('50');
  await page.getByRole('button', { name: 'Review transfer' }).click();
  await page.getByRole('button', { name: 'Confirm transfer' }).click();
  await error.waitFor();
  expect(await error.textContent()).toBe('There is not enough money in this account for that amount.');
  expect(await page.locator('body').textContent()).not.toMatch(/insufficient_funds|Error:|at \w+ \(/);
  expect(requests.filter((r) => r === 'POST /v1/transfers')).toHaveLength(1);
  expect(await transfersOf(c, 0)).toEqual([]);
  expect(await transfersOf(c, 1)).toEqual([]);
  expect(problems).toEqual([]);
  await context.close();
});
