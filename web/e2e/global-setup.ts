/**
 * Once for the browser tests: build the web client, start the whole stack (`npm start` on a free
 * port with a temporary data directory) and one Chromium, and hand their addresses to the test files.
 */
import { spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { type StartedStack, startStack } from '../../test/harness.ts';
import { launchServer } from './browser.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    webBaseUrl: string;
    /** The stack's data directory (its stack.json names the Cognito endpoint and pool). */
    webDataDir: string;
    /** The run's one Chromium, which every test file connects to (browser.ts useBrowser). */
    browserWsEndpoint: string;
  }
}

/**
 * cognito-local's codes (confirmation, password reset) in the browser tests: fixed with its own CODE
 * setting, as the tests cannot read an inbox. `npm start` prints the real, random ones.
 */
export const EMAILED_CODE = '246810';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.BANK_E2E_SKIP_BUILD !== '1') {
    const build = spawnSync('npm', ['run', 'build:web', '--silent'], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`npm run build:web failed:\n${build.stdout}${build.stderr}`);
  }
  let stack: StartedStack | undefined;
  try {
    // One stack serves every journey for minutes: DynamoDB Local's JVM as `npm start` runs it (peak)
    // pays back its compiling here. Measured, the browser tests alone on a 2-core machine: 340 s and
    // 662 core-seconds with it, 360 s and 701 with the tests' usual quick JVM (src/local/emulators.ts).
    stack = await startStack({
      env: { BANK_AUTO_CONFIRM: 'true', CODE: EMAILED_CODE, BANK_DYNAMODB_JVM: 'peak' },
    });
  } catch (e) {
    throw new Error(`could not start the stack: ${(e as Error).message}`);
  }
  project.provide('webBaseUrl', stack.baseUrl);
  project.provide('webDataDir', stack.dataDir);
  const started = stack;
  const chromium = await launchServer().catch(async (e: Error) => {
    await started.stop();
    throw new Error(`could not start Chromium: ${e.message}`);
  });
  project.provide('browserWsEndpoint', chromium.wsEndpoint());
  return async () => {
    await chromium.close();
    await started.stop();
    await rm(started.dataDir, { recursive: true, force: true });
  };
}
