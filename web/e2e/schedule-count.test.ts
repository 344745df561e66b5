/**
 * The number of transfers of a new schedule: empty is until cancelled, else 1 to 240 (the bank's
 * MAX_RUNS). "0" was taken as empty (a schedule that never ends), and 241 to 999 were sent and refused
 * by the bank in general words.
 */
import { expect, it } from 'vitest';
import { logIn, openPage, seedCustomer, useBrowser } from './browser.ts';

const browser = useBrowser();

it('refuses 0 and more than 240 transfers on the form, next to the field, and sends nothing', async () => {
  const c = await seedCustomer([{ currency: 'USD', deposit: 10_000 }]);
  const landlord = await seedCustomer([{ currency: 'USD' }]);
  const { page, problems, requests, context } = await openPage(browser(), { width: 1024 });
  await logIn(page, c);
  await page.goto('/schedules/new');
  await page.getByLabel('To account number').fill(landlord.accounts[0]?.number as string);
  await page.getByLabel(/^Amount/).fill('45');
  await page.getByLabel('Every month').check();
  const count = page.getByLabel('Number of transfers (optional)');
  const error = page.locator('#f-count-error');
  for (const entered of ['0', '000', '241', '999']) {
    await count.fill(entered);
    await page.getByRole('button', { name: 'Schedule transfer' }).click();
    await error.waitFor();
    expect(await error.textContent(), entered).toBe(
      'Enter a whole number of transfers from 1 to 240, or leave it empty to go on until you cancel.',
    );
  }
  expect(requests.filter((r) => r === 'POST /v1/scheduled-transfers')).toEqual([]);

  await count.fill('240');
  await page.getByRole('button', { name: 'Schedule transfer' }).click();
  await page.getByTestId('schedule').waitFor();
  expect(await page.getByTestId('schedule').textContent()).toContain('0 of 240 sent');

  // A one-off transfer has no count: what is left in the hidden field neither blocks it nor is sent.
  await page.goto('/schedules/new');
  await page.getByLabel('To account number').fill(landlord.accounts[0]?.number as string);
  await page.getByLabel(/^Amount/).fill('45');
  await page.getByLabel('Every month').check();
  await count.fill('0');
  await page.getByLabel('Once').check();
  const [sent] = await Promise.all([
    page.waitForRequest(
      (r) => r.method() === 'POST' && new URL(r.url()).pathname === '/v1/scheduled-transfers',
    ),
    page.getByRole('button', { name: 'Schedule transfer' }).click(),
  ]);
  expect(sent.postDataJSON()).not.toHaveProperty('count');
  await page.getByTestId('schedule').waitFor();
  expect(problems).toEqual([]);
  await context.close();
});
