/**
 * What every request for a statement file needs, without the S3 client: the object's key, whether
 * the file was written (a mark in the table), and a presigned GET URL. The S3 client is needed only to
 * write a file (./statements.ts), which the handler loads at its first file to write, as it loads
 * pdf-lib at its first PDF; a cold start that serves a file already written loads neither.
 *
 * Keys: a closed month `statements/<accountId>/<period>.v2.<format>` (written once, kept under the
 * bucket's `statements/` lifecycle rule); the current month `exports/statements/<accountId>/<period>/
 * <day>/<version>.<format>`, where `<day>` is the UTC day the statement runs to (it prints "to date,
 * <day>") and `<version>` names the account's last posting, so a new posting or a new day makes a new
 * object and an unchanged month is served again that day (the `exports/` rule deletes them after 7 days).
 *
 * Marks. A file's mark (`STMTFILE#<bucket>/<key>`) is put after S3 accepted the file, so a mark always names a
 * file that was written. A file written with no mark (its writer died between the two, or lost the
 * mark's answer) is made again by the next request, whose conditional write finds it (S3 412) and
 * puts the mark. A current month's mark expires after two days (TTL, and checked on reading: DynamoDB
 * deletes expired items late), long before the `exports/` rule deletes its file; the file is keyed by
 * the day it prints, so after that day no request looks it up. A closed month's mark does not expire,
 * as its file is kept.
 *
 * Marks are keyed by bucket and object key: a bucket replaced or emptied (a new stack's, a dev bucket
 * cleared, the local data directory's `s3/` wiped) has no marks, and its files are made again.
 *
 * Links. S3's own presigner (`@aws-sdk/s3-request-presigner`'s S3RequestPresigner, SigV4 with an
 * unsigned payload) signs a GET of the object's URL: virtual-hosted on AWS
 * (`https://<bucket>.s3.<region>.<the region's partition's DNS suffix>/<key>`, so `amazonaws.com.cn` in
 * China), or under the endpoint the SDK's standard AWS_ENDPOINT_URL_S3 names (s3rver offline,
 * path-style where BANK_S3_PATH_STYLE=true or the endpoint is an IP address, as the SDK does). The URL
 * is the one `getSignedUrl` gives with the S3 client for the same object, credentials and instant
 * (statement-links.test.ts compares them). Not followed: FIPS and dual-stack endpoints
 * (AWS_USE_FIPS_ENDPOINT, AWS_USE_DUALSTACK_ENDPOINT), the global AWS_ENDPOINT_URL and profiles'
 * `endpoint_url`: the stacks set none of them. Buckets are the CDK app's (lowercase, no dots), so a
 * virtual-hosted name is always valid.
 */
import { createHash } from 'node:crypto';
import { partition } from '@aws-sdk/core/client';
import { formatUrl } from '@aws-sdk/core/util';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { S3RequestPresigner } from '@aws-sdk/s3-request-presigner';
import { Sha256 } from '@smithy/core/checksum';
import { isIpAddress } from '@smithy/core/endpoints';
import { extendedEncodeURIComponent, HttpRequest } from '@smithy/core/protocols';
import type { Db } from './db.ts';
import * as keys from './item-keys.ts';

export const URL_SECONDS = 300;

/** How long a current month's mark is kept: its file is keyed by the day it prints. */
export const EXPORT_MARK_SECONDS = 2 * 24 * 3600;

export type StatementFormat = 'pdf' | 'csv';

export const contentTypes: Record<StatementFormat, string> = {
  pdf: 'application/pdf',
  csv: 'text/csv; charset=utf-8',
};

export const objectKey = (
  accountId: string,
  period: string,
  format: StatementFormat,
  /** The current month: its last posting's key, and the instant (ISO 8601) the statement runs to. */
  current?: { lastPostingKey: string | undefined; asOf: string },
): string => {
  // `v2`: a closed month ends on its last day (statementSpan); files made before said the first
  // instant of the next month, and are left where they are rather than served again.
  if (!current) return `statements/${accountId}/${period}.v2.${format}`;
  const version = current.lastPostingKey
    ? createHash('sha256').update(current.lastPostingKey).digest('hex').slice(0, 24)
    : 'empty';
  return `exports/statements/${accountId}/${period}/${current.asOf.slice(0, 10)}/${version}.${format}`;
};

/** Where the bucket is: on AWS its region; offline also the endpoint and path-style addressing. */
export interface BucketLocation {
  bucket: string;
  /** The region, or how to learn it (the function's other clients' resolved region). */
  region: string | (() => Promise<string>);
  /** AWS_ENDPOINT_URL_S3 (s3rver offline); absent on AWS. */
  endpoint?: string;
  pathStyle: boolean;
}

/** A key's path as S3 signs it: each segment percent-encoded as the SDK encodes it, the slashes kept. */
const keyPath = (key: string): string => key.split('/').map(extendedEncodeURIComponent).join('/');

/** The object's GET request, unsigned. */
export const objectRequest = (
  where: Omit<BucketLocation, 'region'> & { region: string },
  key: string,
  query: Record<string, string>,
): HttpRequest => {
  const base = new URL(where.endpoint || `https://s3.${where.region}.${partition(where.region).dnsSuffix}`);
  const pathStyle = where.pathStyle || isIpAddress(base.hostname);
  const hostname = pathStyle ? base.hostname : `${where.bucket}.${base.hostname}`;
  const prefix = base.pathname.replace(/\/$/, '');
  return new HttpRequest({
    method: 'GET',
    protocol: base.protocol,
    hostname,
    ...(base.port ? { port: Number(base.port) } : {}),
    path: `${prefix}${pathStyle ? `/${where.bucket}` : ''}/${keyPath(key)}`,
    query,
    headers: { host: base.port ? `${hostname}:${base.port}` : hostname },
  });
};

/** Presigned GET URLs of statement files. */
export class StatementLinks {
  private readonly presigner: S3RequestPresigner;

  constructor(
    private readonly where: BucketLocation,
    credentials: ConstructorParameters<typeof S3RequestPresigner>[0]['credentials'],
  ) {
    this.presigner = new S3RequestPresigner({ credentials, region: where.region, sha256: Sha256 });
  }

  /** A GET URL valid for URL_SECONDS that downloads the object under `filename`. */
  async presign(
    key: string,
    filename: string,
    now = new Date(),
  ): Promise<{ url: string; expiresAt: string }> {
    const region = typeof this.where.region === 'string' ? this.where.region : await this.where.region();
    const request = objectRequest({ ...this.where, region }, key, {
      'response-content-disposition': `attachment; filename="${filename}"`,
      'x-id': 'GetObject',
    });
    const signed = await this.presigner.presign(request, { expiresIn: URL_SECONDS, signingDate: now });
    // Formatted as getSignedUrl formats it.
    return {
      url: formatUrl(signed),
      expiresAt: new Date(now.getTime() + URL_SECONDS * 1000).toISOString(),
    };
  }
}

/** The table's marks of the statement files written to S3 (see the top of this module). */
export class StatementFileMarks {
  constructor(
    private readonly db: Db,
    private readonly table: string,
    /** The bucket the files are in: its name is part of each mark's key. */
    private readonly bucket: string,
  ) {}

  /** Whether the file under `key` was written (a mark that has not expired). */
  async has(key: string, now = new Date()): Promise<boolean> {
    const r = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: keys.statementFile(this.bucket, key),
        ConsistentRead: true,
      }),
    );
    if (!r.Item) return false;
    const expiresAt = r.Item.expiresAt;
    return typeof expiresAt !== 'number' || expiresAt > now.getTime() / 1000;
  }

  /** Marks the file under `key` as written: call only once S3 holds it. */
  async record(key: string, now = new Date()): Promise<void> {
    const current = key.startsWith('exports/');
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          ...keys.statementFile(this.bucket, key),
          entity: 'statementFile',
          writtenAt: now.toISOString(),
          ...(current ? { expiresAt: Math.floor(now.getTime() / 1000) + EXPORT_MARK_SECONDS } : {}),
        },
      }),
    );
  }
}
