import { createHandler } from '../api/http.ts';
import { BankError } from '../domain/errors.ts';
import { publicAccount } from '../store/accounts.ts';
import { type JournalInfo, viewOf } from '../store/ledger.ts';
import { accounts, cursors, ledger } from './context.ts';

const invalidQuery = (path: string, message: string) =>
  new BankError('validation_failed', 'The request is not valid', { errors: [{ path, message }] });

/** Normalises an ISO 8601 instant to the UTC form the sort keys use (years 0000 to 9999 only). */
const utc = (iso: string | undefined, name: string) => {
  if (!iso) return undefined;
  const s = new Date(iso).toISOString();
  if (!/^\d{4}-/.test(s))
    throw invalidQuery(`query.${name}`, 'must be between the years 0000 and 9999 in UTC');
  return s;
};

export const handler = createHandler('accounts-read', {
  listAccounts: async ({ caller, query }) => {
    const closed = query.status === 'closed';
    const binding = { user: caller.sub, account: '*', filter: closed ? 'closed' : 'open' };
    const codec = await cursors();
    const start = query.cursor ? codec.decode(query.cursor, binding) : undefined;
    const page = await accounts().list(caller.sub, { closed, limit: query.limit ?? 25, start });
    return { body: { items: page.items, nextCursor: page.last ? codec.encode(binding, page.last) : null } };
  },

  getAccount: async ({ caller, params }) => ({
    body: publicAccount(await accounts().mustGet(caller.sub, params.id)),
  }),

  getBalance: async ({ caller, params }) => {
    const a = await accounts().mustGet(caller.sub, params.id);
    return {
      body: { accountId: a.id, currency: a.currency, balance: a.balance, asOf: new Date().toISOString() },
    };
  },

  history: async ({ caller, params, query }) => {
    await accounts().mustGet(caller.sub, params.id);
    const from = utc(query.from, 'from');
    const to = utc(query.to, 'to');
    if (from && to && from > to) throw invalidQuery('query.from', 'must not be after `to`');
    const binding = { user: caller.sub, account: params.id, filter: `${from ?? ''}|${to ?? ''}` };
    const codec = await cursors();
    const start = query.cursor ? codec.decode(query.cursor, binding) : undefined;
    const page = await ledger().postings(params.id, { limit: query.limit ?? 25, from, to, start });
    return {
      body: {
        items: page.items.map((p) => ({
          transactionId: (p.journal as JournalInfo).txId,
          type: (p.journal as JournalInfo).type,
          amount: p.amount,
          currency: p.currency,
          balanceAfter: p.balanceAfter,
          counterparty: p.counterpartyNumber ? { accountNumber: p.counterpartyNumber } : null,
          description: (p.journal as JournalInfo).description,
          createdAt: (p.journal as JournalInfo).createdAt,
        })),
        nextCursor: page.last ? codec.encode(binding, page.last) : null,
      },
    };
  },

  getTransaction: async ({ caller, params }) => {
    const postings = await ledger().journal(params.id);
    // The caller's own leg; for a transfer between two of their accounts, the debited one.
    const mine = postings
      .filter((p) => p.ownerId === caller.sub)
      .sort((a, b) => Number(a.amount) - Number(b.amount))[0];
    if (!mine) throw new BankError('not_found', 'No such transaction');
    return { body: viewOf(mine.journal as JournalInfo, caller.sub, Number(mine.balanceAfter)) };
  },
});
