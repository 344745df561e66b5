/**
 * Reading an account's history in time order (store/history.ts), on DynamoDB Local: the bounds of a
 * statement's range and of "the balance before" an instant, hold entries passed over, and paging.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestTable, emulators } from '../../test/harness.ts';
import { localClientConfig } from '../local/bootstrap.ts';
import { createDocumentClient, type Db } from './db.ts';
import { historyBetween, historyKey, lastPosting } from './history.ts';
import { keys } from './keys.ts';
import { LedgerReader } from './ledger-read.ts';
import { StatementSource } from './statement-source.ts';

let db: Db;
let table: string;
const account = 'acct-history';
/** Postings at 10:00 (exactly the range's start below), 11:00 and 12:00; a hold entry at 11:30. */
const at = (hhmm: string) => `2027-03-01T${hhmm}:00.000Z`;
const entries = [
  { time: at('10:00'), id: 'j1', entity: 'posting', amount: 1000, balanceAfter: 1000 },
  { time: at('11:00'), id: 'j2', entity: 'posting', amount: 500, balanceAfter: 1500 },
  { time: at('11:30'), id: 'j3', entity: 'hold', amount: -200 },
  { time: at('12:00'), id: 'j4', entity: 'posting', amount: -300, balanceAfter: 1200 },
];

beforeAll(async () => {
  db = createDocumentClient(new DynamoDBClient(localClientConfig(emulators().dynamodbEndpoint)));
  table = await createTestTable('history');
  await db.send(
    new BatchWriteCommand({
      RequestItems: {
        [table]: entries.map((e) => ({
          PutRequest: {
            Item: {
              ...keys.posting(account, e.time, e.id),
              entity: e.entity,
              accountId: account,
              journalId: e.id,
              type: 'deposit',
              amount: e.amount,
              currency: 'EUR',
              ...(e.balanceAfter === undefined ? {} : { balanceAfter: e.balanceAfter }),
            },
          },
        })),
      },
    }),
  );
});

describe("an account's history in time order", () => {
  it('reads every entry between two keys in order, either way, page by page', async () => {
    const ids = async (newestFirst: boolean, pageSize?: number) => {
      const out: unknown[] = [];
      const range = {
        lo: historyKey(''),
        hi: historyKey('\uffff'),
        newestFirst,
        ...(pageSize ? { pageSize } : {}),
      };
      for await (const i of historyBetween(db, table, account, range)) out.push(i.journalId);
      return out;
    };
    expect(await ids(false)).toEqual(['j1', 'j2', 'j3', 'j4']);
    expect(await ids(true, 1)).toEqual(['j4', 'j3', 'j2', 'j1']);
  });

  it('finds the last posting up to a key, passing over a hold entry', async () => {
    expect((await lastPosting(db, table, account, `${historyKey(at('11:45'))}`))?.journalId).toBe('j2');
    expect(await lastPosting(db, table, account, historyKey(at('09:00')))).toBeUndefined();
  });

  it("gives a posting at a range's first instant to the range, not to the balance before it", async () => {
    const source = new StatementSource(db, table);
    expect(await source.balanceBefore(account, at('10:00'))).toEqual({ balance: 0 });
    expect(await source.balanceBefore(account, at('11:00'))).toEqual({
      balance: 1000,
      lastKey: keys.posting(account, at('10:00'), 'j1').sk,
    });
    const { lines } = await source.lines(account, at('10:00'), at('12:00'));
    // From 10:00 included to 12:00 excluded; the hold entry is not a statement line.
    expect(lines.map((l) => l.txId)).toEqual(['j1', 'j2']);
  });

  it('gives the balance as of an instant, the postings at that instant included', async () => {
    const reader = new LedgerReader(db, table, { systemShards: 1, dailyLimit: 0 });
    expect(await reader.balanceAt(account, at('09:59'))).toBe(0);
    expect(await reader.balanceAt(account, at('10:00'))).toBe(1000);
    expect(await reader.balanceAt(account, at('11:59'))).toBe(1500);
    expect(await reader.balanceAt(account, at('12:00'))).toBe(1200);
  });
});
