/**
 * A new schedule whose answer was lost, found again more than a day later (a tab kept open, or
 * restored): the bank may have forgotten its key by then (a schedule's idempotency record lives its
 * TTL, at least 24 hours), so asking again could make it twice and pay every run twice. The form does
 * not ask, says to look, and lets the customer leave it.
 */
import { expect, it } from 'vitest';
import { logIn, openPage, seedCustomer, useBrowser } from './browser.ts';

const browser = useBrowser();

it('a schedule whose answer was lost, a day later: not asked again by its key, the customer told to look', async () => {
  const c = await seedCustomer([{ currency: 'USD', deposit: 10_000 }]);
  const landlord = await seedCustomer([{ currency: 'USD' }]);
  const { page, context } = await openPage(browser(), { width: 1024 });
  await logIn(page, c);
  let posts = 0;
  await page.route('**/v1/scheduled-transfers', async (r) => {
    if (r.request().method() !== 'POST') return r.continue();
    posts += 1;
    return r.abort('connectionreset');
  });
  await page.goto('/schedules/new');
  await page.getByLabel('To account number').fill(landlord.accounts[0]?.number as string);
  await page.getByLabel(/^Amount/).fill('45');
  await page.getByLabel('Once').check();
  await page.getByRole('button', { name: 'Schedule transfer' }).click();
  const unknown = page.getByTestId('unknown-outcome');
  await unknown.waitFor();
  await page.getByRole('button', { name: 'Check again' }).waitFor();
  const asked = posts;
  expect(asked).toBeGreaterThan(0);

  // A day passes: the intent written down in this tab was first sent 24 hours ago.
  const aged = await page.evaluate(() => {
    const names = Object.keys(sessionStorage).filter((k) => /^bank\.intent\..+\.schedule$/.test(k));
    for (const name of names) {
      const held = JSON.parse(sessionStorage.getItem(name) ?? '{}') as { since: number };
      held.since -= 24 * 3600 * 1000;
      sessionStorage.setItem(name, JSON.stringify(held));
    }
    return names.length;
  });
  expect(aged).toBe(1);
  await page.reload();
  await unknown.waitFor();
  await page.getByTestId('unknown-too-old').waitFor();
  expect(await page.getByTestId('unknown-too-old').textContent()).toMatch(/more than a day ago/);
  expect(await page.getByRole('button', { name: 'Check again' }).count()).toBe(0);
  expect(await unknown.textContent()).not.toMatch(/Asking again is safe/);
  // Leaving it gives the empty form; nothing was sent since the day passed.
  await page.getByRole('button', { name: /Leave it/ }).click();
  await page.getByLabel('To account number').waitFor();
  expect(await page.getByLabel('To account number').inputValue()).toBe('');
  expect(posts).toBe(asked);
  await context.close();
});
