/** The routes the `health` function serves (src/functions.ts); src/api/routes.ts assembles the whole table. */
import { type RouteDef, route } from '../route-def.ts';
import { Health } from '../schemas/health.ts';

export const routes = {
  health: route({
    method: 'GET',
    path: '/health',
    fn: 'health',
    role: 'public',
    summary: 'Liveness check',
    status: 200,
    response: Health,
    errors: [],
  }),
} as const satisfies Record<string, RouteDef>;
