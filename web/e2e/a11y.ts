/**
 * Accessibility checks for the browser tests: axe-core on the page as it is, in the light and the dark
 * theme (prefers-color-scheme emulated), failing on any violation of impact serious or critical; and
 * the page's bones: one main landmark, one h1 inside it, and nothing wider than the viewport.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { expect, it, type TestContext } from 'vitest';

export const WIDTHS = [1280, 390] as const;

/**
 * Journeys run once each, at one of the two widths: in a `describe.each(WIDTHS)` block,
 * `takeTurns(width, first)` is the block's `it`, and registers its k-th journey only in the block of
 * width `WIDTHS[(first + k) % 2]`. Every journey at both widths cost 16 more journeys a run for little
 * (measured, with axe run in place below: the browser tests went from 404 s to 322 s): the two
 * layouts differ in CSS alone (no script reads the width), layout.test.ts checks every screen at
 * 360 px, and the journeys of each file share the widths between them. A file with one journey
 * names its width instead (admin at 1280, statements at 390).
 */
export const takeTurns = (width: number, first: 0 | 1) => {
  let k = first;
  return (name: string, fn: (context: TestContext) => Promise<void>, timeout?: number): void => {
    if (WIDTHS[k++ % WIDTHS.length] === width) it(name, fn, timeout);
  };
};

type Violations = Awaited<ReturnType<AxeBuilder['analyze']>>['violations'];
const OPTIONS: Parameters<AxeBuilder['options']>[0] = { resultTypes: ['violations'] };

/**
 * axe's serious and critical violations on the page now, one line each.
 *
 * Every rule runs, as before; three things only make it cheaper (measured: the same violations):
 * - legacy mode runs `axe.run` in the page itself. The default (`runPartial` in each frame, then
 *   `finishRun` in a new blank page) opens and closes a page per call, which costs more than the
 *   checks. It differs only for cross-origin iframes, which legacy mode does not enter: a page with
 *   any frame besides its own gets the default mode.
 * - `resultTypes: ['violations']`: axe still runs every check, but details only the violations
 *   (passes and inapplicable rules are what it would otherwise serialise, and nobody reads them).
 * - axe-core stays in the page that AxeBuilder put it in, until the next page load (the app moves
 *   between screens without one). There it is run again, with the same options, instead of injecting
 *   its half-megabyte source anew: that injection was most of each call (about 80 ms against 650).
 */
export const axeProblems = async (page: Page): Promise<string[]> => {
  const single = page.frames().length === 1;
  const violations: Violations =
    single && (await page.evaluate(() => 'axe' in window))
      ? await page.evaluate(
          async (options) =>
            (
              await (
                window as unknown as {
                  axe: { run(c: Document, o: unknown): Promise<{ violations: Violations }> };
                }
              ).axe.run(document, options)
            ).violations,
          OPTIONS,
        )
      : (await new AxeBuilder({ page }).setLegacyMode(single).options(OPTIONS).analyze()).violations;
  return violations
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
