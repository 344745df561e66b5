import { createHandler } from '../api/http.ts';
import { invalidQuery, utc } from '../api/query-instants.ts';
import { routes } from '../api/routes/accounts-read.ts';
import { transactionView, visibleTo } from '../api/transactions.ts';
import { config } from '../config.ts';
import { noSuchTransaction } from '../domain/errors.ts';
import { journalAt, utcDay } from '../domain/ledger.ts';
import { currencyCodes } from '../domain/money.ts';
import { publicAccount } from '../store/accounts.ts';
import { withIncoming } from '../store/ledger-settle.ts';
import { counterpartyNames, payeeNames } from '../store/payee-list.ts';
import { accountReader, cursors, db, ledgerReader } from './context.ts';
import { customerGuard } from './gate.ts';
import { historyPage } from './history.ts';

/**
 * The caller's account and its unsettled credits, read consistent with each other. A closed account's
 * are going back to their senders (store/ledger-return.ts): none is on its way to it.
 */
const accountWithIncoming = async (owner: string, id: string) => {
  const account = await accountReader().mustGet(owner, id);
  if (account.status === 'closed') return { account, incoming: 0 };
  return withIncoming(db(), config().tableName, account, () => accountReader().mustGet(owner, id));
};

export const handler = createHandler(
  routes,
  {
    listAccounts: async ({ caller, query }) => {
      const closed = query.status === 'closed';
      const binding = { user: caller.sub, account: '*', filter: closed ? 'closed' : 'open' };
      const codec = await cursors();
      const start = query.cursor ? codec.decode(query.cursor, binding) : undefined;
      const page = await accountReader().list(caller.sub, { closed, limit: query.limit ?? 25, start });
      return { body: { items: page.items, nextCursor: page.last ? codec.encode(binding, page.last) : null } };
    },

    getAccount: async ({ caller, params }) => {
      const { account: a, incoming } = await accountWithIncoming(caller.sub, params.id);
      // Present when something is on its way (hot-recipient credits not settled yet): additive.
      return { body: { ...publicAccount(a), ...(incoming ? { incoming } : {}) } };
    },

    getBalance: async ({ caller, params, query }) => {
      const now = new Date();
      const at = utc(query.at, 'at');
      if (at === undefined) {
        const { account, incoming } = await accountWithIncoming(caller.sub, params.id);
        const { id: accountId, currency, balance, held, available } = account;
        return {
          body: {
            accountId,
            currency,
            balance,
            held,
            available,
            ...(incoming ? { incoming } : {}),
            asOf: now.toISOString(),
          },
        };
      }
      if (Date.parse(at) > now.getTime()) throw invalidQuery('query.at', 'must not be in the future');
      const a = await accountReader().mustGet(caller.sub, params.id);
      // Before the account was opened it held nothing; after its last posting, what it holds now.
      const balance = at < a.createdAt ? 0 : await ledgerReader().balanceAsOf(a, at);
      return { body: { accountId: a.id, currency: a.currency, at, balance } };
    },

    history: async ({ caller, params, query }) => {
      const account = await accountReader().mustGet(caller.sub, params.id);
      // Counterparties named by the caller's payees and own accounts' nicknames.
      return historyPage(caller.sub, account, query, () =>
        counterpartyNames(payeeNames(db(), config().tableName), accountReader(), caller.sub),
      );
    },

    getTransaction: async ({ caller, params }) => {
      // A strongly consistent read of the journal item: never a 404 right after the 201.
      const j = await ledgerReader().getJournal(params.id);
      if (!j || !visibleTo(j, caller.sub)) throw noSuchTransaction();
      return { body: transactionView(journalAt(j, new Date()), caller.sub) };
    },

    getLimits: async ({ caller }) => {
      const now = new Date();
      const day = utcDay(now);
      const used = await ledgerReader().outgoingOn(caller.sub, day, now);
      const limit = ledgerReader().dailyLimit;
      const outgoing = currencyCodes.map((currency) => {
        const u = used.get(currency) ?? 0;
        return { currency, limit, used: u, remaining: Math.max(0, limit - u) };
      });
      const resetsAt = new Date(`${day}T00:00:00.000Z`);
      resetsAt.setUTCDate(resetsAt.getUTCDate() + 1);
      return { body: { day, resetsAt: resetsAt.toISOString(), outgoing } };
    },
  },
  { guard: customerGuard },
);
