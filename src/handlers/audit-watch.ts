/**
 * The audit watch: a stream function given only a change (MODIFY) or a delete (REMOVE) of an audit
 * item (its filter, src/functions.ts: the old image's `entity` is `audit`). Audit records are written
 * once and never changed, so every record it is given is a tampering, or a bug: it logs each one at
 * ERROR, and the CDK app alarms on any invocation of it (`alarmWhenInvoked`). It reads and writes
 * nothing, and has no table permission: what it reports cannot be undone by its own role.
 *
 * `verify-audit` recomputes the chains, but a role allowed to put an audit item could rewrite a record
 * and every record after it with recomputed hashes (the chain is not keyed): only the stream sees that.
 */
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { logger } from '../api/logger.ts';

/** The log line of a changed or deleted audit record. */
export const AUDIT_CHANGED = 'audit record changed or deleted';

/** What one record says happened to which audit record. Undefined for a record of anything else. */
export const auditChange = (r: DynamoDBRecord) => {
  const old = r.dynamodb?.OldImage;
  if (old?.entity?.S !== 'audit') return undefined;
  // Offline, DynamoDB Local's TTL deletes come as UNKNOWN_TO_SDK_VERSION: a delete all the same.
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

export const handler = async (event: DynamoDBStreamEvent): Promise<void> => {
  for (const r of event.Records) {
    const change = auditChange(r);
    if (change) logger.error(AUDIT_CHANGED, change);
  }
};
