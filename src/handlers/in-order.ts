/**
 * A DynamoDB stream batch, record by record in stream order, stopping at the first record that fails.
 * The failed record and every record after it (not attempted) are reported as batch item failures
 * (at the batch's first record the invocation fails instead: `retriedFrom`). Lambda
 * (ReportBatchItemFailures, bisect-on-error) and the offline poller (src/local/streams.ts) then retry
 * from the lowest failed sequence number, so a record is never handled after a later one of the batch:
 * a journal's `pending` change is not stored after its `posted` one because the first was throttled.
 *
 * Powertools' BatchProcessor for streams goes on after a failed record (it handled the rest, then
 * Lambda handed them over again from the failed one, out of order); its only processor that stops
 * at the first failure is for SQS FIFO queues. Hence `retriedFrom` for the `stream` function, which
 * stores a batch's events per customer (stream.ts), and this loop for a stream function that handles
 * its records one by one (the notifier's until it was invoked by the stream function instead; the
 * local poller's tests use it, src/local/streams.test.ts).
 */
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { logger } from '../api/logger.ts';

/**
 * The records from the `i`-th on, reported as batch item failures: Lambda retries from the first of
 * them, with every record after it in the batch, whole. At the batch's first record (`i` = 0) the
 * invocation fails instead (`error` is thrown): a partial response there would have the same batch
 * retried whole until its retries ran out, and then every record of it discarded to the on-failure
 * queue with the one that failed; a failed invocation is bisected (bisect-on-error), so a record that
 * keeps failing ends up alone and goes to the queue by itself, and the records after it are handled.
 * Without sequence numbers nothing can be reported: the invocation fails too.
 */
export const retriedFrom = (
  records: readonly DynamoDBRecord[],
  i: number,
  error: unknown,
): DynamoDBBatchResponse => {
  const ids = records.slice(i).map((x) => x.dynamodb?.SequenceNumber);
  if (i === 0 || ids.some((id) => !id)) throw error;
  return { batchItemFailures: ids.map((id) => ({ itemIdentifier: id as string })) };
};

export const processInOrder = async (
  records: readonly DynamoDBRecord[],
  processRecord: (r: DynamoDBRecord) => Promise<unknown>,
  /**
   * Asked before each record: false when the invocation has too little time left to see one through.
   * That record and the rest are then reported as failures, unattempted, rather than cut off midway by
   * the Lambda timeout (which fails the whole batch and leaves the record half done).
   */
  timeLeft: () => boolean = () => true,
): Promise<DynamoDBBatchResponse> => {
  for (const [i, r] of records.entries()) {
    const where = {
      sequenceNumber: r.dynamodb?.SequenceNumber,
      eventID: r.eventID,
      notProcessed: records.length - i,
    };
    if (!timeLeft()) {
      logger.warn('stream batch stopped before its time ran out: the rest is retried', where);
      return retriedFrom(records, i, new Error('out of time in a stream batch'));
    }
    try {
      await processRecord(r);
    } catch (error) {
      logger.error('stream record failed: the batch stops here and is retried from it', { ...where, error });
      return retriedFrom(records, i, error);
    }
  }
  return { batchItemFailures: [] };
};
