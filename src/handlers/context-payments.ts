/**
 * Stores of statements, payees and scheduled transfers, created once per cold start on first use,
 * next to the shared ones in context.ts. STATEMENTS_BUCKET names the statements bucket (set by the
 * CDK app and the local stack).
 */
import { config } from '../config.ts';
import { PayeeStore } from '../store/payees.ts';
import { ScheduleStore } from '../store/schedules.ts';
import { StatementSource } from '../store/statement-source.ts';
import { createS3Client, StatementFiles } from '../store/statements.ts';
import { db, idempotency, once } from './context.ts';

export const payees = /* @__PURE__ */ once(() => new PayeeStore(db(), config().tableName));
export const schedules = /* @__PURE__ */ once(
  () => new ScheduleStore(db(), config().tableName, idempotency()),
);
export const statementSource = /* @__PURE__ */ once(() => new StatementSource(db(), config().tableName));
export const statementFiles = /* @__PURE__ */ once(() => {
  const { statementsBucket, s3PathStyle } = config();
  if (!statementsBucket) throw new Error('STATEMENTS_BUCKET is not set');
  return new StatementFiles(createS3Client({ pathStyle: s3PathStyle }), statementsBucket);
});
