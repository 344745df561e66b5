/** The routes the `payees` function serves (src/functions.ts); src/api/routes.ts assembles the whole table. */
import { common, type RouteDef, route } from '../route-def.ts';
import * as s from '../schemas.ts';

export const routes = {
  createPayee: route({
    method: 'POST',
    path: '/v1/payees',
    fn: 'payees',
    role: 'customer',
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
    role: 'customer',
    summary: 'The caller\u2019s saved payees',
    status: 200,
    response: s.PayeeList,
    errors: common,
  }),
  checkPayee: route({
    method: 'POST',
    path: '/v1/payees/check',
    fn: 'payees',
    role: 'customer',
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
    role: 'customer',
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
    role: 'customer',
    summary: 'Delete a saved payee',
    params: s.PayeeParams,
    status: 204,
    errors: [...common, 'not_found'],
  }),
} as const satisfies Record<string, RouteDef>;
