/**
 * Bulk payments in the browser, at 390 px: from "Transfer" to a bulk payment of a saved payee and two
 * account numbers; one in another currency refuses the whole batch (its row marked, nothing sent);
 * without it, the answer is cut and the page asks again with the same key (sent once); the receipts.
 * axe in both themes on the way.
 */
import { describe, expect, it } from 'vitest';
import { apiCall, focused, logIn, openPage, screenshot, seedCustomer, useBrowser } from './browser.ts';
import { auth, axe, balanceOf, cutKeyedPosts, poll, transfersOf, unknownAndIdle } from './money-helpers.ts';

const browser = useBrowser();

/** axe runs twice per screen (both themes): on 2 shared cores a journey can take over a minute. */
const SLOW = 240_000;

describe('at 390 px', () => {
  const width = 390;
  it(
    'pays three people at once: a refused row sends nothing, a lost answer is asked again, sent once',
    async () => {
      const c = await seedCustomer([{ currency: 'USD', deposit: 10_000, nickname: 'Payroll' }]);
      const jane = await seedCustomer([{ currency: 'USD' }]);
      const bob = await seedCustomer([{ currency: 'USD' }]);
      const carl = await seedCustomer([{ currency: 'EUR' }]);
      await apiCall(
        'POST',
        '/v1/payees',
        { name: jane.name, accountNumber: jane.accounts[0]?.number },
        auth(c),
      );
      const { page, problems, requests, context } = await openPage(browser(), { width, height: 900 });
      await logIn(page, c);

      await page.goto('/transfer');
      await page.getByRole('heading', { level: 1, name: 'Transfer money' }).waitFor();
      await page.getByRole('link', { name: 'Make a bulk payment' }).click();
      await page.getByRole('heading', { level: 1, name: 'Bulk payment' }).waitFor();
      const row = (n: number) => page.getByRole('group', { name: `Payment ${n}` });
      // The first payment goes to the saved payee, who is chosen already.
      await row(1)
        .getByLabel(/^Amount/)
        .fill('12.50');
      await row(1).getByLabel('Description (optional)').fill('December pay');
      const someoneNew = async (n: number, number: string, name: string, amount: string) => {
        await page.getByRole('button', { name: 'Add a payment' }).click();
        await poll(() => page.evaluate(() => document.activeElement?.id)).toMatch(/^f-r\d+-to$/);
        await row(n).getByLabel('To').selectOption({ label: 'Someone new (enter their account number)' });
        await row(n).getByLabel('Account number').fill(number);
        await row(n).getByLabel('Name on the account').fill(name);
        await row(n)
          .getByLabel(/^Amount/)
          .fill(amount);
      };
      await someoneNew(2, bob.accounts[0]?.number as string, 'Bob Builder', '20');
      await someoneNew(3, carl.accounts[0]?.number as string, 'Carl', '5');
      await poll(() => page.getByTestId('bulk-total').textContent()).toMatch(/3 payments, \$37\.50 in all/);
      await axe(page, 'bulk payment form');

      // The bank checks only so many names a minute: a check refused for that is said, and the
      // next review asks only for the names not checked yet.
      const carlNumber = carl.accounts[0]?.number as string;
      await page.route('**/v1/payees/check', (route) =>
        route.request().postDataJSON()?.accountNumber === carlNumber
          ? route.fulfill({
              status: 429,
              contentType: 'application/problem+json',
              headers: { 'retry-after': '60' },
              body: JSON.stringify({
                type: 'about:blank',
                title: 'Too many requests',
                status: 429,
                detail: 'x',
                code: 'rate_limited',
              }),
            })
          : route.fallback(),
      );
      await page.getByRole('button', { name: 'Review payments' }).click();
      await page
        .locator('#form-error')
        .filter({ hasText: 'We could not check every name just now' })
        .waitFor();
      await page.unroute('**/v1/payees/check');
      await page.getByRole('button', { name: 'Review payments' }).click();
      await page.getByRole('heading', { name: 'Check and confirm' }).waitFor();
      const review = page.getByRole('table', { name: 'Payments in this bulk payment' });
      await poll(() => review.getByRole('row').count()).toBe(4);
      expect(await page.getByTestId('review').textContent()).toContain('$37.50');
      // Confirmation of payee on the typed rows: every customer here is "Ada Lovelace".
      const mismatch = page.getByTestId('payee-match');
      expect(await mismatch.evaluateAll((els) => els.map((e) => e.getAttribute('data-match')))).toEqual([
        'none',
        'none',
      ]);
      await axe(page, 'bulk payment review');
      await screenshot(page, 'bulk-review');

      // The EUR account refuses the batch: back to the rows, the third marked, nothing sent.
      await page.getByRole('button', { name: 'Send 3 payments' }).click();
      await page.locator('#form-error').filter({ hasText: 'none were sent' }).waitFor();
      const marked = row(3).getByLabel('Account number');
      await poll(() => marked.getAttribute('aria-invalid')).toBe('true');
      expect(await row(3).textContent()).toContain('That account holds a different currency');
      // That row's field alone is marked, and focus goes to it, so the words for the whole batch take
      // no focus: they are announced (role="alert").
      expect(await page.locator('main [aria-invalid="true"]').count()).toBe(1);
      await poll(async () => (await focused(page)).label).toBe('Account number');
      expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-invalid'))).toBe('true');
      expect(await page.locator('#form-error').getAttribute('role')).toBe('alert');
      expect(await page.getByRole('alert').textContent()).toContain(
        `Carl (account ${carl.accounts[0]?.number}): That account holds a different currency`,
      );
      expect(await transfersOf(c, 0)).toEqual([]);
      expect(await balanceOf(c, 0)).toBe(10_000);
      await axe(page, 'bulk payment refused');
      await screenshot(page, 'bulk-refused');

      // Without it, sent; the answer is lost, and the page asks again with the same key.
      await page.getByRole('button', { name: 'Remove payment 3' }).click();
      await poll(() =>
        page
          .getByRole('group')
          .filter({ hasText: /^Payment \d/ })
          .count(),
      ).toBe(2);
      const cut = await cutKeyedPosts(page, '**/v1/transfers/batch');
      await page.getByRole('button', { name: 'Review payments' }).click();
      await page.getByRole('button', { name: 'Send 2 payments' }).waitFor();
      // Each name was checked once (Carl's twice: the first refused), and not asked again.
      expect(requests.filter((r) => r === 'POST /v1/payees/check')).toHaveLength(3);
      await page.getByRole('button', { name: 'Send 2 payments' }).click();
      await unknownAndIdle(page);
      expect(await transfersOf(c, 0)).toHaveLength(2);
      cut.on = false;
      await page.getByRole('button', { name: 'Check again' }).click();
      await page.getByRole('heading', { name: 'Bulk payment sent' }).waitFor();
      expect(new Set(cut.keys).size).toBe(1);
      expect(
        await page.getByRole('status').filter({ hasText: 'You sent 2 payments' }).textContent(),
      ).toContain('$32.50 in all. Your new balance is $67.50.');
      const receipts = page.getByTestId('bulk-receipts').getByRole('link');
      expect(await receipts.allTextContents()).toEqual([`${jane.name}: $12.50`, 'Bob Builder: $20.00']);
      await axe(page, 'bulk payment sent');
      await screenshot(page, 'bulk-sent');

      expect(await transfersOf(c, 0)).toHaveLength(2);
      expect(await balanceOf(c, 0)).toBe(6_750);
      await poll(() => balanceOf(jane, 0)).toBe(1_250);
      await poll(() => balanceOf(bob, 0)).toBe(2_000);
      expect(await balanceOf(carl, 0)).toBe(0);

      await receipts.first().click();
      await page.getByText('December pay').waitFor();
      expect(await page.locator('main').textContent()).toContain('$12.50');

      // The same payment again within 10 minutes is questioned, and "No" sends nothing.
      await page.goto('/transfer/bulk');
      await row(1)
        .getByLabel(/^Amount/)
        .fill('12.50');
      await page.getByRole('button', { name: 'Review payments' }).click();
      const repeat = page.getByTestId('repeat-warning');
      await repeat.getByText('You sent some of these already').waitFor();
      expect(await repeat.textContent()).toContain(`$12.50 to ${jane.name} was sent at`);
      await axe(page, 'bulk payment repeat warning');
      await page.getByRole('button', { name: 'No, don\u2019t send them' }).click();
      await page.getByRole('heading', { level: 1, name: 'Payroll' }).waitFor();
      expect(await transfersOf(c, 0)).toHaveLength(2);

      // A payroll from a CSV file: a saved payee's number becomes that payee, a bad line is named.
      await page.goto('/transfer/bulk');
      const payroll = {
        name: 'payroll.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(
          [
            'Account number,Name,Amount,Description',
            `${jane.accounts[0]?.number},${jane.name},10.00,January`,
            `${bob.accounts[0]?.number},"Builder, Bob",7.25,`,
            'just one cell',
          ].join('\n'),
        ),
      };
      const file = page.getByLabel('Add payments from a file (CSV)');
      await file.setInputFiles(payroll);
      await page.getByRole('status').filter({ hasText: '2 payments added from payroll.csv' }).waitFor();
      expect(await page.locator('#form-error').textContent()).toContain('Line 4:');
      expect(await row(1).getByLabel('To').inputValue()).not.toBe('new');
      expect(await row(2).getByLabel('Account number').inputValue()).toBe(bob.accounts[0]?.number);
      expect(await row(2).getByLabel('Name on the account').inputValue()).toBe('Builder, Bob');
      await axe(page, 'bulk payment from a file');
      await screenshot(page, 'bulk-from-file');
      // The same file again: added again (and said again: the words are cleared first, so that a
      // screen reader announces them anew), and the review points out the doubles.
      const said = '2 payments added from payroll.csv.';
      await page.evaluate((words) => {
        const status = [...document.querySelectorAll('[role="status"]')].find((e) => e.textContent === words);
        const seen: string[] = [];
        (window as unknown as { said: string[] }).said = seen;
        if (status)
          new MutationObserver(() => seen.push(status.textContent ?? '')).observe(status, {
            childList: true,
            characterData: true,
            subtree: true,
          });
      }, said);
      await file.setInputFiles(payroll);
      await poll(() => page.getByTestId('bulk-row').count()).toBe(4);
      const saidSince = () => page.evaluate(() => (window as unknown as { said: string[] }).said);
      await poll(async () => (await saidSince()).at(-1)).toBe(said);
      expect(await saidSince()).toContain('');
      await page.getByRole('button', { name: 'Review payments' }).click();
      await page.getByRole('button', { name: 'Send 4 payments' }).waitFor();
      expect(await page.getByTestId('review').textContent()).toContain('$34.50');
      const doubles = page.getByTestId('same-warning').getByRole('listitem');
      expect(await doubles.allTextContents()).toEqual([
        `Payments 1 and 3: $10.00 each to ${jane.name}`,
        'Payments 2 and 4: $7.25 each to Builder, Bob',
      ]);
      await axe(page, 'bulk payment with doubles');
      expect(await transfersOf(c, 0)).toHaveLength(2);
      expect(problems).toEqual([]);
      await context.close();
    },
    SLOW,
  );
});

it('marks a typed row whose account is closed on the form, saying so, and reviews nothing', async () => {
  const c = await seedCustomer([{ currency: 'USD', deposit: 10_000 }]);
  const bob = await seedCustomer([{ currency: 'USD' }]);
  const gone = await seedCustomer([{ currency: 'USD' }]);
  await apiCall('DELETE', `/v1/accounts/${gone.accounts[0]?.id}`, undefined, auth(gone));
  const { page, problems, context } = await openPage(browser(), { width: 390, height: 900 });
  await logIn(page, c);
  await page.goto('/transfer/bulk');
  await page.getByRole('heading', { level: 1, name: 'Bulk payment' }).waitFor();
  const row = (n: number) => page.getByRole('group', { name: `Payment ${n}` });
  const typed = async (n: number, number: string) => {
    if (n > 1) await page.getByRole('button', { name: 'Add a payment' }).click();
    await row(n).getByLabel('Account number').fill(number);
    await row(n).getByLabel('Name on the account').fill('Ada Lovelace');
    await row(n)
      .getByLabel(/^Amount/)
      .fill('5');
  };
  await typed(1, bob.accounts[0]?.number as string);
  await typed(2, gone.accounts[0]?.number as string);
  await page.getByRole('button', { name: 'Review payments' }).click();
  // The closed account's row is marked, as the transfer screen marks its number; the other is not.
  const marked = row(2).getByLabel('Account number');
  await poll(() => marked.getAttribute('aria-invalid')).toBe('true');
  expect(await row(2).textContent()).toContain('That account is closed, so it cannot be paid.');
  expect(await page.locator('main [aria-invalid="true"]').count()).toBe(1);
  expect(await page.getByRole('heading', { name: 'Check and confirm' }).count()).toBe(0);
  expect(await transfersOf(c, 0)).toEqual([]);
  expect(problems).toEqual([]);
  await context.close();
});
