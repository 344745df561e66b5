/**
 * The settler (issue 11, hot recipients): a stream function given each new credit item (its filter:
 * INSERT of entity `credit`), which settles its account's unsettled credits into the account, many in
 * one transaction (src/store/ledger-settle.ts). A record delivered again, or one whose credit another
 * settlement already took, settles nothing (each credit's delete is conditioned on its existence). A
 * settlement that keeps losing to contention throws, and the record is retried (bisect-on-error, then
 * the on-failure queue); the sweeper settles any credit left behind.
 *
 * One settlement per account per invocation: `settle` drains every credit of the account that exists
 * when it reads (strongly consistent), and each record of a batch was written before the batch was
 * read, so the account's later records in the same batch share the first one's settlement (and its
 * failure) instead of reading the account and its credits again to find nothing. Under a hot
 * recipient a batch holds many records of one account: this saves a GetItem and a Query for each.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { logger } from '../api/logger.ts';
import { isBankError } from '../domain/errors.ts';
import { CREDIT_LEFT_UNSETTLED, creditsLeftBy } from '../store/ledger-settle.ts';
import { withDeadline } from '../store/retry.ts';
import { settler } from './context.ts';
import { imageOf } from './stream.ts';

const processor = new BatchProcessor(EventType.DynamoDBStreams);

/** An invocation's settlements, by account id (see the top of this module). */
export type Settlements = Map<string, Promise<number>>;

export const processRecord = async (r: DynamoDBRecord, seen: Settlements = new Map()): Promise<number> => {
  const item = imageOf(r.dynamodb?.NewImage);
  if (r.eventName !== 'INSERT' || item?.entity !== 'credit') return 0;
  const accountId = String(item.accountId);
  const earlier = seen.get(accountId);
  if (earlier) {
    // Settled by this batch already, or failed with it (then this record fails and is retried too).
    await earlier;
    return 0;
  }
  const settlement = settleAccount(String(item.ownerId), accountId);
  seen.set(accountId, settlement);
  return settlement;
};

const settleAccount = async (ownerId: string, accountId: string): Promise<number> => {
  try {
    // Each settlement logs a line as it commits (./context.ts).
    return await settler().settle(ownerId, accountId);
  } catch (e) {
    // A closed account's credit whose sender cannot take it back now (frozen) stays a
    // credit item, flagged by verify-ledger; the sweeper tries it again every run (once the sender is
    // unfrozen it is returned), so the record is not retried here. Each credit left is logged at ERROR,
    // named (its journal, amount, currency and why), and alarmed on (infra/monitoring.ts).
    if (isBankError(e) && e.code === 'account_not_active') {
      const left = creditsLeftBy(e);
      if (left) for (const c of left) logger.error(CREDIT_LEFT_UNSETTLED, c);
      else logger.error(CREDIT_LEFT_UNSETTLED, { accountId, error: e.message });
      return 0;
    }
    // Anything else fails the record, for the stream to retry (then its on-failure queue; the sweeper
    // settles the credits either way): a 503 (contention, throttling or the deadline, already retried
    // within the settlement), or a refusal nothing in the bank should cause, which must not pass quietly.
    throw e;
  }
};

// The retries know the Lambda's deadline: a settlement that cannot finish in time fails its record
// (retried by the stream, or settled by the sweeper) instead of being cut off mid-batch. A batch whose
// every record failed (one hot account's, or every account's after the first ran out of time) is
// answered as failed records, not thrown: the stream retries it the same way, and it is not a Lambda
// error (the settler's error alarm, infra/monitoring.ts, is for failures that are not contention).
export const handler = async (event: DynamoDBStreamEvent, context: Context) => {
  const seen: Settlements = new Map();
  return withDeadline(Date.now() + context.getRemainingTimeInMillis(), () =>
    processPartialResponse(event, (r: DynamoDBRecord) => processRecord(r, seen), processor, {
      context,
      processInParallel: false,
      throwOnFullBatchFailure: false,
    }),
  );
};
