/**
 * Stores of statements, payees and scheduled transfers, created once per cold start on first use,
 * next to the shared ones in context.ts. STATEMENTS_BUCKET names the statements bucket (set by the
 * CDK app and the local stack).
 */
import { config } from '../config.ts';
import { MonthTotals } from '../store/month-totals.ts';
import { PayeeStore } from '../store/payees.ts';
import { ScheduleStore } from '../store/schedules.ts';
import { StatementFileMarks, StatementLinks } from '../store/statement-links.ts';
import { StatementSource } from '../store/statement-source.ts';
import { db, idempotency, once } from './context.ts';

export const payees = /* @__PURE__ */ once(() => new PayeeStore(db(), config().tableName, idempotency()));
export const schedules = /* @__PURE__ */ once(
  () => new ScheduleStore(db(), config().tableName, idempotency()),
);
export const statementSource = /* @__PURE__ */ once(() => new StatementSource(db(), config().tableName));
/** Accounts' kept totals of their final months (the statement list). */
export const monthTotals = /* @__PURE__ */ once(() => new MonthTotals(db(), config().tableName));
/**
 * Presigned links to statement files, signed with the credentials and region the function's DynamoDB
 * client resolved (the role's, from the environment on Lambda): no S3 client for a file already written.
 */
/** The statements bucket's name (STATEMENTS_BUCKET), which the statement functions cannot do without. */
export const statementsBucket = (): string => {
  const { statementsBucket } = config();
  if (!statementsBucket) throw new Error('STATEMENTS_BUCKET is not set');
  return statementsBucket;
};
export const statementLinks = /* @__PURE__ */ once(() => {
  const { s3PathStyle, s3Endpoint } = config();
  const { credentials, region } = db().config;
  return new StatementLinks(
    {
      bucket: statementsBucket(),
      region,
      pathStyle: s3PathStyle,
      ...(s3Endpoint ? { endpoint: s3Endpoint } : {}),
    },
    credentials,
  );
});
export const statementFileMarks = /* @__PURE__ */ once(
  () => new StatementFileMarks(db(), config().tableName, statementsBucket()),
);
