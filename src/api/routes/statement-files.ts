/** The routes the `statement-files` function serves (src/functions.ts); src/api/routes.ts assembles the whole table. */
import { common, type RouteDef, route } from '../route-def.ts';
import { DownloadLink, StatementParams, StatementQuery } from '../schemas/statements.ts';

export const routes = {
  getStatement: route({
    method: 'GET',
    path: '/v1/accounts/{id}/statements/{period}',
    fn: 'statement-files',
    role: 'customer',
    summary: 'A presigned URL (5 minutes) to download one month\u2019s statement as PDF or CSV',
    params: StatementParams,
    query: StatementQuery,
    status: 200,
    response: DownloadLink,
    errors: [...common, 'not_found', 'service_unavailable'],
  }),
} as const satisfies Record<string, RouteDef>;
