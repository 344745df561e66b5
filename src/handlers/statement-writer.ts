/**
 * What writes a statement file, loaded by statement-files.ts at an instance's first file to write (a
 * dynamic import, so the S3 client is a chunk of its own, as pdf-lib is): a cold start that serves a
 * file already written loads neither. The S3 client is created at the first write.
 */
import { config } from '../config.ts';
import { type Statement, statementCsv } from '../domain/statements.ts';
import type { StatementFormat } from '../store/statement-links.ts';
import { createS3Client, StatementFiles } from '../store/statements.ts';
import { once } from './context.ts';
import { statementsBucket } from './context-payments.ts';

const statementFiles = once(
  () => new StatementFiles(createS3Client({ pathStyle: config().s3PathStyle }), statementsBucket()),
);

/**
 * pdf-lib is loaded by the first PDF an instance renders: a CSV never loads it. The bundle makes it a
 * chunk of its own (infra/bundling.ts `splitsLazyImports`).
 */
const pdf = () => import('../domain/statement-pdf.ts');

const render = async (s: Statement, format: StatementFormat, now: Date): Promise<Uint8Array | string> =>
  format === 'csv' ? statementCsv(s) : (await (await pdf()).renderStatementPdf(s, now)).bytes;

/**
 * Renders the statement and writes it under `key` unless a file is there already (S3's conditional
 * write): true when this call wrote it, false when another request had (its file is the one served).
 */
export const writeStatementFile = async (
  key: string,
  statement: Statement,
  format: StatementFormat,
  now: Date,
): Promise<boolean> => statementFiles().putOnce(key, await render(statement, format, now), format);
