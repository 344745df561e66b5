import { createHandler } from '../api/http.ts';
import { routes } from '../api/routes/accounts-write.ts';
import { accountReply } from '../api/transactions.ts';
import { accounts } from './context.ts';
import { customerGuard } from './gate.ts';

export const handler = createHandler(
  routes,
  {
    openAccount: async ({ caller, body, idempotencyKey, fingerprint }) => {
      const input = { ownerId: caller.sub, ...body };
      // Without a key (optional: not taken before), every request opens an account.
      if (idempotencyKey === undefined) return { body: await accounts().open(input) };
      return accountReply(await accounts().openOnce(input, { key: idempotencyKey, fingerprint }));
    },
    closeAccount: async ({ caller, params }) => ({ body: await accounts().close(caller.sub, params.id) }),
  },
  { guard: customerGuard },
);
