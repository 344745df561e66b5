/**
 * Bulk payments in the store, on DynamoDB Local with AWS's transaction conflicts emulated: the rules
 * are conditions on stored attributes in the one transaction (the sender's `available` against the
 * total, each recipient's `status`), not only checks of what was read.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestTable, emulators } from '../../test/harness.ts';
import type { Account } from '../domain/account.ts';
import { localClientConfig } from '../local/bootstrap.ts';
import { emulateConflicts } from '../local/conflicts.ts';
import { AccountStore } from './accounts.ts';
import { createDocumentClient, type Db } from './db.ts';
import { IdempotencyStore } from './idempotency.ts';
import { keys } from './keys.ts';
import { BatchLedgerStore } from './ledger-batch.ts';
import { verifyLedger } from './verify.ts';

let db: Db;
beforeAll(() => {
  const client = new DynamoDBClient(localClientConfig(emulators().dynamodbEndpoint));
  emulateConflicts(client, { BANK_EMULATE_CONFLICTS: 'on' });
  db = createDocumentClient(client);
});

const setup = async (ledgerDb?: (db: Db) => Db) => {
  const table = await createTestTable('batch');
  const accounts = new AccountStore(db, table);
  const l = ledgerDb ? ledgerDb(db) : db;
  const ledger = new BatchLedgerStore(l, table, accounts, new IdempotencyStore(l, table, 48 * 3600), {
    systemShards: 2,
    dailyLimit: 1_000_000,
  });
  const open = (ownerId: string) => accounts.open({ ownerId, type: 'checking', currency: 'USD' });
  const fund = async (a: Account, ownerId: string, amount: number) =>
    ledger.deposit({
      user: ownerId,
      idempotencyKey: `fund-${a.id}`,
      fingerprint: 'f',
      accountId: a.id,
      amount,
    });
  return { table, accounts, ledger, open, fund };
};

const freeze = (db: Db, table: string, ownerId: string, id: string) =>
  db.send(
    new UpdateCommand({
      TableName: table,
      Key: keys.account(ownerId, id),
      UpdateExpression: 'SET #status = :frozen',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':frozen': 'frozen' },
    }),
  );

describe('bulk payments in the store', () => {
  it('the sender is written once per batch: its version moves by the number of transfers', async () => {
    const { table, accounts, ledger, open, fund } = await setup();
    const from = await open('payer');
    await fund(from, 'payer', 1_000);
    const to = await open('payee');
    const o = await ledger.transferBatch({
      user: 'payer',
      idempotencyKey: 'b1',
      fingerprint: 'b1',
      fromAccountId: from.id,
      currency: 'USD',
      transfers: [100, 200, 300].map((amount) => ({ toAccountNumber: to.number, amount })),
    });
    expect(o.kind).toBe('batch');
    const sender = await accounts.mustGet('payer', from.id);
    expect(sender).toMatchObject({ balance: 400, available: 400, version: 4 });
    expect(await accounts.mustGet('payee', to.id)).toMatchObject({ balance: 600, version: 3 });
    expect((await verifyLedger(db, table)).problems).toEqual([]);
  });

  it('concurrent batches never overdraw: the total is a condition on the stored available', async () => {
    const { table, accounts, ledger, open, fund } = await setup();
    const from = await open('payer');
    await fund(from, 'payer', 1_000);
    const to = await open('payee');
    const outs = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        ledger.transferBatch({
          user: 'payer',
          idempotencyKey: `c${i}`,
          fingerprint: `c${i}`,
          fromAccountId: from.id,
          currency: 'USD',
          transfers: [100, 100, 100].map((amount) => ({ toAccountNumber: to.number, amount })),
        }),
      ),
    );
    expect(outs.filter((o) => o.kind === 'batch')).toHaveLength(3);
    expect(outs.filter((o) => o.kind === 'declined').map((o) => o.kind === 'declined' && o.code)).toEqual([
      'insufficient_funds',
      'insufficient_funds',
      'insufficient_funds',
    ]);
    expect(await accounts.mustGet('payer', from.id)).toMatchObject({ balance: 100, available: 100 });
    expect((await verifyLedger(db, table)).problems).toEqual([]);
  });

  it('a recipient frozen after it was read: the stored status refuses the credit, nothing posts', async () => {
    let frozen = false;
    let table = '';
    let victim: Account | undefined;
    // Freezes the recipient just before the batch's first TransactWriteItems, after the batch read it.
    const racing = (inner: Db): Db => {
      const wrapped = Object.create(inner) as Db;
      wrapped.send = (async (command: { constructor: { name: string } }) => {
        if (!frozen && victim && command.constructor.name === 'TransactWriteCommand') {
          frozen = true;
          await freeze(inner, table, 'payee-2', victim.id);
        }
        return inner.send(command as never);
      }) as Db['send'];
      return wrapped;
    };
    const s = await setup(racing);
    table = s.table;
    const from = await s.open('payer');
    await s.fund(from, 'payer', 1_000);
    const ok = await s.open('payee-1');
    victim = await s.open('payee-2');
    const o = await s.ledger.transferBatch({
      user: 'payer',
      idempotencyKey: 'race',
      fingerprint: 'race',
      fromAccountId: from.id,
      currency: 'USD',
      transfers: [
        { toAccountNumber: ok.number, amount: 100 },
        { toAccountNumber: victim.number, amount: 100 },
      ],
    });
    expect(frozen).toBe(true);
    expect(o).toMatchObject({ kind: 'declined', code: 'batch_rejected' });
    expect(o.kind === 'declined' && o.errors?.map((e) => [e.index, e.code])).toEqual([
      [1, 'account_not_active'],
    ]);
    expect((await s.accounts.mustGet('payer', from.id)).balance).toBe(1_000);
    expect((await s.accounts.mustGet('payee-1', ok.id)).balance).toBe(0);
    expect((await s.accounts.mustGet('payee-2', victim.id)).balance).toBe(0);
    expect((await verifyLedger(db, table)).problems).toEqual([]);
  });
});
