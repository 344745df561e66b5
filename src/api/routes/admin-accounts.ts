/** The routes the `admin-accounts` function serves (src/functions.ts); src/api/routes.ts assembles the whole table. */
import { common, type RouteDef, route } from '../route-def.ts';
import * as s from '../schemas.ts';

export const routes = {
  adminGetAccount: route({
    method: 'GET',
    path: '/v1/admin/accounts/{id}',
    fn: 'admin-accounts',
    role: 'admin',
    summary: 'Any customer\u2019s account, with its owner',
    params: s.AccountParams,
    status: 200,
    response: s.AdminAccount,
    errors: [...common, 'not_found'],
  }),
  adminGetAccountByNumber: route({
    method: 'GET',
    path: '/v1/admin/accounts/by-number/{number}',
    fn: 'admin-accounts',
    role: 'admin',
    summary: 'Any customer\u2019s account by its number, with its owner',
    params: s.AccountNumberParams,
    status: 200,
    response: s.AdminAccount,
    errors: [...common, 'not_found'],
  }),
  adminHistory: route({
    method: 'GET',
    path: '/v1/admin/accounts/{id}/transactions',
    fn: 'admin-accounts',
    role: 'admin',
    summary: 'Any account\u2019s history, newest first, paged as the customer\u2019s is',
    params: s.AccountParams,
    query: s.HistoryQuery,
    status: 200,
    response: s.HistoryPage,
    errors: [...common, 'not_found', 'invalid_cursor'],
  }),
  adminGetTransaction: route({
    method: 'GET',
    path: '/v1/admin/transactions/{id}',
    fn: 'admin-accounts',
    role: 'admin',
    summary: 'Any transaction, both sides, and who at the bank made it',
    params: s.TransactionParams,
    status: 200,
    response: s.AdminTransaction,
    errors: [...common, 'not_found'],
  }),
} as const satisfies Record<string, RouteDef>;
