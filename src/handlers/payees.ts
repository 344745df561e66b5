import { createHandler } from '../api/http.ts';
import { routes } from '../api/routes/payees.ts';
import { payeeReply } from '../api/transactions.ts';

import { payees } from './context-payments.ts';
import { customerGuard } from './gate.ts';

export const handler = createHandler(
  routes,
  {
    createPayee: async ({ caller, body, idempotencyKey, fingerprint }) => {
      if (idempotencyKey === undefined)
        return { body: await payees().create(caller.sub, body.name, body.accountNumber) };
      return payeeReply(
        await payees().createOnce(caller.sub, body.name, body.accountNumber, {
          key: idempotencyKey,
          fingerprint,
        }),
      );
    },
    listPayees: async ({ caller }) => ({ body: { items: await payees().list(caller.sub) } }),
    checkPayee: async ({ caller, body }) => ({
      body: await payees().check(caller.sub, body.name, body.accountNumber),
    }),
    getPayee: async ({ caller, params }) => ({ body: await payees().mustGet(caller.sub, params.id) }),
    deletePayee: async ({ caller, params }) => {
      await payees().delete(caller.sub, params.id);
      return { status: 204 };
    },
  },
  { guard: customerGuard },
);
