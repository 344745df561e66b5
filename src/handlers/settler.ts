/**
 * The settler (issue 11, hot recipients): a stream function given each new credit item (its filter:
 * INSERT of entity `credit`), which settles its account's unsettled credits into the account, many in
 * one transaction (src/store/ledger-settle.ts). A record delivered again, or one whose credit another
 * settlement already took, settles nothing (each credit's delete is conditioned on its existence). A
 * settlement that keeps losing to contention throws, and the record is retried (bisect-on-error, then
 * the on-failure queue); the sweeper settles any credit left behind.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { logger } from '../api/logger.ts';
import { settler } from './context.ts';
import { imageOf } from './stream.ts';

const processor = new BatchProcessor(EventType.DynamoDBStreams);

export const processRecord = async (r: DynamoDBRecord): Promise<number> => {
  const item = imageOf(r.dynamodb?.NewImage);
  if (r.eventName !== 'INSERT' || item?.entity !== 'credit') return 0;
  const settled = await settler().settle(String(item.ownerId), String(item.accountId));
  if (settled > 0) logger.info('settled', { accountId: item.accountId, settled });
  return settled;
};

export const handler = async (event: DynamoDBStreamEvent, context: Context) =>
  processPartialResponse(event, processRecord, processor, { context, processInParallel: false });
