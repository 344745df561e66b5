/**
 * The one place statements read the ledger: an account's posted movements in a time range and the
 * balance before it. It relies on (and only on) the ledger's posting items:
 *
 *   pk `ACCOUNT#<accountId>`, sk `TX#<ISO time>#<journal id>`, sorted by time, `entity: 'posting'`,
 *   with `amount` (signed minor units), `balanceAfter` (the account's posted balance after it),
 *   `journalId`, `type`, `description` and, for transfers and refunds, `counterpartyNumber`.
 *
 * A pending transfer's `hold` entry shares the partition (until it is posted, voided or expires): a
 * statement shows posted movements only, so anything but a posting is skipped.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { StatementLine } from '../domain/statements.ts';
import type { Db } from './db.ts';
import { keys } from './keys.ts';

const isPosting = (i: Record<string, unknown>): boolean => i.entity === 'posting';

export const lineOf = (i: Record<string, unknown>): StatementLine => ({
  txId: String(i.journalId),
  type: String(i.type),
  date: String(i.sk).split('#')[1] as string,
  description: String(i.description ?? ''),
  counterparty: (i.counterpartyNumber as string | undefined) ?? null,
  amount: Number(i.amount),
  balance: Number(i.balanceAfter),
});

export class StatementSource {
  constructor(
    private readonly db: Db,
    private readonly table: string,
  ) {}

  /** Postings with `from <= time < to`, oldest first, `max` at most (then `truncated`). */
  async lines(
    accountId: string,
    from: string,
    to: string,
    max = Number.POSITIVE_INFINITY,
  ): Promise<{ lines: StatementLine[]; truncated: boolean }> {
    const { pk, skPrefix } = keys.postingsOf(accountId);
    const lines: StatementLine[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const r = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          // `#` sorts before every digit: TX#<to> is below every posting at `to` or later.
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
          ExpressionAttributeValues: { ':pk': pk, ':lo': `${skPrefix}${from}`, ':hi': `${skPrefix}${to}` },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const i of r.Items ?? []) {
        if (!isPosting(i) || (i.sk as string) >= `${skPrefix}${to}`) continue;
        if (lines.length >= max) return { lines, truncated: true };
        lines.push(lineOf(i));
      }
      start = r.LastEvaluatedKey;
    } while (start);
    return { lines, truncated: false };
  }

  /** The account's posted balance just before `at`, and that posting's sort key (undefined: none). */
  async balanceBefore(accountId: string, at: string): Promise<{ balance: number; lastKey?: string }> {
    const { pk, skPrefix } = keys.postingsOf(accountId);
    let start: Record<string, unknown> | undefined;
    do {
      const r = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
          ExpressionAttributeValues: { ':pk': pk, ':lo': skPrefix, ':hi': `${skPrefix}${at}` },
          ScanIndexForward: false,
          ConsistentRead: true,
          Limit: 10,
          ExclusiveStartKey: start,
        }),
      );
      for (const i of r.Items ?? []) {
        if (isPosting(i) && (i.sk as string) < `${skPrefix}${at}`)
          return { balance: Number(i.balanceAfter), lastKey: i.sk as string };
      }
      start = r.LastEvaluatedKey;
    } while (start);
    return { balance: 0 };
  }
}
