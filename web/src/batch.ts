/**
 * Bulk payments on screen (POST /v1/transfers/batch): the rows a customer fills in, checked before
 * the review, turned into the request, and the server's refusal of some of them put back on their rows.
 * Pure functions: the screen is web/src/screens/bulk.tsx.
 */
import { MAX_BATCH_TRANSFERS } from '../../src/domain/batch.ts';
import { LONE_SURROGATE, UNSAFE_TEXT } from '../../src/domain/text.ts';
import { accountNumberProblem, normalizeAccountNumber } from './account-number.ts';
import type { Account } from './api.ts';
import type { Limits, Payee } from './api-money.ts';
import { ApiError, MESSAGES, RECIPIENT_NOT_ACTIVE } from './errors.ts';
import { dailyLimitMessage, remainingToday } from './limits.ts';
import { type Currency, parseAmount } from './money.ts';

export { MAX_BATCH_TRANSFERS };

const FIELD_DESCRIPTION = 'Use up to 140 ordinary characters for the description: no tabs or line breaks.';
const FIELD_NAME = 'Use up to 100 ordinary characters for the name: no tabs or line breaks.';

/**
 * Text the API takes. A typed field cannot hold a line break, but a CSV file's cell can hold one, or
 * a tab: refused here on its row, not by the server for the whole batch (or by the payee check) with
 * nothing marked.
 */
const plain = (text: string, max: number): boolean =>
  text.length <= max && !UNSAFE_TEXT.test(text) && !LONE_SURROGATE.test(text);

/** The largest CSV file of payments read (batch-csv.ts): 48 payments are a few kilobytes. */
export const MAX_CSV_BYTES = 256 * 1024;

/** `to`: a saved payee's id, or NEW for an account number and name typed on the row. */
export const NEW = 'new';

export interface BatchRow {
  /** Stable while rows are added and removed: it names the row's fields (`r<id>-amount`). */
  id: number;
  to: string;
  accountNumber: string;
  name: string;
  amount: string;
  description: string;
}

export type RowField = 'to' | 'accountNumber' | 'name' | 'amount' | 'description';

/** A row's field as the form knows it (and as its input's id: `f-` + this). */
export const fieldName = (rowId: number, field: RowField): string => `r${rowId}-${field}`;

export const emptyRow = (id: number, payees: readonly Payee[]): BatchRow => ({
  id,
  to: payees[0]?.id ?? NEW,
  accountNumber: '',
  name: '',
  amount: '',
  description: '',
});

/** Whom a row pays, once its details check out. */
export interface Recipient {
  name: string;
  number: string;
  payeeId?: string | undefined;
}

export interface Checked {
  /** Per form field (fieldName), the problems found. */
  fields: Record<string, string>;
  /** For the whole batch (none of the rows, or the total). */
  message: string | undefined;
  /** The rows as they would be sent, when nothing is wrong. */
  ok?: { recipients: Recipient[]; amounts: number[]; total: number } | undefined;
}

/**
 * The rows checked as the single transfer form checks its one: each row's recipient and amount,
 * then the total against what the account may spend and against today's limit (the server checks
 * the same again; this says it before anything is sent).
 */
export const checkRows = (
  rows: readonly BatchRow[],
  from: Account,
  payees: readonly Payee[],
  limits: Limits | undefined,
): Checked => {
  const fields: Record<string, string> = {};
  if (rows.length === 0) return { fields, message: 'Add at least one payment.' };
  if (rows.length > MAX_BATCH_TRANSFERS)
    return { fields, message: `A bulk payment has at most ${MAX_BATCH_TRANSFERS} payments.` };
  const recipients: Recipient[] = [];
  const amounts: number[] = [];
  for (const row of rows) {
    const f = (field: RowField, problem: string | undefined) => {
      if (problem) fields[fieldName(row.id, field)] = problem;
    };
    if (row.to === NEW) {
      const number = normalizeAccountNumber(row.accountNumber);
      f(
        'accountNumber',
        accountNumberProblem(row.accountNumber) ??
          (number === from.number ? MESSAGES.same_account : undefined),
      );
      const name = row.name.trim();
      f(
        'name',
        !name ? 'Enter the name on the account you are paying.' : plain(name, 100) ? undefined : FIELD_NAME,
      );
      recipients.push({ name, number });
    } else {
      const payee = payees.find((p) => p.id === row.to);
      f(
        'to',
        !payee
          ? 'Choose a payee, or pay someone new.'
          : payee.accountNumber === from.number
            ? MESSAGES.same_account
            : undefined,
      );
      recipients.push({ name: payee?.name ?? '', number: payee?.accountNumber ?? '', payeeId: payee?.id });
    }
    const parsed = parseAmount(row.amount, from.currency);
    f('amount', parsed.ok ? undefined : parsed.message);
    // The form's fields stop at 140; a row from a file does not.
    f('description', plain(row.description.trim(), 140) ? undefined : FIELD_DESCRIPTION);
    amounts.push(parsed.ok ? parsed.minor : 0);
  }
  if (Object.keys(fields).length > 0) return { fields, message: undefined };
  const total = amounts.reduce((s, a) => s + a, 0);
  const left = remainingToday(limits, from.currency);
  const message =
    total > from.available
      ? `${MESSAGES.insufficient_funds} The payments add up to more than is available.`
      : left !== undefined && total > left
        ? dailyLimitMessage(limits, from.currency)
        : undefined;
  if (message) return { fields, message };
  return { fields, message: undefined, ok: { recipients, amounts, total } };
};

/**
 * The refused payments of a `batch_rejected`: per index in the request, why (in plain words). Only
 * that refusal names transfers by index; any other names none.
 */
export const refusedRows = (error: unknown): Map<number, string> => {
  const out = new Map<number, string>();
  if (!(error instanceof ApiError)) return out;
  for (const fe of error.fieldErrors) {
    if (typeof fe.index !== 'number') continue;
    // A row's code is about its own transfer: `account_not_active` is the account paid (the sender's
    // own state refuses the whole batch, with no index), and must not read as the customer's own.
    const words =
      fe.code === 'account_not_active'
        ? RECIPIENT_NOT_ACTIVE
        : (MESSAGES as Record<string, string | undefined>)[fe.code ?? ''];
    out.set(fe.index, words ?? 'This payment cannot be made.');
  }
  return out;
};

/** The rows' amounts that read as amounts, added up: the running total, shown even while some are wrong. */
export const enteredTotal = (rows: readonly BatchRow[], currency: Currency): number =>
  rows.reduce((sum, r) => {
    const a = parseAmount(r.amount, currency);
    return a.ok ? sum + a.minor : sum;
  }, 0);

/**
 * A refusal's marks on the rows that were sent (`sent`, in the request's order): a refused transfer's
 * reason on its row's recipient field (the payee choice, or the account number typed).
 */
export const refusalFields = (error: unknown, sent: readonly BatchRow[]): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [index, why] of refusedRows(error)) {
    const row = sent[index];
    if (row) out[fieldName(row.id, row.to === NEW ? 'accountNumber' : 'to')] = why;
  }
  return out;
};

/**
 * Payments of a batch that look the same (one account, one amount), as groups of their positions: a
 * file imported twice, or a line typed again. Said on the review; paying one person twice the same
 * amount can be meant.
 */
export const samePayments = (
  transfers: readonly { toAccountNumber: string; amount: number }[],
): number[][] => {
  const groups = new Map<string, number[]>();
  transfers.forEach((t, i) => {
    const key = `${t.toAccountNumber} ${t.amount}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  return [...groups.values()].filter((g) => g.length > 1);
};
