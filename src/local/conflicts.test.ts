/**
 * The transaction-conflict emulation on the real DynamoDB Local. A request is held in flight by a
 * middleware that parks its network send on a promise (after the emulation saw it), so overlaps are
 * arranged by events, never by timing.
 */
import {
  BatchGetItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  TransactionConflictException,
  TransactionInProgressException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactGetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestTable, dynamoClients, emulators, useHandlerEnv } from '../../test/harness.ts';
import { db } from '../handlers/context.ts';
import { cancellationCodes, createDocumentClient } from '../store/db.ts';
import { isTransient } from '../store/retry.ts';
import { localClientConfig } from './bootstrap.ts';
import {
  CONFLICT_MIDDLEWARE,
  ConflictEmulator,
  canonicalNumber,
  conflictsEmulated,
  emulateConflicts,
  emulateConflictsEverywhere,
  IN_PROGRESS_MESSAGE,
  MULTIPLE_OPERATIONS_MESSAGE,
} from './conflicts.ts';

/**
 * A client with its own emulator (unless `own: false`) and a gate that can hold the next request's
 * network send.
 */
const heldClient = ({ own = true } = {}) => {
  const client = new DynamoDBClient(localClientConfig(emulators().dynamodbEndpoint));
  const emulator = new ConflictEmulator();
  if (own) emulator.attachTo(client);
  let armed: { sent: () => void; released: Promise<void> } | undefined;
  client.middlewareStack.add(
    (next) => async (args) => {
      const gate = armed;
      armed = undefined;
      if (gate) {
        gate.sent();
        await gate.released;
      }
      return next(args);
    },
    { step: 'deserialize', name: 'testHoldSend' },
  );
  /** The next request stops before its network send until `release`; `sent` resolves when it got there. */
  const holdNext = () => {
    let release = () => {};
    let sent = () => {};
    const released = new Promise<void>((r) => {
      release = r;
    });
    const reached = new Promise<void>((r) => {
      sent = r;
    });
    armed = { sent, released };
    return { sent: reached, release };
  };
  return { client, doc: createDocumentClient(client), emulator, holdNext };
};

let table: string;
beforeAll(async () => {
  table = await createTestTable('conflicts');
});

const key = (pk: string, sk = 'X') => ({ pk, sk });
const put = (pk: string) => ({ Put: { TableName: table, Item: { ...key(pk), v: 1 } } });
const bump = (pk: string) => ({
  Update: {
    TableName: table,
    Key: key(pk),
    UpdateExpression: 'ADD n :one',
    ExpressionAttributeValues: { ':one': 1 },
  },
});
const check = (pk: string) => ({
  ConditionCheck: { TableName: table, Key: key(pk), ConditionExpression: 'attribute_exists(pk)' },
});
const caught = async (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );
const run = (tag: string) => `${tag}-${Math.random().toString(36).slice(2, 8)}`;

describe('a ClientRequestToken resent while its transaction is in flight', () => {
  it('is TransactionInProgressException, not a conflict, and unsent; other tokens on its items still conflict', async () => {
    const { doc, emulator, holdNext } = heldClient();
    const [a, b] = ['a', 'b'].map(run) as [string, string];
    const ClientRequestToken = run('token');
    const hold = holdNext();
    const first = doc.send(new TransactWriteCommand({ TransactItems: [bump(a)], ClientRequestToken }));
    await hold.sent;

    // The same request again (a client's resend), and the token on other items: both in progress.
    for (const items of [[bump(a)], [put(b)]]) {
      const e = await caught(
        doc.send(new TransactWriteCommand({ TransactItems: items, ClientRequestToken })),
      );
      expect(e).toBeInstanceOf(TransactionInProgressException);
      expect((e as Error).message).toBe(IN_PROGRESS_MESSAGE);
      expect((e as TransactionInProgressException).$metadata.httpStatusCode).toBe(400);
    }
    expect((await doc.send(new GetCommand({ TableName: table, Key: key(b) }))).Item).toBeUndefined();
    expect(emulator.counters().total).toBe(0);

    hold.release();
    await first;
    expect((await doc.send(new GetCommand({ TableName: table, Key: key(a) }))).Item?.n).toBe(1);
    // Another token on the same items while one is in flight is still a conflict, as before.
    const again = holdNext();
    const second = doc.send(
      new TransactWriteCommand({ TransactItems: [bump(a)], ClientRequestToken: run('t') }),
    );
    await again.sent;
    const e = await caught(
      doc.send(new TransactWriteCommand({ TransactItems: [bump(a)], ClientRequestToken: run('t') })),
    );
    expect(e).toBeInstanceOf(TransactionCanceledException);
    again.release();
    await second;
    expect(emulator.inFlight()).toBe(0);
  });
});

describe('overlapping TransactWriteItems', () => {
  it('cancels the second with TransactionConflict at each shared item, None elsewhere, without sending it', async () => {
    const { doc, emulator, holdNext } = heldClient();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(run) as [string, string, string, string];
    await doc.send(new PutCommand({ TableName: table, Item: key(c) }));
    const hold = holdNext();
    const first = doc.send(new TransactWriteCommand({ TransactItems: [put(a), bump(b), check(c)] }));
    await hold.sent;

    const e = await caught(
      doc.send(new TransactWriteCommand({ TransactItems: [put(d), bump(b), check(c)] })),
    );
    expect(e).toBeInstanceOf(TransactionCanceledException);
    const err = e as TransactionCanceledException;
    expect(err.CancellationReasons).toEqual([
      { Code: 'None' },
      { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' },
      { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' },
    ]);
    expect(err.message).toMatch(/\[None, TransactionConflict, TransactionConflict\]/);
    // As the deserializer shapes it: the body's `Message` member too.
    expect(err.Message).toBe(err.message);
    expect(err.$metadata.httpStatusCode).toBe(400);
    // The store's retry helper treats it as a conflict to retry.
    expect(cancellationCodes(e)).toEqual(['None', 'TransactionConflict', 'TransactionConflict']);
    expect(isTransient(e, cancellationCodes(e))).toBe(true);
    // It never reached DynamoDB Local: its Put is not there.
    expect((await doc.send(new GetCommand({ TableName: table, Key: key(d) }))).Item).toBeUndefined();

    hold.release();
    await first;
    expect((await doc.send(new GetCommand({ TableName: table, Key: key(b) }))).Item?.n).toBe(1);
    expect(emulator.counters()).toEqual({ transactWrites: 1, singleWrites: 0, transactGets: 0, total: 1 });
    // Once the first has answered, the same transaction goes through.
    await doc.send(new TransactWriteCommand({ TransactItems: [put(d), bump(b), check(c)] }));
    expect((await doc.send(new GetCommand({ TableName: table, Key: key(b) }))).Item?.n).toBe(2);
    expect(emulator.inFlight()).toBe(0);
  });

  it('compares marshalled keys: a DocumentClient transaction and a base-client one on the same item conflict', async () => {
    const { client, doc, holdNext } = heldClient();
    const a = run('a');
    const hold = holdNext();
    const first = doc.send(new TransactWriteCommand({ TransactItems: [bump(a)] }));
    await hold.sent;
    const e = await caught(
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: table, Item: { pk: { S: run('other') }, sk: { S: 'X' } } } },
            { Put: { TableName: table, Item: { sk: { S: 'X' }, pk: { S: a }, n: { N: '7' } } } },
          ],
        }),
      ),
    );
    expect(cancellationCodes(e)).toEqual(['None', 'TransactionConflict']);
    hold.release();
    await first;
  });

  it('the same partition key with another sort key is another item: no conflict', async () => {
    const { doc, holdNext } = heldClient();
    const a = run('a');
    const hold = holdNext();
    const first = doc.send(
      new TransactWriteCommand({ TransactItems: [{ Put: { TableName: table, Item: key(a, 'ONE') } }] }),
    );
    await hold.sent;
    await doc.send(
      new TransactWriteCommand({ TransactItems: [{ Put: { TableName: table, Item: key(a, 'TWO') } }] }),
    );
    hold.release();
    await first;
  });

  it('leaves disjoint transactions alone: both commit while the first is in flight', async () => {
    const { doc, emulator, holdNext } = heldClient();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(run) as [string, string, string, string];
    const hold = holdNext();
    const first = doc.send(new TransactWriteCommand({ TransactItems: [put(a), bump(b)] }));
    await hold.sent;
    await doc.send(new TransactWriteCommand({ TransactItems: [put(c), bump(d)] }));
    hold.release();
    await first;
    for (const pk of [a, c]) {
      expect((await doc.send(new GetCommand({ TableName: table, Key: key(pk) }))).Item?.v).toBe(1);
    }
    expect(emulator.counters().total).toBe(0);
  });

  it('releases the items of a transaction DynamoDB cancelled (a failed condition)', async () => {
    const { doc, emulator } = heldClient();
    const [a, missing] = [run('a'), run('missing')];
    const e = await caught(doc.send(new TransactWriteCommand({ TransactItems: [put(a), check(missing)] })));
    expect(cancellationCodes(e)).toEqual(['None', 'ConditionalCheckFailed']);
    expect(emulator.inFlight()).toBe(0);
    await doc.send(new TransactWriteCommand({ TransactItems: [put(a)] }));
    expect(emulator.counters().total).toBe(0);
  });
});

describe('numbers in keys are compared by value, as DynamoDB compares them', () => {
  it('one text per value, exact beyond a double', () => {
    const same = (a: string, b: string) => expect(canonicalNumber(a)).toBe(canonicalNumber(b));
    same('1', '1.0');
    same('1', '01');
    same('1', '10e-1');
    same('1', '0.1E1');
    same('0.5', '.5');
    same('-0', '0');
    same('0', '0.000');
    same('12345678901234567890123456789012345678', '1.2345678901234567890123456789012345678e37');
    expect(canonicalNumber('1')).not.toBe(canonicalNumber('1.5'));
    expect(canonicalNumber('-1')).not.toBe(canonicalNumber('1'));
    expect(canonicalNumber('10')).not.toBe(canonicalNumber('1'));
    expect(canonicalNumber('12345678901234567890123456789012345678')).not.toBe(
      canonicalNumber('12345678901234567890123456789012345679'),
    );
  });

  it('two actions on one numeric key written two ways are refused up front as one item', async () => {
    const client = new DynamoDBClient(localClientConfig(emulators().dynamodbEndpoint));
    new ConflictEmulator(() => ['id']).attachTo(client);
    // The table does not exist: a request that reached DynamoDB Local would fail with ResourceNotFound.
    const e = await caught(
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: 'numbers', Item: { id: { N: '1' } } } },
            { Put: { TableName: 'numbers', Item: { id: { N: '1.0' } } } },
          ],
        }),
      ),
    );
    expect((e as Error).message).toBe(MULTIPLE_OPERATIONS_MESSAGE);
    client.destroy();
  });
});

describe('two actions on one item in a transaction', () => {
  it('is refused up front as AWS refuses it, even when a condition would fail (DynamoDB Local cancels it then)', async () => {
    const { doc, emulator } = heldClient();
    const a = run('a');
    await doc.send(new TransactWriteCommand({ TransactItems: [put(a)] }));
    const fresh = { Put: { ...put(a).Put, ConditionExpression: 'attribute_not_exists(pk)' } };
    const e = await caught(doc.send(new TransactWriteCommand({ TransactItems: [fresh, bump(a)] })));
    expect((e as Error).name).toBe('ValidationException');
    expect((e as Error).message).toBe(MULTIPLE_OPERATIONS_MESSAGE);
    expect(isTransient(e, undefined)).toBe(false);
    expect(emulator.inFlight()).toBe(0);
    // Without the emulation, DynamoDB Local answers the failed condition instead.
    const bare = createDocumentClient(new DynamoDBClient(localClientConfig(emulators().dynamodbEndpoint)));
    const local = await caught(bare.send(new TransactWriteCommand({ TransactItems: [fresh, bump(a)] })));
    expect(cancellationCodes(local)).toEqual(['ConditionalCheckFailed', 'None']);
  });
});

describe('a single-item write on an item held by a transaction in flight', () => {
  it.each([
    ['PutItem', (pk: string) => new PutCommand({ TableName: table, Item: { ...key(pk), v: 2 } })],
    [
      'UpdateItem',
      (pk: string) =>
        new UpdateCommand({
          TableName: table,
          Key: key(pk),
          UpdateExpression: 'SET v = :v',
          ExpressionAttributeValues: { ':v': 2 },
        }),
    ],
    ['DeleteItem', (pk: string) => new DeleteCommand({ TableName: table, Key: key(pk) })],
  ] as const)('%s gets TransactionConflictException; on another item it succeeds', async (_, write) => {
    const { doc, emulator, holdNext } = heldClient();
    const [a, b] = [run('a'), run('b')];
    const hold = holdNext();
    const first = doc.send(new TransactWriteCommand({ TransactItems: [put(a)] }));
    await hold.sent;

    const e = await caught(doc.send(write(a) as never));
    expect(e).toBeInstanceOf(TransactionConflictException);
    expect((e as Error).message).toBe('Transaction is ongoing for the item');
    expect(isTransient(e, cancellationCodes(e))).toBe(true);
    await doc.send(new PutCommand({ TableName: table, Item: key(b) }));
    await doc.send(write(b) as never);

    hold.release();
    await first;
    // It did not reach DynamoDB Local: the transaction's value stands.
    expect((await doc.send(new GetCommand({ TableName: table, Key: key(a) }))).Item?.v).toBe(1);
    expect(emulator.counters()).toEqual({ transactWrites: 0, singleWrites: 1, transactGets: 0, total: 1 });
    await doc.send(write(a) as never);
  });

  it('a write transaction on an item a single write holds is cancelled ("an ongoing operation is in the process of updating the same item")', async () => {
    const { doc, emulator, holdNext } = heldClient();
    const [a, b] = [run('a'), run('b')];
    const hold = holdNext();
    const single = doc.send(new PutCommand({ TableName: table, Item: key(a) }));
    await hold.sent;
    const e = await caught(doc.send(new TransactWriteCommand({ TransactItems: [put(b), bump(a)] })));
    expect(cancellationCodes(e)).toEqual(['None', 'TransactionConflict']);
    expect(isTransient(e, cancellationCodes(e))).toBe(true);
    hold.release();
    await single;
    expect(emulator.counters()).toEqual({ transactWrites: 1, singleWrites: 0, transactGets: 0, total: 1 });
    // Once the write is answered, the same transaction goes through.
    await doc.send(new TransactWriteCommand({ TransactItems: [put(b), bump(a)] }));
    expect(emulator.inFlight()).toBe(0);
  });

  it('single writes on an item another single write holds go through: AWS conflicts only with transactions', async () => {
    const { doc, emulator, holdNext } = heldClient();
    const a = run('a');
    const hold = holdNext();
    const first = doc.send(new PutCommand({ TableName: table, Item: { ...key(a), v: 1 } }));
    await hold.sent;
    const before = emulator.counters().total;
    await doc.send(
      new UpdateCommand({
        TableName: table,
        Key: key(a),
        UpdateExpression: 'ADD n :one',
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );
    await doc.send(new PutCommand({ TableName: table, Item: { ...key(a), v: 2 } }));
    expect(emulator.counters().total).toBe(before);
    hold.release();
    await first;
    expect(emulator.inFlight()).toBe(0);
  });
});

describe('reads are never affected', () => {
  it('GetItem, Query, Scan and BatchGetItem of an item held by a transaction in flight succeed', async () => {
    const { client, doc, emulator, holdNext } = heldClient();
    const a = run('a');
    await doc.send(new PutCommand({ TableName: table, Item: { ...key(a), v: 0 } }));
    const hold = holdNext();
    const first = doc.send(new TransactWriteCommand({ TransactItems: [put(a)] }));
    await hold.sent;
    expect((await doc.send(new GetCommand({ TableName: table, Key: key(a) }))).Item?.v).toBe(0);
    expect(
      (await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: a }, sk: { S: 'X' } } })))
        .Item,
    ).toBeDefined();
    const q = await doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': a },
      }),
    );
    expect(q.Items).toHaveLength(1);
    await doc.send(new ScanCommand({ TableName: table, Limit: 5 }));
    const bg = await client.send(
      new BatchGetItemCommand({ RequestItems: { [table]: { Keys: [{ pk: { S: a }, sk: { S: 'X' } }] } } }),
    );
    expect(bg.Responses?.[table]).toHaveLength(1);
    hold.release();
    await first;
    expect(emulator.counters().total).toBe(0);
  });

  it('GetItem and Query right after a write see it', async () => {
    const { doc, emulator } = heldClient();
    const a = run('a');
    await doc.send(new TransactWriteCommand({ TransactItems: [put(a), bump(run('b'))] }));
    expect((await doc.send(new GetCommand({ TableName: table, Key: key(a) }))).Item?.v).toBe(1);
    await doc.send(new PutCommand({ TableName: table, Item: { ...key(a), v: 3 } }));
    const q = await doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': a },
      }),
    );
    expect(q.Items?.[0]?.v).toBe(3);
    expect(emulator.counters().total).toBe(0);
  });

  it('TransactGetItems on an item of a write in flight is cancelled (AWS documents this rule too)', async () => {
    const { doc, emulator, holdNext } = heldClient();
    const [a, b] = [run('a'), run('b')];
    const hold = holdNext();
    const first = doc.send(new PutCommand({ TableName: table, Item: key(a) }));
    await hold.sent;
    const e = await caught(
      doc.send(
        new TransactGetCommand({
          TransactItems: [
            { Get: { TableName: table, Key: key(b) } },
            { Get: { TableName: table, Key: key(a) } },
          ],
        }),
      ),
    );
    expect(e).toBeInstanceOf(TransactionCanceledException);
    expect(cancellationCodes(e)).toEqual(['None', 'TransactionConflict']);
    hold.release();
    await first;
    expect(emulator.counters()).toEqual({ transactWrites: 0, singleWrites: 0, transactGets: 1, total: 1 });
  });
});

describe('BatchWriteItem', () => {
  it('holds its items against transactions: a TransactGetItems and a TransactWriteItems on them are cancelled', async () => {
    const { doc, emulator, holdNext } = heldClient();
    const [a, b] = [run('a'), run('b')];
    const hold = holdNext();
    const batch = doc.send(
      new BatchWriteCommand({
        RequestItems: { [table]: [{ PutRequest: { Item: key(a) } }, { DeleteRequest: { Key: key(b) } }] },
      }),
    );
    await hold.sent;
    const e = await caught(
      doc.send(new TransactGetCommand({ TransactItems: [{ Get: { TableName: table, Key: key(b) } }] })),
    );
    expect(cancellationCodes(e)).toEqual(['TransactionConflict']);
    expect(
      cancellationCodes(await caught(doc.send(new TransactWriteCommand({ TransactItems: [bump(a)] })))),
    ).toEqual(['TransactionConflict']);
    hold.release();
    await batch;
    expect(emulator.counters()).toEqual({ transactWrites: 1, singleWrites: 0, transactGets: 1, total: 2 });
    expect(emulator.inFlight()).toBe(0);
  });
});

describe('the switch and the wiring', () => {
  let restore: (() => void) | undefined;
  afterEach(() => {
    restore?.();
    restore = undefined;
  });

  it('BANK_EMULATE_CONFLICTS=off turns it off; anything else leaves it on', () => {
    expect(conflictsEmulated({})).toBe(true);
    expect(conflictsEmulated({ BANK_EMULATE_CONFLICTS: 'on' })).toBe(true);
    expect(conflictsEmulated({ BANK_EMULATE_CONFLICTS: 'off' })).toBe(false);
    expect(conflictsEmulated({ BANK_EMULATE_CONFLICTS: 'OFF ' })).toBe(false);
  });

  it("the handlers' DocumentClient and the tests' clients carry it (one stack shared with the base client)", () => {
    restore = useHandlerEnv();
    const names = (c: { middlewareStack: { identify: () => string[] } }) =>
      c.middlewareStack.identify().join();
    expect(names(db())).toContain(CONFLICT_MIDDLEWARE);
    expect(names(dynamoClients().client)).toContain(CONFLICT_MIDDLEWARE);
    // After the SDK's retry loop: each attempt is a request as DynamoDB sees it.
    const list = db().middlewareStack.identify();
    expect(list.findIndex((n) => n.startsWith(CONFLICT_MIDDLEWARE))).toBeGreaterThan(
      list.findIndex((n) => n.startsWith('retryMiddleware')),
    );
  });

  it('off: an overlapping transaction goes through to DynamoDB Local; two actions on one item are still refused', async () => {
    const { client, doc, holdNext } = heldClient();
    expect(emulateConflicts(client, { BANK_EMULATE_CONFLICTS: 'off' })).toBeUndefined();
    const a = run('a');
    const hold = holdNext();
    const first = doc.send(new TransactWriteCommand({ TransactItems: [bump(a)] }));
    await hold.sent;
    await doc.send(new TransactWriteCommand({ TransactItems: [bump(a)] }));
    hold.release();
    await first;
    expect((await doc.send(new GetCommand({ TableName: table, Key: key(a) }))).Item?.n).toBe(2);
    // A validation rule of AWS's, not a conflict: off does not turn it off.
    const fresh = { Put: { ...put(a).Put, ConditionExpression: 'attribute_not_exists(pk)' } };
    const e = await caught(doc.send(new TransactWriteCommand({ TransactItems: [fresh, bump(a)] })));
    expect((e as Error).name).toBe('ValidationException');
    expect((e as Error).message).toBe(MULTIPLE_OPERATIONS_MESSAGE);
  });

  it('a base-client PutItem is checked like a DocumentClient one', async () => {
    const { client, doc, holdNext } = heldClient();
    const a = run('a');
    const hold = holdNext();
    const first = doc.send(new TransactWriteCommand({ TransactItems: [put(a)] }));
    await hold.sent;
    const e = await caught(
      client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: a }, sk: { S: 'X' } } })),
    );
    expect(e).toBeInstanceOf(TransactionConflictException);
    hold.release();
    await first;
  });
});

describe('emulateConflictsEverywhere (the local stack)', () => {
  it("attaches the process's emulator to every DynamoDB client: a second client's transaction conflicts with the first's", async () => {
    const shared = emulateConflictsEverywhere({});
    // Two clients created after it, neither given an emulator, as a handler creates its own.
    const first = heldClient({ own: false });
    const second = createDocumentClient(new DynamoDBClient(localClientConfig(emulators().dynamodbEndpoint)));
    const a = run('a');
    const hold = first.holdNext();
    const sent = first.doc.send(new TransactWriteCommand({ TransactItems: [bump(a)] }));
    await hold.sent;
    const before = shared?.counters().transactWrites ?? 0;
    const e = await caught(second.send(new TransactWriteCommand({ TransactItems: [bump(a)] })));
    expect(e).toBeInstanceOf(TransactionCanceledException);
    expect(cancellationCodes(e)).toEqual(['TransactionConflict']);
    expect(shared?.counters().transactWrites).toBe(before + 1);
    hold.release();
    await sent;
    expect((await second.send(new GetCommand({ TableName: table, Key: key(a) }))).Item?.n).toBe(1);
    // A client given its own emulator keeps it (a test's isolation): its transaction in flight is
    // not in the shared registry, so the second client's passes.
    const own = heldClient();
    const ownHold = own.holdNext();
    const ownSent = own.doc.send(new TransactWriteCommand({ TransactItems: [bump(a)] }));
    await ownHold.sent;
    const passed = second.send(new TransactWriteCommand({ TransactItems: [bump(a)] }));
    ownHold.release();
    await Promise.all([ownSent, passed]);
    expect((await second.send(new GetCommand({ TableName: table, Key: key(a) }))).Item?.n).toBe(3);
  });
});
