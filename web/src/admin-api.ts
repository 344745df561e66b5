/**
 * The back office's API calls (/v1/admin/...), over the customer client's authenticated `request`
 * (token renewal, retries of reads and of keyed money movements). Types come from the server's schemas.
 */
import type { z } from 'zod';
import type * as a from '../../src/api/admin-schemas.ts';
import type * as s from '../../src/api/schemas.ts';
import type { Api, HistoryPage } from './api.ts';

export type CustomerSummary = z.infer<typeof a.CustomerSummary>;
export type AdminCustomer = z.infer<typeof a.AdminCustomer>;
export type LoginStatus = z.infer<typeof a.LoginStatus>;
export type AuditRecord = z.infer<typeof a.AuditRecord>;
export type AuditPage = z.infer<typeof a.AuditPage>;
export type AdminAccount = z.infer<typeof s.AdminAccount>;
export type AdminTransaction = z.infer<typeof s.AdminTransaction>;
export type TellerBody = z.input<typeof s.TellerBody>;
export type ReversalBody = z.input<typeof s.ReversalBody>;
export type UnclaimedPayoutBody = z.input<typeof s.UnclaimedPayoutBody>;

const e = encodeURIComponent;

export const adminApi = (api: Api) => ({
  findCustomer: (email: string) =>
    api.request<{ items: CustomerSummary[] }>('GET', `/v1/admin/customers?${new URLSearchParams({ email })}`),
  customer: (userId: string) => api.request<AdminCustomer>('GET', `/v1/admin/customers/${e(userId)}`),
  unlock: (userId: string, reason?: string) =>
    api.request<LoginStatus>('POST', `/v1/admin/customers/${e(userId)}/unlock`, reason ? { reason } : {}),
  disable: (userId: string, reason: string) =>
    api.request<LoginStatus>('POST', `/v1/admin/customers/${e(userId)}/disable`, { reason }),
  enable: (userId: string, reason?: string) =>
    api.request<LoginStatus>('POST', `/v1/admin/customers/${e(userId)}/enable`, reason ? { reason } : {}),
  audit: (q: {
    subjectId?: string;
    actorId?: string;
    /** Instants (ISO 8601), both optional. */
    from?: string;
    to?: string;
    cursor?: string | null;
    limit?: number;
  }) => {
    const p = new URLSearchParams({ limit: String(q.limit ?? 20) });
    if (q.subjectId) p.set('subjectId', q.subjectId);
    if (q.actorId) p.set('actorId', q.actorId);
    if (q.from) p.set('from', q.from);
    if (q.to) p.set('to', q.to);
    if (q.cursor) p.set('cursor', q.cursor);
    return api.request<AuditPage>('GET', `/v1/admin/audit?${p}`);
  },
  account: (id: string) => api.request<AdminAccount>('GET', `/v1/admin/accounts/${e(id)}`),
  accountByNumber: (n: string) => api.request<AdminAccount>('GET', `/v1/admin/accounts/by-number/${e(n)}`),
  history: (id: string, cursor?: string | null, limit = 20) => {
    const q = new URLSearchParams({ limit: String(limit) });
    if (cursor) q.set('cursor', cursor);
    return api.request<HistoryPage>('GET', `/v1/admin/accounts/${e(id)}/transactions?${q}`);
  },
  transaction: (id: string) => api.request<AdminTransaction>('GET', `/v1/admin/transactions/${e(id)}`),
  freeze: (id: string, reason: string) =>
    api.request<AdminAccount>('POST', `/v1/admin/accounts/${e(id)}/freeze`, { reason }),
  unfreeze: (id: string, reason: string) =>
    api.request<AdminAccount>('POST', `/v1/admin/accounts/${e(id)}/unfreeze`, { reason }),
  teller: (id: string, kind: 'deposit' | 'withdraw', body: TellerBody, key: string) =>
    kind === 'deposit'
      ? api.request<AdminTransaction>('POST', `/v1/admin/accounts/${e(id)}/deposits`, body, key)
      : api.request<AdminTransaction>('POST', `/v1/admin/accounts/${e(id)}/withdrawals`, body, key),
  reverse: (id: string, body: ReversalBody, key: string) =>
    api.request<AdminTransaction>('POST', `/v1/admin/transactions/${e(id)}/reversals`, body, key),
  /** Unclaimed funds paid, whole and once, to an account of the transfer's sender: the payout (a reversal). */
  payUnclaimed: (id: string, body: UnclaimedPayoutBody, key: string) =>
    api.request<AdminTransaction>('POST', `/v1/admin/transactions/${e(id)}/unclaimed-payouts`, body, key),
});

export type AdminApi = ReturnType<typeof adminApi>;
