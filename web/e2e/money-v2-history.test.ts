/**
 * The money journeys of web client v2, each at 1280 px and 390 px, with axe-core on every screen:
 * history filters, receipts and recent activity, scheduled transfers, daily limits with numbers; then
 * what the page does when an answer is cut or refused behind its back, and amounts typed in a German
 * locale. (Never pay twice, payees, pending transfers and refunds: money-v2.test.ts.)
 */
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { utcDay, withinOnePeriod } from '../../test/periods.ts';
import { takeTurns, WIDTHS } from './a11y.ts';
import {
  apiCall,
  baseUrl,
  logIn,
  openPage,
  readOnceAsFocused,
  type Seeded,
  screenshot,
  seedCustomer,
  useBrowser,
} from './browser.ts';
import {
  auth,
  axe,
  balanceOf,
  cutKeyedPosts,
  type Gate,
  holdNext,
  payTo,
  poll,
  transfersOf,
  unknownAndIdle,
  withdrawBehind,
} from './money-helpers.ts';

const browser = useBrowser();

describe.each(WIDTHS)('at %i px', (width) => {
  const journey = takeTurns(width, 1);
  journey(
    'history filters, clickable rows with a printable receipt, and recent activity on the dashboard',
    async () => {
      const c = await seedCustomer([{ currency: 'USD', deposit: 10_000, nickname: 'Main' }]);
      const id = c.accounts[0]?.id as string;
      await apiCall(
        'POST',
        `/v1/accounts/${id}/withdrawals`,
        { amount: 1_500, description: 'Cash for the market' },
        {
          ...auth(c),
          'idempotency-key': randomUUID(),
        },
      );
      const { page, problems, requests, context } = await openPage(browser(), { width });
      await logIn(page, c);
      const recent = page.getByTestId('recent-activity');
      await recent.waitFor();
      expect(await recent.locator('li').count()).toBe(2);
      expect(await recent.locator('li').first().textContent()).toContain('Cash for the market');
      await axe(page, 'dashboard');
      await screenshot(page, `v2-${width}-dashboard`);

      await page.goto(`/accounts/${id}`);
      await page.getByRole('heading', { level: 1, name: 'Main' }).waitFor();
      await poll(() => page.locator('.history:not([aria-label]) li').count()).toBe(2);
      await page.getByText('Filter transactions').click();
      await page.getByLabel('Type').selectOption('withdrawal');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await poll(() => page.locator('.history:not([aria-label]) li').count()).toBe(1);
      expect(requests.some((r) => r.startsWith('GET /v1/accounts/'))).toBe(true);
      // A filter that matches nothing among the entries one page searches (the bank passes over at
      // most 1000 a page, then answers short with a cursor; faked here): not "no match", but that
      // older ones may, and Load more searches on.
      const deposits = /\/v1\/accounts\/[^/]+\/transactions\?.*type=deposit/;
      await page.route(deposits, async (route) => {
        const url = new URL(route.request().url());
        if (url.searchParams.get('cursor') !== 'further')
          return route.fulfill({ json: { items: [], nextCursor: 'further' } });
        url.searchParams.delete('cursor');
        return route.continue({ url: url.toString() });
      });
      await page.getByLabel('Type').selectOption('deposit');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await page
        .getByText(
          'No transactions match these filters among the latest searched. Load more to search further back.',
        )
        .waitFor();
      await page.getByRole('button', { name: 'Load more' }).click();
      await poll(() => page.locator('.history:not([aria-label]) li').count()).toBe(1);
      expect(await page.getByText(/^No transactions match/).count()).toBe(0);
      await page.unroute(deposits);
      const today = new Date().toISOString().slice(0, 10);
      await page.getByLabel('Type').selectOption('');
      await page.getByLabel('From date').fill('2020-01-01');
      await page.getByLabel('To date').fill('2020-01-31');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await page.getByText('No transactions match these filters.').waitFor();
      await page.getByLabel('To date').fill(today);
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await poll(() => page.locator('.history:not([aria-label]) li').count()).toBe(2);
      await axe(page, 'filtered history');

      await page.getByRole('link', { name: 'Cash for the market' }).click();
      await page.getByRole('heading', { level: 1, name: 'Withdrawal' }).waitFor();
      expect(await page.getByTestId('receipt').textContent()).toContain('$15.00');
      await page.getByRole('button', { name: 'Print receipt' }).waitFor();
      await page.emulateMedia({ media: 'print' });
      expect(await page.locator('.site-header').isVisible()).toBe(false);
      await page.emulateMedia({ media: 'screen' });
      await axe(page, 'receipt');
      await screenshot(page, `v2-${width}-receipt`);
      expect(problems).toEqual([]);
      await context.close();
    },
  );

  journey('scheduled transfers: create monthly, list, see, cancel', async () => {
    const c = await seedCustomer([{ currency: 'USD', deposit: 10_000, nickname: 'Main' }]);
    const landlord = await seedCustomer([{ currency: 'USD' }]);
    const { page, problems, context } = await openPage(browser(), { width });
    await logIn(page, c);
    await page.getByRole('link', { name: 'Scheduled' }).first().click();
    await page.getByText('You have no scheduled transfers.').waitFor();
    await axe(page, 'schedules empty');
    await page.getByRole('link', { name: 'Schedule a transfer' }).click();
    await page.getByRole('heading', { level: 1, name: 'Schedule a transfer' }).waitFor();
    await page.getByLabel('To account number').fill(landlord.accounts[0]?.number as string);
    await page.getByLabel(/^Amount/).fill('450');
    await page.getByLabel('Description (optional)').fill('Rent');
    await page.getByLabel('Every month').check();
    await page.getByLabel('Number of transfers (optional)').fill('12');
    await axe(page, 'new schedule');
    await page.getByRole('button', { name: 'Schedule transfer' }).click();
    await page.getByTestId('schedule').waitFor();
    expect(await page.getByTestId('schedule-status').textContent()).toBe('Active');
    expect(await page.getByTestId('schedule').textContent()).toContain('0 of 12 sent');
    await axe(page, 'schedule');
    await page.getByRole('link', { name: 'All scheduled transfers' }).click();
    await page.getByRole('list', { name: 'Scheduled transfers, newest first' }).getByRole('link').click();
    await page.getByRole('button', { name: 'Cancel scheduled transfer' }).click();
    await page.getByRole('button', { name: 'Yes, cancel it' }).click();
    await poll(() => page.getByTestId('schedule-status').textContent()).toBe('Cancelled');
    await screenshot(page, `v2-${width}-schedule-cancelled`);
    expect(problems).toEqual([]);
    await context.close();
  });

  journey(
    'daily limit: what is left today, a refusal with numbers, and the balance refreshed',
    // The limit counts per UTC day: a run into the next day starts the count again.
    async ({ skip }) =>
      withinOnePeriod(skip, utcDay, async () => {
        const c = await seedCustomer([{ currency: 'USD', deposit: 1_000_000, nickname: 'Main' }]);
        const rich = await seedCustomer([{ currency: 'USD', deposit: 1_000_000 }]);
        const other = await seedCustomer([{ currency: 'USD' }]);
        const id = c.accounts[0]?.id as string;
        const key = () => ({ 'idempotency-key': randomUUID() });
        // Money in that is not a deposit, so the balance can outgrow what the daily limit lets out.
        await apiCall(
          'POST',
          '/v1/transfers',
          {
            fromAccountId: rich.accounts[0]?.id,
            toAccountNumber: c.accounts[0]?.number,
            amount: 1_000_000,
            currency: 'USD',
          },
          { ...auth(rich), ...key() },
        );
        await apiCall(
          'POST',
          `/v1/accounts/${id}/withdrawals`,
          { amount: 900_000 },
          { ...auth(c), ...key() },
        );
        const { page, problems, context } = await openPage(browser(), { width });
        await logIn(page, c);
        await page.goto(`/transfer?from=${id}`);
        await page.getByTestId('limit-left').getByText('You can send up to $1,000.00 more today.').waitFor();
        await page.getByLabel('Someone new').check();
        await page.getByLabel('To account number').fill(other.accounts[0]?.number as string);
        await page.getByLabel('Name on the account').fill(other.name);
        await page.getByLabel(/^Amount/).fill('1200');
        await page.getByRole('button', { name: 'Review transfer' }).click();
        // Over what is left: refused on the form, with the numbers.
        const error = page.locator('#f-amount-error');
        await error.waitFor();
        expect(await error.textContent()).toBe(
          'That is more than your daily limit allows. Your limit is $10,000.00 a day, and you can send up to $1,000.00 more today.',
        );
        await page.getByLabel(/^Amount/).fill('800');
        await page.getByRole('button', { name: 'Review transfer' }).click();
        await page.getByTestId('review').waitFor();
        // Behind the page's back, $500 more leaves: the server refuses, and the page says why, with numbers.
        await apiCall('POST', `/v1/accounts/${id}/withdrawals`, { amount: 50_000 }, { ...auth(c), ...key() });
        await page.getByRole('button', { name: 'Confirm transfer' }).click();
        await poll(() => error.textContent()).toBe(
          'That is more than your daily limit allows. Your limit is $10,000.00 a day, and you can send up to $500.00 more today.',
        );
        await page.getByTestId('limit-left').getByText('You can send up to $500.00 more today.').waitFor();
        // The balance on the page is the balance now.
        await poll(() => page.getByLabel('From').locator('option').first().textContent()).toContain(
          '($10,500.00)',
        );
        await axe(page, 'daily limit refusal');
        await screenshot(page, `v2-${width}-daily-limit`);
        expect(await transfersOf(c, 0)).toHaveLength(1);
        expect(problems).toEqual([]);
        await context.close();
      }),
  );
});

/** Cuts the answers to `pattern` while `cut.on`: the server acts, the page never hears. */
const cutAnswers = async (page: Page, pattern: string) => {
  const cut = { on: true };
  await page.route(pattern, async (route) => {
    const response = await route.fetch();
    if (cut.on) return route.abort('connectionreset');
    return route.fulfill({ response });
  });
  return cut;
};

/**
 * The customer comes back (a reload) with the answers no longer cut and the screen's data held:
 * resolves once the replay of the held intent (the refusal) has reached the page.
 */
const comeBackWithDataHeld = async (page: Page, cut: { on: boolean }, hold: () => Gate, path: string) => {
  cut.on = false;
  const held = hold();
  const replay = page.waitForResponse((r) => new URL(r.url()).pathname.endsWith(path));
  await page.reload();
  expect((await replay).status()).toBe(422);
  return held;
};

it('a cut answer that was a refusal: coming back shows the true outcome, nothing moved', async () => {
  const c = await seedCustomer([{ currency: 'USD', deposit: 5_000 }]);
  const payee = await seedCustomer([{ currency: 'USD' }]);
  const { page, problems, context } = await openPage(browser(), { width: 1280 });
  await logIn(page, c);
  const cut = await cutAnswers(page, '**/v1/transfers');
  await payTo(page, c.accounts[0]?.id as string, payee.accounts[0]?.number as string, payee.name, '40');
  await page.getByTestId('review').waitFor();
  // Behind the page's back the money goes: the server refuses, but the refusal never reaches the page.
  await withdrawBehind(c, 2_000);
  await page.getByRole('button', { name: 'Confirm transfer' }).click();
  await page.getByRole('button', { name: 'Check again' }).waitFor();
  // Reloaded at once: the page may still be asking again (the replay may reach this page, or the next).
  cut.on = false;
  await page.reload();
  const error = page.locator('#form-error');
  await error.waitFor();
  expect(await error.textContent()).toBe(
    `Your transfer of $40.00 to ${payee.name} was not made. There is not enough money in this account for that amount.`,
  );
  await poll(() => page.getByLabel('From').locator('option').first().textContent()).toContain('($30.00)');
  expect(await transfersOf(c, 0)).toEqual([]);
  expect(await balanceOf(payee, 0)).toBe(0);
  await axe(page, 'refused after coming back');
  expect(problems).toEqual([]);
  await context.close();
});

it('a replayed refusal that comes back before the form has loaded is shown, and again after a reload', async () => {
  const c = await seedCustomer([{ currency: 'USD', deposit: 5_000 }]);
  const payee = await seedCustomer([{ currency: 'USD' }]);
  const { page, problems, context } = await openPage(browser(), { width: 1280 });
  await logIn(page, c);
  const cut = await cutAnswers(page, '**/v1/transfers');
  // The transfer screen's own data (open accounts).
  const hold = await holdNext(
    page,
    (u) =>
      u.pathname === '/v1/accounts' && u.searchParams.get('limit') === '100' && !u.searchParams.has('status'),
  );
  await payTo(page, c.accounts[0]?.id as string, payee.accounts[0]?.number as string, payee.name, '40');
  await page.getByTestId('review').waitFor();
  await withdrawBehind(c, 2_000);
  await page.getByRole('button', { name: 'Confirm transfer' }).click();
  await unknownAndIdle(page);

  // Coming back: the replay's answer (the refusal) arrives while the screen's data is still held.
  const accounts = await comeBackWithDataHeld(page, cut, hold, '/v1/transfers');
  await page.getByText(/^Loading your accounts/).waitFor();
  expect(await page.getByTestId('unknown-outcome').count()).toBe(0);
  accounts.open();
  const said = `Your transfer of $40.00 to ${payee.name} was not made. There is not enough money in this account for that amount.`;
  const error = page.locator('#form-error');
  await error.waitFor();
  expect(await error.textContent()).toBe(said);

  // Reloaded while the form shows it (or just as it arrived): the refusal is still what the form says.
  await page.reload();
  await error.waitFor();
  expect(await error.textContent()).toBe(said);

  // Left within the app and come back to: the form starts afresh.
  await page.getByRole('link', { name: 'Accounts', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Your accounts' }).waitFor();
  await page.getByRole('link', { name: 'Transfer', exact: true }).click();
  await page.getByRole('button', { name: 'Review transfer' }).waitFor();
  expect(await error.count()).toBe(0);
  expect(await transfersOf(c, 0)).toEqual([]);
  expect(problems).toEqual([]);
  await context.close();
});

it('a withdrawal refused while its answer was cut: shown on the form while its own load is held, and after a reload', async () => {
  const c = await seedCustomer([{ currency: 'USD', deposit: 5_000, nickname: 'Main' }]);
  const id = c.accounts[0]?.id as string;
  const { page, problems, context } = await openPage(browser(), { width: 390 });
  await logIn(page, c);
  const cut = await cutAnswers(page, '**/v1/accounts/*/withdrawals');
  const hold = await holdNext(page, (u) => u.pathname === `/v1/accounts/${id}`);
  await page.goto(`/accounts/${id}/withdraw`);
  await page.getByLabel('Amount (USD)').fill('40');
  // Behind the page's back the balance goes down: the server refuses the page's withdrawal.
  await withdrawBehind(c, 2_000);
  await page.getByRole('button', { name: 'Withdraw', exact: true }).click();
  await unknownAndIdle(page);

  const account = await comeBackWithDataHeld(page, cut, hold, '/withdrawals');
  // The refusal fetches the account as it is now: the form shows it while its own load is still held.
  const said = 'It was not done. There is not enough money in this account for that amount.';
  const error = page.locator('#form-error');
  await error.waitFor();
  expect(await error.textContent()).toBe(said);
  account.open();
  await page.reload();
  await error.waitFor();
  expect(await error.textContent()).toBe(said);
  expect(await balanceOf(c, 0)).toBe(3_000);
  expect(problems).toEqual([]);
  await context.close();
});

/** A pending transfer from `c`'s first account to `to`'s, held for an hour. */
const hold = (c: Seeded, to: Seeded, amount: number) =>
  apiCall<{ id: string }>(
    'POST',
    '/v1/transfers',
    {
      fromAccountId: c.accounts[0]?.id,
      toAccountNumber: to.accounts[0]?.number,
      amount,
      currency: 'USD',
      pending: true,
      expiresInSeconds: 3600,
    },
    { ...auth(c), 'idempotency-key': randomUUID() },
  );

it('releasing or cancelling a pending transfer puts focus on the words that say it was done', async () => {
  const c = await seedCustomer([{ currency: 'USD', deposit: 10_000 }]);
  const bob = await seedCustomer([{ currency: 'USD' }]);
  const [released, cancelled] = [await hold(c, bob, 1_500), await hold(c, bob, 700)];
  const { page, problems, context } = await openPage(browser(), { width: 1280 });
  await logIn(page, c);
  // The transfer, read again, has no buttons left: focus must not fall with them to the page's start.
  const cases = [
    [released.id, 'Release the money', `Released: $15.00 went to account ${bob.accounts[0]?.number}.`],
    [cancelled.id, 'Cancel the transfer', 'Cancelled: $7.00 is available again.'],
  ] as const;
  for (const [id, button, said] of cases) {
    await page.goto(`/transactions/${id}`);
    await page.getByRole('heading', { level: 1, name: 'Transfer (pending)' }).waitFor();
    await page.getByRole('button', { name: button }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: /^Transfer( \(cancelled\))?$/ }).waitFor();
    await readOnceAsFocused(page, said);
  }
  expect(await balanceOf(bob, 0)).toBe(1_500);
  expect(problems).toEqual([]);
  await context.close();
});

/**
 * A customer on a pending transfer's page, which was cancelled behind it (another tab, the API):
 * With `cutRelease`, the answers to releasing it are cut (`cut.on`).
 */
const pendingCancelledBehindThePage = async (cutRelease: boolean) => {
  const c = await seedCustomer([{ currency: 'USD', deposit: 10_000 }]);
  const bob = await seedCustomer([{ currency: 'USD' }]);
  const tx = await hold(c, bob, 1_500);
  const opened = await openPage(browser(), { width: 1280 });
  const { page } = opened;
  await logIn(page, c);
  const cut = cutRelease ? await cutAnswers(page, '**/v1/transfers/*/post') : undefined;
  await page.goto(`/transactions/${tx.id}`);
  await page.getByRole('heading', { level: 1, name: 'Transfer (pending)' }).waitFor();
  await apiCall('POST', `/v1/transfers/${tx.id}/void`, undefined, {
    ...auth(c),
    'idempotency-key': randomUUID(),
  });
  return { ...opened, bob, cut };
};

/** The refusal is shown, and the receipt, read again, says what the transfer is now. */
const expectRefusedAndCancelled = async (page: Page) => {
  const error = page.locator('#pending-error');
  const said = 'The money was not released. This transfer is no longer pending.';
  await page.getByRole('heading', { level: 1, name: 'Transfer (cancelled)' }).waitFor();
  expect(await error.textContent()).toBe(said);
  // Focus on the words, as after any refused submission: not fallen to the page's start with the
  // buttons the transfer read again took away. Read once, as focused: not an alert too.
  await readOnceAsFocused(page, said);
  expect(await page.getByRole('button', { name: 'Release the money' }).count()).toBe(0);
  expect(await page.getByTestId('unknown-outcome').count()).toBe(0);
};

it('releasing a pending transfer cancelled behind the page, its answer cut: asked again, the refusal is shown', async () => {
  const { page, problems, context, bob, cut } = await pendingCancelledBehindThePage(true);
  await page.getByRole('button', { name: 'Release the money' }).click();
  await unknownAndIdle(page);
  if (cut) cut.on = false;
  await page.getByRole('button', { name: 'Check again' }).click();
  await expectRefusedAndCancelled(page);
  expect(await balanceOf(bob, 0)).toBe(0);
  expect(problems).toEqual([]);
  await context.close();
});

it('releasing a pending transfer cancelled behind the page: the refusal is shown, and the receipt says what it is now', async () => {
  const { page, problems, context, bob } = await pendingCancelledBehindThePage(false);
  await page.getByRole('button', { name: 'Release the money' }).click();
  await expectRefusedAndCancelled(page);
  expect(await balanceOf(bob, 0)).toBe(0);
  expect(problems).toEqual([]);
  await context.close();
});

it('takes amounts as a German browser shows them: "12,50" is 12.50', async () => {
  const c = await seedCustomer([{ currency: 'EUR', deposit: 200_000, nickname: 'Konto' }]);
  const other = await seedCustomer([{ currency: 'EUR' }]);
  const context = await browser().newContext({
    baseURL: baseUrl(),
    locale: 'de-DE',
    timezoneId: 'Europe/Berlin',
    viewport: { width: 390, height: 800 },
  });
  const page = await context.newPage();
  await logIn(page, c);
  await page.goto(`/transfer?from=${c.accounts[0]?.id}`);
  await page.getByLabel('Someone new').check();
  await page.getByLabel('To account number').fill(other.accounts[0]?.number as string);
  await page.getByLabel('Name on the account').fill(other.name);
  await page.getByLabel('Amount (EUR)').fill('12.50');
  await page.getByRole('button', { name: 'Review transfer' }).click();
  expect(await page.locator('#f-amount-error').textContent()).toBe('Enter an amount like 12,50.');
  await page.getByLabel('Amount (EUR)').fill('1.012,50');
  await page.getByRole('button', { name: 'Review transfer' }).click();
  const review = page.getByTestId('review');
  await review.waitFor();
  expect(await review.textContent()).toContain('1.012,50\u00a0€');
  await page.getByRole('button', { name: 'Confirm transfer' }).click();
  await page.getByRole('heading', { name: 'Transfer sent' }).waitFor();
  expect(await balanceOf(other, 0)).toBe(101_250);
  await context.close();
});

it('a scheduled transfer whose answer was cut is asked again with the same key: one schedule is made', async () => {
  const c = await seedCustomer([{ currency: 'USD', deposit: 10_000 }]);
  const landlord = await seedCustomer([{ currency: 'USD' }]);
  const { page, problems, context } = await openPage(browser(), { width: 1280 });
  await logIn(page, c);
  // The server makes the schedule; its answers never reach the page until `cut.on` is false.
  const cut = await cutKeyedPosts(page, '**/v1/scheduled-transfers');
  await page.getByRole('link', { name: 'Scheduled' }).first().click();
  await page.getByRole('link', { name: 'Schedule a transfer' }).click();
  await page.getByLabel('To account number').fill(landlord.accounts[0]?.number as string);
  await page.getByLabel(/^Amount/).fill('25');
  await page.getByLabel('Every month').check();
  await page.getByRole('button', { name: 'Schedule transfer' }).click();
  await unknownAndIdle(page);
  await axe(page, 'schedule outcome unknown');
  cut.on = false;
  await page.getByRole('button', { name: 'Check again' }).click();
  await page.getByTestId('schedule').waitFor();
  expect(await page.getByTestId('schedule-status').textContent()).toBe('Active');
  expect(cut.keys.length).toBeGreaterThanOrEqual(2);
  expect(new Set(cut.keys).size).toBe(1);
  const mine = await apiCall<{ items: unknown[] }>('GET', '/v1/scheduled-transfers', undefined, auth(c));
  expect(mine.items).toHaveLength(1);
  expect(problems).toEqual([]);
  await context.close();
});
