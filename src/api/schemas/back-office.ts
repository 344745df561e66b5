/**
 * Bank staff on accounts and transactions: freeze, teller cash, reversals, and both sides of a
 * transaction (issue 13). The `admin-accounts` and `admin-money` functions' routes.
 */
import * as z from 'zod/mini';
import { Account } from './accounts.ts';
import {
  AccountNumber,
  Amount,
  CurrencyCode,
  Description,
  doc,
  Id,
  Instant,
  name,
  str,
} from './primitives.ts';
import {
  PayoutMethod,
  transactionStatus,
  transactionType,
  Unclaimed,
  UnclaimedPaidOut,
} from './transactions.ts';

export const AccountNumberParams = z.strictObject({ number: AccountNumber });
const Reason = doc(name(500), { description: 'Why: kept with the action', example: 'Card reported stolen' });
export const ReasonBody = doc(z.strictObject({ reason: Reason }), { id: 'ReasonRequest' });
/** What a movement made by staff is filed under: a counter's slip, a cheque's number, the state's. */
const Reference = name(64);
export const TellerBody = doc(
  z.strictObject({
    amount: Amount,
    description: z.optional(Description),
    reference: doc(Reference, {
      description: 'The counter\u2019s slip or receipt number',
      example: 'BR12-000481',
    }),
  }),
  { id: 'TellerRequest', description: 'Cash at a counter: no customer daily limit; never overdraws' },
);
export const ReversalBody = doc(
  z.strictObject({
    amount: z.optional(
      doc(Amount, { description: 'Default: all that is left (less refunds and reversals)' }),
    ),
    reason: Reason,
  }),
  { id: 'ReversalRequest' },
);
export const UnclaimedPayoutBody = doc(
  z.union([
    z.strictObject({
      toAccountId: doc(Id, {
        description: 'An active account of the transfer\u2019s sender, in its currency',
      }),
      reason: Reason,
    }),
    z.strictObject({
      method: doc(PayoutMethod, { description: 'Out of the bank: by cheque, or to the state' }),
      reference: doc(Reference, { description: 'The cheque number, or the state\u2019s filing reference' }),
      reason: Reason,
    }),
  ]),
  {
    id: 'UnclaimedPayoutRequest',
    description: 'Paid whole, once: to an account of the transfer\u2019s sender, or out of the bank',
  },
);
export const AdminAccount = doc(
  z.object({ ...Account.def.shape, ownerId: doc(str(64), { description: 'The customer\u2019s user id' }) }),
  { id: 'AdminAccount', description: 'An account as bank staff see it' },
);
const AdminSide = z.object({
  accountId: Id,
  accountNumber: AccountNumber,
  ownerId: str(64),
  balanceAfter: z.optional(z.int()),
});
export const AdminTransaction = doc(
  z.object({
    id: Id,
    type: transactionType(),
    status: transactionStatus(),
    amount: z.int(),
    currency: CurrencyCode,
    from: z.optional(AdminSide),
    to: z.optional(AdminSide),
    description: str(140),
    createdAt: Instant,
    postedAt: z.optional(Instant),
    expiresAt: z.optional(Instant),
    refundedAmount: z.optional(z.int()),
    refundOf: z.optional(Id),
    reversedAmount: z.optional(z.int()),
    reverses: z.optional(Id),
    tellerId: z.optional(doc(str(64), { description: 'Teller cash and reversals: the member of staff' })),
    reference: z.optional(str(64)),
    reason: z.optional(str(500)),
    payoutMethod: z.optional(PayoutMethod),
    unclaimed: z.optional(Unclaimed),
    unclaimedPaidOut: z.optional(UnclaimedPaidOut),
  }),
  { id: 'AdminTransaction', description: 'A transaction as bank staff see it: both sides, who made it' },
);
