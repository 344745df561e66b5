/**
 * Statements: calendar months in UTC, their totals, and the CSV form (RFC 4180, with text cells
 * escaped against formula injection). No AWS, no HTTP: the store reads postings, this shapes them.
 *
 * The rule every statement keeps: opening + Σ amounts = closing, and each line's running balance is
 * the ledger's own balance after that posting (a disagreement is an error, never papered over).
 */
import { BankError } from './errors.ts';
import { firstGap } from './ledger.ts';
import { type Currency, currencies } from './money.ts';

export const BANK_NAME = 'Serverless Bank';

/** `YYYY-MM` */
export type Period = string;
const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

export const isPeriod = (s: string): boolean => PERIOD.test(s);
export const periodOf = (iso: string | Date): Period =>
  (typeof iso === 'string' ? new Date(iso) : iso).toISOString().slice(0, 7);

/** The first instant of a period and of the next one: the period is [start, end). */
export const periodRange = (p: Period): { start: string; end: string } => {
  const [y, m] = p.split('-').map(Number) as [number, number];
  return {
    start: new Date(Date.UTC(y, m - 1, 1)).toISOString(),
    end: new Date(Date.UTC(y, m, 1)).toISOString(),
  };
};

/** The last instant (millisecond) of a period: the day before `end`, at 23:59:59.999. */
export const lastInstantOf = (p: Period): string =>
  new Date(Date.parse(periodRange(p).end) - 1).toISOString();

/** Every period from the one holding `opened` to the one holding `now`, oldest first. */
export const periodsBetween = (opened: string, now: Date): Period[] => {
  const out: Period[] = [];
  let p = periodOf(opened);
  const last = periodOf(now);
  while (p <= last) {
    out.push(p);
    p = periodOf(periodRange(p).end);
  }
  return out;
};

/**
 * A period is closed (its statement can never change) once it ended a little while ago: posting
 * times can run slightly ahead of a Lambda's clock (the ledger orders them after the account's last).
 */
export const CLOSE_GRACE_MS = 5 * 60_000;
export const isClosed = (p: Period, now: Date): boolean =>
  Date.parse(periodRange(p).end) + CLOSE_GRACE_MS <= now.getTime();

/**
 * What a statement of `p` covers, both ends inclusive, as of `now`: `from` is the period's first
 * instant; `to` its last instant once the period is closed (January ends 31 January 23:59:59.999, never
 * 1 February), else `now` ("to date"), moved on to the latest posting shown if that is later (a
 * posting's time can run slightly ahead of the clock) and never past the period's last instant (a
 * month within its grace is still "to date", as of its last day). `lastPosting` is the date of the
 * statement's last line, if any.
 */
export const statementSpan = (
  p: Period,
  now: Date,
  lastPosting?: string,
): { from: string; to: string; toDate: boolean } => {
  const from = periodRange(p).start;
  const last = lastInstantOf(p);
  if (isClosed(p, now)) return { from, to: last, toDate: false };
  const at = now.toISOString();
  const seen = lastPosting && lastPosting > at ? lastPosting : at;
  return { from, to: seen < last ? seen : last, toDate: true };
};

/** A posted movement as a statement shows it. */
export interface StatementLine {
  txId: string;
  type: string;
  /** When it posted (ISO 8601, UTC). */
  date: string;
  description: string;
  /** The other account's number (transfers only). */
  counterparty: string | null;
  /** Signed minor units: positive in, negative out. */
  amount: number;
  /** The ledger's balance after this posting. */
  balance: number;
}

export interface Totals {
  openingBalance: number;
  closingBalance: number;
  totalIn: number;
  totalOut: number;
  count: number;
}

export interface Statement extends Totals {
  bank: string;
  customerName: string;
  accountNumber: string;
  currency: Currency;
  period: Period;
  /** The current month: the statement runs to `to`, the moment it was made (statementSpan). */
  toDate: boolean;
  /** The first instant covered (ISO 8601, UTC): the period's start. */
  from: string;
  /**
   * The last instant covered, inclusive (ISO 8601, UTC): a closed period's last millisecond, else when
   * the statement was made. The closing balance is the balance at `to`; the PDF prints its day.
   */
  to: string;
  lines: StatementLine[];
}

export class StatementMismatch extends Error {}

/**
 * Totals of lines that follow `opening`, oldest first; checks each running balance against the
 * ledger's balanceAfter.
 */
export const totalsOf = (opening: number, lines: readonly StatementLine[]): Totals => {
  let balance = opening;
  let totalIn = 0;
  let totalOut = 0;
  for (const l of lines) {
    balance += l.amount;
    if (l.amount >= 0) totalIn += l.amount;
    else totalOut -= l.amount;
    if (balance !== l.balance)
      throw new StatementMismatch(`running balance ${balance} != ledger ${l.balance} at ${l.txId}`);
  }
  return { openingBalance: opening, closingBalance: balance, totalIn, totalOut, count: lines.length };
};

/** What a read of an account's history from `from` to `to` (excluded) saw, for `assertTail`. */
export interface SpanRead {
  from: string;
  to: string;
  /** The account's last posting's time, from the account as read (strongly consistent) before it. */
  lastPostedAt: string | undefined;
  /** The time of the posting the opening balance is the balance after (undefined: none). */
  openingAt: string | undefined;
  closingBalance: number;
  lines: readonly StatementLine[];
  /** The first posting at or after `to`, read when `lastPostedAt` is at or after `to`. */
  next?: { amount: number; balanceAfter: number | undefined } | undefined;
}

/**
 * Checks that a read of history reaches the account's postings up to `to`. Running balances
 * (`totalsOf`) find a movement missing between two that are shown, not one missing at the end: the
 * sums still add up. Postings are timed in the account's version order, so the account's
 * `lastPostedAt` says which must show: when before `from`, the opening's own; when within the span, a
 * line at or after it (later ones may have landed since the account was read); when at or after `to`,
 * some posting at or after `to`, whose balance before it must be the closing balance. Throws
 * StatementMismatch otherwise (the reader reads again: `caughtUp`). Accounts from before
 * `lastPostedAt` was kept are not checked.
 */
export const assertTail = (r: SpanRead): void => {
  const last = r.lastPostedAt;
  if (last === undefined) return;
  const behind = (what: string) => {
    throw new StatementMismatch(`history lacks ${what} (the account's last posting is at ${last})`);
  };
  if (last < r.from) {
    if ((r.openingAt ?? '') < last) behind('the posting before the span');
  } else if (last < r.to) {
    if ((r.lines.at(-1)?.date ?? '') < last) behind('the last posting in the span');
  } else if (!r.next) behind('every posting after the span');
  else if (r.next.balanceAfter !== undefined && r.next.balanceAfter - r.next.amount !== r.closingBalance)
    behind(
      `a posting before ${r.to}: closing ${r.closingBalance}, the next posting's balance before it ${r.next.balanceAfter - r.next.amount}`,
    );
};

/**
 * Checks that a read of history lacks no numbered posting: `before` is the number (Party.postingNo) of
 * the posting the opening balance is the balance after, 0 when there is none, undefined when it has
 * none (firstGap); `postingNos` those of what the read saw after it, in history order (the lines, then
 * the next posting). An account's numbered postings run 1, 2, 3 … in that order. Running balances
 * cannot find postings missing together whose amounts sum to zero (a deposit and a withdrawal of the
 * same amount); a gap here does. Throws StatementMismatch (the reader reads again: `caughtUp`).
 */
export const assertNoGap = (
  before: number | undefined,
  postingNos: readonly (number | undefined)[],
): void => {
  const gap = firstGap(before, postingNos);
  if (gap) throw new StatementMismatch(gap);
};

/** Minor units as a plain signed decimal: -1250 USD -> "-12.50"; JPY has no decimals. */
export const formatAmount = (minor: number, currency: Currency): string => {
  const digits = currencies[currency].minorUnits;
  const sign = minor < 0 ? '-' : '';
  const abs = String(Math.abs(minor));
  if (digits === 0) return `${sign}${abs}`;
  const padded = abs.padStart(digits + 1, '0');
  return `${sign}${padded.slice(0, -digits)}.${padded.slice(-digits)}`;
};

// ---------- CSV ----------

/** Characters that make a spreadsheet read a cell as a formula (OWASP CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A `;` followed (past spaces or quotes) by a formula's first character. A spreadsheet that separates
 * cells with `;` (Excel in much of the euro area, opening the file by a double click) cuts a record at
 * every `;`, quoted or not, so the text after one starts a cell: a sender's description reaches the
 * recipient's statement.
 */
const FORMULA_AFTER_SEMICOLON = /;(?=[ "]*[=+\-@\t\r])/g;

/**
 * A text cell: escaped against formula injection with a `'` at its start and after each `;` that a
 * formula follows, then quoted as RFC 4180 needs.
 */
export const textCell = (s: string): string => {
  const inner = s.replace(FORMULA_AFTER_SEMICOLON, ";'");
  const safe = FORMULA_START.test(inner) ? `'${inner}` : inner;
  return /[",\r\n']/.test(safe) || safe !== s ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/** A number cell, never escaped (its minus sign is a sign, not a formula). */
const numberCell = (s: string): string => s;

export const CSV_HEADER = [
  'Date',
  'Type',
  'Description',
  'Counterparty',
  'Amount',
  'Balance',
  'Currency',
  'Transaction ID',
] as const;

const row = (cells: string[]): string => `${cells.join(',')}\r\n`;

/** One CSV record per line (RFC 4180: CRLF line ends, header first). */
export const csvLine = (l: StatementLine, currency: Currency): string =>
  row([
    numberCell(l.date),
    textCell(l.type),
    textCell(l.description),
    textCell(l.counterparty ?? ''),
    numberCell(formatAmount(l.amount, currency)),
    numberCell(formatAmount(l.balance, currency)),
    textCell(currency),
    textCell(l.txId),
  ]);

export const csvHeader = (): string => row(CSV_HEADER.map(textCell));

/**
 * The UTF-8 byte-order mark every CSV file starts with: Excel on Windows, opening a `.csv` by a double
 * click, reads a file without one in the machine's ANSI code page (Windows-1252 in much of Europe and
 * the Americas), so "Zoë Müller" shows as "ZoÃ« MÃ¼ller". Three bytes (EF BB BF), also in a JSON body.
 */
export const CSV_BOM = '\uFEFF';

/**
 * Fewer bytes than any record of `csvLine` takes (its date is an instant, its id a UUID): so an export
 * of more lines than its limit over this cannot fit, and is refused before the rest is read.
 */
export const MIN_CSV_LINE_BYTES = 64;

/** An export that could not fit one response (422): a shorter range then. */
export const exportTooLarge = (): BankError =>
  new BankError('export_too_large', 'The export is too large for one download: ask for a shorter range');

/**
 * The bytes `text` takes in a Lambda response, which is JSON: a quote, a backslash or a line break
 * takes two bytes there (a control character six), the rest its UTF-8 bytes.
 */
export const jsonBytes = (text: string): number => Buffer.byteLength(JSON.stringify(text)) - 2;

/**
 * An export's CSV (the byte-order mark, the header and one record per line), or undefined when it would
 * take more than `maxBytes` of the response once encoded as JSON (`jsonBytes`, the mark included).
 */
export const exportCsv = (
  lines: readonly StatementLine[],
  currency: Currency,
  maxBytes: number,
): string | undefined => {
  const rows = [CSV_BOM, csvHeader()];
  let bytes = jsonBytes(CSV_BOM) + jsonBytes(rows[1] as string);
  for (const l of lines) {
    const r = csvLine(l, currency);
    rows.push(r);
    bytes += jsonBytes(r);
    if (bytes > maxBytes) return undefined;
  }
  return rows.join('');
};

/**
 * A statement as CSV: the byte-order mark (`CSV_BOM`); the header; an `opening` record (the bank,
 * customer and account in its description, the opening balance, no amount) dated `from`; one record
 * per posting; a `closing` record dated `to` (within the period) with the totals in its description and
 * the closing balance. Summing the Amount column gives closing - opening.
 */
export const statementCsv = (s: Statement): string => {
  const summary = (type: string, date: string, description: string, balance: number) =>
    row([
      numberCell(date),
      textCell(type),
      textCell(description),
      '',
      '',
      numberCell(formatAmount(balance, s.currency)),
      textCell(s.currency),
      '',
    ]);
  return [
    CSV_BOM,
    csvHeader(),
    summary(
      'opening',
      s.from,
      `${s.bank} statement ${s.period}${s.toDate ? ' (to date)' : ''} for ${s.customerName}, account ${s.accountNumber} (${s.currency})`,
      s.openingBalance,
    ),
    ...s.lines.map((l) => csvLine(l, s.currency)),
    summary(
      'closing',
      s.to,
      `Total in ${formatAmount(s.totalIn, s.currency)}, total out ${formatAmount(s.totalOut, s.currency)}, ${s.count} transactions`,
      s.closingBalance,
    ),
  ].join('');
};
