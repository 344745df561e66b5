/**
 * Bulk-payment rows from a CSV file (a payroll exported from another system): one payment per line,
 * `account number, name, amount, description` (the description optional), with or without a header
 * line, separated by commas, semicolons or tabs. Parsed by papaparse (quotes, separators inside quotes,
 * line endings), in a chunk of its own loaded only when a file is chosen. Each line becomes a row as if
 * typed; the amounts and numbers are checked with the rest of the rows before the review (batch.ts).
 */
import Papa from 'papaparse';
import { foldName } from '../../src/domain/payees.ts';
import { normalizeAccountNumber } from './account-number.ts';
import type { Payee } from './api-money.ts';
import { type BatchRow, MAX_BATCH_TRANSFERS, NEW } from './batch.ts';

export interface Imported {
  rows: BatchRow[];
  /** What could not be read, by the file's line number, in plain words (those lines are not added). */
  problems: string[];
}

/** A first line whose first cell has letters and no digit is a header (`Account number,Name,...`). */
const isHeader = (cells: readonly string[]): boolean => {
  const first = cells[0] ?? '';
  return /\p{L}/u.test(first) && !/\d/.test(first);
};

/** The same name as confirmation of payee's `exact` (case, accents, punctuation and spacing aside). */
const sameName = (a: string, b: string): boolean => foldName(a) === foldName(b);

/** One separator, a comma or a point, with exactly three digits after it and one to three before. */
const AMBIGUOUS = /^(\d{1,3})([.,])(\d{3})$/;

const CELLS = 'give the account number, the name, the amount and, if you like, a description';

/**
 * The rows of `text`, each with a new id from `nextId`; at most `room` of them (what the batch has
 * room for), the rest counted in `problems`.
 *
 * A line's number is the file's own (blank lines and line breaks inside quotes counted). A saved
 * payee's number becomes that payee only when the file names them the same: another name stays a row
 * of its own, checked against the holder's name before the review like a typed one.
 */
export const rowsFromCsv = (
  text: string,
  payees: readonly Payee[],
  nextId: () => number,
  room: number,
): Imported => {
  const records: { cells: string[]; line: number; errors: string[] }[] = [];
  let start = 0;
  let line = 1;
  Papa.parse<string[]>(text, {
    delimitersToGuess: [',', ';', '\t'],
    step: (r) => {
      records.push({ cells: r.data, line, errors: r.errors.map((e) => e.code) });
      for (let i = start; i < r.meta.cursor; i++) if (text[i] === '\n') line++;
      start = r.meta.cursor;
    },
  });
  const problems: string[] = [];
  const rows: BatchRow[] = [];
  let skipped = 0;
  let first = true;
  for (const { cells: raw, line: n, errors } of records) {
    // Trimmed: spaces after separators, and a byte-order mark before the first cell (trim takes U+FEFF).
    const cells = raw.map((c) => c.trim());
    if (cells.every((c) => c === '')) continue;
    const atFirst = first;
    first = false;
    if (errors.length > 0) {
      problems.push(
        `Line ${n} is not valid CSV (check its quotes), so it was not added${errors.includes('MissingQuotes') ? ', nor any line after it' : ''}.`,
      );
      continue;
    }
    if (atFirst && isHeader(cells)) continue;
    if (cells.length < 3 || cells.length > 4) {
      problems.push(`Line ${n}: ${CELLS}.`);
      continue;
    }
    const [number = '', name = '', amount = '', description = ''] = cells;
    // `1,250.50` unquoted in a comma-separated file reads as amount 1 and description 250.50.
    if (/^\d{1,3}$/.test(amount) && /^\d{3}([.,]\d*)?$/.test(description)) {
      problems.push(
        `Line ${n}: the amount seems to have a comma in it. Put it in quotes ("1,250.50") or leave the comma out.`,
      );
      continue;
    }
    // `1,250` or `1.250`: one thousand two hundred and fifty where the separator groups thousands, one
    // and a quarter where it is the decimal mark. A file written elsewhere than the browser's locale
    // would be paid a thousand times too little or too much, so it is not guessed at.
    const split = AMBIGUOUS.exec(amount);
    if (split) {
      const [, whole, sep, three] = split;
      problems.push(
        `Line ${n}: "${amount}" could mean ${whole}${three}, or ${whole}${sep}${three?.replace(/0+$/, '')} with the ${sep === ',' ? 'comma' : 'point'} as a decimal mark. Write it without the thousands separator (${whole}${three}).`,
      );
      continue;
    }
    if (rows.length >= room) {
      skipped++;
      continue;
    }
    const payee = payees.find(
      (p) => p.accountNumber === normalizeAccountNumber(number) && sameName(p.name, name),
    );
    rows.push(
      payee
        ? { id: nextId(), to: payee.id, accountNumber: '', name: '', amount, description }
        : { id: nextId(), to: NEW, accountNumber: number, name, amount, description },
    );
  }
  if (skipped > 0)
    problems.push(
      `${skipped} more payment${skipped === 1 ? ' was' : 's were'} not added: a bulk payment holds at most ${MAX_BATCH_TRANSFERS}.`,
    );
  return { rows, problems };
};
