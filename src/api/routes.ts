/**
 * The route table: the one list of the API's routes. The local gateway, the Lambda handlers,
 * the OpenAPI document and the CDK app are all built from it. Each route names the http function
 * (src/functions.ts) that serves it; permissions belong to the function.
 *
 * It is data only (plus zod schemas), so a handler bundle that imports it stays small.
 */
import type { ZodMiniType } from 'zod/mini';
import type { ErrorCode } from '../domain/errors.ts';
import type { HttpFunctionName } from '../functions.ts';
import * as s from './schemas.ts';

export type Method = 'GET' | 'POST' | 'DELETE';

export interface RouteDef {
  method: Method;
  path: string;
  /** The function (src/functions.ts) that serves it. */
  fn: HttpFunctionName;
  summary: string;
  /** Needs a valid Cognito access token (the HTTP API JWT authorizer). */
  auth: boolean;
  /** Money-moving: requires the Idempotency-Key header. */
  idempotent?: boolean;
  body?: ZodMiniType;
  params?: ZodMiniType;
  query?: ZodMiniType;
  status: number;
  response?: ZodMiniType;
  errors: readonly ErrorCode[];
}

const route = <const R extends RouteDef>(r: R): R => r;

const common: ErrorCode[] = ['validation_failed', 'unauthorized'];
const keyed: ErrorCode[] = [
  ...common,
  'idempotency_key_required',
  'idempotency_key_reused',
  'idempotency_key_in_use',
  'not_found',
  'account_not_active',
  'service_unavailable',
];
const money: ErrorCode[] = [...keyed, 'insufficient_funds', 'daily_limit_exceeded'];

export const routes = {
  health: route({
    method: 'GET',
    path: '/health',
    fn: 'health',
    auth: false,
    summary: 'Liveness check',
    status: 200,
    response: s.Health,
    errors: [],
  }),
  register: route({
    method: 'POST',
    path: '/v1/auth/register',
    fn: 'auth',
    auth: false,
    summary: 'Register a customer',
    body: s.RegisterBody,
    status: 201,
    response: s.UserOut,
    errors: ['validation_failed', 'user_exists'],
  }),
  confirm: route({
    method: 'POST',
    path: '/v1/auth/confirm',
    fn: 'auth',
    auth: false,
    summary: 'Confirm a registration with the emailed code',
    body: s.ConfirmBody,
    status: 204,
    errors: ['validation_failed', 'invalid_code'],
  }),
  login: route({
    method: 'POST',
    path: '/v1/auth/login',
    fn: 'auth',
    auth: false,
    summary: 'Log in with email and password',
    body: s.LoginBody,
    status: 200,
    response: s.Tokens,
    errors: ['validation_failed', 'invalid_credentials', 'user_not_confirmed', 'login_locked'],
  }),
  refresh: route({
    method: 'POST',
    path: '/v1/auth/refresh',
    fn: 'auth',
    auth: false,
    summary: 'New access and id tokens from a refresh token',
    body: s.RefreshBody,
    status: 200,
    response: s.Tokens,
    errors: ['validation_failed', 'invalid_refresh_token'],
  }),
  logout: route({
    method: 'POST',
    path: '/v1/auth/logout',
    fn: 'auth',
    auth: true,
    summary: 'Revoke the refresh token',
    body: s.RefreshBody,
    status: 204,
    errors: common,
  }),
  me: route({
    method: 'GET',
    path: '/v1/me',
    fn: 'profile',
    auth: true,
    summary: 'The caller\u2019s profile',
    status: 200,
    response: s.Me,
    errors: common,
  }),
  listAccounts: route({
    method: 'GET',
    path: '/v1/accounts',
    fn: 'accounts-read',
    auth: true,
    summary: 'The caller\u2019s open accounts, or closed ones with status=closed, paged',
    query: s.AccountListQuery,
    status: 200,
    response: s.AccountList,
    errors: [...common, 'invalid_cursor'],
  }),
  openAccount: route({
    method: 'POST',
    path: '/v1/accounts',
    fn: 'accounts-write',
    auth: true,
    summary: 'Open an account',
    body: s.OpenAccountBody,
    status: 201,
    response: s.Account,
    errors: [...common, 'account_limit_reached'],
  }),
  getAccount: route({
    method: 'GET',
    path: '/v1/accounts/{id}',
    fn: 'accounts-read',
    auth: true,
    summary: 'One account',
    params: s.AccountParams,
    status: 200,
    response: s.Account,
    errors: [...common, 'not_found'],
  }),
  closeAccount: route({
    method: 'DELETE',
    path: '/v1/accounts/{id}',
    fn: 'accounts-write',
    auth: true,
    summary: 'Close an account with a zero balance',
    params: s.AccountParams,
    status: 200,
    response: s.Account,
    errors: [...common, 'not_found', 'balance_not_zero'],
  }),
  getBalance: route({
    method: 'GET',
    path: '/v1/accounts/{id}/balance',
    fn: 'accounts-read',
    auth: true,
    summary: 'An account\u2019s balance now (posted, held, available), or its posted balance at an instant',
    params: s.AccountParams,
    query: s.BalanceQuery,
    status: 200,
    response: s.Balance,
    errors: [...common, 'not_found'],
  }),
  history: route({
    method: 'GET',
    path: '/v1/accounts/{id}/transactions',
    fn: 'accounts-read',
    auth: true,
    summary: 'An account\u2019s history, newest first, paged',
    params: s.AccountParams,
    query: s.HistoryQuery,
    status: 200,
    response: s.HistoryPage,
    errors: [...common, 'not_found', 'invalid_cursor'],
  }),
  getTransaction: route({
    method: 'GET',
    path: '/v1/transactions/{id}',
    fn: 'accounts-read',
    auth: true,
    summary: 'One transaction, to its sender, or to its recipient once it is posted',
    params: s.TransactionParams,
    status: 200,
    response: s.Transaction,
    errors: [...common, 'not_found'],
  }),
  deposit: route({
    method: 'POST',
    path: '/v1/accounts/{id}/deposits',
    fn: 'money',
    auth: true,
    idempotent: true,
    summary: 'Deposit into an account (up to the daily deposit limit)',
    params: s.AccountParams,
    body: s.MoneyBody,
    status: 201,
    response: s.Transaction,
    errors: [...keyed, 'deposit_limit_exceeded'],
  }),
  withdraw: route({
    method: 'POST',
    path: '/v1/accounts/{id}/withdrawals',
    fn: 'money',
    auth: true,
    idempotent: true,
    summary: 'Withdraw from an account',
    params: s.AccountParams,
    body: s.MoneyBody,
    status: 201,
    response: s.Transaction,
    errors: money,
  }),
  transfer: route({
    method: 'POST',
    path: '/v1/transfers',
    fn: 'money',
    auth: true,
    idempotent: true,
    summary: 'Transfer to an account number, at once or pending (a hold until posted, voided or expired)',
    body: s.TransferBody,
    status: 201,
    response: s.Transaction,
    errors: [...money, 'currency_mismatch', 'same_account', 'recipient_not_found', 'too_many_holds'],
  }),
  postTransfer: route({
    method: 'POST',
    path: '/v1/transfers/{id}/post',
    fn: 'money',
    auth: true,
    idempotent: true,
    summary: 'Post a pending transfer, all of it or less; the rest is released',
    params: s.TransactionParams,
    body: s.PostTransferBody,
    status: 200,
    response: s.Transaction,
    errors: [...keyed, 'amount_exceeds_hold', 'transaction_not_pending', 'transaction_expired'],
  }),
  voidTransfer: route({
    method: 'POST',
    path: '/v1/transfers/{id}/void',
    fn: 'money',
    auth: true,
    idempotent: true,
    summary: 'Void a pending transfer: its hold is released',
    params: s.TransactionParams,
    status: 200,
    response: s.Transaction,
    errors: [...keyed, 'transaction_not_pending', 'transaction_expired'],
  }),
  refund: route({
    method: 'POST',
    path: '/v1/transactions/{id}/refunds',
    fn: 'money',
    auth: true,
    idempotent: true,
    summary: 'Refund part or all of a posted transfer you received',
    params: s.TransactionParams,
    body: s.RefundBody,
    status: 201,
    response: s.Transaction,
    errors: [...keyed, 'insufficient_funds', 'not_refundable', 'refund_exceeds_amount'],
  }),
  listStatements: route({
    method: 'GET',
    path: '/v1/accounts/{id}/statements',
    fn: 'statements',
    auth: true,
    summary: 'Monthly statements since the account opened, the current month to date',
    params: s.AccountParams,
    status: 200,
    response: s.StatementList,
    errors: [...common, 'not_found'],
  }),
  getStatement: route({
    method: 'GET',
    path: '/v1/accounts/{id}/statements/{period}',
    fn: 'statement-files',
    auth: true,
    summary: 'A presigned URL (5 minutes) to download one month\u2019s statement as PDF or CSV',
    params: s.StatementParams,
    query: s.StatementQuery,
    status: 200,
    response: s.DownloadLink,
    errors: [...common, 'not_found'],
  }),
  exportCsv: route({
    method: 'GET',
    path: '/v1/accounts/{id}/export.csv',
    fn: 'statements',
    auth: true,
    summary: 'The account\u2019s postings in a range of up to a year, as CSV (text/csv)',
    params: s.AccountParams,
    query: s.ExportQuery,
    status: 200,
    errors: [...common, 'not_found', 'export_too_large'],
  }),
  createPayee: route({
    method: 'POST',
    path: '/v1/payees',
    fn: 'payees',
    auth: true,
    summary: 'Save a payee; the name is checked against the account holder\u2019s (confirmation of payee)',
    body: s.PayeeBody,
    status: 201,
    response: s.Payee,
    errors: [...common, 'recipient_not_found', 'payee_limit_reached'],
  }),
  listPayees: route({
    method: 'GET',
    path: '/v1/payees',
    fn: 'payees',
    auth: true,
    summary: 'The caller\u2019s saved payees',
    status: 200,
    response: s.PayeeList,
    errors: common,
  }),
  checkPayee: route({
    method: 'POST',
    path: '/v1/payees/check',
    fn: 'payees',
    auth: true,
    summary: 'Check a name against an account number without saving (20 a minute)',
    body: s.PayeeBody,
    status: 200,
    response: s.PayeeCheck,
    errors: [...common, 'recipient_not_found', 'rate_limited'],
  }),
  getPayee: route({
    method: 'GET',
    path: '/v1/payees/{id}',
    fn: 'payees',
    auth: true,
    summary: 'One saved payee',
    params: s.PayeeParams,
    status: 200,
    response: s.Payee,
    errors: [...common, 'not_found'],
  }),
  deletePayee: route({
    method: 'DELETE',
    path: '/v1/payees/{id}',
    fn: 'payees',
    auth: true,
    summary: 'Delete a saved payee',
    params: s.PayeeParams,
    status: 204,
    errors: [...common, 'not_found'],
  }),
  createSchedule: route({
    method: 'POST',
    path: '/v1/scheduled-transfers',
    fn: 'schedules-api',
    auth: true,
    summary: 'Schedule a one-off, weekly or monthly transfer',
    body: s.ScheduleBody,
    status: 201,
    response: s.Schedule,
    errors: [
      ...common,
      'not_found',
      'account_not_active',
      'currency_mismatch',
      'same_account',
      'recipient_not_found',
      'schedule_limit_reached',
    ],
  }),
  listSchedules: route({
    method: 'GET',
    path: '/v1/scheduled-transfers',
    fn: 'schedules-api',
    auth: true,
    summary: 'The caller\u2019s scheduled transfers',
    status: 200,
    response: s.ScheduleList,
    errors: common,
  }),
  getSchedule: route({
    method: 'GET',
    path: '/v1/scheduled-transfers/{id}',
    fn: 'schedules-api',
    auth: true,
    summary: 'One scheduled transfer with its runs, newest first',
    params: s.ScheduleParams,
    status: 200,
    response: s.Schedule,
    errors: [...common, 'not_found'],
  }),
  cancelSchedule: route({
    method: 'DELETE',
    path: '/v1/scheduled-transfers/{id}',
    fn: 'schedules-api',
    auth: true,
    summary: 'Cancel a scheduled transfer: no later run starts',
    params: s.ScheduleParams,
    status: 200,
    response: s.Schedule,
    errors: [...common, 'not_found'],
  }),
} as const satisfies Record<string, RouteDef>;

export type Routes = typeof routes;
export type OperationId = keyof Routes;
export type OperationsOf<F extends HttpFunctionName> = {
  [K in OperationId]: Routes[K]['fn'] extends F ? K : never;
}[OperationId];

/** `"POST /v1/accounts/{id}/deposits"`: the HTTP API route key. */
export const routeKey = (r: Pick<RouteDef, 'method' | 'path'>): string => `${r.method} ${r.path}`;

export const routeList = Object.entries(routes).map(([operationId, r]) => ({
  operationId: operationId as OperationId,
  ...(r as RouteDef),
}));
export type RouteEntry = (typeof routeList)[number];

const byKey = new Map(routeList.map((r) => [routeKey(r), r]));
export const findRouteByKey = (key: string): RouteEntry | undefined => byKey.get(key);
