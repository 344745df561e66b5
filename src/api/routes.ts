/**
 * The route table: the one list of the API's routes. Each http function (src/functions.ts) declares
 * the routes it serves in its own module, src/api/routes/<function>.ts, and its Lambda handler imports
 * only that one (so a bundle carries its own routes and their schemas, not the API's). This file
 * assembles them into the whole table, from which the local gateway, the OpenAPI document and the
 * CDK app are built. Permissions belong to the function.
 */
import type { HttpFunctionName } from '../functions.ts';
import type { RouteDef, RouteEntry } from './route-def.ts';
import { routes as accountsRead } from './routes/accounts-read.ts';
import { routes as accountsWrite } from './routes/accounts-write.ts';
import { routes as admin } from './routes/admin.ts';
import { routes as adminAccounts } from './routes/admin-accounts.ts';
import { routes as adminMoney } from './routes/admin-money.ts';
import { routes as auth } from './routes/auth.ts';
import { routes as eventsApi } from './routes/events-api.ts';
import { routes as health } from './routes/health.ts';
import { routes as money } from './routes/money.ts';
import { routes as payees } from './routes/payees.ts';
import { routes as profile } from './routes/profile.ts';
import { routes as schedulesApi } from './routes/schedules-api.ts';
import { routes as statementFiles } from './routes/statement-files.ts';
import { routes as statements } from './routes/statements.ts';
import { routes as webhooksApi } from './routes/webhooks-api.ts';

export {
  adminErrors,
  type Method,
  needsToken,
  type Role,
  type RouteDef,
  type RouteEntry,
  route,
  routeKey,
} from './route-def.ts';

/** Every function's routes, by function. */
export const routeGroups = {
  health,
  auth,
  profile,
  'accounts-read': accountsRead,
  'accounts-write': accountsWrite,
  money,
  statements,
  'statement-files': statementFiles,
  payees,
  'schedules-api': schedulesApi,
  'events-api': eventsApi,
  'webhooks-api': webhooksApi,
  admin,
  'admin-accounts': adminAccounts,
  'admin-money': adminMoney,
} as const satisfies { [F in HttpFunctionName]: Record<string, RouteDef & { fn: F }> };

type Groups = typeof routeGroups;
/** Every route, by operation id. */
export type Routes = typeof health &
  typeof auth &
  typeof profile &
  typeof accountsRead &
  typeof accountsWrite &
  typeof money &
  typeof statements &
  typeof statementFiles &
  typeof payees &
  typeof schedulesApi &
  typeof eventsApi &
  typeof webhooksApi &
  typeof admin &
  typeof adminAccounts &
  typeof adminMoney;
export type OperationId = keyof Routes;
export type OperationsOf<F extends HttpFunctionName> = keyof Groups[F];

/**
 * The API's order (of the OpenAPI document's paths, the local gateway's table and the CDK's routes):
 * every operation once.
 */
const order = [
  'health',
  'register',
  'confirm',
  'resendConfirmation',
  'forgotPassword',
  'resetPassword',
  'login',
  'loginMfa',
  'refresh',
  'logout',
  'me',
  'changePassword',
  'mfaStatus',
  'enrolTotp',
  'verifyTotp',
  'disableTotp',
  'revokeSessions',
  'listAccounts',
  'openAccount',
  'getAccount',
  'closeAccount',
  'getBalance',
  'history',
  'getTransaction',
  'deposit',
  'withdraw',
  'transfer',
  'transferBatch',
  'postTransfer',
  'voidTransfer',
  'refund',
  'listStatements',
  'getStatement',
  'exportCsv',
  'createPayee',
  'listPayees',
  'checkPayee',
  'getPayee',
  'deletePayee',
  'createSchedule',
  'listSchedules',
  'getSchedule',
  'cancelSchedule',
  'listEvents',
  'getNotifications',
  'putNotifications',
  'createWebhook',
  'listWebhooks',
  'getWebhook',
  'deleteWebhook',
  'listDeliveries',
  'retryDelivery',
  'myActivity',
  'adminFindCustomers',
  'adminGetCustomer',
  'adminUnlockCustomer',
  'adminDisableCustomer',
  'adminEnableCustomer',
  'adminListAudit',
  'adminGetAccount',
  'adminGetAccountByNumber',
  'adminHistory',
  'adminGetTransaction',
  'freezeAccount',
  'unfreezeAccount',
  'tellerDeposit',
  'tellerWithdraw',
  'reverseTransaction',
  'payUnclaimed',
  'getLimits',
] as const satisfies readonly OperationId[];

const all = Object.assign({}, ...Object.values(routeGroups)) as Routes;
const declared = Object.values(routeGroups).reduce((n, g) => n + Object.keys(g).length, 0);
const missing = Object.keys(all).filter((k) => !(order as readonly string[]).includes(k));
if (declared !== Object.keys(all).length || missing.length > 0 || new Set(order).size !== order.length) {
  throw new Error(`route table: an operation id is declared twice or left out of the order (${missing})`);
}

export const routes = Object.fromEntries(order.map((k) => [k, all[k]])) as Routes;

export const routeList: RouteEntry[] = order.map((operationId) => ({
  operationId,
  ...(routes[operationId] as RouteDef),
}));

const byKey = new Map(routeList.map((r) => [`${r.method} ${r.path}`, r]));
export const findRouteByKey = (key: string): RouteEntry | undefined => byKey.get(key);
