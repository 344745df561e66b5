/**
 * Bank staff's writes: freeze and unfreeze, teller cash, reversals. Thin: the rules are in
 * src/domain/ledger-admin.ts and the store's conditions (src/store/ledger-admin.ts). The member of
 * staff is the caller: their id is recorded on the journal (teller cash, reversals) and the account
 * (freeze), and their Idempotency-Keys are their own.
 */
import { createHandler } from '../api/http.ts';
import { adminOutcomeReply } from '../api/transactions.ts';
import { adminLedger } from './context-admin.ts';
import { keyed } from './keyed.ts';
import { staffOnly } from './staff.ts';

export const handler = createHandler(
  'admin-money',
  staffOnly({
    freezeAccount: async ({ caller, params, body }) => ({
      body: (await adminLedger().freeze({ admin: caller.sub, accountId: params.id, reason: body.reason }))
        .account,
    }),
    unfreezeAccount: async ({ caller, params, body }) => ({
      body: (await adminLedger().unfreeze({ admin: caller.sub, accountId: params.id, reason: body.reason }))
        .account,
    }),
    tellerDeposit: async (req) =>
      adminOutcomeReply(
        await adminLedger().tellerDeposit({ ...keyed(req), accountId: req.params.id, ...req.body }),
      ),
    tellerWithdraw: async (req) =>
      adminOutcomeReply(
        await adminLedger().tellerWithdraw({ ...keyed(req), accountId: req.params.id, ...req.body }),
      ),
    reverseTransaction: async (req) =>
      adminOutcomeReply(
        await adminLedger().reverse({ ...keyed(req), journalId: req.params.id, ...req.body }),
      ),
  }),
);
