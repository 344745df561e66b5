import { describe, expect } from 'vitest';
import { takeTurns, WIDTHS } from './a11y.ts';
import { apiCall, logIn, openPage, screenshot, seedCustomer, useBrowser } from './browser.ts';
import { auth, axe, balanceOf, payTo, poll, transfersOf } from './money-helpers.ts';

const browser = useBrowser();

describe.each(WIDTHS)('at %i px', (width) => {
  const journey = takeTurns(width, 0);
  journey(
    'never pays twice: a cut answer, away and back, the money moved once; then "You sent this already"',
    async () => {
      const c = await seedCustomer([{ currency: 'USD', deposit: 10_000 }]);
      const payee = await seedCustomer([{ currency: 'USD' }]);
      const { page, problems, context } = await openPage(browser(), { width });
      await logIn(page, c);
      const keys: string[] = [];
      let cut = true;
      await page.route('**/v1/transfers', async (route) => {
        keys.push(route.request().headers()['idempotency-key'] ?? '');
        // A connection the local gateway reset under this fetch (a kept-alive socket it was closing)
        // reaches the page as what it is, a cut answer, instead of failing the run from this handler.
        const response = await route.fetch().catch(() => undefined);
        if (!response) return route.abort('connectionreset');
        // The server answered (and moved the money), but the answer never reaches the page.
        if (cut) return route.abort('connectionreset');
        return route.fulfill({ response });
      });
      await payTo(page, c.accounts[0]?.id as string, payee.accounts[0]?.number as string, payee.name, '20');
      await page.getByTestId('review').waitFor();
      await page.getByRole('button', { name: 'Confirm transfer' }).click();
      const unknown = page.getByRole('heading', { name: 'We don\u2019t know yet whether this went through' });
      await unknown.waitFor();
      await page.getByRole('button', { name: 'Check again' }).waitFor();
      await poll(() => page.getByRole('status').filter({ hasText: 'Checking' }).count()).toBe(0);
      await axe(page, 'unknown outcome');
      await screenshot(page, `v2-${width}-unknown-outcome`);
      expect(await transfersOf(c, 0)).toHaveLength(1);

      // Away to the accounts, and back to "Transfer": the same intent resumes with the same key.
      cut = false;
      await page.getByRole('link', { name: 'Accounts', exact: true }).first().click();
      await page.getByRole('heading', { level: 1, name: 'Your accounts' }).waitFor();
      await page.goto('/transfer');
      await page.getByRole('heading', { name: 'Transfer sent' }).waitFor();
      expect(new Set(keys).size).toBe(1);
      expect(await transfersOf(c, 0)).toEqual([expect.objectContaining({ amount: -2000 })]);
      expect(await balanceOf(payee, 0)).toBe(2000);

      // A new transfer with the same payee and amount within 10 minutes is questioned.
      await page.getByRole('button', { name: 'Make another transfer' }).click();
      await payTo(
        page,
        c.accounts[0]?.id as string,
        payee.accounts[0]?.number as string,
        payee.name,
        '20.00',
      );
      await page.getByTestId('repeat-warning').getByText('You sent this already. Send again?').waitFor();
      await axe(page, 'repeat warning');
      await page.getByRole('button', { name: 'No, don\u2019t send it' }).click();
      await page.getByRole('heading', { level: 1, name: 'Checking account' }).waitFor();
      expect(await transfersOf(c, 0)).toHaveLength(1);
      expect(problems).toEqual([]);
      await context.close();
    },
  );

  journey(
    'knows who you pay: unknown number refused first, close and no-match names, payees, between my accounts',
    async () => {
      const c = await seedCustomer([
        { currency: 'USD', deposit: 10_000, nickname: 'Main' },
        { currency: 'USD', nickname: 'Spare' },
      ]);
      const jane = await seedCustomer([{ currency: 'USD' }]);
      const janeNumber = jane.accounts[0]?.number as string;
      const { page, problems, requests, context } = await openPage(browser(), { width });
      await logIn(page, c);

      // An unknown (well-formed) number is refused on the first step.
      await payTo(page, c.accounts[0]?.id as string, '0000000000', 'Nobody', '5');
      const numberError = page.locator('#f-toAccountNumber-error');
      await numberError.waitFor();
      expect(await numberError.textContent()).toBe(
        'No account has that number. Check the number and try again.',
      );
      expect(await page.getByTestId('review').count()).toBe(0);

      // A closed account's number is refused there too, saying so.
      const gone = await seedCustomer([{ currency: 'USD' }]);
      await apiCall('DELETE', `/v1/accounts/${gone.accounts[0]?.id}`, undefined, auth(gone));
      await page.getByLabel('To account number').fill(gone.accounts[0]?.number as string);
      await page.getByLabel('Name on the account').fill('Ada Lovelace');
      await page.getByRole('button', { name: 'Review transfer' }).click();
      await page.getByText('That account is closed, so it cannot be paid.').waitFor();
      expect(await numberError.textContent()).toBe(
        'That account is closed, so it cannot be paid. Check the number and try again.',
      );
      expect(await page.getByTestId('review').count()).toBe(0);

      // Close: "Did you mean …?", and the holder's name can be taken.
      await page.getByLabel('To account number').fill(janeNumber);
      await page.getByLabel('Name on the account').fill('Lovelace Ada');
      await page.getByRole('button', { name: 'Review transfer' }).click();
      const match = page.getByTestId('payee-match');
      await match.waitFor();
      expect(await match.getAttribute('data-match')).toBe('close');
      expect(await match.textContent()).toContain('Did you mean Ada Lovelace?');
      await axe(page, 'close match');
      await page.getByRole('button', { name: 'Yes, pay Ada Lovelace' }).click();
      expect(await match.getAttribute('data-match')).toBe('exact');
      await page.getByRole('button', { name: 'Change details' }).click();

      // No match.
      await page.getByLabel('Name on the account').fill('Grace Hopper');
      await page.getByRole('button', { name: 'Review transfer' }).click();
      await match.waitFor();
      expect(await match.getAttribute('data-match')).toBe('none');
      expect(await match.textContent()).toContain('does not match');
      await screenshot(page, `v2-${width}-no-match`);

      // Payees: add one (checked), pay it from its screen.
      await page.getByRole('link', { name: 'Payees' }).first().click();
      await page.getByRole('heading', { level: 1, name: 'Payees' }).waitFor();
      await page.getByLabel('Name on the account').fill('Ada Lovelace');
      await page.getByLabel('Account number').fill(janeNumber);
      await page.getByRole('button', { name: 'Save payee' }).click();
      await page.getByTestId('payee-added').waitFor();
      expect(await page.getByTestId('payee-added').getAttribute('data-match')).toBe('exact');
      await axe(page, 'payees');
      await screenshot(page, `v2-${width}-payees`);
      await page.getByRole('link', { name: 'Pay Ada Lovelace' }).click();
      await page.getByRole('heading', { level: 1, name: 'Transfer money' }).waitFor();
      expect(await page.getByLabel('A saved payee').isChecked()).toBe(true);
      await page.getByLabel(/^Amount/).fill('7.25');
      await axe(page, 'transfer form');
      await page.getByRole('button', { name: 'Review transfer' }).click();
      await page.getByTestId('review').waitFor();
      expect(await page.getByTestId('payee-match').getAttribute('data-match')).toBe('exact');
      await page.getByRole('button', { name: 'Confirm transfer' }).click();
      await page.getByRole('heading', { name: 'Transfer sent' }).waitFor();
      expect(await page.getByRole('status').first().textContent()).toContain(
        'You sent $7.25 to Ada Lovelace',
      );
      expect(await balanceOf(jane, 0)).toBe(725);
      expect(requests.filter((r) => r === 'POST /v1/transfers')).toHaveLength(1);

      // Between my accounts: a choice, no typing.
      await page.getByRole('button', { name: 'Make another transfer' }).click();
      await page.getByLabel('Between my accounts').check();
      expect(await page.getByLabel('To account number').count()).toBe(0);
      await page.getByLabel('To', { exact: true }).selectOption(c.accounts[1]?.id as string);
      await page.getByLabel(/^Amount/).fill('1');
      await page.getByRole('button', { name: 'Review transfer' }).click();
      await page.getByRole('button', { name: 'Confirm transfer' }).click();
      await page.getByRole('heading', { name: 'Transfer sent' }).waitFor();
      expect(await balanceOf(c, 1)).toBe(100);

      // A saved payee whose account has closed since: refused at sending (the transfer form runs no
      // check for a saved payee), said to be the payee's account and not the customer's own, and back
      // to the details to choose another.
      const leaving = await seedCustomer([{ currency: 'USD' }]);
      const saved = await apiCall<{ id: string }>(
        'POST',
        '/v1/payees',
        { name: 'Lee Leaving', accountNumber: leaving.accounts[0]?.number },
        auth(c),
      );
      await apiCall('DELETE', `/v1/accounts/${leaving.accounts[0]?.id}`, undefined, auth(leaving));
      await page.goto(`/transfer?from=${c.accounts[0]?.id}`);
      await page.getByLabel('A saved payee').check();
      await page.getByLabel('Payee', { exact: true }).selectOption(saved.id);
      await page.getByLabel(/^Amount/).fill('2');
      await page.getByRole('button', { name: 'Review transfer' }).click();
      await page.getByRole('button', { name: 'Confirm transfer' }).click();
      await page.getByText('The account you want to pay cannot take payments. Check the details').waitFor();
      expect(await page.getByTestId('review').count()).toBe(0);
      expect(await page.getByText('This account is not active').count()).toBe(0);
      await axe(page, 'payee account closed');

      // Deleting the payees.
      await page.goto('/payees');
      await page.getByRole('button', { name: 'Delete Lee Leaving' }).click();
      await page.getByRole('button', { name: 'Delete Ada Lovelace' }).click();
      await page.getByText('You have no saved payees yet.').waitFor();
      expect(problems).toEqual([]);
      await context.close();
    },
  );

  journey(
    'pending transfers: held with a note, explained, released and cancelled; the recipient refunds',
    async () => {
      const c = await seedCustomer([{ currency: 'USD', deposit: 10_000, nickname: 'Main' }]);
      const bob = await seedCustomer([{ currency: 'USD' }]);
      const bobNumber = bob.accounts[0]?.number as string;
      const { page, problems, context } = await openPage(browser(), { width });
      await logIn(page, c);

      for (const amount of ['30', '12']) {
        await page.goto(`/transfer?from=${c.accounts[0]?.id}`);
        await page.getByLabel('Someone new').check();
        await page.getByLabel('To account number').fill(bobNumber);
        await page.getByLabel('Name on the account').fill(bob.name);
        await page.getByLabel(/^Amount/).fill(amount);
        await page.getByLabel('Note for yourself (optional)').fill(`deposit for the flat ${amount}`);
        await page.getByLabel('Hold the money until I release it (a pending transfer)').check();
        await page.getByLabel('Cancel it automatically after').selectOption(String(24 * 3600));
        await page.getByRole('button', { name: 'Review transfer' }).click();
        const confirm = page.getByRole('button', { name: /Confirm transfer|Yes, send again/ });
        await confirm.click();
        await page.getByRole('heading', { name: 'Transfer pending' }).waitFor();
      }
      // An incoming credit not yet settled (a hot recipient's) is in the pending history too: it holds
      // nothing of this account's, so it is not listed among its pending transfers.
      await page.route('**/v1/accounts/*/transactions?*status=pending*', async (route) => {
        const response = await route.fetch();
        const body = (await response.json()) as { items: { transactionId: string; amount: number }[] };
        const first = body.items[0];
        if (first)
          body.items.unshift({
            ...first,
            transactionId: `${first.transactionId.slice(0, -4)}beef`,
            amount: 2500,
          });
        await route.fulfill({ response, json: body });
      });
      await page.getByRole('link', { name: 'View account' }).click();
      await page.getByRole('heading', { level: 1, name: 'Main' }).waitFor();
      expect(await page.getByTestId('available').textContent()).toBe('$58.00');
      expect(await page.getByTestId('balance').textContent()).toBe('$100.00');
      expect(await page.getByTestId('available-explained').textContent()).toBe(
        'Available is your balance minus money held for pending transfers ($42.00 held now).',
      );
      const pending = page.getByRole('list', { name: 'Pending transfers' });
      await poll(() => pending.locator('li').count()).toBe(2);
      await axe(page, 'account with pending');
      await screenshot(page, `v2-${width}-pending`);

      // Release the $30 one.
      await pending.locator('li', { hasText: '-$30.00' }).getByRole('link').click();
      await page.getByRole('heading', { level: 1, name: 'Transfer (pending)' }).waitFor();
      expect(await page.getByTestId('receipt').textContent()).toContain('deposit for the flat 30');
      await axe(page, 'pending transaction');
      await page.getByRole('button', { name: 'Release the money' }).click();
      await page.getByRole('heading', { level: 1, name: 'Transfer', exact: true }).waitFor();
      expect(await page.getByTestId('receipt').textContent()).toContain('Completed');

      // Cancel the $12 one.
      await page.getByRole('link', { name: 'Back to Main' }).click();
      await page
        .getByRole('list', { name: 'Pending transfers' })
        .locator('li', { hasText: '-$12.00' })
        .getByRole('link')
        .click();
      await page.getByRole('button', { name: 'Cancel the transfer' }).click();
      await page.getByRole('heading', { level: 1, name: 'Transfer (cancelled)' }).waitFor();
      expect(await balanceOf(c, 0)).toBe(7000);
      expect(await balanceOf(bob, 0)).toBe(3000);

      // Bob refunds $10 of the $30 he received.
      const received = (await transfersOf(bob, 0))[0] as unknown as { transactionId: string };
      const bobPage = await openPage(browser(), { width });
      await logIn(bobPage.page, bob);
      await bobPage.page.goto(`/transactions/${received.transactionId}`);
      await bobPage.page.getByRole('heading', { name: 'Refund this transfer' }).waitFor();
      await axe(bobPage.page, 'received transfer');
      await bobPage.page.getByLabel('Amount to refund (USD)').fill('10');
      await bobPage.page.getByRole('button', { name: 'Refund', exact: true }).click();
      await bobPage.page.getByText('Refunded $10.00.').waitFor();
      // The message comes with the refund's answer; the receipt, once the transfer is read again.
      await poll(() => bobPage.page.getByTestId('receipt').textContent()).toContain('Refunded$10.00');
      expect(await balanceOf(bob, 0)).toBe(2000);
      expect(await balanceOf(c, 0)).toBe(8000);
      expect([...problems, ...bobPage.problems]).toEqual([]);
      await bobPage.context.close();
      await context.close();
    },
  );
});
