/**
 * Helpers of the money journeys' browser tests (money-v2.test.ts and money-v2-history.test.ts): axe on
 * a screen, polling on a busy machine, and the API calls that look behind the page.
 */
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { checkScreen } from './a11y.ts';
import { apiCall, poll, type Seeded } from './browser.ts';

export { poll };

/** axe-core in both themes, and the page's bones (web/e2e/a11y.ts), on the screen as it stands. */
export const axe = (page: Page, screen: string) => checkScreen(page, screen);

export const auth = (c: Seeded) => ({ authorization: `Bearer ${c.token}` });
export const transfersOf = async (c: Seeded, i: number) =>
  (
    await apiCall<{ items: { type: string; amount: number; status: string }[] }>(
      'GET',
      `/v1/accounts/${c.accounts[i]?.id}/transactions`,
      undefined,
      auth(c),
    )
  ).items.filter((t) => t.type === 'transfer');
export const balanceOf = async (c: Seeded, i: number) =>
  (await apiCall<{ balance: number }>('GET', `/v1/accounts/${c.accounts[i]?.id}`, undefined, auth(c)))
    .balance;

/** Money leaves the first account behind the page's back (another device, a card). */
export const withdrawBehind = (c: Seeded, amount: number) =>
  apiCall(
    'POST',
    `/v1/accounts/${c.accounts[0]?.id}/withdrawals`,
    { amount },
    { ...auth(c), 'idempotency-key': randomUUID() },
  );

export const payTo = async (page: Page, fromId: string, number: string, name: string, amount: string) => {
  await page.goto(`/transfer?from=${fromId}`);
  await page.getByRole('heading', { level: 1, name: 'Transfer money' }).waitFor();
  await page.getByLabel('Someone new').check();
  await page.getByLabel('To account number').fill(number);
  await page.getByLabel('Name on the account').fill(name);
  await page.getByLabel(/^Amount/).fill(amount);
  await page.getByRole('button', { name: 'Review transfer' }).click();
};

/**
 * Cuts the answers to POSTs matching `pattern` while `on` is true: the server acts on each, and the
 * page learns nothing. Records each request's Idempotency-Key, to show a retry asked with the same one.
 */
export const cutKeyedPosts = async (page: Page, pattern: string) => {
  const cut = { on: true, keys: [] as string[] };
  await page.route(pattern, async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    cut.keys.push(route.request().headers()['idempotency-key'] ?? '');
    const response = await route.fetch();
    if (cut.on) return route.abort('connectionreset');
    return route.fulfill({ response });
  });
  return cut;
};

/** The outcome is unknown, and the page has stopped asking (nothing in flight). */
export const unknownAndIdle = async (page: Page) => {
  await page.getByRole('button', { name: 'Check again' }).waitFor();
  await poll(() => page.getByRole('status').filter({ hasText: 'Checking' }).count()).toBe(0);
};

/** A request held until the test lets it go: orders the page's events without sleeping. */
export interface Gate {
  open: () => void;
  opened: Promise<void>;
}

const gate = (): Gate => {
  let open!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { open, opened };
};

/**
 * Holds the next request matching `match` (one per call of the result) until its gate opens, then
 * passes it on to the page's other routes (if any: a cut answer stays cut), else to the network.
 */
export const holdNext = async (page: Page, match: (u: URL) => boolean): Promise<() => Gate> => {
  let next: Gate | undefined;
  await page.route(match, async (route) => {
    const h = next;
    next = undefined;
    if (h) await h.opened;
    await route.fallback();
  });
  return () => {
    next = gate();
    return next;
  };
};
