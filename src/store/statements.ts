/**
 * Statement files in S3: put once (a conditional write: the first file under a key stays), served by
 * presigned GET URLs (5 minutes).
 *
 * Keys: a closed month `statements/<accountId>/<period>.<format>` (written once, kept under the
 * bucket's `statements/` lifecycle rule); the current month `exports/statements/<accountId>/<period>/
 * <day>/<version>.<format>`, where `<day>` is the UTC day the statement runs to (it prints "to date,
 * <day>") and `<version>` names the account's last posting, so a new posting or a new day makes a new
 * object and an unchanged month is served again that day (the `exports/` rule deletes them after 7 days).
 *
 * The endpoint comes from the SDK's standard AWS_ENDPOINT_URL_S3 (s3rver offline). Path-style
 * addressing is used only where BANK_S3_PATH_STYLE=true (the local stack sets it); checksums are
 * computed only when an operation requires them, which S3 accepts and s3rver needs.
 */
import { createHash } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { busy, withoutSdkLogger } from './db.ts';
import { again, boundByDeadline, done, retry } from './retry.ts';

export const URL_SECONDS = 300;

export type StatementFormat = 'pdf' | 'csv';

export const contentTypes: Record<StatementFormat, string> = {
  pdf: 'application/pdf',
  csv: 'text/csv; charset=utf-8',
};

export const createS3Client = (opts: { pathStyle?: boolean } = {}): S3Client =>
  withoutSdkLogger(
    boundByDeadline(
      new S3Client({
        // A statement file is at most a few MB: 10 s before an attempt is given up.
        requestHandler: { connectionTimeout: 1_000, requestTimeout: 10_000, throwOnRequestTimeout: true },
        forcePathStyle: opts.pathStyle ?? false,
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      }),
    ),
  );

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

export class StatementFiles {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async exists(key: string): Promise<boolean> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (e) {
      const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (err.name === 'NotFound' || err.$metadata?.httpStatusCode === 404) return false;
      throw e;
    }
  }

  /**
   * Writes the file unless the key already holds one (S3's conditional write, `If-None-Match: *`), so
   * that two requests making the same file at once never replace the first one's: a link already
   * handed out keeps downloading what it was given. True when this call wrote it; false when another
   * did (412), and that file is the one to serve. A 409 (a conditional write racing this one, which
   * may yet fail) is tried again, as S3 advises, by the one retry helper; 503 if it keeps racing.
   */
  async putOnce(key: string, body: Uint8Array | string, format: StatementFormat): Promise<boolean> {
    const written = await retry(async () => {
      try {
        await this.s3.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: key,
            Body: body,
            ContentType: contentTypes[format],
            IfNoneMatch: '*',
            // The bucket's default (SSE-KMS with its key) encrypts it on AWS.
          }),
        );
        return done(true);
      } catch (e) {
        const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status === 412) return done(false);
        if (status === 409) return again;
        throw e;
      }
    });
    if (written === undefined) throw busy('The statement is being written: try again in a moment');
    return written;
  }

  /** A GET URL valid for URL_SECONDS that downloads the object under `filename`. */
  async presign(
    key: string,
    filename: string,
    now = new Date(),
  ): Promise<{ url: string; expiresAt: string }> {
    const url = await getSignedUrl(
      this.s3,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: key,
        ResponseContentDisposition: `attachment; filename="${filename}"`,
      }),
      { expiresIn: URL_SECONDS, signingDate: now },
    );
    return { url, expiresAt: new Date(now.getTime() + URL_SECONDS * 1000).toISOString() };
  }
}
