/**
 * A transfer the bank refuses with 429 `rate_limited` (the minute's account-number checks spent: a
 * payment to another customer's account is then refused for the rest of the minute, with Retry-After,
 * and nothing is recorded under the key, README "Account-number checks are counted") was not made: the
 * bank answered, and said when to ask again. The page must not say "We don't know yet whether this went
 * through" (the bank may have done it), nor ask again at once, before the Retry-After it was given.
 */
import { expect, it } from 'vitest';
import { withinOnePeriod } from '../../test/periods.ts';
import { apiCall, logIn, openPage, seedCustomer, useBrowser } from './browser.ts';
import { auth, payTo, transfersOf } from './money-helpers.ts';

const browser = useBrowser();

/** The UTC minute of an instant: the window the account-number checks are counted in. */
const utcMinute = (d: Date): string => d.toISOString().slice(0, 16);

it('a transfer refused 429 with Retry-After is said as refused, and not asked again at once', async ({
  skip,
}) =>
  // The checks are counted per UTC minute: a run that crosses into the next minute between spending
  // them and the transfer finds them all again, and the transfer is made (a CI run saw it: 201).
  withinOnePeriod(skip, utcMinute, async () => {
    const c = await seedCustomer([{ currency: 'USD', deposit: 10_000 }]);
    const bob = await seedCustomer([{ currency: 'USD' }]);
    const bobNumber = bob.accounts[0]?.number as string;
    const { page, requests, context } = await openPage(browser(), { width: 1024 });
    await logIn(page, c);
    // The review checks the name (one of the minute's 20 checks).
    await payTo(page, c.accounts[0]?.id as string, bobNumber, bob.name, '5');
    const confirm = page.getByRole('button', { name: 'Confirm transfer' });
    await confirm.waitFor();
    // Meanwhile (another tab, a bulk payment being prepared) the rest of the minute's checks are spent.
    for (let i = 0; i < 19; i++) {
      await apiCall('POST', '/v1/payees/check', { name: bob.name, accountNumber: bobNumber }, auth(c)).catch(
        () => undefined,
      );
    }
    const answer = page.waitForResponse(
      (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/v1/transfers',
    );
    await confirm.click();
    const first = await answer;
    // The bank's answer: refused for the rate, with when to ask again (precondition of this test).
    expect(first.status()).toBe(429);
    expect(Number(first.headers()['retry-after'])).toBeGreaterThan(0);
    const unknown = page.getByRole('heading', { name: /We don.t know yet whether this went through/ });
    await unknown.or(page.locator('.form-error, .field-error').first()).first().waitFor();
    await page.getByRole('status').filter({ hasText: 'Checking' }).waitFor({ state: 'detached' });
    expect(await transfersOf(c, 0)).toEqual([]); // nothing moved
    const posts = requests.filter((r) => r === 'POST /v1/transfers');
    expect
      .soft(
        await unknown.count(),
        'the bank answered 429 (nothing was done), yet the page says it may have gone through',
      )
      .toBe(0);
    expect.soft(posts, 'asked again at once, before Retry-After').toHaveLength(1);
    // Said as refused, with when to try again (from Retry-After).
    const said = (await page.locator('.form-error').first().textContent()) ?? '';
    expect.soft(said).toMatch(/not made/);
    expect.soft(said).toMatch(/Try again in \d+ (second|minute)s?/);
    await context.close();
  }));
