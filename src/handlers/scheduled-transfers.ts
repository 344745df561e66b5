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
import type { Run, ScheduleRecord, ScheduleStore } from '../store/schedules.ts';
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

/** Runs one schedule's due runs; returns what happened. */
const runSchedule = async (deps: RunnerDeps, ownerId: string, id: string, today: string, sum: RunSummary) => {
  const nowMs = deps.nowMs ?? Date.now;
  for (let guard = 0; guard < 1000; guard++) {
    const s = await deps.schedules.get(ownerId, id);
    if (s?.status === 'cancelled' && s.openRun) return settleOpenRun(deps, s, sum);
    if (s?.status !== 'active' || !s.nextRunDate || s.nextRunDate > today) return;
    const date = s.nextRunDate;
    const token = await deps.schedules.claim(s, date, nowMs());
    if (!token) {
      sum.skipped++;
      return;
    }
    const at = new Date(nowMs()).toISOString();
    let result: RunResult;
    let end: 'source_closed' | 'recipient_closed' | undefined;
    try {
      const source = await deps.accounts.get(ownerId, s.fromAccountId);
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
    await deps.schedules.finish(s, token, run, end ? { end } : undefined);
    if (run.outcome === 'succeeded') sum.succeeded++;
    else sum.failed++;
    if (end) {
      sum.ended++;
      return;
    }
  }
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

/**
 * Every due run on or before `today` (YYYY-MM-DD, UTC). A schedule that fails (a fault, not a decline),
 * that another runner holds, or that had no run to pay (the index lags) is passed over for the rest of
 * the invocation, and the pages after ask
 * the index for as many more: a page of schedules failing every time cannot hold up the ones behind
 * it (they are tried again at the next invocation), and a page another runner holds is not read again
 * and again while it works.
 */
export const runDue = async (deps: RunnerDeps, today: string): Promise<RunSummary> => {
  const sum: RunSummary = { succeeded: 0, failed: 0, ended: 0, skipped: 0, errors: 0 };
  const passed = new Set<string>();
  for (;;) {
    const asked = PAGE + passed.size;
    const listed = await deps.schedules.due(today, asked);
    const before = sum.succeeded + sum.failed + passed.size;
    for (const { ownerId, id } of listed) {
      if (passed.has(id)) continue;
      const done = sum.succeeded + sum.failed;
      try {
        await runSchedule(deps, ownerId, id, today, sum);
        // Passed over too when it paid or failed no run: held by another runner, or listed by an index
        // that lags (already run, ended, cancelled) or a cancelled run settled unpaid. Otherwise a page
        // of such entries did nothing, and the schedules behind it waited for the next invocation.
        if (sum.succeeded + sum.failed === done) passed.add(id);
      } catch (e) {
        passed.add(id);
        sum.errors++;
        logger.error('scheduled transfer failed, will retry', {
          scheduleId: id,
          error: (e as Error).message,
        });
      }
    }
    // Another page only if this one did something (the index may list what is already done).
    const moved = sum.succeeded + sum.failed + passed.size > before;
    if (listed.length < asked || !moved || passed.size > MAX_PASSED_OVER) return sum;
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
