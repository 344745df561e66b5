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
import { type LocalS3, startS3 } from '../src/local/s3.ts';
import { startSes } from '../src/local/ses.ts';

export interface EmulatorEndpoints {
  dynamodbEndpoint: string;
  cognitoEndpoint: string;
  /** aws-ses-v2-local (the notifier's SES). */
  sesEndpoint: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    emulators: EmulatorEndpoints;
    /** s3rver with the statements bucket and the failed-batches bucket. */
    s3: Pick<LocalS3, 'endpoint' | 'bucket'>;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = await mkdtemp(join(tmpdir(), 'bank-test-emulators-'));
  const [emulators, s3, ses] = await Promise.all([
    startEmulators({ dataDir, inMemory: true, jvm: 'quick' }),
    startS3({ dataDir }),
    startSes({ dataDir }),
  ]);
  project.provide('s3', { endpoint: s3.endpoint, bucket: s3.bucket });
  project.provide('emulators', {
    dynamodbEndpoint: emulators.dynamodbEndpoint,
    cognitoEndpoint: emulators.cognitoEndpoint,
    sesEndpoint: ses.endpoint,
  });
  return async () => {
    await Promise.all([emulators.stop(), s3.stop(), ses.stop()]);
    await rm(dataDir, { recursive: true, force: true });
  };
}
