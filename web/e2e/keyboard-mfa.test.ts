/**
 * Keyboard only: register, log in, turn on two-step verification from the Security settings (otplib
 * computes the codes an authenticator app would show, from the secret under the QR code), log out, and
 * log in again with a code: Tab, type and Enter, no mouse.
 */
import { generateSync } from 'otplib';
import { expect, it } from 'vitest';
import { arrived, focused, newCustomer, openPage, tabTo, useBrowser } from './browser.ts';

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
  await tabTo(page, 'Set up two-step verification', 60);
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
