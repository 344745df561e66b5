import { createHandler } from '../api/http.ts';
import { routes } from '../api/routes/health.ts';

export const handler = createHandler(routes, {
  health: async () => ({ body: { status: 'ok' } }),
});
