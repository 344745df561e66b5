/**
 * The API client's money half beyond the basics: payees and confirmation of payee, transactions,
 * pending transfers, refunds, scheduled transfers, limits and filtered history. Same transport as
 * api.ts (`Api.request`: token renewal, safe retries); types from the server's own zod schemas.
 */
import type { z } from 'zod';
import type * as s from '../../src/api/schemas.ts';
import type { Api, HistoryPage, Transaction, TransferBody } from './api.ts';

export type Payee = z.infer<typeof s.Payee>;
/** A saved payee as listed: never the holder's name (only the answer that saved it has one). */
export type ListedPayee = z.infer<typeof s.ListedPayee>;
export type PayeeBody = z.input<typeof s.PayeeBody>;
export type PayeeCheck = z.infer<typeof s.PayeeCheck>;
export type Schedule = z.infer<typeof s.Schedule>;
export type ScheduleList = z.infer<typeof s.ScheduleList>;
export type ScheduleBody = z.input<typeof s.ScheduleBody>;
export type Limits = z.infer<typeof s.Limits>;
export type RefundBody = z.input<typeof s.RefundBody>;
export type BatchBody = z.input<typeof s.BatchTransferBody>;
export type BatchResult = z.infer<typeof s.BatchTransferResult>;
export type { Transaction, TransferBody };

export interface HistoryFilters {
  from?: string | undefined;
  to?: string | undefined;
  type?: string | undefined;
  status?: string | undefined;
}

const enc = encodeURIComponent;

export const moneyApi = (api: Api) => ({
  payees: () => api.request<{ items: ListedPayee[] }>('GET', '/v1/payees'),
  /**
   * Saves a payee once per `key`: the client's quick retries after a lost answer, or the customer's
   * second try of the same payee, are answered the payee saved rather than saving a second one.
   */
  createPayee: (body: PayeeBody, key: string) => api.request<Payee>('POST', '/v1/payees', body, key),
  checkPayee: (body: PayeeBody) => api.request<PayeeCheck>('POST', '/v1/payees/check', body),
  deletePayee: (id: string) => api.request<void>('DELETE', `/v1/payees/${enc(id)}`),

  /** A bulk payment: every transfer posted together, or none (422 `batch_rejected` names the refused). */
  transferBatch: (body: BatchBody, key: string) =>
    api.request<BatchResult>('POST', '/v1/transfers/batch', body, key),

  transaction: (id: string) => api.request<Transaction>('GET', `/v1/transactions/${enc(id)}`),
  postTransfer: (id: string, amount: number | undefined, key: string) =>
    api.request<Transaction>(
      'POST',
      `/v1/transfers/${enc(id)}/post`,
      // No amount posts the whole hold; any amount given is sent, 0 too (the API refuses it), never
      // read as "the whole hold".
      amount === undefined ? {} : { amount },
      key,
    ),
  voidTransfer: (id: string, key: string) =>
    api.request<Transaction>('POST', `/v1/transfers/${enc(id)}/void`, undefined, key),
  refund: (id: string, body: RefundBody, key: string) =>
    api.request<Transaction>('POST', `/v1/transactions/${enc(id)}/refunds`, body, key),

  /** A page of the schedules, newest first: the first, or the one at `cursor` (a page's `nextCursor`). */
  schedules: (cursor?: string | null) =>
    api.request<ScheduleList>(
      'GET',
      `/v1/scheduled-transfers?${new URLSearchParams(cursor ? { cursor } : {})}`,
    ),
  schedule: (id: string) => api.request<Schedule>('GET', `/v1/scheduled-transfers/${enc(id)}`),
  /** Created once per key: a repeat with the same key answers the same schedule. */
  createSchedule: (body: ScheduleBody, key: string) =>
    api.request<Schedule>('POST', '/v1/scheduled-transfers', body, key),
  cancelSchedule: (id: string) => api.request<Schedule>('DELETE', `/v1/scheduled-transfers/${enc(id)}`),

  limits: () => api.request<Limits>('GET', '/v1/limits'),

  /** One account's history, newest first, filtered by date range, type and status (all optional). */
  history: (id: string, filters: HistoryFilters = {}, cursor?: string | null, limit = 20) => {
    const q = new URLSearchParams({ limit: String(limit) });
    for (const [k, v] of Object.entries(filters)) if (v) q.set(k, v);
    if (cursor) q.set('cursor', cursor);
    return api.request<HistoryPage>('GET', `/v1/accounts/${enc(id)}/transactions?${q}`);
  },
});

export type MoneyApi = ReturnType<typeof moneyApi>;
