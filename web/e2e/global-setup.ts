/**
 * Once for the browser tests: build the web client, start the whole stack (`npm start` on a free
 * port with a temporary data directory), and hand its URL to the test files.
 */
import { spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { type StartedStack, startStack } from '../../test/harness.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    webBaseUrl: string;
    /** The stack's data directory (its stack.json names the Cognito endpoint and pool). */
    webDataDir: string;
  }
}

/**
 * cognito-local's codes (confirmation, password reset) in the browser tests: fixed with its own CODE
 * setting, as the tests cannot read an inbox. `npm start` prints the real, random ones.
 */
export const EMAILED_CODE = '246810';

/**
 * The stack's settings for the browser tests. BANK_AUTH_FLOOR_MS=0: login, registration and the
 * password reset otherwise answer no sooner than 400 ms (so that timing tells nobody whether an email
 * is known); every journey seeds customers and logs in, so that floor alone was over a minute of
 * waiting per run. No browser test reads the floor (they assert no timings), and the code path is the
 * same at 0; the floor itself is tested on a fake clock in test/auth-floor.test.ts.
 */
export const E2E_STACK_ENV = { BANK_AUTO_CONFIRM: 'true', BANK_AUTH_FLOOR_MS: '0' } as const;

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.BANK_E2E_SKIP_BUILD !== '1') {
    const build = spawnSync('npm', ['run', 'build:web', '--silent'], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`npm run build:web failed:\n${build.stdout}${build.stderr}`);
  }
  let stack: StartedStack | undefined;
  try {
    stack = await startStack({ env: { ...E2E_STACK_ENV, CODE: EMAILED_CODE } });
  } catch (e) {
    throw new Error(`could not start the stack: ${(e as Error).message}`);
  }
  project.provide('webBaseUrl', stack.baseUrl);
  project.provide('webDataDir', stack.dataDir);
  const started = stack;
  return async () => {
    await started.stop();
    await rm(started.dataDir, { recursive: true, force: true });
  };
}
