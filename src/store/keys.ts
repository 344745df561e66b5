/**
 * Key builders of the audit trail and of payments; with item-keys.ts (every other item's key), the
 * only code that spells item keys (see table.ts for the layout).
 */

/** Shards of the due-deliveries index (webhook retries): enough that no index partition is hot. */
export const DUE_DELIVERY_SHARDS = 4;

/**
 * The audit trail (issue 13): its own partition-key prefix, so IAM can scope it (dynamodb:LeadingKeys):
 *
 *   AUDIT#<subjectId>     / SEQ#<000000000001>       one record of a subject's hash chain; by actor in
 *                                                    gsi1 under AUDITBY#<actorId> / <at>#<id> (never expires)
 *   MFAAUTH#<sha256>      / MFAAUTH                  an access token that came from a password+TOTP login
 *                                                    (or a refresh of one): what the admin guard checks (TTL)
 */
export const AUDIT_PREFIX = 'AUDIT#';
export const auditKeys = {
  chainOf: (subjectId: string) => `${AUDIT_PREFIX}${subjectId}`,
  record: (subjectId: string, seq: number) => ({
    pk: `${AUDIT_PREFIX}${subjectId}`,
    sk: `SEQ#${String(seq).padStart(12, '0')}`,
  }),
  byActor: (actorId: string) => `AUDITBY#${actorId}`,
  mfaToken: (hash: string) => ({ pk: `MFAAUTH#${hash}`, sk: 'MFAAUTH' }),
} as const;

/**
 * Item keys of payees, schedules and their rate limits (issue 15):
 *
 *   USER#<sub> / PAYEE#<id>                     a saved payee: name, account number, match at saving
 *   USER#<sub> / PAYEES                         the customer's payee count (at most 100)
 *   USER#<sub> / RATE#<name>#<window start>     a fixed-window rate-limit counter (TTL)
 *   USER#<sub> / SCHED#<id>                     a scheduled transfer; its id is a UUIDv7 (RFC 9562),
 *                                               time-ordered, so these keys sort by creation (the list
 *                                               pages them newest first); while active, in gsi1 under
 *                                               SCHEDULES#<shard> / <nextRunDate>#<id> (sparse)
 *   USER#<sub> / SCHEDULE#<id>                  one made before ids were time-ordered (a random UUIDv4):
 *                                               read, run and cancelled as before, never made anew; listed
 *                                               after every SCHED# one, by createdAt (store/schedules.ts)
 *   USER#<sub> / SCHEDRUN#<id>#<runDate>        one run of a schedule: outcome, transaction or error
 */
export const paymentKeys = {
  payee: (sub: string, id: string) => ({ pk: `USER#${sub}`, sk: `PAYEE#${id}` }),
  payeesOf: (sub: string) => ({ pk: `USER#${sub}`, skPrefix: 'PAYEE#' }),
  payeeCount: (sub: string) => ({ pk: `USER#${sub}`, sk: 'PAYEES' }),
  rate: (sub: string, name: string, windowStart: number) => ({
    pk: `USER#${sub}`,
    sk: `RATE#${name}#${windowStart}`,
  }),
  /** A schedule's item: by its id's version, a time-ordered (v7) one's or one made before them. */
  schedule: (sub: string, id: string) => ({
    pk: `USER#${sub}`,
    sk: isTimeOrdered(id) ? `SCHED#${id}` : `SCHEDULE#${id}`,
  }),
  /** The time-ordered schedules (UUIDv7 ids): in creation order. */
  schedulesOf: (sub: string) => ({ pk: `USER#${sub}`, skPrefix: 'SCHED#' }),
  /** The schedules made before ids were time-ordered (random UUIDv4 ids): a set that no longer grows. */
  olderSchedulesOf: (sub: string) => ({ pk: `USER#${sub}`, skPrefix: 'SCHEDULE#' }),
  run: (sub: string, id: string, runDate: string) => ({ pk: `USER#${sub}`, sk: `SCHEDRUN#${id}#${runDate}` }),
  runsOf: (sub: string, id: string) => ({ pk: `USER#${sub}`, skPrefix: `SCHEDRUN#${id}#` }),
  /** The sparse index of active schedules by next run date (gsi1), spread over shards. */
  dueShard: (shard: number) => `SCHEDULES#${String(shard).padStart(2, '0')}`,
} as const;

/** Shards of the due-schedules index: enough that no index partition is hot. */
export const DUE_SHARDS = 4;

/** A UUIDv7 (RFC 9562: the version digit, the 13th hex digit, is 7): its first 48 bits are its time. */
export const isTimeOrdered = (id: string): boolean => id.charAt(14) === '7';

/**
 * The shard of `n` an id's index entry goes in: from its last two hex digits, random in a UUIDv4 and
 * a UUIDv7 alike (a v7's first digits are its time: every id of a day would share a shard).
 */
export const shardOfId = (id: string, n: number): number => Number.parseInt(id.slice(-2), 16) % n;
