/**
 * Layout, accessibility basics and the Content-Security-Policy, screen by screen: every screen fits
 * 360 px without sideways scrolling, every form control has a label, the page is served with the
 * strict CSP and runs under it without a single violation. Mobile screenshots go to test-results/web/.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { baseUrl, logIn, openPage, screenshot, seedCustomer, useBrowser } from './browser.ts';

const browser = useBrowser();

/** Problems a screen has at this width: sideways overflow, and controls without a label. */
const layoutProblems = (page: Page) =>
  page.evaluate(() => {
    const out: string[] = [];
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > width) {
      out.push(`scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
    }
    for (const el of document.querySelectorAll<HTMLInputElement>('input, select, textarea')) {
      if (el.type === 'hidden') continue;
      if (!el.labels?.length && !el.getAttribute('aria-label'))
        out.push(`unlabelled ${el.outerHTML.slice(0, 80)}`);
    }
    return out;
  });

it('serves the app with the strict CSP and no inline script or style', async () => {
  const html = readFileSync(new URL('../dist/index.html', import.meta.url), 'utf8');
  expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  expect(html).not.toMatch(/<style\b|\sstyle=/);
  for (const path of ['/', '/accounts/3f9a2b1c-6a43-4c1e-9a55-5b7f0e2d8c11/deposit']) {
    const res = await fetch(baseUrl() + path, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
  }
  const config = await (await fetch(`${baseUrl()}/config.json`)).json();
  expect(config).toMatchObject({
    apiBaseUrl: '',
    idleTimeoutSeconds: 900,
    supportContact: 'support@bank.local',
  });
});

it('fits every screen into 360 px, with a label on every control and no CSP violation', async () => {
  const c = await seedCustomer([
    { currency: 'EUR', deposit: 123_456, nickname: 'A rather long nickname for an account' },
    { currency: 'EUR' },
    { currency: 'JPY', deposit: 5_000 },
  ]);
  const [first, second] = c.accounts;
  const { page, problems, context } = await openPage(browser(), { width: 360, height: 740 });
  const check = async (name: string, heading: string) => {
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    await page.waitForLoadState('networkidle');
    expect(await layoutProblems(page), name).toEqual([]);
    await screenshot(page, `mobile-${name}`);
  };

  await page.goto('/register');
  await check('register', 'Register');
  await page.goto('/confirm?email=ada%40example.com');
  await check('confirm', 'Confirm your email');
  await logIn(page, c);
  await check('dashboard', 'Your accounts');
  await page.goto('/accounts/new');
  await check('open-account', 'Open an account');
  await page.goto(`/accounts/${first?.id}`);
  await check('account', 'A rather long nickname for an account');
  await page.goto(`/accounts/${first?.id}/deposit`);
  await check('deposit', 'Deposit into A rather long nickname for an account');
  await page.goto(`/accounts/${first?.id}/close`);
  await check('close', 'Close A rather long nickname for an account');
  await page.goto(`/transfer?from=${first?.id}`);
  await check('transfer', 'Transfer money');
  await page.getByLabel('To account number').fill(second?.number as string);
  await page.getByLabel('Name on the account').fill('Ada Lovelace');
  await page.getByLabel('Amount (EUR)').fill('1000');
  await page
    .getByLabel('Description (optional)')
    .fill('A long description that has to wrap on a small screen');
  await page.getByRole('button', { name: 'Review transfer' }).click();
  await page.getByTestId('review').waitFor();
  expect(await layoutProblems(page)).toEqual([]);
  await screenshot(page, 'mobile-transfer-review');
  // A bulk payment's rows and its review table (a customer without payees: the row takes a number).
  await page.goto(`/transfer/bulk?from=${first?.id}`);
  await check('bulk', 'Bulk payment');
  await page.getByLabel('Account number').fill(second?.number as string);
  await page.getByLabel('Name on the account').fill('Ada Lovelace');
  await page.getByLabel('Amount (EUR)').fill('1000');
  await page
    .getByLabel('Description (optional)')
    .fill('A long description that has to wrap on a small screen');
  await page.getByRole('button', { name: 'Review payments' }).click();
  await page.getByTestId('review').waitFor();
  expect(await layoutProblems(page)).toEqual([]);
  await screenshot(page, 'mobile-bulk-review');
  await page.goto('/no/such/page');
  await check('not-found', 'Page not found');
  expect(problems).toEqual([]);
  await context.close();
});
