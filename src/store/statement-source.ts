/**
 * The one place statements read the ledger: an account's posted movements in a time range and the
 * balance before it, through store/history.ts. It relies on (and only on) the ledger's posting items:
 *
 *   pk `ACCOUNT#<accountId>`, sk `TX#<ISO time>#<journal id>`, sorted by time, `entity: 'posting'`,
 *   with `amount` (signed minor units), `balanceAfter` (the account's posted balance after it),
 *   `journalId`, `type`, `description` and, for transfers and refunds, `counterpartyNumber`.
 *
 * A pending transfer's `hold` entry shares the partition (until it is posted, voided or expires): a
 * statement shows posted movements only, so anything but a posting is skipped.
 */
import { type StatementLine, StatementMismatch } from '../domain/statements.ts';
import { busy, type Db } from './db.ts';
import { historyBetween, historyKey, isPosting, lastPosting } from './history.ts';
import { again, done, indexLagPolicy, type RetryPolicy, retry } from './retry.ts';

/**
 * An account's history comes partly from eventually consistent indexes (store/history.ts), so on AWS a
 * read can, for a moment, lack an entry that a later visible one follows: its running balances do
 * not add up (StatementMismatch, from totalsOf). Such a read is made again (the one retry helper,
 * within the Lambda's deadline); one that still does not add up is 503 `service_unavailable`
 * (Retry-After: 1), never a statement with a movement missing.
 */
export const caughtUp = async <T>(read: () => Promise<T>, policy: Partial<RetryPolicy> = {}): Promise<T> => {
  const r = await retry(
    async () => {
      try {
        return done(await read());
      } catch (e) {
        if (e instanceof StatementMismatch) return again;
        throw e;
      }
    },
    { ...indexLagPolicy, ...policy },
  );
  if (r === undefined) throw busy("The account's history is catching up: try again in a moment");
  return r;
};

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
    const lines: StatementLine[] = [];
    // `#` sorts before every digit: historyKey(to) is below every posting at `to` or later.
    const [lo, hi] = [historyKey(from), historyKey(to)];
    for await (const i of historyBetween(this.db, this.table, accountId, { lo, hi })) {
      if (!isPosting(i) || (i.sk as string) >= hi) continue;
      if (lines.length >= max) return { lines, truncated: true };
      lines.push(lineOf(i));
    }
    return { lines, truncated: false };
  }

  /** The account's posted balance just before `at`, and that posting's sort key (undefined: none). */
  async balanceBefore(accountId: string, at: string): Promise<{ balance: number; lastKey?: string }> {
    const last = await lastPosting(this.db, this.table, accountId, historyKey(at));
    return last ? { balance: Number(last.balanceAfter), lastKey: last.sk as string } : { balance: 0 };
  }
}
