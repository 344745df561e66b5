import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'src/**/*.test.ts',
      'infra/**/*.test.ts',
      'test/**/*.test.ts',
      'web/**/*.test.ts',
      'bench/**/*.test.ts',
      'scripts/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', 'web/e2e/**'],
    // One DynamoDB Local and one cognito-local serve the whole run; test files get their own tables/pools.
    // BANK_TEST_EMULATORS=off skips them for a quick run of the pure unit tests.
    globalSetup: process.env.BANK_TEST_EMULATORS === 'off' ? [] : ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Three files at a time (vitest's default on 2 cores is one): many files wait on the emulators
    // and on the stacks they start (other processes). Measured on a quiet 2-core machine, 109 files
    // and 1,337 tests all passing: two at a time 718 s, three 647 s. Files share only the emulators;
    // each makes its own tables, pools and customers.
    maxWorkers: 3,
    // The SDK warns once per process that Node 20 support ends in 2027; the Lambda runtime is Node 22.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
