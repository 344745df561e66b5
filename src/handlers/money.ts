import { createHandler, type Reply } from '../api/http.ts';
import { PROBLEM_CONTENT_TYPE } from '../api/problem.ts';
import type { Outcome } from '../store/idempotency.ts';
import { ledger } from './context.ts';

/** A first answer as is; a replay with its original status and body, marked as replayed. */
const reply = (o: Outcome): Reply => ({
  status: o.status,
  body: o.body,
  headers: {
    ...(o.replayed ? { 'idempotent-replayed': 'true' } : {}),
    ...(o.status >= 400 ? { 'content-type': PROBLEM_CONTENT_TYPE } : {}),
  },
});

export const handler = createHandler('money', {
  deposit: async ({ caller, params, body, idempotencyKey, fingerprint }) =>
    reply(
      await ledger().deposit({
        user: caller.sub,
        idempotencyKey,
        fingerprint,
        accountId: params.id,
        ...body,
      }),
    ),
  withdraw: async ({ caller, params, body, idempotencyKey, fingerprint }) =>
    reply(
      await ledger().withdraw({
        user: caller.sub,
        idempotencyKey,
        fingerprint,
        accountId: params.id,
        ...body,
      }),
    ),
  transfer: async ({ caller, body, idempotencyKey, fingerprint }) =>
    reply(await ledger().transfer({ user: caller.sub, idempotencyKey, fingerprint, ...body })),
});
