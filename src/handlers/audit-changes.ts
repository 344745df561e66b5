/**
 * Audit records changed or deleted. Audit records are written once (a PutItem on a key not yet used)
 * and never changed, and no role may update or delete them; a role allowed to put one could still
 * put its own version over a record, and rewrite the chain after it with recomputed hashes, which
 * `verify-audit` cannot tell (the chain is not keyed). The table's stream tells: the `stream`
 * function's mapping also takes a MODIFY or REMOVE whose old image is an audit item (its second
 * filter, src/functions.ts), and each is logged here at ERROR, with the record's keys and its hash
 * before and after. The CDK app alarms on that line (`alarmOnLog`: a metric filter on the function's
 * log group), so any such change raises the alarm. Nothing legitimate writes one, so a record of it
 * is a tampering, or a bug.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { logger } from '../api/logger.ts';
import { AUDIT_CHANGED } from '../domain/audit.ts';

/** What one record says happened to which audit record. Undefined for a record of anything else. */
export const auditChange = (r: DynamoDBRecord) => {
  const old = r.dynamodb?.OldImage;
  if (old?.entity?.S !== 'audit' || (r.eventName !== 'MODIFY' && r.eventName !== 'REMOVE')) return undefined;
  const change = r.eventName === 'MODIFY' ? 'modified' : 'removed';
  return {
    change,
    pk: r.dynamodb?.Keys?.pk?.S,
    sk: r.dynamodb?.Keys?.sk?.S,
    seq: old.seq?.N,
    hashBefore: old.hash?.S,
    ...(change === 'modified' ? { hashAfter: r.dynamodb?.NewImage?.hash?.S } : {}),
    at: r.dynamodb?.ApproximateCreationDateTime,
    eventId: r.eventID,
  };
};

/** Logs the record at ERROR if it is an audit record's change or delete; says whether it was. */
export const reportAuditChange = (r: DynamoDBRecord): boolean => {
  const change = auditChange(r);
  if (change) logger.error(AUDIT_CHANGED, change);
  return change !== undefined;
};
