/**
 * Statement files written to S3: put once (a conditional write: the first file under a key stays).
 * Only a request that must write a file loads this module and the S3 client (src/handlers/
 * statement-files.ts); keys, marks and presigned links are ./statement-links.ts, which every request
 * loads.
 *
 * The endpoint comes from the SDK's standard AWS_ENDPOINT_URL_S3 (s3rver offline). Path-style
 * addressing is used only where BANK_S3_PATH_STYLE=true (the local stack sets it); checksums are
 * computed only when an operation requires them, which S3 accepts and s3rver needs.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { busy, forHandlers } from './db.ts';
import { again, done, retry } from './retry.ts';
import { contentTypes, type StatementFormat } from './statement-links.ts';

export const createS3Client = (opts: { pathStyle?: boolean } = {}): S3Client =>
  forHandlers(
    new S3Client({
      // A statement file is at most a few MB: 10 s before an attempt is given up.
      requestHandler: { connectionTimeout: 1_000, requestTimeout: 10_000, throwOnRequestTimeout: true },
      forcePathStyle: opts.pathStyle ?? false,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
  );

export class StatementFiles {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

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
}
