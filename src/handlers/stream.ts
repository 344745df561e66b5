/**
 * The stream consumer: turns each change of the table that a customer would care about into events
 * (src/domain/events.ts), stored per customer with their webhook deliveries (src/store/events.ts).
 * Records are processed in order; a record that fails is reported back (partial batch response), so
 * Lambda retries from it, halving the batch (bisect-on-error) before it sends it to the on-failure
 * queue. Storing is idempotent: a record delivered again gives no second event or delivery.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { logger } from '../api/logger.ts';
import { eventsFromChange, type Image } from '../domain/events.ts';
import { events } from './events-context.ts';

const processor = new BatchProcessor(EventType.DynamoDBStreams);

export const imageOf = (image: Record<string, AttributeValue> | undefined): Image | undefined =>
  image ? (unmarshall(image as Parameters<typeof unmarshall>[0]) as Image) : undefined;

/** The time of a record's change: ApproximateCreationDateTime is in seconds (Lambda delivers it so). */
export const changedAt = (r: DynamoDBRecord): string =>
  new Date((r.dynamodb?.ApproximateCreationDateTime ?? Date.now() / 1000) * 1000).toISOString();

export const processRecord = async (r: DynamoDBRecord): Promise<number> => {
  const derived = eventsFromChange(
    imageOf(r.dynamodb?.OldImage),
    imageOf(r.dynamodb?.NewImage),
    changedAt(r),
  );
  let stored = 0;
  for (const e of derived) if ((await events().record(e)) === 'stored') stored++;
  if (derived.length > 0) logger.info('events', { eventIds: derived.map((e) => e.id), stored });
  return stored;
};

export const handler = async (event: DynamoDBStreamEvent, context: Context) =>
  processPartialResponse(event, processRecord, processor, { context, processInParallel: false });
