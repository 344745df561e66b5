/** The routes the `statements` function serves (src/functions.ts); src/api/routes.ts assembles the whole table. */
import { common, type RouteDef, route } from '../route-def.ts';
import { AccountParams } from '../schemas/primitives.ts';
import { ExportQuery, StatementList, StatementListQuery } from '../schemas/statements.ts';

export const routes = {
  listStatements: route({
    method: 'GET',
    path: '/v1/accounts/{id}/statements',
    fn: 'statements',
    role: 'customer',
    summary: 'Monthly statements, newest first (the current month to date), a page of months at a time',
    params: AccountParams,
    query: StatementListQuery,
    status: 200,
    response: StatementList,
    errors: [...common, 'not_found', 'service_unavailable'],
  }),
  exportCsv: route({
    method: 'GET',
    path: '/v1/accounts/{id}/export.csv',
    fn: 'statements',
    role: 'customer',
    summary: 'The account\u2019s postings in a range of up to a year, as CSV (text/csv)',
    params: AccountParams,
    query: ExportQuery,
    status: 200,
    produces: 'text/csv',
    errors: [...common, 'not_found', 'export_too_large', 'service_unavailable'],
  }),
} as const satisfies Record<string, RouteDef>;
