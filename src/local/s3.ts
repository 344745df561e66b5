/**
 * S3 offline: s3rver (in this process) on a free port, with the statements bucket and the stream
 * functions' failed-batches bucket (src/local/streams.ts writes to it) created at startup, and their
 * files under the data directory. Handlers reach it through the SDK's standard
 * AWS_ENDPOINT_URL_S3 with path-style addressing (BANK_S3_PATH_STYLE=true): see s3Env().
 *
 * Measured on s3rver 3.7.1: it knows only the access key `S3RVER`, so the local stack's key pair is
 * registered on its one account here; it checks a presigned URL's expiry but never a SigV4
 * signature (a tampered URL still works offline: the README's local-vs-AWS table says so).
 */

import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { settingsEnv } from '../config.ts';
import { LOCAL_CREDENTIALS } from './bootstrap.ts';

const require = createRequire(import.meta.url);

export const LOCAL_STATEMENTS_BUCKET = 'serverless-bank-statements';
/** The stream functions' on-failure destination offline (on AWS the stack's FailedStreamBatches bucket). */
export const LOCAL_FAILED_BATCHES_BUCKET = 'serverless-bank-failed-stream-batches';

export interface LocalS3 {
  endpoint: string;
  port: number;
  bucket: string;
  stop: () => Promise<void>;
}

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}

export const startS3 = async (opts: {
  dataDir: string;
  host?: string;
  port?: number;
  bucket?: string;
}): Promise<LocalS3> => {
  const host = opts.host ?? '127.0.0.1';
  const bucket = opts.bucket ?? LOCAL_STATEMENTS_BUCKET;
  const directory = join(opts.dataDir, 's3');
  await mkdir(directory, { recursive: true });
  const S3rver = require('s3rver') as new (o: object) => S3rverInstance;
  const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account') as {
    DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void };
  };
  DUMMY_ACCOUNT.createKeyPair(LOCAL_CREDENTIALS.accessKeyId, LOCAL_CREDENTIALS.secretAccessKey);
  const server = new S3rver({
    address: host,
    port: opts.port ?? 0,
    directory,
    silent: true,
    // Path-style only: virtual-host buckets need DNS names that resolve to 127.0.0.1.
    vhostBuckets: false,
    configureBuckets: [{ name: bucket }, { name: LOCAL_FAILED_BATCHES_BUCKET }],
  });
  const address = await server.run();
  const endpoint = `http://${host}:${address.port}`;
  return { endpoint, port: address.port, bucket, stop: () => server.close() };
};

/** What the handlers need to reach it, as the CDK app sets STATEMENTS_BUCKET on AWS. */
export const s3Env = (s3: Pick<LocalS3, 'endpoint' | 'bucket'>): Record<string, string> => ({
  AWS_ENDPOINT_URL_S3: s3.endpoint,
  ...settingsEnv({ s3PathStyle: true, statementsBucket: s3.bucket }),
});
