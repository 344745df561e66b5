import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestTable, dynamoClients } from '../../test/harness.ts';
import { shardOf, systemShardId } from '../domain/ledger.ts';
import { AccountStore } from './accounts.ts';
import { createDocumentClient, type Db } from './db.ts';
import { historyBetween, historyKey, isPosting, sideEntries } from './history.ts';
import { IdempotencyStore, type Outcome } from './idempotency.ts';
import * as keys from './item-keys.ts';
import { LedgerStore, type LedgerWriter } from './ledger.ts';
import { StaffLedger } from './ledger-admin.ts';
import { BatchLedgerStore } from './ledger-batch.ts';
import { CreditReturns } from './ledger-return.ts';
import { CreditSettler } from './ledger-settle.ts';
import { historyIndexes } from './table.ts';
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
      ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
      ...(names ? { ExpressionAttributeNames: names } : {}),
    }),
  );

/** An account's history entries, oldest first (store/history.ts). */
const historyOf = async (table: string, accountId: string) => {
  const out: Record<string, unknown>[] = [];
  for await (const e of historyBetween(db, table, accountId, {
    lo: historyKey(''),
    hi: historyKey('\uffff'),
  }))
    out.push(e);
  return out;
};

const stored = async (table: string, key: Record<string, unknown>) =>
  (await db.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item ?? {};

/** The journal side a history entry is, and its index. */
const sideOf = async (table: string, entry: Record<string, unknown> | undefined) => {
  const key = keys.journal(String(entry?.journalId));
  const journal = await stored(table, key);
  const index = historyIndexes.find((i) => journal[i.sortKey] === entry?.sk);
  if (!index) throw new Error(`${String(entry?.sk)} is not a side of its journal`);
  return { key, index };
};

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

/** A customer account as the forged items name it. */
interface Owned {
  id: string;
  ownerId: string;
  number: string;
}

const party = (a: Owned) => ({ accountId: a.id, number: a.number, ownerId: a.ownerId });

let forgedAt = 0;
/**
 * Writes a posted journal and its postings behind the stores' backs, as the stores would keep them
 * otherwise: on a customer account each posting follows the last one (time, seq) with its exact
 * balanceAfter, and the account's balance, available and version move with it. So only what the test
 * makes wrong is wrong. A leg on a string is on that system shard. Returns each leg's seq.
 */
const forge = async (
  table: string,
  journal: Record<string, unknown> & { id: string },
  legs: readonly (readonly [account: Owned | string, amount: number, currency?: string])[],
) => {
  const seqs: (number | undefined)[] = [];
  for (const [account, amount, currency = 'USD'] of legs) {
    const at = new Date(Date.now() + 86_400_000 + forgedAt++).toISOString();
    const posting = {
      entity: 'posting',
      amount,
      currency,
      journalId: journal.id,
      status: 'posted',
      createdAt: at,
    };
    if (typeof account === 'string') {
      await db.send(
        new PutCommand({
          TableName: table,
          Item: { ...keys.posting(account, at, journal.id), ...posting, accountId: account, system: true },
        }),
      );
      seqs.push(undefined);
      continue;
    }
    const key = keys.account(account.ownerId, account.id);
    const read = await db.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }));
    const seq = Number(read.Item?.version) + 1;
    await db.send(
      new PutCommand({
        TableName: table,
        Item: {
          ...keys.posting(account.id, at, journal.id),
          ...posting,
          accountId: account.id,
          system: false,
          ownerId: account.ownerId,
          seq,
          balanceAfter: Number(read.Item?.balance) + amount,
        },
      }),
    );
    await set(table, key, 'SET balance = balance + :d, available = available + :d, version = :v', {
      ':d': amount,
      ':v': seq,
    });
    seqs.push(seq);
  }
  await db.send(
    new PutCommand({
      TableName: table,
      Item: {
        ...keys.journal(journal.id),
        entity: 'journal',
        status: 'posted',
        currency: 'USD',
        description: '',
        version: 1,
        ...journal,
      },
    }),
  );
  return seqs;
};

const posted = (o: Outcome) => {
  if (o.kind !== 'journal') throw new Error(`not posted: ${JSON.stringify(o)}`);
  return o.journal;
};

/**
 * A ledger with every kind of journal the code writes, through the stores: deposit, withdrawal,
 * transfer, a pending transfer posted in part and one voided, a refund, a bulk payment, teller cash
 * in and out, reversals of a deposit, a withdrawal, a transfer and a refund, a deferred transfer
 * settled, one still unsettled, and one returned to its sender (its recipient closed) with the
 * reversal that gave it back.
 */
const everyKind = async () => {
  const table = await createTestTable('verify-kinds');
  const accounts = new AccountStore(db, table);
  const idempotency = new IdempotencyStore(db, table, 48 * 3600);
  const opts = { systemShards: 2, dailyLimit: 1_000_000 };
  const ledger = new BatchLedgerStore(db, table, accounts, idempotency, opts);
  const deferring = new LedgerStore(db, table, accounts, idempotency, { ...opts, deferCredits: 'always' });
  const staff = new StaffLedger(db, table, accounts, idempotency, opts);
  const returns = new CreditReturns(db, table, accounts, idempotency, opts);
  const settler = new CreditSettler(db, table, accounts, { systemShards: 2, returns });
  const open = async (ownerId: string): Promise<Owned> => ({
    ...(await accounts.open({ ownerId, type: 'checking', currency: 'USD' })),
    ownerId,
  });
  const [a, b, c] = [await open('u1'), await open('u2'), await open('u3')];
  const k = (key: string) => ({ idempotencyKey: key, fingerprint: key });
  const pay = (
    key: string,
    to: Owned,
    amount: number,
    more: { pending?: boolean } = {},
    via: LedgerWriter = ledger,
  ) =>
    via
      .transfer({
        user: 'u1',
        ...k(key),
        fromAccountId: a.id,
        toAccountNumber: to.number,
        amount,
        currency: 'USD',
        ...more,
      })
      .then(posted);
  const deposit = posted(await ledger.deposit({ user: 'u1', ...k('d'), accountId: a.id, amount: 1_000 }));
  const withdrawal = posted(await ledger.withdraw({ user: 'u1', ...k('w'), accountId: a.id, amount: 50 }));
  const transfer = await pay('t', b, 100);
  const hold = await pay('h', b, 60, { pending: true });
  posted(await ledger.post({ user: 'u1', ...k('p'), journalId: hold.id, amount: 25 }));
  const voided = await pay('h2', b, 10, { pending: true });
  await ledger.void({ user: 'u1', ...k('v'), journalId: voided.id });
  const refund = posted(await ledger.refund({ user: 'u2', ...k('r'), journalId: transfer.id, amount: 30 }));
  await ledger.transferBatch({
    user: 'u1',
    ...k('batch'),
    fromAccountId: a.id,
    currency: 'USD',
    transfers: [
      { toAccountNumber: b.number, amount: 5 },
      { toAccountNumber: c.number, amount: 7 },
      { toAccountNumber: b.number, amount: 6 },
    ],
  });
  posted(await staff.tellerDeposit({ user: 'staff', ...k('td'), accountId: b.id, amount: 40 }));
  posted(await staff.tellerWithdraw({ user: 'staff', ...k('tw'), accountId: b.id, amount: 15 }));
  for (const [key, original, amount] of [
    ['rd', deposit, 10],
    ['rw', withdrawal, 5],
    ['rt', transfer, 20],
    ['rr', refund, 3],
  ] as const)
    posted(await staff.reverse({ user: 'staff', ...k(key), journalId: original.id, amount, reason: 'test' }));
  await pay('settled', b, 12, {}, deferring);
  expect(await settler.settle('u2', b.id)).toBe(1);
  const returned = await pay('returned', c, 9, {}, deferring);
  const close = (owner: string, id: string) =>
    set(
      table,
      keys.account(owner, id),
      'SET #s = :closed, version = version + :one',
      { ':closed': 'closed', ':one': 1 },
      { '#s': 'status' },
    );
  // A sender that pays all it has to c and closes before c's credits settle: unclaimed funds.
  const formerCustomer = async (owner: string, amount: number) => {
    const d = await open(owner);
    posted(await ledger.deposit({ user: owner, ...k(`d-${owner}`), accountId: d.id, amount }));
    const t = posted(
      await deferring.transfer({
        user: owner,
        ...k(`unclaimed-${owner}`),
        fromAccountId: d.id,
        toAccountNumber: c.number,
        amount,
        currency: 'USD',
      }),
    );
    await close(owner, d.id);
    return t;
  };
  const unclaimed = await formerCustomer('u4', 11);
  // Another former customer, who takes theirs by cheque.
  const byCheque = await formerCustomer('u5', 6);
  // Closed empty, as AccountStore.close requires (its 7 from the bulk payment taken out first).
  posted(await ledger.withdraw({ user: 'u3', ...k('cw'), accountId: c.id, amount: 7 }));
  await close('u3', c.id);
  expect(await settler.settle('u3', c.id)).toBe(3);
  // The former customer opens an account again, and staff pay the unclaimed funds out to it.
  const d2 = await open('u4');
  const payout = posted(
    await staff.payUnclaimed({
      user: 'staff',
      ...k('payout'),
      journalId: unclaimed.id,
      toAccountId: d2.id,
      reason: 'test',
    }),
  );
  const cheque = posted(
    await staff.payUnclaimed({
      user: 'staff',
      ...k('cheque'),
      journalId: byCheque.id,
      method: 'cheque',
      reference: 'CHQ-000123',
      reason: 'test',
    }),
  );
  const unsettled = await pay('unsettled', b, 8, {}, deferring);
  return { table, a, b, c, d2, returned, unclaimed, payout, byCheque, cheque, unsettled };
};

describe('verify-ledger', () => {
  it('passes a ledger built by the store', async () => {
    const { table } = await seed();
    const r = await verifyLedger(db, table);
    expect(r).toMatchObject({ ok: true, accounts: 2, journals: 6, postings: 10, problems: [] });
    expect(r.currencies.USD).toEqual({ customerBalance: 70, incoming: 0, unclaimed: 0, postingSum: 0 });
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
    const [first, second] = (await historyOf(table, a.id)).filter(isPosting);
    expect(first?.seq).toBe(1);
    // The second posting (its journal's side) claims the first one's seq: in scan order the running
    // sums still hold.
    const side = await sideOf(table, second);
    await set(table, side.key, `SET ${side.index.seq} = :one`, { ':one': 1 });
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

  it("catches a gap in an account's posting numbers, and a last number the account does not have", async () => {
    const { table, a } = await seed();
    const postings = (await historyOf(table, a.id)).filter(isPosting);
    expect(postings.map((p) => p.postingNo)).toEqual([1, 2, 3, 4, 5]);
    const side = await sideOf(table, postings[2]);
    await set(table, side.key, 'SET #p.postingNo = :n', { ':n': 4 }, { '#p': side.index.party });
    expect((await verifyLedger(db, table)).problems).toEqual([
      `account ${a.id} posting seq 3 is numbered 4, after 2`,
      `account ${a.id} posting seq 4 is numbered 4, after 4`,
    ]);
    await set(table, side.key, 'SET #p.postingNo = :n', { ':n': 3 }, { '#p': side.index.party });
    await set(table, keys.account('u1', a.id), 'SET postingNo = :n', { ':n': 6 });
    expect((await verifyLedger(db, table)).problems).toEqual([
      `account ${a.id} numbers its last posting 6, its postings end at 5`,
    ]);
  });

  it("catches a journal whose side's balanceAfter is not the running balance: its history entry's is its side's", async () => {
    const { table, transfer } = await seed();
    await set(table, keys.journal(transfer.id), 'SET #to.balanceAfter = :b', { ':b': 999 }, { '#to': 'to' });
    expect((await verifyLedger(db, table)).problems).toEqual([
      `account ${transfer.to?.accountId} posting seq 2 says balanceAfter 999, running sum ${transfer.to?.balanceAfter}`,
    ]);
  });

  it("catches a journal whose side's balanceAfter is not its posting item's (history written as items)", async () => {
    const { table, transfer } = await seed();
    // The transfer as movements wrote it before the history indexes: posting items, no index keys.
    const journal = await stored(table, keys.journal(transfer.id));
    for (const entry of sideEntries(journal))
      await db.send(new PutCommand({ TableName: table, Item: entry }));
    await set(table, keys.journal(transfer.id), 'REMOVE h1pk, h1sk, h1seq, h2pk, h2sk, h2seq', {});
    expect((await verifyLedger(db, table)).problems).toEqual([]);
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
    expect(r.problems).toEqual([
      // A deposit credits its `to` side: this forged one has none.
      'journal parked (deposit) has no to side for its credit',
      'returns shard returns#USD#00 holds 7: money returned to no one',
    ]);
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

  it("catches a holds map whose amount or expiry is not its pending transfer's (what reads count)", async () => {
    const { table, a, hold } = await seed();
    const key = keys.account('u1', a.id);
    await set(table, key, 'SET holds.#h.amount = :a', { ':a': 99 }, { '#h': hold.id });
    expect((await verifyLedger(db, table)).problems).toEqual([
      `account ${a.id} holds 99 for ${hold.id}, its pending transfer 15`,
    ]);
    await set(
      table,
      key,
      'SET holds.#h.amount = :a, holds.#h.expiresAt = :e',
      {
        ':a': 15,
        ':e': '2099-01-01T00:00:00.000Z',
      },
      { '#h': hold.id },
    );
    expect((await verifyLedger(db, table)).problems).toEqual([
      `account ${a.id} holds ${hold.id} until 2099-01-01T00:00:00.000Z, its pending transfer until ${hold.expiresAt}`,
    ]);
  });

  it('catches money left in a closed account (it closes empty and takes nothing after)', async () => {
    const { table, a, b } = await seed();
    await set(table, keys.account('u2', b.id), 'SET #s = :c', { ':c': 'closed' }, { '#s': 'status' });
    await set(table, keys.account('u1', a.id), 'SET #s = :c', { ':c': 'closed' }, { '#s': 'status' });
    const r = await verifyLedger(db, table);
    expect(r.problems).toContain(
      `account ${b.id} is closed but holds 26 (held 0): money kept from its owner`,
    );
    expect(r.problems).toContain(
      `account ${a.id} is closed but holds 44 (held 15): money kept from its owner`,
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
    expect(clean.currencies.USD).toEqual({ customerBalance: 70, incoming: 30, unclaimed: 0, postingSum: 0 });
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

  it('passes every kind of journal the code writes', async () => {
    const { table, returned, unclaimed, payout, byCheque, cheque, a, b, c, d2 } = await everyKind();
    const r = await verifyLedger(db, table, { sweepSeconds: 1e9 });
    expect(r.problems).toEqual([]);
    // Every posting the code writes is numbered (a pending transfer's post, a bulk payment's several on
    // one account, a settled credit, a return): each account's run 1 … n, n on the account.
    for (const [owner, account] of [
      ['u1', a],
      ['u2', b],
      ['u3', c],
      ['u4', d2],
    ] as const) {
      const numbers = (await historyOf(table, account.id)).filter(isPosting).map((e) => e.postingNo);
      expect(numbers.length).toBeGreaterThan(0);
      expect(numbers).toEqual(numbers.map((_, i) => i + 1));
      const item = await db.send(
        new GetCommand({ TableName: table, Key: keys.account(owner, account.id), ConsistentRead: true }),
      );
      expect(item.Item?.postingNo).toBe(numbers.length);
    }
    expect(r).toMatchObject({ ok: true, accounts: 6, journals: 26, credits: 1 });
    // The unclaimed funds were paid out: the shard holds nothing more.
    expect(r.currencies.USD).toMatchObject({ incoming: 8, unclaimed: 0 });
    expect(payout).toMatchObject({
      type: 'reversal',
      reverses: unclaimed.id,
      amount: 11,
      to: { balanceAfter: 11 },
    });
    // The cheque: out of the bank, from the shard that held it to a cash-out shard; no one's account.
    expect(cheque).toMatchObject({
      type: 'reversal',
      reverses: byCheque.id,
      amount: 6,
      currency: 'USD',
      payoutMethod: 'cheque',
      reference: 'CHQ-000123',
    });
    expect(cheque.from ?? cheque.to).toBeUndefined();
    const legs = sideEntries(
      (await db.send(new GetCommand({ TableName: table, Key: keys.journal(cheque.id) }))).Item ?? {},
    );
    expect(legs.map((l) => [l.accountId, l.amount])).toEqual([
      [systemShardId('unclaimed', 'USD', shardOf(byCheque.id, 2)), -6],
      [systemShardId('cash-out', 'USD', shardOf(cheque.id, 2)), 6],
    ]);
    const paid = await db.send(new GetCommand({ TableName: table, Key: keys.journal(byCheque.id) }));
    expect(paid.Item).toMatchObject({ unclaimedPaidOut: cheque.id, unclaimedPaidOutBy: 'cheque' });
    const stored = await db.send(new GetCommand({ TableName: table, Key: keys.journal(returned.id) }));
    expect(stored.Item).toMatchObject({ returned: true, reversedAmount: 9 });
    const held = await db.send(new GetCommand({ TableName: table, Key: keys.journal(unclaimed.id) }));
    expect(held.Item).toMatchObject({
      returned: true,
      unclaimed: true,
      reversedAmount: 11,
      unclaimedPaidOut: payout.id,
    });
  });

  it('catches unclaimed funds paid out twice, to someone else, or without the mark on the transfer', async () => {
    const { table, b, d2, unclaimed, payout } = await everyKind();
    const quiet = { sweepSeconds: 1e9 };
    expect((await verifyLedger(db, table, quiet)).problems).toEqual([]);
    const D2 = { ...d2, ownerId: 'u4' };
    const B = { ...b, ownerId: 'u2' };
    const shard = systemShardId('unclaimed', 'USD', shardOf(unclaimed.id, 2));
    const other = systemShardId('unclaimed', 'USD', 1 - shardOf(unclaimed.id, 2));
    // A second payout of the same funds, to another customer, out of another unclaimed shard.
    await forge(table, { id: 'again', type: 'reversal', amount: 11, reverses: unclaimed.id, to: party(B) }, [
      [other, -11],
      [B, 11],
    ]);
    expect((await verifyLedger(db, table, quiet)).problems.sort()).toEqual(
      [
        `unclaimed transfer ${unclaimed.id} is paid out again by again`,
        'unclaimed shards hold -11 USD, unclaimed transfers not paid out 0',
      ].sort(),
    );
    // The mark names the forged one: paid to the wrong customer, and the real payout is one too many.
    await set(table, keys.journal(unclaimed.id), 'SET unclaimedPaidOut = :p', { ':p': 'again' });
    expect((await verifyLedger(db, table, quiet)).problems.sort()).toEqual(
      [
        `unclaimed transfer ${unclaimed.id} is paid out again by ${payout.id}`,
        `unclaimed transfer ${unclaimed.id} of u4 is paid out to u2 by again`,
        `unclaimed transfer ${unclaimed.id} is held on ${shard} but paid out of ${other} by again`,
        'unclaimed shards hold -11 USD, unclaimed transfers not paid out 0',
      ].sort(),
    );
    // No mark at all: both are payouts of funds still unpaid, and a payout out of another shard.
    await set(table, keys.journal(unclaimed.id), 'REMOVE unclaimedPaidOut', {});
    await forge(
      table,
      { id: 'elsewhere', type: 'reversal', amount: 1, reverses: unclaimed.id, to: party(D2) },
      [
        ['cash-out#USD#00', -1],
        [D2, 1],
      ],
    );
    expect((await verifyLedger(db, table, quiet)).problems.sort()).toEqual(
      [
        `unclaimed transfer ${unclaimed.id} is not marked paid out, but ${payout.id} pays it`,
        `unclaimed transfer ${unclaimed.id} is not marked paid out, but again pays it`,
        `unclaimed transfer ${unclaimed.id} is not marked paid out, but elsewhere pays it`,
        'journal elsewhere (reversal) debits cash-out#USD#00, expected a unclaimed shard',
        'unclaimed shards hold -11 USD, unclaimed transfers not paid out 11',
      ].sort(),
    );
  });

  it('catches unclaimed funds paid out of the bank anywhere but a cash-out shard, or with no method', async () => {
    const quiet = { sweepSeconds: 1e9 };
    const cases: [Record<string, string>, string, (id: string, on: string) => string[]][] = [
      [
        { payoutMethod: 'escheat' },
        'cash-in#USD#00',
        (id, on) => [
          `journal ${id} (reversal) credits cash-in#USD#00, expected a cash-out shard`,
          // The transfer says a cheque paid it.
          `unclaimed transfer ${on} says paid out by cheque, but ${id} pays escheat`,
        ],
      ],
      [
        { payoutMethod: 'cheque' },
        'returns#USD#00',
        (id) => [
          `journal ${id} (reversal) credits returns#USD#00, expected a cash-out shard`,
          'returns shard returns#USD#00 holds 6: money returned to no one',
        ],
      ],
      [
        {},
        'cash-out#USD#00',
        (id, on) => [
          `journal ${id} is a reversal with no customer side`,
          `unclaimed transfer ${on} of u5 is paid out to no one by ${id}`,
          `unclaimed transfer ${on} says paid out by cheque, but ${id} pays an account`,
        ],
      ],
    ];
    for (const [wrong, credit, expected] of cases) {
      const { table, byCheque, cheque } = await everyKind();
      expect((await verifyLedger(db, table, quiet)).problems).toEqual([]);
      // The payout written again (its postings with it) as it should not be.
      await forge(
        table,
        { id: cheque.id, type: 'reversal', amount: 6, reverses: byCheque.id, reason: 'test', ...wrong },
        [
          [systemShardId('unclaimed', 'USD', shardOf(byCheque.id, 2)), -6],
          [credit, 6],
        ],
      );
      expect((await verifyLedger(db, table, quiet)).problems.sort()).toEqual(
        expected(cheque.id, byCheque.id).sort(),
      );
    }
  });

  it('catches a journal whose debits together move more than its amount, or move it in pieces', async () => {
    const { table, a, b } = await seed();
    const A = { ...a, ownerId: 'u1' };
    const B = { ...b, ownerId: 'u2' };
    const sides = { type: 'transfer', from: party(A), to: party(B) };
    // Sums to zero, two legs or more, and its first debit is its amount: all the old check looked at.
    await forge(table, { id: 'twice', ...sides, amount: 6 }, [
      [A, -6],
      [B, 6],
      [A, -6],
      [B, 6],
    ]);
    // Moves its amount, but from the sender in two debits.
    await forge(table, { id: 'split', ...sides, amount: 10 }, [
      [A, -5],
      [A, -5],
      [B, 10],
    ]);
    expect((await verifyLedger(db, table)).problems.sort()).toEqual(
      [
        'journal twice is for 6 but moved 12',
        `journal twice (transfer) has 2 debits (-6 on ${a.id}, -6 on ${a.id}), expected one on ${a.id}`,
        `journal twice (transfer) has 2 credits (6 on ${b.id}, 6 on ${b.id}), expected one on ${b.id}`,
        `journal split (transfer) has 2 debits (-5 on ${a.id}, -5 on ${a.id}), expected one on ${a.id}`,
      ].sort(),
    );
  });

  it("catches a posting on an account that is not the journal's side", async () => {
    const { table, a, b } = await seed();
    const A = { ...a, ownerId: 'u1' };
    const B = { ...b, ownerId: 'u2' };
    const c = {
      ...(await new AccountStore(db, table).open({ ownerId: 'u3', type: 'checking', currency: 'USD' })),
      ownerId: 'u3',
    };
    // A transfer from a to b whose credit went to c.
    await forge(table, { id: 'astray', type: 'transfer', amount: 10, from: party(A), to: party(B) }, [
      [A, -10],
      [c, 10],
    ]);
    // A withdrawal whose cash went to a customer, and a deposit paid out of a cash-out shard.
    await forge(table, { id: 'pocketed', type: 'withdrawal', amount: 5, from: party(A) }, [
      [A, -5],
      [c, 5],
    ]);
    await forge(table, { id: 'misfiled', type: 'deposit', amount: 3, to: party(B) }, [
      ['cash-out#USD#01', -3],
      [B, 3],
    ]);
    // A deposit that names a sender; a leg of nothing on a third account; a reversal of no one's money.
    await forge(table, { id: 'sent', type: 'deposit', amount: 2, from: party(A), to: party(B) }, [
      ['cash-in#USD#00', -2],
      [B, 2],
    ]);
    await forge(table, { id: 'nil', type: 'transfer', amount: 1, from: party(A), to: party(B) }, [
      [A, -1],
      [B, 1],
      [c, 0],
    ]);
    await forge(table, { id: 'orphan', type: 'reversal', amount: 1 }, [
      ['cash-out#USD#00', -1],
      ['cash-in#USD#01', 1],
    ]);
    expect((await verifyLedger(db, table)).problems.sort()).toEqual(
      [
        `journal astray (transfer) credits ${c.id}, expected ${b.id}`,
        `journal pocketed (withdrawal) credits ${c.id}, expected a cash-out shard`,
        'journal misfiled (deposit) debits cash-out#USD#01, expected a cash-in shard',
        'journal sent is a deposit with a from side',
        `journal nil has a posting of 0 on ${c.id}`,
        'journal orphan is a reversal with no customer side',
      ].sort(),
    );
  });

  it("catches a posting in another currency than its account's or its journal's", async () => {
    const { table, a, b } = await seed();
    const A = { ...a, ownerId: 'u1' };
    const B = { ...b, ownerId: 'u2' };
    const sides = { type: 'transfer', from: party(A), to: party(B) };
    // A transfer in EUR between two USD accounts: it sums to zero in EUR, and the balances (sums of
    // amounts) still match.
    const [fromSeq, toSeq] = await forge(table, { id: 'euro', ...sides, amount: 3, currency: 'EUR' }, [
      [A, -3, 'EUR'],
      [B, 3, 'EUR'],
    ]);
    // A deposit booked on a EUR shard in USD.
    await forge(table, { id: 'shard', type: 'deposit', amount: 2, to: party(B) }, [
      ['cash-in#EUR#00', -2],
      [B, 2],
    ]);
    // A journal that says EUR over postings in USD.
    await forge(table, { id: 'relabelled', ...sides, amount: 1, currency: 'EUR' }, [
      [A, -1],
      [B, 1],
    ]);
    expect((await verifyLedger(db, table)).problems.sort()).toEqual(
      [
        `account ${a.id} posting seq ${fromSeq} (journal euro) is in EUR, its account in USD`,
        `account ${b.id} posting seq ${toSeq} (journal euro) is in EUR, its account in USD`,
        'system shard cash-in#EUR#00 has a posting in USD (journal shard)',
        `journal relabelled is in EUR but its posting on ${a.id} is in USD`,
        `journal relabelled is in EUR but its posting on ${b.id} is in USD`,
      ].sort(),
    );
  });

  it('catches a side with a balanceAfter but no posting behind it', async () => {
    const { table, c, returned } = await everyKind();
    expect((await verifyLedger(db, table, { sweepSeconds: 1e9 })).problems).toEqual([]);
    // A returned transfer's recipient never got the money (its credit went to a returns shard): a
    // balanceAfter on that side is a balance no posting made.
    await set(table, keys.journal(returned.id), 'SET #to.balanceAfter = :b', { ':b': 9 }, { '#to': 'to' });
    expect((await verifyLedger(db, table, { sweepSeconds: 1e9 })).problems).toEqual([
      `journal ${returned.id} says to.balanceAfter 9 but has no credit posting on ${c.id}`,
    ]);
  });
});
