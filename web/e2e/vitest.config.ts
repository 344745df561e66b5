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
    // Three files at a time, each with its own Chromium, against the one stack: one journey at a time
    // left a 2-core runner half idle (it waits on the stack, on axe and on the browser in turn), and
    // a new page alone takes about half a second of waiting for its renderer process. Measured on a
    // 2-core machine, 64 tests all passing: two at a time 400 s, three 385 s.
    // Every test makes its own customers, so files share nothing but the stack.
    maxWorkers: 3,
    fileParallelism: true,
  },
});
