/**
 * A way back in, each journey at 1280 or 390 px (a11y.ts `takeTurns`) with axe in both themes: a new confirmation code, a new reset
 * code, and a customer locked out by wrong passwords who finds the reset from the login screen, resets
 * with the emailed code (which clears the lock) and logs in.
 */
import { describe, expect } from 'vitest';
import { checkScreen, takeTurns, WIDTHS } from './a11y.ts';
import { newCustomer, openPage, screenshot, seedCustomer, useBrowser } from './browser.ts';
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
      expect(await page.getByRole('alert').textContent()).toMatch(
        /Too many failed attempts|many failed attempts/,
      );
      // The right password is refused too while locked.
      await page.getByLabel('Password').fill(c.password);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page
        .getByRole('alert')
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
});
