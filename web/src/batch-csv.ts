/**
 * Bulk-payment rows from a CSV file (a payroll exported from another system): one payment per line,
 * `account number, name, amount, description` (the description optional), with or without a header
 * line. Parsed by papaparse (quotes, commas inside quotes, line endings), in a chunk of its own loaded
 * only when a file is chosen. Each line becomes a row as if typed: a saved payee's number becomes that
 * payee; the amounts and numbers are checked with the rest of the rows before the review (batch.ts).
 */
import Papa from 'papaparse';
import { normalizeAccountNumber } from './account-number.ts';
import type { Payee } from './api-money.ts';
import { type BatchRow, MAX_BATCH_TRANSFERS, NEW } from './batch.ts';

export interface Imported {
  rows: BatchRow[];
  /** What could not be read, line by line, in plain words (those lines are not added). */
  problems: string[];
}

/** A first line whose first cell is not an account number is a header (`Account number,Name,...`). */
const isHeader = (cells: readonly string[]): boolean => !/\d/.test(cells[0] ?? '');

/**
 * The rows of `text`, each with a new id from `nextId`; at most `room` of them (what the batch has
 * room for), the rest said in `problems`.
 */
export const rowsFromCsv = (
  text: string,
  payees: readonly Payee[],
  nextId: () => number,
  room: number,
): Imported => {
  const parsed = Papa.parse<string[]>(text, { skipEmptyLines: 'greedy' });
  const problems: string[] = [];
  const broken = new Set<number>();
  for (const e of parsed.errors) {
    if (e.row === undefined) continue;
    broken.add(e.row);
    problems.push(`Line ${e.row + 1}: this line is not valid CSV (${e.message.toLowerCase()}).`);
  }
  const rows: BatchRow[] = [];
  let skipped = 0;
  parsed.data.forEach((record, i) => {
    if (broken.has(i)) return;
    // Trimmed: spaces after commas, and a byte-order mark before the first cell (trim takes U+FEFF).
    const cells = record.map((c) => c.trim());
    if (i === 0 && isHeader(cells)) return;
    const [number = '', name = '', amount = '', description = ''] = cells;
    if (cells.length < 3 || cells.length > 4) {
      problems.push(
        `Line ${i + 1}: give the account number, the name, the amount and, if you like, a description.`,
      );
      return;
    }
    if (rows.length >= room) {
      skipped++;
      return;
    }
    const payee = payees.find((p) => p.accountNumber === normalizeAccountNumber(number));
    rows.push(
      payee
        ? { id: nextId(), to: payee.id, accountNumber: '', name: '', amount, description }
        : { id: nextId(), to: NEW, accountNumber: number, name, amount, description },
    );
  });
  if (skipped > 0)
    problems.push(
      `${skipped} more payment${skipped === 1 ? ' was' : 's were'} not added: a bulk payment holds at most ${MAX_BATCH_TRANSFERS}.`,
    );
  return { rows, problems };
};
