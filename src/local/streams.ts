/**
 * The table's stream offline. On AWS an event source mapping gives each `stream` function of the
 * registry (src/functions.ts) the table's stream records; `npm start` does the same with this poller:
 * one reader per function (as each mapping keeps its own position), DescribeStream / GetShardIterator /
 * GetRecords on DynamoDB Local through @aws-sdk/client-dynamodb-streams, the function's filter
 * applied, the records it takes turned into a real `DynamoDBStreamEvent` (DynamoDB JSON images, as
 * Lambda delivers them), at most `batchSize` records per invocation. Each reader starts from
 * `TRIM_HORIZON` the first time and, given `positionsDir` (as `npm start` gives it), goes on from its
 * saved position when started again, as a mapping keeps its position.
 *
 * Like the mapping: a batch item failure (partial batch response) or a thrown error retries from the
 * first failed record, up to `retryAttempts` times, halving the batch each time (bisect-on-error); a
 * batch still failing then goes to the on-failure destination, here `onFailure`: by default, as on AWS,
 * an object in the failed-batches bucket (s3rver's, when `npm start` points AWS_ENDPOINT_URL_S3 at it;
 * the log otherwise) holding Lambda's invocation record with the batch's records (`failedBatchObject`),
 * and the reader moves on; records trimmed before they were read (kept 24 hours) are lost, and the
 * reader goes on from the oldest record kept (`onTrimmed`). Differences: DynamoDB Local has one shard
 * that never rotates (closed shards and their children are still followed); its iterators expire after
 * 15 minutes (a new one is taken after the last record read); TTL deletions come as
 * `UNKNOWN_TO_SDK_VERSION`, given to the handlers as `REMOVE` by the DynamoDB service, as AWS does.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { functionsWith, type StreamEventName, type Trigger } from '../functions.ts';

type StreamTrigger = Extract<Trigger, { type: 'stream' }>;

/**
 * How long after a record was delivered a reader's saved position may pass it (`positionsDir`): the
 * function's writes for it must outlive a crash of DynamoDB Local, which can lose its last writes.
 */
export const RESUME_BEHIND_MS = 10_000;

/** A reader's position as `positionsDir` keeps it: a record it delivered. */
interface SavedPosition {
  streamArn: string;
  shard: string;
  sequenceNumber: string;
  /** The record's own id: the check that the record at that number is still the same one. */
  eventID: string;
}

import { withoutSdkLogger } from '../store/db.ts';
import { LOCAL_CREDENTIALS } from './bootstrap.ts';
import { contextFor, type LambdaHandler, loadHandler } from './functions.ts';
import { LOCAL_ACCOUNT_ID } from './lambda-event.ts';
import { LOCAL_FAILED_BATCHES_BUCKET } from './s3.ts';

/** Where a failed batch's records were, and how it failed: what Lambda's invocation record tells. */
export interface FailedBatchInfo {
  streamArn: string;
  shardId: string;
  /** Invocations of these records, the first included. */
  invokeCount: number;
  /** The last invocation answered a partial batch response (no function error). */
  partial: boolean;
}

/** A mapping's id offline: one UUID per function and stream, as a mapping keeps its own. */
export const mappingIdOf = (fn: string, streamArn: string): string => {
  const h = createHash('sha256').update(`${streamArn}\n${fn}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};

/** A stream record's approximate arrival (seconds), as the invocation record writes it. */
const arrivalOf = (r: DynamoDBRecord | undefined): string | undefined => {
  const at = r?.dynamodb?.ApproximateCreationDateTime;
  return at === undefined ? undefined : new Date(at * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
};

/**
 * The object Lambda writes to an S3 on-failure destination for a DynamoDB stream batch, as AWS
 * documents it: the key `aws/lambda/<mapping id>/<shard id>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<uuid>`, and
 * the invocation record (requestContext, responseContext, version, timestamp, DDBStreamBatchInfo) with
 * the whole event as its `payload` (an S3 destination's alone; an SQS one gets the record without it).
 */
export const failedBatchObject = (
  fn: string,
  records: readonly DynamoDBRecord[],
  info: FailedBatchInfo,
  region: string,
  now = new Date(),
): { key: string; body: string } => {
  const iso = now.toISOString();
  const day = iso.slice(0, 10).replaceAll('-', '/');
  const time = iso.slice(0, 19).replaceAll(':', '.');
  const key = `aws/lambda/${mappingIdOf(fn, info.streamArn)}/${info.shardId}/${day}/${time}-${randomUUID()}`;
  const first = records[0];
  const last = records[records.length - 1];
  const record = {
    requestContext: {
      requestId: randomUUID(),
      functionArn: `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${fn}`,
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: info.invokeCount,
    },
    responseContext: {
      statusCode: 200,
      executedVersion: '$LATEST',
      ...(info.partial ? {} : { functionError: 'Unhandled' }),
    },
    version: '1.0',
    timestamp: iso,
    DDBStreamBatchInfo: {
      shardId: info.shardId,
      startSequenceNumber: first?.dynamodb?.SequenceNumber,
      endSequenceNumber: last?.dynamodb?.SequenceNumber,
      approximateArrivalOfFirstRecord: arrivalOf(first),
      approximateArrivalOfLastRecord: arrivalOf(last),
      batchSize: records.length,
      streamArn: info.streamArn,
    },
    payload: JSON.stringify({ Records: records }),
  };
  return { key, body: JSON.stringify(record) };
};

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
  /**
   * The longest wait once reads keep coming back empty (default `pollMs`: one pace): after a second of
   * empty reads at `pollMs`, each wait doubles up to this. `wake()` ends a wait longer than WAKE_MS.
   */
  idleMs?: number;
  /** Clients whose writes wake the readers (`wakeOnWrites`): the local stack gives its handlers' one. */
  wakeOn?: Pick<DynamoDBClient, 'middlewareStack'>[];
  /**
   * Where each reader keeps its position (`<function>.json`: the newest record it delivered at least
   * `resumeBehindMs` before), as an event source mapping keeps its own: a reader started again goes on
   * after that record instead of from `TRIM_HORIZON`, unless the record is no longer in the stream
   * (DynamoDB Local can lose the last writes before a SIGKILL), when it reads from `TRIM_HORIZON` again.
   * Without it, every start reads from `TRIM_HORIZON`.
   */
  positionsDir?: string;
  /** How long after its delivery a record's position may be saved (default RESUME_BEHIND_MS). */
  resumeBehindMs?: number;
  /**
   * Where a batch that still fails after its retries goes (AWS: the mapping's on-failure destination,
   * the failed-batches bucket); the reader waits for it. By default an object in `failedBatches`'s
   * bucket, or the log without one.
   */
  onFailure?: (
    fn: string,
    records: DynamoDBRecord[],
    error: unknown,
    info: FailedBatchInfo,
  ) => void | Promise<void>;
  /**
   * The S3 endpoint (s3rver) whose `bucket` (LOCAL_FAILED_BATCHES_BUCKET by default) takes the failed
   * batches, when `onFailure` is not given; by default AWS_ENDPOINT_URL_S3, which `npm start` sets to
   * its s3rver (src/local/s3.ts s3Env). Neither: the log.
   */
  failedBatches?: { endpoint: string; bucket?: string };
  /** After each invocation (tests wait on it). */
  onBatch?: (fn: string, records: DynamoDBRecord[]) => void;
  /**
   * A reader found the records after its position trimmed (a stream keeps them 24 hours): those not
   * read are lost, and it goes on from the oldest record kept, as Lambda's mapping does. The log by default.
   */
  onTrimmed?: (fn: string, shard: string, after: string) => void;
  /** The Streams client (tests wrap it to inject faults); by default one on `dynamodbEndpoint`. */
  streams?: Pick<DynamoDBStreamsClient, 'send'>;
}

export interface StreamPoller {
  stop(): Promise<void>;
  /**
   * Something was written to the table: an idle reader reads again within WAKE_MS, and every reader
   * waits `pollMs` after an empty read for a second. `wakeOnWrites` calls it after each write of a client.
   */
  wake(): void;
  /**
   * Whether the stream functions are idle: every reader's latest read found nothing, and began more
   * than `marginMs` after the handlers' last write (a record shows 3-12 ms after its write), so what
   * the stack was given has been handled, the work it set off included. The bench waits for it between
   * phases, so that one phase's stream work does not run on into the next.
   */
  drained(marginMs?: number): boolean;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/** How soon a reader reads after `wake()`: DynamoDB Local shows a record 3-12 ms after its write. */
export const WAKE_MS = 15;

/**
 * One reader's waits between empty reads. Three readers polling every 250 ms kept an idle `npm start`
 * busy (measured over 30 s idle, scheduled functions off: DynamoDB Local and the gateway process 436
 * CPU ticks, 15 % of a core; 98 with these waits, up to 2 s), when the writes they wait for mostly
 * come from the same process: those wake the readers (`wakeOnWrites`), and in between the waits grow.
 * A write from another process (a script, a test's own client) is read within `idleMs`.
 */
export class Pacer {
  private empty = 0;
  private ended = false;
  private waiting: { timer: NodeJS.Timeout; done: () => void; endsAt: number; ms: number } | undefined;

  constructor(
    private readonly pollMs: number,
    private readonly idleMs: number,
  ) {}

  /** The next wait: `pollMs` for the first second of empty reads, then doubling up to `idleMs`. */
  nextWaitMs(): number {
    const quick = Math.max(1, Math.ceil(1000 / this.pollMs));
    const over = this.empty - quick;
    return over < 0
      ? this.pollMs
      : Math.max(this.pollMs, Math.min(this.idleMs, this.pollMs * 2 ** (over + 1)));
  }

  /** A read found records: the next empty read waits `pollMs` again. */
  found(): void {
    this.empty = 0;
  }

  /** Waits after an empty read. */
  wait(): Promise<void> {
    if (this.ended) return Promise.resolve();
    const ms = this.nextWaitMs();
    this.empty++;
    return new Promise<void>((resolve) => {
      const done = () => {
        this.waiting = undefined;
        resolve();
      };
      this.waiting = { timer: setTimeout(done, ms).unref(), done, endsAt: Date.now() + ms, ms };
    });
  }

  /**
   * A write: waits start again from `pollMs`, and an idle wait under way (longer than `pollMs`) ends
   * within WAKE_MS. A wait of `pollMs` runs its course: while writes keep coming, a reader reads at
   * most every `pollMs` when it finds nothing, not once per write.
   */
  wake(): void {
    this.empty = 0;
    const w = this.waiting;
    if (!w || w.ms <= this.pollMs || w.endsAt - Date.now() <= WAKE_MS) return;
    clearTimeout(w.timer);
    w.timer = setTimeout(w.done, WAKE_MS).unref();
    w.endsAt = Date.now() + WAKE_MS;
  }

  /** Ends the wait under way now, and any later one at once (the poller stops). */
  end(): void {
    this.ended = true;
    const w = this.waiting;
    if (!w) return;
    clearTimeout(w.timer);
    w.done();
  }
}

const WRITE_COMMANDS = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'TransactWriteItemsCommand',
  'BatchWriteItemCommand',
]);
const WAKE_MIDDLEWARE = 'bankWakeStreamPoller';

/**
 * Wakes the poller after each write the client makes (a DocumentClient shares its base client's
 * stack, so either may be given): the local stack's handlers write through one client.
 */
export const wakeOnWrites = (
  client: Pick<DynamoDBClient, 'middlewareStack'>,
  poller: Pick<StreamPoller, 'wake'>,
): void => {
  const middleware =
    <Output>(next: (args: unknown) => Promise<Output>, context: { commandName?: string }) =>
    async (args: unknown): Promise<Output> => {
      const out = await next(args);
      if (WRITE_COMMANDS.has(context.commandName ?? '')) poller.wake();
      return out;
    };
  client.middlewareStack.addRelativeTo(middleware as never, {
    name: WAKE_MIDDLEWARE,
    relation: 'after',
    toMiddleware: 'retryMiddleware',
    override: true,
  });
};

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

const isKnown = (name: string | undefined): name is StreamEventName =>
  name === 'INSERT' || name === 'MODIFY' || name === 'REMOVE';
/**
 * A record's event name as Lambda gives it. DynamoDB Local's TTL deletions have an event name the SDK
 * does not know; on AWS they are REMOVEs by the DynamoDB service.
 */
const eventNameOf = (r: { eventName?: string }): StreamEventName =>
  isKnown(r.eventName) ? r.eventName : 'REMOVE';

/** A record as Lambda delivers it in a DynamoDBStreamEvent. */
export const toLambdaRecord = (r: StreamRecord, streamArn: string, region: string): DynamoDBRecord => {
  const known = isKnown(r.eventName);
  const eventName = eventNameOf(r);
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

/**
 * The function's filter criteria, any of its filters (AWS ORs them): the record's kind, and the
 * `entity` of its new image (or of the old one, when the filter says `OldImage`), and its `action` when
 * the filter names actions (an audit record's: AWS matches the attribute the same way). It reads the record
 * as the SDK gives it (a string attribute is the same there as in Lambda's JSON), so a record the
 * function does not take is never converted (toLambdaRecord).
 */
export const matchesFilter = (
  r: {
    eventName?: string;
    dynamodb?: {
      NewImage?: Record<string, { S?: string }>;
      OldImage?: Record<string, { S?: string }>;
    };
  },
  { filters }: Pick<StreamTrigger, 'filters'>,
): boolean =>
  filters.some(
    (filter) =>
      filter.eventNames.includes(eventNameOf(r)) &&
      filter.entities.includes(r.dynamodb?.[filter.image ?? 'NewImage']?.entity?.S ?? '') &&
      (!filter.actions || filter.actions.includes(r.dynamodb?.[filter.image ?? 'NewImage']?.action?.S ?? '')),
  );

/**
 * What an invocation's answer makes of its batch, by Lambda's rules for partial batch responses:
 * `failedAt` -1 when it passed (no answer, or an empty or absent `batchItemFailures`); the lowest
 * failed record's index (`partial`) when it names records of the batch; 0, not partial (a failed
 * invocation), when an entry has an empty, absent or misnamed `itemIdentifier`. An identifier that
 * is no record of the batch is taken as a failed invocation too (Lambda's documentation does not say;
 * the stricter reading).
 */
export interface BatchOutcome {
  failedAt: number;
  partial: boolean;
  error?: unknown;
}
export const batchOutcome = (batch: readonly DynamoDBRecord[], answer: unknown): BatchOutcome => {
  const failures = (answer as { batchItemFailures?: unknown } | null | undefined)?.batchItemFailures;
  if (failures === undefined || failures === null) return { failedAt: -1, partial: false };
  const invalid = (why: string): BatchOutcome => ({
    failedAt: 0,
    partial: false,
    error: new Error(`invalid partial batch response: ${why}`),
  });
  if (!Array.isArray(failures)) return invalid('batchItemFailures is not a list');
  if (failures.length === 0) return { failedAt: -1, partial: false };
  const ids = failures.map((f) => (f as { itemIdentifier?: unknown } | null)?.itemIdentifier);
  if (ids.some((id) => typeof id !== 'string' || id === ''))
    return invalid('an empty or absent itemIdentifier');
  const failed = new Set(ids);
  const failedAt = batch.findIndex((r) => failed.has(r.dynamodb?.SequenceNumber ?? ''));
  if (failedAt < 0) return invalid('no itemIdentifier names a record of the batch');
  return {
    failedAt,
    partial: true,
    error: new Error(`batch item failure at ${batch[failedAt]?.dynamodb?.SequenceNumber}`),
  };
};

export const startStreamPoller = async (opts: StreamPollerOptions): Promise<StreamPoller> => {
  const config = { endpoint: opts.dynamodbEndpoint, region: opts.region, credentials: LOCAL_CREDENTIALS };
  const ddb = new DynamoDBClient(config);
  const table = await ddb.send(new DescribeTableCommand({ TableName: opts.tableName }));
  ddb.destroy();
  const streamArn = table.Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`table ${opts.tableName} has no stream`);
  // Without the SDK's logger middleware, which copied every record read through the sensitive-data
  // filter for a log line nobody writes (src/store/db.ts withoutSdkLogger).
  const own = opts.streams ? undefined : withoutSdkLogger(new DynamoDBStreamsClient(config));
  const streams = opts.streams ?? (own as DynamoDBStreamsClient);
  const onTrimmed =
    opts.onTrimmed ??
    ((fn, shard, after) =>
      console.error(
        `[streams] ${fn}: ${shard} no longer holds its records after ${after} (kept 24 hours): any not read ` +
          'are lost; going on from the oldest record kept',
      ));
  const s3Endpoint = opts.failedBatches?.endpoint ?? process.env.AWS_ENDPOINT_URL_S3;
  const failedBucket = opts.failedBatches?.bucket ?? LOCAL_FAILED_BATCHES_BUCKET;
  const s3 =
    opts.onFailure || !s3Endpoint
      ? undefined
      : new S3Client({
          endpoint: s3Endpoint,
          region: opts.region,
          credentials: LOCAL_CREDENTIALS,
          forcePathStyle: true,
          // s3rver corrupts bodies sent with the SDK's default checksums (as src/store/statements.ts).
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        });
  const onFailure: NonNullable<StreamPollerOptions['onFailure']> =
    opts.onFailure ??
    (async (fn, records, e, info) => {
      if (!s3) {
        console.error(`[streams] ${fn}: ${records.length} record(s) sent to the on-failure destination`, e);
        return;
      }
      const { key, body } = failedBatchObject(fn, records, info, opts.region);
      try {
        await s3.send(
          new PutObjectCommand({
            Bucket: failedBucket,
            Key: key,
            Body: body,
            ContentType: 'application/json',
          }),
        );
        console.error(
          `[streams] ${fn}: ${records.length} record(s) failed after their retries: s3://${failedBucket}/${key}`,
          e,
        );
      } catch (putError) {
        // As Lambda's DestinationDeliveryFailures: the records are lost from the destination.
        console.error(
          `[streams] ${fn}: ${records.length} failed record(s) could not be written to s3://${failedBucket}`,
          putError,
          e,
        );
      }
    });
  let stopped = false;
  const wanted = new Set(opts.functions ?? functionsWith('stream').map((f) => f.name));
  const fns = functionsWith('stream').filter((f) => wanted.has(f.name));
  if (opts.positionsDir) await mkdir(opts.positionsDir, { recursive: true });
  const pollMs = opts.pollMs ?? 250;
  const pacers = fns.map(() => new Pacer(pollMs, Math.max(pollMs, opts.idleMs ?? pollMs)));

  /**
   * Invokes the function until the batch passes or its retries are spent, as an event source mapping
   * with bisect-on-error and partial batch responses does (`batchOutcome`): a failed invocation is
   * retried with the batch halved; a partial batch response is retried from its lowest failed record
   * with every record after it in the batch, whole ("bisected at the returned sequence number").
   * When the retries are spent, what was being retried goes to the on-failure destination.
   */
  const deliver = async (
    name: string,
    trigger: { retryAttempts: number },
    records: DynamoDBRecord[],
    shardId: string,
  ) => {
    let pending = records;
    let size = records.length;
    for (let attempt = 0; pending.length > 0; attempt++) {
      const batch = pending.slice(0, size);
      let outcome: BatchOutcome;
      try {
        const handler = opts.handlers?.[name] ?? (await loadHandler(name));
        const event: DynamoDBStreamEvent = { Records: batch };
        outcome = batchOutcome(batch, await handler(event, contextFor(name, opts.region)));
      } catch (e) {
        outcome = { failedAt: 0, partial: false, error: e };
      }
      opts.onBatch?.(name, batch);
      if (outcome.failedAt < 0) {
        pending = pending.slice(batch.length);
        size = pending.length;
        attempt = -1;
        continue;
      }
      // The records before the failed one are done; what is retried is the rest of this batch.
      pending = pending.slice(outcome.failedAt);
      const retried = batch.length - outcome.failedAt;
      // Stopping (Ctrl+C: the emulators go down with the stack): the rest are not failures, and are
      // delivered again after a restart (the reader's position is not moved past them).
      if (stopped) return false;
      if (attempt >= trigger.retryAttempts) {
        await onFailure(name, pending.slice(0, retried), outcome.error, {
          streamArn,
          shardId,
          invokeCount: attempt + 1,
          partial: outcome.partial,
        });
        pending = pending.slice(retried);
        size = pending.length;
        attempt = -1;
        continue;
      }
      size = outcome.partial ? retried : Math.max(1, Math.ceil(retried / 2));
      await sleep(Math.min(1000, 50 * 2 ** attempt));
    }
    return true;
  };

  const getRecords = (iterator: string, limit = 1000) =>
    streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));

  /** A reader's saved position (`positionsDir`), if the record it names is still in this stream. */
  const resume = async (name: string, file: string): Promise<SavedPosition | undefined> => {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    let saved: Partial<SavedPosition> | undefined;
    try {
      saved = JSON.parse(text) as Partial<SavedPosition>;
    } catch {
      saved = undefined;
    }
    const { shard, sequenceNumber, eventID } = saved ?? {};
    if (typeof shard !== 'string' || typeof sequenceNumber !== 'string' || typeof eventID !== 'string') {
      console.error(`[streams] ${name}: ${file} is not a position: reading the stream from its start`);
      return undefined;
    }
    // Another stream (a table made again) starts from its beginning.
    if (saved?.streamArn !== streamArn) return undefined;
    const at = await streams
      .send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard,
          ShardIteratorType: 'AT_SEQUENCE_NUMBER',
          SequenceNumber: sequenceNumber,
        }),
      )
      .then((it) => (it.ShardIterator ? getRecords(it.ShardIterator, 1) : undefined))
      .catch((e: Error) => e);
    if (!(at instanceof Error) && at?.Records?.[0]?.eventID === eventID)
      return { streamArn, shard, sequenceNumber, eventID };
    console.error(
      at instanceof Error
        ? `[streams] ${name}: its saved position (${sequenceNumber}) could not be read (${at.name}): reading the stream from its start`
        : `[streams] ${name}: the record at its saved position (${sequenceNumber}) is no longer the one it delivered ` +
            '(DynamoDB Local can lose the last writes before a crash): reading the stream from its start again',
    );
    return undefined;
  };

  /** Saves a reader's position, whole or not at all (a crash mid-write leaves the previous one). */
  const savePosition = async (file: string, position: SavedPosition) => {
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(position));
    await rename(tmp, file);
  };

  /** Per reader, when its latest read that found nothing began (undefined: its latest found records). */
  const idleSince = new Map<string, number | undefined>();
  let lastWrite = Date.now();
  const run = async (name: string, trigger: StreamTrigger, pacer: Pacer) => {
    const done = new Set<string>();
    const positions = new Map<string, string | undefined>();
    const file = opts.positionsDir && join(opts.positionsDir, `${name}.json`);
    if (file) {
      const saved = await resume(name, file);
      if (saved) positions.set(saved.shard, saved.sequenceNumber);
    }
    // Positions delivered, and when: the one saved is the newest at least RESUME_BEHIND_MS old, so that
    // what the function wrote for the records after it has had that long to be durable (DynamoDB Local
    // can lose its last writes to a SIGKILL, the saved file not): a restart delivers those again.
    const delivered: { at: number; position: SavedPosition }[] = [];
    const checkpoint = async () => {
      const bound = Date.now() - (opts.resumeBehindMs ?? RESUME_BEHIND_MS);
      let pick: SavedPosition | undefined;
      while ((delivered[0]?.at ?? Number.POSITIVE_INFINITY) <= bound) pick = delivered.shift()?.position;
      if (file && pick) await savePosition(file, pick);
    };
    const iterators = new Map<string, string>();
    // Reads ahead, as Lambda's pollers do: while a batch is delivered, the shard's next read is under
    // way, so the next batch is at hand when the function is free (a GetRecords waits its turn in a busy
    // DynamoDB Local: about 100 ms under the bench's 32 workers, which the settler's credits waited).
    const ahead = new Map<string, Promise<GetRecordsCommandOutput>>();
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
            const iterator = (after?: string) =>
              streams.send(
                new GetShardIteratorCommand({
                  StreamArn: streamArn,
                  ShardId: id,
                  ...(after
                    ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
                    : { ShardIteratorType: 'TRIM_HORIZON' }),
                }),
              );
            const after = positions.get(id);
            const it = await iterator(after).catch((e: Error) => {
              if (!after || e.name !== 'TrimmedDataAccessException') throw e;
              // The last record read, and perhaps more after it, are past the stream's 24 hours.
              onTrimmed(name, id, after);
              positions.delete(id);
              return iterator();
            });
            if (it.ShardIterator) iterators.set(id, it.ShardIterator);
          }
          if (iterators.size === 0) {
            await pacer.wait();
            continue;
          }
        }
        let read = 0;
        const began = Date.now();
        for (const [shard, iterator] of [...iterators]) {
          if (stopped) break;
          let r: GetRecordsCommandOutput;
          const early = ahead.get(shard);
          ahead.delete(shard);
          try {
            r = await (early ?? getRecords(iterator));
            // A read ahead made as the last batch began may have come too soon to find what was written
            // while it was delivered: read now, as a reader without read-ahead would.
            if (early && (r.Records ?? []).length === 0 && r.NextShardIterator)
              r = await getRecords(r.NextShardIterator);
          } catch (e) {
            // An iterator lives 15 minutes, and one at records since trimmed reads nothing: take a new
            // one after the last record read.
            const gone = ['ExpiredIteratorException', 'TrimmedDataAccessException'];
            if (gone.includes((e as Error).name)) {
              iterators.delete(shard);
              continue;
            }
            throw e;
          }
          const records = r.Records ?? [];
          read += records.length;
          const mine = records
            .filter((x) => matchesFilter(x, trigger))
            .map((x) => toLambdaRecord(x, streamArn, opts.region));
          if (records.length > 0 && r.NextShardIterator && !stopped) {
            const next = getRecords(r.NextShardIterator);
            // Its failure is handled when it is taken (above), or dropped with it (below).
            next.catch(() => undefined);
            ahead.set(shard, next);
          }
          let complete = true;
          for (let i = 0; i < mine.length && complete; i += trigger.batchSize) {
            complete = await deliver(name, trigger, mine.slice(i, i + trigger.batchSize), shard);
          }
          // Stopped midway: the position stays before these records.
          if (!complete) break;
          const newest = records[records.length - 1];
          const last = newest?.dynamodb?.SequenceNumber;
          if (last) {
            positions.set(shard, last);
            if (file && newest?.eventID)
              delivered.push({
                at: Date.now(),
                position: { streamArn, shard, sequenceNumber: last, eventID: newest.eventID },
              });
          }
          if (r.NextShardIterator) iterators.set(shard, r.NextShardIterator);
          else {
            iterators.delete(shard);
            done.add(shard);
          }
        }
        await checkpoint();
        idleSince.set(name, read === 0 ? began : undefined);
        if (read === 0) await pacer.wait();
        else pacer.found();
      } catch (e) {
        if (stopped) break;
        console.error(`[streams] ${name}: reading the stream failed`, e);
        iterators.clear();
        ahead.clear();
        await sleep(1000);
      }
    }
  };

  const loops = fns.map((f, i) => run(f.name, f.def.trigger, pacers[i] as Pacer));
  const poller: StreamPoller = {
    async stop() {
      stopped = true;
      for (const p of pacers) p.end();
      await Promise.all(loops);
      own?.destroy();
      s3?.destroy();
    },
    wake() {
      lastWrite = Date.now();
      for (const p of pacers) p.wake();
    },
    drained(marginMs = 50) {
      return fns.every((f) => (idleSince.get(f.name) ?? Number.NEGATIVE_INFINITY) > lastWrite + marginMs);
    },
  };
  for (const client of opts.wakeOn ?? []) wakeOnWrites(client, poller);
  return poller;
};
