/**
 * The read side of the ledger: journals, an account's history, balances as of an instant, system
 * accounts' balances and the daily limit used. The read-only
 * functions (accounts-read, admin-accounts) use it alone, so their bundles carry none of the write
 * paths (ledger.ts); LedgerStore offers the same reads beside its movements (tests, scripts, bench).
 */

import { expiredHolds, type Hold, holdsFault } from '../domain/account.ts';
import {
  firstGap,
  type Journal,
  type SystemAccount,
  statusAt,
  systemShardId,
  type TransactionStatus,
  type TransactionType,
} from '../domain/ledger.ts';
import { addMinor, type Currency } from '../domain/money.ts';
import { type Db, queryAll } from './db.ts';
import { historyBetween, historyKey, lastPosting, postingNoOf } from './history.ts';
import * as keys from './item-keys.ts';
import { readJournal } from './ledger-journal.ts';
import { unsettledCredits } from './ledger-settle.ts';
import { again, done, indexLagPolicy, type RetryPolicy, retry } from './retry.ts';

/** One entry of an account's history. */
export interface HistoryItem {
  journalId: string;
  type: TransactionType;
  status: TransactionStatus;
  /** Signed: negative for money out (a pending transfer's hold included). */
  amount: number;
  currency: Currency;
  /** Posted entries only: the account's posted balance after it. */
  balanceAfter?: number;
  /** Posted entries only (not shown): its place among the account's postings (Party.postingNo). */
  postingNo?: number;
  counterpartyNumber?: string;
  description: string;
  createdAt: string;
}

/** Which page of an account's history: up to `limit` entries, optionally between two instants and filtered. */
export interface HistoryPageQuery {
  limit: number;
  from?: string | undefined;
  to?: string | undefined;
  /** Where the previous page ended (its `last`). */
  start?: Record<string, unknown> | undefined;
  type?: TransactionType | undefined;
  status?: TransactionStatus | undefined;
  /**
   * The account is closed: its unsettled credits are going back to their senders (ledger-return.ts),
   * so none is listed as on its way.
   */
  closed?: boolean | undefined;
  /** The instant the page is read at (a pending transfer past its expiry shows expired); now if absent. */
  now?: Date | undefined;
}

/** A page of history, and where it ended when there is more. */
export interface HistoryPage {
  items: HistoryItem[];
  last?: Record<string, unknown>;
}

/** What the reads need of the ledger's options (LedgerOptions has them too). */
export interface LedgerReadOptions {
  /** Shards per system account (cash-in, cash-out). */
  systemShards: number;
  /** Per user, currency and UTC day: withdrawals and outgoing transfers, in minor units. */
  dailyLimit: number;
  /** The most entries a filtered page of history passes over (HISTORY_SCAN_MAX unless a test sets it). */
  historyScanMax?: number;
}

/**
 * The most entries one page of history with a filter (`type`, `status`) passes over: then the page ends
 * where it got to, short or empty, with a cursor from there. Without it a filter that matches rarely
 * (`type=refund` on a busy account) read the account's whole history in one request, past the
 * function's timeout.
 */
export const HISTORY_SCAN_MAX = 1000;

/** The time in a history sort key (`TX#<ISO time>#<journal id>`). */
const timeOfKey = (sk: unknown): string => String(sk).split('#')[1] ?? '';

/**
 * Whether a page (newest first) lacks a posting between two it shows: their numbers (Party.postingNo)
 * skip one. An index entry can show a moment late on AWS while a later one shows; two such that cancel
 * out leave every balance after them right, so only the numbers tell.
 */
const lacksBetween = (items: readonly HistoryItem[]): boolean => {
  const numbers = items
    .filter((i) => i.status === 'posted')
    .map((i) => i.postingNo)
    .filter((n): n is number => n !== undefined)
    .reverse();
  return firstGap(undefined, numbers) !== undefined;
};

export class LedgerReader {
  constructor(
    protected readonly db: Db,
    protected readonly table: string,
    protected readonly opts: LedgerReadOptions,
  ) {}

  /** A journal, read strongly consistent (never a 404 right after a 201). */
  getJournal(id: string): Promise<(Journal & { version: number }) | undefined> {
    return readJournal(this.db, this.table, id);
  }

  /** One page of an account's history, newest first, optionally filtered by type and status. */
  async postings(accountId: string, opts: HistoryPageQuery): Promise<HistoryPage> {
    // The first page starts with the account's unsettled credits (hot recipients): pending, with no
    // balanceAfter yet. Each settles after every posting there is, so once settled it is the newest;
    // until then a posting made after it (a credit taken at once, the account's own debit) lists below
    // it, as pending transfers list above posted ones. At most limit - 1 of them, so the page still
    // shows (and pages on from) the postings.
    const incoming =
      opts.closed ||
      opts.start ||
      (opts.type && opts.type !== 'transfer') ||
      (opts.status && opts.status !== 'pending')
        ? []
        : (await unsettledCredits(this.db, this.table, accountId))
            .filter((c) => (!opts.from || c.createdAt >= opts.from) && (!opts.to || c.createdAt <= opts.to))
            .reverse()
            .slice(0, Math.max(0, opts.limit - 1))
            .map(
              (c): HistoryItem => ({
                journalId: c.journalId,
                type: c.type as TransactionType,
                status: 'pending',
                amount: c.amount,
                currency: c.currency,
                ...(c.counterpartyNumber ? { counterpartyNumber: c.counterpartyNumber } : {}),
                description: c.description,
                createdAt: c.createdAt,
              }),
            );
    const page = await this.settledPostings(accountId, { ...opts, limit: opts.limit - incoming.length });
    // A credit settled between the two reads is in both: its posting (the newest, so on this page)
    // stands, and its pending entry goes.
    const posted = new Set(page.items.map((i) => i.journalId));
    return { ...page, items: [...incoming.filter((c) => !posted.has(c.journalId)), ...page.items] };
  }

  /**
   * One page of history, as `postings`, read after the account (`account`, as the caller read it,
   * strongly consistent). Posted entries come from eventually consistent indexes on AWS, so for a
   * moment after a movement's 201 the page can lack the account's last posting. Where the page should
   * show that posting (a first page, no type filter, `status` absent or `posted`, and the account's
   * `lastPostedAt` within `from` and `to`) and shows no posted entry at or after it, it is read again
   * (the one retry helper, `indexLagPolicy`, within the Lambda's deadline), unless the page is full of
   * newer entries (pending transfers' hold entries, incoming credits, later postings) and there is a
   * next page, where that posting then is. Times, not balances, decide: a movement that lands between
   * the account's read and the page's adds a later entry, which passes. Any page of every posted entry
   * (no type filter) is also read again while its postings' numbers skip one between two it shows
   * (`lacksBetween`: entries lagging together whose amounts cancel out leave every balance after them
   * right). An entry missing below the page's oldest, or above its newest when that is not the last
   * posting, is not seen. `behind`: the last read still lacked one (the caller answers with it).
   */
  async postingsAfter(
    account: { id: string; lastPostedAt?: string | undefined; status?: string | undefined },
    opts: HistoryPageQuery,
    policy: Partial<RetryPolicy> = {},
  ): Promise<HistoryPage & { behind: boolean }> {
    const last = account.lastPostedAt ?? '';
    // A page of every posted entry: its numbered postings must run without a gap (lacksBetween).
    const unfiltered = !opts.type && (!opts.status || opts.status === 'posted');
    const bound =
      account.lastPostedAt !== undefined &&
      !opts.start &&
      unfiltered &&
      (!opts.from || opts.from <= last) &&
      (!opts.to || last <= opts.to);
    let page: HistoryPage = { items: [] };
    const caught = await retry(
      async () => {
        page = await this.postings(account.id, { ...opts, closed: account.status === 'closed' });
        // With a next page, it goes on from the oldest entry read (in time order: incoming credits,
        // which are not, come first): the last item, or the last passed over by a filter.
        const beyond = page.last !== undefined && timeOfKey(page.last.sk) > last;
        const shown = page.items.some((i) => i.status === 'posted' && i.createdAt >= last);
        return (!bound || shown || beyond) && !(unfiltered && lacksBetween(page.items)) ? done(page) : again;
      },
      { ...indexLagPolicy, ...policy },
    );
    return { ...page, behind: caught === undefined };
  }

  private async settledPostings(accountId: string, opts: HistoryPageQuery): Promise<HistoryPage> {
    const skPrefix = historyKey('');
    const found: Record<string, unknown>[] = [];
    const filtered = Boolean(opts.type || opts.status);
    const entries = historyBetween(this.db, this.table, accountId, {
      lo: historyKey(opts.from ?? ''),
      hi: `${historyKey(opts.to ?? '')}\uffff`,
      newestFirst: true,
      // A filter leaves some out: read more at a time.
      pageSize: filtered ? Math.max(50, opts.limit + 1) : opts.limit + 1,
      after: opts.start,
    });
    // One more than asked says whether another page exists. (Entries written before journals had
    // items of their own have no `type` or `status` of their own, so a filter on either leaves them out.)
    // A filter passes over at most HISTORY_SCAN_MAX entries: the page ends at the last of them.
    const scanMax = this.opts.historyScanMax ?? HISTORY_SCAN_MAX;
    let passed = 0;
    let stoppedAt: Record<string, unknown> | undefined;
    // A pending transfer past its expiry shows expired, before the sweeper marks it so (statusAt).
    const now = opts.now ?? new Date();
    const statusOf = (p: Record<string, unknown>) =>
      statusAt(
        {
          status: (p.status ?? 'posted') as TransactionStatus,
          ...(typeof p.expiresAt === 'string' ? { expiresAt: p.expiresAt } : {}),
        },
        now,
      );
    for await (const p of entries) {
      if ((opts.type && p.type !== opts.type) || (opts.status && statusOf(p) !== opts.status)) {
        if (++passed >= scanMax) {
          stoppedAt = p;
          break;
        }
        continue;
      }
      found.push(p);
      if (found.length > opts.limit) break;
    }
    const items = found.slice(0, opts.limit);
    const more = found.length > opts.limit;
    const lastItem = more ? items[items.length - 1] : stoppedAt;
    return {
      items: items.map((p) => ({
        // Postings written before journals had items of their own carry a copy of the journal.
        journalId: String(p.journalId ?? (p.journal as { txId?: string } | undefined)?.txId),
        type: (p.type ?? (p.journal as { type?: string } | undefined)?.type) as TransactionType,
        status: statusOf(p),
        amount: Number(p.amount),
        currency: p.currency as Currency,
        ...(p.entity === 'posting' ? { balanceAfter: Number(p.balanceAfter) } : {}),
        ...(postingNoOf(p) !== undefined ? { postingNo: postingNoOf(p) } : {}),
        ...(p.counterpartyNumber ? { counterpartyNumber: String(p.counterpartyNumber) } : {}),
        description: String(
          p.description ?? (p.journal as { description?: string } | undefined)?.description ?? '',
        ),
        createdAt: String(p.createdAt ?? String(p.sk).slice(skPrefix.length).split('#')[0]),
      })),
      ...(lastItem ? { last: { pk: lastItem.pk, sk: lastItem.sk } } : {}),
    };
  }

  /**
   * The posted balance of `account` (as read, strongly consistent) as of an instant `at` (not in the
   * future): at or after its last posting (`lastPostedAt`) it is the account's own `balance`, exact at
   * once; before it, `balanceAt` reads history, whose indexes can lag on AWS. (An account with no
   * `lastPostedAt` is read from history: accounts opened before it was kept may have postings.)
   */
  async balanceAsOf(
    account: { id: string; balance: number; lastPostedAt?: string | undefined },
    at: string,
  ): Promise<number> {
    if (account.lastPostedAt !== undefined && at >= account.lastPostedAt) return account.balance;
    return this.balanceAt(account.id, at);
  }

  /** The posted balance of an account as of an instant: the balance after its last posting until then. */
  async balanceAt(accountId: string, at: string): Promise<number> {
    const last = await lastPosting(this.db, this.table, accountId, `${historyKey(at)}#\uffff`);
    return last ? Number(last.balanceAfter) : 0;
  }

  /**
   * A system account's balance in one currency: the sum of its shards' postings. System accounts
   * (cash-in, cash-out) have no bound to check, so no movement needs their balance: they keep no
   * balance item that every deposit would update (one hot item, a TransactionConflict on AWS for
   * every overlapping pair), only their postings, spread over shards (partitions). An operator's
   * read, not a request path: it pages through the postings.
   */
  async systemBalance(name: SystemAccount, currency: Currency): Promise<number> {
    let total = 0;
    const range = { lo: historyKey(''), hi: historyKey('\uffff'), projection: 'amount' };
    for (let s = 0; s < this.opts.systemShards; s++)
      for await (const p of historyBetween(this.db, this.table, systemShardId(name, currency, s), range))
        total = addMinor(total, Number(p.amount));
    return total;
  }

  /**
   * What the owner's outgoing movements took of the daily limit on `day`, per currency: from the
   * counters on the owner's host accounts (AccountRecord.limitHost), and from the counter items of
   * accounts opened before hosts. With `now`, as reads show it then: less the holds past their expiry
   * that took of `day` and are not released yet.
   */
  async outgoingOn(owner: string, day: string, now?: Date): Promise<Map<string, number>> {
    const legacy = keys.dailyLimit(owner, day, '');
    const accounts = keys.accountsOf(owner);
    const [counters, hosts] = await Promise.all([
      queryAll(this.db, this.table, legacy.pk, legacy.sk),
      queryAll(this.db, this.table, accounts.pk, accounts.skPrefix, {
        ProjectionExpression: `id, currency, limitHost, #day${now ? ', holds' : ''}`,
        ExpressionAttributeNames: { '#day': keys.dailyAttr('out', day) },
      }),
    ]);
    const used = new Map<string, number>();
    const add = (currency: string, amount: unknown) =>
      used.set(currency, addMinor(used.get(currency) ?? 0, Number(amount ?? 0)));
    for (const item of counters) add(String(item.sk).slice(legacy.sk.length), item.spent);
    for (const a of hosts) if (a.limitHost === a.id) add(String(a.currency), a[keys.dailyAttr('out', day)]);
    if (now) {
      // As reads count holds (heldAt): one past its expiry no longer counts, though the counter holds
      // it until the owner's next debit or the sweeper releases it, which gives it back on the day it
      // took it (limitRelease). Its journal says which day that was.
      const expired = hosts.flatMap((a) => {
        const holds = a.holds as Record<string, Hold> | undefined;
        return holds && !holdsFault(holds) ? expiredHolds(holds, now) : [];
      });
      for (const j of await Promise.all(expired.map((id) => this.getJournal(id))))
        if (j?.status === 'pending' && j.limitDay === day) add(j.currency, -(j.heldAmount ?? j.amount));
    }
    return used;
  }

  /** The daily outgoing limit (the same in every currency). */
  get dailyLimit(): number {
    return this.opts.dailyLimit;
  }
}
