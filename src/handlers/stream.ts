/**
 * The stream consumer: turns each change of the table that a customer would care about into events
 * (src/domain/events.ts), stored per customer with their webhook deliveries (src/store/events.ts).
 * Records are processed in order, and the batch stops at the first that fails: it and the records
 * after it are reported back (partial batch response, ./in-order.ts), so Lambda retries from it,
 * halving the batch (bisect-on-error) before it sends it to the on-failure queue. A later change of
 * an item is never stored before an earlier one that failed (a journal's `transaction.pending` after
 * its `transaction.posted`). Storing is idempotent: a record delivered again gives no second event or
 * delivery.
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
import { eventsFromChange, type Image, type Views } from '../domain/events.ts';
import type { Journal } from '../domain/ledger.ts';
import { toAccount } from '../store/accounts.ts';
import { events } from './events-context.ts';
import { processInOrder } from './in-order.ts';

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

export const processRecord = async (r: DynamoDBRecord): Promise<number> => {
  const derived = eventsFromChange(
    imageOf(r.dynamodb?.OldImage),
    imageOf(r.dynamodb?.NewImage),
    changedAt(r),
    views,
  );
  let stored = 0;
  for (const e of derived) if ((await events().record(e)) === 'stored') stored++;
  if (derived.length > 0) logger.info('events', { eventIds: derived.map((e) => e.id), stored });
  return stored;
};

export const handler = async (
  event: DynamoDBStreamEvent,
  _context?: Context,
): Promise<DynamoDBBatchResponse> => processInOrder(event.Records, processRecord);
