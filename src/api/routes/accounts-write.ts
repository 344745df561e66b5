/** The routes the `accounts-write` function serves (src/functions.ts); src/api/routes.ts assembles the whole table. */
import { common, type RouteDef, route } from '../route-def.ts';
import { Account, OpenAccountBody } from '../schemas/accounts.ts';
import { AccountParams } from '../schemas/primitives.ts';

export const routes = {
  openAccount: route({
    method: 'POST',
    path: '/v1/accounts',
    fn: 'accounts-write',
    role: 'customer',
    summary: 'Open an account',
    // Opened once per key when one is sent: a retry after a lost answer opens no second account.
    // Optional, as it was not taken before (a client that sends none opens one per request).
    optionalKey: true,
    body: OpenAccountBody,
    status: 201,
    response: Account,
    errors: [
      ...common,
      'account_limit_reached',
      'idempotency_key_reused',
      'idempotency_key_in_use',
      'service_unavailable',
    ],
  }),
  closeAccount: route({
    method: 'DELETE',
    path: '/v1/accounts/{id}',
    fn: 'accounts-write',
    role: 'customer',
    summary: 'Close an account with a zero balance (not while it is frozen); its scheduled transfers end',
    params: AccountParams,
    status: 200,
    response: Account,
    errors: [...common, 'not_found', 'balance_not_zero', 'account_not_active'],
  }),
} as const satisfies Record<string, RouteDef>;
