/**
 * Identity in a real browser: a forgotten password reset with the emailed code, a password change that
 * signs every session out, TOTP enrolment from the QR code's secret (otplib computes the codes an
 * authenticator app would), and a login that asks for the code.
 */
import { generateSync } from 'otplib';
import { expect, it } from 'vitest';
import { arrived, logIn, openPage, screenshot, seedCustomer, useBrowser } from './browser.ts';
import { EMAILED_CODE } from './global-setup.ts';

const browser = useBrowser();

it('resets a forgotten password with the emailed code, then logs in with the new one', async () => {
  const c = await seedCustomer();
  const { page, problems, context } = await openPage(browser());
  await page.goto('/login');
  await page.getByLabel('Email').fill(c.email);
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await page.getByRole('heading', { level: 1, name: 'Reset your password' }).waitFor();
  expect(await page.getByLabel('Email').inputValue()).toBe(c.email);
  await page.getByRole('button', { name: 'Send code' }).click();

  await page.getByRole('heading', { level: 1, name: 'Choose a new password' }).waitFor();
  expect(await page.getByTestId('flash').textContent()).toMatch(/If this email is registered/);
  await page.getByLabel('Code').fill(EMAILED_CODE);
  // A common password is refused by the API with plain words.
  await page.getByLabel('New password').fill('Password123!');
  await page.getByRole('button', { name: 'Set new password' }).click();
  await page.getByText('too common').first().waitFor();
  await page.getByLabel('New password').fill('Fresh-Start-2026!');
  await screenshot(page, 'identity-01-reset');
  await page.getByRole('button', { name: 'Set new password' }).click();

  await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
  expect(await page.getByTestId('flash').textContent()).toMatch(/every session is signed out/);
  await page.getByLabel('Password').fill('Fresh-Start-2026!');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
  expect(problems).toEqual([]);
  await context.close();
});

it('changes the password: every session ends, this tab and another alike; the new one logs in', async () => {
  const c = await seedCustomer();
  const { page, problems, context } = await openPage(browser());
  await logIn(page, c);
  // A second session of the same customer, in a browser context of its own.
  const other = await openPage(browser());
  await logIn(other.page, c);

  await page.getByRole('link', { name: 'Settings', exact: true }).click();
  await page.getByRole('link', { name: 'Security', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Security' }).waitFor();
  await page.getByLabel('Current password').fill(c.password);
  await page.getByLabel('New password').fill('Changed-Here-2026!');
  await page.getByRole('button', { name: 'Change password' }).click();

  // The button went with its screen: focus goes to the top of the login screen.
  await arrived(page, 'Log in');
  await page.getByText('Your password is changed and every session, this one too, is signed out.').waitFor();
  // The other session's next request is refused, and it cannot renew: it lands on login too.
  await other.page.reload();
  await other.page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();

  await page.getByLabel('Email').fill(c.email);
  await page.getByLabel('Password').fill('Changed-Here-2026!');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
  expect(problems).toEqual([]);
  await other.context.close();
  await context.close();
});

it('turns on two-step verification from the QR code, then a login asks for the code', async () => {
  const c = await seedCustomer();
  const { page, problems, context } = await openPage(browser());
  await logIn(page, c);
  await page.getByRole('link', { name: 'Settings', exact: true }).click();
  await page.getByRole('link', { name: 'Security', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Security' }).waitFor();
  // Setting it up asks for the password (in its section: the change-password form has password fields
  // too). A wrong one is said on the field, and nothing is set up.
  const mfa = page.locator('section[aria-labelledby="mfa-title"]');
  await mfa.getByLabel('Password', { exact: true }).fill('Not-The-Password-1');
  await page.getByRole('button', { name: 'Set up two-step verification' }).click();
  await mfa.getByText('The password is not correct.').waitFor();
  expect(await page.getByTestId('totp-secret').count()).toBe(0);
  await mfa.getByLabel('Password', { exact: true }).fill(c.password);
  await page.getByRole('button', { name: 'Set up two-step verification' }).click();

  const qr = page.getByTestId('totp-qr');
  await qr.waitFor();
  expect(await qr.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
  const secret = (await page.getByTestId('totp-secret').textContent())?.trim() ?? '';
  expect(secret).toMatch(/^[A-Z2-7]+=*$/);
  await page.getByLabel('Code from the app').fill('000000');
  await page.getByRole('button', { name: 'Turn on' }).click();
  await page.getByText('That code is not correct').waitFor();
  const enrolCode = generateSync({ secret });
  await page.getByLabel('Code from the app').fill(enrolCode);
  await screenshot(page, 'identity-02-mfa-enrol');
  await page.getByRole('button', { name: 'Turn on' }).click();
  await page.getByTestId('mfa-on').waitFor();

  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
  await page.getByLabel('Email').fill(c.email);
  await page.getByLabel('Password').fill(c.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Enter your code' }).waitFor();
  // Each code is accepted once, the enrolment's too: the login refuses it, and takes the next.
  await page.getByLabel('Code', { exact: true }).fill(enrolCode);
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.getByText('That code is not correct').waitFor();
  await page
    .getByLabel('Code', { exact: true })
    .fill(generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }));
  await screenshot(page, 'identity-03-mfa-login');
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
  expect(problems).toEqual([]);
  await context.close();
});
