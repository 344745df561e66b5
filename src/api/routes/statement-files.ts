/** The routes the `statement-files` function serves (src/functions.ts); src/api/routes.ts assembles the whole table. */
import { common, type RouteDef, route } from '../route-def.ts';
import * as s from '../schemas.ts';

export const routes = {
  getStatement: route({
    method: 'GET',
    path: '/v1/accounts/{id}/statements/{period}',
    fn: 'statement-files',
    role: 'customer',
    summary: 'A presigned URL (5 minutes) to download one month\u2019s statement as PDF or CSV',
    params: s.StatementParams,
    query: s.StatementQuery,
    status: 200,
    response: s.DownloadLink,
    errors: [...common, 'not_found'],
  }),
} as const satisfies Record<string, RouteDef>;
