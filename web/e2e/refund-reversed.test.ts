/**
 * A transfer received that the bank has partly reversed: what is left to refund is its amount less
 * the refunds and the reversals, as the bank counts it. The refund form said the amount less the
 * refunds only, and an empty amount ("all that is left") sent that, which the bank refuses
 * (refund_exceeds_amount); a transfer reversed in full still offered a refund. The reversal is the
 * bank's (a member of staff's); here the transaction's answer is given a reversed amount on its way.
 * A refund whose answer is lost and left ("Leave it") gives the form back, empty, with focus on its
 * amount once the transfer is read again.
 */
import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { apiCall, focused, logIn, openPage, seedCustomer, useBrowser } from './browser.ts';
import { auth, poll, unknownAndIdle } from './money-helpers.ts';

const browser = useBrowser();

it('refunds at most what the bank has not reversed, and offers nothing once it reversed it all', async () => {
  const ada = await seedCustomer([{ currency: 'USD', deposit: 10_000 }]);
  const bob = await seedCustomer([{ currency: 'USD' }]);
  const sent = await apiCall<{ id: string }>(
    'POST',
    '/v1/transfers',
    {
      fromAccountId: ada.accounts[0]?.id,
      toAccountNumber: bob.accounts[0]?.number,
      amount: 3000,
      currency: 'USD',
    },
    { ...auth(ada), 'idempotency-key': randomUUID() },
  );
  // Bob sees it once its credit has settled.
  await poll(() =>
    apiCall<{ status: string }>('GET', `/v1/transactions/${sent.id}`, undefined, auth(bob)).then(
      (t) => t.status,
      () => 'not yet',
    ),
  ).toBe('posted');

  const { page, problems, context } = await openPage(browser(), { width: 390 });
  const reversed = 1000;
  await page.route(`**/v1/transactions/${sent.id}`, async (route) => {
    const response = await route.fetch();
    const tx = (await response.json()) as Record<string, unknown>;
    await route.fulfill({ response, json: { ...tx, reversedAmount: reversed } });
  });
  const refunds: unknown[] = [];
  /** While true, a refund never reaches the bank, and the page hears nothing back. */
  let lost = false;
  await page.route(`**/v1/transactions/${sent.id}/refunds`, async (route) => {
    if (lost) return route.abort('connectionreset');
    refunds.push(route.request().postDataJSON());
    await route.continue();
  });
  await logIn(page, bob, `/transactions/${sent.id}`);
  await page.getByRole('heading', { name: 'Refund this transfer' }).waitFor();
  expect(await page.locator('#f-amount-hint').textContent()).toBe(
    'Leave it empty to refund all that is left: $20.00.',
  );
  await page.getByLabel('Amount to refund (USD)').fill('25');
  await page.getByRole('button', { name: 'Refund', exact: true }).click();
  expect(await page.locator('#f-amount-error').textContent()).toBe('You can refund at most $20.00.');
  expect(refunds).toEqual([]);

  // No answer, and left: the transfer is read again, and its refund form comes back empty, focus on
  // the amount (not fallen to the page's start with the button pressed).
  lost = true;
  await page.getByLabel('Amount to refund (USD)').fill('5');
  await page.getByRole('button', { name: 'Refund', exact: true }).click();
  await unknownAndIdle(page);
  lost = false;
  await page.getByRole('button', { name: 'Leave it and start again' }).click();
  await poll(async () => (await focused(page)).label).toBe('Amount to refund (USD)');
  expect(await page.getByLabel('Amount to refund (USD)').inputValue()).toBe('');
  expect(refunds).toEqual([]);

  // All that is left: $20.00, not $30.00.
  await page.getByLabel('Amount to refund (USD)').fill('');
  await page.getByRole('button', { name: 'Refund', exact: true }).click();
  await page.getByText('Refunded $20.00.').waitFor();
  expect(refunds).toEqual([{ amount: 2000 }]);

  // Refunded and reversed, all of it is given back: no refund is offered.
  await page.reload();
  await page.getByTestId('reversed-amount').waitFor();
  expect(await page.getByTestId('receipt').textContent()).toContain('Refunded$20.00');
  expect(await page.getByRole('heading', { name: 'Refund this transfer' }).count()).toBe(0);
  expect(problems).toEqual([]);
  await context.close();
});
