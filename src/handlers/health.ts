import { createHandler } from '../api/http.ts';

export const handler = createHandler('health', {
  health: async () => ({ body: { status: 'ok' } }),
});
