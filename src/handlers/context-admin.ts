/**
 * The back office's ledger (its actions, not the customer's movements), created once per cold start on
 * first use (next to context.ts's).
 */
import { config } from '../config.ts';
import { StaffLedger } from '../store/ledger-admin.ts';
import { accounts, db, idempotency } from './context.ts';

let store: StaffLedger | undefined;

export const adminLedger = (): StaffLedger => {
  const c = config();
  store ??= new StaffLedger(db(), c.tableName, accounts(), idempotency(), {
    systemShards: c.systemShards,
    dailyLimit: c.dailyLimit,
    dailyDepositLimit: c.dailyDepositLimit,
  });
  return store;
};
