/** The routes the `accounts-read` function serves (src/functions.ts); src/api/routes.ts assembles the whole table. */
import { common, type RouteDef, route } from '../route-def.ts';
import { Account, AccountList, AccountListQuery, Balance, BalanceQuery } from '../schemas/accounts.ts';
import { Limits } from '../schemas/limits.ts';
import { AccountParams, TransactionParams } from '../schemas/primitives.ts';
import { HistoryPage, HistoryQuery, Transaction } from '../schemas/transactions.ts';

export const routes = {
  listAccounts: route({
    method: 'GET',
    path: '/v1/accounts',
    fn: 'accounts-read',
    role: 'customer',
    summary: 'The caller\u2019s open accounts, or closed ones with status=closed, paged',
    query: AccountListQuery,
    status: 200,
    response: AccountList,
    errors: [...common, 'invalid_cursor'],
  }),
  getAccount: route({
    method: 'GET',
    path: '/v1/accounts/{id}',
    fn: 'accounts-read',
    role: 'customer',
    summary: 'One account',
    params: AccountParams,
    status: 200,
    response: Account,
    errors: [...common, 'not_found'],
  }),
  getBalance: route({
    method: 'GET',
    path: '/v1/accounts/{id}/balance',
    fn: 'accounts-read',
    role: 'customer',
    summary: 'An account\u2019s balance now (posted, held, available), or its posted balance at an instant',
    params: AccountParams,
    query: BalanceQuery,
    status: 200,
    response: Balance,
    errors: [...common, 'not_found'],
  }),
  history: route({
    method: 'GET',
    path: '/v1/accounts/{id}/transactions',
    fn: 'accounts-read',
    role: 'customer',
    summary: 'An account\u2019s history, newest first, paged',
    params: AccountParams,
    query: HistoryQuery,
    status: 200,
    response: HistoryPage,
    errors: [...common, 'not_found', 'invalid_cursor'],
  }),
  getTransaction: route({
    method: 'GET',
    path: '/v1/transactions/{id}',
    fn: 'accounts-read',
    role: 'customer',
    summary: 'One transaction, to its sender, or to its recipient once it is posted',
    params: TransactionParams,
    status: 200,
    response: Transaction,
    errors: [...common, 'not_found'],
  }),
  getLimits: route({
    method: 'GET',
    path: '/v1/limits',
    fn: 'accounts-read',
    role: 'customer',
    summary: 'The daily outgoing limit per currency and what is left of it today',
    status: 200,
    response: Limits,
    errors: common,
  }),
} as const satisfies Record<string, RouteDef>;
