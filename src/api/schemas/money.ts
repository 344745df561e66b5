/** Deposits, withdrawals, transfers, holds, refunds and bulk payments: the `money` function's routes. */
import * as z from 'zod/mini';
import { MAX_BATCH_TRANSFERS } from '../../domain/batch.ts';
import { MAX_HOLD_SECONDS, MIN_HOLD_SECONDS } from '../../domain/ledger.ts';
import { AccountNumber, Amount, CurrencyCode, Description, doc, Id } from './primitives.ts';
import { Metadata, Transaction } from './transactions.ts';

export const MoneyBody = doc(
  z.strictObject({ amount: Amount, description: z.optional(Description), metadata: z.optional(Metadata) }),
  { id: 'MoneyRequest' },
);
export const TransferBody = doc(
  z
    .strictObject({
      fromAccountId: Id,
      toAccountNumber: z.optional(AccountNumber),
      payeeId: z.optional(
        doc(Id, { description: 'One of the caller\u2019s saved payees: pays its account number' }),
      ),
      amount: Amount,
      currency: CurrencyCode,
      description: z.optional(Description),
      metadata: z.optional(Metadata),
      pending: z.optional(
        doc(z.boolean(), {
          description: 'Hold the amount on the sender until the transfer is posted, voided or expires',
        }),
      ),
      expiresInSeconds: z.optional(
        doc(z.int().check(z.minimum(MIN_HOLD_SECONDS), z.maximum(MAX_HOLD_SECONDS)), {
          description: `Pending transfers only: ${MIN_HOLD_SECONDS} to ${MAX_HOLD_SECONDS}, default ${MAX_HOLD_SECONDS}`,
        }),
      ),
    })
    .check(
      z.refine(
        (b: { pending?: boolean; expiresInSeconds?: number }) =>
          b.expiresInSeconds === undefined || b.pending === true,
        {
          message: 'only a pending transfer expires',
          path: ['expiresInSeconds'],
        },
      ),
      z.refine(
        (b: { toAccountNumber?: string; payeeId?: string }) =>
          (b.toAccountNumber === undefined) !== (b.payeeId === undefined),
        { message: 'give exactly one of toAccountNumber and payeeId', path: ['toAccountNumber'] },
      ),
    ),
  {
    id: 'TransferRequest',
    description: 'Pays `toAccountNumber`, or a saved payee by `payeeId` (exactly one)',
  },
);
/** Optional: an empty body posts the whole hold. */
export const PostTransferBody = doc(z._default(z.strictObject({ amount: z.optional(Amount) }), {}), {
  id: 'PostTransferRequest',
});
export const RefundBody = doc(
  z._default(
    z.strictObject({
      amount: z.optional(Amount),
      description: z.optional(Description),
      metadata: z.optional(Metadata),
    }),
    {},
  ),
  { id: 'RefundRequest', description: 'Optional: an empty body refunds what is left of the transfer' },
);

// ---------- bulk payments (issue 11) ----------
export const BatchTransferBody = doc(
  z.strictObject({
    fromAccountId: Id,
    currency: CurrencyCode,
    transfers: doc(
      z
        .array(
          z.strictObject({
            toAccountNumber: AccountNumber,
            amount: Amount,
            description: z.optional(Description),
            metadata: z.optional(Metadata),
          }),
        )
        .check(z.minLength(1), z.maxLength(MAX_BATCH_TRANSFERS)),
      { description: `1 to ${MAX_BATCH_TRANSFERS} transfers, posted all together or not at all` },
    ),
  }),
  { id: 'BatchTransferRequest' },
);
export const BatchTransferResult = doc(
  z.object({
    id: doc(Id, { description: 'The batch' }),
    transfers: z.array(Transaction).check(z.maxLength(MAX_BATCH_TRANSFERS)),
  }),
  { id: 'BatchTransfer', description: 'Every transfer of the batch, posted, in the order asked' },
);
