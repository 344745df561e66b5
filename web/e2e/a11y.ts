/**
 * Accessibility checks for the browser tests: axe-core on the page as it is, in the light and the dark
 * theme (prefers-color-scheme emulated), failing on any violation of impact serious or critical; and
 * the page's bones: one main landmark, one h1 inside it, and nothing wider than the viewport.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

export const WIDTHS = [1280, 390] as const;

/**
 * axe's serious and critical violations on the page now, one line each.
 *
 * Every rule runs, as before; two settings only make it cheaper (measured: about 2.5 times faster
 * per call, the same violations):
 * - legacy mode runs `axe.run` in the page itself. The default (`runPartial` in each frame, then
 *   `finishRun` in a new blank page) opens and closes a page per call, which costs more than the
 *   checks. It differs only for cross-origin iframes, which legacy mode does not enter: a page with
 *   any frame besides its own gets the default mode.
 * - `resultTypes: ['violations']`: axe still runs every check, but details only the violations
 *   (passes and inapplicable rules are what it would otherwise serialise, and nobody reads them).
 */
export const axeProblems = async (page: Page): Promise<string[]> => {
  const result = await new AxeBuilder({ page })
    .setLegacyMode(page.frames().length === 1)
    .options({ resultTypes: ['violations'] })
    .analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
};

/** One main, one h1 inside it, and no sideways scrolling. */
export const bones = (page: Page) =>
  page.evaluate(() => ({
    mains: document.querySelectorAll('main').length,
    h1InMain: document.querySelectorAll('main h1').length,
    h1s: document.querySelectorAll('h1').length,
    sideways: document.documentElement.scrollWidth > document.documentElement.clientWidth,
  }));

/** Checks the screen as it stands in both themes, and leaves the page in the light one. */
export const checkScreen = async (page: Page, name: string): Promise<void> => {
  await page.waitForLoadState('networkidle');
  expect(await bones(page), name).toEqual({ mains: 1, h1InMain: 1, h1s: 1, sideways: false });
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    expect(await axeProblems(page), `${name} (${colorScheme})`).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: 'light' });
};
