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

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

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
const money: ErrorCode[] = [
  ...common,
  'idempotency_key_required',
  'idempotency_key_reused',
  'idempotency_key_in_use',
  'not_found',
  'account_not_active',
  'insufficient_funds',
  'daily_limit_exceeded',
];

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
    summary: 'List the caller\u2019s accounts',
    status: 200,
    response: s.AccountList,
    errors: common,
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
    summary: 'An account\u2019s balance',
    params: s.AccountParams,
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
    summary: 'One transaction, to a caller who owns either side',
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
    summary: 'Deposit into an account',
    params: s.AccountParams,
    body: s.MoneyBody,
    status: 201,
    response: s.Transaction,
    errors: money,
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
    summary: 'Transfer to an account number',
    body: s.TransferBody,
    status: 201,
    response: s.Transaction,
    errors: [...money, 'currency_mismatch', 'same_account', 'recipient_not_found'],
  }),
  listEvents: route({
    method: 'GET',
    path: '/v1/events',
    fn: 'events-api',
    auth: true,
    summary: 'The caller\u2019s events, oldest first, from a cursor (kept 30 days)',
    query: s.EventsQuery,
    status: 200,
    response: s.EventPage,
    errors: [...common, 'invalid_cursor'],
  }),
  getNotifications: route({
    method: 'GET',
    path: '/v1/me/notifications',
    fn: 'events-api',
    auth: true,
    summary: 'The caller\u2019s email notification preferences',
    status: 200,
    response: s.NotificationPreferences,
    errors: common,
  }),
  putNotifications: route({
    method: 'PUT',
    path: '/v1/me/notifications',
    fn: 'events-api',
    auth: true,
    summary: 'Set the caller\u2019s email notification preferences',
    body: s.NotificationPreferences,
    status: 200,
    response: s.NotificationPreferences,
    errors: common,
  }),
  createWebhook: route({
    method: 'POST',
    path: '/v1/webhooks',
    fn: 'webhooks-api',
    auth: true,
    summary: 'Register a webhook endpoint (its secret is shown only in this answer)',
    body: s.WebhookBody,
    status: 201,
    response: s.WebhookCreated,
    errors: [...common, 'invalid_webhook_url', 'webhook_limit_reached'],
  }),
  listWebhooks: route({
    method: 'GET',
    path: '/v1/webhooks',
    fn: 'webhooks-api',
    auth: true,
    summary: 'The caller\u2019s webhook endpoints',
    status: 200,
    response: s.WebhookList,
    errors: common,
  }),
  getWebhook: route({
    method: 'GET',
    path: '/v1/webhooks/{id}',
    fn: 'webhooks-api',
    auth: true,
    summary: 'One webhook endpoint',
    params: s.WebhookParams,
    status: 200,
    response: s.Webhook,
    errors: [...common, 'not_found'],
  }),
  deleteWebhook: route({
    method: 'DELETE',
    path: '/v1/webhooks/{id}',
    fn: 'webhooks-api',
    auth: true,
    summary: 'Delete a webhook endpoint',
    params: s.WebhookParams,
    status: 204,
    errors: [...common, 'not_found'],
  }),
  listDeliveries: route({
    method: 'GET',
    path: '/v1/webhooks/{id}/deliveries',
    fn: 'webhooks-api',
    auth: true,
    summary: 'An endpoint\u2019s deliveries and their attempts, newest first, paged',
    params: s.WebhookParams,
    query: s.DeliveriesQuery,
    status: 200,
    response: s.DeliveryPage,
    errors: [...common, 'not_found', 'invalid_cursor'],
  }),
  retryDelivery: route({
    method: 'POST',
    path: '/v1/webhooks/{id}/deliveries/{deliveryId}/retry',
    fn: 'webhooks-api',
    auth: true,
    summary: 'Send a delivery again now; answers the delivery with this attempt',
    params: s.DeliveryParams,
    status: 200,
    response: s.Delivery,
    errors: [...common, 'not_found', 'service_unavailable'],
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
