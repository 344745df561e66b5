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
    maxWorkers: 1,
    fileParallelism: false,
  },
});
