import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { localClientConfig } from '../src/local/bootstrap.ts';
import { AccountStore } from '../src/store/accounts.ts';
import { createDocumentClient } from '../src/store/db.ts';
import { IdempotencyStore, type Outcome } from '../src/store/idempotency.ts';
import { LedgerStore } from '../src/store/ledger.ts';
import { createTestTable, emulators } from '../test/harness.ts';
import {
  describeCalls,
  itemSize,
  numberSize,
  reportedCall,
  tallyCapacity,
  unitsOf,
  valueSize,
  writeUnits,
} from './capacity.ts';
import { eventsOfJournal, storeEvents } from './cost.ts';

describe('item sizes as DynamoDB counts them', () => {
  it('numbers: one byte per two significant digits, plus one', () => {
    expect(numberSize('0')).toBe(2);
    expect(numberSize('7')).toBe(2);
    expect(numberSize('1000000')).toBe(2);
    expect(numberSize('123')).toBe(3);
    expect(numberSize('-12.5')).toBe(3);
    expect(numberSize('1762425600')).toBe(5);
    expect(numberSize('1762425601')).toBe(6);
  });

  it('strings in UTF-8 bytes, lists and maps with their overhead', () => {
    expect(valueSize({ S: 'héllo' })).toBe(6);
    expect(valueSize({ BOOL: true })).toBe(1);
    expect(valueSize({ NULL: true })).toBe(1);
    // 3 + (1 + 1) + (1 + 2)
    expect(valueSize({ L: [{ S: 'a' }, { N: '10' }] })).toBe(8);
    // 3 + (1 + len('ab') + 1)
    expect(valueSize({ M: { ab: { S: 'x' } } })).toBe(7);
    expect(itemSize(marshall({ pk: 'USER#1', n: 5 }))).toBe(2 + 6 + 1 + 2);
  });
});

describe('write units', () => {
  const posting = (extra: number) =>
    marshall({ pk: 'ACCOUNT#a', sk: 'TX#1', gsi1pk: 'TX#1', gsi1sk: 'a', pad: 'x'.repeat(extra) });

  it('a new item with an index entry: its KB on the table and on the index', () => {
    expect(writeUnits(undefined, posting(10))).toEqual({ table: 1, indexes: 1 });
    expect(writeUnits(undefined, posting(1500))).toEqual({ table: 2, indexes: 2 });
  });

  it('an update counts the larger of before and after; no index entry, no index units', () => {
    const small = marshall({ pk: 'USER#1', sk: 'ACCOUNT#1', balance: 1 });
    const large = marshall({ pk: 'USER#1', sk: 'ACCOUNT#1', balance: 1, pad: 'x'.repeat(2000) });
    expect(writeUnits(large, small)).toEqual({ table: 2, indexes: 0 });
  });

  it('an update that moves the index entry deletes and puts it', () => {
    const before = marshall({ pk: 'P', sk: 'S', gsi1pk: 'A', gsi1sk: 'a' });
    const after = marshall({ pk: 'P', sk: 'S', gsi1pk: 'B', gsi1sk: 'a' });
    expect(writeUnits(before, after)).toEqual({ table: 1, indexes: 2 });
  });

  it('a delete counts the item it removes, and its index entry', () => {
    // A post deletes the hold's history entry (no index) ...
    const hold = marshall({ pk: 'ACCOUNT#a', sk: 'TX#1', amount: -10, pad: 'x'.repeat(1100) });
    expect(writeUnits(hold, undefined)).toEqual({ table: 2, indexes: 0 });
    // ... and a pending journal leaving the sweeper's index is one index delete, no put.
    const pending = marshall({ pk: 'JOURNAL#1', sk: 'JOURNAL', gsi1pk: 'PENDING#3', gsi1sk: 'x' });
    const posted = marshall({ pk: 'JOURNAL#1', sk: 'JOURNAL', status: 'posted' });
    expect(writeUnits(pending, posted)).toEqual({ table: 1, indexes: 1 });
    expect(writeUnits(pending, undefined)).toEqual({ table: 1, indexes: 1 });
    expect(writeUnits(undefined, undefined)).toEqual({ table: 1, indexes: 0 });
  });

  it("a history index holds the journal's keys and what it projects, and a write that changes neither costs it nothing", () => {
    const journal = (extra: Record<string, unknown>) =>
      marshall({
        pk: 'JOURNAL#1',
        sk: 'JOURNAL',
        h1pk: 'ACCOUNT#a',
        h1sk: 'TX#1#1',
        amount: 10,
        fingerprint: 'f'.repeat(1500),
        ...extra,
      });
    // A new journal: 2 KB on the table, but its hist1 entry leaves the fingerprint out (1 KB).
    expect(writeUnits(undefined, journal({}))).toEqual({ table: 2, indexes: 1 });
    // A refund's update of what hist1 does not hold (refundedAmount): no index write ...
    expect(writeUnits(journal({}), journal({ refundedAmount: 5 }))).toEqual({ table: 2, indexes: 0 });
    // ... nor does a settlement's of the recipient's side (hist2's party, not hist1's); one of what it
    // holds (its own side, `from`) rewrites the entry, and a settlement setting the hist2 keys adds an
    // entry there.
    expect(writeUnits(journal({}), journal({ to: { balanceAfter: 5 } }))).toEqual({ table: 2, indexes: 0 });
    expect(writeUnits(journal({}), journal({ from: { balanceAfter: 5 } }))).toEqual({ table: 2, indexes: 1 });
    expect(writeUnits(journal({}), journal({ h2pk: 'ACCOUNT#b', h2sk: 'TX#2#1' }))).toEqual({
      table: 2,
      indexes: 1,
    });
  });

  it('billing: transactions count their table units twice, index units once', () => {
    const calls = [
      reportedCall('GetItemCommand', { CapacityUnits: 1, Table: { CapacityUnits: 1 } }),
      { command: 'TransactWriteItemsCommand', table: 6, indexes: 2, source: 'computed' as const },
      reportedCall('PutItemCommand', {
        CapacityUnits: 3,
        Table: { CapacityUnits: 2 },
        GlobalSecondaryIndexes: { gsi1: { CapacityUnits: 1 } },
      }),
    ];
    expect(unitsOf(calls)).toEqual({ rru: 1, wru: 2 * 6 + 2 + 3 });
    expect(describeCalls(calls)).toBe('GetItem×1 + TransactWriteItems×1 + PutItem×1');
  });
});

describe('tallying the real stores on DynamoDB Local', () => {
  it('a deposit and a transfer: the reads before, and every item of the transaction', async () => {
    const table = await createTestTable('capacity');
    const endpoint = emulators().dynamodbEndpoint;
    const client = new DynamoDBClient(localClientConfig(endpoint));
    const reader = new DynamoDBClient(localClientConfig(endpoint));
    const tally = tallyCapacity(client, reader);
    const db = createDocumentClient(client);
    const stores = () => {
      const accounts = new AccountStore(db, table);
      const ledger = new LedgerStore(db, table, accounts, new IdempotencyStore(db, table, 3600), {
        systemShards: 4,
        dailyLimit: 1_000_000,
      });
      return { accounts, ledger };
    };
    const { accounts, ledger } = stores();
    const [alice, bob] = [randomUUID(), randomUUID()];
    const a = await accounts.open({ ownerId: alice, type: 'checking', currency: 'USD' });
    const b = await accounts.open({ ownerId: bob, type: 'checking', currency: 'USD' });
    tally.take();

    const base = { user: alice, fingerprint: 'f', amount: 500 };
    await ledger.deposit({ ...base, idempotencyKey: 'd1', accountId: a.id });
    const deposit = tally.take();
    expect(describeCalls(deposit)).toBe('GetItem×1 + TransactWriteItems×1');
    expect(deposit.find((c) => c.command === 'TransactWriteItemsCommand')?.source).toBe('computed');
    // 2 items under 1 KB (the journal, which is the idempotency record, and the account with its
    // owner's deposit counter (it is its owner's first account in USD: the counters' host)), written
    // twice (prepare, commit), and the journal's two history entries (the cash-in shard's and the
    // account's: the shard gets its entry only), one index write each.
    expect(unitsOf(deposit)).toEqual({ rru: 1, wru: 2 * 2 + 2 });

    await stores().ledger.transfer({
      ...base,
      amount: 100,
      idempotencyKey: 't1',
      fromAccountId: a.id,
      toAccountNumber: b.number,
      currency: 'USD',
    });
    const transfer = tally.take();
    // The sender, the number's owner and the recipient; then 3 items (the journal, which is the
    // record, both accounts, the sender's with the limit counter) and the journal's two history
    // entries (hist1, hist2).
    expect(describeCalls(transfer)).toBe('GetItem×3 + TransactWriteItems×1');
    expect(unitsOf(transfer)).toEqual({ rru: 3, wru: 2 * 3 + 2 });

    // What the stream function stores for it: an event for each customer, each with the look-up of
    // the customer's webhook endpoints, the read of their event counter, and one transaction of the
    // counter, the event and its id's mark (3 items under 1 KB, written twice).
    const transferId = (await ledger.postings(a.id, { limit: 1 })).items[0]?.journalId as string;
    const events = await eventsOfJournal(db, table, transferId);
    expect(events.map((e) => [e.customer, e.type])).toEqual([
      [alice, 'transaction.posted'],
      [bob, 'transaction.posted'],
    ]);
    tally.take();
    await storeEvents(db, table, events);
    const stored = tally.take();
    expect(describeCalls(stored)).toBe('Query×2 + GetItem×2 + TransactWriteItems×2');
    // Reads as DynamoDB Local reports them: 1 per counter read, 0 for a look-up that finds no endpoint
    // (AWS bills such a Query 0.5 at least).
    expect(unitsOf(stored)).toEqual({ rru: 2, wru: 2 * 2 * 3 });

    // A pending transfer: the journal, which is the idempotency record (and its entry in the sweeper's
    // index of pending journals), the sender's hold with the daily-limit counter, and the hold's history entry.
    const pending = (key: string) =>
      ledger.transfer({
        ...base,
        amount: 100,
        idempotencyKey: key,
        fromAccountId: a.id,
        toAccountNumber: b.number,
        currency: 'USD',
        pending: true,
      });
    const journalId = (o: Outcome) => (o.kind === 'journal' ? o.journal.id : expect.fail(o.code));
    const toPost = journalId(await pending('p1'));
    const pendingCalls = tally.take();
    expect(describeCalls(pendingCalls)).toBe('GetItem×3 + TransactWriteItems×1');
    expect(unitsOf(pendingCalls)).toEqual({ rru: 3, wru: 2 * 3 + 1 });

    // Posting it in full: the record (an item: a post creates no journal), the journal (leaving the
    // sweeper's index, entering both history indexes), both accounts and the hold's entry deleted;
    // the limit counter is untouched.
    const toVoid = journalId(await pending('p2'));
    tally.take();
    journalId(
      await ledger.post({ user: alice, fingerprint: 'f', idempotencyKey: 'post1', journalId: toPost }),
    );
    const post = tally.take();
    expect(describeCalls(post)).toBe('GetItem×3 + TransactWriteItems×1');
    expect(unitsOf(post)).toEqual({ rru: 3, wru: 2 * 5 + 3 });

    // Voiding one: the record, the journal (leaving the index), the sender's hold released with the
    // limit given back in the same update, and the hold's entry deleted.
    journalId(
      await ledger.void({ user: alice, fingerprint: 'f', idempotencyKey: 'void1', journalId: toVoid }),
    );
    const voided = tally.take();
    expect(describeCalls(voided)).toBe('GetItem×1 + TransactWriteItems×1');
    expect(unitsOf(voided)).toEqual({ rru: 1, wru: 2 * 4 + 1 });
    client.destroy();
    reader.destroy();
  });
});
