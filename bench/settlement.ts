/**
 * How soon a hot recipient sees its money: issue 11 asks that a credit posted a moment later (a
 * deferred credit, src/store/ledger-settle.ts) be in the recipient's balance within 1 s offline. For
 * each transfer a phase posted, its journal says when it was written (`createdAt`) and, for a deferred
 * credit, when the settler folded it into the account's balance (`settledAt`, in the same transaction
 * as the balance): the difference, both on the stack's clock, is how long the credit was `incoming`.
 * A transfer credited at once has no `settledAt`: it was in the balance with its 201.
 */
import type { Db } from '../src/store/db.ts';
import { getMany } from '../src/store/db.ts';
import { keys } from '../src/store/keys.ts';
import { percentile } from './stats.ts';

export interface Settlement {
  concurrency: number;
  /** Transfers the phase posted. */
  transfers: number;
  /** Of them, those whose credit was deferred and then settled. */
  deferred: number;
  /** Deferred credits still not settled when the bench stopped waiting (`waitMs`). */
  unsettled: number;
  /** Milliseconds from the transfer to its credit in the balance, over the deferred ones. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** The settlement of journals as read: `createdAt`, `settledAt` and `unsettled` of each. */
export const summarizeSettlement = (
  concurrency: number,
  journals: readonly Record<string, unknown>[],
): Settlement => {
  const waited = journals
    .filter((j) => typeof j.settledAt === 'string')
    .map((j) => Date.parse(String(j.settledAt)) - Date.parse(String(j.createdAt)));
  const ms = (v: number) => (Number.isNaN(v) ? v : Math.round(v));
  return {
    concurrency,
    transfers: journals.length,
    deferred: waited.length,
    unsettled: journals.filter((j) => j.unsettled === true).length,
    p50Ms: ms(percentile(waited, 50)),
    p99Ms: ms(percentile(waited, 99)),
    maxMs: ms(percentile(waited, 100)),
  };
};

/**
 * Reads the journals of `ids` until none is unsettled (or `waitMs` passed), then summarizes them. The
 * settler runs on the stream, so the last credits of a phase settle just after it.
 */
export const measureSettlement = async (
  db: Db,
  table: string,
  concurrency: number,
  ids: readonly string[],
  opts: { waitMs?: number; pollMs?: number } = {},
): Promise<Settlement> => {
  const deadline = Date.now() + (opts.waitMs ?? 30_000);
  const read = async () => (await getMany(db, table, ids.map(keys.journal))) ?? [];
  let journals = await read();
  while (journals.some((j) => j.unsettled === true) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 100));
    journals = await read();
  }
  return summarizeSettlement(concurrency, journals);
};
