/**
 * The table's stream offline. On AWS an event source mapping gives each `stream` function of the
 * registry (src/functions.ts) the table's stream records; `npm start` does the same with this poller:
 * one reader per function (as each mapping keeps its own position), DescribeStream / GetShardIterator /
 * GetRecords on DynamoDB Local through @aws-sdk/client-dynamodb-streams, records turned into a real
 * `DynamoDBStreamEvent` (DynamoDB JSON images, as Lambda delivers them), the function's filter applied,
 * at most `batchSize` records per invocation.
 *
 * Like the mapping: a batch item failure (partial batch response) or a thrown error retries from the
 * first failed record, up to `retryAttempts` times, halving the batch each time (bisect-on-error); a
 * batch still failing then goes to the on-failure destination, here `onFailure` (the log by default),
 * and the reader moves on. Differences: DynamoDB Local has one shard that never rotates (closed shards
 * and their children are still followed); its iterators expire after 15 minutes (a new one is taken
 * after the last record read); TTL deletions come as `UNKNOWN_TO_SDK_VERSION`, given to the handlers
 * as `REMOVE` by the DynamoDB service, as AWS does.
 */
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
  type AttributeValue as StreamValue,
} from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { functionsWith, type StreamEventName, type Trigger } from '../functions.ts';

type StreamTrigger = Extract<Trigger, { type: 'stream' }>;

import { LOCAL_CREDENTIALS } from './bootstrap.ts';
import { contextFor, type LambdaHandler, loadHandler } from './functions.ts';

export interface StreamPollerOptions {
  dynamodbEndpoint: string;
  tableName: string;
  region: string;
  /** Handlers by function name; others are imported from the registry's entries. */
  handlers?: Record<string, LambdaHandler>;
  /** Which functions to feed (default: every `stream` function of the registry). */
  functions?: string[];
  /** How long to wait after an empty read (Lambda polls a shard about 4 times a second). */
  pollMs?: number;
  /** Where a batch that still fails after its retries goes (AWS: the SQS on-failure destination). */
  onFailure?: (fn: string, records: DynamoDBRecord[], error: unknown) => void;
  /** After each invocation (tests wait on it). */
  onBatch?: (fn: string, records: DynamoDBRecord[]) => void;
}

export interface StreamPoller {
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/** An SDK stream value as Lambda's JSON has it (binary as base64). */
const toLambdaValue = (v: StreamValue): AttributeValue => {
  if (v.B !== undefined) return { B: Buffer.from(v.B).toString('base64') };
  if (v.BS !== undefined) return { BS: v.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (v.L !== undefined) return { L: v.L.map(toLambdaValue) };
  if (v.M !== undefined) return { M: toLambdaImage(v.M) as Record<string, AttributeValue> };
  const { $unknown: _, ...rest } = v as StreamValue & { $unknown?: unknown };
  // The SDK decodes an empty map ({"M":{}}, say an account with no holds) to a value with no member
  // at all (an empty list keeps its {"L":[]}); Lambda delivers {"M":{}}, which unmarshalls.
  if (Object.keys(rest).length === 0) return { M: {} };
  return rest as AttributeValue;
};
const toLambdaImage = (
  image: Record<string, StreamValue> | undefined,
): Record<string, AttributeValue> | undefined =>
  image && Object.fromEntries(Object.entries(image).map(([k, v]) => [k, toLambdaValue(v)]));

/** A record as Lambda delivers it in a DynamoDBStreamEvent. */
export const toLambdaRecord = (r: StreamRecord, streamArn: string, region: string): DynamoDBRecord => {
  const known = r.eventName === 'INSERT' || r.eventName === 'MODIFY' || r.eventName === 'REMOVE';
  // DynamoDB Local's TTL deletions: an event name the SDK does not know. On AWS they are REMOVEs by
  // the DynamoDB service.
  const eventName = known ? (r.eventName as StreamEventName) : 'REMOVE';
  const d = r.dynamodb ?? {};
  return {
    eventID: r.eventID,
    eventName,
    eventVersion: r.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    eventSourceARN: streamArn,
    ...(known ? {} : { userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' } }),
    dynamodb: {
      ...(d.ApproximateCreationDateTime
        ? { ApproximateCreationDateTime: Math.floor(d.ApproximateCreationDateTime.getTime() / 1000) }
        : {}),
      Keys: toLambdaImage(d.Keys),
      ...(d.NewImage ? { NewImage: toLambdaImage(d.NewImage) } : {}),
      ...(d.OldImage ? { OldImage: toLambdaImage(d.OldImage) } : {}),
      SequenceNumber: d.SequenceNumber,
      SizeBytes: d.SizeBytes,
      StreamViewType: d.StreamViewType,
    },
  } as DynamoDBRecord;
};

/** The function's filter criteria: its record kinds, and the `entity` of the new image. */
export const matchesFilter = (r: DynamoDBRecord, { filter }: Pick<StreamTrigger, 'filter'>): boolean =>
  filter.eventNames.includes(r.eventName as StreamEventName) &&
  filter.entities.includes(r.dynamodb?.NewImage?.entity?.S ?? '');

export const startStreamPoller = async (opts: StreamPollerOptions): Promise<StreamPoller> => {
  const config = { endpoint: opts.dynamodbEndpoint, region: opts.region, credentials: LOCAL_CREDENTIALS };
  const ddb = new DynamoDBClient(config);
  const table = await ddb.send(new DescribeTableCommand({ TableName: opts.tableName }));
  ddb.destroy();
  const streamArn = table.Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`table ${opts.tableName} has no stream`);
  const streams = new DynamoDBStreamsClient(config);
  const onFailure =
    opts.onFailure ??
    ((fn, records, e) =>
      console.error(`[streams] ${fn}: ${records.length} record(s) sent to the on-failure destination`, e));
  let stopped = false;
  const wanted = new Set(opts.functions ?? functionsWith('stream').map((f) => f.name));
  const fns = functionsWith('stream').filter((f) => wanted.has(f.name));

  /** Invokes the function until the batch passes or its retries are spent; bisects on error. */
  const deliver = async (name: string, trigger: { retryAttempts: number }, records: DynamoDBRecord[]) => {
    let pending = records;
    let size = records.length;
    for (let attempt = 0; pending.length > 0; attempt++) {
      const batch = pending.slice(0, size);
      let failedAt = -1;
      let error: unknown;
      try {
        const handler = opts.handlers?.[name] ?? (await loadHandler(name));
        const event: DynamoDBStreamEvent = { Records: batch };
        const res = (await handler(event, contextFor(name, opts.region))) as
          | DynamoDBBatchResponse
          | undefined;
        const failed = new Set(res?.batchItemFailures?.map((f) => f.itemIdentifier) ?? []);
        failedAt = batch.findIndex((r) => failed.has(r.dynamodb?.SequenceNumber ?? ''));
        if (failedAt >= 0)
          error = new Error(`batch item failure at ${batch[failedAt]?.dynamodb?.SequenceNumber}`);
      } catch (e) {
        failedAt = 0;
        error = e;
      }
      opts.onBatch?.(name, batch);
      if (failedAt < 0) {
        pending = pending.slice(batch.length);
        size = pending.length;
        attempt = -1;
        continue;
      }
      // The records before the failed one are done; retry from it.
      pending = pending.slice(failedAt);
      if (attempt >= trigger.retryAttempts) {
        onFailure(name, pending.slice(0, Math.max(1, Math.min(size, pending.length))), error);
        pending = pending.slice(Math.max(1, Math.min(size, pending.length)));
        size = pending.length;
        attempt = -1;
        continue;
      }
      size = Math.max(1, Math.ceil(Math.min(size, pending.length) / 2));
      await sleep(Math.min(1000, 50 * 2 ** attempt));
    }
  };

  const run = async (name: string, trigger: StreamTrigger) => {
    const done = new Set<string>();
    const positions = new Map<string, string | undefined>();
    const iterators = new Map<string, string>();
    while (!stopped) {
      try {
        // Follow the stream's shards: a shard is read once its parent is read to its end.
        if (iterators.size === 0) {
          const d = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
          for (const s of d.StreamDescription?.Shards ?? []) {
            const id = s.ShardId as string;
            if (done.has(id) || iterators.has(id)) continue;
            if (
              s.ParentShardId &&
              !done.has(s.ParentShardId) &&
              d.StreamDescription?.Shards?.some((p) => p.ShardId === s.ParentShardId)
            )
              continue;
            const after = positions.get(id);
            const it = await streams.send(
              new GetShardIteratorCommand({
                StreamArn: streamArn,
                ShardId: id,
                ...(after
                  ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
                  : { ShardIteratorType: 'TRIM_HORIZON' }),
              }),
            );
            if (it.ShardIterator) iterators.set(id, it.ShardIterator);
          }
          if (iterators.size === 0) {
            await sleep(opts.pollMs ?? 250);
            continue;
          }
        }
        let read = 0;
        for (const [shard, iterator] of [...iterators]) {
          if (stopped) break;
          let r: GetRecordsCommandOutput;
          try {
            r = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
          } catch (e) {
            // An iterator lives 15 minutes: take a new one after the last record read.
            if ((e as Error).name === 'ExpiredIteratorException') {
              iterators.delete(shard);
              continue;
            }
            throw e;
          }
          const records = (r.Records ?? []).map((x) => toLambdaRecord(x, streamArn, opts.region));
          read += records.length;
          const mine = records.filter((x) => matchesFilter(x, trigger));
          for (let i = 0; i < mine.length; i += trigger.batchSize) {
            await deliver(name, trigger, mine.slice(i, i + trigger.batchSize));
          }
          const last = records[records.length - 1]?.dynamodb?.SequenceNumber;
          if (last) positions.set(shard, last);
          if (r.NextShardIterator) iterators.set(shard, r.NextShardIterator);
          else {
            iterators.delete(shard);
            done.add(shard);
          }
        }
        if (read === 0) await sleep(opts.pollMs ?? 250);
      } catch (e) {
        if (stopped) break;
        console.error(`[streams] ${name}: reading the stream failed`, e);
        iterators.clear();
        await sleep(1000);
      }
    }
  };

  const loops = fns.map((f) => run(f.name, f.def.trigger));
  return {
    async stop() {
      stopped = true;
      await Promise.all(loops);
      streams.destroy();
    },
  };
};
