import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestTable, dynamoClients } from '../../test/harness.ts';
import {
  type BucketLocation,
  EXPORT_MARK_SECONDS,
  objectKey,
  StatementFileMarks,
  StatementLinks,
  URL_SECONDS,
} from './statement-links.ts';

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG',
  sessionToken: 'tok/en+=',
};
const at = new Date('2026-12-05T10:20:30Z');
const accountId = '0f8fad5b-d9cb-469f-a165-70867728950e';

/**
 * The link S3's own client gives for the same object, credentials and instant, configured as the
 * handler's S3 client is (./statements.ts createS3Client: checksums only where required, so no
 * `x-amz-checksum-mode`), which presigned them before.
 */
const sdkLink = (where: BucketLocation & { region: string }, key: string, filename: string) =>
  getSignedUrl(
    new S3Client({
      region: where.region,
      credentials,
      forcePathStyle: where.pathStyle,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...(where.endpoint ? { endpoint: where.endpoint } : {}),
    }),
    new GetObjectCommand({
      Bucket: where.bucket,
      Key: key,
      ResponseContentDisposition: `attachment; filename="${filename}"`,
    }),
    { expiresIn: URL_SECONDS, signingDate: at },
  );

describe('StatementLinks.presign: the URL the S3 client presigns, without the S3 client', () => {
  const places: [string, BucketLocation & { region: string }][] = [
    ['AWS, us-east-1', { bucket: 'bank-statements-1a2b3c', region: 'us-east-1', pathStyle: false }],
    ['AWS, eu-west-2', { bucket: 'bank-statements-1a2b3c', region: 'eu-west-2', pathStyle: false }],
    ['AWS China, cn-north-1', { bucket: 'bank-statements-1a2b3c', region: 'cn-north-1', pathStyle: false }],
    [
      'an endpoint with a base path, virtual-hosted',
      {
        bucket: 'bank-statements-1a2b3c',
        region: 'eu-west-2',
        endpoint: 'https://s3.example.test/base',
        pathStyle: false,
      },
    ],
    [
      'an IP endpoint not told path-style (the SDK makes it path-style)',
      {
        bucket: 'serverless-bank-statements',
        region: 'us-east-1',
        endpoint: 'http://127.0.0.1:4569',
        pathStyle: false,
      },
    ],
    [
      'offline (s3rver, path-style)',
      {
        bucket: 'serverless-bank-statements',
        region: 'us-east-1',
        endpoint: 'http://127.0.0.1:4569',
        pathStyle: true,
      },
    ],
  ];
  const keys = [
    objectKey(accountId, '2026-10', 'pdf'),
    objectKey(accountId, '2026-12', 'csv', {
      lastPostingKey: 'TX#2026-12-05T10:00:00Z#abc',
      asOf: at.toISOString(),
    }),
    // Characters S3's signing encodes (none of our keys has them; the encoding must still agree).
    "exports/odd key/it's (1)*!+~.csv",
    'exports/ünïcødé/€.csv',
    'exports//double/slash.csv',
  ];
  it.each(places)('%s', async (_, where) => {
    const links = new StatementLinks(where, credentials);
    for (const key of keys) {
      const filename = `statement-1234567890-${key.slice(-11)}`;
      const mine = await links.presign(key, filename, at);
      expect(mine.url, key).toBe(await sdkLink(where, key, filename));
      expect(mine.expiresAt).toBe('2026-12-05T10:25:30.000Z');
    }
  });

  it('learns the region from a provider (the function’s DynamoDB client’s)', async () => {
    const where = places[1]?.[1] as BucketLocation & { region: string };
    const links = new StatementLinks({ ...where, region: async () => 'eu-west-2' }, async () => credentials);
    const key = objectKey(accountId, '2026-10', 'pdf');
    expect((await links.presign(key, 'x.pdf', at)).url).toBe(await sdkLink(where, key, 'x.pdf'));
  });
});

describe('StatementFileMarks', () => {
  let table: string;
  beforeAll(async () => {
    table = await createTestTable('file-marks');
  });
  const marks = (bucket = 'statements-a') => new StatementFileMarks(dynamoClients().doc, table, bucket);

  it("knows a closed month's file once it is marked, for good", async () => {
    const key = objectKey(crypto.randomUUID(), '2026-10', 'pdf');
    expect(await marks().has(key, at)).toBe(false);
    await marks().record(key, at);
    expect(await marks().has(key, at)).toBe(true);
    expect(await marks().has(key, new Date(at.getTime() + 400 * 86_400_000))).toBe(true);
    // Another format of the same month is another file.
    expect(await marks().has(objectKey(crypto.randomUUID(), '2026-10', 'csv'), at)).toBe(false);
    // Another bucket (a new stack's, one emptied) has none of this one's files.
    expect(await marks('statements-b').has(key, at)).toBe(false);
  });

  it("forgets a current month's file after two days, whether or not DynamoDB has deleted the mark yet", async () => {
    const key = objectKey(crypto.randomUUID(), '2026-12', 'csv', {
      lastPostingKey: 'x',
      asOf: at.toISOString(),
    });
    await marks().record(key, at);
    const item = await dynamoClients().doc.send(
      new GetCommand({
        TableName: table,
        Key: { pk: `STMTFILE#statements-a/${key}`, sk: 'STMTFILE' },
      }),
    );
    expect(item.Item?.expiresAt).toBe(at.getTime() / 1000 + EXPORT_MARK_SECONDS);
    expect(await marks().has(key, new Date(at.getTime() + EXPORT_MARK_SECONDS * 1000 - 1000))).toBe(true);
    expect(await marks().has(key, new Date(at.getTime() + EXPORT_MARK_SECONDS * 1000))).toBe(false);
  });
});
