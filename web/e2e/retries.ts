/**
 * Every failed attempt of a browser test is printed with its first line, so a test that passed only on
 * its second attempt (see `retry` in vitest.config.ts) is seen in the log, not hidden by the pass.
 */
import { beforeEach, onTestFailed } from 'vitest';

beforeEach(() => {
  onTestFailed(({ task }) => {
    const attempt = (task.result?.retryCount ?? 0) + 1;
    const first = (task.result?.errors?.[0]?.message ?? 'no error message').split('\n')[0];
    console.warn(`[browser tests] attempt ${attempt} of "${task.fullName}" failed: ${first}`);
  });
});
