/**
 * An account's "Pending transfers" (the holds the customer may release or cancel) reads one page of
 * `GET /v1/accounts/{id}/transactions?status=pending&limit=50` and never its `nextCursor`: an account
 * may hold up to 100 pending transfers, and a status filter may also end a page early (it passes over at
 * most 1000 entries that do not match, HistoryPage in the OpenAPI document: "only a null nextCursor
 * says the history is done"). The 51st hold is not listed, and nothing says there are more, while the
 * account says how much is held for all of them.
 */
import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { apiCall, logIn, openPage, seedCustomer, useBrowser } from './browser.ts';
import { auth } from './money-helpers.ts';

const browser = useBrowser();

it('every pending transfer of an account is listed, or the list offers the rest', async () => {
  const c = await seedCustomer([{ currency: 'USD', deposit: 10_000 }]);
  const bob = await seedCustomer([{ currency: 'USD' }]);
  const HOLDS = 51;
  for (let i = 0; i < HOLDS; i++) {
    await apiCall(
      'POST',
      '/v1/transfers',
      {
        fromAccountId: c.accounts[0]?.id,
        toAccountNumber: bob.accounts[0]?.number,
        amount: 100,
        currency: 'USD',
        pending: true,
        expiresInSeconds: 3600,
      },
      { ...auth(c), 'idempotency-key': randomUUID() },
    );
  }
  const { page, context } = await openPage(browser(), { width: 1024 });
  await logIn(page, c, `/accounts/${c.accounts[0]?.id}`);
  const section = page.locator('section[aria-labelledby="pending-title"]');
  await section.getByTestId('available-explained').waitFor();
  expect(await section.getByTestId('available-explained').textContent()).toContain('$51.00 held now');
  const list = section.getByRole('list', { name: 'Pending transfers' });
  await list.waitFor();
  const rows = await list.locator('li').count();
  const more = await section.getByRole('button', { name: /more|older/i }).count();
  expect(
    { rows, offersMore: more > 0 },
    `${HOLDS} transfers held ($51.00), ${rows} listed and no way to see the rest`,
  ).toSatisfy((s: { rows: number; offersMore: boolean }) => s.rows === HOLDS || s.offersMore);
  await context.close();
});
