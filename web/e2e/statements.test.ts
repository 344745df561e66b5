/**
 * Statements in the browser, at 390 px: from the account to its statements, this month's
 * figures, and both downloads (a real PDF and a real CSV through the presigned link), with axe in both
 * themes on the way.
 */
import type { Download } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { periodOf } from '../../src/domain/statements.ts';
import { withinOnePeriod } from '../../test/periods.ts';
import { checkScreen } from './a11y.ts';
import { focusedText, logIn, openPage, poll, screenshot, seedCustomer, useBrowser } from './browser.ts';

const browser = useBrowser();

/** A download's bytes, streamed from the browser (the run's Chromium is connected to, not local). */
const bytesOf = async (download: Download): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of await download.createReadStream()) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

/** axe runs twice per screen (both themes): on 2 shared cores a journey can take over a minute. */
const SLOW = 240_000;

describe('at 390 px', () => {
  const width = 390;
  it(
    'lists the statements of an account and downloads one as PDF and as CSV',
    // This month's statement: a run into the next month is skipped, not failed.
    async ({ skip }) =>
      withinOnePeriod(skip, periodOf, async () => {
        const c = await seedCustomer([{ currency: 'EUR', deposit: 123_456, nickname: 'Household' }]);
        const { page, problems, context } = await openPage(browser(), { width, height: 900 });
        await logIn(page, c);
        await page.goto(`/accounts/${c.accounts[0]?.id}`);
        await page.getByRole('heading', { level: 1, name: 'Household' }).waitFor();
        await page.getByRole('link', { name: 'Statements' }).click();
        await page.getByRole('heading', { level: 1, name: 'Statements for Household' }).waitFor();

        const month = new Intl.DateTimeFormat('en-US', {
          month: 'long',
          year: 'numeric',
          timeZone: 'UTC',
        }).format(new Date());
        const card = page.locator('[data-testid="statements"] > li').first();
        await card.getByRole('heading', { name: month }).waitFor();
        expect(await card.textContent()).toContain('So far this month');
        expect(await card.getByTestId('closing').textContent()).toBe('€1,234.56');
        // The nav marks the section the screen belongs to.
        if (width >= 1000)
          expect(
            await page.getByRole('link', { name: 'Accounts', exact: true }).getAttribute('aria-current'),
          ).toBe('page');
        await checkScreen(page, `statements ${width}`);
        await screenshot(page, `statements-${width}`);

        const [pdf] = await Promise.all([
          page.waitForEvent('download'),
          card.getByRole('button', { name: `Download PDF for ${month}` }).click(),
        ]);
        expect(pdf.suggestedFilename()).toMatch(/\.pdf$/);
        expect((await bytesOf(pdf)).subarray(0, 5).toString()).toBe('%PDF-');

        const [csv] = await Promise.all([
          page.waitForEvent('download'),
          card.getByRole('button', { name: `Download CSV for ${month}` }).click(),
        ]);
        expect(csv.suggestedFilename()).toMatch(/\.csv$/);
        const text = (await bytesOf(csv)).toString('utf8');
        expect(text.split('\n').length).toBeGreaterThan(1);
        expect(text).toContain('1234.56');
        // The page stayed where it was.
        expect(new URL(page.url()).pathname).toBe(`/accounts/${c.accounts[0]?.id}/statements`);
        expect(problems).toEqual([]);
        await context.close();
      }),
    SLOW,
  );
});

it('follows no download link but an https one (or http on this machine): any other is the general error', async () => {
  const c = await seedCustomer([{ currency: 'USD', deposit: 1_000, nickname: 'Main' }]);
  const { page, problems, context } = await openPage(browser(), { width: 1024 });
  await logIn(page, c);
  const statements = `/accounts/${c.accounts[0]?.id}/statements`;
  // The link the API answers is not one the bank would hand out.
  await page.route(
    (u) => u.pathname.startsWith(`/v1${statements}/`),
    (route) =>
      route.fulfill({
        json: { url: 'http://example.com/statement.pdf', expiresAt: new Date().toISOString() },
      }),
  );
  await page.goto(statements);
  const card = page.locator('[data-testid="statements"] > li').first();
  await card.getByRole('button', { name: /^Download PDF/ }).click();
  const error = card.locator('.form-error');
  await error.waitFor();
  expect(await error.textContent()).toBe('Something went wrong on our side. Please try again.');
  // Focus stays on the button pressed: the failure is announced instead (role="alert").
  expect(await error.getAttribute('role')).toBe('alert');
  expect(await focusedText(page)).toMatch(/^Download PDF/);
  expect(new URL(page.url()).pathname).toBe(statements);
  expect(problems).toEqual([]);
  await context.close();
});

it('shows a year of months, then older ones a page at a time', async () => {
  const c = await seedCustomer([{ currency: 'USD', nickname: 'Main' }]);
  const { page, problems, context } = await openPage(browser(), { width: 1024 });
  await logIn(page, c);
  const statements = `/accounts/${c.accounts[0]?.id}/statements`;
  /** A month's figures: nothing moved. */
  const month = (period: string) => ({
    period,
    currency: 'USD',
    toDate: false,
    openingBalance: 0,
    closingBalance: 0,
    totalIn: 0,
    totalOut: 0,
    count: 0,
  });
  // The list as an account of 14 months answers it: 12 months, then the 2 before them.
  const newest = Array.from({ length: 12 }, (_, i) => month(`2026-${String(12 - i).padStart(2, '0')}`));
  const asked: (string | null)[] = [];
  await page.route(
    (u) => u.pathname === `/v1${statements}`,
    (route) => {
      const cursor = new URL(route.request().url()).searchParams.get('before');
      asked.push(cursor);
      return route.fulfill({
        json:
          cursor === '2026-01'
            ? { items: [month('2025-12'), month('2025-11')], nextCursor: null }
            : { items: newest, nextCursor: '2026-01' },
      });
    },
  );
  await page.goto(statements);
  const cards = page.locator('[data-testid="statements"] > li');
  await cards.first().waitFor();
  expect(await cards.count()).toBe(12);
  await page.getByRole('button', { name: 'Show older statements' }).click();
  await poll(() => cards.count()).toBe(14);
  expect(await cards.last().getByRole('heading').textContent()).toBe(
    new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
      Date.UTC(2025, 10, 1),
    ),
  );
  // The last page: no more to show.
  expect(await page.getByRole('button', { name: 'Show older statements' }).count()).toBe(0);
  expect(asked).toEqual([null, '2026-01']);
  expect(problems).toEqual([]);
  await context.close();
});
