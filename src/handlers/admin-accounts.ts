/**
 * Bank staff's reads: any customer's account (by id or number), its history (paged as the customer's
 * is, by the same code) and any transaction with both sides. The admin guard (createHandler) has
 * already refused anyone who is not staff.
 */
import { createHandler } from '../api/http.ts';
import { routes } from '../api/routes/admin-accounts.ts';
import { adminTransactionView } from '../api/transactions.ts';
import { noSuchTransaction } from '../domain/errors.ts';
import { journalAt } from '../domain/ledger.ts';
import { adminAccount, anyAccount, anyAccountByNumber } from '../store/ledger-admin.ts';
import { accountReader, ledgerReader } from './context.ts';
import { guard } from './gate.ts';
import { historyPage } from './history.ts';
import { staffOnly } from './staff.ts';

export const handler = createHandler(
  routes,
  staffOnly({
    adminGetAccount: async ({ params }) => ({
      body: adminAccount(await anyAccount(accountReader(), params.id)),
    }),

    adminGetAccountByNumber: async ({ params }) => ({
      body: adminAccount(await anyAccountByNumber(accountReader(), params.number)),
    }),

    adminHistory: async ({ caller, params, query }) => {
      return historyPage(caller.sub, await anyAccount(accountReader(), params.id), query);
    },

    adminGetTransaction: async ({ params }) => {
      const j = await ledgerReader().getJournal(params.id);
      if (!j) throw noSuchTransaction();
      return { body: adminTransactionView(journalAt(j, new Date())) };
    },
  }),
  { guard },
);
