/** The back office's ledger store, created once per cold start on first use (next to context.ts's). */
import { config } from '../config.ts';
import { AdminLedgerStore } from '../store/ledger-admin.ts';
import { accounts, db, idempotency } from './context.ts';

let store: AdminLedgerStore | undefined;

export const adminLedger = (): AdminLedgerStore => {
  const c = config();
  store ??= new AdminLedgerStore(db(), c.tableName, accounts(), idempotency(), {
    systemShards: c.systemShards,
    dailyLimit: c.dailyLimit,
    dailyDepositLimit: c.dailyDepositLimit,
  });
  return store;
};
