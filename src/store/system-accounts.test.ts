/**
 * System accounts under AWS's transaction-conflict rules (emulated, src/local/conflicts.ts): deposits
 * and withdrawals into many customer accounts at once share the cash-in / cash-out system accounts,
 * and must not conflict on them. They write a system shard's posting only (a new item), never a
 * shared balance item, so the emulation, which cancels transactions that share an item, sees none.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestTable, emulators } from '../../test/harness.ts';
import type { Account } from '../domain/account.ts';
import { shardOf } from '../domain/ledger.ts';
import { localClientConfig } from '../local/bootstrap.ts';
import { type ConflictEmulator, emulateConflicts } from '../local/conflicts.ts';
import { AccountStore } from './accounts.ts';
import { createDocumentClient, type Db } from './db.ts';
import { IdempotencyStore } from './idempotency.ts';
import { LedgerStore } from './ledger.ts';
import { verifyLedger } from './verify.ts';

let db: Db;
let emulator: ConflictEmulator;
beforeAll(() => {
  const client = new DynamoDBClient(localClientConfig(emulators().dynamodbEndpoint));
  emulator = emulateConflicts(client, { BANK_EMULATE_CONFLICTS: 'on' }) as ConflictEmulator;
  db = createDocumentClient(client);
});

const N = 32;

describe('system accounts (cash-in, cash-out) under the conflict emulation', () => {
  it(`${N} concurrent deposits and then ${N} withdrawals, one per account: all posted, no conflict raised`, async () => {
    const table = await createTestTable('system');
    const accounts = new AccountStore(db, table);
    // One shard: every deposit shares the one cash-in shard (the worst case there is).
    const ledger = new LedgerStore(db, table, accounts, new IdempotencyStore(db, table, 48 * 3600), {
      systemShards: 1,
      dailyLimit: 1_000_000,
      retry: { maxAttempts: 1 },
    });
    const opened: Account[] = [];
    for (let i = 0; i < N; i++)
      opened.push(await accounts.open({ ownerId: `owner-${i}`, type: 'checking', currency: 'USD' }));
    const before = emulator.counters().total;
    const move = (kind: 'deposit' | 'withdraw', amount: number) =>
      Promise.all(
        opened.map((a, i) =>
          ledger[kind]({
            user: `owner-${i}`,
            idempotencyKey: `${kind}-${i}`,
            fingerprint: kind,
            accountId: a.id,
            amount,
          }),
        ),
      );
    // One attempt each (no retries): a single conflict would fail a request.
    const deposits = await move('deposit', 1_000);
    expect(deposits.every((o) => o.kind === 'journal' && o.journal.status === 'posted')).toBe(true);
    const withdrawals = await move('withdraw', 400);
    expect(withdrawals.every((o) => o.kind === 'journal' && o.journal.status === 'posted')).toBe(true);
    expect(emulator.counters().total - before).toBe(0);
    expect(await ledger.systemBalance('cash-in', 'USD')).toBe(-N * 1_000);
    expect(await ledger.systemBalance('cash-out', 'USD')).toBe(N * 400);
    for (const [i, a] of opened.entries())
      expect((await accounts.mustGet(`owner-${i}`, a.id)).balance).toBe(600);
    const report = await verifyLedger(db, table);
    expect(report.problems).toEqual([]);
    expect(report.systemShards).toBe(2);
  }, 60_000);

  it('deposits spread over the cash-in shards by their journal id, and a retry posts on none again', async () => {
    const table = await createTestTable('system-shards');
    const accounts = new AccountStore(db, table);
    const ledger = new LedgerStore(db, table, accounts, new IdempotencyStore(db, table, 48 * 3600), {
      systemShards: 4,
      dailyLimit: 1_000_000,
    });
    const opened: Account[] = [];
    for (let i = 0; i < N; i++)
      opened.push(await accounts.open({ ownerId: `spread-${i}`, type: 'checking', currency: 'USD' }));
    const deposit = (i: number) =>
      ledger.deposit({
        user: `spread-${i}`,
        idempotencyKey: `deposit-${i}`,
        fingerprint: 'deposit',
        accountId: (opened[i] as Account).id,
        amount: 100,
      });
    const outcomes = await Promise.all(opened.map((_, i) => deposit(i)));
    const ids = outcomes.map((o) => (o.kind === 'journal' ? o.journal.id : ''));
    // The shards the journal ids pick (ids are named by caller and key, so the same every run).
    const picked = new Set(ids.map((id) => shardOf(id, 4)));
    expect(picked.size).toBeGreaterThan(1);
    const report = await verifyLedger(db, table);
    expect(report.problems).toEqual([]);
    expect(report.systemShards).toBe(picked.size);
    expect(await ledger.systemBalance('cash-in', 'USD')).toBe(-N * 100);
    // A retry with a key already used is answered, not posted: no shard moves.
    expect(await deposit(0)).toMatchObject({ replayed: true });
    expect(await ledger.systemBalance('cash-in', 'USD')).toBe(-N * 100);
    expect((await verifyLedger(db, table)).systemShards).toBe(picked.size);
  }, 60_000);
});
