/**
 * The stream function's notices to the notifier, through the local pieces: the stream handler stores a
 * batch's events on DynamoDB Local and invokes the notifier with the SDK's Lambda client, which reaches
 * the local Invoke endpoint (src/local/async-invoke.ts), which runs the notifier (SES a stand-in). An
 * event's email is sent once, and once only when the stream batch is retried. And the payloads' cut.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUser } from '../../test/banking.ts';
import { createTestTable, useHandlerEnv } from '../../test/harness.ts';
import { transferPosted, transferUnclaimed } from '../../test/stream-records.ts';
import { type AsyncInvokeEndpoint, startAsyncInvoke } from '../local/async-invoke.ts';
import { LOCAL_REGION } from '../local/bootstrap.ts';
import { runAs } from '../local/iam.ts';
import { type NotifierDeps, handler as notifier, useNotifierDeps } from './notifier.ts';
import { chunkNotices, MAX_NOTICE_EVENTS, type Notice } from './notify.ts';
import { processRecords } from './stream.ts';

let table: string;
let endpoint: AsyncInvokeEndpoint;
let restoreEnv: () => void;
let restoreDeps: () => void;
/** Every SendEmail the stand-in SES was given, as "to: subject". */
const sent: string[] = [];
/** Each notifier invocation's outcome, and a promise of the `n`-th. */
const outcomes: (string | undefined)[] = [];
const waiting = new Map<number, () => void>();
const invocations = (n: number) =>
  new Promise<void>((resolve) => {
    if (outcomes.length >= n) resolve();
    else waiting.set(n, resolve);
  });

beforeAll(async () => {
  table = await createTestTable('notify', { stream: true });
  endpoint = await startAsyncInvoke({
    region: LOCAL_REGION,
    retryDelayMs: () => 0,
    handlers: { notifier },
    onAttempt: (_fn, _attempt, error) => {
      outcomes.push(error === undefined ? 'ok' : String((error as Error).message));
      waiting.get(outcomes.length)?.();
    },
  });
  restoreEnv = useHandlerEnv({
    TABLE_NAME: table,
    BANK_NOTIFIER_FUNCTION: 'notifier',
    AWS_ENDPOINT_URL_LAMBDA: endpoint.endpoint,
  });
  const ses = {
    send: async (command: { input: { Destination?: { ToAddresses?: string[] }; Content?: unknown } }) => {
      const i = command.input as {
        Destination?: { ToAddresses?: string[] };
        Content?: { Simple?: { Subject?: { Data?: string } } };
      };
      sent.push(`${i.Destination?.ToAddresses?.join(',')}: ${i.Content?.Simple?.Subject?.Data}`);
      return { MessageId: randomUUID(), $metadata: {} };
    },
  };
  restoreDeps = useNotifierDeps({ ses: ses as unknown as NotifierDeps['ses'] });
});
afterAll(async () => {
  restoreDeps?.();
  restoreEnv?.();
  await endpoint?.stop();
});

describe('stream → notifier, through the local Invoke endpoint', () => {
  it('a stored event’s email is sent once, and once only when the stream batch is retried', async () => {
    const [alice, bob] = [await newUser(table), await newUser(table)];
    const batch = [transferPosted(alice, bob)];
    // As the stream function: the offline IAM lets it invoke the notifier.
    expect(await runAs('stream', () => processRecords(batch))).toEqual({ batchItemFailures: [] });
    await invocations(1);
    expect(outcomes).toEqual(['ok']);
    // Bob received money (emailed); Alice, who sent it, is not told.
    expect(sent).toEqual([`${bob}@example.com: You received €12.34`]);

    // The same batch again (Lambda's retry of the stream batch): the events are found stored, the
    // notifier is invoked again, and its email mark keeps it from sending twice.
    expect(await runAs('stream', () => processRecords(batch))).toEqual({ batchItemFailures: [] });
    await invocations(2);
    expect(outcomes).toEqual(['ok', 'ok']);
    expect(sent).toHaveLength(1);
  });
});

describe('unclaimed funds, stream → notifier', () => {
  it('the sender is emailed that the bank holds their money; the recipient is not', async () => {
    const [alice, bob] = [await newUser(table), await newUser(table)];
    const before = outcomes.length;
    const from = sent.length;
    expect(await runAs('stream', () => processRecords([transferUnclaimed(alice, bob)]))).toEqual({
      batchItemFailures: [],
    });
    await invocations(before + 1);
    expect(outcomes.slice(before)).toEqual(['ok']);
    expect(sent.slice(from)).toEqual([
      `${alice}@example.com: Your transfer of €12.34 was returned, and we are holding it for you`,
    ]);
  });
});

describe('the notices’ payloads', () => {
  const notice = (size: number): { notice: Notice } => ({
    notice: {
      id: randomUUID(),
      type: 'transaction.posted',
      createdAt: '2026-01-01T00:00:00.000Z',
      ownerId: 'u',
      data: { pad: 'x'.repeat(size) },
    },
  });
  const bytesOf = (chunk: { notice: Notice }[]) =>
    Buffer.byteLength(JSON.stringify({ events: chunk.map((c) => c.notice) }));

  it('cuts at the byte limit and at MAX_NOTICE_EVENTS, in order; an event too large alone is set apart', () => {
    const items = [notice(400), notice(400), notice(400), notice(2000), notice(100)];
    const { chunks, tooLarge } = chunkNotices(items, 1200);
    expect(tooLarge).toEqual([items[3]]);
    expect(chunks.flat()).toEqual([items[0], items[1], items[2], items[4]]);
    for (const c of chunks) expect(bytesOf(c)).toBeLessThanOrEqual(1200);
    // Two 400-byte events fit in 1200 bytes with the envelope; a third does not.
    expect(chunks.map((c) => c.length)).toEqual([2, 2]);
    const many = Array.from({ length: MAX_NOTICE_EVENTS * 2 + 1 }, () => notice(10));
    expect(chunkNotices(many).chunks.map((c) => c.length)).toEqual([MAX_NOTICE_EVENTS, MAX_NOTICE_EVENTS, 1]);
  });

  it('a payload exactly at the limit is one payload', () => {
    const items = [notice(100), notice(100)];
    const exact = bytesOf(items);
    expect(chunkNotices(items, exact).chunks).toHaveLength(1);
    expect(chunkNotices(items, exact - 1).chunks).toHaveLength(2);
  });
});
