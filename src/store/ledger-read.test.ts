/**
 * A first page of history waits, briefly, for the history indexes to show the account's last posting
 * (LedgerReader.postingsAfter), on DynamoDB Local. Its indexes never lag, so an index that has not
 * caught up is made by taking a journal's index keys off it, and the retry policy's `sleep` (injected)
 * is where the test lets the index catch up or a movement land.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestTable, dynamoClients } from '../../test/harness.ts';
import { holdBackCredit, holdBackSide } from '../../test/index-lag.ts';
import { AccountStore } from './accounts.ts';
import { createDocumentClient, type Db } from './db.ts';
import { IdempotencyStore } from './idempotency.ts';
import { LedgerStore } from './ledger.ts';
import { type HistoryPageQuery, LedgerReader } from './ledger-read.ts';

let db: Db;
let table: string;
let accounts: AccountStore;
let ledger: LedgerStore;
let reader: LedgerReader;

beforeAll(async () => {
  db = createDocumentClient(dynamoClients().client);
  table = await createTestTable('history-lag');
  accounts = new AccountStore(db, table);
  const opts = { systemShards: 4, dailyLimit: 1_000_000 };
  ledger = new LedgerStore(db, table, accounts, new IdempotencyStore(db, table, 3600), opts);
  reader = new LedgerReader(db, table, opts);
});

let n = 0;
/** A deposit or a withdrawal of `amount` on the owner's account: its journal id. */
const movement =
  (kind: 'deposit' | 'withdraw') =>
  async (owner: string, accountId: string, amount: number): Promise<string> => {
    const out = await ledger[kind]({
      user: owner,
      idempotencyKey: `k${++n}`,
      fingerprint: `f${n}`,
      accountId,
      amount,
    });
    if (out.kind !== 'journal') throw new Error(`${kind}: ${out.kind}`);
    return out.journal.id;
  };
const deposit = movement('deposit');
const withdraw = movement('withdraw');

/** A new owner's account with deposits of 100 and 200 (`last`: the second's journal id), read after them. */
const accountWithTwoDeposits = async () => {
  const owner = `u${++n}`;
  const a = await accounts.open({ ownerId: owner, type: 'checking', currency: 'EUR' });
  await deposit(owner, a.id, 100);
  const last = await deposit(owner, a.id, 200);
  const read = await accounts.get(owner, a.id);
  if (!read?.lastPostedAt) throw new Error('the account has no lastPostedAt');
  return { account: read, last };
};

/** A deposit's entry on the account is its journal's credited side, in the index hist2. */
const hideFromIndex = (journalId: string, accountId: string) =>
  holdBackCredit(db, table, journalId, accountId);

const amounts = (page: { items: { amount: number }[] }) => page.items.map((i) => i.amount);

describe('a first page of history, read after the account, waits for the indexes to show its last posting', () => {
  it('reads again while the index lacks it, and answers with it once it is there', async () => {
    const { account, last } = await accountWithTwoDeposits();
    const catchUp = await hideFromIndex(last, account.id);
    // The lag as a plain read sees it: the older deposit alone.
    expect(amounts(await reader.postings(account.id, { limit: 10 }))).toEqual([100]);
    let sleeps = 0;
    const page = await reader.postingsAfter(
      account,
      { limit: 10 },
      {
        sleep: async () => {
          sleeps++;
          await catchUp();
        },
      },
    );
    expect(sleeps).toBe(1);
    expect(amounts(page)).toEqual([200, 100]);
    expect(page.behind).toBe(false);
  });

  it('gives up after its attempts with the page it read, and says it is behind', async () => {
    const { account, last } = await accountWithTwoDeposits();
    const catchUp = await hideFromIndex(last, account.id);
    let sleeps = 0;
    const page = await reader.postingsAfter(
      account,
      { limit: 10 },
      { maxAttempts: 3, sleep: async () => void sleeps++ },
    );
    expect(sleeps).toBe(2);
    expect(amounts(page)).toEqual([100]);
    expect(page.behind).toBe(true);
    await catchUp();
  });

  it('passes a page that shows a movement made after the account was read, at once', async () => {
    // The account as read before a deposit of 300 lands: the page (of one entry) shows that deposit,
    // newer than the account's lastPostedAt, and not the one lastPostedAt names.
    const { account } = await accountWithTwoDeposits();
    await deposit(account.ownerId, account.id, 300);
    let sleeps = 0;
    const page = await reader.postingsAfter(account, { limit: 1 }, { sleep: async () => void sleeps++ });
    expect(amounts(page)).toEqual([300]);
    expect(sleeps).toBe(0);
    expect(page.behind).toBe(false);
  });

  it("does not take a pending transfer's hold entry, newer but not posted, for the last posting", async () => {
    const { account, last } = await accountWithTwoDeposits();
    const payee = await accounts.open({ ownerId: 'v', type: 'checking', currency: 'EUR' });
    const held = await ledger.transfer({
      user: account.ownerId,
      idempotencyKey: `k${++n}`,
      fingerprint: `f${n}`,
      fromAccountId: account.id,
      toAccountNumber: payee.number,
      currency: 'EUR',
      amount: 50,
      pending: true,
      expiresInSeconds: 60,
    });
    expect(held.kind).toBe('journal');
    const catchUp = await hideFromIndex(last, account.id);
    let sleeps = 0;
    const page = await reader.postingsAfter(
      account,
      { limit: 10 },
      { maxAttempts: 2, sleep: async () => void sleeps++ },
    );
    expect(page.items.map((i) => [i.status, i.amount])).toEqual([
      ['pending', -50],
      ['posted', 100],
    ]);
    expect([sleeps, page.behind]).toEqual([1, true]);
    // A page of one holds the hold entry alone: the last posting is rightly on the next page.
    sleeps = 0;
    const one = await reader.postingsAfter(account, { limit: 1 }, { sleep: async () => void sleeps++ });
    expect(one.items.map((i) => [i.status, i.amount])).toEqual([['pending', -50]]);
    expect([sleeps, one.behind, one.last === undefined]).toEqual([0, false, false]);
    await catchUp();
  });

  it('checks nothing of an account that never posted', async () => {
    const a = await accounts.open({ ownerId: 'u-new', type: 'checking', currency: 'EUR' });
    const read = await accounts.get('u-new', a.id);
    expect(read?.lastPostedAt).toBeUndefined();
    let sleeps = 0;
    const page = await reader.postingsAfter(
      read as NonNullable<typeof read>,
      { limit: 10 },
      { sleep: async () => void sleeps++ },
    );
    expect([page.items, sleeps, page.behind]).toEqual([[], 0, false]);
  });

  // A page that need not show the last posting is read once, whatever the index shows.
  it.each<[string, (lastPostedAt: string) => Partial<HistoryPageQuery>]>([
    ['a later page (a cursor)', () => ({ start: { pk: 'x', sk: 'TX#9999' } })],
    ['a type filter', () => ({ type: 'deposit' })],
    ['pending entries only', () => ({ status: 'pending' })],
    ['a range that ends before it', (t) => ({ to: new Date(Date.parse(t) - 1).toISOString() })],
    ['a range that starts after it', (t) => ({ from: new Date(Date.parse(t) + 1).toISOString() })],
  ])('reads %s once', async (_, query) => {
    const { account, last } = await accountWithTwoDeposits();
    const catchUp = await hideFromIndex(last, account.id);
    let sleeps = 0;
    const page = await reader.postingsAfter(
      account,
      { limit: 10, ...query(account.lastPostedAt as string) },
      { sleep: async () => void sleeps++ },
    );
    expect([sleeps, page.behind]).toEqual([0, false]);
    await catchUp();
  });

  it('waits for it within a range that holds it, or with posted entries only', async () => {
    const { account, last } = await accountWithTwoDeposits();
    const catchUp = await hideFromIndex(last, account.id);
    const t = account.lastPostedAt as string;
    for (const query of [{ from: t, to: t }, { status: 'posted' as const }]) {
      let sleeps = 0;
      const page = await reader.postingsAfter(
        account,
        { limit: 10, ...query },
        { maxAttempts: 2, sleep: async () => void sleeps++ },
      );
      expect([sleeps, page.behind]).toEqual([1, true]);
    }
    await catchUp();
  });
});

describe('a page of history whose postings lack one between two it shows', () => {
  it('reads again while movements that cancel out lag together, and answers with them once they show', async () => {
    const { account } = await accountWithTwoDeposits();
    const owner = account.ownerId;
    const paidIn = await deposit(owner, account.id, 500);
    const paidOut = await withdraw(owner, account.id, 500);
    await deposit(owner, account.id, 7);
    const read = await accounts.get(owner, account.id);
    if (!read) throw new Error('no account');
    const catchUp = [
      await holdBackSide(db, table, paidIn, account.id, 'credit'),
      await holdBackSide(db, table, paidOut, account.id, 'debit'),
    ];
    // Every balance shown still adds up: 7 after 300, and the last posting shows.
    expect(amounts(await reader.postings(account.id, { limit: 10 }))).toEqual([7, 200, 100]);
    let sleeps = 0;
    const page = await reader.postingsAfter(
      read,
      { limit: 10 },
      {
        sleep: async () => {
          sleeps++;
          for (const c of catchUp) await c();
        },
      },
    );
    expect(sleeps).toBe(1);
    expect(amounts(page)).toEqual([7, -500, 500, 200, 100]);
    expect(page.behind).toBe(false);
    // A page filtered by type is not checked: its postings skip by design.
    const deposits = await reader.postingsAfter(
      read,
      { limit: 10, type: 'deposit' },
      { sleep: async () => void sleeps++ },
    );
    expect([amounts(deposits), sleeps]).toEqual([[7, 500, 200, 100], 1]);
  });
});

describe('a page of history with a filter that matches rarely', () => {
  it('reads a bounded number of entries, ends there with a cursor, and the pages after it miss and repeat nothing', async () => {
    const owner = `u${++n}`;
    const a = await accounts.open({ ownerId: owner, type: 'checking', currency: 'EUR' });
    await deposit(owner, a.id, 1000);
    await withdraw(owner, a.id, 1);
    for (let i = 1; i <= 7; i++) await deposit(owner, a.id, i);
    const account = await accounts.get(owner, a.id);
    if (!account) throw new Error('no account');
    // At most 3 entries passed over per page: the withdrawal is the 8th newest.
    const capped = new LedgerReader(db, table, { systemShards: 4, dailyLimit: 1_000_000, historyScanMax: 3 });
    const pages: { amounts: number[]; more: boolean }[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await capped.postingsAfter(account, { limit: 25, type: 'withdrawal', start });
      pages.push({ amounts: amounts(page), more: page.last !== undefined });
      start = page.last;
    } while (start && pages.length < 10);
    expect(pages).toEqual([
      { amounts: [], more: true },
      { amounts: [], more: true },
      { amounts: [-1], more: false },
    ]);
    // Without a filter a page is whole, as before.
    expect(amounts(await capped.postingsAfter(account, { limit: 25 }))).toEqual([
      7, 6, 5, 4, 3, 2, 1, -1, 1000,
    ]);
  });
});
