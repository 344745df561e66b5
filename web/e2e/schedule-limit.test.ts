/**
 * A new schedule refused because the customer has the most active schedules allowed (409
 * `schedule_limit_reached`): a definite refusal, nothing made and nothing recorded with the key. The
 * form says why, with its details kept, and is never "We don't know yet whether this went through".
 */
import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { MAX_ACTIVE_SCHEDULES } from '../../src/store/schedules.ts';
import { MESSAGES } from '../src/errors.ts';
import { apiCall, logIn, openPage, seedCustomer, useBrowser } from './browser.ts';
import { auth } from './money-helpers.ts';

const browser = useBrowser();

it('a schedule over the limit is refused on the form, asked once, not left unknown', async () => {
  const c = await seedCustomer([{ currency: 'USD', deposit: 10_000 }]);
  const landlord = await seedCustomer([{ currency: 'USD' }]);
  const to = landlord.accounts[0]?.number as string;
  const startDate = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
  for (let i = 0; i < MAX_ACTIVE_SCHEDULES; i++) {
    await apiCall(
      'POST',
      '/v1/scheduled-transfers',
      {
        fromAccountId: c.accounts[0]?.id,
        toAccountNumber: to,
        amount: 100,
        currency: 'USD',
        startDate,
        frequency: 'once',
      },
      { ...auth(c), 'idempotency-key': randomUUID() },
    );
  }
  const { page, problems, requests, context } = await openPage(browser(), { width: 1024 });
  await logIn(page, c, '/schedules/new');
  await page.getByRole('heading', { level: 1, name: 'Schedule a transfer' }).waitFor();
  await page.getByLabel('To account number').fill(to);
  await page.getByLabel(/^Amount/).fill('45');
  await page.getByLabel('Once').check();
  await page.getByRole('button', { name: 'Schedule transfer' }).click();

  const said = page.locator('#form-error');
  await said.waitFor();
  expect(await said.textContent()).toBe(MESSAGES.schedule_limit_reached);
  expect(await page.getByTestId('unknown-outcome').count()).toBe(0);
  // The details stay, to schedule once another is cancelled.
  expect(await page.getByLabel(/^Amount/).inputValue()).toBe('45');
  // A definite answer is not asked again.
  expect(requests.filter((r) => r === 'POST /v1/scheduled-transfers')).toHaveLength(1);
  expect(problems).toEqual([]);
  await context.close();
});
