/**
 * Where an account's history is read in time order. Its entries live in three places, all under the
 * keys `ACCOUNT#<accountId> / TX#<ISO time>#<journal id>` (keys.postingsOf; a system shard's under its
 * shard id):
 *   - posting items (entity `posting`), as movements wrote them before history moved into the indexes,
 *     and a pending transfer's `hold` entry;
 *   - the index hist1: a posted journal's debited side, keyed by the journal's own `h1pk`/`h1sk`;
 *   - the index hist2: its credited side (`h2pk`/`h2sk`), set by the movement or by the settler.
 * `historyBetween` merges the three by sort key, and `sideEntries` turns a journal's sides into entries
 * shaped as posting items, so that callers (history pages, statements, balances as of an instant,
 * system balances) and verify-ledger read one shape. A read of an index is eventually consistent on
 * AWS (the README's "history through indexes"): an entry can show a moment after its movement.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Party } from '../domain/ledger.ts';
import type { Db } from './db.ts';
import * as keys from './item-keys.ts';
import { type HistoryIndex, historyIndexes } from './table.ts';

/** An item that is a posting (the account's posted history), not a pending transfer's hold entry. */
export const isPosting = (i: Record<string, unknown>): boolean => i.entity === 'posting';

/** A history entry's posting number (Party.postingNo), if it has one. */
export const postingNoOf = (i: Record<string, unknown>): number | undefined =>
  typeof i.postingNo === 'number' ? i.postingNo : undefined;

/** The sort key of the first instant at or after `at` (`#` sorts before every digit of a time). */
export const historyKey = (at: string): string => `${keys.postingsOf('').skPrefix}${at}`;

const accountPrefix = keys.postingsOf('').pk;

/**
 * A journal's side in one history index as the posting item it stands for (undefined: the journal
 * has no entry there). Its account is the one its key names; the side's party, when it is on that
 * account (a system shard has none), gives the owner and `balanceAfter`.
 */
export const sideEntry = (
  journal: Record<string, unknown>,
  index: HistoryIndex,
): Record<string, unknown> | undefined => {
  const pk = journal[index.partitionKey];
  const sk = journal[index.sortKey];
  if (typeof pk !== 'string' || typeof sk !== 'string') return undefined;
  const accountId = pk.slice(accountPrefix.length);
  const party = journal[index.party] as Party | undefined;
  const own = party?.accountId === accountId ? party : undefined;
  const counterpartyNumber = journal[index.counterparty];
  return {
    pk,
    sk,
    entity: 'posting',
    accountId,
    system: own === undefined,
    ...(own ? { ownerId: own.ownerId } : {}),
    amount: index.sign * Number(journal.amount),
    currency: journal.currency,
    ...(own?.balanceAfter !== undefined ? { balanceAfter: own.balanceAfter } : {}),
    ...(own?.postingNo !== undefined ? { postingNo: own.postingNo } : {}),
    ...(journal[index.seq] !== undefined ? { seq: journal[index.seq] } : {}),
    journalId: journal.id,
    type: journal.type,
    status: 'posted',
    description: journal.description,
    ...(counterpartyNumber !== undefined ? { counterpartyNumber } : {}),
    createdAt: sk.slice(historyKey('').length).split('#')[0],
  };
};

/** A journal item's history entries: its debited side's, then its credited side's. */
export const sideEntries = (journal: Record<string, unknown>): Record<string, unknown>[] =>
  historyIndexes
    .map((index) => sideEntry(journal, index))
    .filter((e): e is Record<string, unknown> => e !== undefined);

interface Range {
  lo: string;
  hi: string;
  newestFirst?: boolean;
  pageSize?: number;
  /** Of the posting items only (an index holds few attributes, and its entries are made whole). */
  projection?: string;
  /** The key of the entry to read on from (excluded): where a previous page of history ended. */
  after?: Record<string, unknown> | undefined;
}

/** One source's entries in the range, in order, page by page. */
async function* source(
  db: Db,
  table: string,
  accountId: string,
  range: Range,
  index?: HistoryIndex,
): AsyncGenerator<Record<string, unknown>> {
  const { pk } = keys.postingsOf(accountId);
  let start: Record<string, unknown> | undefined;
  do {
    const r = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lo AND :hi',
        ExpressionAttributeNames: {
          '#pk': index?.partitionKey ?? 'pk',
          '#sk': index?.sortKey ?? 'sk',
        },
        ExpressionAttributeValues: { ':pk': pk, ':lo': range.lo, ':hi': range.hi },
        ScanIndexForward: !range.newestFirst,
        // An index cannot be read strongly consistent (DynamoDB refuses it).
        ...(index ? { IndexName: index.indexName } : { ConsistentRead: true }),
        ...(range.pageSize ? { Limit: range.pageSize } : {}),
        // The merge needs each entry's sort key, and callers its entity, whatever else they ask for.
        ...(range.projection && !index
          ? { ProjectionExpression: `${range.projection}, pk, sk, entity` }
          : {}),
        ExclusiveStartKey: start,
      }),
    );
    for (const item of r.Items ?? []) {
      const entry = index ? sideEntry(item, index) : item;
      if (entry) yield entry;
    }
    start = r.LastEvaluatedKey;
  } while (start);
}

/**
 * The account's history entries with `lo <= sk <= hi` (sort keys; `historyKey`), oldest first (or
 * newest first, `newestFirst`): its posting items (read strongly consistent) and its journals' sides
 * in the two history indexes, merged by sort key, page by page as the caller consumes them.
 */
export async function* historyBetween(
  db: Db,
  table: string,
  accountId: string,
  range: Range,
): AsyncGenerator<Record<string, unknown>> {
  const after = range.after?.sk as string | undefined;
  // The entry a page ended at bounds the next page; every source is read from it, and it is left out.
  const bounded =
    after === undefined
      ? range
      : range.newestFirst
        ? { ...range, hi: after < range.hi ? after : range.hi }
        : { ...range, lo: after > range.lo ? after : range.lo };
  const sources = [undefined, ...historyIndexes].map((index) =>
    source(db, table, accountId, bounded, index)[Symbol.asyncIterator](),
  );
  try {
    const heads = await Promise.all(sources.map((s) => s.next()));
    const before = (a: string, b: string) => (range.newestFirst ? a > b : a < b);
    for (;;) {
      let next = -1;
      for (const [i, h] of heads.entries()) {
        if (h.done) continue;
        const head = heads[next];
        if (next < 0 || (head && !head.done && before(String(h.value.sk), String(head.value.sk)))) next = i;
      }
      if (next < 0) return;
      const chosen = (heads[next] as IteratorYieldResult<Record<string, unknown>>).value;
      if (after === undefined || chosen.sk !== after) yield chosen;
      heads[next] = await (sources[next] as AsyncGenerator<Record<string, unknown>>).next();
    }
  } finally {
    await Promise.all(sources.map((s) => s.return?.(undefined)));
  }
}

/** The account's first posting in the range, oldest or newest first (a hold entry is passed over). */
const firstIn = async (
  db: Db,
  table: string,
  accountId: string,
  range: Range,
): Promise<Record<string, unknown> | undefined> => {
  for await (const i of historyBetween(db, table, accountId, { ...range, pageSize: 10 }))
    if (isPosting(i)) return i;
  return undefined;
};

/**
 * The account's last posting with a sort key at most `hi` (a pending transfer's hold entry is passed
 * over), or undefined when it has none. Its `balanceAfter` is the account's posted balance then.
 */
export const lastPosting = (
  db: Db,
  table: string,
  accountId: string,
  hi: string,
): Promise<Record<string, unknown> | undefined> =>
  firstIn(db, table, accountId, { lo: historyKey(''), hi, newestFirst: true });

/** The account's first posting with a sort key at least `lo`, or undefined when it has none. */
export const firstPostingFrom = (
  db: Db,
  table: string,
  accountId: string,
  lo: string,
): Promise<Record<string, unknown> | undefined> =>
  firstIn(db, table, accountId, { lo, hi: `${historyKey('')}\uffff` });
