/** The routes the `admin-accounts` function serves (src/functions.ts); src/api/routes.ts assembles the whole table. */
import { common, type RouteDef, route } from '../route-def.ts';
import { AccountNumberParams, AdminAccount, AdminTransaction } from '../schemas/back-office.ts';
import { AccountParams, TransactionParams } from '../schemas/primitives.ts';
import { HistoryPage, HistoryQuery } from '../schemas/transactions.ts';

export const routes = {
  adminGetAccount: route({
    method: 'GET',
    path: '/v1/admin/accounts/{id}',
    fn: 'admin-accounts',
    role: 'admin',
    summary: 'Any customer\u2019s account, with its owner',
    params: AccountParams,
    status: 200,
    response: AdminAccount,
    errors: [...common, 'not_found'],
  }),
  adminGetAccountByNumber: route({
    method: 'GET',
    path: '/v1/admin/accounts/by-number/{number}',
    fn: 'admin-accounts',
    role: 'admin',
    summary: 'Any customer\u2019s account by its number, with its owner',
    params: AccountNumberParams,
    status: 200,
    response: AdminAccount,
    errors: [...common, 'not_found'],
  }),
  adminHistory: route({
    method: 'GET',
    path: '/v1/admin/accounts/{id}/transactions',
    fn: 'admin-accounts',
    role: 'admin',
    summary: 'Any account\u2019s history, newest first, paged as the customer\u2019s is',
    params: AccountParams,
    query: HistoryQuery,
    status: 200,
    response: HistoryPage,
    errors: [...common, 'not_found', 'invalid_cursor'],
  }),
  adminGetTransaction: route({
    method: 'GET',
    path: '/v1/admin/transactions/{id}',
    fn: 'admin-accounts',
    role: 'admin',
    summary: 'Any transaction, both sides, and who at the bank made it',
    params: TransactionParams,
    status: 200,
    response: AdminTransaction,
    errors: [...common, 'not_found'],
  }),
} as const satisfies Record<string, RouteDef>;
