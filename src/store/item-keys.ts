/**
 * The table's item keys (but the audit trail's and payments': keys.ts), one export each, imported as a
 * namespace (`import * as keys from './item-keys.ts'`, then `keys.profile(sub)`), so that a bundle
 * carries only the builders its function calls. As one object they were all in every bundle: esbuild
 * keeps a whole object literal once any of its members is read (2 KB in each).
 */
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

export const profile = (sub: string) => ({ pk: `USER#${sub}`, sk: 'PROFILE' });
/** The profile's attribute naming the account that hosts the owner's daily counters in `currency`. */
export const limitHostAttr = (currency: string) => `limitHost#${currency}`;
export const account = (sub: string, accountId: string) => ({
  pk: `USER#${sub}`,
  sk: `ACCOUNT#${accountId}`,
});
export const accountsOf = (sub: string) => ({ pk: `USER#${sub}`, skPrefix: 'ACCOUNT#' });
export const accountNumber = (number: string) => ({ pk: `ACCTNUM#${number}`, sk: 'ACCTNUM' });
/** Account id -> owner (bank staff find an account by its id alone). */
export const accountId = (accountId: string) => ({ pk: `ACCTID#${accountId}`, sk: 'ACCTID' });
/**
 * A day's counter on the item of the account that hosts its owner's daily counters in its currency
 * (AccountRecord.limitHost): `out#2026-12-02` (outgoing) or `in#2026-12-02` (self-service deposits).
 */
export const dailyAttr = (kind: 'out' | 'in', day: string) => `${kind}#${day}`;
/** The daily outgoing counter of an account opened before hosts (AccountRecord.limitHost): its own item. */
export const dailyLimit = (sub: string, day: string, currency: string) => ({
  pk: `USER#${sub}`,
  sk: `LIMIT#${day}#${currency}`,
});
/** The daily deposit counter of an account opened before hosts: its own item. */
export const dailyDeposits = (sub: string, day: string, currency: string) => ({
  pk: `USER#${sub}`,
  sk: `DEPOSITS#${day}#${currency}`,
});
/** The partition-key prefix of statement files' marks (IAM's dynamodb:LeadingKeys: `table:file-marks`). */
export const STATEMENT_FILE_PREFIX = 'STMTFILE#';
/** The mark of a statement file written to S3 (statement-links.ts), by its bucket and object key. */
export const statementFile = (bucket: string, objectKey: string) => ({
  pk: `${STATEMENT_FILE_PREFIX}${bucket}/${objectKey}`,
  sk: 'STMTFILE',
});
/** The partition-key prefix of accounts' kept month totals (the statements function's writePartitions). */
export const MONTH_TOTALS_PREFIX = 'MONTHSUM#';
/** An account's kept totals of one final month (src/store/month-totals.ts), under its period (`2026-11`). */
export const monthTotals = (accountId: string, period: string) => ({
  pk: `${MONTH_TOTALS_PREFIX}${accountId}`,
  sk: period,
});
export const journal = (id: string) => ({ pk: `JOURNAL#${id}`, sk: 'JOURNAL' });
/** The sweeper's index of pending journals (gsi1), spread over shards: `HOLDS#07`. */
export const pendingShard = (shard: number) => `HOLDS#${String(shard).padStart(2, '0')}`;
/** A history entry (a posting, or the sender's entry for a pending transfer) sorts by time. */
export const posting = (accountId: string, createdAt: string, txId: string) => ({
  pk: `ACCOUNT#${accountId}`,
  sk: `TX#${createdAt}#${txId}`,
});
export const postingsOf = (accountId: string) => ({ pk: `ACCOUNT#${accountId}`, skPrefix: 'TX#' });
/** The account a posting's partition key (or a history index's, which is the same) names. */
export const accountOfPosting = (pk: unknown): string | undefined =>
  typeof pk === 'string' && pk.startsWith('ACCOUNT#') ? pk.slice('ACCOUNT#'.length) : undefined;
/** An unsettled credit to a customer account (a transfer's deferred credit side), until settled. */
export const credit = (accountId: string, createdAt: string, txId: string) => ({
  pk: `CREDIT#${accountId}`,
  sk: `IN#${createdAt}#${txId}`,
});
export const creditsOf = (accountId: string) => ({ pk: `CREDIT#${accountId}`, skPrefix: 'IN#' });
/** The sweeper's index of unsettled credits (gsi1), spread over shards: `CREDITS#07`. */
export const creditShard = (shard: number) => `CREDITS#${String(shard).padStart(2, '0')}`;
/** Where records were kept before that (read only while upgrading: idempotency.ts `legacyReplay`). */
export const legacyIdempotency = (sub: string, key: string) => ({ pk: `IDEM#${sub}#${key}`, sk: 'IDEM' });
/** A request's idempotency record: at the journal id its key names (journalIdFor). */
export const idempotency = (sub: string, key: string) => journal(journalIdFor(sub, key));
/**
 * The idempotency record of a request whose function may write only in its owner's partitions (an
 * account's opening: `accounts-write` writes USER#, never JOURNAL#), in the owner's own partition.
 */
export const ownIdempotency = (sub: string, key: string) => ({ pk: `USER#${sub}`, sk: `IDEM#${key}` });
export const login = (email: string) => ({ pk: `LOGIN#${email}`, sk: 'LOGIN' });
export const loginPair = (email: string, ip: string) => ({ pk: `LOGIN#${email}`, sk: `IP#${ip}` });
export const loginKnownIp = (email: string, ip: string) => ({ pk: `LOGIN#${email}`, sk: `KNOWN#${ip}` });
/** Wrong TOTP codes at login for an email, from every IP (src/store/logins.ts LoginGuard). */
export const loginTotp = (email: string) => ({ pk: `LOGIN#${email}`, sk: 'TOTPFAIL' });
export const passwordReset = (email: string) => ({ pk: `LOGIN#${email}`, sk: 'RESET' });
export const confirmationCode = (email: string) => ({ pk: `LOGIN#${email}`, sk: 'CONFIRM' });
export const totpCode = (email: string, code: string) => ({ pk: `LOGIN#${email}`, sk: `TOTP#${code}` });
export const verification = (sub: string) => ({ pk: `USER#${sub}`, sk: 'VERIFY' });
export const security = (sub: string) => ({ pk: `USER#${sub}`, sk: 'SECURITY' });
export const refreshToken = (hash: string) => ({ pk: `REFRESH#${hash}`, sk: 'REFRESH' });
export const mfaSession = (hash: string) => ({ pk: `MFA#${hash}`, sk: 'MFA' });
// Events, webhooks and email notifications (issue 12).
/**
 * A customer's event at its place in their feed: a per-customer sequence number, taken from
 * `eventSeq` in the event's own transaction, so the feed's order is the order events were stored.
 */
export const event = (sub: string, seq: number) => ({
  pk: `USER#${sub}`,
  sk: `EVT#${String(seq).padStart(12, '0')}`,
});
export const eventsOf = (sub: string) => ({ pk: `USER#${sub}`, skPrefix: 'EVT#' });
/** The customer's event counter: the sequence number of their last stored event (never expires). */
export const eventSeq = (sub: string) => ({ pk: `USER#${sub}`, sk: 'EVTSEQ' });
/** The mark that an event id was stored (a stream record given again stores nothing twice). */
export const eventMark = (sub: string, eventId: string) => ({ pk: `USER#${sub}`, sk: `EVTID#${eventId}` });
export const webhook = (sub: string, id: string) => ({ pk: `USER#${sub}`, sk: `WEBHOOK#${id}` });
export const webhooksOf = (sub: string) => ({ pk: `USER#${sub}`, skPrefix: 'WEBHOOK#' });
export const webhookCount = (sub: string) => ({ pk: `USER#${sub}`, sk: 'WEBHOOKS' });
export const notifications = (sub: string) => ({ pk: `USER#${sub}`, sk: 'NOTIFICATIONS' });
export const delivery = (webhookId: string, deliveryId: string) => ({
  pk: `WEBHOOK#${webhookId}`,
  sk: `DELIVERY#${deliveryId}`,
});
export const deliveriesOf = (webhookId: string) => ({ pk: `WEBHOOK#${webhookId}`, skPrefix: 'DELIVERY#' });
/** The dispatcher's index of deliveries due (`dlv`, table.ts deliveryIndex; gsi1 until 2026-12-07): `DUE#3`. */
export const dueDeliveryShard = (shard: number) => `DUE#${shard}`;
export const email = (eventId: string) => ({ pk: `EMAIL#${eventId}`, sk: 'EMAIL' });
/**
 * The emails of money received that a customer was sent in one UTC hour (`hour`: `2026-03-01T06`):
 * the notifier's cap (email-marks.ts `takeReceived`). In EMAIL#, its partition.
 */
export const emailsReceived = (ownerId: string, hour: string) => ({
  pk: `EMAIL#received#${ownerId}#${hour}`,
  sk: 'RECEIVED',
});
/**
 * The "someone tried to register with your address" notices a customer was sent for one UTC day
 * (`day`: `2026-03-01`): the notifier's cap (email-marks.ts `takeRegistrationNotice`). In EMAIL#.
 */
export const registrationNotices = (ownerId: string, day: string) => ({
  pk: `EMAIL#registration#${ownerId}#${day}`,
  sk: 'REGISTRATION',
});
