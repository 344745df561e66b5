/**
 * A way back in, each journey at 1280 or 390 px (a11y.ts `takeTurns`) with axe in both themes: a new confirmation code, a new reset
 * code, a customer locked out by wrong passwords who finds the reset from the login screen, resets
 * with the emailed code (which clears the lock) and logs in, and a customer who confirms a sign-up
 * someone else made with their address, with their own name and password.
 */
import { CognitoIdentityProviderClient, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, inject } from 'vitest';
import { localClientConfig } from '../../src/local/bootstrap.ts';
import { readStackFile } from '../../src/local/stack-file.ts';
import { checkScreen, takeTurns, WIDTHS } from './a11y.ts';
import { apiCall, newCustomer, openPage, screenshot, seedCustomer, useBrowser } from './browser.ts';
import { EMAILED_CODE } from './global-setup.ts';

const browser = useBrowser();

describe.each(WIDTHS)('at %i px', (width) => {
  const journey = takeTurns(width, 1);
  journey(
    'sends a new confirmation code, and a new reset code, without saying whether the email is known',
    async () => {
      const { page, problems, requests, context } = await openPage(browser(), { width, height: 900 });
      const email = newCustomer().email;
      await page.goto('/confirm');
      await page.getByRole('heading', { level: 1, name: 'Confirm your email' }).waitFor();
      // No email yet: the customer is told what to do, and nothing is sent.
      await page.getByRole('button', { name: 'Send a new code' }).click();
      await page.getByText('Enter your email address above first').waitFor();
      expect(requests.filter((r) => r.includes('/resend'))).toEqual([]);

      await page.getByLabel('Email').fill(email);
      await page.getByRole('button', { name: 'Send a new code' }).click();
      await page.getByTestId('resend-status').getByText(`If ${email} is waiting for a code`).waitFor();
      expect(requests).toContain('POST /v1/auth/confirm/resend');
      await checkScreen(page, `confirm resend ${width}`);

      await page.goto(`/reset?email=${encodeURIComponent(email)}`);
      await page.getByRole('heading', { level: 1, name: 'Choose a new password' }).waitFor();
      await page.getByRole('button', { name: 'Send a new code' }).click();
      await page.getByTestId('resend-status').getByText(`If ${email} is waiting for a code`).waitFor();
      expect(requests).toContain('POST /v1/auth/password/forgot');
      await checkScreen(page, `reset resend ${width}`);
      expect(problems).toEqual([]);
      await context.close();
    },
  );

  journey(
    'leads a customer locked out by wrong passwords to the reset, which lets them back in',
    async () => {
      const c = await seedCustomer();
      const { page, problems, context } = await openPage(browser(), { width, height: 900 });
      await page.goto('/login');
      await page.getByLabel('Email').fill(c.email);
      const help = page.getByTestId('locked-help');
      const statuses: number[] = [];
      for (let i = 0; i < 14 && !(await help.isVisible()); i++) {
        await page.getByLabel('Password').fill(`Wrong-Password-${i}!`);
        const [res] = await Promise.all([
          page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/auth/login'),
          page.getByRole('button', { name: 'Log in' }).click(),
        ]);
        statuses.push(res.status());
        await page.getByRole('button', { name: 'Log in' }).waitFor();
      }
      // Wrong passwords first, then the lock (429), not the lock straight away.
      expect(statuses[0]).toBe(401);
      expect(statuses.at(-1)).toBe(429);
      await help.waitFor();
      expect(await page.locator('#form-error').textContent()).toMatch(
        /Too many failed attempts|many failed attempts/,
      );
      // The right password is refused too while locked.
      await page.getByLabel('Password').fill(c.password);
      // The form still shows the last refusal: wait for this attempt's answer and its form, not for it.
      const [locked] = await Promise.all([
        page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/auth/login'),
        page.getByRole('button', { name: 'Log in' }).click(),
      ]);
      expect(locked.status()).toBe(429);
      await page.getByRole('button', { name: 'Log in' }).waitFor();
      await page
        .locator('#form-error')
        .getByText(/failed attempts/)
        .waitFor();
      await checkScreen(page, `locked ${width}`);
      await screenshot(page, `locked-${width}`);

      await help.getByRole('link', { name: 'Reset your password' }).click();
      await page.getByRole('heading', { level: 1, name: 'Reset your password' }).waitFor();
      expect(await page.getByLabel('Email').inputValue()).toBe(c.email);
      await checkScreen(page, `forgot ${width}`);
      await page.getByRole('button', { name: 'Send code' }).click();
      await page.getByRole('heading', { level: 1, name: 'Choose a new password' }).waitFor();
      await page.getByLabel('Code', { exact: true }).fill(EMAILED_CODE);
      await page.getByLabel('New password').fill('Back-In-Again-2026!');
      await checkScreen(page, `reset ${width}`);
      await page.getByRole('button', { name: 'Set new password' }).click();
      await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
      await page.getByLabel('Password').fill('Back-In-Again-2026!');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('button', { name: 'Log out' }).waitFor();
      expect(problems).toEqual([]);
      await context.close();
      // Ten wrong logins, each held to the API's minimum time, then four screens under axe twice each.
    },
    240_000,
  );

  journey(
    'confirms a sign-up someone else made with the customer’s email: the confirmer’s name and password are kept',
    async () => {
      // A squatter signs up with the customer's address straight through Cognito's public API (the
      // bank's own register confirms at once on this stack), and so knows that sign-up's password.
      const owner = newCustomer();
      const squatter = { password: 'Squatter-Knows-2026!', name: 'Mallory' };
      const stack = await readStackFile(inject('webDataDir'));
      if (!stack?.cognitoEndpoint || !stack.userPoolClientId)
        throw new Error('no stack.json for the test stack');
      const cognito = new CognitoIdentityProviderClient(localClientConfig(stack.cognitoEndpoint));
      await cognito.send(
        new SignUpCommand({
          ClientId: stack.userPoolClientId,
          Username: owner.email,
          Password: squatter.password,
          UserAttributes: [
            { Name: 'email', Value: owner.email },
            { Name: 'name', Value: squatter.name },
          ],
        }),
      );
      cognito.destroy();

      const { page, problems, requests, context } = await openPage(browser(), { width, height: 900 });
      await page.goto(`/confirm?email=${encodeURIComponent(owner.email)}`);
      await page.getByRole('heading', { level: 1, name: 'Confirm your email' }).waitFor();
      // The owner asks for a code (the squatter's sign-up sent its own to the owner's inbox too).
      await page.getByRole('button', { name: 'Send a new code' }).click();
      await page.getByTestId('resend-status').getByText(`If ${owner.email} is waiting for a code`).waitFor();
      await page.getByLabel('Confirmation code').fill(EMAILED_CODE);
      await page.getByLabel('Full name').fill(owner.name);
      await page.getByLabel('Password', { exact: true }).fill(owner.password);
      await checkScreen(page, `confirm ${width}`);
      await page.getByRole('button', { name: 'Confirm' }).click();
      await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
      await page.getByText('Your email is confirmed. You can log in now.').waitFor();
      expect(requests).toContain('POST /v1/auth/confirm');
      expect(await page.getByLabel('Email').inputValue()).toBe(owner.email);

      // The squatter's password opens nothing; the owner's does, and the profile carries their name.
      await expect(
        apiCall('POST', '/v1/auth/login', { email: owner.email, password: squatter.password }),
      ).rejects.toThrow(/: 401 /);
      await page.getByLabel('Password').fill(owner.password);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('button', { name: 'Log out' }).waitFor();
      const { accessToken } = await apiCall<{ accessToken: string }>('POST', '/v1/auth/login', {
        email: owner.email,
        password: owner.password,
      });
      const me = await apiCall<{ name: string }>('GET', '/v1/me', undefined, {
        authorization: `Bearer ${accessToken}`,
      });
      expect(me.name).toBe(owner.name);
      expect(problems).toEqual([]);
      await context.close();
    },
  );
});
