import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { localClientConfig } from '../src/local/bootstrap.ts';
import { AccountStore } from '../src/store/accounts.ts';
import { createDocumentClient } from '../src/store/db.ts';
import { IdempotencyStore } from '../src/store/idempotency.ts';
import * as keys from '../src/store/item-keys.ts';
import { LedgerStore } from '../src/store/ledger.ts';
import { createTestTable, emulators } from '../test/harness.ts';
import type { BenchAccount } from './population.ts';
import { prepareRawTable, rawTransfer, rawTransferItems } from './raw.ts';

type Action = Record<string, { Key?: Record<string, unknown>; Item?: Record<string, unknown> }>;

/** What makes two transactions the same shape: action kinds, key families, the Put items' attributes. */
const shapeOf = (items: Action[]) =>
  items.map((action) => {
    const [kind, body] = Object.entries(action)[0] as [string, Action[string]];
    const key = body.Key ?? body.Item ?? {};
    const family = (v: unknown) => String(v).split('#')[0];
    return {
      kind,
      pk: family(key.pk),
      sk: family(key.sk),
      attributes: body.Item ? Object.keys(body.Item).sort() : undefined,
    };
  });

describe('the raw ceiling', () => {
  it('commits a transaction of the same shape and item count as the ledger’s transfer', async () => {
    const table = await createTestTable('raw');
    const client = new DynamoDBClient(localClientConfig(emulators().dynamodbEndpoint));
    let captured: Action[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'TransactWriteItemsCommand') {
          captured = (args.input as { TransactItems: Action[] }).TransactItems;
        }
        return next(args);
      },
      { step: 'initialize', name: 'capture' },
    );
    const db = createDocumentClient(client);
    const accounts = new AccountStore(db, table);
    const ledger = new LedgerStore(db, table, accounts, new IdempotencyStore(db, table, 3600), {
      systemShards: 4,
      dailyLimit: 1_000_000,
    });
    const [alice, bob] = [randomUUID(), randomUUID()];
    const from: BenchAccount = {
      ...(await accounts.open({ ownerId: alice, type: 'checking', currency: 'USD' })),
      ownerId: alice,
    };
    const to: BenchAccount = {
      ...(await accounts.open({ ownerId: bob, type: 'checking', currency: 'USD' })),
      ownerId: bob,
    };
    await ledger.deposit({
      user: alice,
      idempotencyKey: 'd',
      fingerprint: 'f',
      amount: 1000,
      accountId: from.id,
    });
    await ledger.transfer({
      user: alice,
      idempotencyKey: 't',
      fingerprint: 'f',
      amount: 10,
      fromAccountId: from.id,
      toAccountNumber: to.number,
      currency: 'USD',
    });
    const raw = rawTransferItems(table, from, to, 10) as Action[];
    expect(raw).toHaveLength(captured.length);
    expect(shapeOf(raw)).toEqual(shapeOf(captured));

    const rawTable = await createTestTable('raw-ceiling');
    await prepareRawTable(client, db, rawTable, [
      { ...from, balance: 1000 },
      { ...to, balance: 0 },
    ]);
    const r = await rawTransfer(db, rawTable, { ...from, balance: 1000 }, to, 10);
    expect(r).toEqual({ ok: true, outcome: 'committed', retries: 0 });
    const balance = async (a: BenchAccount) =>
      (await db.send(new GetCommand({ TableName: rawTable, Key: keys.account(a.ownerId, a.id) }))).Item
        ?.balance;
    expect(await balance(from)).toBe(990);
    expect(await balance(to)).toBe(10);
    client.destroy();
  });
});
