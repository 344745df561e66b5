/**
 * Keyboard only: register, log in, turn on two-step verification from the Security settings (otplib
 * computes the codes an authenticator app would show, from the secret under the QR code), log out, and
 * log in again with a code: Tab, type and Enter, no mouse. Setting it up, turning it on and turning it
 * off each put focus where the pressed button was taken away: on the steps, then on the line that says
 * what the setting is now. "Sign out of every session" refused puts focus on why; done, on the login screen.
 */
import { generateSync } from 'otplib';
import { expect, it } from 'vitest';
import {
  arrived,
  focused,
  focusedLiveRegion,
  focusedText,
  logIn,
  newCustomer,
  openPage,
  poll,
  readOnceAsFocused,
  seedCustomer,
  tabTo,
  useBrowser,
} from './browser.ts';
import { axe } from './money-helpers.ts';

const browser = useBrowser();

it('registers, turns on two-step verification and logs in with a code, by keyboard alone', async () => {
  const c = newCustomer();
  const { page, problems, context } = await openPage(browser(), { width: 1280, height: 900 });
  const kb = page.keyboard;

  await page.goto('/register');
  await page.getByRole('heading', { level: 1, name: 'Register' }).waitFor();
  await kb.press('Tab');
  expect((await focused(page)).text).toBe('Skip to content');
  await tabTo(page, 'Full name');
  await kb.type(c.name);
  await kb.press('Tab');
  expect((await focused(page)).label).toBe('Email');
  await kb.type(c.email);
  await kb.press('Tab');
  expect((await focused(page)).label).toBe('Password');
  await kb.type(c.password);
  await kb.press('Enter');

  await arrived(page, 'Log in');
  await tabTo(page, 'Password');
  await kb.type(c.password);
  await kb.press('Enter');
  await arrived(page, 'Your accounts');

  await tabTo(page, 'Settings');
  await kb.press('Enter');
  await arrived(page, 'Settings');
  await tabTo(page, 'Security');
  await kb.press('Enter');
  await arrived(page, 'Security');
  await page.getByRole('button', { name: 'Set up two-step verification' }).waitFor();
  // Setting it up asks for the password again (the change-password form's fields are named otherwise).
  await tabTo(page, 'Password', 60);
  await kb.type(c.password);
  await tabTo(page, 'Set up two-step verification');
  await kb.press('Enter');

  await page.getByTestId('totp-qr').waitFor();
  const secret = ((await page.getByTestId('totp-secret').textContent()) ?? '').trim();
  await tabTo(page, 'Code from the app');
  await kb.type(generateSync({ secret }));
  await kb.press('Enter');
  await page.getByTestId('mfa-on').waitFor();

  await tabTo(page, 'Log out', 60);
  await kb.press('Enter');
  await arrived(page, 'Log in');
  await tabTo(page, 'Email');
  await kb.type(c.email);
  await kb.press('Tab');
  await kb.type(c.password);
  await kb.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Enter your code' }).waitFor();
  await tabTo(page, 'Code');
  // The next step's code: the enrolment took the current one (each is accepted once).
  await kb.type(generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }));
  await kb.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Your accounts' }).waitFor();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
  expect(problems).toEqual([]);
  await context.close();
});

it('turning two-step verification on, then off, puts focus on the words that say so each time', async () => {
  const c = await seedCustomer([]);
  const { page, problems, context } = await openPage(browser(), { width: 1280, height: 900 });
  const kb = page.keyboard;
  const focusedId = () => page.evaluate(() => document.activeElement?.id ?? '');
  // By its label, in its section: the change-password form on this screen has a Password field too.
  const mfaPassword = page.locator('section[aria-labelledby="mfa-title"]').getByLabel('Password');
  /** Ids on the page more than once (a label's `for` names the first of them only). */
  const repeatedIds = () =>
    page.evaluate(() => {
      const ids = [...document.querySelectorAll('[id]')].map((e) => e.id);
      return ids.filter((id, i) => ids.indexOf(id) !== i);
    });
  await logIn(page, c, '/security');
  await mfaPassword.fill(c.password);
  // The set-up form's password has ids of its own too.
  expect(await repeatedIds()).toEqual([]);
  await page.getByRole('button', { name: 'Set up two-step verification' }).focus();
  await kb.press('Enter');
  // The steps took the place of the button.
  await poll(focusedId).toBe('mfa-steps');
  const secret = ((await page.getByTestId('totp-secret').textContent()) ?? '').trim();
  await page.getByLabel('Code from the app', { exact: true }).fill(generateSync({ secret }));
  await page.getByRole('button', { name: 'Turn on' }).focus();
  await kb.press('Enter');
  await readOnceAsFocused(page, 'Two-step verification is on: every login asks for a code from your app.');
  // The next step's code: the enrolment took the current one (each is accepted once).
  const next = generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });
  await page.getByLabel('Code from the app', { exact: true }).fill(next);
  expect(await repeatedIds()).toEqual([]);
  await mfaPassword.fill(c.password);
  await page.getByRole('button', { name: 'Turn off' }).focus();
  await kb.press('Enter');
  await poll(() => focusedText(page)).toBe(
    'Two-step verification is off. Turn it on to ask for a code from an authenticator app at every login.',
  );
  await axe(page, 'two-step verification turned off');

  // "Sign out of every session", refused (throttled): focus on the words that say why, not on the
  // button; nothing ends.
  await page.route('**/v1/me/sessions/revoke-all', (r) =>
    r.fulfill({
      status: 429,
      headers: { 'content-type': 'application/problem+json', 'retry-after': '30' },
      body: JSON.stringify({
        type: 'about:blank',
        title: 'Too many requests',
        status: 429,
        code: 'rate_limited',
      }),
    }),
  );
  const signOutAll = page.getByRole('button', { name: 'Sign out of every session' });
  await signOutAll.focus();
  await kb.press('Enter');
  await poll(focusedId).toBe('sessions-error');
  expect(await focusedText(page)).toMatch(/\S/);
  // Read once, as focused: not an alert too.
  expect(await focusedLiveRegion(page)).toBeNull();
  await page.unroute('**/v1/me/sessions/revoke-all');
  // Done: the login screen, focus at its top (as after any move between screens), saying what was done.
  await signOutAll.focus();
  await kb.press('Enter');
  await arrived(page, 'Log in');
  await page.getByText('You have signed out of every session, this one too.').waitFor();
  expect(problems).toEqual([]);
  await context.close();
});
