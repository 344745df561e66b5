/**
 * Opening accounts on DynamoDB Local, with faults DynamoDB Local cannot produce injected: a
 * TransactWriteItems that commits and whose answer is lost, and an account number already taken.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { withWriteBetween } from '../../test/faults.ts';
import { createTestTable, dynamoClients } from '../../test/harness.ts';
import { openedBeforeHosts } from '../../test/legacy.ts';
import { MAX_OPEN_ACCOUNTS } from '../domain/account.ts';
import { BankError } from '../domain/errors.ts';
import { AccountStore, publicAccount } from './accounts.ts';
import { createDocumentClient, type Db } from './db.ts';
import * as keys from './item-keys.ts';

/** Account numbers the next opens draw first (then random ones, as in production). */
const drawn = vi.hoisted(() => ({ numbers: [] as string[] }));
vi.mock(import('../domain/account.ts'), async (original) => {
  const m = await original();
  return { ...m, newAccountNumber: () => drawn.numbers.shift() ?? m.newAccountNumber() };
});

type Sent = {
  constructor: { name: string };
  input: { TransactItems?: { Put?: { Item?: Record<string, unknown> } }[] };
};

/**
 * A DocumentClient that records the account each TransactWriteItems puts and, for the `lose` named
 * ones (1 = the first), sends it to DynamoDB Local and then throws `fault` to the caller instead of
 * its answer: the write committed, the caller cannot know. With `firstReasonOnly`, a cancelled
 * transaction reports its first failed condition alone (DynamoDB Local reports every one; the code
 * must not depend on that).
 */
const losingAnswers = (
  db: Db,
  lose: number[],
  fault: () => Error,
  opts: { firstReasonOnly?: boolean } = {},
) => {
  const puts: { id: unknown; number: unknown }[] = [];
  const wrapped = Object.create(db) as Db;
  wrapped.send = (async (command: Sent) => {
    if (command.constructor.name !== 'TransactWriteCommand') return db.send(command as never);
    const account = command.input.TransactItems?.map((i) => i.Put?.Item).find((i) => i?.entity === 'account');
    puts.push({ id: account?.id, number: account?.number });
    const answer = await db
      .send(command as never)
      .catch((e: { CancellationReasons?: { Code?: string }[] }) => {
        if (opts.firstReasonOnly && e.CancellationReasons) {
          const first = e.CancellationReasons.findIndex((r) => r.Code && r.Code !== 'None');
          e.CancellationReasons = e.CancellationReasons.map((r, i) => (i === first ? r : { Code: 'None' }));
        }
        throw e;
      });
    if (lose.includes(puts.length)) throw fault();
    return answer;
  }) as Db['send'];
  return { db: wrapped, puts };
};

const timeout = () =>
  Object.assign(new Error('Socket timed out without establishing a connection'), { name: 'TimeoutError' });
const inProgress = () =>
  Object.assign(new Error('Transaction is in progress'), { name: 'TransactionInProgressException' });

let db: Db;
let table: string;
beforeAll(async () => {
  db = createDocumentClient(dynamoClients().client);
  table = await createTestTable('accounts');
});

const openAccounts = async (ownerId: string) =>
  (await db.send(new GetCommand({ TableName: table, Key: keys.profile(ownerId), ConsistentRead: true }))).Item
    ?.openAccounts;
const listed = async (ownerId: string) =>
  (await new AccountStore(db, table).list(ownerId, { closed: false, limit: 20 })).items;
const item = async (key: { pk: string; sk: string }) =>
  (await db.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;

describe('opening an account', () => {
  it.each([
    ['TimeoutError', timeout],
    ['TransactionInProgressException', inProgress],
  ])('a write that committed and whose answer was lost (%s) opens one account, not two', async (_, fault) => {
    const owner = `u-${randomUUID()}`;
    const flaky = losingAnswers(db, [1], fault);
    const a = await new AccountStore(flaky.db, table).open({
      ownerId: owner,
      type: 'checking',
      currency: 'USD',
    });
    // One account, counted once, is the customer's: the one the lost write committed.
    expect((await listed(owner)).map((x) => x.id)).toEqual([a.id]);
    expect(await openAccounts(owner)).toBe(1);
    expect(a).toMatchObject({
      id: flaky.puts[0]?.id,
      number: flaky.puts[0]?.number,
      status: 'active',
      balance: 0,
    });
    expect(await item(keys.accountNumber(a.number))).toMatchObject({ accountId: a.id, ownerId: owner });
    expect(await item(keys.accountId(a.id))).toMatchObject({ number: a.number, ownerId: owner });
    // The retry asked again for the same account (it was told the first one's answer was lost).
    expect(flaky.puts).toHaveLength(2);
    expect(flaky.puts[1]).toEqual(flaky.puts[0]);
  });

  it.each([
    ['every failed condition reported', false],
    ['the first failed condition (the profile) reported alone', true],
  ])(
    'the answer of the last allowed account lost (%s): that account, not account_limit_reached; the next is refused',
    async (_, firstReasonOnly) => {
      const owner = `u-${randomUUID()}`;
      const open = (s: AccountStore) => s.open({ ownerId: owner, type: 'savings', currency: 'EUR' });
      for (let i = 1; i < MAX_OPEN_ACCOUNTS; i++) await open(new AccountStore(db, table));
      const flaky = losingAnswers(db, [1], timeout, { firstReasonOnly });
      const last = await open(new AccountStore(flaky.db, table));
      expect(last.id).toBe(flaky.puts[0]?.id);
      expect(await listed(owner)).toHaveLength(MAX_OPEN_ACCOUNTS);
      expect(await openAccounts(owner)).toBe(MAX_OPEN_ACCOUNTS);
      const refused = await open(new AccountStore(db, table)).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(BankError);
      expect((refused as BankError).code).toBe('account_limit_reached');
      expect(await listed(owner)).toHaveLength(MAX_OPEN_ACCOUNTS);
    },
  );

  it('a number another account has is drawn again, under the same id; the other account keeps its number', async () => {
    const other = await new AccountStore(db, table).open({
      ownerId: `u-${randomUUID()}`,
      type: 'checking',
      currency: 'USD',
    });
    const owner = `u-${randomUUID()}`;
    drawn.numbers.push(other.number);
    const seen = losingAnswers(db, [], timeout);
    const a = await new AccountStore(seen.db, table).open({
      ownerId: owner,
      type: 'checking',
      currency: 'USD',
    });
    expect(seen.puts.map((p) => p.number)).toEqual([other.number, a.number]);
    expect(seen.puts.map((p) => p.id)).toEqual([a.id, a.id]);
    expect(a.number).not.toBe(other.number);
    expect((await listed(owner)).map((x) => x.id)).toEqual([a.id]);
    expect(await openAccounts(owner)).toBe(1);
    expect(await item(keys.accountNumber(other.number))).toMatchObject({ accountId: other.id });
    expect(await item(keys.accountNumber(a.number))).toMatchObject({ accountId: a.id, ownerId: owner });
  });
});

describe("the host of a customer's daily counters (AccountRecord.limitHost)", () => {
  const hostOf = async (owner: string, id: string) => (await item(keys.account(owner, id)))?.limitHost;

  it('is the first account in each currency, for every later account in it, and is named on the profile', async () => {
    const owner = `u-${randomUUID()}`;
    const store = new AccountStore(db, table);
    const usd = await store.open({ ownerId: owner, type: 'checking', currency: 'USD' });
    const eur = await store.open({ ownerId: owner, type: 'checking', currency: 'EUR' });
    const usd2 = await store.open({ ownerId: owner, type: 'savings', currency: 'USD' });
    expect(await hostOf(owner, usd.id)).toBe(usd.id);
    expect(await hostOf(owner, eur.id)).toBe(eur.id);
    expect(await hostOf(owner, usd2.id)).toBe(usd.id);
    expect(await item(keys.profile(owner))).toMatchObject({
      [keys.limitHostAttr('USD')]: usd.id,
      [keys.limitHostAttr('EUR')]: eur.id,
    });
    // Another customer's first account hosts its own.
    const someone = `u-${randomUUID()}`;
    const theirs = await store.open({ ownerId: someone, type: 'checking', currency: 'USD' });
    expect(await hostOf(someone, theirs.id)).toBe(theirs.id);
  });

  it('stays one account when the first accounts in a currency are opened at once', async () => {
    const owner = `u-${randomUUID()}`;
    // Each open's first look at the owner's accounts is answered only once all four have looked: all
    // four see none, and each would be the first. Their transactions are then sent one at a time (no
    // transaction conflict makes them look again): only the profile's condition stops the later three.
    const released: (() => void)[] = [];
    let queue: Promise<unknown> = Promise.resolve();
    const looked = Object.create(db) as Db;
    looked.send = (async (command: Sent) => {
      if (command.constructor.name === 'TransactWriteCommand') {
        const sent = queue.then(() => db.send(command as never));
        queue = sent.catch(() => undefined);
        return sent;
      }
      const answer = await db.send(command as never);
      if (command.constructor.name === 'QueryCommand' && released.length < 4) {
        await new Promise<void>((resolve) => {
          released.push(resolve);
          if (released.length === 4) for (const r of released) r();
        });
      }
      return answer;
    }) as Db['send'];
    const opened = await Promise.all(
      Array.from({ length: 4 }, () =>
        new AccountStore(looked, table).open({ ownerId: owner, type: 'checking', currency: 'GBP' }),
      ),
    );
    const hosts = await Promise.all(opened.map((a) => hostOf(owner, a.id)));
    expect(new Set(hosts).size).toBe(1);
    expect(opened.map((a) => a.id)).toContain(hosts[0]);
    expect(await openAccounts(owner)).toBe(4);
  });

  it('is none for an account whose owner has accounts in its currency opened before hosts', async () => {
    const owner = `u-${randomUUID()}`;
    const store = new AccountStore(db, table);
    const old = await store.open({ ownerId: owner, type: 'checking', currency: 'USD' });
    await openedBeforeHosts(db, table, { ownerId: owner, id: old.id, currency: 'USD' });
    const later = await store.open({ ownerId: owner, type: 'savings', currency: 'USD' });
    expect(await hostOf(owner, later.id)).toBeUndefined();
    expect((await item(keys.profile(owner)))?.[keys.limitHostAttr('USD')]).toBeUndefined();
    // A currency it has no account in gets a host.
    const eur = await store.open({ ownerId: owner, type: 'savings', currency: 'EUR' });
    expect(await hostOf(owner, eur.id)).toBe(eur.id);
  });
});

describe('reading an account whose holds map is malformed (written wrong, by hand or by a bug)', () => {
  const future = '2999-01-01T00:00:00.000Z';
  it.each([
    ['a string', 'garbage'],
    ['a list', [1, 2]],
    ['a hold that is not a map', { j: { amount: 300, expiresAt: future }, bad: 'x' }],
    ['a hold without an amount', { j: { amount: 300, expiresAt: future }, bad: { expiresAt: future } }],
    [
      'a hold without the instant it expires at',
      { j: { amount: 300, expiresAt: future }, bad: { amount: 5 } },
    ],
  ])(
    'holds as %s: held and available are the stored ones (never null), by id and in the list',
    async (_, holds) => {
      const owner = `u-${randomUUID()}`;
      const store = new AccountStore(db, table);
      const a = await store.open({ ownerId: owner, type: 'checking', currency: 'USD' });
      // As the ledger stores a hold of 300 on 1000 (held and available beside the map), the map then
      // written wrong.
      await db.send(
        new UpdateCommand({
          TableName: table,
          Key: keys.account(owner, a.id),
          UpdateExpression: 'SET balance = :b, held = :h, available = :a, holds = :holds',
          ExpressionAttributeValues: { ':b': 1000, ':h': 300, ':a': 700, ':holds': holds },
        }),
      );
      const shown = { id: a.id, balance: 1000, held: 300, available: 700 };
      expect(await store.mustGet(owner, a.id)).toMatchObject({ ...shown, storedHeld: 300 });
      expect(publicAccount(await store.mustGet(owner, a.id))).toMatchObject(shown);
      expect(await listed(owner)).toEqual([expect.objectContaining(shown)]);
    },
  );
});

describe("bank staff's list of a customer's accounts", () => {
  it('lists each account once, open first, though one is closed while the list is read', async () => {
    const owner = `u-${randomUUID()}`;
    const store = new AccountStore(db, table);
    // A second apart, so that oldest first is one order.
    const open = (s: number) =>
      store.open(
        { ownerId: owner, type: 'checking', currency: 'USD' },
        new Date(Date.now() - 10_000 + s * 1000),
      );
    const [kept, closing, gone] = [await open(1), await open(2), await open(3)];
    await store.close(owner, gone.id);
    const reader = withWriteBetween(db, async () => {
      await store.close(owner, closing.id);
    });
    const ids = (await new AccountStore(reader, table).everyOf(owner)).map((a) => a.id);
    if (!reader.ran) await store.close(owner, closing.id);
    // Before or after its close, but there once.
    expect([...ids].sort()).toEqual([kept.id, closing.id, gone.id].sort());
    expect(ids[0]).toBe(kept.id);
    expect(ids.at(-1)).toBe(gone.id);
    // Read again: the open one, then the closed ones oldest first.
    expect((await store.everyOf(owner)).map((a) => [a.id, a.status])).toEqual([
      [kept.id, 'active'],
      [closing.id, 'closed'],
      [gone.id, 'closed'],
    ]);
    expect((await store.everyOf(owner, 2)).map((a) => a.id)).toEqual([kept.id, closing.id]);
  });
});
