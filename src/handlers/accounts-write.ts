import { createHandler } from '../api/http.ts';
import { accounts } from './context.ts';

export const handler = createHandler('accounts-write', {
  openAccount: async ({ caller, body }) => ({
    body: await accounts().open({ ownerId: caller.sub, ...body }),
  }),
  closeAccount: async ({ caller, params }) => ({ body: await accounts().close(caller.sub, params.id) }),
});
