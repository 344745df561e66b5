/**
 * getMany (db.ts): strongly consistent BatchGetItem reads in requests of at most 100 keys, with the
 * keys DynamoDB leaves unprocessed asked again, on DynamoDB Local.
 */
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { type BatchGetCommand, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestTable, emulators } from '../../test/harness.ts';
import { localClientConfig } from '../local/bootstrap.ts';
import {
  BATCH_GET_MAX,
  createDocumentClient,
  type Db,
  DYNAMODB_TIMEOUTS,
  getMany,
  type ItemKey,
  queryAll,
  transact,
} from './db.ts';
import { foldUpdates } from './fold.ts';

let db: Db;
beforeAll(() => {
  db = createDocumentClient(new DynamoDBClient(localClientConfig(emulators().dynamodbEndpoint)));
});

/**
 * A Db whose BatchGetItems DynamoDB answers for the first `processed` keys only, the rest left
 * unprocessed (as AWS does under throttling or past 16 MB), and which counts the keys of each request.
 */
const stingy = (inner: Db, processed: number) => {
  const requests: number[] = [];
  const wrapped = Object.create(inner) as Db;
  wrapped.send = (async (command: BatchGetCommand) => {
    const [table, ask] = Object.entries(command.input.RequestItems ?? {})[0] as [string, { Keys: ItemKey[] }];
    requests.push(ask.Keys.length);
    const served = ask.Keys.slice(0, processed);
    const rest = ask.Keys.slice(processed);
    const r =
      served.length === 0
        ? { Responses: { [table]: [] } }
        : await inner.send(
            new (command.constructor as typeof BatchGetCommand)({
              RequestItems: { [table]: { ...ask, Keys: served } },
            }),
          );
    return { ...r, UnprocessedKeys: rest.length > 0 ? { [table]: { Keys: rest } } : {} };
  }) as Db['send'];
  return { db: wrapped, requests };
};

describe('getMany', () => {
  it('reads 250 items in requests of at most 100 keys, asks again for unprocessed keys, and skips missing ones', async () => {
    const table = await createTestTable('getmany');
    const key = (i: number): ItemKey => ({ pk: `T#${i}`, sk: 'T' });
    await Promise.all(
      Array.from({ length: 250 }, (_, i) =>
        db.send(new PutCommand({ TableName: table, Item: { ...key(i), n: i } })),
      ),
    );
    const { db: s, requests } = stingy(db, 60);
    const asked = [...Array.from({ length: 250 }, (_, i) => key(i)), key(999)];
    const items = await getMany(s, table, asked);
    expect(items?.map((i) => i.n as number).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 250 }, (_, i) => i),
    );
    expect(Math.max(...requests)).toBeLessThanOrEqual(BATCH_GET_MAX);
    // 251 keys: 100 + 100 + 51, of which 60 + 60 + 51 are served; the 80 left are asked again in
    // one request (60 served), and the last 20 in another.
    expect(requests).toEqual([100, 100, 51, 80, 20]);
  });

  it('gives up (undefined) when keys stay unprocessed through every retry', async () => {
    const table = await createTestTable('getmany');
    const { db: s, requests } = stingy(db, 0);
    expect(await getMany(s, table, [{ pk: 'T#1', sk: 'T' }])).toBeUndefined();
    expect(requests.length).toBeGreaterThan(1);
  });
});

describe('time limits', () => {
  it('a request that gets no answer fails with TimeoutError instead of waiting for the Lambda to time out', async () => {
    // A server that takes the connection and never answers.
    const { createServer } = await import('node:net');
    const sockets: import('node:net').Socket[] = [];
    const silent = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as { port: number };
    try {
      const client = new DynamoDBClient({
        ...localClientConfig(`http://127.0.0.1:${port}`),
        requestHandler: { ...DYNAMODB_TIMEOUTS },
        maxAttempts: 1,
      });
      const err = await client.send(new ListTablesCommand({})).catch((e: Error) => e);
      expect((err as Error).name).toBe('TimeoutError');
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  }, 20_000);
});

describe('transact', () => {
  const put = (pk: string) => ({ Put: { TableName: 't', Item: { pk, sk: 'S' } } });
  it('refuses two pieces of one name, before sending anything: their cancellation reasons could not be told apart', async () => {
    const sent: unknown[] = [];
    const db = { send: async (c: unknown) => sent.push(c) } as unknown as Db;
    await expect(
      transact(db, [
        { name: 'journal:0', item: put('A') },
        { name: 'from', item: put('B') },
        { name: 'journal:0', item: put('C') },
      ]),
    ).rejects.toThrow('transaction pieces must have distinct names: journal:0 twice');
    expect(sent).toEqual([]);
    expect(
      await transact(db, [
        { name: 'journal:0', item: put('A') },
        { name: 'journal:1', item: put('C') },
      ]),
    ).toEqual({
      ok: true,
    });
    expect(sent).toHaveLength(1);
  });
});

describe('foldUpdates: one action per item in a transaction', () => {
  const update = (sk: string, expression: string, condition: string, values: Record<string, unknown>) => ({
    Update: {
      TableName: 't',
      Key: { pk: 'P', sk },
      UpdateExpression: expression,
      ConditionExpression: condition,
      ExpressionAttributeValues: values,
    },
  });

  it('folds a later update of an item into the earlier one, in its place and under its name', () => {
    const pieces = foldUpdates([
      { name: 'journal', item: { Put: { TableName: 't', Item: { pk: 'J', sk: 'J' } } } },
      {
        name: 'from',
        item: update('A', 'SET balance = balance + :d REMOVE holds.#h', 'version = :v', {
          ':d': -5,
          ':v': 3,
        }),
      },
      { name: 'to:B', item: update('B', 'SET balance = balance + :e', 'version = :w', { ':e': 5, ':w': 1 }) },
      {
        name: 'limit',
        item: update('A', 'SET #c = if_not_exists(#c, :z) + :a REMOVE #o', '#c <= :r', {
          ':z': 0,
          ':a': 5,
          ':r': 95,
        }),
      },
    ]);
    expect(pieces.map((p) => p.name)).toEqual(['journal', 'from', 'to:B']);
    expect(pieces[1]?.item.Update).toMatchObject({
      Key: { pk: 'P', sk: 'A' },
      UpdateExpression: 'SET balance = balance + :d, #c = if_not_exists(#c, :z) + :a REMOVE holds.#h, #o',
      ConditionExpression: '(version = :v) AND (#c <= :r)',
      ExpressionAttributeValues: { ':d': -5, ':v': 3, ':z': 0, ':a': 5, ':r': 95 },
    });
    expect(pieces[2]?.item.Update?.Key).toEqual({ pk: 'P', sk: 'B' });
  });

  it('refuses placeholders that mean different things in the two updates', () => {
    expect(() =>
      foldUpdates([
        { name: 'a', item: update('A', 'SET x = :v', 'attribute_exists(pk)', { ':v': 1 }) },
        { name: 'b', item: update('A', 'SET y = :v', 'attribute_exists(pk)', { ':v': 2 }) },
      ]),
    ).toThrow(/:v/);
  });

  it('what it folds, DynamoDB runs as one action: both changes made, both conditions checked', async () => {
    const table = await createTestTable('fold');
    await db.send(new PutCommand({ TableName: table, Item: { pk: 'P', sk: 'A', n: 1, m: 10 } }));
    const pieces = (room: number) =>
      foldUpdates([
        {
          name: 'a',
          item: {
            Update: {
              TableName: table,
              Key: { pk: 'P', sk: 'A' },
              UpdateExpression: 'SET n = n + :one',
              ConditionExpression: 'n >= :one',
              ExpressionAttributeValues: { ':one': 1 },
            },
          },
        },
        {
          name: 'b',
          item: {
            Update: {
              TableName: table,
              Key: { pk: 'P', sk: 'A' },
              UpdateExpression: 'SET m = m - :take',
              ConditionExpression: 'm >= :room',
              ExpressionAttributeValues: { ':take': 4, ':room': room },
            },
          },
        },
      ]);
    const send = (room: number) =>
      db.send(new TransactWriteCommand({ TransactItems: pieces(room).map((p) => p.item) }));
    await send(10);
    expect(
      (await db.send(new GetCommand({ TableName: table, Key: { pk: 'P', sk: 'A' } }))).Item,
    ).toMatchObject({ n: 2, m: 6 });
    // The second update's condition fails: neither change is made.
    await expect(send(7)).rejects.toMatchObject({ name: 'TransactionCanceledException' });
    expect(
      (await db.send(new GetCommand({ TableName: table, Key: { pk: 'P', sk: 'A' } }))).Item,
    ).toMatchObject({ n: 2, m: 6 });
  });
});

describe('queryAll', () => {
  it('reads a partition whole, page after page, or only its first `max` items in the order asked', async () => {
    const table = await createTestTable('query');
    const sks = Array.from({ length: 7 }, (_, i) => `RUN#${String(i).padStart(2, '0')}`);
    for (const sk of sks) await db.send(new PutCommand({ TableName: table, Item: { pk: 'P', sk } }));
    await db.send(new PutCommand({ TableName: table, Item: { pk: 'P', sk: 'OTHER' } }));
    const sk = (items: Record<string, unknown>[]) => items.map((i) => i.sk);
    expect(sk(await queryAll(db, table, 'P', 'RUN#'))).toEqual(sks);
    // The newest three, read with a Limit, not the whole partition cut short.
    expect(sk(await queryAll(db, table, 'P', 'RUN#', { ScanIndexForward: false, max: 3 }))).toEqual(
      sks.slice(4).reverse(),
    );
    expect(sk(await queryAll(db, table, 'P', 'RUN#', { max: 20 }))).toEqual(sks);
  });
});
