/**
 * A transfer whose "note for yourself" the bank refuses (a control character pasted in it: the API
 * takes none in a metadata value): back to the details, the refusal on the note's own field, tied to it
 * and focused, and nothing sent.
 */
import { expect, it } from 'vitest';
import { focused, logIn, openPage, seedCustomer, useBrowser } from './browser.ts';
import { balanceOf, poll } from './money-helpers.ts';

const browser = useBrowser();

it('a note the bank refuses is marked on the note, not left unplaced on the review', async () => {
  const c = await seedCustomer([
    { currency: 'USD', deposit: 10_000, nickname: 'Main' },
    { currency: 'USD', nickname: 'Spare' },
  ]);
  const { page, problems, context } = await openPage(browser(), { width: 1024 });
  await logIn(page, c, `/transfer?from=${c.accounts[0]?.id}`);
  await page.getByRole('heading', { level: 1, name: 'Transfer money' }).waitFor();
  await page.getByLabel('Between my accounts').check();
  await page.getByLabel('To', { exact: true }).selectOption(c.accounts[1]?.id as string);
  await page.getByLabel(/^Amount/).fill('3');
  // Pasted from a spreadsheet: a tab between the cells (an input keeps tabs; the API refuses them).
  const note = page.getByLabel('Note for yourself (optional)');
  await note.fill('Rent\tMarch');
  await page.getByRole('button', { name: 'Review transfer' }).click();
  await page.getByRole('button', { name: 'Confirm transfer' }).click();

  const noteError = page.locator('#f-note-error');
  await noteError.waitFor();
  expect(await noteError.textContent()).toBe('Use up to 500 ordinary characters for your note.');
  expect(await note.getAttribute('aria-invalid')).toBe('true');
  expect(await note.getAttribute('aria-describedby')).toContain('f-note-error');
  await poll(async () => (await focused(page)).label).toBe('Note for yourself (optional)');
  expect(await page.getByTestId('review').count()).toBe(0);
  expect(await balanceOf(c, 1)).toBe(0);
  expect(problems).toEqual([]);
  await context.close();
});
