/**
 * Bulk payments in the store, on DynamoDB Local with AWS's transaction conflicts emulated: the rules
 * are conditions on stored attributes in the one transaction (the sender's `available` against the
 * total, each recipient's `status`), not only checks of what was read.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type BatchGetCommand, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestTable, emulators } from '../../test/harness.ts';
import { openedBeforeHosts } from '../../test/legacy.ts';
import type { Account } from '../domain/account.ts';
import { MAX_BATCH_TRANSFERS } from '../domain/batch.ts';
import { localClientConfig } from '../local/bootstrap.ts';
import { emulateConflicts } from '../local/conflicts.ts';
import { AccountStore } from './accounts.ts';
import { createDocumentClient, type Db } from './db.ts';
import { IdempotencyStore } from './idempotency.ts';
import * as keys from './item-keys.ts';
import { BatchLedgerStore } from './ledger-batch.ts';
import { verifyLedger } from './verify.ts';

let db: Db;
beforeAll(() => {
  const client = new DynamoDBClient(localClientConfig(emulators().dynamodbEndpoint));
  emulateConflicts(client, { BANK_EMULATE_CONFLICTS: 'on' });
  db = createDocumentClient(client);
});

const setup = async (
  ledgerDb?: (db: Db) => Db,
  opts: { dailyLimit?: number; now?: () => Date; deferCredits?: 'contended' } = {},
) => {
  const table = await createTestTable('batch');
  const accounts = new AccountStore(db, table);
  const l = ledgerDb ? ledgerDb(db) : db;
  const ledger = new BatchLedgerStore(l, table, accounts, new IdempotencyStore(l, table, 48 * 3600), {
    systemShards: 2,
    dailyLimit: opts.dailyLimit ?? 1_000_000,
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.deferCredits ? { deferCredits: opts.deferCredits } : {}),
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

/** The payer's bulk payment from `from`, under `key`: [recipient, amount] per transfer. */
const payFrom = (
  ledger: BatchLedgerStore,
  from: Account,
  key: string,
  transfers: readonly (readonly [Account, number])[],
) =>
  ledger.transferBatch({
    user: 'payer',
    idempotencyKey: key,
    fingerprint: key,
    fromAccountId: from.id,
    currency: 'USD',
    transfers: transfers.map(([to, amount]) => ({ toAccountNumber: to.number, amount })),
  });

describe('bulk payments in the store', () => {
  it('the sender is written once per batch: its version moves by the number of transfers', async () => {
    const { table, accounts, ledger, open, fund } = await setup();
    const from = await open('payer');
    await fund(from, 'payer', 1_000);
    const to = await open('payee');
    const o = await payFrom(ledger, from, 'b1', [
      [to, 100],
      [to, 200],
      [to, 300],
    ]);
    expect(o.kind).toBe('batch');
    const sender = await accounts.mustGet('payer', from.id);
    expect(sender).toMatchObject({ balance: 400, available: 400, version: 4 });
    expect(await accounts.mustGet('payee', to.id)).toMatchObject({ balance: 600, version: 3 });
    expect((await verifyLedger(db, table)).problems).toEqual([]);
  });

  it('refuses an empty batch and one over MAX_BATCH_TRANSFERS itself, not only at the API: nothing posts', async () => {
    const { table, accounts, ledger, open, fund } = await setup();
    const from = await open('payer');
    // Its daily counter an item of its own (opened before hosts): the batch's 3 fixed items.
    await openedBeforeHosts(db, table, { ownerId: 'payer', id: from.id, currency: 'USD' });
    await fund(from, 'payer', 10_000);
    const to = await open('payee');
    await expect(payFrom(ledger, from, 'empty', [])).rejects.toMatchObject({ code: 'validation_failed' });
    const over = Array.from({ length: MAX_BATCH_TRANSFERS + 1 }, () => [to, 1] as const);
    await expect(payFrom(ledger, from, 'over', over)).rejects.toMatchObject({
      code: 'validation_failed',
      detail: `A batch has 1 to ${MAX_BATCH_TRANSFERS} transfers`,
    });
    expect(await accounts.mustGet('payer', from.id)).toMatchObject({ balance: 10_000, version: 1 });
    // The most it takes: one transaction of 3 + 2 × 48 items, every recipient distinct (each its
    // journal and its account): 49 would not fit in DynamoDB's 100.
    const payees = await Promise.all(
      Array.from({ length: MAX_BATCH_TRANSFERS }, (_, i) => open(`payee-${i}`)),
    );
    const most = await payFrom(
      ledger,
      from,
      'most',
      payees.map((p) => [p, 1] as const),
    );
    expect(most.kind).toBe('batch');
    for (const [i, p] of payees.entries())
      expect(await accounts.mustGet(`payee-${i}`, p.id)).toMatchObject({ balance: 1 });
  });

  it("the daily limit takes the total on the payer's first account's item, also when that account is among the recipients", async () => {
    const { table, ledger, open, fund } = await setup(undefined, {
      dailyLimit: 1_000,
      now: () => new Date('2026-03-10T12:00:00Z'),
    });
    // The payer's first account carries their daily counters; the batch is paid from their second.
    const first = await open('payer');
    const second = await open('payer');
    await fund(second, 'payer', 5_000);
    const other = await open('payee');
    // 500 of the day's 1 000 spent first.
    expect((await payFrom(ledger, second, 'first', [[other, 500]])).kind).toBe('batch');
    const over = await payFrom(ledger, second, 'over', [
      [first, 300],
      [other, 201],
    ]);
    // Refused for the limit at once: the first account's update, which carries the counter, is in the
    // batch's transaction as a recipient's, and its read shows what is left; not retried until busy.
    expect(over).toMatchObject({ kind: 'declined', code: 'daily_limit_exceeded' });
    const within = await payFrom(ledger, second, 'within', [
      [first, 300],
      [other, 200],
    ]);
    expect(within.kind).toBe('batch');
    const host = await db.send(
      new GetCommand({ TableName: table, Key: keys.account('payer', first.id), ConsistentRead: true }),
    );
    expect(host.Item?.['out#2026-03-10']).toBe(1_000);
    expect(await payFrom(ledger, second, 'more', [[other, 1]])).toMatchObject({
      kind: 'declined',
      code: 'daily_limit_exceeded',
    });
    expect((await verifyLedger(db, table)).problems).toEqual([]);
  });

  it("an expired hold never refuses a batch to the payer's first account for the daily limit", async () => {
    let now = Date.parse('2026-03-10T12:00:00Z');
    const { table, ledger, open, fund } = await setup(undefined, {
      dailyLimit: 1_000,
      now: () => new Date(now),
    });
    const first = await open('payer');
    const second = await open('payer');
    await fund(second, 'payer', 5_000);
    const other = await open('payee');
    // A hold of 700 from the second account, on the first's counter, past its expiry and not swept.
    const hold = await ledger.transfer({
      user: 'payer',
      idempotencyKey: 'hold',
      fingerprint: 'hold',
      fromAccountId: second.id,
      toAccountNumber: other.number,
      currency: 'USD',
      amount: 700,
      pending: true,
      expiresInSeconds: 60,
    });
    if (hold.kind !== 'journal') throw new Error('hold declined');
    now += 60_000;
    // The batch releases it first; the first account, read beside that release as a recipient, must
    // not judge the limit on the counter from before it.
    const paid = await payFrom(ledger, second, 'after', [
      [first, 300],
      [other, 200],
    ]);
    expect(paid.kind).toBe('batch');
    expect((await ledger.getJournal(hold.journal.id))?.status).toBe('expired');
    const counter = async () =>
      (
        await db.send(
          new GetCommand({ TableName: table, Key: keys.account('payer', first.id), ConsistentRead: true }),
        )
      ).Item?.['out#2026-03-10'];
    expect(await counter()).toBe(500);
    expect((await verifyLedger(db, table, { now: new Date(now) })).problems).toEqual([]);
  });

  it.for([
    ['frozen', 'USD', 'account_not_active'],
    ['active', 'EUR', 'currency_mismatch'],
  ] as const)(
    'a sender %s, a batch in %s: refused whole, at the top level, nothing posted',
    async ([status, currency, code]) => {
      const { table, accounts, ledger, open, fund } = await setup();
      const from = await open('payer');
      await fund(from, 'payer', 1_000);
      const [to1, to2] = [await open('payee'), await open('payee')];
      if (status === 'frozen') await freeze(db, table, 'payer', from.id);
      const out = await ledger.transferBatch({
        user: 'payer',
        idempotencyKey: 'k',
        fingerprint: 'k',
        fromAccountId: from.id,
        currency,
        transfers: [to1, to2].map((to) => ({ toAccountNumber: to.number, amount: 10 })),
      });
      expect(out).toMatchObject({ kind: 'declined', code });
      expect(out).not.toHaveProperty('refusals');
      expect(await accounts.mustGet('payer', from.id)).toMatchObject({ balance: 1_000 });
      expect(await accounts.mustGet('payee', to1.id)).toMatchObject({ balance: 0 });
    },
  );

  it('concurrent batches never overdraw: the total is a condition on the stored available', async () => {
    const { table, accounts, ledger, open, fund } = await setup();
    const from = await open('payer');
    await fund(from, 'payer', 1_000);
    const to = await open('payee');
    const outs = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        payFrom(ledger, from, `c${i}`, [
          [to, 100],
          [to, 100],
          [to, 100],
        ]),
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

  it('a hold placed between its read and its commit (the version unmoved) is seen by the condition on available', async () => {
    // The batch's transaction waits at the door while a pending transfer holds 600 of the 1,000.
    let arrived = () => {};
    let release = () => {};
    const atDoor = new Promise<void>((r) => {
      arrived = r;
    });
    const open = new Promise<void>((r) => {
      release = r;
    });
    let held = false;
    const gated = (inner: Db) => {
      const g = Object.create(inner) as Db;
      g.send = (async (command: { constructor: { name: string } }) => {
        if (command.constructor.name === 'TransactWriteCommand' && !held) {
          held = true;
          arrived();
          await open;
        }
        return inner.send(command as never);
      }) as Db['send'];
      return g;
    };
    const { table, accounts, ledger, fund } = await setup(gated);
    held = true; // the funding deposit goes straight through
    const from = await accounts.open({ ownerId: 'payer', type: 'checking', currency: 'USD' });
    await fund(from, 'payer', 1_000);
    const to = await accounts.open({ ownerId: 'payee', type: 'checking', currency: 'USD' });
    held = false;
    const batch = payFrom(ledger, from, 'raced', [
      [to, 250],
      [to, 250],
    ]);
    await atDoor;
    const before = await accounts.mustGet('payer', from.id);
    const other = new BatchLedgerStore(db, table, accounts, new IdempotencyStore(db, table, 48 * 3600), {
      systemShards: 2,
      dailyLimit: 1_000_000,
    });
    const hold = await other.transfer({
      user: 'payer',
      idempotencyKey: 'hold',
      fingerprint: 'hold',
      fromAccountId: from.id,
      toAccountNumber: to.number,
      currency: 'USD',
      amount: 600,
      pending: true,
    });
    expect(hold).toMatchObject({ kind: 'journal', journal: { status: 'pending' } });
    // The premise: a hold leaves the version as it was, so only the condition on available can tell.
    expect((await accounts.mustGet('payer', from.id)).version).toBe(before.version);
    release();
    expect(await batch).toMatchObject({ kind: 'declined', code: 'insufficient_funds' });
    expect(await accounts.mustGet('payer', from.id)).toMatchObject({ balance: 1_000, available: 400 });
    expect((await accounts.mustGet('payee', to.id)).balance).toBe(0);
    expect((await verifyLedger(db, table)).problems).toEqual([]);
  });

  it('reads its recipients in BatchGetItems, not one GetItem each, and asks again for keys left unprocessed', async () => {
    const table = await createTestTable('batch');
    const sent: string[] = [];
    let halve = true;
    // Counts the requests; DynamoDB answers a BatchGetItem of all 12 recipients' keys (the first of
    // each kind) for half of them.
    const counting = Object.create(db) as Db;
    counting.send = (async (command: BatchGetCommand) => {
      sent.push(command.constructor.name);
      if (command.constructor.name !== 'BatchGetCommand' || !halve) return db.send(command as never);
      const [name, ask] = Object.entries(command.input.RequestItems ?? {})[0] as [string, { Keys: object[] }];
      if (ask.Keys.length < 12) return db.send(command as never);
      const half = Math.ceil(ask.Keys.length / 2);
      const r = await db.send(
        new (command.constructor as typeof BatchGetCommand)({
          RequestItems: { [name]: { ...ask, Keys: ask.Keys.slice(0, half) } },
        }),
      );
      return { ...r, UnprocessedKeys: { [name]: { Keys: ask.Keys.slice(half) } } };
    }) as Db['send'];
    const opening = new AccountStore(db, table);
    const open = (ownerId: string) => opening.open({ ownerId, type: 'checking', currency: 'USD' });
    const from = await open('payer');
    const payees = await Promise.all(Array.from({ length: 12 }, (_, i) => open(`payee-${i}`)));
    // A new store: no owner of a number remembered yet (a cold Lambda instance).
    const accounts = new AccountStore(counting, table);
    const ledger = new BatchLedgerStore(
      counting,
      table,
      accounts,
      new IdempotencyStore(counting, table, 48 * 3600),
      {
        systemShards: 2,
        dailyLimit: 1_000_000,
      },
    );
    await new BatchLedgerStore(db, table, opening, new IdempotencyStore(db, table, 48 * 3600), {
      systemShards: 2,
      dailyLimit: 1_000_000,
    }).deposit({
      user: 'payer',
      idempotencyKey: 'fund',
      fingerprint: 'f',
      accountId: from.id,
      amount: 1_000,
    });
    const transfer = (idempotencyKey: string) =>
      // 13 transfers, 12 recipients: the first one twice.
      payFrom(
        ledger,
        from,
        idempotencyKey,
        [...payees, payees[0] as Account].map((p) => [p, 10] as const),
      );
    expect(await transfer('cold')).toMatchObject({ kind: 'batch' });
    // The sender's GetItem; the numbers' owners and then the accounts, each asked twice (half left
    // unprocessed the first time); the transaction.
    expect(sent.sort()).toEqual([
      'BatchGetCommand',
      'BatchGetCommand',
      'BatchGetCommand',
      'BatchGetCommand',
      'GetCommand',
      'TransactWriteCommand',
    ]);
    // A warm instance remembers the owners: one BatchGetItem for the accounts.
    sent.length = 0;
    halve = false;
    expect(await transfer('warm')).toMatchObject({ kind: 'batch' });
    expect(sent.sort()).toEqual(['BatchGetCommand', 'GetCommand', 'TransactWriteCommand']);
    for (const [i, p] of payees.entries())
      expect((await opening.mustGet(`payee-${i}`, p.id)).balance).toBe(i === 0 ? 40 : 20);
    expect((await opening.mustGet('payer', from.id)).balance).toBe(1_000 - 2 * 130);
    expect((await verifyLedger(db, table)).problems).toEqual([]);
  });

  it('pays recipients whose owners it had remembered when the bounded cache of owners is emptied mid-lookup', async () => {
    const { accounts, ledger, open, fund, table } = await setup();
    const from = await open('payer');
    await fund(from, 'payer', 1_000);
    const payees = [await open('payee-0'), await open('payee-1'), await open('payee-2')];
    const batch = (idempotencyKey: string, to: Account[]) =>
      payFrom(
        ledger,
        from,
        idempotencyKey,
        to.map((p) => [p, 10] as const),
      );
    // 9,998 numbers remembered, then payee-0 by a first batch: the cache is one short of its bound.
    for (let i = 0; i < 9_998; i++) accounts.remember(`other-${i}`, { ownerId: 'o', accountId: `a-${i}` });
    expect(await batch('first', [payees[0] as Account])).toMatchObject({ kind: 'batch' });
    // Looking up payee-1 fills it; payee-2 empties it, payee-0 and payee-1 with it.
    const o = await batch('second', payees);
    expect(o).toMatchObject({ kind: 'batch' });
    expect(o.kind === 'batch' && o.journals.map((j) => j.to?.number)).toEqual(payees.map((p) => p.number));
    expect((await accounts.mustGet('payee-0', (payees[0] as Account).id)).balance).toBe(20);
    expect((await verifyLedger(db, table)).problems).toEqual([]);
  });

  it('pays a recipient stored before holds existed (no `available`): upgraded once, credited exactly', async () => {
    const { accounts, ledger, open, fund, table } = await setup();
    const from = await open('payer');
    await fund(from, 'payer', 1_000);
    const old = await open('old-payee');
    await db.send(
      new UpdateCommand({
        TableName: table,
        Key: keys.account('old-payee', old.id),
        UpdateExpression: 'REMOVE available, held, holds',
      }),
    );
    const o = await payFrom(ledger, from, 'old', [[old, 250]]);
    expect(o).toMatchObject({ kind: 'batch' });
    expect(await accounts.mustGet('old-payee', old.id)).toMatchObject({
      balance: 250,
      available: 250,
      held: 0,
    });
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
    const o = await payFrom(s.ledger, from, 'race', [
      [ok, 100],
      [victim, 100],
    ]);
    expect(frozen).toBe(true);
    expect(o).toMatchObject({ kind: 'declined', code: 'batch_rejected' });
    expect(o.kind === 'declined' && o.refusals?.map((e) => [e.index, e.code])).toEqual([
      [1, 'account_not_active'],
    ]);
    expect((await s.accounts.mustGet('payer', from.id)).balance).toBe(1_000);
    expect((await s.accounts.mustGet('payee-1', ok.id)).balance).toBe(0);
    expect((await s.accounts.mustGet('payee-2', victim.id)).balance).toBe(0);
    expect((await verifyLedger(db, table)).problems).toEqual([]);
  });
});

describe('hot recipients in a bulk payment (deferCredits: contended)', () => {
  it('only the recipient whose account update lost a race is credited through a credit item; the others at once', async () => {
    let raced = false;
    let hot: Account | undefined;
    let s: Awaited<ReturnType<typeof setup>> | undefined;
    // A deposit into one recipient just before the batch's first TransactWriteItems: that recipient's
    // version moved since the batch read it, so its piece (`to:<id>`) fails.
    const racing = (inner: Db): Db => {
      const wrapped = Object.create(inner) as Db;
      wrapped.send = (async (command: { constructor: { name: string } }) => {
        if (!raced && hot && s && command.constructor.name === 'TransactWriteCommand') {
          raced = true;
          await s.fund(hot, 'payee-hot', 50);
        }
        return inner.send(command as never);
      }) as Db['send'];
      return wrapped;
    };
    s = await setup(racing, { deferCredits: 'contended' });
    const from = await s.open('payer');
    await s.fund(from, 'payer', 1_000);
    const calm = await s.open('payee-calm');
    hot = await s.open('payee-hot');
    const o = await payFrom(s.ledger, from, 'hot-and-calm', [
      [calm, 100],
      [hot, 100],
      [calm, 20],
    ]);
    expect(raced).toBe(true);
    expect(o.kind).toBe('batch');
    // The calm recipient's credits are in its balance with the 201; the hot one's wait for the settler.
    expect((await s.accounts.mustGet('payee-calm', calm.id)).balance).toBe(120);
    expect((await s.accounts.mustGet('payee-hot', hot.id)).balance).toBe(50);
    const credits = await db.send(
      new QueryCommand({
        TableName: s.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.creditsOf(hot.id).pk },
      }),
    );
    expect(credits.Items?.map((c) => c.amount)).toEqual([100]);
    // No credit item for the calm recipient.
    const calmCredits = await db.send(
      new QueryCommand({
        TableName: s.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.creditsOf(calm.id).pk },
      }),
    );
    expect(calmCredits.Items).toEqual([]);
    expect((await s.accounts.mustGet('payer', from.id)).balance).toBe(1_000 - 220);
    // Only the hot recipient is remembered as hot: the next batch credits the calm one at once.
    expect((await payFrom(s.ledger, from, 'calm-again', [[calm, 5]])).kind).toBe('batch');
    expect((await s.accounts.mustGet('payee-calm', calm.id)).balance).toBe(125);
    expect((await verifyLedger(db, s.table)).problems).toEqual([]);
  });
});

describe('a bulk payment’s key, after its record’s 48 hours', () => {
  it('a retry days later replays the batch: nothing posts twice, another request is refused', async () => {
    const table = await createTestTable('batch-late');
    const accounts = new AccountStore(db, table);
    let clock = new Date('2026-12-01T10:00:00.000Z');
    const ledger = new BatchLedgerStore(db, table, accounts, new IdempotencyStore(db, table, 48 * 3600), {
      systemShards: 2,
      dailyLimit: 1_000_000,
      now: () => clock,
    });
    const from = await accounts.open({ ownerId: 'payer', type: 'checking', currency: 'USD' });
    const to = await accounts.open({ ownerId: 'payee', type: 'checking', currency: 'USD' });
    await ledger.deposit({
      user: 'payer',
      idempotencyKey: 'fund',
      fingerprint: 'f',
      accountId: from.id,
      amount: 1_000,
    });
    const first = await payFrom(ledger, from, 'late', [
      [to, 100],
      [to, 50],
    ]);
    expect(first.replayed).toBe(false);
    // Three days on: DynamoDB's TTL would have deleted a record that expired (it deletes lazily: here
    // the item is still there, and its `expiresAt` is what would let the key be taken again).
    clock = new Date('2026-12-04T10:00:00.000Z');
    const again = await payFrom(ledger, from, 'late', [
      [to, 100],
      [to, 50],
    ]);
    expect(again.replayed).toBe(true);
    expect(again).toMatchObject({ id: (first as { id: string }).id });
    // Every transfer of the batch, as it was answered the first time: not only its id.
    const journalsOf = (o: unknown) =>
      (o as { journals?: { id: string; amount: number; status: string }[] }).journals;
    expect(journalsOf(first)).toHaveLength(2);
    expect(journalsOf(again)?.map((j) => [j.id, j.amount, j.status])).toEqual(
      journalsOf(first)?.map((j) => [j.id, j.amount, j.status]),
    );
    expect(journalsOf(again)?.map((j) => j.amount)).toEqual([100, 50]);
    expect((await accounts.mustGet('payer', from.id)).balance).toBe(850);
    expect((await accounts.mustGet('payee', to.id)).balance).toBe(150);
    // The same key for another batch is another request.
    await expect(
      ledger.transferBatch({
        user: 'payer',
        idempotencyKey: 'late',
        fingerprint: 'another body',
        fromAccountId: from.id,
        currency: 'USD',
        transfers: [{ toAccountNumber: to.number, amount: 1 }],
      }),
    ).rejects.toMatchObject({ code: 'idempotency_key_reused' });
    expect((await verifyLedger(db, table)).problems).toEqual([]);
  });
});
