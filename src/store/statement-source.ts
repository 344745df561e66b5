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
import {
  assertNoGap,
  assertTail,
  exportTooLarge,
  type StatementLine,
  StatementMismatch,
  type Totals,
  totalsOf,
} from '../domain/statements.ts';
import { busy, type Db } from './db.ts';
import {
  firstPostingFrom,
  historyBetween,
  historyKey,
  isPosting,
  lastPosting,
  postingNoOf,
} from './history.ts';
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

/** The time in a history sort key (`TX#<ISO time>#<journal id>`). */
const timeOf = (sk: string): string => sk.split('#')[1] as string;

export const lineOf = (i: Record<string, unknown>): StatementLine => ({
  txId: String(i.journalId),
  type: String(i.type),
  date: timeOf(String(i.sk)),
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
  ): Promise<{ lines: StatementLine[]; postingNos: (number | undefined)[]; truncated: boolean }> {
    const lines: StatementLine[] = [];
    const postingNos: (number | undefined)[] = [];
    // `#` sorts before every digit: historyKey(to) is below every posting at `to` or later.
    const [lo, hi] = [historyKey(from), historyKey(to)];
    for await (const i of historyBetween(this.db, this.table, accountId, { lo, hi })) {
      if (!isPosting(i) || (i.sk as string) >= hi) continue;
      if (lines.length >= max) return { lines, postingNos, truncated: true };
      lines.push(lineOf(i));
      postingNos.push(postingNoOf(i));
    }
    return { lines, postingNos, truncated: false };
  }

  /**
   * An account's posted movements from `from` to `to` (excluded) with the balance before them and
   * their totals, checked whole against the account as read before (strongly consistent): each
   * running balance (`totalsOf`), the postings' numbers from the opening posting's to the next one's
   * (`assertNoGap`) and the tail (`assertTail`, with one more read when the account has posted since
   * `to`). A read an index has not caught up with throws StatementMismatch (`caughtUp`).
   */
  async span(
    account: { id: string; lastPostedAt?: string | undefined },
    from: string,
    to: string,
    /** More lines than this (an export that could not fit its response): 422 export_too_large, read no further. */
    maxLines?: number,
  ): Promise<{ opening: { balance: number; lastKey?: string }; lines: StatementLine[]; totals: Totals }> {
    const after = account.lastPostedAt !== undefined && account.lastPostedAt >= to;
    const [opening, { lines, postingNos, truncated }, next] = await Promise.all([
      this.balanceBefore(account.id, from),
      this.lines(account.id, from, to, maxLines),
      after ? firstPostingFrom(this.db, this.table, account.id, historyKey(to)) : undefined,
    ]);
    if (truncated) throw exportTooLarge();
    const totals = totalsOf(opening.balance, lines);
    // No opening posting: the first numbered line must be the account's first (0 before it).
    assertNoGap(opening.lastKey === undefined ? 0 : opening.postingNo, [
      ...postingNos,
      next && postingNoOf(next),
    ]);
    assertTail({
      from,
      to,
      lastPostedAt: account.lastPostedAt,
      openingAt: opening.lastKey === undefined ? undefined : timeOf(opening.lastKey),
      closingBalance: totals.closingBalance,
      lines,
      next: next && {
        amount: Number(next.amount),
        balanceAfter: next.balanceAfter === undefined ? undefined : Number(next.balanceAfter),
      },
    });
    return { opening, lines, totals };
  }

  /**
   * The account's posted balance just before `at`, and that posting's sort key and number (undefined:
   * none).
   */
  async balanceBefore(
    accountId: string,
    at: string,
  ): Promise<{ balance: number; lastKey?: string; postingNo?: number | undefined }> {
    const last = await lastPosting(this.db, this.table, accountId, historyKey(at));
    return last
      ? { balance: Number(last.balanceAfter), lastKey: last.sk as string, postingNo: postingNoOf(last) }
      : { balance: 0 };
  }
}
