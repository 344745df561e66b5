/** Key builders: the only code that spells item keys (see table.ts for the layout). */
import { createHash } from 'node:crypto';

/**
 * The journal id that a caller's Idempotency-Key names: a name-based UUID (version 8, RFC 9562) of
 * the two. A movement that creates a journal creates it under this id, so the journal item is its
 * idempotency record; any other keyed request keeps its record item at this journal's key (see
 * idempotency.ts). Another caller, or another key, gives another id.
 */
export const journalIdFor = (sub: string, key: string): string => {
  const h = createHash('sha256').update(`journal\0${sub}\0${key}`).digest('hex');
  const variant = ((Number.parseInt(h.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

/** Shards of the due-deliveries index (webhook retries): enough that no index partition is hot. */
export const DUE_DELIVERY_SHARDS = 4;

export const keys = {
  profile: (sub: string) => ({ pk: `USER#${sub}`, sk: 'PROFILE' }),
  /** The profile's attribute naming the account that hosts the owner's daily counters in `currency`. */
  limitHostAttr: (currency: string) => `limitHost#${currency}`,
  account: (sub: string, accountId: string) => ({ pk: `USER#${sub}`, sk: `ACCOUNT#${accountId}` }),
  accountsOf: (sub: string) => ({ pk: `USER#${sub}`, skPrefix: 'ACCOUNT#' }),
  accountNumber: (number: string) => ({ pk: `ACCTNUM#${number}`, sk: 'ACCTNUM' }),
  /** Account id -> owner (bank staff find an account by its id alone). */
  accountId: (accountId: string) => ({ pk: `ACCTID#${accountId}`, sk: 'ACCTID' }),
  /**
   * A day's counter on the item of the account that hosts its owner's daily counters in its currency
   * (AccountRecord.limitHost): `out#2026-12-02` (outgoing) or `in#2026-12-02` (self-service deposits).
   */
  dailyAttr: (kind: 'out' | 'in', day: string) => `${kind}#${day}`,
  /** The daily outgoing counter of an account opened before hosts (AccountRecord.limitHost): its own item. */
  dailyLimit: (sub: string, day: string, currency: string) => ({
    pk: `USER#${sub}`,
    sk: `LIMIT#${day}#${currency}`,
  }),
  /** The daily deposit counter of an account opened before hosts: its own item. */
  dailyDeposits: (sub: string, day: string, currency: string) => ({
    pk: `USER#${sub}`,
    sk: `DEPOSITS#${day}#${currency}`,
  }),
  journal: (id: string) => ({ pk: `JOURNAL#${id}`, sk: 'JOURNAL' }),
  /** The sweeper's index of pending journals (gsi1), spread over shards: `HOLDS#07`. */
  pendingShard: (shard: number) => `HOLDS#${String(shard).padStart(2, '0')}`,
  /** A history entry (a posting, or the sender's entry for a pending transfer) sorts by time. */
  posting: (accountId: string, createdAt: string, txId: string) => ({
    pk: `ACCOUNT#${accountId}`,
    sk: `TX#${createdAt}#${txId}`,
  }),
  postingsOf: (accountId: string) => ({ pk: `ACCOUNT#${accountId}`, skPrefix: 'TX#' }),
  /** An unsettled credit to a customer account (a transfer's deferred credit side), until settled. */
  credit: (accountId: string, createdAt: string, txId: string) => ({
    pk: `CREDIT#${accountId}`,
    sk: `IN#${createdAt}#${txId}`,
  }),
  creditsOf: (accountId: string) => ({ pk: `CREDIT#${accountId}`, skPrefix: 'IN#' }),
  /** The sweeper's index of unsettled credits (gsi1), spread over shards: `CREDITS#07`. */
  creditShard: (shard: number) => `CREDITS#${String(shard).padStart(2, '0')}`,
  /** Where records were kept before that (read only while upgrading: idempotency.ts `legacyReplay`). */
  legacyIdempotency: (sub: string, key: string) => ({ pk: `IDEM#${sub}#${key}`, sk: 'IDEM' }),
  /** A request's idempotency record: at the journal id its key names (journalIdFor). */
  idempotency: (sub: string, key: string) => keys.journal(journalIdFor(sub, key)),
  login: (email: string) => ({ pk: `LOGIN#${email}`, sk: 'LOGIN' }),
  loginPair: (email: string, ip: string) => ({ pk: `LOGIN#${email}`, sk: `IP#${ip}` }),
  loginKnownIp: (email: string, ip: string) => ({ pk: `LOGIN#${email}`, sk: `KNOWN#${ip}` }),
  passwordReset: (email: string) => ({ pk: `LOGIN#${email}`, sk: 'RESET' }),
  confirmationCode: (email: string) => ({ pk: `LOGIN#${email}`, sk: 'CONFIRM' }),
  verification: (sub: string) => ({ pk: `USER#${sub}`, sk: 'VERIFY' }),
  security: (sub: string) => ({ pk: `USER#${sub}`, sk: 'SECURITY' }),
  refreshToken: (hash: string) => ({ pk: `REFRESH#${hash}`, sk: 'REFRESH' }),
  mfaSession: (hash: string) => ({ pk: `MFA#${hash}`, sk: 'MFA' }),
  // Events, webhooks and email notifications (issue 12).
  /**
   * A customer's event at its place in their feed: a per-customer sequence number, taken from
   * `eventSeq` in the event's own transaction, so the feed's order is the order events were stored.
   */
  event: (sub: string, seq: number) => ({ pk: `USER#${sub}`, sk: `EVT#${String(seq).padStart(12, '0')}` }),
  eventsOf: (sub: string) => ({ pk: `USER#${sub}`, skPrefix: 'EVT#' }),
  /** The customer's event counter: the sequence number of their last stored event (never expires). */
  eventSeq: (sub: string) => ({ pk: `USER#${sub}`, sk: 'EVTSEQ' }),
  /** The mark that an event id was stored (a stream record given again stores nothing twice). */
  eventMark: (sub: string, eventId: string) => ({ pk: `USER#${sub}`, sk: `EVTID#${eventId}` }),
  webhook: (sub: string, id: string) => ({ pk: `USER#${sub}`, sk: `WEBHOOK#${id}` }),
  webhooksOf: (sub: string) => ({ pk: `USER#${sub}`, skPrefix: 'WEBHOOK#' }),
  webhookCount: (sub: string) => ({ pk: `USER#${sub}`, sk: 'WEBHOOKS' }),
  notifications: (sub: string) => ({ pk: `USER#${sub}`, sk: 'NOTIFICATIONS' }),
  delivery: (webhookId: string, deliveryId: string) => ({
    pk: `WEBHOOK#${webhookId}`,
    sk: `DELIVERY#${deliveryId}`,
  }),
  deliveriesOf: (webhookId: string) => ({ pk: `WEBHOOK#${webhookId}`, skPrefix: 'DELIVERY#' }),
  /** The dispatcher's index of deliveries due (gsi1): `DUE#3`. */
  dueDeliveryShard: (shard: number) => `DUE#${shard}`,
  email: (eventId: string) => ({ pk: `EMAIL#${eventId}`, sk: 'EMAIL' }),
} as const;

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
 *   USER#<sub> / SCHEDULE#<id>                  a scheduled transfer; while active, in gsi1 under
 *                                               SCHEDULES#<shard> / <nextRunDate>#<id> (sparse)
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
  schedule: (sub: string, id: string) => ({ pk: `USER#${sub}`, sk: `SCHEDULE#${id}` }),
  schedulesOf: (sub: string) => ({ pk: `USER#${sub}`, skPrefix: 'SCHEDULE#' }),
  run: (sub: string, id: string, runDate: string) => ({ pk: `USER#${sub}`, sk: `SCHEDRUN#${id}#${runDate}` }),
  runsOf: (sub: string, id: string) => ({ pk: `USER#${sub}`, skPrefix: `SCHEDRUN#${id}#` }),
  /** The sparse index of active schedules by next run date (gsi1), spread over shards. */
  dueShard: (shard: number) => `SCHEDULES#${String(shard).padStart(2, '0')}`,
} as const;

/** Shards of the due-schedules index: enough that no index partition is hot. */
export const DUE_SHARDS = 4;
