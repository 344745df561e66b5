/**
 * The scheduled-transfer runner (a `schedule` function): pays every run that is due on or before
 * today (UTC), each with the idempotency key `sched:{id}:{runDate}`.
 *
 * - Declined (insufficient funds, limit, frozen): a failed run is recorded with its error code and
 *   the schedule goes on to its next date. A closed (or gone) source account ends the schedule, and so
 *   does a closed recipient (`recipient_closed`): no later run could be paid, and a weekly schedule
 *   would otherwise fail, and tell its owner so, every week for years. A frozen recipient
 *   (`recipient_frozen`) may be unfrozen: the schedule goes on.
 * - An owner whose login the bank disabled (the SECURITY item every guard reads): nothing is paid, a
 *   failed run is recorded (`user_disabled`, the code the API answers them) and the schedule goes on
 *   to its next date, so that what someone set up with a stolen login stops paying the moment staff
 *   disable it, and runs missed meanwhile are not all paid at once after an enable (the owner then
 *   cancels what they did not set up).
 * - Anything else (DynamoDB busy, a timeout): the claim is given back and a later invocation retries
 *   with the same key.
 * - Runs missed while nothing ran (an outage) are paid on the next invocation, oldest first.
 *
 * "Today" is the invocation's clock: the EventBridge event's `time` on AWS (the real clock); offline,
 * `npm start` may shift it by BANK_CLOCK_OFFSET_DAYS; tests call runDue with any date.
 */
import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '../api/logger.ts';
import { dayOf } from '../domain/schedule.ts';
import type { AccountStore } from '../store/accounts.ts';
import type { LoginStatus } from '../store/login-status.ts';
import type { DueSchedule, Run, ScheduleRecord, ScheduleStore } from '../store/schedules.ts';
import { accounts, loginStatus } from './context.ts';
import { schedules } from './context-payments.ts';
import { declineRun, earlierRun, FENCED, payRun, type RunResult } from './ledger-adapter.ts';

export interface RunnerDeps {
  schedules: ScheduleStore;
  accounts: AccountStore;
  /** Pays one run through the ledger (payRun in ledger-adapter.ts): a decline is a result, not a throw. */
  pay: (s: ScheduleRecord, runDate: string) => Promise<RunResult>;
  /** What the ledger answered a run before, if anything (earlierRun in ledger-adapter.ts): read, never posted. */
  earlier: (s: ScheduleRecord, runDate: string) => Promise<RunResult | undefined>;
  /**
   * Records the run refused under its key, or answers what the key already holds (declineRun in
   * ledger-adapter.ts): a refusal every later attempt at the run replays.
   */
  decline: (s: ScheduleRecord, runDate: string, code: 'user_disabled' | typeof FENCED) => Promise<RunResult>;
  /** The owner's login status (context.ts `loginStatus`): a disabled owner's runs are not paid. */
  loginStatus: (ownerId: string) => Promise<Pick<LoginStatus, 'disabled'>>;
  /** Wall-clock milliseconds for claims (not the schedule's "today"). */
  nowMs?: () => number;
}

export interface RunSummary {
  succeeded: number;
  failed: number;
  ended: number;
  skipped: number;
  errors: number;
}

/** The record of a run the ledger answered `result`. */
const runOf = (result: RunResult, runDate: string, at: string): Run =>
  'transactionId' in result
    ? { runDate, outcome: 'succeeded', transactionId: result.transactionId, at }
    : { runDate, outcome: 'failed', errorCode: result.errorCode, at };

/**
 * One turn of a schedule the index listed for `listed.runDate`: pays its next run if that is due on or
 * before that date, and answers the date it is due again on or before today, if any. A schedule listed
 * for an earlier date than its next run (the index lags, or another runner paid it) pays nothing and
 * answers its own date, so that it takes its place behind older runs of other schedules.
 */
const runNext = async (
  deps: RunnerDeps,
  listed: DueSchedule,
  today: string,
  sum: RunSummary,
): Promise<string | undefined> => {
  const nowMs = deps.nowMs ?? Date.now;
  const { ownerId } = listed;
  const s = await deps.schedules.get(ownerId, listed.id);
  if (s?.status === 'cancelled' && s.openRun) {
    await settleOpenRun(deps, s, sum);
    return undefined;
  }
  if (s?.status !== 'active' || !s.nextRunDate || s.nextRunDate > today) return undefined;
  if (s.nextRunDate > listed.runDate) return s.nextRunDate;
  const date = s.nextRunDate;
  const token = await deps.schedules.claim(s, date, nowMs());
  if (!token) {
    sum.skipped++;
    return undefined;
  }
  const at = new Date(nowMs()).toISOString();
  let result: RunResult;
  let end: 'source_closed' | 'recipient_closed' | undefined;
  let fromAccountNumber: string | undefined;
  try {
    const source = await deps.accounts.get(ownerId, s.fromAccountId);
    fromAccountNumber = source?.number;
    const refusal =
      !source || source.status === 'closed'
        ? 'account_closed'
        : (await deps.loginStatus(ownerId)).disabled
          ? 'user_disabled'
          : undefined;
    // A runner that paid this run and died before recording it (its claim ran out): the run was
    // paid, whatever happened to the account or the login since, and is recorded so.
    // A disabled owner's refusal is recorded under the run's key, so that a runner after this one
    // (this one's record of the run failed, and its claim ran out) replays it, though the login may
    // have been enabled meanwhile, instead of paying what was refused (a closed source stays closed).
    if (refusal === 'user_disabled') result = await deps.decline(s, date, refusal);
    else {
      const earlier = refusal ? await deps.earlier(s, date) : undefined;
      result = earlier ?? (refusal ? { errorCode: refusal } : await deps.pay(s, date));
    }
    // A run keeps the ledger's code alone (not which side refused): with the source read active, it is
    // the recipient's, and a closed one ends the schedule (the run is recorded as failed first).
    if (
      !refusal &&
      'errorCode' in result &&
      result.errorCode === 'account_not_active' &&
      source?.status === 'active'
    ) {
      const recipient = await deps.accounts.findByNumber(s.toAccountNumber);
      if (recipient?.status === 'closed') result = { errorCode: 'recipient_closed' };
      else if (recipient?.status === 'frozen') result = { errorCode: 'recipient_frozen' };
    }
    // A closed source or recipient ends the schedule now, with this run recorded as it went.
    end =
      refusal === 'account_closed'
        ? 'source_closed'
        : 'errorCode' in result && result.errorCode === 'recipient_closed'
          ? 'recipient_closed'
          : undefined;
  } catch (e) {
    await deps.schedules.release(s, token);
    throw e;
  }
  const run = runOf(result, date, at);
  const { nextRunDate } = await deps.schedules.finish(s, token, run, {
    ...(end ? { end } : {}),
    ...(fromAccountNumber ? { fromAccountNumber } : {}),
  });
  if (run.outcome === 'succeeded') sum.succeeded++;
  else sum.failed++;
  if (end) sum.ended++;
  return nextRunDate && nextRunDate <= today ? nextRunDate : undefined;
};

/** The oldest-due entry of `queue`, taken out of it (the first listed of equals). */
const takeOldest = (queue: DueSchedule[]): DueSchedule => {
  let at = 0;
  for (let i = 1; i < queue.length; i++)
    if ((queue[i] as DueSchedule).runDate < (queue[at] as DueSchedule).runDate) at = i;
  return queue.splice(at, 1)[0] as DueSchedule;
};

/**
 * A schedule cancelled while a runner held a claim on its run (ScheduleStore.cancel): once that claim
 * is over, the run's key says whether the run was paid (or declined), and that is recorded; a run that
 * never reached the ledger is not. Never pays: the schedule is cancelled.
 *
 * The key is taken, not only read: a free key gets a refusal (FENCED). The runner whose claim ran out
 * may be alive, its payment still on its way to the ledger (a slow DynamoDB, retries): read only, the
 * key said "never paid", the schedule left the index, and that payment then went through with no run
 * to record it. Fenced, that payment replays the refusal.
 */
const settleOpenRun = async (deps: RunnerDeps, s: ScheduleRecord, sum: RunSummary) => {
  const date = s.openRun as string;
  const token = await deps.schedules.claimOpenRun(s, (deps.nowMs ?? Date.now)());
  if (!token) {
    sum.skipped++;
    return;
  }
  let earlier: RunResult | undefined;
  try {
    const taken = await deps.decline(s, date, FENCED);
    earlier = 'errorCode' in taken && taken.errorCode === FENCED ? undefined : taken;
  } catch (e) {
    await deps.schedules.release(s, token);
    throw e;
  }
  const at = new Date((deps.nowMs ?? Date.now)()).toISOString();
  await deps.schedules.settleOpenRun(s, token, earlier && runOf(earlier, date, at));
  if (!earlier) return;
  if ('transactionId' in earlier) sum.succeeded++;
  else sum.failed++;
};

/** Schedules asked of the due index at a time. */
const PAGE = 100;
/** The most schedules one invocation passes over: each later page asks the index for as many more. */
const MAX_PASSED_OVER = 1_000;
/** The most turns one schedule takes in a page (runs of a daily schedule 2 years and 9 months late). */
const MAX_TURNS = 1_000;

/**
 * Every due run on or before `today` (YYYY-MM-DD, UTC), oldest first across schedules: one run of a
 * schedule at a time, then it waits its turn at its next date, so that after an outage a weekly
 * schedule's later runs do not spend the money an older one-off run of the same customer was due
 * (schedule by schedule, they did: a review found it). A full page of the index pays runs up to the
 * date of its last entry, and the next page asks the index again from the oldest: runs of schedules
 * behind the page may be older than those the page's schedules reach; what is due after that date
 * is carried to the next page at its own date (the lagging index may still list it older), or to a
 * last pass when no page is left to read. A schedule that fails (a fault,
 * not a decline), that another runner holds, or that had no run to pay (the index lags) is passed over
 * for the rest of the invocation, and the pages after ask the index for as many more: a page of
 * schedules failing every time cannot hold up the ones behind it (they are tried again at the next
 * invocation), and a page another runner holds is not read again and again while it works.
 */
export const runDue = async (deps: RunnerDeps, today: string): Promise<RunSummary> => {
  const sum: RunSummary = { succeeded: 0, failed: 0, ended: 0, skipped: 0, errors: 0 };
  const passed = new Set<string>();
  /**
   * Pays the queue's runs up to `last`, oldest first; answers the schedules due again after `last`,
   * whose turn comes with a later page (or the last pass).
   */
  const drain = async (queue: DueSchedule[], last: string): Promise<DueSchedule[]> => {
    const later: DueSchedule[] = [];
    const turns = new Map<string, number>();
    while (queue.length > 0) {
      const e = takeOldest(queue);
      if (e.runDate > last) {
        later.push(e);
        continue;
      }
      const done = sum.succeeded + sum.failed;
      try {
        const next = await runNext(deps, e, today, sum);
        const ran = sum.succeeded + sum.failed > done;
        const n = (turns.get(e.id) ?? 0) + 1;
        turns.set(e.id, n);
        if (next && next <= last && n < MAX_TURNS) queue.push({ ...e, runDate: next });
        // Due after this page's last date: a later page, or the last pass, pays it in its turn. (A
        // schedule the lagging index listed for an older date must not be passed over for this: a
        // review found its run of today left to the next invocation.)
        else if (next && next > last) later.push({ ...e, runDate: next });
        // Passed over when it paid or failed no run and is not due again: held by another runner, or
        // listed by an index that lags (already run, ended, cancelled) or a cancelled run settled
        // unpaid. Otherwise a page of such entries did nothing, and the schedules behind it waited for
        // the next invocation.
        else if (!ran) passed.add(e.id);
      } catch (error) {
        passed.add(e.id);
        sum.errors++;
        logger.error('scheduled transfer failed, will retry', {
          scheduleId: e.id,
          error: (error as Error).message,
        });
      }
    }
    return later;
  };
  let carried: DueSchedule[] = [];
  for (;;) {
    const asked = PAGE + passed.size;
    const listed = await deps.schedules.due(today, asked);
    const last = listed.length < asked ? today : (listed.at(-1)?.runDate ?? today);
    const before = sum.succeeded + sum.failed + passed.size;
    // What a page before carried over is known due at its own date; the index may list it older.
    const known = new Set(carried.map((e) => e.id));
    const queue = [...listed.filter((e) => !passed.has(e.id) && !known.has(e.id)), ...carried];
    carried = await drain(queue, last);
    // Another page only if this one did something (the index may list what is already done).
    const moved = sum.succeeded + sum.failed + passed.size > before;
    if (listed.length < asked || !moved || passed.size > MAX_PASSED_OVER) {
      // A last pass for what is due after the last page read, to today.
      if (carried.length > 0) await drain(carried, today);
      return sum;
    }
  }
};

export const handler = async (event: Partial<ScheduledEvent>): Promise<RunSummary> => {
  const time = event.time ? new Date(event.time) : new Date();
  const today = dayOf(Number.isNaN(time.getTime()) ? new Date() : time);
  const summary = await runDue(
    {
      schedules: schedules(),
      accounts: accounts(),
      pay: payRun,
      earlier: earlierRun,
      decline: declineRun,
      loginStatus,
    },
    today,
  );
  // Every invocation on AWS (each 15 minutes) is worth a line; offline it runs every few seconds.
  const busy = summary.succeeded + summary.failed + summary.skipped + summary.errors > 0;
  if (busy) logger.info('scheduled transfers', { today, ...summary });
  else logger.debug('scheduled transfers: none due', { today });
  return summary;
};
