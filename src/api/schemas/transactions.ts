/** Transactions, their metadata and an account's history: read by `accounts-read`, made by `money`. */
import * as z from 'zod/mini';
import {
  METADATA_KEY,
  METADATA_MAX_KEYS,
  METADATA_MAX_VALUE,
  payoutMethods,
  transactionStatuses,
  transactionTypes,
} from '../../domain/ledger.ts';
import {
  AccountNumber,
  CurrencyCode,
  doc,
  Id,
  Instant,
  PageCursor,
  PageLimit,
  safeText,
  str,
} from './primitives.ts';

export const transactionType = () => z.enum(transactionTypes);
export const transactionStatus = () => z.enum(transactionStatuses);

export const Metadata = doc(
  z
    .record(
      z.string().check(z.maxLength(40), z.regex(METADATA_KEY, 'keys must match ^[A-Za-z0-9_.-]{1,40}$')),
      // As a description: no control or bidi characters (a value is shown back, in the app and CSVs).
      safeText(METADATA_MAX_VALUE),
    )
    .check(
      z.refine(
        (m: Record<string, string>) => Object.keys(m).length <= METADATA_MAX_KEYS,
        `at most ${METADATA_MAX_KEYS} keys`,
      ),
    ),
  {
    id: 'Metadata',
    description: `Up to ${METADATA_MAX_KEYS} keys (1 to 40 of A-Z a-z 0-9 _ . -), each a string of up to ${METADATA_MAX_VALUE} characters, without control or bidi characters. Shown only to the side that set it.`,
    example: { invoice: 'INV-2026-0042' },
  },
);

export const HistoryQuery = z.strictObject({
  limit: PageLimit,
  cursor: PageCursor,
  from: z.optional(Instant),
  to: z.optional(Instant),
  type: z.optional(transactionType()),
  status: z.optional(transactionStatus()),
});

/** A transfer whose money the bank holds as unclaimed funds (shown to its sender and to staff). */
export const Unclaimed = doc(z.boolean(), {
  description:
    'Transfers, present and true when both accounts closed before it arrived: the bank holds the money for the sender',
});
/** How unclaimed funds were paid out of the bank: by cheque, or to the state (escheatment). */
export const PayoutMethod = z.enum(payoutMethods);
/** The payout of a transfer's unclaimed funds, once made. */
export const UnclaimedPaidOut = doc(Id, {
  description: 'Unclaimed funds: the payout to the sender, once made',
});

export const Transaction = doc(
  z.object({
    id: Id,
    type: transactionType(),
    status: transactionStatus(),
    amount: doc(z.int(), { description: 'Posted amount; while pending, the amount held' }),
    currency: CurrencyCode,
    fromAccountId: z.optional(Id),
    toAccountId: z.optional(Id),
    fromAccountNumber: z.optional(AccountNumber),
    toAccountNumber: z.optional(AccountNumber),
    description: str(140),
    metadata: z.optional(Metadata),
    createdAt: Instant,
    postedAt: z.optional(Instant),
    expiresAt: z.optional(doc(Instant, { description: 'Pending transfers: when the hold lapses' })),
    refundedAmount: z.optional(doc(z.int(), { description: 'Transfers: the sum refunded so far' })),
    refundOf: z.optional(doc(Id, { description: 'Refunds: the transfer refunded' })),
    reversedAmount: z.optional(doc(z.int(), { description: 'The sum reversed by the bank so far' })),
    reverses: z.optional(doc(Id, { description: 'Reversals: the transaction reversed' })),
    unclaimed: z.optional(Unclaimed),
    unclaimedPaidOut: z.optional(UnclaimedPaidOut),
    unclaimedPaidOutBy: z.optional(
      doc(PayoutMethod, { description: 'Unclaimed funds paid out of the bank: by cheque, or to the state' }),
    ),
    batchId: z.optional(
      doc(Id, { description: 'Bulk payments: the batch it was posted in (shown to the sender)' }),
    ),
    balanceAfter: z.optional(
      doc(z.int(), { description: 'The posted balance of the caller\u2019s account after the posting' }),
    ),
  }),
  { id: 'Transaction' },
);
export const HistoryEntry = doc(
  z.object({
    transactionId: Id,
    type: transactionType(),
    status: transactionStatus(),
    amount: doc(z.int(), {
      description: 'Signed: positive for money in, negative for money out (a pending transfer included)',
    }),
    currency: CurrencyCode,
    balanceAfter: doc(z.nullable(z.int()), {
      description: 'Posted entries: the balance after; otherwise null',
    }),
    counterparty: z.nullable(
      z.object({
        accountNumber: AccountNumber,
        name: z.optional(
          doc(str(140), {
            description:
              'The caller\u2019s payee name for this number, or the nickname of the caller\u2019s own account',
          }),
        ),
      }),
    ),
    description: str(140),
    createdAt: Instant,
  }),
  { id: 'HistoryEntry' },
);
export const HistoryPage = doc(
  z.object({ items: z.array(HistoryEntry).check(z.maxLength(100)), nextCursor: z.nullable(str(2048)) }),
  {
    id: 'HistoryPage',
    description:
      'An account\u2019s history, newest first. On AWS it is read from indexes, which are eventually consistent: a movement can show here a moment (typically well under a second) after its response, while the account\u2019s balance and GET /v1/transactions/{id} show it at once. A first page that should show the account\u2019s last posting (no cursor, no type filter, status absent or posted, a range that holds it, and room for it after any newer entries) is read again, for up to about 0.7 s, until it does; a page that still lacks it is answered as it is. Only the last posting is checked: an earlier movement can still show a moment late. With `type` or `status`, a page passes over at most 1000 entries that do not match: it then ends there, short or even empty, with a `nextCursor` to read on from (only a null `nextCursor` says the history is done).',
  },
);
