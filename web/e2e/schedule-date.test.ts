/**
 * A first date further ahead than the bank takes (a year: MAX_START_AHEAD_DAYS) is refused on the date
 * field in words that say why, before anything is sent; the field offers no later date.
 */
import { expect, it } from 'vitest';
import { logIn, openPage, seedCustomer, useBrowser } from './browser.ts';

const browser = useBrowser();

it('a first date more than a year ahead is refused on the date, saying so, and nothing is sent', async () => {
  const c = await seedCustomer([{ currency: 'USD', deposit: 10_000 }]);
  const landlord = await seedCustomer([{ currency: 'USD' }]);
  const { page, problems, requests, context } = await openPage(browser(), { width: 390 });
  await logIn(page, c, '/schedules/new');
  await page.getByRole('heading', { level: 1, name: 'Schedule a transfer' }).waitFor();
  await page.getByLabel('To account number').fill(landlord.accounts[0]?.number as string);
  await page.getByLabel(/^Amount/).fill('45');
  const date = page.getByLabel('First transfer on');
  const twoYears = new Date(Date.now() + 730 * 86_400_000).toISOString().slice(0, 10);
  await date.fill(twoYears);
  await page.getByRole('button', { name: 'Schedule transfer' }).click();

  const error = page.locator('#f-startDate-error');
  await error.waitFor();
  expect(await error.textContent()).toBe('Choose a date within a year from today.');
  expect(await date.getAttribute('aria-invalid')).toBe('true');
  expect((await date.getAttribute('max')) ?? '').toMatch(/^\d{4}-\d{2}-\d{2}$/);
  expect(((await date.getAttribute('max')) as string) < twoYears).toBe(true);
  expect(requests.filter((r) => r === 'POST /v1/scheduled-transfers')).toEqual([]);
  expect(problems).toEqual([]);
  await context.close();
});
