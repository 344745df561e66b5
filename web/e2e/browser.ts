/**
 * Helpers for the browser tests: Debian's Chromium through playwright-core (it never downloads a
 * browser), screenshots into test-results/web/, and API shortcuts for setting up a customer.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject } from 'vitest';

export const baseUrl = (): string => inject('webBaseUrl');

/**
 * Debian's headless shell of Chromium (package `chromium-headless-shell`: the same Chromium build,
 * Blink and V8 as `chromium`, without the browser's own UI, in Chromium's older headless mode). The
 * browser tests took 267 s on it against 426 s on `/usr/bin/chromium` (all 84 passing, a 2-core
 * machine): the full browser's headless mode spent about half of both cores. BANK_CHROMIUM runs
 * them on another, `/usr/bin/chromium` included.
 */
export const CHROMIUM = process.env.BANK_CHROMIUM || '/usr/bin/chromium-headless-shell';

const LAUNCH = {
  executablePath: CHROMIUM,
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};

/**
 * One Chromium for the whole run (global-setup.ts): test files connect to it. Whoever reaches its
 * socket drives the browser, so it listens on loopback only (Playwright's default, said here).
 */
export const launchServer = () => chromium.launchServer({ ...LAUNCH, host: '127.0.0.1' });

/**
 * The run's Chromium for a test file: connected before its tests, and after them disconnected, which
 * closes the contexts this file opened. One browser serves every file (a launch costs about 2 s of
 * CPU, 18 times a run); each test still gets its own context, so nothing is shared between tests.
 */
export const useBrowser = (): (() => Browser) => {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await chromium.connect(inject('browserWsEndpoint'));
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('the browser is not running');
    return browser;
  };
};

export interface Watched {
  context: BrowserContext;
  page: Page;
  /** CSP violations and uncaught page errors seen so far. */
  problems: string[];
  /** Requests the page sent, as `METHOD /path`. */
  requests: string[];
}

/** A fresh context (its own sessionStorage) and page, watched for CSP violations and page errors. */
export const openPage = async (
  browser: Browser,
  options: { width?: number; height?: number } = {},
): Promise<Watched> => {
  const context = await browser.newContext({
    baseURL: baseUrl(),
    locale: 'en-US',
    timezoneId: 'UTC',
    viewport: { width: options.width ?? 1024, height: options.height ?? 800 },
  });
  const page = await context.newPage();
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith('/v1/')) requests.push(`${r.method()} ${u.pathname}`);
  });
  return { context, page, problems, requests };
};

const SHOTS = fileURLToPath(new URL('../../test-results/web/', import.meta.url));

/** A full-page screenshot into test-results/web/ (gitignored), never into the repository. */
export const screenshot = async (page: Page, name: string): Promise<void> => {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });
};

// ---------- API shortcuts (Node's fetch against the same stack) ----------

export interface Customer {
  email: string;
  password: string;
  name: string;
}

const call = async <T>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) => {
  const res = await fetch(baseUrl() + path, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
};

export const newCustomer = (): Customer => ({
  email: `web-${randomUUID().slice(0, 12)}@example.com`,
  password: 'Web-Client-2026!',
  name: 'Ada Lovelace',
});

export interface Seeded extends Customer {
  token: string;
  accounts: { id: string; number: string }[];
}

/**
 * A registered customer with accounts, made through the API; `deposits[i]` goes into account i.
 */
export const seedCustomer = async (
  accounts: { currency: string; deposit?: number; nickname?: string }[] = [],
): Promise<Seeded> => {
  const c = newCustomer();
  await call('POST', '/v1/auth/register', c);
  const { accessToken } = await call<{ accessToken: string }>('POST', '/v1/auth/login', {
    email: c.email,
    password: c.password,
  });
  const auth = { authorization: `Bearer ${accessToken}` };
  const made: { id: string; number: string }[] = [];
  for (const a of accounts) {
    const acc = await call<{ id: string; number: string }>(
      'POST',
      '/v1/accounts',
      { type: 'checking', currency: a.currency, ...(a.nickname ? { nickname: a.nickname } : {}) },
      auth,
    );
    if (a.deposit) {
      await call(
        'POST',
        `/v1/accounts/${acc.id}/deposits`,
        { amount: a.deposit },
        { ...auth, 'idempotency-key': randomUUID() },
      );
    }
    made.push(acc);
  }
  return { ...c, token: accessToken, accounts: made };
};

export const apiCall = call;

/** Logs in through the login screen. */
export const logIn = async (page: Page, c: Customer, path = '/login'): Promise<void> => {
  await page.goto(path);
  await page.getByLabel('Email').fill(c.email);
  await page.getByLabel('Password').fill(c.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
};

/** The focused element: its tag, its text, and for a form control the text of its label. */
export const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as (HTMLElement & { labels?: NodeListOf<HTMLLabelElement> }) | null;
    return {
      tag: el?.tagName.toLowerCase() ?? '',
      text: el?.textContent?.trim() ?? '',
      label: el?.labels?.[0]?.textContent?.trim() ?? '',
    };
  });

/** The focused element's text, or 'body' when focus fell to the page (whose text is all of it). */
export const focusedText = (page: Page): Promise<string> =>
  page.evaluate(() => {
    const el = document.activeElement;
    return !el || el === document.body ? 'body' : (el.textContent?.trim() ?? '');
  });

/**
 * The live region the focused element is, or is in (`role="status"`, `"alert"`, `aria-live`), or null.
 * A message given focus is read as focused: a live region as well would be read twice (ui.tsx, Outcome).
 */
export const focusedLiveRegion = (page: Page): Promise<string | null> =>
  page.evaluate(
    () =>
      document.activeElement
        ?.closest('[role="status"], [role="alert"], [aria-live]')
        ?.outerHTML.slice(0, 120) ?? null,
  );

/**
 * A message the app gives focus (a refusal, or what came of an action): focus comes to `said`, and it
 * is no live region, so a screen reader reads it once (ui.tsx, FormError and Outcome).
 */
export const readOnceAsFocused = async (page: Page, said: string): Promise<void> => {
  await poll(() => focusedText(page)).toBe(said);
  expect(await focusedLiveRegion(page)).toBeNull();
};

/**
 * After a move between screens inside the app (not a page load), waits for the new screen's h1 (when
 * named) and then for the app to put focus at the top of the page (app.tsx, `route-focus`). On a busy
 * machine that effect can run after the h1 shows, and a Tab pressed before it is undone
 * (keyboard-mfa.test.ts once typed its password into nothing and never reached the code screen).
 */
export const arrived = async (page: Page, heading?: string): Promise<void> => {
  if (heading) await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  await page.waitForFunction(() => document.activeElement?.id === 'route-focus');
};

/** Waits for a value on a busy machine (vitest's default gives up after a second). */
export const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 30_000 });

/**
 * Presses Tab until the focused element's label or text is `name`; fails after `max` presses. It
 * begins once such an element is on the page: one that a fetch renders (a screen's data, a lazy
 * screen's chunk) could otherwise come after the presses passed its place.
 */
export const tabTo = async (page: Page, name: string | RegExp, max = 40): Promise<void> => {
  const hit = (f: { text: string; label: string }) =>
    typeof name === 'string' ? f.label === name || f.text === name : name.test(f.label) || name.test(f.text);
  await page.waitForFunction(
    (n) => {
      const match = (s: string) => ('exact' in n ? s === n.exact : new RegExp(n.source, n.flags).test(s));
      const all = document.querySelectorAll<HTMLElement & { labels?: NodeListOf<HTMLLabelElement> }>(
        'a[href], button, input, select, textarea, summary, [tabindex]',
      );
      return [...all].some(
        (el) => match(el.labels?.[0]?.textContent?.trim() ?? '') || match(el.textContent?.trim() ?? ''),
      );
    },
    typeof name === 'string' ? { exact: name } : { source: name.source, flags: name.flags },
  );
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (hit(await focused(page))) return;
  }
  throw new Error(`Tab never reached ${name}`);
};
