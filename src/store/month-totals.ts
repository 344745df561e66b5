/**
 * Kept month totals: an account's statement totals of a month no posting can join any more, so that
 * the statement list reads a busy account's past months as one item each, not as every posting in
 * them (README, "Statements").
 *
 * A month is final once the account has posted after it: a posting's time follows the account's last
 * posting's (ledger-engine.ts `postingTime`, conditioned on the account's version), so with
 * `lastPostedAt` at or after a month's end, read strongly consistent, no posting can ever be dated in
 * it. Its totals are kept only from a read of its postings that the statement checks passed
 * (statement-source.ts `span`), and not replaced (a conditional put) but by totals read again from
 * the postings because the kept ones disagreed with the ledger. They are derived data: the ledger
 * stays the truth (src/handlers/statements.ts checks each page's kept months against it).
 */
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Period, Totals } from '../domain/statements.ts';
import { type Db, isConditionFailure } from './db.ts';
import * as keys from './item-keys.ts';

/** Whether no posting can be dated in `period` any more: the account has posted at or after its end. */
export const isFinal = (account: { lastPostedAt?: string | undefined }, periodEnd: string): boolean =>
  account.lastPostedAt !== undefined && account.lastPostedAt >= periodEnd;

const totalsOfItem = (i: Record<string, unknown>): Totals => ({
  openingBalance: Number(i.openingBalance),
  closingBalance: Number(i.closingBalance),
  totalIn: Number(i.totalIn),
  totalOut: Number(i.totalOut),
  count: Number(i.count),
});

export class MonthTotals {
  constructor(
    private readonly db: Db,
    private readonly table: string,
  ) {}

  /** The kept totals of the account's months from `first` to `last` (both included), by period. */
  async read(accountId: string, first: Period, last: Period): Promise<Map<Period, Totals>> {
    const out = new Map<Period, Totals>();
    let start: Record<string, unknown> | undefined;
    do {
      const r = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :first AND :last',
          ExpressionAttributeValues: {
            ':pk': keys.monthTotals(accountId, first).pk,
            ':first': first,
            ':last': last,
          },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const i of r.Items ?? []) out.set(String(i.sk), totalsOfItem(i));
      start = r.LastEvaluatedKey;
    } while (start);
    return out;
  }

  /**
   * Keeps a final month's totals; a month already kept is left as it is, unless `replace` (totals read
   * again from the postings after the kept ones disagreed with the ledger).
   */
  async keep(
    accountId: string,
    period: Period,
    totals: Totals,
    opts: { replace?: boolean; now?: Date } = {},
  ): Promise<void> {
    const now = opts.now ?? new Date();
    await this.db
      .send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...keys.monthTotals(accountId, period),
            entity: 'monthTotals',
            openingBalance: totals.openingBalance,
            closingBalance: totals.closingBalance,
            totalIn: totals.totalIn,
            totalOut: totals.totalOut,
            count: totals.count,
            keptAt: now.toISOString(),
          },
          ...(opts.replace ? {} : { ConditionExpression: 'attribute_not_exists(pk)' }),
        }),
      )
      .catch((e: unknown) => {
        if (!isConditionFailure(e)) throw e;
      });
  }
}
