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
import * as keys from './item-keys.ts';
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

describe("an account's history through the indexes: its journals' sides merged with its posting items", () => {
  const mixed = 'acct-mixed';
  const other = { accountId: 'acct-other', number: '00000099', ownerId: 'u-other' };
  const own = (balanceAfter: number) => ({
    accountId: mixed,
    number: '00000042',
    ownerId: 'u-mixed',
    balanceAfter,
  });
  /** A posted journal with its sides as index keys: `debit` on hist1, `credit` on hist2. */
  const journal = (
    id: string,
    time: string,
    amount: number,
    sides: { debit?: string; credit?: string },
    parties: object,
  ) => ({
    ...keys.journal(id),
    entity: 'journal',
    id,
    type: 'transfer',
    status: 'posted',
    amount,
    currency: 'EUR',
    description: `journal ${id}`,
    createdAt: time,
    ...parties,
    ...(sides.debit ? { h1pk: `ACCOUNT#${sides.debit}`, h1sk: `TX#${time}#${id}`, h1seq: 7 } : {}),
    ...(sides.credit ? { h2pk: `ACCOUNT#${sides.credit}`, h2sk: `TX#${time}#${id}`, h2seq: 8 } : {}),
    // Between two customers, each side names the other's number.
    ...('from' in parties && 'to' in parties
      ? {
          h1cp: (parties.to as { number: string }).number,
          h2cp: (parties.from as { number: string }).number,
        }
      : {}),
  });

  beforeAll(async () => {
    await db.send(
      new BatchWriteCommand({
        RequestItems: {
          [table]: [
            // A posting item, as movements wrote them before the indexes (10:00), ...
            {
              ...keys.posting(mixed, at('10:00'), 'm1'),
              entity: 'posting',
              accountId: mixed,
              journalId: 'm1',
              type: 'deposit',
              amount: 1000,
              currency: 'EUR',
              balanceAfter: 1000,
            },
            // ... a credit to it (hist2, 11:00) and a debit from it (hist1, 12:00), ...
            journal(
              'm2',
              at('11:00'),
              500,
              { debit: other.accountId, credit: mixed },
              { from: other, to: own(1500) },
            ),
            journal(
              'm3',
              at('12:00'),
              300,
              { debit: mixed, credit: other.accountId },
              { from: own(1200), to: other },
            ),
            // ... a deposit from a system shard (13:00: its credit side only is the account's), a
            // posting item of the same shard from before the indexes, and a hold entry (11:30).
            {
              ...keys.posting('cash-in#EUR#00', at('09:00'), 'm0'),
              entity: 'posting',
              accountId: 'cash-in#EUR#00',
              system: true,
              journalId: 'm0',
              amount: -1000,
              currency: 'EUR',
            },
            journal('m4', at('13:00'), 50, { debit: 'cash-in#EUR#00', credit: mixed }, { to: own(1250) }),
            {
              ...keys.posting(mixed, at('11:30'), 'm5'),
              entity: 'hold',
              accountId: mixed,
              journalId: 'm5',
              amount: -20,
              currency: 'EUR',
            },
          ].map((Item) => ({ PutRequest: { Item } })),
        },
      }),
    );
  });

  const all = { lo: historyKey(''), hi: historyKey('\uffff') };

  it('reads the three sources in one time order, either way, page by page', async () => {
    const ids = async (newestFirst: boolean, pageSize?: number) => {
      const out: unknown[] = [];
      for await (const i of historyBetween(db, table, mixed, {
        ...all,
        newestFirst,
        ...(pageSize ? { pageSize } : {}),
      }))
        out.push(i.journalId);
      return out;
    };
    expect(await ids(false)).toEqual(['m1', 'm2', 'm5', 'm3', 'm4']);
    expect(await ids(true, 1)).toEqual(['m4', 'm3', 'm5', 'm2', 'm1']);
  });

  it("makes each side an entry shaped as a posting item: the account's sign, party and counterparty", async () => {
    const entries: Record<string, unknown>[] = [];
    for await (const i of historyBetween(db, table, mixed, all)) entries.push(i);
    const byId = new Map(entries.map((e) => [e.journalId, e]));
    expect(byId.get('m2')).toEqual({
      pk: `ACCOUNT#${mixed}`,
      sk: `TX#${at('11:00')}#m2`,
      entity: 'posting',
      accountId: mixed,
      system: false,
      ownerId: 'u-mixed',
      amount: 500,
      currency: 'EUR',
      balanceAfter: 1500,
      seq: 8,
      journalId: 'm2',
      type: 'transfer',
      status: 'posted',
      description: 'journal m2',
      counterpartyNumber: other.number,
      createdAt: at('11:00'),
    });
    expect(byId.get('m3')).toMatchObject({
      amount: -300,
      balanceAfter: 1200,
      seq: 7,
      counterpartyNumber: other.number,
    });
    // A deposit has no other customer side: no counterparty.
    expect(byId.get('m4')).toMatchObject({ amount: 50, balanceAfter: 1250 });
    expect(byId.get('m4')).not.toHaveProperty('counterpartyNumber');
    // The shard's own entry: a system account's, with no owner or balance after.
    const shard: Record<string, unknown>[] = [];
    for await (const i of historyBetween(db, table, 'cash-in#EUR#00', all)) shard.push(i);
    expect(shard.map((e) => e.journalId)).toEqual(['m0', 'm4']);
    expect(shard[1]).toEqual(
      expect.objectContaining({ journalId: 'm4', accountId: 'cash-in#EUR#00', system: true, amount: -50 }),
    );
    expect(shard[1]).not.toHaveProperty('ownerId');
    expect(shard[1]).not.toHaveProperty('balanceAfter');
    // A system account's balance counts both, the posting item read with a projection.
    const reader = new LedgerReader(db, table, { systemShards: 1, dailyLimit: 0 });
    expect(await reader.systemBalance('cash-in', 'EUR')).toBe(-1050);
  });

  it('pages across the sources from where a page ended, the entry it ended at left out', async () => {
    const reader = new LedgerReader(db, table, { systemShards: 1, dailyLimit: 0 });
    const seen: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await reader.postings(mixed, { limit: 2, ...(start ? { start } : {}) });
      seen.push(...page.items.map((i) => i.journalId));
      start = page.last;
    } while (start);
    expect(seen).toEqual(['m4', 'm3', 'm5', 'm2', 'm1']);
  });

  it('gives balances, statements and the last posting from every source', async () => {
    const reader = new LedgerReader(db, table, { systemShards: 1, dailyLimit: 0 });
    expect(await reader.balanceAt(mixed, at('10:30'))).toBe(1000);
    expect(await reader.balanceAt(mixed, at('11:45'))).toBe(1500);
    expect(await reader.balanceAt(mixed, at('13:00'))).toBe(1250);
    expect((await lastPosting(db, table, mixed, historyKey(at('12:30'))))?.journalId).toBe('m3');
    const { lines } = await new StatementSource(db, table).lines(mixed, at('10:00'), at('14:00'));
    expect(lines.map((l) => [l.txId, l.amount, l.balance])).toEqual([
      ['m1', 1000, 1000],
      ['m2', 500, 1500],
      ['m3', -300, 1200],
      ['m4', 50, 1250],
    ]);
  });
});
