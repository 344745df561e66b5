import { createHandler, type Reply } from '../api/http.ts';
import { PROBLEM_CONTENT_TYPE } from '../api/problem.ts';
import type { Outcome } from '../store/idempotency.ts';
import { ledger } from './context.ts';

/** What every movement carries from the request: the caller and the request's identity. */
const movement = (req: { caller: { sub: string }; idempotencyKey: string; fingerprint: string }) => ({
  user: req.caller.sub,
  idempotencyKey: req.idempotencyKey,
  fingerprint: req.fingerprint,
});

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
  deposit: async (req) =>
    reply(await ledger().deposit({ ...movement(req), accountId: req.params.id, ...req.body })),
  withdraw: async (req) =>
    reply(await ledger().withdraw({ ...movement(req), accountId: req.params.id, ...req.body })),
  transfer: async (req) => reply(await ledger().transfer({ ...movement(req), ...req.body })),
});
