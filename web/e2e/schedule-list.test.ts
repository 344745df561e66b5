/**
 * The scheduled-transfer list in the browser: the newest 25 first, whatever their status, and older
 * ones a page at a time with "Show older scheduled transfers", which goes away at the last page; axe
 * on both.
 */
import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { addDays, dayOf } from '../../src/domain/schedule.ts';
import { checkScreen } from './a11y.ts';
import { apiCall, logIn, openPage, poll, seedCustomer, useBrowser } from './browser.ts';

const browser = useBrowser();

it('shows the newest 25 scheduled transfers, then the older ones on "Show older scheduled transfers"', async () => {
  const c = await seedCustomer([{ currency: 'USD', deposit: 10_000 }]);
  const landlord = await seedCustomer([{ currency: 'USD' }]);
  const auth = { authorization: `Bearer ${c.token}` };
  // Tomorrow (UTC): a start date the bank takes whatever time of day the test runs.
  const startDate = addDays(dayOf(new Date()), 1);
  for (let i = 1; i <= 27; i++) {
    await apiCall(
      'POST',
      '/v1/scheduled-transfers',
      {
        fromAccountId: c.accounts[0]?.id,
        toAccountNumber: landlord.accounts[0]?.number,
        amount: i * 100,
        currency: 'USD',
        description: `Rent ${i}`,
        startDate,
        frequency: i === 1 ? 'once' : 'monthly',
      },
      { ...auth, 'idempotency-key': randomUUID() },
    );
  }
  // The oldest one cancelled: it is listed all the same, where it was made.
  const first = await apiCall<{ items: { id: string }[] }>(
    'GET',
    '/v1/scheduled-transfers?limit=100',
    undefined,
    auth,
  );
  await apiCall('DELETE', `/v1/scheduled-transfers/${first.items.at(-1)?.id}`, undefined, auth);

  const { page, problems, context } = await openPage(browser(), { width: 390 });
  await logIn(page, c);
  await page.goto('/schedules');
  const rows = page.getByRole('list', { name: 'Scheduled transfers, newest first' }).getByRole('listitem');
  await rows.first().waitFor();
  expect(await rows.count()).toBe(25);
  expect(await rows.first().textContent()).toContain('Rent 27');
  expect(await rows.last().textContent()).toContain('Rent 3');
  await checkScreen(page, 'schedules, first page');

  const more = page.getByRole('button', { name: 'Show older scheduled transfers' });
  await more.click();
  await poll(() => rows.count()).toBe(27);
  expect(await rows.last().textContent()).toContain('Rent 1');
  expect(await rows.last().getAttribute('data-status')).toBe('cancelled');
  expect(await rows.last().textContent()).toContain('Cancelled');
  // The last page: nothing more to show, and focus goes to its first row, not to the page's start.
  expect(await more.count()).toBe(0);
  await poll(() =>
    page.evaluate(() => document.activeElement?.closest('li')?.getAttribute('data-schedule') ?? null),
  ).toBe(await rows.nth(25).getAttribute('data-schedule'));
  await checkScreen(page, 'schedules, every page');
  expect(problems).toEqual([]);
  await context.close();
});
