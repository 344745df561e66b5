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
 * stores a batch's events per customer (stream.ts). (The loop that handled a batch's records one by
 * one with it served the notifier until the stream function invoked it instead; the local poller's
 * tests keep such a loop of their own, src/local/streams.test.ts.)
 */
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';

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
