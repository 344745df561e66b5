import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
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

/** Sets attributes of one item, behind the stores' backs. */
const set = (
  table: string,
  key: Record<string, unknown>,
  expr: string,
  values: Record<string, unknown>,
  names?: Record<string, string>,
) =>
  db.send(
    new UpdateCommand({
      TableName: table,
      Key: key,
      UpdateExpression: expr,
      ExpressionAttributeValues: values,
      ...(names ? { ExpressionAttributeNames: names } : {}),
    }),
  );

/** A small ledger: two accounts, a deposit, a withdrawal and a transfer. */
const seed = async () => {
  const table = await createTestTable('verify');
  const accounts = new AccountStore(db, table);
  const ledger = new LedgerStore(db, table, accounts, new IdempotencyStore(db, table, 48 * 3600), {
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
  const t = await ledger.transfer({
    ...base,
    idempotencyKey: 't2',
    fromAccountId: a.id,
    toAccountNumber: b.number,
    amount: 10,
    currency: 'USD',
  });
  if (t.kind !== 'journal') throw new Error('transfer declined');
  await ledger.refund({
    user: 'u2',
    idempotencyKey: 'r',
    fingerprint: 'r',
    journalId: t.journal.id,
    amount: 4,
  });
  const h = await ledger.transfer({
    ...base,
    idempotencyKey: 'h',
    fromAccountId: a.id,
    toAccountNumber: b.number,
    amount: 15,
    currency: 'USD',
    pending: true,
    expiresInSeconds: 60,
  });
  if (h.kind !== 'journal') throw new Error('hold declined');
  return { table, a, b, transfer: t.journal, hold: h.journal };
};

describe('verify-ledger', () => {
  it('passes a ledger built by the store', async () => {
    const { table } = await seed();
    const r = await verifyLedger(db, table);
    expect(r).toMatchObject({ ok: true, accounts: 2, journals: 6, postings: 10, problems: [] });
    expect(r.currencies.USD).toEqual({ customerBalance: 70, incoming: 0, postingSum: 0 });
  });

  it('catches a balance that does not match its postings', async () => {
    const { table, a } = await seed();
    await set(table, keys.account('u1', a.id), 'SET balance = :b', { ':b': 1_000 });
    const r = await verifyLedger(db, table);
    expect(r.ok).toBe(false);
    expect(r.problems.join('\n')).toMatch(/balance 1000 but its postings sum to 44/);
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
          balanceAfter: 44,
          journalId: 'late',
        },
      }),
    );
    const r = await verifyLedger(db, table);
    expect(r.problems.join('\n')).toMatch(/posting seq 99 is listed before an earlier one/);
  });

  it('catches two postings with one seq, and a seq beyond the account version', async () => {
    const { table, a } = await seed();
    const history = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :tx)',
        ExpressionAttributeValues: { ':pk': keys.postingsOf(a.id).pk, ':tx': keys.postingsOf(a.id).skPrefix },
        ConsistentRead: true,
      }),
    );
    const [first, second] = (history.Items ?? []).filter((i) => i.entity === 'posting');
    expect(first?.seq).toBe(1);
    // The second posting claims the first one's seq: in scan order the running sums still hold.
    await set(table, { pk: second?.pk, sk: second?.sk }, 'SET seq = :one', { ':one': 1 });
    const doubled = await verifyLedger(db, table);
    expect(doubled.problems).toEqual([`account ${a.id} has two postings with seq 1`]);
    // The account's version moved back below its last posting's seq (5: deposit, withdrawal, two
    // transfers, a refund).
    await set(table, keys.account('u1', a.id), 'SET version = :v', { ':v': 2 });
    expect((await verifyLedger(db, table)).problems).toEqual([
      `account ${a.id} has two postings with seq 1`,
      `account ${a.id} has a posting seq 5 beyond its version 2`,
    ]);
  });

  it("catches a journal whose side's balanceAfter is not its posting's", async () => {
    const { table, transfer } = await seed();
    await set(table, keys.journal(transfer.id), 'SET #to.balanceAfter = :b', { ':b': 999 }, { '#to': 'to' });
    expect((await verifyLedger(db, table)).problems).toEqual([
      `journal ${transfer.id} says to.balanceAfter 999, its posting ${transfer.to?.balanceAfter}`,
    ]);
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
          journalId: 'forged',
        },
      }),
    );
    await db.send(
      new PutCommand({
        TableName: table,
        Item: {
          ...keys.journal('forged'),
          entity: 'journal',
          id: 'forged',
          type: 'transfer',
          status: 'posted',
          amount: 500,
        },
      }),
    );
    await set(table, keys.account('u2', b.id), 'SET balance = :b', { ':b': -480 });
    const r = await verifyLedger(db, table);
    expect(r.ok).toBe(false);
    const text = r.problems.join('\n');
    expect(text).toMatch(/journal forged sums to -500 USD/);
    expect(text).toMatch(/is negative: -480/);
    expect(text).toMatch(/postings in USD sum to -500/);
  });

  it('catches money left on a returns shard (a return given back to no one)', async () => {
    const { table } = await seed();
    // A journal that sums to zero, but parks 7 on a returns shard.
    const leg = (account: string, amount: number) =>
      db.send(
        new PutCommand({
          TableName: table,
          Item: {
            ...keys.posting(account, '2026-01-01T00:00:00.000Z', 'parked'),
            entity: 'posting',
            accountId: account,
            system: true,
            amount,
            currency: 'USD',
            journalId: 'parked',
          },
        }),
      );
    await leg('cash-in#USD#00', -7);
    await leg('returns#USD#00', 7);
    await db.send(
      new PutCommand({
        TableName: table,
        Item: {
          ...keys.journal('parked'),
          entity: 'journal',
          id: 'parked',
          type: 'deposit',
          status: 'posted',
          amount: 7,
        },
      }),
    );
    const r = await verifyLedger(db, table);
    expect(r.problems).toEqual(['returns shard returns#USD#00 holds 7: money returned to no one']);
  });

  it('catches a held amount that is not the sum of the live pending transfers', async () => {
    const { table, a } = await seed();
    expect((await verifyLedger(db, table)).problems).toEqual([]);
    await set(table, keys.account('u1', a.id), 'SET held = held + :d, available = available - :d', {
      ':d': 5,
    });
    expect((await verifyLedger(db, table)).problems.join('\n')).toMatch(
      /held 20 but its pending transfers sum to 15/,
    );
  });

  it('catches a negative available', async () => {
    const { table, a } = await seed();
    await set(table, keys.account('u1', a.id), 'SET available = :v', { ':v': -1 });
    expect((await verifyLedger(db, table)).problems.join('\n')).toMatch(/available is negative: -1/);
  });

  it('catches refunds that add up to more than the original', async () => {
    const { table, transfer } = await seed();
    await db.send(
      new PutCommand({
        TableName: table,
        Item: {
          ...keys.journal('extra'),
          entity: 'journal',
          id: 'extra',
          type: 'refund',
          status: 'voided',
          amount: 7,
          refundOf: transfer.id,
        },
      }),
    );
    expect((await verifyLedger(db, table)).problems.join('\n')).toMatch(/of 10 was refunded 11/);
  });

  it('catches a hold still counted more than two sweep intervals after its expiry', async () => {
    const { table, hold } = await seed();
    const expiry = Date.parse(hold.expiresAt as string);
    expect(
      (await verifyLedger(db, table, { now: new Date(expiry + 9_000), sweepSeconds: 5 })).problems,
    ).toEqual([]);
    const late = await verifyLedger(db, table, { now: new Date(expiry + 11_000), sweepSeconds: 5 });
    expect(late.problems.join('\n')).toMatch(/expired at .* but its hold is still counted/);
  });

  it('catches a journal whose status disagrees with its postings', async () => {
    const { table, hold, transfer } = await seed();
    const setStatus = (id: string, status: string) =>
      db.send(
        new UpdateCommand({
          TableName: table,
          Key: keys.journal(id),
          UpdateExpression: 'SET #s = :s',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': status },
        }),
      );
    await setStatus(hold.id, 'posted');
    await setStatus(transfer.id, 'voided');
    const text = (await verifyLedger(db, table)).problems.join('\n');
    expect(text).toMatch(new RegExp(`journal ${hold.id} is posted with 0 posting\\(s\\)`));
    expect(text).toMatch(new RegExp(`journal ${transfer.id} is voided but has 2 posting\\(s\\)`));
  });

  it('catches a deferred credit lost or doubled (hot recipients)', async () => {
    const table = await createTestTable('verify-credit');
    const accounts = new AccountStore(db, table);
    const ledger = new LedgerStore(db, table, accounts, new IdempotencyStore(db, table, 48 * 3600), {
      systemShards: 2,
      dailyLimit: 1_000_000,
      deferCredits: 'always',
    });
    const a = await accounts.open({ ownerId: 'u1', type: 'checking', currency: 'USD' });
    const b = await accounts.open({ ownerId: 'u2', type: 'checking', currency: 'USD' });
    await ledger.deposit({ user: 'u1', fingerprint: 'f', idempotencyKey: 'd', accountId: a.id, amount: 100 });
    const pay = async (key: string, amount: number) => {
      const t = await ledger.transfer({
        user: 'u1',
        fingerprint: key,
        idempotencyKey: key,
        fromAccountId: a.id,
        toAccountNumber: b.number,
        amount,
        currency: 'USD',
      });
      if (t.kind !== 'journal') throw new Error('transfer declined');
      return t.journal;
    };
    const lost = await pay('t1', 20);
    const doubled = await pay('t2', 10);
    const clean = await verifyLedger(db, table);
    expect(clean.problems).toEqual([]);
    expect(clean.currencies.USD).toEqual({ customerBalance: 70, incoming: 30, postingSum: 0 });
    // Lost: its credit item deleted without a posting. Doubled: a second credit item for one journal
    // (another time in its key).
    await db.send(new DeleteCommand({ TableName: table, Key: keys.credit(b.id, lost.createdAt, lost.id) }));
    await db.send(
      new PutCommand({
        TableName: table,
        Item: {
          ...keys.credit(b.id, '2026-01-01T00:00:00.000Z', doubled.id),
          entity: 'credit',
          accountId: b.id,
          ownerId: 'u2',
          journalId: doubled.id,
          amount: 10,
          currency: 'USD',
          createdAt: '2026-01-01T00:00:00.000Z',
        },
      }),
    );
    const text = (await verifyLedger(db, table, { sweepSeconds: 1e9 })).problems.join('\n');
    expect(text).toMatch(new RegExp(`journal ${lost.id} is unsettled but has no credit item`));
    expect(text).toMatch(new RegExp(`journal ${doubled.id} has two credit items`));
    expect(text).toMatch(/postings in USD sum to/);
  });
});
