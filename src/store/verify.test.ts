import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestTable, dynamoClients } from '../../test/harness.ts';
import { AccountStore } from './accounts.ts';
import { createDocumentClient, type Db } from './db.ts';
import { IdempotencyStore } from './idempotency.ts';
import { keys } from './keys.ts';
import { LedgerStore } from './ledger.ts';
import { verifyLedger } from './verify.ts';

let db: Db;
beforeAll(() => {
  db = createDocumentClient(dynamoClients().client);
});

/** A small ledger: two accounts, a deposit, a withdrawal and a transfer. */
const seed = async () => {
  const table = await createTestTable('verify');
  const accounts = new AccountStore(db, table);
  const ledger = new LedgerStore(db, table, accounts, new IdempotencyStore(db, table, 3600), {
    systemShards: 2,
    dailyLimit: 1_000_000,
  });
  const a = await accounts.open({ ownerId: 'u1', type: 'checking', currency: 'USD' });
  const b = await accounts.open({ ownerId: 'u2', type: 'checking', currency: 'USD' });
  const base = { user: 'u1', fingerprint: 'f', amount: 100 };
  await ledger.deposit({ ...base, idempotencyKey: 'd', accountId: a.id });
  await ledger.withdraw({ ...base, idempotencyKey: 'w', accountId: a.id, amount: 30 });
  await ledger.transfer({
    ...base,
    idempotencyKey: 't',
    fromAccountId: a.id,
    toAccountNumber: b.number,
    amount: 20,
    currency: 'USD',
  });
  return { table, a, b };
};

describe('verify-ledger', () => {
  it('passes a ledger built by the store', async () => {
    const { table } = await seed();
    const r = await verifyLedger(db, table);
    expect(r).toMatchObject({ ok: true, accounts: 2, journals: 3, postings: 6, problems: [] });
    expect(r.currencies.USD).toEqual({ customerBalance: 70, postingSum: 0 });
  });

  it('catches a balance that does not match its postings', async () => {
    const { table, a } = await seed();
    await db.send(
      new UpdateCommand({
        TableName: table,
        Key: keys.account('u1', a.id),
        UpdateExpression: 'SET balance = :b',
        ExpressionAttributeValues: { ':b': 1_000 },
      }),
    );
    const r = await verifyLedger(db, table);
    expect(r.ok).toBe(false);
    expect(r.problems.join('\n')).toMatch(/balance 1000 but its postings sum to 50/);
  });

  it('catches history listed out of version order', async () => {
    const { table, a } = await seed();
    await db.send(
      new PutCommand({
        TableName: table,
        Item: {
          ...keys.posting(a.id, '2000-01-01T00:00:00.000Z', 'late'),
          entity: 'posting',
          accountId: a.id,
          amount: 0,
          currency: 'USD',
          seq: 99,
          balanceAfter: 50,
          journal: { txId: 'late' },
        },
      }),
    );
    const r = await verifyLedger(db, table);
    expect(r.problems.join('\n')).toMatch(/posting seq 99 is listed before an earlier one/);
  });

  it('catches a journal that does not sum to zero, and a negative balance', async () => {
    const { table, b } = await seed();
    await db.send(
      new PutCommand({
        TableName: table,
        Item: {
          ...keys.posting(b.id, '2026-01-01T00:00:00.000Z', 'forged'),
          entity: 'posting',
          accountId: b.id,
          amount: -500,
          currency: 'USD',
          seq: 99,
          balanceAfter: -480,
          journal: { txId: 'forged' },
        },
      }),
    );
    await db.send(
      new UpdateCommand({
        TableName: table,
        Key: keys.account('u2', b.id),
        UpdateExpression: 'SET balance = :b',
        ExpressionAttributeValues: { ':b': -480 },
      }),
    );
    const r = await verifyLedger(db, table);
    expect(r.ok).toBe(false);
    const text = r.problems.join('\n');
    expect(text).toMatch(/journal forged sums to -500 USD/);
    expect(text).toMatch(/is negative: -480/);
    expect(text).toMatch(/postings in USD sum to -500/);
  });
});
