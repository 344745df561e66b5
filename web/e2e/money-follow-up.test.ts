/**
 * Journeys of web client v2 the first browser tests left out, at 1280 px and 390 px with axe-core:
 * "Save as a payee" on a transfer to someone new (the done screen says it is saved, the payee is then
 * on the payees screen and offered on the next transfer); a scheduled transfer's runs, paid and
 * failed, as the stack's own scheduler makes them (every BANK_SWEEP_SECONDS, 5 s here); and the
 * history filters kept in the address, so a reload keeps them.
 */
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { describe, expect } from 'vitest';
import { utcDay, withinOnePeriod } from '../../test/periods.ts';
import { checkScreen, takeTurns, WIDTHS } from './a11y.ts';
import { apiCall, logIn, openPage, type Seeded, seedCustomer, useBrowser } from './browser.ts';

const browser = useBrowser();

/** Waits for a value on a busy machine (vitest's default gives up after a second). */
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 30_000 });

const auth = (c: Seeded) => ({ authorization: `Bearer ${c.token}` });
const balanceOf = async (c: Seeded, i: number) =>
  (await apiCall<{ balance: number }>('GET', `/v1/accounts/${c.accounts[i]?.id}`, undefined, auth(c)))
    .balance;

/** The account screen's history rows (not the pending list, which has its own label). */
const historyRows = (page: Page) => page.locator('.history:not([aria-label]) li');

/**
 * A schedule screen's runs once the scheduler has made one: the screen does not refresh by itself,
 * so each look that finds none reloads it and looks again.
 */
const oneRun = async (page: Page) => {
  const runs = page.getByRole('region', { name: 'Runs' }).locator('li');
  const shown = page.getByTestId('schedule');
  await shown.waitFor();
  await poll(async () => {
    if ((await runs.count()) === 0) {
      await page.reload();
      await shown.waitFor();
    }
    return runs.count();
  }).toBe(1);
  return runs;
};

describe.each(WIDTHS)('at %i px', (width) => {
  const journey = takeTurns(width, 0);
  journey('saves someone new as a payee with the transfer, says so, and offers them next time', async () => {
    const c = await seedCustomer([{ currency: 'USD', deposit: 10_000 }]);
    const jane = await seedCustomer([{ currency: 'USD' }]);
    const janeNumber = jane.accounts[0]?.number as string;
    const { page, problems, requests, context } = await openPage(browser(), { width });
    await logIn(page, c);
    await page.goto(`/transfer?from=${c.accounts[0]?.id}`);
    await page.getByRole('heading', { level: 1, name: 'Transfer money' }).waitFor();
    await page.getByLabel('Someone new').check();
    await page.getByLabel('To account number').fill(janeNumber);
    await page.getByLabel('Name on the account').fill(jane.name);
    await page.getByLabel('Save as a payee').check();
    await page.getByLabel(/^Amount/).fill('12.50');
    await page.getByRole('button', { name: 'Review transfer' }).click();
    await page.getByTestId('review').waitFor();
    await page.getByRole('button', { name: 'Confirm transfer' }).click();
    await page.getByRole('heading', { name: 'Transfer sent' }).waitFor();
    const saved = page.getByTestId('payee-saved');
    await saved.filter({ hasText: `${jane.name} is saved as a payee.` }).waitFor();
    expect(await saved.getAttribute('data-state')).toBe('saved');
    await checkScreen(page, 'transfer sent, payee saved');
    expect(await balanceOf(jane, 0)).toBe(1_250);
    expect(requests.filter((r) => r === 'POST /v1/payees')).toHaveLength(1);

    // On the payees screen, and the next transfer offers the saved payee first.
    await page.getByRole('link', { name: 'Payees' }).first().click();
    await page.getByRole('heading', { level: 1, name: 'Payees' }).waitFor();
    const list = page.getByRole('list', { name: 'Saved payees' });
    await list.waitFor();
    expect(await list.locator('li').count()).toBe(1);
    expect(await list.locator(`li[data-payee="${janeNumber}"] .payee-name`).textContent()).toBe(jane.name);
    await page.getByRole('link', { name: `Pay ${jane.name}` }).waitFor();
    await page.goto('/transfer');
    await page.getByRole('heading', { level: 1, name: 'Transfer money' }).waitFor();
    expect(await page.getByLabel('A saved payee').isChecked()).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });

  journey(
    "shows a scheduled transfer's runs as the scheduler makes them: one paid, one refused",
    // Its schedules start today (UTC): a run into the next day is skipped, not failed.
    async ({ skip }) =>
      withinOnePeriod(skip, utcDay, async () => {
        const c = await seedCustomer([{ currency: 'USD', deposit: 10_000 }]);
        const landlord = await seedCustomer([{ currency: 'USD' }]);
        // The form offers days from tomorrow on; the API takes today (UTC), so the next sweep runs it.
        const today = new Date().toISOString().slice(0, 10);
        const schedule = (amount: number, description: string) =>
          apiCall<{ id: string }>(
            'POST',
            '/v1/scheduled-transfers',
            {
              fromAccountId: c.accounts[0]?.id,
              toAccountNumber: landlord.accounts[0]?.number,
              amount,
              currency: 'USD',
              description,
              startDate: today,
              frequency: 'weekly',
              count: 2,
            },
            { ...auth(c), 'idempotency-key': randomUUID() },
          );
        const rent = await schedule(4_000, 'Rent');
        const boat = await schedule(50_000, 'A boat');
        const { page, problems, context } = await openPage(browser(), { width });
        await logIn(page, c);

        // The run is the scheduler's: the page shows it once it has happened (a reload asks again).
        await page.goto(`/schedules/${rent.id}`);
        const runs = await oneRun(page);
        expect(await runs.first().getAttribute('data-outcome')).toBe('succeeded');
        expect(await runs.first().textContent()).toContain('Sent');
        expect(await page.getByTestId('schedule').textContent()).toContain('1 of 2 sent');
        await checkScreen(page, 'schedule with a run');
        expect(await balanceOf(landlord, 0)).toBe(4_000);
        // The run opens the transfer it made.
        await runs.first().getByRole('link').click();
        await page.getByTestId('receipt').waitFor();
        expect(await page.getByTestId('receipt').textContent()).toContain('$40.00');

        await page.goto(`/schedules/${boat.id}`);
        await oneRun(page);
        expect(await runs.first().getAttribute('data-outcome')).toBe('failed');
        expect(await runs.first().textContent()).toContain('not enough money');
        expect(await page.getByTestId('schedule-status').textContent()).toBe('Active');
        await checkScreen(page, 'schedule with a refused run');
        expect(await balanceOf(c, 0)).toBe(6_000);
        expect(problems).toEqual([]);
        await context.close();
      }),
  );

  journey('keeps the history filters in the address: a reload shows the same filtered list', async () => {
    const c = await seedCustomer([{ currency: 'USD', deposit: 10_000 }]);
    const id = c.accounts[0]?.id as string;
    await apiCall(
      'POST',
      `/v1/accounts/${id}/withdrawals`,
      { amount: 1_500, description: 'Cash for the market' },
      { ...auth(c), 'idempotency-key': randomUUID() },
    );
    const { page, problems, requests, context } = await openPage(browser(), { width });
    await logIn(page, c);
    await page.goto(`/accounts/${id}`);
    await poll(() => historyRows(page).count()).toBe(2);
    await page.getByText('Filter transactions').click();
    await page.getByLabel('Type').selectOption('withdrawal');
    await page.getByLabel('Status').selectOption('posted');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await poll(() => historyRows(page).count()).toBe(1);
    const url = new URL(page.url());
    expect(url.pathname).toBe(`/accounts/${id}`);
    expect(Object.fromEntries(url.searchParams)).toEqual({ type: 'withdrawal', status: 'posted' });

    // A reload: the same filters, in the form and in the request, and the same one row.
    const before = requests.length;
    await page.reload();
    await page.getByRole('heading', { level: 1 }).waitFor();
    await poll(() => historyRows(page).count()).toBe(1);
    expect(await historyRows(page).first().getAttribute('data-type')).toBe('withdrawal');
    expect(await page.getByLabel('Type').inputValue()).toBe('withdrawal');
    expect(await page.getByLabel('Status').inputValue()).toBe('posted');
    expect(requests.slice(before)).toContain(`GET /v1/accounts/${id}/transactions`);
    await checkScreen(page, 'filtered history after a reload');

    // A range with no transactions, then Back: the type filter alone again.
    await page.getByLabel('From date').fill('2020-01-01');
    await page.getByLabel('To date').fill('2020-01-31');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No transactions match these filters.').waitFor();
    expect(new URL(page.url()).searchParams.get('from')).toBe('2020-01-01');
    await page.goBack();
    await poll(() => historyRows(page).count()).toBe(1);
    expect(await page.getByLabel('From date').inputValue()).toBe('');

    // Clear: no filter in the address, every row.
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await poll(() => historyRows(page).count()).toBe(2);
    expect(new URL(page.url()).search).toBe('');
    expect(problems).toEqual([]);
    await context.close();
  });
});
