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
import { auth, axe } from './money-helpers.ts';

const browser = useBrowser();

type Seeded = Awaited<ReturnType<typeof seedCustomer>>;

/** A pending transfer of $1.00 from `c`'s first account to `to`'s, held for an hour. */
const hold = (c: Seeded, to: Seeded) =>
  apiCall(
    'POST',
    '/v1/transfers',
    {
      fromAccountId: c.accounts[0]?.id,
      toAccountNumber: to.accounts[0]?.number,
      amount: 100,
      currency: 'USD',
      pending: true,
      expiresInSeconds: 3600,
    },
    { ...auth(c), 'idempotency-key': randomUUID() },
  );

it('every pending transfer of an account is listed, or the list offers the rest', async () => {
  const c = await seedCustomer([{ currency: 'USD', deposit: 10_000 }]);
  const bob = await seedCustomer([{ currency: 'USD' }]);
  const HOLDS = 51;
  for (let i = 0; i < HOLDS; i++) {
    await hold(c, bob);
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
  // The rest, on asking: every hold listed, and nothing more to offer.
  if (rows < HOLDS) {
    await section.getByRole('button', { name: 'Show more pending transfers' }).click();
    await list
      .locator('li')
      .nth(HOLDS - 1)
      .waitFor();
    expect(await list.locator('li').count()).toBe(HOLDS);
  }
  await context.close();
});

it('a page that ends early (the bank searched so far back) with a cursor is not "No pending transfers"', async () => {
  const c = await seedCustomer([{ currency: 'USD', deposit: 10_000 }]);
  const bob = await seedCustomer([{ currency: 'USD' }]);
  await hold(c, bob);

  const { page, problems, context } = await openPage(browser(), { width: 1024 });
  // The first page of pending ones ends at the scan bound with nothing found, and a cursor (as the bank
  // answers when 1000 entries that do not match come first); the next page is the real one.
  await page.route(/\/v1\/accounts\/[^/]+\/transactions\?/, async (route) => {
    const url = new URL(route.request().url());
    if (url.searchParams.get('status') !== 'pending') return route.continue();
    if (!url.searchParams.has('cursor'))
      return route.fulfill({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ items: [], nextCursor: 'scan-bound' }),
      });
    url.searchParams.delete('cursor');
    return route.continue({ url: url.toString() });
  });
  await logIn(page, c, `/accounts/${c.accounts[0]?.id}`);
  const section = page.locator('section[aria-labelledby="pending-title"]');
  const more = section.getByRole('button', { name: 'Show more pending transfers' });
  await more.waitFor();
  expect(await section.getByText('No pending transfers.', { exact: true }).count()).toBe(0);
  expect(await section.textContent()).toContain('No pending transfers among the latest searched');
  await axe(page, 'account, pending transfers searched so far');
  await more.click();
  const list = section.getByRole('list', { name: 'Pending transfers' });
  await list.locator('li').first().waitFor();
  expect(await list.locator('li').count()).toBe(1);
  expect(problems).toEqual([]);
  await context.close();
});
