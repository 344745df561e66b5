/**
 * One DynamoDB Local (in memory) and one cognito-local for the whole test run, in a temporary
 * directory. Test files reach them through `inject('emulators')` (see test/harness.ts) and make
 * their own tables and user pools, so files stay isolated.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmulators } from '../src/local/emulators.ts';

export interface EmulatorEndpoints {
  dynamodbEndpoint: string;
  cognitoEndpoint: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    emulators: EmulatorEndpoints;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = await mkdtemp(join(tmpdir(), 'bank-test-emulators-'));
  const emulators = await startEmulators({ dataDir, inMemory: true });
  project.provide('emulators', {
    dynamodbEndpoint: emulators.dynamodbEndpoint,
    cognitoEndpoint: emulators.cognitoEndpoint,
  });
  return async () => {
    await emulators.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
