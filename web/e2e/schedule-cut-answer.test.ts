/**
 * A new schedule whose answer the screen fails on (held-intent.tsx `done`): the app leaves the form for
 * the home page and says it was done, in words true of a schedule too, which is in no account's
 * activity until its first run.
 */
import { expect, it } from 'vitest';
import { logIn, openPage, seedCustomer, useBrowser } from './browser.ts';

const browser = useBrowser();

it('a schedule made whose answer the screen cannot show: home, told it was done, never where it is not', async () => {
  const c = await seedCustomer([{ currency: 'USD', deposit: 10_000 }]);
  const landlord = await seedCustomer([{ currency: 'USD' }]);
  const { page, context } = await openPage(browser(), { width: 1024 });
  await logIn(page, c);
  // The bank's answer names only the id: the screen's flash reads what it lacks.
  await page.route('**/v1/scheduled-transfers', async (r) => {
    if (r.request().method() !== 'POST') return r.continue();
    const response = await r.fetch();
    const { id } = (await response.json()) as { id: string };
    return r.fulfill({
      status: response.status(),
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id }),
    });
  });
  await page.goto('/schedules/new');
  await page.getByLabel('To account number').fill(landlord.accounts[0]?.number as string);
  await page.getByLabel(/^Amount/).fill('45');
  await page.getByLabel('Once').check();
  await page.getByRole('button', { name: 'Schedule transfer' }).click();
  const flash = page.getByTestId('flash');
  await flash.waitFor();
  const said = (await flash.textContent()) ?? '';
  expect(said).toContain('Done: the bank did it, but the page could not show the details.');
  // Not "It is in the account's activity": a schedule is not, until it runs.
  expect(said).not.toMatch(/activity/i);
  expect(new URL(page.url()).pathname).toBe('/');
  await context.close();
});
