/** Accounts and their balances: opened by `accounts-write`, read by `accounts-read`. */
import * as z from 'zod/mini';
import { accountStatuses, accountTypes } from '../../domain/account.ts';
import {
  AccountNumber,
  CurrencyCode,
  doc,
  Id,
  Instant,
  name,
  PageCursor,
  PageLimit,
  str,
} from './primitives.ts';

// ---------- requests ----------
export const OpenAccountBody = doc(
  z.strictObject({
    type: z.enum(accountTypes),
    currency: CurrencyCode,
    nickname: z.optional(name(50)),
  }),
  { id: 'OpenAccountRequest' },
);
export const BalanceQuery = z.strictObject({
  at: z.optional(
    doc(Instant, {
      description:
        'The posted balance as of this instant (not in the future). At or after the account\u2019s last posting it is the account\u2019s own balance, exact at once; before it, it comes from the account\u2019s history, where a movement of the last moment may not count yet (see HistoryPage).',
    }),
  ),
});
export const AccountListQuery = z.strictObject({
  limit: PageLimit,
  cursor: PageCursor,
  status: doc(z.optional(z.enum(['closed'])), {
    description: 'Without it: the open accounts (active, frozen). `closed`: the closed ones only.',
  }),
});

// ---------- responses ----------
export const Account = doc(
  z.object({
    id: Id,
    number: AccountNumber,
    type: z.enum(accountTypes),
    currency: CurrencyCode,
    nickname: z.nullable(str(50)),
    status: z.enum(accountStatuses),
    balance: doc(z.int(), { description: 'Posted balance' }),
    held: doc(z.int(), {
      description:
        'Held for pending outgoing transfers that have not expired; on an account whose record of holds is malformed, the stored figure, which may still count an expired hold not yet swept',
    }),
    available: doc(z.int(), { description: 'What may be spent: balance - held' }),
    incoming: z.optional(
      doc(z.int(), {
        description:
          'Transfers received but not settled into the balance yet (a moment; offline within a second): not in `balance` or `available` until then. Present, when not zero, on the account read by id.',
      }),
    ),
    createdAt: Instant,
  }),
  { id: 'Account' },
);
export const AccountList = doc(
  z.object({
    items: z.array(Account).check(z.maxLength(100)),
    nextCursor: z.nullable(z.string().check(z.maxLength(2048))),
  }),
  { id: 'AccountList' },
);
export const Balance = doc(
  z.object({
    accountId: Id,
    currency: CurrencyCode,
    balance: doc(z.int(), { description: 'Posted balance (as of `at` when asked)' }),
    held: z.optional(z.int()),
    available: z.optional(z.int()),
    incoming: z.optional(
      doc(z.int(), {
        description:
          'Transfers received but not settled into the balance yet (now only; present when not zero)',
      }),
    ),
    asOf: z.optional(doc(Instant, { description: 'Now: when no `at` was asked' })),
    at: z.optional(doc(Instant, { description: 'The instant asked for' })),
  }),
  { id: 'Balance' },
);
