/**
 * Where an account's history is read in time order: its posting items (and a pending transfer's
 * `hold` entry) under `ACCOUNT#<accountId> / TX#<ISO time>#<journal id>` (keys.postingsOf), a system
 * shard's under its shard id. Statements, balances as of an instant and system balances read through
 * here, and so do the pages of history (LedgerReader.postings); verify-ledger scans the table. A
 * change of where entries live (the README's "history through indexes") changes this module and it.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from './db.ts';
import { keys } from './keys.ts';

/** An item that is a posting (the account's posted history), not a pending transfer's hold entry. */
export const isPosting = (i: Record<string, unknown>): boolean => i.entity === 'posting';

/** The sort key of the first instant at or after `at` (`#` sorts before every digit of a time). */
export const historyKey = (at: string): string => `${keys.postingsOf('').skPrefix}${at}`;

/**
 * The account's history items with `lo <= sk <= hi` (sort keys; `historyKey`), oldest first (or
 * newest first, `newestFirst`), read strongly consistent, page by page as the caller consumes them.
 */
export async function* historyBetween(
  db: Db,
  table: string,
  accountId: string,
  range: {
    lo: string;
    hi: string;
    newestFirst?: boolean;
    pageSize?: number;
    projection?: string;
    /** The key of the item to read on from (excluded): where a previous page of history ended. */
    after?: Record<string, unknown> | undefined;
  },
): AsyncGenerator<Record<string, unknown>> {
  const { pk } = keys.postingsOf(accountId);
  let start = range.after;
  do {
    const r = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
        ExpressionAttributeValues: { ':pk': pk, ':lo': range.lo, ':hi': range.hi },
        ScanIndexForward: !range.newestFirst,
        ConsistentRead: true,
        ...(range.pageSize ? { Limit: range.pageSize } : {}),
        ...(range.projection ? { ProjectionExpression: range.projection } : {}),
        ExclusiveStartKey: start,
      }),
    );
    yield* r.Items ?? [];
    start = r.LastEvaluatedKey;
  } while (start);
}

/**
 * The account's last posting with a sort key at most `hi` (a pending transfer's hold entry is passed
 * over), or undefined when it has none. Its `balanceAfter` is the account's posted balance then.
 */
export const lastPosting = async (
  db: Db,
  table: string,
  accountId: string,
  hi: string,
): Promise<Record<string, unknown> | undefined> => {
  const lo = historyKey('');
  for await (const i of historyBetween(db, table, accountId, { lo, hi, newestFirst: true, pageSize: 10 }))
    if (isPosting(i)) return i;
  return undefined;
};
