import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  type DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createTestTable, dynamoClients, emulators } from '../../test/harness.ts';
import { securityNoticeTypes } from '../domain/security-notices.ts';
import { functions, type StreamFilter } from '../functions.ts';
import { retriedFrom } from '../handlers/in-order.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './bootstrap.ts';
import { LOCAL_FAILED_BATCHES_BUCKET } from './s3.ts';
import {
  batchOutcome,
  mappingIdOf,
  matchesFilter,
  type StreamPoller,
  startStreamPoller,
  toLambdaRecord,
} from './streams.ts';

/**
 * A stream handler that takes a batch's records one by one in stream order and stops at the first
 * that fails: it and the rest are reported as failures (at the batch's first record the invocation
 * fails: `retriedFrom`), so the poller retries from it.
 */
const processInOrder = async (
  records: readonly DynamoDBRecord[],
  processRecord: (r: DynamoDBRecord) => Promise<unknown>,
): Promise<DynamoDBBatchResponse> => {
  for (const [i, r] of records.entries()) {
    try {
      await processRecord(r);
    } catch (error) {
      return retriedFrom(records, i, error);
    }
  }
  return { batchItemFailures: [] };
};

describe('stream records as Lambda delivers them', () => {
  it('a TTL deletion (UNKNOWN_TO_SDK_VERSION) is a REMOVE by the DynamoDB service; times in seconds, binaries base64', () => {
    const r = toLambdaRecord(
      {
        eventID: 'e1',
        eventName: 'UNKNOWN_TO_SDK_VERSION' as never,
        dynamodb: {
          ApproximateCreationDateTime: new Date('2026-11-30T10:00:00.900Z'),
          Keys: { pk: { S: 'A' }, sk: { S: 'B' } },
          OldImage: { pk: { S: 'A' }, blob: { B: new Uint8Array([1, 2, 3]) }, n: { N: '5' } },
          SequenceNumber: '100',
          SizeBytes: 10,
          StreamViewType: 'NEW_AND_OLD_IMAGES',
        },
      },
      'arn:stream',
      'us-east-1',
    );
    expect(r).toMatchObject({
      eventName: 'REMOVE',
      eventSource: 'aws:dynamodb',
      eventSourceARN: 'arn:stream',
      userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
      dynamodb: {
        ApproximateCreationDateTime: Date.parse('2026-11-30T10:00:00Z') / 1000,
        OldImage: { pk: { S: 'A' }, blob: { B: 'AQID' }, n: { N: '5' } },
        SequenceNumber: '100',
      },
    });
    expect(r.dynamodb?.NewImage).toBeUndefined();
  });

  it('an empty map, which the SDK decodes to a value with no member, is an empty map again', () => {
    const r = toLambdaRecord(
      {
        eventID: 'e2',
        eventName: 'INSERT',
        dynamodb: {
          Keys: { pk: { S: 'A' }, sk: { S: 'B' } },
          NewImage: { pk: { S: 'A' }, holds: {} as never, l: { L: [] }, n: { M: { x: {} as never } } },
          SequenceNumber: '101',
        },
      },
      'arn:stream',
      'us-east-1',
    );
    expect(r.dynamodb?.NewImage).toEqual({
      pk: { S: 'A' },
      holds: { M: {} },
      l: { L: [] },
      n: { M: { x: { M: {} } } },
    });
  });
});

describe("a function's filter, read off the record as the SDK gives it (before any conversion)", () => {
  const sdk = (eventName: string, entity?: string) =>
    ({
      eventName,
      dynamodb: entity === undefined ? {} : { NewImage: { entity: { S: entity }, id: { S: 'x' } } },
    }) as never;
  const stream = functions.stream.trigger;
  const settler = functions.settler.trigger;

  it('takes the record kinds and entities it names, and nothing else', () => {
    expect(matchesFilter(sdk('INSERT', 'journal'), stream)).toBe(true);
    expect(matchesFilter(sdk('MODIFY', 'account'), stream)).toBe(true);
    expect(matchesFilter(sdk('INSERT', 'posting'), stream)).toBe(false);
    expect(matchesFilter(sdk('INSERT', 'credit'), settler)).toBe(true);
    expect(matchesFilter(sdk('MODIFY', 'credit'), settler)).toBe(false);
    // A TTL deletion (an event name the SDK does not know) is a REMOVE, with no new image.
    expect(matchesFilter(sdk('UNKNOWN_TO_SDK_VERSION'), stream)).toBe(false);
    expect(
      matchesFilter(sdk('UNKNOWN_TO_SDK_VERSION'), { filters: [{ eventNames: ['REMOVE'], entities: [''] }] }),
    ).toBe(true);
  });

  it("takes an appended audit record only for the actions its filter names (a security notice's), never a login's", () => {
    const audit = (action: string) =>
      ({
        eventName: 'INSERT',
        dynamodb: { NewImage: { entity: { S: 'audit' }, action: { S: action } } },
      }) as never;
    expect(matchesFilter(audit('password_changed'), stream)).toBe(true);
    expect(matchesFilter(audit('registration_repeated'), stream)).toBe(true);
    expect(matchesFilter(audit('login_succeeded'), stream)).toBe(false);
    // The registry's actions are the notices' (src/domain/security-notices.ts).
    const filters: readonly StreamFilter[] = stream.filters;
    const appended = filters.find((f) => f.eventNames.includes('INSERT') && f.entities.includes('audit'));
    expect([...(appended?.actions ?? [])].sort()).toEqual(Object.keys(securityNoticeTypes).sort());
  });
});

describe('the local stream poller', () => {
  let table: string;
  let poller: StreamPoller;
  const seen: DynamoDBRecord[][] = [];
  const calls: string[][] = [];

  beforeAll(async () => {
    table = await createTestTable('streams', { stream: true });
    const handler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
      calls.push(event.Records.map((r) => r.dynamodb?.NewImage?.id?.S ?? ''));
      seen.push(event.Records);
      return { batchItemFailures: [] };
    };
    poller = await startStreamPoller({
      dynamodbEndpoint: emulators().dynamodbEndpoint,
      tableName: table,
      region: LOCAL_REGION,
      functions: ['settler'],
      handlers: { settler: handler },
      pollMs: 20,
    });
  });
  afterAll(() => poller?.stop());

  const put = (item: Record<string, unknown>) =>
    dynamoClients().doc.send(
      new PutCommand({ TableName: table, Item: { pk: `P#${randomUUID()}`, sk: 'S', ...item } }),
    );

  it('gives the function a DynamoDBStreamEvent of the records its filter lets through', async () => {
    const id = randomUUID();
    await put({ entity: 'account', id: 'not-for-the-settler' });
    await put({ entity: 'credit', id, amount: 5, tags: ['a'] });
    const r = await vi.waitFor(
      () => {
        const found = seen.flat().find((x) => x.dynamodb?.NewImage?.id?.S === id);
        expect(found).toBeDefined();
        return found as DynamoDBRecord;
      },
      { timeout: 10_000, interval: 20 },
    );
    expect(r).toMatchObject({
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      awsRegion: LOCAL_REGION,
      dynamodb: {
        NewImage: { entity: { S: 'credit' }, id: { S: id }, amount: { N: '5' }, tags: { L: [{ S: 'a' }] } },
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    });
    expect(typeof r.dynamodb?.ApproximateCreationDateTime).toBe('number');
    expect(seen.flat().some((x) => x.dynamodb?.NewImage?.id?.S === 'not-for-the-settler')).toBe(false);
  });

  it('the function’s filter: an update of a credit item (MODIFY) is not given to the settler', async () => {
    const id = randomUUID();
    const key = { pk: `P#${id}`, sk: 'S' };
    await dynamoClients().doc.send(
      new PutCommand({ TableName: table, Item: { ...key, entity: 'credit', id } }),
    );
    await dynamoClients().doc.send(
      new UpdateCommand({
        TableName: table,
        Key: key,
        UpdateExpression: 'SET n = :n',
        ExpressionAttributeValues: { ':n': 1 },
      }),
    );
    const marker = randomUUID();
    await put({ entity: 'credit', id: marker });
    await vi.waitFor(
      () => expect(seen.flat().some((x) => x.dynamodb?.NewImage?.id?.S === marker)).toBe(true),
      {
        timeout: 10_000,
        interval: 20,
      },
    );
    const mine = seen.flat().filter((x) => x.dynamodb?.NewImage?.id?.S === id);
    expect(mine.map((x) => x.eventName)).toEqual(['INSERT']);
  });
});

/** A streams client of its own on DynamoDB Local, for a test to wrap. */
const realStreams = () =>
  new DynamoDBStreamsClient({
    endpoint: emulators().dynamodbEndpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });

/** Writes a `credit` item with the id `id` (a record the settler's filter lets through). */
const putEvent = (table: string) => (id: string) =>
  dynamoClients().doc.send(
    new PutCommand({ TableName: table, Item: { pk: `P#${id}`, sk: 'S', entity: 'credit', id } }),
  );

/** A poller of the settler alone over `table`, at a pace of 20 ms, given `handler` as its handler. */
const settlerPoller = (
  table: string,
  handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>,
  more: Partial<Parameters<typeof startStreamPoller>[0]> = {},
) =>
  startStreamPoller({
    dynamodbEndpoint: emulators().dynamodbEndpoint,
    tableName: table,
    region: LOCAL_REGION,
    functions: ['settler'],
    handlers: { settler: handler },
    pollMs: 20,
    ...more,
  });

describe("what an answer makes of its batch, by Lambda's rules for partial batch responses", () => {
  const batch = ['10', '20', '30'].map((n) => ({ dynamodb: { SequenceNumber: n } }) as DynamoDBRecord);
  it('passes with no answer or no failures, and retries from the lowest failed record named', () => {
    for (const answer of [undefined, null, {}, { batchItemFailures: [] }, { batchItemFailures: null }])
      expect(batchOutcome(batch, answer).failedAt).toBe(-1);
    const r = batchOutcome(batch, {
      batchItemFailures: [{ itemIdentifier: '30' }, { itemIdentifier: '20' }],
    });
    expect(r).toMatchObject({ failedAt: 1, partial: true });
  });

  it('an empty, absent or misnamed itemIdentifier, or one of no record of the batch, fails the invocation', () => {
    for (const failures of [
      [{ itemIdentifier: '' }],
      [{ itemIdentifier: null }],
      [{ itemIdentifer: '20' }],
      [{ itemIdentifier: '20' }, {}],
      [{ itemIdentifier: '99' }],
      'not a list',
    ])
      expect(batchOutcome(batch, { batchItemFailures: failures })).toMatchObject({
        failedAt: 0,
        partial: false,
      });
  });
});

describe('the local stream poller, on a record that keeps failing', () => {
  const idOf = (r: DynamoDBRecord) => r.dynamodb?.NewImage?.id?.S ?? '';
  /** Records written before the poller starts: its first read gives them in one batch. */
  const run = async (
    ids: string[],
    handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>,
    until: (failed: string[]) => boolean,
  ) => {
    const table = await createTestTable('streams-poison', { stream: true });
    for (const id of ids) await putEvent(table)(id);
    const failed: string[] = [];
    const poller = await settlerPoller(table, handler, {
      onFailure: (_fn, records) => {
        failed.push(...records.map(idOf));
      },
    });
    try {
      await vi.waitFor(() => expect(until(failed)).toBe(true), { timeout: 20_000, interval: 20 });
    } finally {
      await poller.stop();
    }
    return failed;
  };
  const retries = functions.settler.trigger.retryAttempts;

  it('a partial batch response is retried from the failed record with the rest of its batch, whole; then all of them go to the on-failure destination', async () => {
    const [before, poison, after] = ['before', 'poison', 'after'].map((x) => `${x}-${randomUUID()}`);
    const calls: string[][] = [];
    const failed = await run(
      [before as string, poison as string, after as string],
      async (e) => {
        calls.push(e.Records.map(idOf));
        const bad = e.Records.find((r) => idOf(r) === poison);
        return { batchItemFailures: bad ? [{ itemIdentifier: bad.dynamodb?.SequenceNumber ?? '' }] : [] };
      },
      (f) => f.length > 0,
    );
    // As Lambda does ("bisected at the returned sequence number", only the remaining records retried).
    expect(calls).toEqual([
      [before, poison, after],
      ...Array.from({ length: retries }, () => [poison, after]),
    ]);
    expect(failed).toEqual([poison, after]);
  }, 30_000);

  it("an in-order handler (processInOrder) fails the invocation at a batch's first record: bisected down to the record alone, which goes to the on-failure destination; those after it are handled, in order", async () => {
    const ids = ['a', 'poison', 'b', 'c'].map((x) => `${x}-${randomUUID()}`);
    const [a, poison, b, c] = ids;
    const handled: string[] = [];
    const failed = await run(
      ids,
      (e) =>
        processInOrder(e.Records, async (r) => {
          if (idOf(r) === poison) throw new Error('poison');
          handled.push(idOf(r));
        }),
      (f) => f.length > 0 && handled.includes(c as string),
    );
    expect(failed).toEqual([poison]);
    expect(handled).toEqual([a, b, c]);
  }, 30_000);
});

describe('the local stream poller, on a batch that still fails: the failed-batches bucket (as on AWS)', () => {
  it("writes Lambda's invocation record for an S3 destination to s3rver's failed-batches bucket, the batch's records as its payload, at the key AWS names", async () => {
    const table = await createTestTable('streams-failed', { stream: true });
    const idOf = (r: DynamoDBRecord) => r.dynamodb?.NewImage?.id?.S ?? '';
    const [before, poison, after] = ['before', 'poison', 'after'].map((x) => `${x}-${randomUUID()}`);
    for (const id of [before, poison, after]) await putEvent(table)(id as string);
    const described = await dynamoClients().doc.send(new DescribeTableCommand({ TableName: table }));
    const streamArn = described.Table?.LatestStreamArn as string;
    const { endpoint } = inject('s3');
    const s3 = new S3Client({
      endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      forcePathStyle: true,
    });
    const prefix = `aws/lambda/${mappingIdOf('settler', streamArn)}/`;
    const delivered: string[][] = [];
    // As `npm start` sets it (src/local/s3.ts s3Env): no onFailure, no failedBatches given.
    vi.stubEnv('AWS_ENDPOINT_URL_S3', endpoint);
    const poller = await settlerPoller(table, async (e) => {
      delivered.push(e.Records.map(idOf));
      const bad = e.Records.find((r) => idOf(r) === poison);
      return { batchItemFailures: bad ? [{ itemIdentifier: bad.dynamodb?.SequenceNumber ?? '' }] : [] };
    });
    vi.unstubAllEnvs();
    let keys: string[] = [];
    try {
      keys = await vi.waitFor(
        async () => {
          const listed = await s3.send(
            new ListObjectsV2Command({ Bucket: LOCAL_FAILED_BATCHES_BUCKET, Prefix: prefix }),
          );
          const found = (listed.Contents ?? []).map((o) => o.Key as string);
          expect(found).toHaveLength(1);
          return found;
        },
        { timeout: 20_000, interval: 50 },
      );
    } finally {
      await poller.stop();
    }
    const [key] = keys;
    expect(key).toMatch(
      /^aws\/lambda\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/[^/]+\/\d{4}\/\d{2}\/\d{2}\/\d{4}-\d{2}-\d{2}T\d{2}\.\d{2}\.\d{2}-[0-9a-f-]{36}$/,
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: LOCAL_FAILED_BATCHES_BUCKET, Key: key }));
    const record = JSON.parse(
      await (got.Body as { transformToString(): Promise<string> }).transformToString(),
    );
    s3.destroy();
    const retries = functions.settler.trigger.retryAttempts;
    // The partial batch response's records, retried from the failed one with the rest of the batch.
    const payload = JSON.parse(record.payload) as DynamoDBStreamEvent;
    expect(payload.Records.map(idOf)).toEqual([poison, after]);
    const last = delivered[delivered.length - 1] as string[];
    expect(last).toEqual([poison, after]);
    const seqs = payload.Records.map((r) => r.dynamodb?.SequenceNumber);
    expect(record).toMatchObject({
      requestContext: {
        functionArn: `arn:aws:lambda:${LOCAL_REGION}:000000000000:function:settler`,
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: retries + 1,
      },
      // A partial batch response is no function error.
      responseContext: { statusCode: 200, executedVersion: '$LATEST' },
      version: '1.0',
      DDBStreamBatchInfo: {
        shardId: key?.split('/')[3],
        startSequenceNumber: seqs[0],
        endSequenceNumber: seqs[1],
        approximateArrivalOfFirstRecord: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
        approximateArrivalOfLastRecord: expect.stringMatching(/Z$/),
        batchSize: 2,
        streamArn,
      },
    });
    expect(record.responseContext.functionError).toBeUndefined();
    expect(Number.isNaN(Date.parse(record.timestamp))).toBe(false);
    // The images themselves, as the function was given them.
    expect(payload.Records[0]?.dynamodb?.NewImage).toMatchObject({
      entity: { S: 'credit' },
      id: { S: poison },
    });
  }, 30_000);
});

describe('the local stream poller, drained', () => {
  it('is drained only once every reader has read past the last write and its function handled it', async () => {
    const table = await createTestTable('streams-drain', { stream: true });
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    const given: string[] = [];
    const handled: string[] = [];
    const poller = await settlerPoller(table, async (e) => {
      given.push(...e.Records.map((r) => r.dynamodb?.NewImage?.id?.S ?? ''));
      await held;
      handled.push(...e.Records.map((r) => r.dynamodb?.NewImage?.id?.S ?? ''));
      return { batchItemFailures: [] };
    });
    try {
      await vi.waitFor(() => expect(poller.drained()).toBe(true), { timeout: 10_000, interval: 20 });
      const id = randomUUID();
      await putEvent(table)(id);
      // As the stack's own clients do after each write.
      poller.wake();
      expect(poller.drained()).toBe(false);
      // The function holds the record: not drained.
      await vi.waitFor(() => expect(given).toContain(id), { timeout: 10_000, interval: 20 });
      expect(poller.drained()).toBe(false);
      release();
      await vi.waitFor(() => expect(poller.drained()).toBe(true), { timeout: 10_000, interval: 20 });
      expect(handled).toContain(id);
    } finally {
      release();
      await poller.stop();
    }
  }, 30_000);
});

describe('the local stream poller, behind a stream that trimmed what it had not read', () => {
  it('loses the trimmed records, says so, and goes on from the oldest record kept', async () => {
    const table = await createTestTable('streams-trim', { stream: true });
    const real = realStreams();
    // The stream as it stands a day later: while `asleep` the reader reads nothing (its iterator
    // stays where it was); the trim then drops every record written so far, as 24 hours would, and
    // every iterator taken before it is void: a read with one fails, even a read begun before the
    // trim that answers after it (else such a read could deliver what follows the trim, and the
    // reader would never learn it had lost anything).
    let asleep = false;
    let trimDone = false;
    const fresh = new Set<string>();
    let newest = 0n;
    let trimmedTo = -1n;
    const unread: string[] = [];
    let readAt: string | undefined;
    const fault = (name: string) => Object.assign(new Error(name), { name });
    const streams = {
      send: async (command: GetRecordsCommand | GetShardIteratorCommand | DescribeStreamCommand) => {
        if (command instanceof GetShardIteratorCommand) {
          // Checked again once answered: an iterator asked for before the trim is void after it.
          const after = command.input.SequenceNumber;
          const gone = () => after !== undefined && BigInt(after) <= trimmedTo;
          const takenAfterTrim = trimDone;
          if (gone()) throw fault('TrimmedDataAccessException');
          const r = await real.send(command);
          if (gone()) throw fault('TrimmedDataAccessException');
          if (takenAfterTrim && r.ShardIterator) fresh.add(r.ShardIterator);
          return r;
        }
        if (command instanceof GetRecordsCommand) {
          const isVoid = () => trimDone && !fresh.has(command.input.ShardIterator ?? '');
          if (isVoid()) throw fault('TrimmedDataAccessException');
          const r = await real.send(command);
          if (isVoid()) throw fault('TrimmedDataAccessException');
          for (const x of r.Records ?? []) {
            if (x.dynamodb?.NewImage?.id?.S === 'read') readAt = x.dynamodb?.SequenceNumber;
            const n = BigInt(x.dynamodb?.SequenceNumber ?? '0');
            if (n > newest) newest = n;
          }
          if (asleep) {
            unread.push(...(r.Records ?? []).map((x) => x.dynamodb?.NewImage?.id?.S ?? ''));
            return { Records: [], NextShardIterator: command.input.ShardIterator };
          }
          if (trimDone && r.NextShardIterator) fresh.add(r.NextShardIterator);
          const kept = (r.Records ?? []).filter((x) => BigInt(x.dynamodb?.SequenceNumber ?? '0') > trimmedTo);
          return { ...r, Records: kept };
        }
        return real.send(command as DescribeStreamCommand);
      },
    } as unknown as DynamoDBStreamsClient;
    const delivered: string[] = [];
    const trimmed: { fn: string; after: string }[] = [];
    const poller = await settlerPoller(
      table,
      async (event) => {
        delivered.push(...event.Records.map((r) => r.dynamodb?.NewImage?.id?.S ?? ''));
        return { batchItemFailures: [] };
      },
      { streams, onTrimmed: (fn, _shard, after) => trimmed.push({ fn, after }) },
    );
    try {
      const put = putEvent(table);
      await put('read');
      await vi.waitFor(() => expect(delivered).toContain('read'), { timeout: 10_000, interval: 20 });
      asleep = true;
      await put('lost');
      // The reader has looked at the stream since and, asleep, read nothing.
      await vi.waitFor(() => expect(unread).toContain('lost'), { timeout: 10_000, interval: 20 });
      trimmedTo = newest;
      trimDone = true;
      asleep = false;
      await put('after');
      await vi.waitFor(() => expect(delivered).toContain('after'), { timeout: 10_000, interval: 20 });
      expect(delivered).not.toContain('lost');
      expect(trimmed).toHaveLength(1);
      expect(trimmed[0]?.fn).toBe('settler');
      // It had read up to 'read': the records after it were gone.
      expect(trimmed[0]?.after).toBe(readAt);
    } finally {
      await poller.stop();
      real.destroy();
    }
  }, 30_000);
});

describe('the local stream poller reads ahead', () => {
  it("reads the shard's next records while a batch is delivered, and delivers each record once, in order", async () => {
    const table = await createTestTable('streams-ahead', { stream: true });
    const real = realStreams();
    // GetRecords calls begun, and which of them read the first record.
    let reads = 0;
    let readFirst = 0;
    const streams = {
      send: async (command: GetRecordsCommand | GetShardIteratorCommand | DescribeStreamCommand) => {
        if (!(command instanceof GetRecordsCommand)) return real.send(command as DescribeStreamCommand);
        const n = ++reads;
        const r = await real.send(command);
        if (r.Records?.some((x) => x.dynamodb?.NewImage?.id?.S === 'first')) readFirst = n;
        return r;
      },
    } as unknown as DynamoDBStreamsClient;
    const put = putEvent(table);
    const delivered: string[] = [];
    // Whether the read after the one that found the first record had begun when the function had it.
    let readAhead: boolean | undefined;
    const poller = await settlerPoller(
      table,
      async (event) => {
        const ids = event.Records.map((r) => r.dynamodb?.NewImage?.id?.S ?? '');
        delivered.push(...ids);
        if (ids.includes('first')) {
          readAhead = reads > readFirst;
          await put('during');
          await put('after');
        }
        return { batchItemFailures: [] };
      },
      { streams },
    );
    try {
      await put('first');
      await vi.waitFor(() => expect(delivered).toContain('after'), { timeout: 10_000, interval: 20 });
      await put('last');
      await vi.waitFor(() => expect(delivered).toContain('last'), { timeout: 10_000, interval: 20 });
      expect(readAhead).toBe(true);
      expect(delivered).toEqual(['first', 'during', 'after', 'last']);
    } finally {
      await poller.stop();
      real.destroy();
    }
  }, 30_000);
});

describe('the local stream poller across restarts (positionsDir)', () => {
  const eventIds = (event: DynamoDBStreamEvent) =>
    event.Records.map((r) => r.dynamodb?.NewImage?.id?.S ?? '');

  /** Runs a settler poller until `until` is delivered, then stops it; returns what it delivered. */
  const runUntil = async (
    table: string,
    dir: string,
    until: string,
    write: () => Promise<unknown>,
    resumeBehindMs = 0,
  ) => {
    const delivered: string[] = [];
    const poller = await settlerPoller(
      table,
      async (event) => {
        delivered.push(...eventIds(event));
        return { batchItemFailures: [] };
      },
      { positionsDir: dir, resumeBehindMs },
    );
    try {
      await write();
      await vi.waitFor(() => expect(delivered).toContain(until), { timeout: 10_000, interval: 20 });
    } finally {
      await poller.stop();
    }
    return delivered;
  };

  it('a reader started again goes on after the last record it delivered, as a mapping keeps its position', async () => {
    const table = await createTestTable('streams-resume', { stream: true });
    const dir = await mkdtemp(join(tmpdir(), 'bank-positions-'));
    const put = putEvent(table);
    expect(
      await runUntil(table, dir, 'two', async () => {
        await put('one');
        await put('two');
      }),
    ).toEqual(['one', 'two']);
    // Written while no reader ran: delivered at the next start, and nothing before it again.
    await put('three');
    expect(await runUntil(table, dir, 'four', () => put('four'))).toEqual(['three', 'four']);
  }, 30_000);

  it('the position saved is one delivered long enough ago: what came after it is delivered again', async () => {
    const table = await createTestTable('streams-behind', { stream: true });
    const dir = await mkdtemp(join(tmpdir(), 'bank-positions-'));
    const put = putEvent(table);
    // Delivered less than a minute ago: the function's writes for them might not have outlived a crash
    // of DynamoDB Local, so the position saved stays before them.
    await runUntil(table, dir, 'one', () => put('one'), 60_000);
    expect(await runUntil(table, dir, 'two', () => put('two'), 60_000)).toEqual(['one', 'two']);
  }, 30_000);

  it('a positions file that is not one is read as no position', async () => {
    const table = await createTestTable('streams-garbled', { stream: true });
    const dir = await mkdtemp(join(tmpdir(), 'bank-positions-'));
    await writeFile(join(dir, 'settler.json'), '');
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await runUntil(table, dir, 'one', () => putEvent(table)('one'))).toEqual(['one']);
      expect(errors.mock.calls.flat().join(' ')).toMatch(/settler: .* is not a position/);
    } finally {
      errors.mockRestore();
    }
  }, 30_000);

  it('a saved position whose record is no longer in the stream (lost in a crash) reads from the start again', async () => {
    const table = await createTestTable('streams-lost', { stream: true });
    const dir = await mkdtemp(join(tmpdir(), 'bank-positions-'));
    const put = putEvent(table);
    await runUntil(table, dir, 'one', () => put('one'));
    // The record at the saved number is another one than the reader delivered (DynamoDB Local lost it
    // and gave its number to a later write): the position cannot be trusted.
    const file = join(dir, 'settler.json');
    await writeFile(file, JSON.stringify({ ...JSON.parse(await readFile(file, 'utf8')), eventID: 'not-it' }));
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await runUntil(table, dir, 'two', () => put('two'))).toEqual(['one', 'two']);
      expect(errors.mock.calls.flat().join(' ')).toMatch(
        /settler: the record at its saved position .* is no longer the one it delivered/,
      );
    } finally {
      errors.mockRestore();
    }
  }, 30_000);
});
