/**
 * The guard's gate (src/store/guard-gate.ts): inside `afterGuard`, a read is sent at once and anything
 * else waits for the guard, and is never sent if the guard refuses (test/recording-client.ts records
 * what reached the wire, and when).
 */
import {
  GetItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { recordingDynamo as recording } from '../../test/recording-client.ts';
import { BankError } from '../domain/errors.ts';
import { createDocumentClient } from './db.ts';
import { afterGuard, guardPassed, READ_COMMANDS } from './guard-gate.ts';

/** A guard the test decides: `pass()` or `refuse()`. */
const pending = () => {
  let pass = () => {};
  let refuse = (_e: Error) => {};
  const guard = new Promise<void>((resolve, reject) => {
    pass = resolve;
    refuse = reject;
  });
  // The HTTP layer awaits the guard itself; here an unawaited refusal must not be unhandled.
  guard.catch(() => {});
  return { guard, pass: () => pass(), refuse: (e: Error) => refuse(e) };
};

const get = new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } });
const query = new QueryCommand({ TableName: 't', KeyConditionExpression: 'pk = :p' });
const write = new TransactWriteItemsCommand({
  TransactItems: [{ Put: { TableName: 't', Item: { pk: { S: 'a' } } } }],
});
const update = new UpdateItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } });

/** Lets every pending callback run (the middleware stack takes several turns). */
const settle = () => new Promise<void>((r) => setImmediate(r));

describe("a customer route's guard and its handler, side by side", () => {
  it('reads go before the guard has passed', async () => {
    const { client, sent } = recording();
    const { guard } = pending();
    await afterGuard(guard, async () => {
      await client.send(get);
      await client.send(query);
    });
    expect(sent).toEqual(['GetItem', 'Query']);
  });

  it('a write waits for the guard, then goes', async () => {
    const { client, sent } = recording();
    const { guard, pass } = pending();
    const done = afterGuard(guard, () => client.send(write));
    for (let i = 0; i < 5; i++) await settle();
    expect(sent).toEqual([]);
    pass();
    await done;
    expect(sent).toEqual(['TransactWriteItems']);
  });

  it("a write under a guard that refuses is never sent, and fails with the guard's refusal", async () => {
    const { client, sent } = recording();
    const { guard, refuse } = pending();
    const writes = afterGuard(guard, () => Promise.allSettled([client.send(write), client.send(update)]));
    await settle();
    refuse(new BankError('user_disabled'));
    const outcomes = await writes;
    expect(outcomes.map((o) => o.status === 'rejected' && (o.reason as BankError).code)).toEqual([
      'user_disabled',
      'user_disabled',
    ]);
    expect(sent).toEqual([]);
  });

  it('the same through the DocumentClient, as the stores call it', async () => {
    const { client, sent } = recording();
    const doc = createDocumentClient(client);
    const { guard, pass } = pending();
    const done = afterGuard(guard, async () => {
      await doc.send(new GetCommand({ TableName: 't', Key: { pk: 'a' }, ConsistentRead: true }));
      await Promise.all([
        doc.send(
          new UpdateCommand({
            TableName: 't',
            Key: { pk: 'a' },
            UpdateExpression: 'SET v = :v',
            ExpressionAttributeValues: { ':v': 1 },
          }),
        ),
        doc.send(
          new TransactWriteCommand({ TransactItems: [{ Put: { TableName: 't', Item: { pk: 'b' } } }] }),
        ),
      ]);
    });
    for (let i = 0; i < 5; i++) await settle();
    expect(sent).toEqual(['GetItem']);
    pass();
    await done;
    expect(sent.slice(1).sort()).toEqual(['TransactWriteItems', 'UpdateItem']);
  });

  it('guardPassed(): waits for the guard in a guarded handler, throws its refusal, and is at once elsewhere', async () => {
    await expect(guardPassed()).resolves.toBeUndefined();
    const passing = pending();
    let passed = false;
    const waited = afterGuard(passing.guard, () => guardPassed().then(() => (passed = true)));
    for (let i = 0; i < 5; i++) await settle();
    expect(passed).toBe(false);
    passing.pass();
    await waited;
    expect(passed).toBe(true);
    const refusing = pending();
    const refused = afterGuard(refusing.guard, guardPassed);
    refusing.refuse(new BankError('unauthorized'));
    await expect(refused).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('lets through only commands that read (a write added here by mistake fails this test)', () => {
    expect([...READ_COMMANDS].sort()).toEqual([
      'AdminGetUserCommand',
      'BatchGetItemCommand',
      'GetItemCommand',
      'GetObjectCommand',
      'HeadObjectCommand',
      'QueryCommand',
      'ScanCommand',
      'TransactGetItemsCommand',
    ]);
  });

  it('outside a guarded handler nothing waits (the guard itself, staff routes, stream functions)', async () => {
    const { client, sent } = recording();
    await client.send(write);
    expect(sent).toEqual(['TransactWriteItems']);
  });
});
