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
import { isBankError } from '../domain/errors.ts';
import { withDeadline } from '../store/retry.ts';
import { settler } from './context.ts';
import { imageOf } from './stream.ts';

const processor = new BatchProcessor(EventType.DynamoDBStreams);

export const processRecord = async (r: DynamoDBRecord): Promise<number> => {
  const item = imageOf(r.dynamodb?.NewImage);
  if (r.eventName !== 'INSERT' || item?.entity !== 'credit') return 0;
  let settled: number;
  try {
    settled = await settler().settle(String(item.ownerId), String(item.accountId));
  } catch (e) {
    // A closed account's credit stays a credit item (verify-ledger flags it): retrying cannot help.
    if (isBankError(e) && e.code === 'account_not_active') {
      logger.error('credit for a closed account left unsettled', { accountId: item.accountId });
      return 0;
    }
    throw e;
  }
  if (settled > 0) logger.info('settled', { accountId: item.accountId, settled });
  return settled;
};

// The retries know the Lambda's deadline: a settlement that cannot finish in time fails its record
// (retried by the stream, or settled by the sweeper) instead of being cut off mid-batch.
export const handler = async (event: DynamoDBStreamEvent, context: Context) =>
  withDeadline(Date.now() + context.getRemainingTimeInMillis(), () =>
    processPartialResponse(event, processRecord, processor, { context, processInParallel: false }),
  );
