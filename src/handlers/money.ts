import { createHandler } from '../api/http.ts';
import { routes } from '../api/routes/money.ts';
import { batchReply, outcomeReply } from '../api/transactions.ts';
import { isBankError } from '../domain/errors.ts';
import { idempotency, moneyLedger } from './context.ts';
import { payees } from './context-payments.ts';
import { customerGuard } from './gate.ts';
import { keyed } from './keyed.ts';

export const handler = createHandler(
  routes,
  {
    deposit: async (req) =>
      outcomeReply(
        await moneyLedger().deposit({ ...keyed(req), accountId: req.params.id, ...req.body }),
        req.caller.sub,
      ),
    withdraw: async (req) =>
      outcomeReply(
        await moneyLedger().withdraw({ ...keyed(req), accountId: req.params.id, ...req.body }),
        req.caller.sub,
      ),
    transfer: async (req) => {
      // A saved payee pays its account number; another customer's payee is a 404. The fingerprint is
      // the request's own (with payeeId), so a repeat with the same payeeId replays, even once the payee
      // has been deleted.
      const { payeeId, toAccountNumber, ...rest } = req.body;
      let to = toAccountNumber;
      if (payeeId) {
        try {
          to = (await payees().resolve(req.caller.sub, payeeId)).accountNumber;
        } catch (e) {
          const earlier =
            isBankError(e) && e.code === 'not_found'
              ? await idempotency().replay(req.caller.sub, req.idempotencyKey, req.fingerprint)
              : undefined;
          if (earlier) return outcomeReply(earlier, req.caller.sub);
          throw e;
        }
      }
      if (to === undefined) throw new Error('TransferBody guarantees toAccountNumber or payeeId');
      return outcomeReply(
        await moneyLedger().transfer({
          ...keyed(req),
          ...rest,
          toAccountNumber: to,
          ...(payeeId ? { toSavedPayee: true } : {}),
        }),
        req.caller.sub,
      );
    },
    transferBatch: async (req) =>
      batchReply(await moneyLedger().transferBatch({ ...keyed(req), ...req.body }), req.caller.sub),
    postTransfer: async (req) =>
      outcomeReply(
        await moneyLedger().post({ ...keyed(req), journalId: req.params.id, amount: req.body.amount }),
        req.caller.sub,
      ),
    voidTransfer: async (req) =>
      outcomeReply(await moneyLedger().void({ ...keyed(req), journalId: req.params.id }), req.caller.sub),
    refund: async (req) =>
      outcomeReply(
        await moneyLedger().refund({ ...keyed(req), journalId: req.params.id, ...req.body }),
        req.caller.sub,
      ),
  },
  { guard: customerGuard },
);
