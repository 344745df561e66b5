/**
 * An account's history filters, kept in the address (`/accounts/{id}?from=&to=&type=&status=`), so a
 * reload, Back or a shared link keeps them. Days are the customer's own calendar days, as the date
 * fields show them; the API filters on instants, so a day is sent as the instant it starts (or ends)
 * in the browser's time zone. What an address holds that is not understood is left out, never sent.
 */
import type { HistoryEntry } from './api.ts';
import type { HistoryFilters } from './api-money.ts';
import { isDay } from './days.ts';

/** The filters as the form holds them: empty strings for "any". */
export interface HistoryQuery {
  from: string;
  to: string;
  type: string;
  status: string;
}

/** What the customer reads for each type and status; their keys are the filters' choices. */
export const TX_LABEL: Record<HistoryEntry['type'], string> = {
  deposit: 'Deposit',
  withdrawal: 'Withdrawal',
  transfer: 'Transfer',
  refund: 'Refund',
  reversal: 'Reversal by the bank',
};

export const STATUS_LABEL: Record<HistoryEntry['status'], string> = {
  posted: 'Completed',
  pending: 'Pending',
  voided: 'Cancelled',
  expired: 'Expired',
};

const known = (set: Record<string, string>, v: string | null | undefined): string =>
  v && Object.hasOwn(set, v) ? v : '';

/**
 * The filters an address (or a form) asks for, each only if well formed: days as YYYY-MM-DD, a known
 * type and status. A range that ends before it starts keeps its start only.
 */
export const cleanHistoryQuery = (q: Partial<Record<keyof HistoryQuery, string | null>>): HistoryQuery => {
  const from = isDay(q.from) ? q.from : '';
  const to = isDay(q.to) && !(from && q.to < from) ? q.to : '';
  return { from, to, type: known(TX_LABEL, q.type), status: known(STATUS_LABEL, q.status) };
};

export const readHistoryQuery = (query: URLSearchParams): HistoryQuery =>
  cleanHistoryQuery({
    from: query.get('from'),
    to: query.get('to'),
    type: query.get('type'),
    status: query.get('status'),
  });

/** An account screen's address with these filters (the empty and the malformed left out). */
export const historyPath = (accountId: string, q: Partial<HistoryQuery> = {}): string => {
  const clean = cleanHistoryQuery(q);
  const params = new URLSearchParams();
  for (const k of ['from', 'to', 'type', 'status'] as const) if (clean[k]) params.set(k, clean[k]);
  const s = params.toString();
  return `/accounts/${encodeURIComponent(accountId)}${s ? `?${s}` : ''}`;
};

export const isFiltered = (q: HistoryQuery): boolean => Object.values(q).some(Boolean);

/** The API's filters: a local day as the instant it starts (from) or ends (to). */
export const historyFilters = (q: HistoryQuery): HistoryFilters => ({
  from: q.from ? new Date(`${q.from}T00:00:00`).toISOString() : undefined,
  to: q.to ? new Date(`${q.to}T23:59:59.999`).toISOString() : undefined,
  type: q.type || undefined,
  status: q.status || undefined,
});
