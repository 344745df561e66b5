/**
 * The statement list and CSV exports (the files themselves: statement-files.ts, with pdf-lib and S3).
 *
 * The CSV export is a buffered response: API Gateway's HTTP API with Lambda cannot stream, and a
 * Lambda response is at most 6 MB, so an export stops at EXPORT_MAX_BYTES with 422 export_too_large
 * (ask for a shorter range). A year of an everyday account is far below it.
 */
import { createHandler } from '../api/http.ts';
import { logger } from '../api/logger.ts';
import { routes } from '../api/routes/statements.ts';
import { STATEMENTS_PAGE } from '../api/schemas/statements.ts';
import { BankError } from '../domain/errors.ts';
import { addDays, dayOf, isDate } from '../domain/schedule.ts';
import {
  exportCsv,
  exportTooLarge,
  isClosed,
  MIN_CSV_LINE_BYTES,
  type Period,
  periodOf,
  periodRange,
  periodsBetween,
  type StatementLine,
  type Totals,
  totalsOf,
} from '../domain/statements.ts';
import type { AccountRecord } from '../store/accounts.ts';
import { isFinal } from '../store/month-totals.ts';
import { caughtUp } from '../store/statement-source.ts';
import { accountReader } from './context.ts';
import { monthTotals, statementSource } from './context-payments.ts';
import { customerGuard } from './gate.ts';

/** Under Lambda's 6 MB response limit (counted as the response's JSON), with room for the headers. */
export const EXPORT_MAX_BYTES = 5_500_000;
/** More lines than this cannot fit EXPORT_MAX_BYTES: the export stops reading there (export_too_large). */
export const EXPORT_MAX_LINES = Math.ceil(EXPORT_MAX_BYTES / MIN_CSV_LINE_BYTES);
export const EXPORT_MAX_DAYS = 366;
export const EXPORT_DEFAULT_DAYS = 30;
/** The last day an export may run to: the day after it is still a four-digit year's (sort keys). */
export const EXPORT_LAST_DAY = '9999-12-30';
const DAY_MS = 86_400_000;

/** A month of the statement list: its totals, and whether it is still running (`toDate`). */
type StatementSummary = Totals & { period: Period; currency: string; toDate: boolean };

const invalid = (path: string, message: string) =>
  new BankError('validation_failed', 'The request is not valid', { errors: [{ path, message }] });

/**
 * A page of the statement list: the newest `limit` periods before `before` (all when it is absent),
 * each with its totals, oldest first; `next`, the period the next page (older months) comes before,
 * null at the account's first. A page, not the account's whole history: a busy account's list reads a
 * year at a time, not every posting since it opened at each request.
 *
 * A final month's totals are kept once read (src/store/month-totals.ts), so a page reads the kept
 * months it begins with as one item each, and the postings only from its first month not kept (the
 * current one, once the others are kept): one read of those months' postings and the balance before
 * them. Kept months are taken only as a chain, each opening where the one before closed, that meets
 * the ledger at both ends: its opening is the ledger's balance before it, and its closing the balance
 * the postings after it open on (on a page of kept months alone, the ledger's balance after it). A
 * page whose kept months do not is logged at ERROR and read from the postings alone (the ledger is the
 * truth), and its final months' totals are kept again from that read, replacing those that disagreed.
 */
const summaries = async (
  a: AccountRecord,
  now: Date,
  limit: number,
  before?: Period,
  useKept = true,
): Promise<{ items: StatementSummary[]; next: Period | null }> => {
  const all = periodsBetween(a.createdAt, now);
  const periods = (before === undefined ? all : all.filter((p) => p < before)).slice(-limit);
  const oldest = periods[0];
  const newest = periods.at(-1);
  // An account opened after this function's clock (another function's clock ahead of it, across a
  // month's end) has no month yet: an empty list, as getStatement finds no month after now either.
  if (oldest === undefined || newest === undefined) return { items: [], next: null };
  const next = oldest === all[0] ? null : oldest;
  const item = (period: Period, t: Totals): StatementSummary => ({
    period,
    currency: a.currency,
    toDate: !isClosed(period, now),
    ...t,
  });
  // A failed read of the kept months only costs reading their postings.
  const kept = useKept
    ? await monthTotals()
        .read(a.id, oldest, newest)
        .catch((error: unknown) => {
          logger.warn('statements: kept month totals not read; reading postings', { accountId: a.id, error });
          return new Map<Period, Totals>();
        })
    : new Map<Period, Totals>();
  const disagree = (period: Period, kept: number, ledger: number) => {
    logger.error(
      'statements: kept month totals disagree with the postings; the page is read from the postings',
      { accountId: a.id, period, kept, ledger },
    );
    return summaries(a, now, limit, before, false);
  };
  const items: StatementSummary[] = [];
  let chained: number | undefined;
  for (const period of periods) {
    const t = kept.get(period);
    if (!t) break;
    if (chained !== undefined && t.openingBalance !== chained)
      return disagree(period, t.openingBalance, chained);
    items.push(item(period, t));
    chained = t.closingBalance;
  }
  const rest = periods.slice(items.length);
  const first = rest[0];
  const head = kept.get(oldest);
  // The current month reads to the end (a posting's time can run slightly ahead of the clock).
  const to = newest === all.at(-1) ? '\uffff' : periodRange(newest).end;
  const [before0, read, after] = await Promise.all([
    head && statementSource().balanceBefore(a.id, periodRange(oldest).start),
    first === undefined ? undefined : statementSource().span(a, periodRange(first).start, to),
    first === undefined ? statementSource().balanceBefore(a.id, periodRange(newest).end) : undefined,
  ]);
  if (head && before0 && before0.balance !== head.openingBalance)
    return disagree(oldest, head.openingBalance, before0.balance);
  if (chained !== undefined) {
    const ledger = read ? read.opening.balance : after?.balance;
    if (ledger !== chained) return disagree(first ?? newest, chained, ledger ?? 0);
  }
  if (first === undefined || !read) return { items, next };
  const totals = await totalsByPeriod(a, rest, read.opening.balance, read.lines, useKept ? kept : undefined);
  items.push(...totals.map(([p, t]) => item(p, t)));
  return { items, next };
};

/**
 * The totals of `periods` (consecutive) from their postings and the balance before them, each month
 * opening where the one before closed; a final month's are kept: those not in `kept`, or, without
 * `kept` (a page read again from its postings after its kept months disagreed), all of them, replacing
 * what was kept. Keeping never fails the list: a month not kept is read from its postings next time.
 */
const totalsByPeriod = async (
  a: AccountRecord,
  periods: readonly Period[],
  opening: number,
  lines: readonly StatementLine[],
  kept: ReadonlyMap<Period, Totals> | undefined,
): Promise<[Period, Totals][]> => {
  const byPeriod = new Map<Period, StatementLine[]>();
  for (const l of lines) {
    const p = periodOf(l.date);
    const month = byPeriod.get(p);
    if (month) month.push(l);
    else byPeriod.set(p, [l]);
  }
  let balance = opening;
  const out = periods.map((period): [Period, Totals] => {
    const t = totalsOf(balance, byPeriod.get(period) ?? []);
    balance = t.closingBalance;
    return [period, t];
  });
  await Promise.all(
    out
      .filter(([p]) => !kept?.has(p) && isFinal(a, periodRange(p).end))
      .map(([p, t]) =>
        monthTotals()
          .keep(a.id, p, t, { replace: kept === undefined })
          .catch((error: unknown) =>
            logger.warn('statements: month totals not kept', { accountId: a.id, period: p, error }),
          ),
      ),
  );
  return out;
};

export const handler = createHandler(
  routes,
  {
    listStatements: async ({ caller, params, query }) => {
      const a = await accountReader().mustGet(caller.sub, params.id);
      const page = await caughtUp(() =>
        summaries(a, new Date(), query.limit ?? STATEMENTS_PAGE, query.before),
      );
      return { body: { items: page.items.reverse(), nextCursor: page.next } };
    },

    exportCsv: async ({ caller, params, query }) => {
      const a = await accountReader().mustGet(caller.sub, params.id);
      // Checked before any date arithmetic: a month 13 or 00 is no date at all, not a 500.
      for (const name of ['from', 'to'] as const) {
        const d = query[name];
        if (d !== undefined && !isDate(d))
          throw invalid(`query.${name}`, 'must be a calendar date YYYY-MM-DD');
      }
      const to = query.to ?? dayOf(new Date());
      // The last 30 days by default, `to` included.
      const from = query.from ?? addDays(to, -(EXPORT_DEFAULT_DAYS - 1));
      // Its next day must be a four-digit year's: `+010000-01-01` sorts below every posting's key.
      if (to > EXPORT_LAST_DAY) throw invalid('query.to', `must be ${EXPORT_LAST_DAY} or earlier`);
      if (from > to) throw invalid('query.from', 'must not be after `to`');
      // Counted in days, not compared as strings (a day in year 10000 sorts below every other).
      if (Date.parse(to) - Date.parse(from) >= EXPORT_MAX_DAYS * DAY_MS)
        throw invalid('query.to', 'the range may span at most a year');
      // Checked as a statement is (its running balances from the balance before it, and its tail against
      // the account's last posting): a lagging index answers 503 rather than an export with a movement
      // missing.
      const start = `${from}T00:00:00.000Z`;
      const { lines } = await caughtUp(() =>
        statementSource().span(a, start, `${addDays(to, 1)}T00:00:00.000Z`, EXPORT_MAX_LINES),
      );
      const text = exportCsv(lines, a.currency, EXPORT_MAX_BYTES);
      if (text === undefined) throw exportTooLarge();
      return {
        text,
        headers: {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': `attachment; filename="transactions-${a.number}-${from}-${to}.csv"`,
          'cache-control': 'no-store',
        },
      };
    },
  },
  { guard: customerGuard },
);
