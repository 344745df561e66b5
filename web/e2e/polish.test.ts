/**
 * The polish of #17 in the browser: the skip link is the first Tab stop after a page load and after
 * every navigation inside the app; the nav marks the current section; the idle warning counts down
 * (the page's clock is Playwright's, so nobody waits); amounts never break at 320 px; the dark theme
 * follows the system; every page, the could-not-start page and a screen whose code cannot load
 * included, has a main and an h1 and passes axe in both themes; heavy screens load on demand.
 */
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { axeProblems, checkScreen } from './a11y.ts';
import { focused, logIn, openPage, poll, screenshot, seedCustomer, useBrowser } from './browser.ts';

const browser = useBrowser();
/** axe runs twice per screen (both themes): on 2 shared cores a journey can take over a minute. */
const SLOW = 240_000;

it(
  'makes the skip link the first Tab stop after a page load and after each navigation',
  async () => {
    const c = await seedCustomer([{ currency: 'USD', deposit: 1_000, nickname: 'Main' }]);
    const { page, problems, context } = await openPage(browser(), { width: 1280, height: 800 });
    await page.goto('/login');
    await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ tag: 'a', text: 'Skip to content' });

    await page.getByLabel('Email').fill(c.email);
    await page.getByLabel('Password').fill(c.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Your accounts' }).waitFor();
    // Focus went back to the top, on a hidden element that names the new screen.
    await poll(async () => (await focused(page)).text).toBe('Your accounts');
    expect((await focused(page)).tag).toBe('p');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ tag: 'a', text: 'Skip to content' });
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');

    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link', { name: 'Accounts' }).getAttribute('aria-current')).toBe('page');
    await nav.getByRole('link', { name: 'Transfer' }).click();
    await page.getByRole('heading', { level: 1, name: 'Transfer money' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Transfer' }).getAttribute('aria-current')).toBe('page');
    expect(await nav.getByRole('link', { name: 'Accounts' }).getAttribute('aria-current')).toBeNull();
    await poll(async () => (await focused(page)).text).toBe('Transfer money');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ tag: 'a', text: 'Skip to content' });

    // Back button: the same.
    await page.goBack();
    await page.getByRole('heading', { level: 1, name: 'Your accounts' }).waitFor();
    await poll(async () => (await focused(page)).text).toBe('Your accounts');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ tag: 'a', text: 'Skip to content' });
    expect(problems).toEqual([]);
    await context.close();
  },
  SLOW,
);

it(
  'counts down the idle warning second by second, on the page clock',
  async () => {
    const c = await seedCustomer([]);
    const { page, problems, context } = await openPage(browser(), { width: 390, height: 800 });
    await page.clock.install();
    await logIn(page, c);
    const dialog = page.getByRole('alertdialog', { name: 'Are you still there?' });
    const countdown = page.getByTestId('idle-countdown');
    const secondsShown = async () => {
      const [m, s] = ((await countdown.textContent()) ?? '').split(':').map(Number) as [number, number];
      return m * 60 + s;
    };
    const pageNow = () => page.evaluate(() => Date.now());
    // From here the page's time moves only when the test moves it, however slow the steps between
    // (login, axe); the idle time starts at a key press at a known instant. Preact's effects (the
    // dialog's showModal) run after a frame, which on the paused clock comes when the test moves time.
    // A minute ahead: the page's time runs on until the pause reaches it, and one in the past is refused.
    await page.clock.pauseAt((await pageNow()) + 60_000);
    await page.keyboard.press('Shift');
    await page.clock.fastForward('14:00');
    await page.clock.runFor(100);
    await dialog.waitFor();
    // axe needs the page's timers running: they run while the page's time stands still, so axe's
    // minute or more (on 2 shared cores) is no idle time. Then the paused clock again, from there.
    const warned = await pageNow();
    await page.clock.setFixedTime(warned);
    await page.clock.resume();
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      expect(await axeProblems(page), colorScheme).toEqual([]);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.clock.pauseAt(warned);
    await page.clock.setSystemTime(warned);

    // 14:00.1 of the 15 idle minutes gone: 59.9 s left, shown rounded up.
    const start = await secondsShown();
    expect(start).toBe(60);
    await page.clock.runFor(1_000);
    await poll(secondsShown).toBe(start - 1);
    await page.clock.runFor(14_000);
    await poll(secondsShown).toBe(start - 15);
    await screenshot(page, 'idle-countdown-390');
    await page.clock.runFor((start - 24) * 1_000);
    await poll(() => countdown.textContent()).toBe('0:09');
    expect(await page.getByText('Less than 10 seconds left.').count()).toBe(1);

    // Staying resets it: the next warning starts from a full minute, and tells how long.
    await page.getByRole('button', { name: 'Stay logged in' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.clock.runFor(14 * 60_000 - 500);
    expect(await dialog.isVisible()).toBe(false);
    // 501 ms to the warning, and 100 more for Preact's effects (run after a frame, on the paused clock too).
    await page.clock.runFor(601);
    await dialog.waitFor();
    expect(await countdown.textContent()).toBe('1:00');
    expect(await dialog.textContent()).toContain('you will be logged out in 60 seconds');
    // And at zero the session ends.
    await page.clock.runFor(60_000);
    await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
    expect(problems).toEqual([]);
    await context.close();
  },
  SLOW,
);

/** Amounts that wrap onto two lines, and sideways scrolling, on the page now. */
const brokenNumbers = (page: Page) =>
  page.evaluate(() => {
    const out: string[] = [];
    for (const el of document.querySelectorAll('.money')) {
      if (el.getClientRects().length !== 1) out.push(`broken: ${el.textContent}`);
    }
    if (document.documentElement.scrollWidth > document.documentElement.clientWidth)
      out.push('scrolls sideways');
    return { count: document.querySelectorAll('.money').length, problems: out };
  });

it(
  'never breaks an amount at 320 px, however long it is',
  async () => {
    const c = await seedCustomer([
      { currency: 'EUR', deposit: 500_000, nickname: 'Business reserve account' },
    ]);
    const id = c.accounts[0]?.id as string;
    const { page, problems, context } = await openPage(browser(), { width: 320, height: 700 });
    // A balance far over what the test stack lets a customer deposit in a day: the real answer, enlarged.
    await page.route(`**/v1/accounts/${id}`, async (route) => {
      const res = await route.fetch();
      const body = await res.json();
      await route.fulfill({
        response: res,
        json: { ...body, balance: 98_765_432_101, available: 98_765_432_101 },
      });
    });
    await logIn(page, c);
    await page.goto(`/accounts/${id}`);
    await page.getByTestId('balance').getByText('€987,654,321.01').waitFor();
    // The history loads after the header: wait for the deposit's row before counting amounts.
    await page.locator('ol.history .money').first().waitFor();
    const account = await brokenNumbers(page);
    expect(account.count).toBeGreaterThanOrEqual(3);
    expect(account.problems).toEqual([]);
    await screenshot(page, 'amounts-320-account');
    await page.goto(`/accounts/${id}/statements`);
    await page.getByTestId('statements').waitFor();
    const statements = await brokenNumbers(page);
    expect(statements.count).toBeGreaterThanOrEqual(4);
    expect(statements.problems).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  },
  SLOW,
);

it(
  'follows the system into dark mode',
  async () => {
    const { page, context } = await openPage(browser(), { width: 1280, height: 800 });
    const colours = () =>
      page.evaluate(() => {
        const s = getComputedStyle(document.body);
        return { bg: getComputedStyle(document.documentElement).backgroundColor, text: s.color };
      });
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto('/login');
    await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
    expect(await colours()).toEqual({ bg: 'rgb(255, 255, 255)', text: 'rgb(27, 31, 35)' });
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await colours()).toEqual({ bg: 'rgb(18, 20, 23)', text: 'rgb(230, 233, 237)' });
    await screenshot(page, 'dark-login');
    await context.close();
  },
  SLOW,
);

it(
  'finds what the axe check is there to find, in either theme, with axe freshly injected or already in the page',
  async () => {
    const { page, context } = await openPage(browser(), { width: 1280, height: 800 });
    await page.goto('/login');
    await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
    // Text dark enough for the light theme and far too dark for the dark one, and an image with no text.
    const spoil = () =>
      page.evaluate(() => {
        const p = document.createElement('p');
        p.textContent = 'Hard to read in the dark';
        p.style.color = 'rgb(40, 40, 40)';
        document.querySelector('main')?.append(p, document.createElement('img'));
      });
    const ids = async () => (await axeProblems(page)).map((p) => p.split(':')[0]);
    await spoil();
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await page.evaluate(() => 'axe' in window)).toBe(false);
    expect(await ids()).toEqual(['critical image-alt']);
    expect(await page.evaluate(() => 'axe' in window)).toBe(true);
    await page.emulateMedia({ colorScheme: 'dark' });
    expect((await ids()).sort()).toEqual(['critical image-alt', 'serious color-contrast']);
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
    await spoil();
    expect((await ids()).sort()).toEqual(['critical image-alt', 'serious color-contrast']);
    await context.close();
  },
  SLOW,
);

it(
  'gives the could-not-start page, the not-found page and a screen that cannot load a main and an h1',
  async () => {
    const c = await seedCustomer([{ currency: 'USD', nickname: 'Main' }]);
    const { page, context } = await openPage(browser(), { width: 390, height: 800 });
    await page.route('**/config.json', (route) => route.fulfill({ status: 503, body: 'down' }));
    await page.goto('/');
    await page.getByRole('heading', { level: 1, name: 'Serverless Bank could not start' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toBe('Check your connection and reload the page.');
    await checkScreen(page, 'could not start');
    await screenshot(page, 'could-not-start-390');
    await page.unroute('**/config.json');
    await page.getByRole('button', { name: 'Reload the page' }).click();
    await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();

    await logIn(page, c);
    await page.goto('/no/such/page');
    await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
    await checkScreen(page, 'not found');

    // The statements screen's code cannot be fetched: the screen says so, under its heading, and recovers.
    await page.route('**/assets/statements-*.js', (route) => route.abort());
    await page.goto(`/accounts/${c.accounts[0]?.id}`);
    await page.getByRole('link', { name: 'Statements' }).click();
    await page.getByText('This page could not load.').waitFor();
    await page.getByRole('heading', { level: 1, name: 'Statements' }).waitFor();
    await checkScreen(page, 'lazy screen failed');
    await page.unroute('**/assets/statements-*.js');
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('heading', { level: 1, name: 'Statements for Main' }).waitFor();
    await context.close();
  },
  SLOW,
);

it(
  'keeps a click made the moment login succeeds: the way home does not undo it',
  async () => {
    const c = await seedCustomer([{ currency: 'USD', nickname: 'Main' }]);
    const { page, problems, context } = await openPage(browser(), { width: 1280, height: 800 });
    // As quick as anyone can be: Settings is clicked in the task that shows the signed-in header,
    // before the app's effects (the redirect away from /login among them) have run.
    await page.addInitScript(() => {
      const watch = new MutationObserver(() => {
        const link = [...document.querySelectorAll<HTMLElement>('nav a')].find(
          (a) => a.textContent === 'Settings',
        );
        if (!link) return;
        watch.disconnect();
        link.click();
      });
      watch.observe(document, { childList: true, subtree: true });
    });
    await logIn(page, c);
    const title = page.getByRole('heading', { level: 1, name: /^(Settings|Your accounts)$/ });
    await title.waitFor();
    expect(await title.textContent()).toBe('Settings');
    await page.getByRole('heading', { level: 2, name: 'Email notifications' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/settings');
    expect(await title.textContent()).toBe('Settings');
    expect(problems).toEqual([]);
    await context.close();
  },
  SLOW,
);

it(
  'loads settings, security and statements only when they are first shown',
  async () => {
    const c = await seedCustomer([{ currency: 'USD', nickname: 'Main' }]);
    const { page, problems, context } = await openPage(browser(), { width: 1280, height: 800 });
    const scripts: string[] = [];
    page.on('request', (r) => {
      const p = new URL(r.url()).pathname;
      if (p.startsWith('/assets/') && p.endsWith('.js')) scripts.push(p.replace(/-[\w-]+\.js$/, ''));
    });
    await logIn(page, c);
    // The first screen's own chunks only (the bundler may split them: index, and what it shares with
    // the lazy screens, preloaded together by index.html), none of a screen loaded on demand.
    const lazy = /\/(settings|security|statements|developers|activity|admin)$/;
    expect(scripts).toContain('/assets/index');
    expect(scripts.filter((s) => lazy.test(s))).toEqual([]);
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    // The heading is the placeholder's too: the chunk is asked for an animation frame later.
    await poll(() => scripts).toContain('/assets/settings');
    expect(scripts.some((s) => s.includes('security'))).toBe(false);
    await page
      .getByRole('navigation', { name: 'Settings' })
      .getByRole('link', { name: 'Security', exact: true })
      .click();
    await page.getByRole('button', { name: 'Change password' }).waitFor();
    expect(scripts).toContain('/assets/security');
    expect(problems).toEqual([]);
    await context.close();
  },
  SLOW,
);
