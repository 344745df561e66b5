/**
 * A schedule cancelled while one of its runs was being paid: the bank answers that run as `openRun`,
 * and the screen says it may still go through, rather than leaving the customer to think nothing more
 * will be paid.
 */
import { expect, it } from 'vitest';
import { logIn, openPage, seedCustomer, useBrowser } from './browser.ts';

const browser = useBrowser();

it('says a run under way when the schedule was cancelled may still go through, and says nothing of the kind otherwise', async () => {
  const c = await seedCustomer([{ currency: 'USD', deposit: 10_000 }]);
  const landlord = await seedCustomer([{ currency: 'USD' }]);
  const { page, problems, context } = await openPage(browser(), { width: 1024 });
  await logIn(page, c);
  await page.goto('/schedules/new');
  await page.getByLabel('To account number').fill(landlord.accounts[0]?.number as string);
  await page.getByLabel(/^Amount/).fill('45');
  await page.getByLabel('Every month').check();
  await page.getByRole('button', { name: 'Schedule transfer' }).click();
  await page.getByTestId('schedule').waitFor();
  expect(await page.getByTestId('schedule-open-run').count()).toBe(0);

  // The bank's answer for the same schedule, as it is once cancelled while its run of 5 March was paid.
  await page.route(
    (u) => /^\/v1\/scheduled-transfers\/[0-9a-f-]{36}$/.test(u.pathname),
    async (route) => {
      const real = (await (await route.fetch()).json()) as Record<string, unknown>;
      return route.fulfill({
        json: { ...real, status: 'cancelled', nextRunDate: null, openRun: '2027-03-05' },
      });
    },
  );
  await page.reload();
  const notice = page.getByTestId('schedule-open-run');
  await notice.waitFor();
  expect(await notice.textContent()).toContain(
    'may have been made, or may still be made: it was due when this was cancelled. The bank is checking',
  );
  expect(await page.getByTestId('schedule-status').textContent()).toBe('Cancelled');
  expect(problems).toEqual([]);
  await context.close();
});
