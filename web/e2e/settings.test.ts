/**
 * Settings in the browser, each journey at 1280 or 390 px (a11y.ts `takeTurns`), with axe in both themes on every screen: email
 * notification preferences that persist; a webhook whose secret is shown once, whose failed delivery
 * is listed and retried until delivered (to a real local receiver that checks the signature), then
 * deleted; the security activity screen, first from the real GET /v1/me/activity (the login just
 * made), then from a stubbed two-page answer (the wording, the marks, and "Show older activity"). When
 * a webhook's pressed button goes (the secret stored, a delete asked, taken back or done), focus goes to
 * what took its place.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/domain/webhooks.ts';
import { checkScreen, takeTurns, WIDTHS } from './a11y.ts';
import {
  apiCall,
  focusedText,
  logIn,
  openPage,
  poll,
  screenshot,
  seedCustomer,
  useBrowser,
} from './browser.ts';
import { cutKeyedPosts, unknownAndIdle } from './money-helpers.ts';

const browser = useBrowser();
/** axe runs twice per screen (both themes): on 2 shared cores a journey can take over a minute. */
const SLOW = 240_000;

/** A webhook receiver on 127.0.0.1 (the local stack allows http there): answers `status`, keeps what it got. */
let receiver: Server;
let status = 500;
const received: { signature: string; body: string }[] = [];
beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      received.push({ signature: String(req.headers['bank-signature'] ?? ''), body });
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
});
afterAll(() => new Promise<void>((r) => receiver.close(() => r())));

describe.each(WIDTHS)('at %i px', (width) => {
  const journey = takeTurns(width, 1);
  journey(
    'saves email notification preferences, and marks where the customer is',
    async () => {
      const c = await seedCustomer([]);
      const { page, problems, context } = await openPage(browser(), { width, height: 900 });
      await logIn(page, c);
      await page.getByRole('link', { name: 'Settings', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
      const main = page.getByRole('navigation', { name: 'Main' });
      expect(await main.getByRole('link', { name: 'Settings' }).getAttribute('aria-current')).toBe('page');
      expect(await main.getByRole('link', { name: 'Accounts' }).getAttribute('aria-current')).toBeNull();
      const sub = page.getByRole('navigation', { name: 'Settings' });
      expect(await sub.getByRole('link', { name: 'Notifications' }).getAttribute('aria-current')).toBe(
        'page',
      );

      const incoming = page.getByRole('checkbox', { name: 'Money received' });
      await incoming.waitFor();
      const before = await incoming.isChecked();
      await incoming.setChecked(!before);
      await page.getByRole('button', { name: 'Save email settings' }).click();
      await page.getByTestId('notifications-saved').waitFor();
      await checkScreen(page, `settings ${width}`);
      await screenshot(page, `settings-${width}`);

      const saved = await apiCall<{ email: { incoming: boolean } }>(
        'GET',
        '/v1/me/notifications',
        undefined,
        {
          authorization: `Bearer ${c.token}`,
        },
      );
      expect(saved.email.incoming).toBe(!before);
      await page.reload();
      await page.getByRole('checkbox', { name: 'Money received' }).waitFor();
      expect(await page.getByRole('checkbox', { name: 'Money received' }).isChecked()).toBe(!before);

      // Security sits under Settings too.
      await sub.getByRole('link', { name: 'Security', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Security' }).waitFor();
      expect(await main.getByRole('link', { name: 'Settings' }).getAttribute('aria-current')).toBe('page');
      await page.getByRole('button', { name: 'Change password' }).waitFor();
      await checkScreen(page, `security ${width}`);
      expect(problems).toEqual([]);
      await context.close();
    },
    SLOW,
  );

  journey(
    'adds a webhook, shows its secret once, retries a failed delivery until delivered, then deletes it',
    async () => {
      const c = await seedCustomer([{ currency: 'USD', nickname: 'Dev account' }]);
      const { page, problems, context } = await openPage(browser(), { width, height: 900 });
      await logIn(page, c);
      await page.goto('/settings/developers');
      await page.getByRole('heading', { level: 1, name: 'Developers' }).waitFor();
      await page.getByText('No webhooks yet.').waitFor();

      // The form checks what it can before asking the API.
      await page.getByRole('checkbox', { name: /A transaction completes/ }).uncheck();
      await page.getByRole('button', { name: 'Add webhook' }).click();
      await page.getByText('Enter the address of your endpoint').waitFor();
      await page.getByText('Choose at least one event.').waitFor();
      await checkScreen(page, `developers with errors ${width}`);

      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/${randomUUID()}`;
      await page.getByLabel('Endpoint URL').fill(url);
      await page.getByRole('checkbox', { name: /A transaction completes/ }).check();
      // The registration's answers are cut until `cut.on` is false: the server registers it, the page
      // learns nothing, and asks again with the same key, which answers the one endpoint and its secret.
      const cut = await cutKeyedPosts(page, '**/v1/webhooks');
      await page.getByRole('button', { name: 'Add webhook' }).click();
      await unknownAndIdle(page);
      cut.on = false;
      await page.getByRole('button', { name: 'Check again' }).click();
      const once = page.getByTestId('webhook-secret');
      await once.waitFor();
      expect(cut.keys.length).toBeGreaterThanOrEqual(3);
      expect(new Set(cut.keys).size).toBe(1);
      const registered = await apiCall<{ items: { url: string }[] }>('GET', '/v1/webhooks', undefined, {
        authorization: `Bearer ${c.token}`,
      });
      expect(registered.items.map((w) => w.url)).toEqual([url]);
      const secret = ((await page.getByTestId('secret-value').textContent()) ?? '').trim();
      expect(secret).toMatch(/^whsec_/);
      await poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe(
        'Copy your signing secret now',
      );
      await checkScreen(page, `developers secret ${width}`);
      await screenshot(page, `developers-secret-${width}`);
      await page.getByRole('button', { name: 'I have stored the secret' }).click();
      await once.waitFor({ state: 'detached' });
      // The box took the pressed button with it: focus goes to the list the new webhook is in.
      await poll(() => focusedText(page)).toBe('Your webhooks');
      expect(await page.content()).not.toContain(secret);
      const list = page.getByTestId('webhooks');
      await list.getByRole('heading', { name: url }).waitFor();

      // A deposit posts a transaction: the receiver answers 500 to the delivery.
      status = 500;
      const seen = received.length;
      await apiCall(
        'POST',
        `/v1/accounts/${c.accounts[0]?.id}/deposits`,
        { amount: 2_500 },
        { authorization: `Bearer ${c.token}`, 'idempotency-key': randomUUID() },
      );
      await list.getByRole('link', { name: `Deliveries to ${url}` }).click();
      await page.getByRole('heading', { level: 1, name: 'Webhook deliveries' }).waitFor();
      const delivery = page.getByTestId('delivery').first();
      const refresh = page.getByRole('button', { name: 'Refresh' });
      // The delivery is listed as soon as it is queued; its first attempt follows.
      await expect
        .poll(
          async () => {
            if (await delivery.isVisible()) {
              const text = (await delivery.textContent({ timeout: 1_000 }).catch(() => '')) ?? '';
              if (text.includes('answered')) return text;
            }
            if (await refresh.isVisible()) await refresh.click({ timeout: 1_000 }).catch(() => undefined);
            return 'no attempt yet';
          },
          { timeout: 30_000, interval: 500 },
        )
        .toContain('answered 500');
      expect(await delivery.getByTestId('delivery-status').textContent()).toBe('Trying again soon');
      expect(received.length).toBeGreaterThan(seen);
      await checkScreen(page, `deliveries ${width}`);
      await screenshot(page, `deliveries-${width}`);

      status = 200;
      await delivery.getByRole('button', { name: /^Retry now/ }).click();
      await delivery.getByTestId('delivery-status').getByText('Delivered').waitFor();
      expect(await delivery.textContent()).toContain('(sent by you)');
      const last = received.at(-1);
      expect(verifySignature(last?.signature ?? '', last?.body ?? '', secret)).toBe(true);
      expect(verifySignature(last?.signature ?? '', last?.body ?? '', `${secret}x`)).toBe(false);
      expect(JSON.parse(last?.body ?? '{}').type).toBe('transaction.posted');

      await page.getByRole('link', { name: 'All webhooks' }).click();
      await page.getByRole('button', { name: `Delete the webhook to ${url}` }).click();
      await page.getByRole('button', { name: `Yes, delete the webhook to ${url}` }).click();
      await page.getByText('No webhooks yet.').waitFor();
      const left = await apiCall<{ items: unknown[] }>('GET', '/v1/webhooks', undefined, {
        authorization: `Bearer ${c.token}`,
      });
      expect(left.items).toEqual([]);
      expect(problems).toEqual([]);
      await context.close();
    },
    SLOW,
  );

  journey(
    'shows the security activity in plain words, newest first, with the worrying ones marked',
    async () => {
      const c = await seedCustomer([]);
      const { page, problems, context } = await openPage(browser(), { width, height: 900 });
      await logIn(page, c);
      // First the real GET /v1/me/activity: the login just made is there.
      await page.getByRole('link', { name: 'Settings', exact: true }).click();
      await page
        .getByRole('navigation', { name: 'Settings' })
        .getByRole('link', { name: 'Security activity' })
        .click();
      await page.getByRole('heading', { level: 1, name: 'Security activity' }).waitFor();
      await page.getByTestId('activity').getByText('Logged in').first().waitFor();
      // Then a stubbed answer in two pages, to see the wording, the marks and "Show older activity".
      await page.route('**/v1/me/activity*', (route) => {
        const older = new URL(route.request().url()).searchParams.get('cursor') === 'page-2';
        return route.fulfill({
          status: 200,
          contentType: 'application/json',
          body: JSON.stringify(
            older
              ? {
                  items: [
                    { id: 'a1', at: '2026-11-30T07:00:00Z', action: 'mfa_enabled', outcome: 'success' },
                  ],
                  nextCursor: null,
                }
              : {
                  items: [
                    {
                      id: 'a3',
                      at: '2026-11-30T07:10:00Z',
                      action: 'login_succeeded',
                      outcome: 'success',
                      sourceIp: '203.0.113.7',
                    },
                    {
                      id: 'a2',
                      at: '2026-11-30T07:09:00Z',
                      action: 'login_failed',
                      outcome: 'failure',
                      sourceIp: '198.51.100.4',
                    },
                  ],
                  nextCursor: 'page-2',
                },
          ),
        });
      });
      await page
        .getByRole('navigation', { name: 'Settings' })
        .getByRole('link', { name: 'Security', exact: true })
        .click();
      await page.getByRole('heading', { level: 1, name: 'Security' }).waitFor();
      await page
        .getByRole('navigation', { name: 'Settings' })
        .getByRole('link', { name: 'Security activity' })
        .click();
      await page.getByRole('heading', { level: 1, name: 'Security activity' }).waitFor();
      await page.getByRole('button', { name: 'Show older activity' }).click();
      await page.getByRole('button', { name: 'Show older activity' }).waitFor({ state: 'detached' });
      const items = page.getByTestId('activity').locator('li');
      await items.first().waitFor();
      expect(await items.allTextContents()).toEqual([
        expect.stringMatching(/^Logged in.*Succeeded · from 203\.0\.113\.7$/),
        expect.stringMatching(/^Login failed: wrong passwordCheck this.*Failed · from 198\.51\.100\.4$/),
        expect.stringMatching(/^Two-step verification turned on.*Succeeded$/),
      ]);
      await checkScreen(page, `activity ${width}`);
      await screenshot(page, `activity-${width}`);
      expect(problems).toEqual([]);
      await context.close();
    },
    SLOW,
  );
});

it(
  'keeps a held registration to the customer who made it: another login on the tab neither sees nor sends it',
  async () => {
    const [ada, bea] = [await seedCustomer([]), await seedCustomer([])];
    const { page, problems, context } = await openPage(browser(), { width: 1280, height: 900 });
    const cut = await cutKeyedPosts(page, '**/v1/webhooks');
    await logIn(page, ada);
    await page.goto('/settings/developers');
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/${randomUUID()}`;
    await page.getByLabel('Endpoint URL').fill(url);
    await page.getByRole('button', { name: 'Add webhook' }).click();
    await unknownAndIdle(page);
    const asked = cut.keys.length;

    // Ada logs out with her registration's outcome unknown; Bea logs in on the same tab.
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
    await logIn(page, bea);
    await page.goto('/settings/developers');
    await page.getByText('No webhooks yet.').waitFor();
    await page.getByRole('button', { name: 'Add webhook' }).waitFor();
    expect(await page.getByTestId('unknown-outcome').count()).toBe(0);
    await page.waitForLoadState('networkidle');
    expect(cut.keys.length).toBe(asked);
    const beas = await apiCall<{ items: unknown[] }>('GET', '/v1/webhooks', undefined, {
      authorization: `Bearer ${bea.token}`,
    });
    expect(beas.items).toEqual([]);

    // Ada back: her registration is asked again with its key, and answers her one endpoint.
    cut.on = false;
    await page.getByRole('button', { name: 'Log out' }).click();
    await logIn(page, ada);
    await page.goto('/settings/developers');
    await page.getByTestId('webhook-secret').waitFor();
    expect(new Set(cut.keys).size).toBe(1);
    const adas = await apiCall<{ items: { url: string }[] }>('GET', '/v1/webhooks', undefined, {
      authorization: `Bearer ${ada.token}`,
    });
    expect(adas.items.map((w) => w.url)).toEqual([url]);
    expect(problems).toEqual([]);
    await context.close();
  },
  SLOW,
);

it(
  'forgets on logout an answer its form never showed (a webhook secret), and nothing that is still unknown',
  async () => {
    const ada = await seedCustomer([]);
    const { page, problems, context } = await openPage(browser(), { width: 1280, height: 900 });
    // The registration's answer is held until the form has been left.
    let release: () => void = () => {};
    const left = new Promise<void>((r) => {
      release = r;
    });
    let answered = false;
    await page.route('**/v1/webhooks', async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      const response = await route.fetch();
      await left;
      await route.fulfill({ response });
      answered = true;
    });
    await logIn(page, ada);
    await page.goto('/settings/developers');
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/${randomUUID()}`;
    await page.getByLabel('Endpoint URL').fill(url);
    await page.getByRole('button', { name: 'Add webhook' }).click();
    await page.getByRole('link', { name: 'Accounts' }).first().click();
    await page.getByRole('heading', { level: 1, name: 'Your accounts' }).waitFor();
    release();
    await poll(() => answered).toBe(true);
    const intents = () =>
      page.evaluate(() =>
        Object.keys(sessionStorage)
          .filter((k) => k.startsWith('bank.intent.'))
          .map((k) => sessionStorage.getItem(k) ?? ''),
      );
    // Written down for the form's next visit, secret and all.
    await poll(async () => (await intents()).some((v) => v.includes('whsec_'))).toBe(true);

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
    expect(await intents()).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  },
  SLOW,
);

it('moves focus to the first older delivery at the last page, where "Show older deliveries" goes away', async () => {
  const c = await seedCustomer([]);
  const { page, problems, context } = await openPage(browser(), { width: 1280, height: 900 });
  await logIn(page, c);
  // Stubbed: a webhook with two pages of deliveries, the second the last.
  const id = `wh_${'a'.repeat(32)}`;
  const delivery = (n: number) => ({
    id: `dlv_000000000${n.toString(16).padStart(16, '0')}`,
    eventId: `evt_${n}`,
    eventType: 'transaction.posted',
    status: 'delivered',
    attempts: [{ at: '2026-11-30T07:00:00Z', statusCode: 200 }],
    nextAttemptAt: null,
    createdAt: '2026-11-30T07:00:00Z',
  });
  const json = (body: unknown) => ({
    status: 200,
    contentType: 'application/json',
    body: JSON.stringify(body),
  });
  await page.route(`**/v1/webhooks/${id}`, (route) =>
    route.fulfill(
      json({
        id,
        url: 'https://example.com/hook',
        events: ['transaction.posted'],
        createdAt: '2026-11-30T06:00:00Z',
      }),
    ),
  );
  await page.route(`**/v1/webhooks/${id}/deliveries*`, (route) =>
    route.fulfill(
      json(
        new URL(route.request().url()).searchParams.get('cursor') === 'page-2'
          ? { items: [delivery(3)], nextCursor: null }
          : { items: [delivery(1), delivery(2)], nextCursor: 'page-2' },
      ),
    ),
  );
  await page.goto(`/settings/developers/${id}`);
  await page.getByRole('heading', { level: 1, name: 'Webhook deliveries' }).waitFor();
  const more = page.getByRole('button', { name: 'Show older deliveries' });
  await more.click();
  await more.waitFor({ state: 'detached' });
  await poll(() => page.getByTestId('delivery').count()).toBe(3);
  await poll(() => page.evaluate(() => document.activeElement?.closest('li')?.textContent ?? '')).toContain(
    'evt_3',
  );
  await checkScreen(page, 'deliveries, every page');
  expect(problems).toEqual([]);
  await context.close();
});

it('deleting a webhook puts focus on the words that say so, not on the page with the card gone', async () => {
  const c = await seedCustomer([]);
  const urls = ['first', 'second'].map((n) => `http://127.0.0.1:9/hooks/${n}-${randomUUID()}`);
  for (const url of urls)
    await apiCall(
      'POST',
      '/v1/webhooks',
      { url, events: ['transaction.posted'] },
      { authorization: `Bearer ${c.token}`, 'idempotency-key': randomUUID() },
    );
  const { page, problems, context } = await openPage(browser(), { width: 1280, height: 900 });
  await logIn(page, c, '/settings/developers');
  await poll(() => page.getByTestId('webhooks').locator('li').count()).toBe(2);
  for (const url of urls) {
    // Asked, focus is on "Keep it" (never on "Yes, delete"); kept, back on "Delete".
    await page.getByRole('button', { name: `Delete the webhook to ${url}` }).focus();
    await page.keyboard.press('Enter');
    await poll(() => focusedText(page)).toBe('Keep it');
    await page.keyboard.press('Enter');
    await poll(() => focusedText(page)).toBe(`Delete the webhook to ${url}`);
    await page.keyboard.press('Enter');
    await poll(() => focusedText(page)).toBe('Keep it');
    await page.keyboard.press('Shift+Tab');
    expect(await focusedText(page)).toBe(`Yes, delete the webhook to ${url}`);
    await page.keyboard.press('Enter');
    await poll(() => focusedText(page)).toBe(`The webhook to ${url} is deleted.`);
  }
  await page.getByText('No webhooks yet.').waitFor();
  await checkScreen(page, 'webhook deleted');
  expect(problems).toEqual([]);
  await context.close();
});
