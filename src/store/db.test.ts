/**
 * getMany (db.ts): strongly consistent BatchGetItem reads in requests of at most 100 keys, with the
 * keys DynamoDB leaves unprocessed asked again, on DynamoDB Local.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type BatchGetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestTable, emulators } from '../../test/harness.ts';
import { localClientConfig } from '../local/bootstrap.ts';
import { BATCH_GET_MAX, createDocumentClient, type Db, getMany, type ItemKey } from './db.ts';

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
