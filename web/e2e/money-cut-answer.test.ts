/**
 * A success whose answer does not arrive whole: the bank acted, the page cannot read what it did. That
 * is no answer (the outcome is unknown), never a success with nothing in it: the deposit is asked
 * again with the same Idempotency-Key and made once. And an answer the screen itself fails on is the
 * screen's failure, never shown as the bank's refusal ("It was not done"), which invites a second
 * deposit under a new key.
 */
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { logIn, openPage, seedCustomer, useBrowser } from './browser.ts';
import { balanceOf, unknownAndIdle } from './money-helpers.ts';

const browser = useBrowser();

/**
 * The deposits' answers as `mode` says while the bank acts on every request: `whole`, `cut` (the
 * first half of the body, once: the next answer is whole), `reset` (the connection reset) or `bare`
 * (a 201 that names only the id).
 */
const answerDeposits = async (page: Page) => {
  const route = { mode: 'whole' as 'whole' | 'cut' | 'reset' | 'bare', keys: [] as string[] };
  await page.route('**/v1/accounts/*/deposits', async (r) => {
    if (r.request().method() !== 'POST') return r.continue();
    route.keys.push(r.request().headers()['idempotency-key'] ?? '');
    const mode = route.mode;
    if (mode === 'cut') route.mode = 'whole';
    const response = await r.fetch();
    const body = await response.text();
    const contentType = { 'content-type': 'application/json' };
    if (mode === 'cut')
      return r.fulfill({
        status: response.status(),
        headers: contentType,
        body: body.slice(0, body.length / 2),
      });
    if (mode === 'reset') return r.abort('connectionreset');
    if (mode === 'bare') {
      const { id } = JSON.parse(body) as { id: string };
      return r.fulfill({ status: response.status(), headers: contentType, body: JSON.stringify({ id }) });
    }
    return r.fulfill({ response });
  });
  return route;
};

/** A customer signed in on the deposit form of a new USD account, $15 entered, its answers routed. */
const depositOf15 = async () => {
  const c = await seedCustomer([{ currency: 'USD' }]);
  const { page, problems, context } = await openPage(browser(), { width: 1024 });
  await logIn(page, c);
  const route = await answerDeposits(page);
  await page.goto(`/accounts/${c.accounts[0]?.id}/deposit`);
  await page.getByLabel('Amount (USD)').fill('15');
  return { c, page, problems, context, route };
};

it('a deposit whose answer comes cut in half is asked again with the same key, and made once', async () => {
  const { c, page, problems, context, route } = await depositOf15();
  // Only the first answer is cut: the client's own retry (the same key) gets the bank's replay.
  route.mode = 'cut';
  await page.getByRole('button', { name: 'Deposit', exact: true }).click();
  const flash = page.getByTestId('flash');
  await flash.or(page.locator('.form-error')).first().waitFor();
  expect(await page.locator('.form-error').count()).toBe(0);
  expect(await flash.textContent()).toContain('Deposited $15.00. New balance: $15.00.');
  expect(route.keys).toHaveLength(2);
  expect(new Set(route.keys).size).toBe(1);
  expect(await balanceOf(c, 0)).toBe(1_500);
  expect(problems).toEqual([]);
  await context.close();
});

it('an answer the screen cannot show, to "Check again", is never told as "It was not done"', async () => {
  const { c, page, problems, context, route } = await depositOf15();
  route.mode = 'reset';
  await page.getByRole('button', { name: 'Deposit', exact: true }).click();
  await unknownAndIdle(page);

  // The check is answered (the bank's replay) with a body that lacks what the screen reads.
  route.mode = 'bare';
  await page.getByRole('button', { name: 'Check again' }).click();
  await page.getByTestId('unknown-outcome').waitFor({ state: 'detached' });
  // Whatever the screen makes of it, it does not say the bank refused what the bank did: its failure
  // is its own (an uncaught error), the outcome taken as the success it was.
  expect(await page.getByText('It was not done').count()).toBe(0);
  await expect.poll(() => problems.length, { timeout: 10_000 }).toBeGreaterThan(0);
  await doneUnshown(page);
  expect(new Set(route.keys).size).toBe(1);
  expect(await balanceOf(c, 0)).toBe(1_500);
  await context.close();
});

/** The app left the form for the home page, saying the bank did it: no form stays filled in. */
const doneUnshown = async (page: Page) => {
  const flash = page.getByTestId('flash');
  await flash.waitFor();
  expect(await flash.textContent()).toContain(
    'Done: the bank did it, but the page could not show the details.',
  );
  expect(new URL(page.url()).pathname).toBe('/');
  expect(await page.getByLabel('Amount (USD)').count()).toBe(0);
};

it('a first answer the screen cannot show leaves no filled-in form to send again under a new key', async () => {
  const { c, page, problems, context, route } = await depositOf15();
  // The bank's answer lacks what the screen reads: the screen's own code fails on a success.
  route.mode = 'bare';
  await page.getByRole('button', { name: 'Deposit', exact: true }).click();
  await doneUnshown(page);
  expect(await page.locator('.form-error').count()).toBe(0);
  expect(problems.some((p) => p.startsWith('page error:'))).toBe(true);
  expect(route.keys).toHaveLength(1);
  expect(await balanceOf(c, 0)).toBe(1_500);
  await context.close();
});
