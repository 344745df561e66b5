/**
 * How soon a hot recipient sees its money: issue 11 asks that a credit posted a moment later (a
 * deferred credit, src/store/ledger-settle.ts) be in the recipient's balance within 1 s offline.
 *
 * Measured as a customer would see it: from the moment the sender had its 201 (the bench's clock) to
 * the commit of the settlement that put the credit in the recipient's balance. The settler logs a line
 * as each settlement commits (`settled`, with the account's version after it: src/handlers/context.ts),
 * and a settled credit's posting carries the version it made (`seq`), so the credit was in the balance
 * by the first such line whose version reached it. The line is written once the commit has answered:
 * an upper bound, to the millisecond, on the same machine's clock, and the bench adds no load to see it.
 * A credit already in the balance when its sender had the 201 counts as 0.
 *
 * The journals' own stamps (`settledAt - createdAt`) are reported beside it, not as the goal: `createdAt`
 * is taken before the transfer's reads and its commit, so it counts the sender's own wait for its 201,
 * and `settledAt` is taken before the settlement commits, so it leaves out the settlement's wait.
 * A transfer credited at once has no `settledAt`: it was in the balance with its 201.
 */
import type { Db } from '../src/store/db.ts';
import { getMany } from '../src/store/db.ts';
import { historyBetween, historyKey, isPosting } from '../src/store/history.ts';
import * as keys from '../src/store/item-keys.ts';
import { logEntries } from './scenarios.ts';
import { percentile } from './stats.ts';

/** A transfer answered 201, and when (Date.now() as the answer arrived). */
export interface Posted {
  id: string;
  answeredAt: number;
}

/**
 * A settlement of the recipient's account: when it had committed, and the account's version after it;
 * from lines that carry them (the settler's since commit ed82891; `attempts` and `oldestMs` since
 * a0d1bf4), how many credits it folded in, its reads' and its transaction's ms, its attempts and its
 * oldest credit's wait (src/store/ledger-settle.ts `Settled`).
 */
export interface Sighting {
  at: number;
  version: number;
  settled?: number;
  readMs?: number;
  commitMs?: number;
  attempts?: number;
  oldestMs?: number;
}

/** The settler's own timings over a phase, from its log lines. */
export interface SettlerTimes {
  settlements: number;
  /** Credits per settlement. */
  creditsP50: number;
  creditsMax: number;
  /** Its reads (the account and its credits, side by side). */
  readP50Ms: number;
  readMaxMs: number;
  /** Its transaction, sent to answered: offline, mostly its wait in DynamoDB Local's queue. */
  commitP50Ms: number;
  commitMaxMs: number;
  /** Settlements that took more than one attempt (a race lost; lines before `attempts` count as one). */
  retried: number;
  /** The longest its oldest credit had waited when a settlement committed (absent from older lines). */
  oldestMaxMs?: number;
}

export interface Settlement {
  concurrency: number;
  /** Transfers the phase posted. */
  transfers: number;
  /** Of them, those whose credit was deferred and then settled. */
  deferred: number;
  /** Deferred credits not settled, or settled by no logged settlement, when the bench stopped waiting. */
  unsettled: number;
  /** Milliseconds from the sender's 201 to the commit of the settlement that put it in the balance. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** The journals' stamps, settledAt - createdAt (see the top of this module): for comparison. */
  stampedP50Ms: number;
  stampedMaxMs: number;
  /** The settler's timings (runs before this field have none; absent when no line carried them). */
  settler?: SettlerTimes;
}

const ms = (v: number) => (Number.isNaN(v) ? v : Math.round(v));

/**
 * The settlement of a phase: `journals` as read once settled (`id`, `createdAt`, `settledAt`,
 * `unsettled`), when each was answered (`posted`), the version each settled credit's posting made
 * (`seqs`, by journal id) and the account's settlements (`sightings`), in the order they committed.
 */
export const summarizeSettlement = (
  concurrency: number,
  journals: readonly Record<string, unknown>[],
  posted: readonly Posted[],
  seqs: ReadonlyMap<string, number>,
  sightings: readonly Sighting[],
): Settlement => {
  const answered = new Map(posted.map((p) => [p.id, p.answeredAt]));
  const settled = journals.filter((j) => typeof j.settledAt === 'string');
  const waited: number[] = [];
  let unseen = 0;
  for (const j of settled) {
    const seq = seqs.get(String(j.id));
    const answeredAt = answered.get(String(j.id));
    const seen = seq === undefined ? undefined : sightings.find((s) => s.version >= seq);
    if (!seen || answeredAt === undefined) {
      unseen++;
      continue;
    }
    waited.push(Math.max(0, seen.at - answeredAt));
  }
  const stamped = settled.map((j) => Date.parse(String(j.settledAt)) - Date.parse(String(j.createdAt)));
  const settler = settlerTimes(sightings);
  return {
    concurrency,
    transfers: journals.length,
    deferred: settled.length,
    unsettled: journals.filter((j) => j.unsettled === true).length + unseen,
    p50Ms: ms(percentile(waited, 50)),
    p99Ms: ms(percentile(waited, 99)),
    maxMs: ms(percentile(waited, 100)),
    stampedP50Ms: ms(percentile(stamped, 50)),
    stampedMaxMs: ms(percentile(stamped, 100)),
    ...(settler ? { settler } : {}),
  };
};

/** The settler's timings over the settlements whose lines carry them; undefined if none does. */
export const settlerTimes = (sightings: readonly Sighting[]): SettlerTimes | undefined => {
  type Timed = Sighting & Required<Pick<Sighting, 'settled' | 'readMs' | 'commitMs'>>;
  const timed = sightings.filter(
    (s): s is Timed => s.settled !== undefined && s.readMs !== undefined && s.commitMs !== undefined,
  );
  if (timed.length === 0) return undefined;
  const of = (pick: (s: Timed) => number, p: number) => ms(percentile(timed.map(pick), p));
  const oldest = timed.flatMap((s) => (s.oldestMs === undefined ? [] : [s.oldestMs]));
  return {
    settlements: timed.length,
    creditsP50: of((s) => s.settled, 50),
    creditsMax: of((s) => s.settled, 100),
    readP50Ms: of((s) => s.readMs, 50),
    readMaxMs: of((s) => s.readMs, 100),
    commitP50Ms: of((s) => s.commitMs, 50),
    commitMaxMs: of((s) => s.commitMs, 100),
    retried: timed.filter((s) => (s.attempts ?? 1) > 1).length,
    ...(oldest.length > 0 ? { oldestMaxMs: ms(percentile(oldest, 100)) } : {}),
  };
};

/** Reads again, `pollMs` apart, until `enough` says so or `waitMs` passed; gives the last read. */
const readUntil = async <T>(
  read: () => Promise<T>,
  enough: (v: T) => boolean,
  waitMs: number,
  pollMs: number,
): Promise<T> => {
  const deadline = Date.now() + waitMs;
  let v = await read();
  while (!enough(v) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, pollMs));
    v = await read();
  }
  return v;
};

/**
 * The settlements of an account as its settler logged them (JSON lines `settled` with `accountId`,
 * `version` and the logger's `timestamp`, and, where present, `settled`, `readMs` and `commitMs`, with
 * `attempts` and `oldestMs`), in the order they were written.
 */
export const settlementsLogged = (log: string, accountId: string): Sighting[] =>
  logEntries(log, 'settled')
    .filter(
      (e) => e.accountId === accountId && typeof e.version === 'number' && typeof e.timestamp === 'string',
    )
    .map((e) => ({
      at: Date.parse(e.timestamp as string),
      version: e.version as number,
      ...(typeof e.settled === 'number' && typeof e.readMs === 'number' && typeof e.commitMs === 'number'
        ? {
            settled: e.settled,
            readMs: e.readMs,
            commitMs: e.commitMs,
            ...(typeof e.attempts === 'number' ? { attempts: e.attempts } : {}),
            ...(typeof e.oldestMs === 'number' ? { oldestMs: e.oldestMs } : {}),
          }
        : {}),
    }));

/** The version each posting of an account made (`seq`), by journal id: its history (store/history.ts). */
export const postingSeqs = async (db: Db, table: string, accountId: string): Promise<Map<string, number>> => {
  const out = new Map<string, number>();
  const all = { lo: historyKey(''), hi: historyKey('\uffff') };
  for await (const e of historyBetween(db, table, accountId, all))
    if (isPosting(e) && typeof e.seq === 'number') out.set(String(e.journalId), e.seq);
  return out;
};

/**
 * Waits until none of the `posted` transfers' journals is unsettled (or `waitMs` passed), then
 * summarizes them with the settlements the stack's `log` shows for the recipient. The settler runs on
 * the stream, so the last credits of a phase settle just after it.
 */
export const measureSettlement = async (
  db: Db,
  table: string,
  concurrency: number,
  posted: readonly Posted[],
  recipient: { accountId: string; log: () => string },
  opts: { waitMs?: number; pollMs?: number } = {},
): Promise<Settlement> => {
  const ids = posted.map((p) => keys.journal(p.id));
  const journals = await readUntil(
    async () => (await getMany(db, table, ids)) ?? [],
    (js) => !js.some((j) => j.unsettled === true),
    opts.waitMs ?? 30_000,
    opts.pollMs ?? 100,
  );
  const seqs = await postingSeqs(db, table, recipient.accountId);
  // The settler logs a settlement just after it commits, and the line comes through the stack's
  // output a moment later: wait (a few seconds at most) for the line of the last settled credit.
  const last = Math.max(0, ...journals.filter((j) => j.settledAt).map((j) => seqs.get(String(j.id)) ?? 0));
  const sightings = await readUntil(
    async () => settlementsLogged(recipient.log(), recipient.accountId),
    (seen) => seen.some((x) => x.version >= last),
    5000,
    50,
  );
  return summarizeSettlement(concurrency, journals, posted, seqs, sightings);
};
