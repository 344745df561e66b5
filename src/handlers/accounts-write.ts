import { createHandler } from '../api/http.ts';
import { routes } from '../api/routes/accounts-write.ts';
import { accounts } from './context.ts';
import { customerGuard } from './gate.ts';

export const handler = createHandler(
  routes,
  {
    openAccount: async ({ caller, body }) => ({
      body: await accounts().open({ ownerId: caller.sub, ...body }),
    }),
    closeAccount: async ({ caller, params }) => ({ body: await accounts().close(caller.sub, params.id) }),
  },
  { guard: customerGuard },
);
