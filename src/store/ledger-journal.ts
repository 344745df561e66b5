/**
 * A journal item read back: what both sides of the ledger share. The write side (ledger.ts) reads a
 * journal to post, void, expire, refund or reverse it; the read side (ledger-read.ts) to show it. Kept
 * apart so that neither side's bundle carries the other (infra/bundling.test.ts).
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Journal } from '../domain/ledger.ts';
import type { Db } from './db.ts';
import * as keys from './item-keys.ts';
import { historyIndexes } from './table.ts';

/**
 * `fingerprint`: the request's, on a journal that is its movement's idempotency record (idempotency.ts);
 * the history indexes' keys and attributes (table.ts): a journal written again whole never carries them
 * over (only a pending journal, which has none, is).
 */
const INTERNAL = [
  'pk',
  'sk',
  'entity',
  'version',
  'gsi1pk',
  'gsi1sk',
  'refundable',
  'fingerprint',
  'expiredBy',
  ...historyIndexes.flatMap((i) => [i.partitionKey, i.sortKey, i.seq, i.counterparty]),
];
export const toJournal = (item: Record<string, unknown>): Journal & { version: number } => {
  const j = { ...item };
  for (const k of INTERNAL) delete j[k];
  return { ...(j as unknown as Journal), version: Number(item.version) };
};

/**
 * A journal as the write side reads it to write it again whole (post, void, expiry): with the
 * fingerprint of the request it is the idempotency record of, which the write must keep; and, on an
 * expired one, the mark of the call that expired it (LedgerEngine.expire), which no read shows.
 */
export type StoredJournal = Journal & { version: number; fingerprint?: string; expiredBy?: string };

const read = async (db: Db, table: string, id: string) => {
  const r = await db.send(new GetCommand({ TableName: table, Key: keys.journal(id), ConsistentRead: true }));
  return r.Item?.entity === 'journal' ? r.Item : undefined;
};

/**
 * A journal, read strongly consistent (never a 404 right after a 201). A record item at a journal's
 * key (a decline's, a post's...: idempotency.ts) is no journal.
 */
export const readJournal = async (
  db: Db,
  table: string,
  id: string,
): Promise<(Journal & { version: number }) | undefined> => {
  const item = await read(db, table, id);
  return item ? toJournal(item) : undefined;
};

/**
 * A journal and the account its credit side is posted on, as its history entry's key says (hist2's,
 * set in the transaction that posted that side): for unclaimed funds, the unclaimed shard they went
 * to, which the shard count of the moment would not name once it has been raised.
 */
export const readJournalCreditedOn = async (
  db: Db,
  table: string,
  id: string,
): Promise<{ journal: Journal & { version: number }; creditedOn?: string } | undefined> => {
  const item = await read(db, table, id);
  if (!item) return undefined;
  const creditedOn = keys.accountOfPosting(item[historyIndexes[1].partitionKey]);
  return { journal: toJournal(item), ...(creditedOn ? { creditedOn } : {}) };
};

/** A journal with the fingerprint it keeps (StoredJournal). */
export const readStoredJournal = async (
  db: Db,
  table: string,
  id: string,
): Promise<StoredJournal | undefined> => {
  const item = await read(db, table, id);
  if (!item) return undefined;
  return {
    ...toJournal(item),
    ...(item.fingerprint ? { fingerprint: String(item.fingerprint) } : {}),
    ...(item.expiredBy ? { expiredBy: String(item.expiredBy) } : {}),
  };
};
