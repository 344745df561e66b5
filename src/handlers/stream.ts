/**
 * The stream consumer: turns each change of the table that a customer would care about into events
 * (src/domain/events.ts), stored per customer with their webhook deliveries (src/store/events.ts).
 * Each customer's events are stored in stream order, and the batch stops at the first record with an
 * event that could not be stored: it and the records after it are reported back (partial batch
 * response, ./in-order.ts `retriedFrom`; see processRecords below), so Lambda retries from it,
 * halving the batch (bisect-on-error) before it sends it to the on-failure queue. A later change of
 * an item is never stored before an earlier one that failed (a journal's `transaction.pending` after
 * its `transaction.posted`). Storing is idempotent: a record delivered again gives no second event or
 * delivery. The events stored (or found stored) that may give an email are then sent to the notifier,
 * invoked asynchronously (./notify.ts); a failed invoke stops the batch at the earliest record whose
 * events it carried, and the retry invokes again (the notifier sends no email twice).
 */
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type {
  AttributeValue,
  Context,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
} from 'aws-lambda';
import { logger } from '../api/logger.ts';
import { transactionView } from '../api/transactions.ts';
import { config } from '../config.ts';
import { type CustomerEvent, eventId, eventsFromChange, type Image, type Views } from '../domain/events.ts';
import { CREDIT_UNCLAIMED, type Journal } from '../domain/ledger.ts';
import { securityNoticeOf } from '../domain/security-notices.ts';
import { toAccount } from '../store/accounts.ts';
import type { ReadAhead } from '../store/events.ts';
import { reportAuditChange } from './audit-changes.ts';
import { events } from './events-context.ts';
import { retriedFrom } from './in-order.ts';
import { mayEmail, type Notice, noticeOf, notify } from './notify.ts';

export const imageOf = (image: Record<string, AttributeValue> | undefined): Image | undefined =>
  image ? (unmarshall(image as Parameters<typeof unmarshall>[0]) as Image) : undefined;

/** The time of a record's change: ApproximateCreationDateTime is in seconds (Lambda delivers it so). */
export const changedAt = (r: DynamoDBRecord): string =>
  new Date((r.dynamodb?.ApproximateCreationDateTime ?? Date.now() / 1000) * 1000).toISOString();

/**
 * The resources as their owners GET them: the ledger's own transaction renderer (GET
 * /v1/transactions/{id}) and the account as GET /v1/accounts/{id} shows it at the time of the change.
 * Both pick their fields by name, so the item's own keys and internals never leak.
 */
export const views: Views = {
  transaction: (j, user) => transactionView(j as unknown as Journal, user),
  account: (a, at) => ({ ...toAccount(a, new Date(at)) }),
};

/**
 * A transfer's credit moved to unclaimed funds (its recipient's and sender's accounts both closed:
 * src/store/ledger-return.ts `unclaim`): logged at WARN for staff, who pay the former customer, and
 * alarmed on (CREDIT_UNCLAIMED, the registry's `alarmOnLog`). From the journal's committed change, so
 * it is told however the move's writer fared: the settler's or sweep's own line was lost when the
 * move's answer was, or when it died right after, and nothing later saw the credit again (a review
 * found it). Told again if the batch is retried, which the alarm does not mind.
 */
export const reportUnclaimed = (r: DynamoDBRecord): void => {
  const now = r.dynamodb?.NewImage;
  if (now?.entity?.S !== 'journal' || now.unclaimed?.BOOL !== true) return;
  if (r.dynamodb?.OldImage?.unclaimed?.BOOL === true) return;
  logger.warn(CREDIT_UNCLAIMED, {
    accountId: now.to?.M?.accountId?.S,
    journalId: now.id?.S,
    amount: Number(now.amount?.N),
    currency: now.currency?.S,
  });
};

/** The events a record's change gives. */
const eventsOf = (r: DynamoDBRecord): CustomerEvent[] =>
  eventsFromChange(imageOf(r.dynamodb?.OldImage), imageOf(r.dynamodb?.NewImage), changedAt(r), views);

/**
 * The security notice an appended audit record gives its owner (src/domain/security-notices.ts: a
 * password changed, two-step sign-in turned off...), or undefined. Not an event: nothing is stored, and
 * it goes to the notifier with the batch's events.
 */
export const securityNoticeOfRecord = (r: DynamoDBRecord): Notice | undefined =>
  r.eventName === 'INSERT' ? securityNoticeOf(imageOf(r.dynamodb?.NewImage), eventId) : undefined;

/**
 * A batch's events, stored per customer: each customer's in stream order, as few transactions as they
 * fit in (EventStore.recordAll), so a customer many records reach at once (a hot recipient's settled
 * credits, a bulk payment's sender) moves their event counter once per transaction, not once per
 * event. Customers are independent (each has their own numbering), so the batch stops, as
 * processInOrder does, at the earliest record with an event that could not be stored: it and every
 * record after it are reported, and no customer's events from those records are attempted after
 * that. Events of later records another customer stored first are found by their marks on the retry.
 *
 * Their reads are made ahead for all of them at once (EventStore.readAhead): the counters in a
 * BatchGetItem (one per 100 customers) beside the webhook endpoints' Queries, so a batch reaching 21
 * customers (a bulk payment) waits for one round of reads, not 42 reads one after another. If that
 * fails, each customer's reads are made at their turn, as before.
 *
 * Customers are stored one after another, not side by side. Tried (10 at a time, with p-map) and
 * measured offline, where DynamoDB Local runs transactions one at a time and the local poller has no
 * batching window, it made the stack slower (most likely: smaller batches, so fewer of a customer's
 * events share a transaction, and more of the stream's transactions queued beside the transfers; not
 * measured apart). In four alternating quick bench runs, uniform transfers at 8 workers went from
 * 52.6 and 55.7/s to 30.1 and 33.8/s, and bulk payments from 192 and 214 to 110 and 110 transfers/s.
 * On AWS (a 1 s batching window, no shared queue) it would shorten a batch of many customers; left
 * for when it can be measured there.
 *
 * Many customers' events in one transaction (as many customers as fit under 100 items, each with their
 * own counter and conditions; one whose part failed stored on their own after) was tried too, and not
 * kept (2026-12-05). Offline, bulk payments stayed as they were (126 against 128 transfers/s in
 * batches, full runs) while phases of many movements at once were slower: uniform transfers at 8
 * workers 52.8 against 64.5/s, deposits at 32 workers 92.1 against 126.9/s (the raw ceiling, which it
 * does not touch, was 15 % lower in that run, so part of that is the machine; two pairs of quick runs
 * leaned the same way). Most likely DynamoDB Local's one transaction queue: a movement queued behind
 * one transaction of 60-90 items waits longer than behind the small ones it replaces. On AWS it would
 * save the stream function round trips; left for when it can be measured there.
 */
export const processRecords = async (records: readonly DynamoDBRecord[]): Promise<DynamoDBBatchResponse> => {
  const byCustomer = new Map<string, { e: CustomerEvent; at: number }[]>();
  /** The security notices of appended audit records: nothing to store, sent with the events. */
  const securityNotices: { notice: Notice; at: number }[] = [];
  let stopAt = records.length;
  let error: unknown;
  for (const [at, r] of records.entries()) {
    // An audit record changed or deleted: no event, an alarm (./audit-changes.ts).
    if (reportAuditChange(r)) continue;
    reportUnclaimed(r);
    let derived: CustomerEvent[];
    try {
      derived = eventsOf(r);
      const notice = securityNoticeOfRecord(r);
      if (notice) securityNotices.push({ notice, at });
    } catch (e) {
      // A change whose images cannot be read: the batch stops at it, as at an event not stored.
      stopAt = at;
      error = e;
      break;
    }
    for (const e of derived) {
      const list = byCustomer.get(e.customer) ?? [];
      list.push({ e, at });
      byCustomer.set(e.customer, list);
    }
  }
  let stored = 0;
  const eventIds: string[] = [];
  /** The events stored or found stored that may give an email, with their record's place. */
  const toNotify: { e: CustomerEvent; at: number }[] = [];
  // Every customer's counter and endpoints at once, not two reads per customer (EventStore.readAhead).
  // If that fails, each customer reads their own at their turn, and a failure stops the batch there.
  const ahead = await events()
    .readAhead([...byCustomer.keys()])
    .catch((error: unknown) => {
      logger.warn('events: reading ahead failed; each customer is read at their turn', { error });
      return new Map<string, ReadAhead>();
    });
  for (const [customer, list] of byCustomer) {
    const todo = list.filter((x) => x.at < stopAt);
    if (todo.length === 0) continue;
    const r = await events().recordAll(
      todo.map((x) => x.e),
      undefined,
      ahead.get(customer),
    );
    stored += r.outcomes.filter((o) => o === 'stored').length;
    const done = todo.slice(0, r.outcomes.length);
    eventIds.push(...done.map((x) => x.e.id));
    toNotify.push(...done.filter((x) => mayEmail(x.e)));
    const failed = todo[r.outcomes.length];
    if ('error' in r && failed && failed.at < stopAt) {
      stopAt = failed.at;
      error = r.error;
    }
  }
  if (eventIds.length > 0) logger.info('events', { eventIds, stored });
  const notifier = config().notifierFunction;
  // Every event stored or found stored, also those of records at or after the batch's stop (another
  // customer's event failed there): the retry sends them again (the notifier's marks find them sent),
  // but were that record's retries to run out, its stored events would never be emailed. Each event
  // once (two records of a batch may give the same event: stored once).
  // The security notices of the batch's audit records go with them, in stream order.
  const seen = new Set<string>();
  const notices = [...toNotify.map((x) => ({ notice: noticeOf(x.e), at: x.at })), ...securityNotices]
    .sort((a, b) => a.at - b.at)
    .filter((x) => !seen.has(x.notice.id) && seen.add(x.notice.id));
  // On Lambda the CDK app always names it: unnamed there, no email would ever be sent, unseen.
  if (!notifier && notices.length > 0 && process.env.AWS_LAMBDA_FUNCTION_NAME)
    logger.error('stream: no notifier configured (BANK_NOTIFIER_FUNCTION): these events are not emailed', {
      eventIds: notices.map((n) => n.notice.id),
    });
  if (notifier && notices.length > 0) {
    const sent = await notify(notifier, notices);
    for (const { notice } of sent.tooLarge)
      logger.error('event too large for the notifier: not emailed', { eventId: notice.id });
    if (sent.failedAt !== undefined && sent.failedAt < stopAt) {
      stopAt = sent.failedAt;
      error = sent.error;
    }
  }
  if (stopAt === records.length) return { batchItemFailures: [] };
  const r = records[stopAt];
  logger.error('stream record failed: the batch stops here and is retried from it', {
    sequenceNumber: r?.dynamodb?.SequenceNumber,
    eventID: r?.eventID,
    notProcessed: records.length - stopAt,
    error,
  });
  return retriedFrom(records, stopAt, error);
};

export const handler = async (
  event: DynamoDBStreamEvent,
  _context?: Context,
): Promise<DynamoDBBatchResponse> => processRecords(event.Records);
