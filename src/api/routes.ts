/**
 * The route table: the one list of the API's routes. The local gateway, the Lambda handlers,
 * the OpenAPI document and the CDK app are all built from it. Nothing else lists routes.
 *
 * It is data only (plus zod schemas), so a handler bundle that imports it stays small.
 */
import type { ZodMiniType } from 'zod/mini';
import type { ErrorCode } from '../domain/errors.ts';
import * as s from './schemas.ts';

/** What a function may do in AWS. The CDK app turns each into least-privilege IAM statements. */
export type Permission = 'table:read' | 'table:write' | 'cognito:public' | 'cognito:admin' | 'cognito:users';

/** A function is a route group: one Lambda, one handler module. */
export const functions = {
  health: { entry: 'src/handlers/health.ts', description: 'Liveness' },
  auth: {
    entry: 'src/handlers/auth.ts',
    description: 'Register, confirm, login (with MFA), refresh, logout, password reset',
  },
  profile: {
    entry: 'src/handlers/profile.ts',
    description: 'The caller\u2019s profile and security: password, TOTP MFA, sessions',
  },
  'accounts-read': { entry: 'src/handlers/accounts-read.ts', description: 'Accounts, balances and history' },
  'accounts-write': { entry: 'src/handlers/accounts-write.ts', description: 'Open and close accounts' },
  money: { entry: 'src/handlers/money.ts', description: 'Deposits, withdrawals and transfers' },
} as const;
export type FunctionName = keyof typeof functions;

export type Method = 'GET' | 'POST' | 'DELETE';

export interface RouteDef {
  method: Method;
  path: string;
  fn: FunctionName;
  summary: string;
  /** Needs a valid Cognito access token (the HTTP API JWT authorizer). */
  auth: boolean;
  permissions: readonly Permission[];
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
    permissions: [],
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
    permissions: ['cognito:public', 'cognito:admin', 'cognito:users', 'table:write'],
    summary: 'Register a customer (the same answer for a new and a taken email)',
    body: s.RegisterBody,
    status: 202,
    response: s.Registration,
    errors: ['validation_failed', 'weak_password'],
  }),
  confirm: route({
    method: 'POST',
    path: '/v1/auth/confirm',
    fn: 'auth',
    auth: false,
    permissions: ['cognito:public'],
    summary: 'Confirm a registration with the emailed code',
    body: s.ConfirmBody,
    status: 204,
    errors: ['validation_failed', 'invalid_code'],
  }),
  resendConfirmation: route({
    method: 'POST',
    path: '/v1/auth/confirm/resend',
    fn: 'auth',
    auth: false,
    permissions: ['cognito:public', 'cognito:users'],
    summary: 'Email a new confirmation code (always 202)',
    body: s.EmailBody,
    status: 202,
    response: s.Accepted,
    errors: ['validation_failed'],
  }),
  forgotPassword: route({
    method: 'POST',
    path: '/v1/auth/password/forgot',
    fn: 'auth',
    auth: false,
    permissions: ['cognito:public'],
    summary: 'Email a password-reset code (always 202)',
    body: s.EmailBody,
    status: 202,
    response: s.Accepted,
    errors: ['validation_failed'],
  }),
  resetPassword: route({
    method: 'POST',
    path: '/v1/auth/password/reset',
    fn: 'auth',
    auth: false,
    permissions: ['cognito:public', 'cognito:users', 'table:write'],
    summary: 'Set a new password with the emailed code; signs out every session and clears login locks',
    body: s.ResetPasswordBody,
    status: 204,
    errors: ['validation_failed', 'invalid_code', 'weak_password', 'reset_locked', 'verification_locked'],
  }),
  login: route({
    method: 'POST',
    path: '/v1/auth/login',
    fn: 'auth',
    auth: false,
    permissions: ['cognito:public', 'table:write'],
    summary: 'Log in with email and password (MFA on: a TOTP challenge instead of tokens)',
    body: s.LoginBody,
    status: 200,
    response: s.LoginResult,
    errors: [
      'validation_failed',
      'invalid_credentials',
      'user_not_confirmed',
      'login_locked',
      'login_throttled',
    ],
  }),
  loginMfa: route({
    method: 'POST',
    path: '/v1/auth/login/mfa',
    fn: 'auth',
    auth: false,
    permissions: ['cognito:public', 'table:write'],
    summary: 'Finish an MFA login with the code from the authenticator app',
    body: s.MfaLoginBody,
    status: 200,
    response: s.Tokens,
    errors: ['validation_failed', 'invalid_code', 'invalid_session', 'login_locked', 'login_throttled'],
  }),
  refresh: route({
    method: 'POST',
    path: '/v1/auth/refresh',
    fn: 'auth',
    auth: false,
    permissions: ['cognito:public', 'table:read'],
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
    permissions: ['cognito:public', 'table:write'],
    summary: 'Revoke one of the caller\u2019s refresh tokens',
    body: s.RefreshBody,
    status: 204,
    errors: [...common, 'invalid_token'],
  }),
  me: route({
    method: 'GET',
    path: '/v1/me',
    fn: 'profile',
    auth: true,
    permissions: ['table:read'],
    summary: 'The caller\u2019s profile',
    status: 200,
    response: s.Me,
    errors: common,
  }),
  changePassword: route({
    method: 'POST',
    path: '/v1/me/password',
    fn: 'profile',
    auth: true,
    permissions: ['cognito:public', 'table:write'],
    summary: 'Change the password',
    body: s.ChangePasswordBody,
    status: 204,
    errors: [...common, 'wrong_password', 'weak_password', 'verification_locked'],
  }),
  mfaStatus: route({
    method: 'GET',
    path: '/v1/me/mfa',
    fn: 'profile',
    auth: true,
    permissions: ['cognito:public', 'table:read'],
    summary: 'Which second factors are on',
    status: 200,
    response: s.MfaStatus,
    errors: common,
  }),
  enrolTotp: route({
    method: 'POST',
    path: '/v1/me/mfa/totp',
    fn: 'profile',
    auth: true,
    permissions: ['cognito:public', 'table:read'],
    summary: 'Start TOTP enrolment: a secret and an otpauth:// URI for the authenticator app',
    status: 200,
    response: s.TotpEnrolment,
    errors: [...common, 'mfa_already_enabled'],
  }),
  verifyTotp: route({
    method: 'POST',
    path: '/v1/me/mfa/totp/verify',
    fn: 'profile',
    auth: true,
    permissions: ['cognito:public', 'table:write'],
    summary: 'Turn TOTP MFA on with a first code from the app',
    body: s.TotpCodeBody,
    status: 204,
    errors: [...common, 'invalid_code', 'verification_locked'],
  }),
  disableTotp: route({
    method: 'DELETE',
    path: '/v1/me/mfa/totp',
    fn: 'profile',
    auth: true,
    permissions: ['cognito:public', 'table:write'],
    summary: 'Turn TOTP MFA off (needs a current code and the password)',
    body: s.DisableTotpBody,
    status: 204,
    errors: [...common, 'invalid_code', 'wrong_password', 'mfa_not_enabled', 'verification_locked'],
  }),
  revokeSessions: route({
    method: 'POST',
    path: '/v1/me/sessions/revoke-all',
    fn: 'profile',
    auth: true,
    permissions: ['cognito:public', 'table:write'],
    summary: 'Sign out everywhere: every refresh token of the caller stops working',
    status: 204,
    errors: common,
  }),
  listAccounts: route({
    method: 'GET',
    path: '/v1/accounts',
    fn: 'accounts-read',
    auth: true,
    permissions: ['table:read'],
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
    permissions: ['table:write'],
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
    permissions: ['table:read'],
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
    permissions: ['table:write'],
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
    permissions: ['table:read'],
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
    permissions: ['table:read'],
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
    permissions: ['table:read'],
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
    permissions: ['table:write'],
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
    permissions: ['table:write'],
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
    permissions: ['table:write'],
    idempotent: true,
    summary: 'Transfer to an account number',
    body: s.TransferBody,
    status: 201,
    response: s.Transaction,
    errors: [...money, 'currency_mismatch', 'same_account', 'recipient_not_found'],
  }),
} as const satisfies Record<string, RouteDef>;

export type Routes = typeof routes;
export type OperationId = keyof Routes;
export type OperationsOf<F extends FunctionName> = {
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

/** The union of the permissions of a function's routes: what its IAM role is granted. */
export const permissionsOf = (fn: FunctionName): Permission[] =>
  [...new Set(routeList.filter((r) => r.fn === fn).flatMap((r) => r.permissions))].sort();
