/**
 * The stream poller's pace offline (src/local/streams.ts `Pacer`, `wakeOnWrites`): waits that grow
 * while reads come back empty, and writes of the stack's own client that cut them short. On fake
 * timers and a fake DynamoDB endpoint: nothing here waits on a clock.
 */
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Pacer, WAKE_MS, wakeOnWrites } from './streams.ts';

describe('Pacer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** The waits of `n` empty reads in a row. */
  const waits = (p: Pacer, n: number) =>
    Array.from({ length: n }, () => {
      const ms = p.nextWaitMs();
      void p.wait();
      vi.runAllTimers();
      return ms;
    });

  it('waits pollMs for a second of empty reads, then doubles up to idleMs', () => {
    expect(waits(new Pacer(250, 2000), 9)).toEqual([250, 250, 250, 250, 500, 1000, 2000, 2000, 2000]);
    // idleMs equal to pollMs: one pace, as the unit tests' pollers keep.
    expect(waits(new Pacer(50, 50), 30)).toEqual(Array(30).fill(50));
  });

  it('starts again from pollMs after a read that found records', () => {
    const p = new Pacer(250, 2000);
    waits(p, 7);
    p.found();
    expect(waits(p, 5)).toEqual([250, 250, 250, 250, 500]);
  });

  it('a write ends a long wait within WAKE_MS, and the waits start again from pollMs', async () => {
    const p = new Pacer(250, 2000);
    waits(p, 7);
    let over = false;
    const waiting = p.wait().then(() => {
      over = true;
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(over).toBe(false);
    p.wake();
    await vi.advanceTimersByTimeAsync(WAKE_MS - 1);
    expect(over).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await waiting;
    expect(over).toBe(true);
    expect(p.nextWaitMs()).toBe(250);
  });

  it('a write leaves a wait of pollMs alone: while writes come, no more than a read per pollMs', async () => {
    const p = new Pacer(250, 2000);
    let over = false;
    const waiting = p.wait().then(() => {
      over = true;
    });
    await vi.advanceTimersByTimeAsync(10);
    p.wake();
    await vi.advanceTimersByTimeAsync(WAKE_MS + 100);
    expect(over).toBe(false);
    await vi.advanceTimersByTimeAsync(250 - 10 - WAKE_MS - 100);
    await waiting;
    expect(over).toBe(true);
  });

  it('a write does not put off an idle wait about to end', async () => {
    const p = new Pacer(250, 2000);
    waits(p, 7);
    let over = false;
    const waiting = p.wait().then(() => {
      over = true;
    });
    await vi.advanceTimersByTimeAsync(2000 - WAKE_MS + 5);
    p.wake();
    await vi.advanceTimersByTimeAsync(WAKE_MS - 5);
    await waiting;
    expect(over).toBe(true);
  });

  it('end() ends the wait under way, and later waits at once', async () => {
    const p = new Pacer(250, 2000);
    waits(p, 7);
    const waiting = p.wait();
    p.end();
    await waiting;
    let later = false;
    await p.wait().then(() => {
      later = true;
    });
    expect(later).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('wakeOnWrites', () => {
  /** A client whose endpoint answers every request with `status` and an empty JSON body. */
  const fakeClient = (status: number) =>
    new DynamoDBClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      maxAttempts: 1,
      requestHandler: {
        handle: async () => ({
          response: {
            statusCode: status,
            headers: { 'content-type': 'application/x-amz-json-1.0' },
            body: new Blob([
              status === 200
                ? '{}'
                : '{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"no"}',
            ]).stream(),
          },
        }),
      } as never,
    });

  it('wakes the poller after each write the client makes, and only after a write that succeeded', async () => {
    const client = fakeClient(200);
    const poller = { wake: vi.fn() };
    wakeOnWrites(client, poller);
    await client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' }, sk: { S: 'b' } } }));
    expect(poller.wake).not.toHaveBeenCalled();
    await client.send(new PutItemCommand({ TableName: 't', Item: { pk: { S: 'a' }, sk: { S: 'b' } } }));
    await client.send(new DeleteItemCommand({ TableName: 't', Key: { pk: { S: 'a' }, sk: { S: 'b' } } }));
    // A DocumentClient shares its base client's stack.
    await DynamoDBDocumentClient.from(client).send(
      new UpdateCommand({
        TableName: 't',
        Key: { pk: 'a', sk: 'b' },
        UpdateExpression: 'SET n = :n',
        ExpressionAttributeValues: { ':n': 1 },
      }),
    );
    expect(poller.wake).toHaveBeenCalledTimes(3);

    const refusing = fakeClient(400);
    const other = { wake: vi.fn() };
    wakeOnWrites(refusing, other);
    await expect(
      refusing.send(new PutItemCommand({ TableName: 't', Item: { pk: { S: 'a' }, sk: { S: 'b' } } })),
    ).rejects.toThrow();
    expect(other.wake).not.toHaveBeenCalled();
  });
});
