/**
 * A password reset that gets no clear answer (the bank's 503: its Cognito call timed out, and the new
 * password may or may not be set): the screen says the change may have gone through and offers the
 * login with the new password, rather than leaving "busy, try again", whose retry would be refused
 * as a wrong code if it had. axe at 390 px in both themes.
 */
import { describe, expect, it } from 'vitest';
import { checkScreen } from './a11y.ts';
import { newCustomer, openPage, useBrowser } from './browser.ts';

const browser = useBrowser();

describe('a reset with no clear answer', () => {
  it('says the new password may be set, and links the login with it', async () => {
    const { page, problems, context } = await openPage(browser(), { width: 390, height: 900 });
    const email = newCustomer().email;
    await page.route('**/v1/auth/password/reset', (r) =>
      r.fulfill({
        status: 503,
        headers: { 'content-type': 'application/problem+json', 'retry-after': '1' },
        body: JSON.stringify({
          type: 'about:blank',
          title: 'Service unavailable',
          status: 503,
          code: 'service_unavailable',
        }),
      }),
    );
    await page.goto(`/reset?email=${encodeURIComponent(email)}`);
    await page.getByRole('heading', { level: 1, name: 'Choose a new password' }).waitFor();
    expect(await page.getByTestId('reset-unsure').count()).toBe(0);
    await page.getByLabel('Code').fill('123456');
    await page.getByLabel('New password').fill('Back-In-Again-2026!');
    await page.getByRole('button', { name: 'Set new password' }).click();
    const note = page.getByTestId('reset-unsure');
    await note.waitFor();
    expect(await note.textContent()).toMatch(/your new password may be set already/);
    await checkScreen(page, 'reset with no clear answer');
    await note.getByRole('link', { name: 'Try logging in with it' }).click();
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await page.getByLabel('Email').inputValue()).toBe(email);
    expect(problems).toEqual([]);
    await context.close();
  });
});
