/**
 * The caller's saved payees, read: what the history's counterparty names need. A module of its own so
 * that the account readers (accounts-read) carry the list and not the payee store's writes and
 * confirmation of payee (src/store/payees.ts).
 */
import { MAX_OPEN_ACCOUNTS } from '../domain/account.ts';
import type { Match } from '../domain/payees.ts';
import type { AccountReader } from './accounts.ts';
import { type Db, queryAll } from './db.ts';
import { paymentKeys } from './keys.ts';

export interface Payee {
  id: string;
  name: string;
  accountNumber: string;
  /** The match when it was saved. */
  match: Match;
  createdAt: string;
}

export const toPayee = (i: Record<string, unknown>): Payee => ({
  id: i.id as string,
  name: i.name as string,
  accountNumber: i.accountNumber as string,
  match: i.match as Match,
  createdAt: i.createdAt as string,
});

/**
 * The caller's payees, by name: read strongly consistent (queryAll's default), so a payee saved or
 * deleted a moment ago is in or out of the list as GET /v1/payees/{id} says.
 */
export const listPayees = async (db: Db, table: string, sub: string): Promise<Payee[]> => {
  const { pk, skPrefix } = paymentKeys.payeesOf(sub);
  const items = await queryAll(db, table, pk, skPrefix);
  return items.map(toPayee).sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
};

/** Names for history counterparties: the caller's payees by account number. */
export interface PayeeNames {
  namesByNumber(sub: string): Promise<Map<string, string>>;
}

export const payeeNames = (db: Db, table: string): PayeeNames => ({
  namesByNumber: async (sub) =>
    new Map((await listPayees(db, table, sub)).map((p) => [p.accountNumber, p.name])),
});

/**
 * Names for a history's counterparties, by account number: the caller's payees, and the caller's own
 * accounts by nickname (their type when they have none), which win over a payee of the same number.
 */
export const counterpartyNames = async (
  payees: PayeeNames,
  accounts: AccountReader,
  sub: string,
): Promise<Map<string, string>> => {
  // A customer has at most MAX_OPEN_ACCOUNTS open accounts: one page holds them all.
  const [names, own] = await Promise.all([
    payees.namesByNumber(sub),
    accounts.list(sub, { closed: false, limit: MAX_OPEN_ACCOUNTS }),
  ]);
  for (const a of own.items) names.set(a.number, a.nickname ?? a.type);
  return names;
};
