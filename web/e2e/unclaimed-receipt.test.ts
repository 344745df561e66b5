/**
 * A transfer become unclaimed funds (both accounts closed before it arrived: the bank holds the money
 * for its sender), on the sender's receipt in the customer's web client: held, the bank says it holds
 * the money (not "Reversed by the bank"); paid out by cheque, or handed to the state, it says so and
 * where to claim it; paid back into an account of theirs, it links to that payout. The recipient never
 * received the money and is not told: the transfer is not theirs to read (404, the not-found page).
 * The payouts are real ones, made by a member of staff through the back-office API; the transfers are
 * marked unclaimed behind the API's back (back-office.ts). axe runs on two of the receipts.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { MESSAGES } from '../src/errors.ts';
import { checkScreen } from './a11y.ts';
import { newStaff, type Staff, unclaimedTransfer, useBackOffice } from './back-office.ts';
import { apiCall, arrived, logIn, openPage, type Seeded, seedCustomer, useBrowser } from './browser.ts';
import { auth } from './money-helpers.ts';

const browser = useBrowser();
const backOffice = useBackOffice();

/** A real payout of a transfer's unclaimed funds, by a member of staff (POST .../unclaimed-payouts). */
const payOut = (staff: Staff, id: string, body: Record<string, string>) =>
  apiCall<{ id: string }>(
    'POST',
    `/v1/admin/transactions/${id}/unclaimed-payouts`,
    { ...body, reason: 'The customer called us (ticket 7310)' },
    { authorization: `Bearer ${staff.login.accessToken}`, 'idempotency-key': randomUUID() },
  );

/** The receipt's line on unclaimed funds, paid out: what precedes how. */
const paidOut = (amount: string, how: string) =>
  `The receiving account was closed before the money arrived, so the bank held ${amount} for you, and has ${how}`;

describe('the sender’s receipt of a transfer become unclaimed funds', () => {
  let sender: Seeded;
  let recipient: Seeded;
  /** One transfer each: still held, paid out by cheque, to the state, and into the sender's account. */
  const ids = { held: '', cheque: '', escheat: '', account: '' };
  /** The payout into the sender's account (a reversal they can read). */
  let payback = '';

  beforeAll(async () => {
    sender = await seedCustomer([{ currency: 'USD', deposit: 20_000 }]);
    recipient = await seedCustomer([{ currency: 'USD' }]);
    const amounts = { held: 1_234, cheque: 2_345, escheat: 3_456, account: 4_567 };
    for (const k of ['held', 'cheque', 'escheat', 'account'] as const)
      ids[k] = (await unclaimedTransfer(backOffice(), amounts[k], { sender, recipient })).id;
    const staff = await newStaff(backOffice());
    await payOut(staff, ids.cheque, { method: 'cheque', reference: 'CHQ-004711' });
    await payOut(staff, ids.escheat, { method: 'escheat', reference: 'NY-AUF-2026-0042' });
    payback = (await payOut(staff, ids.account, { toAccountId: sender.accounts[0]?.id as string })).id;
  });

  /** The sender, logged in on the transfer's receipt, which tells of unclaimed funds: their line. */
  const senderReceipt = async (id: string, width = 1280) => {
    const watched = await openPage(browser(), { width });
    await logIn(watched.page, sender, `/transactions/${id}`);
    // The heading and the receipt come with the transfer read (nothing on the page loads after them).
    await watched.page.getByRole('heading', { level: 1, name: 'Transfer', exact: true }).waitFor();
    const receipt = watched.page.getByTestId('receipt');
    // Unclaimed funds are all reversed (the settler's mark): the line says so in its own words, and
    // never the plain "Reversed by the bank" a customer would read as their transfer undone.
    expect(await receipt.textContent()).not.toContain('Reversed by the bank');
    expect(await watched.page.getByTestId('reversed-amount').count()).toBe(0);
    expect(await receipt.locator('dt').filter({ hasText: 'Returned to the bank' }).count()).toBe(1);
    return { ...watched, line: watched.page.getByTestId('unclaimed') };
  };

  it('held: the bank holds the money for them, and they are to contact it', async () => {
    const { page, problems, context, line } = await senderReceipt(ids.held, 390);
    expect(await line.textContent()).toBe(
      'The receiving account was closed before the money arrived, and this account is closed too, so the ' +
        'bank holds $12.34 for you. Contact us, and we will pay it into an account in your name.',
    );
    expect(await line.getByRole('link').count()).toBe(0);
    await checkScreen(page, 'unclaimed funds held');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('paid out by cheque: it was sent to them by cheque', async () => {
    const { problems, context, line } = await senderReceipt(ids.cheque);
    expect(await line.textContent()).toBe(paidOut('$23.45', 'sent it to you by cheque.'));
    expect(await line.getByRole('link').count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('handed to the state: they are to claim it from the state’s unclaimed property office', async () => {
    const { problems, context, line } = await senderReceipt(ids.escheat);
    expect(await line.textContent()).toBe(
      paidOut(
        '$34.56',
        'handed it, unclaimed, to the state: claim it from the state\u2019s unclaimed property office.',
      ),
    );
    expect(await line.getByRole('link').count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('paid back into their account: "paid it back to you" opens that payout', async () => {
    const { page, problems, context, line } = await senderReceipt(ids.account);
    expect(await line.textContent()).toBe(paidOut('$45.67', 'paid it back to you.'));
    await checkScreen(page, 'unclaimed funds paid back');
    const link = line.getByRole('link', { name: 'paid it back to you' });
    expect(await link.getAttribute('href')).toBe(`/transactions/${payback}`);
    await link.click();
    await arrived(page, 'Reversal by the bank');
    expect(new URL(page.url()).pathname).toBe(`/transactions/${payback}`);
    const receipt = page.getByTestId('receipt');
    expect(await receipt.locator('.reference').textContent()).toBe(payback);
    expect(await receipt.locator('.big').textContent()).toBe('$45.67');
    // The payout leads back to the transfer it paid out.
    await receipt.getByRole('link', { name: 'the original transaction' }).click();
    await arrived(page, 'Transfer');
    expect(new URL(page.url()).pathname).toBe(`/transactions/${ids.account}`);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('the recipient, who never received it, cannot read it: the API says 404, the page not found', async () => {
    // The intent (src/domain/ledger.ts visibleTo): a transfer returned to its sender is not the
    // recipient's to see, held or paid out.
    for (const id of Object.values(ids))
      await expect(apiCall('GET', `/v1/transactions/${id}`, undefined, auth(recipient))).rejects.toThrow(
        `GET /v1/transactions/${id}: 404 `,
      );
    const { page, problems, context } = await openPage(browser(), { width: 390 });
    await logIn(page, recipient, `/transactions/${ids.held}`);
    await page.getByText(MESSAGES.not_found).waitFor();
    expect(await page.getByTestId('receipt').count()).toBe(0);
    const text = await page.locator('main').textContent();
    expect(text).not.toContain('Returned to the bank');
    expect(text).not.toContain('$12.34');
    expect(problems).toEqual([]);
    await context.close();
  });
});
