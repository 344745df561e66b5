/**
 * The browser tests: Playwright (playwright-core) drives Debian's Chromium headless against one
 * `npm start` stack on a free port and a temporary data directory (see global-setup.ts).
 * Run: npx vitest run --config web/e2e/vitest.config.ts
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['web/e2e/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['web/e2e/global-setup.ts'],
    testTimeout: 90_000,
    hookTimeout: 240_000,
    pool: 'forks',
    // Three files at a time, against the one stack and the one Chromium (global-setup.ts): one
    // journey at a time left a 2-core runner half idle (it waits on the stack, on axe and on the
    // browser in turn), and a new page alone takes about half a second of waiting for its renderer
    // process. Measured on a 2-core machine, 64 tests all passing: two at a time 400 s, three 385 s.
    // Every test makes its own customers and browser context, so files share only the stack and the
    // browser process (one Chromium instead of one per file: 317 s against 341 s, all passing).
    maxWorkers: 3,
    fileParallelism: true,
    // One more attempt for a journey that failed on a Playwright timeout, and only then: once in CI
    // (money-follow-up, at three files a time) a click waited 30 s for "visible, enabled and stable",
    // and Playwright's stability check (two animation frames) never came back: as far as we can tell
    // the page's requestAnimationFrame stopped firing (headless Chromium, loaded runner), not the
    // app's doing. A failed assertion is never tried again, and an app that never shows what a test
    // waits for fails both attempts. retries.ts prints every failed attempt.
    retry: { count: 1, condition: /\bTimeout \d+ms exceeded\b/ },
    setupFiles: ['web/e2e/retries.ts'],
  },
});
