/**
 * A scheduled transfer's failed runs and end, in plain words. A run fails with one of the API's error
 * codes (the ledger's decline, in MESSAGES) or with one the runner gives itself
 * (src/handlers/scheduled-transfers.ts): those are here.
 *
 * The bank counts every run in `runsDone`, failed ones too, and ends a schedule `completed` after its
 * last run whatever that run's outcome: what was sent and what failed is said from the runs themselves
 * (newest first, the newest RUNS_SHOWN of them), never as "done".
 */
import type { Limits, Schedule } from './api-money.ts';
import { MESSAGES } from './errors.ts';
import { type Currency, formatMoney } from './money.ts';

/** The codes the runner records of its own (not answers of the API). */
export const RUN_FAILURES: Record<string, string> = {
  account_closed: 'The account it pays from is closed.',
  recipient_closed: 'The account it pays is closed.',
  recipient_frozen: 'The account it pays cannot receive payments at the moment.',
};

/** Why a run failed: the runner's own code, else the API's, else a general sentence. */
export const runFailureText = (code: string): string =>
  RUN_FAILURES[code] ?? (MESSAGES as Record<string, string>)[code] ?? 'It could not be sent.';

/**
 * Why an ended schedule ended. `completed` only says its last run is behind it: `endText` words it from
 * the runs, and this is said only of a schedule whose runs are not shown.
 */
export const ENDED: Record<NonNullable<Schedule['endReason']>, string> = {
  completed: 'It has no more transfers to make.',
  source_closed: 'The account it pays from was closed.',
  recipient_closed: 'The account it pays was closed.',
};

type Runs = Pick<Schedule, 'runsDone' | 'runs'>;

/**
 * What the runs shown say: how many were sent and how many failed, and whether they are all the
 * schedule's runs (`runsDone` counts every one; the bank shows the newest RUNS_SHOWN).
 */
export const tally = (s: Runs): { sent: number; failed: number; shown: number; all: boolean } => {
  const runs = s.runs ?? [];
  const sent = runs.filter((r) => r.outcome === 'succeeded').length;
  return { sent, failed: runs.length - sent, shown: runs.length, all: runs.length >= s.runsDone };
};

const transfers = (n: number) => `${n} transfer${n === 1 ? '' : 's'}`;

/**
 * The transfers of a schedule with a count: "2 of 3 sent, 1 failed". A failed one is never counted
 * as sent (nor as done): `runsDone` counts it.
 */
export const countText = (s: Runs & { count: number }): string => {
  const t = tally(s);
  if (!t.all)
    return `${s.runsDone} of ${s.count} due so far; of the last ${t.shown}, ${t.sent} sent, ${t.failed} failed`;
  return `${t.sent} of ${s.count} sent${t.failed ? `, ${t.failed} failed` : ''}`;
};

/**
 * How an ended schedule ended, in words. Ended `completed`, from its runs: whether its transfers were
 * sent, and, when its last one failed, when that was due and why it failed. `day` writes a run's date
 * as the screen does.
 */
export const endText = (
  s: Runs & { endReason?: Schedule['endReason'] },
  day: (date: string) => string,
): string | undefined => {
  if (!s.endReason) return undefined;
  if (s.endReason !== 'completed') return ENDED[s.endReason];
  const last = s.runs?.[0];
  if (!last) return ENDED.completed;
  const lastFailed = last.outcome === 'failed';
  const why = runFailureText(last.errorCode ?? '');
  if (s.runsDone <= 1)
    return lastFailed
      ? `Its transfer, due on ${day(last.runDate)}, failed, so nothing was sent. ${why}`
      : `Its transfer, due on ${day(last.runDate)}, was sent.`;
  const t = tally(s);
  const counts = t.all
    ? t.failed === 0
      ? `All ${t.sent} of its transfers were sent.`
      : t.sent === 0
        ? `None of its ${transfers(s.runsDone)} was sent.`
        : `Of its ${transfers(s.runsDone)}, ${t.sent} ${t.sent === 1 ? 'was' : 'were'} sent and ${t.failed} failed.`
    : t.failed === 0
      ? `All of its last ${transfers(t.shown)} (of ${s.runsDone}) were sent.`
      : `Of its last ${transfers(t.shown)} (of ${s.runsDone}), ${t.sent} ${t.sent === 1 ? 'was' : 'were'} sent and ${t.failed} failed.`;
  return lastFailed ? `${counts} The last, due on ${day(last.runDate)}, failed. ${why}` : counts;
};

/**
 * A schedule refused for the daily limit. Each of its runs is one transfer, which may never be more
 * than the whole limit (not only what is left of it today): a smaller amount is the way on, never
 * "tomorrow". With the limit in `currency` when it is known.
 */
export const scheduleLimitText = (limits: Limits | undefined, currency: Currency): string => {
  const limit = limits?.outgoing.find((l) => l.currency === currency)?.limit;
  return `Each scheduled transfer must be no more than your daily limit${limit === undefined ? '' : ` of ${formatMoney(limit, currency)}`}. Choose a smaller amount.`;
};

/**
 * A cancelled schedule's run that may have been paid (`openRun`): one a runner was making when it was
 * cancelled, or one due on or before the day of the cancel that no runner held (a runner whose answer
 * from the ledger was lost may have paid it). The bank settles it on a later pass of the runner (every
 * 15 minutes): recorded under Runs if the ledger made (or refused) it, and nothing more if not.
 */
export const openRunText = (date: string): string =>
  `The transfer due on ${date} may have been made, or may still be made: it was due when this was cancelled. The bank is checking: if it is made, it will show under Runs, usually within 15 minutes. No later transfers will be made.`;
