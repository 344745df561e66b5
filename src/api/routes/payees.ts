/** The routes the `payees` function serves (src/functions.ts); src/api/routes.ts assembles the whole table. */
import { common, type RouteDef, route } from '../route-def.ts';
import { ListedPayee, Payee, PayeeBody, PayeeCheck, PayeeList, PayeeParams } from '../schemas/payees.ts';

export const routes = {
  createPayee: route({
    method: 'POST',
    path: '/v1/payees',
    fn: 'payees',
    role: 'customer',
    summary: 'Save a payee; the name is checked against the account holder\u2019s (confirmation of payee)',
    // With an Idempotency-Key, a retry of a saving whose answer was lost does not save it twice.
    optionalKey: true,
    body: PayeeBody,
    status: 201,
    response: Payee,
    errors: [
      ...common,
      'recipient_not_found',
      'account_not_active',
      'payee_limit_reached',
      'rate_limited',
      'idempotency_key_reused',
      'idempotency_key_in_use',
    ],
  }),
  listPayees: route({
    method: 'GET',
    path: '/v1/payees',
    fn: 'payees',
    role: 'customer',
    summary: 'The caller\u2019s saved payees',
    status: 200,
    response: PayeeList,
    errors: common,
  }),
  checkPayee: route({
    method: 'POST',
    path: '/v1/payees/check',
    fn: 'payees',
    role: 'customer',
    summary: 'Check a name against an account number without saving (20 a minute, 200 a day)',
    body: PayeeBody,
    status: 200,
    response: PayeeCheck,
    errors: [...common, 'recipient_not_found', 'account_not_active', 'rate_limited'],
  }),
  getPayee: route({
    method: 'GET',
    path: '/v1/payees/{id}',
    fn: 'payees',
    role: 'customer',
    summary: 'One saved payee',
    params: PayeeParams,
    status: 200,
    response: ListedPayee,
    errors: [...common, 'not_found'],
  }),
  deletePayee: route({
    method: 'DELETE',
    path: '/v1/payees/{id}',
    fn: 'payees',
    role: 'customer',
    summary: 'Delete a saved payee',
    params: PayeeParams,
    status: 204,
    errors: [...common, 'not_found'],
  }),
} as const satisfies Record<string, RouteDef>;
