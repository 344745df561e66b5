/**
 * The sweeper: a scheduled function that expires pending transfers past their time, releasing their
 * holds and giving them back to the daily limit. On AWS a schedule runs it every minute; offline,
 * `npm start` runs it every BANK_SWEEP_SECONDS. Reads never count an expired hold even before it
 * runs (see domain/account.ts heldAt), so the sweeper only tidies the stored figures. It also settles
 * deferred credits (hot recipients) older than a few seconds that the settler did not.
 *
 * A pending transfer that fails to expire (an error that is not a lost race or a throttle: those
 * `expire` retries) does not stop the others, nor the settlement: each failure is logged, all the
 * work is done, and then the run fails, so that the function's Errors alarm (infra/monitoring.ts)
 * tells on-call, Lambda retries the run twice (every step is idempotent) and a run that still fails
 * lands in the dead-letter queue. Credits that cannot settle now (a busy or closed account) are
 * logged and left for the next run, as before: they do not fail the run. A closed account's credit
 * whose sender cannot take it back is logged as the settler logs it (CREDIT_LEFT_UNSETTLED), which
 * pages: every run logs it again until it is returned.
 *
 * While a deployed table may still hold webhook deliveries due in gsi1 (as all were until 2026-12-07),
 * each run also moves up to LEGACY_DUE_PER_RUN of them to the delivery index the dispatcher reads
 * (src/store/webhooks.ts moveLegacyDueDeliveries); a failure there is logged and fails the run too,
 * after the rest.
 */
import type { Context, ScheduledEvent } from 'aws-lambda';
import { logger } from '../api/logger.ts';
import { config } from '../config.ts';
import type { LedgerStore } from '../store/ledger.ts';
import { CREDIT_LEFT_UNSETTLED } from '../store/ledger-settle.ts';
import { withDeadline } from '../store/retry.ts';
import { moveLegacyDueDeliveries } from '../store/webhooks.ts';
import { db, ledger, settler } from './context.ts';

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export const handler = async (
  event: ScheduledEvent,
  context?: Context,
): Promise<{ expired: number; seen: number; settled: number }> => {
  const run = async () => {
    const now = new Date();
    // Holds first: releasing expired holds never waits on a busy account's credits.
    let expiry: Awaited<ReturnType<LedgerStore['expireDue']>> = { expired: 0, seen: 0, failed: [] };
    let stopped: unknown;
    try {
      expiry = await ledger().expireDue(now);
    } catch (e) {
      // The pending transfers could not be listed: the settlement still runs, the run fails below.
      stopped = e;
      logger.error('expiry pass stopped', { error: message(e) });
    }
    for (const f of expiry.failed) logger.error('pending transfer not expired', f);
    // Credits the settler missed (a crash, a record sent to the on-failure queue): settled here. An
    // account that cannot settle now is logged and left for the next run; the others go on. A closed
    // account's credits whose senders cannot take them back are logged one by one, as the settler logs
    // them (CREDIT_LEFT_UNSETTLED, alarmed on: infra/monitoring.ts).
    const { settled, failed } = await settler().settleDue(now);
    for (const { credits, ...f } of failed) {
      if (credits) for (const c of credits) logger.error(CREDIT_LEFT_UNSETTLED, c);
      else logger.error('credits not settled', f);
    }
    let movedDeliveries = 0;
    let notMoved: unknown;
    try {
      movedDeliveries = (await moveLegacyDueDeliveries(db(), config().tableName)).moved;
    } catch (e) {
      notMoved = e;
      logger.error('deliveries due in gsi1 not moved', { error: message(e) });
    }
    return {
      result: { expired: expiry.expired, seen: expiry.seen, settled },
      notExpired: expiry.failed.length,
      notSettled: failed.length,
      movedDeliveries,
      notMoved,
      stopped,
    };
  };
  const started = Date.now();
  const { result, notExpired, notSettled, movedDeliveries, notMoved, stopped } = context
    ? await withDeadline(Date.now() + context.getRemainingTimeInMillis(), run)
    : await run();
  logger.info('sweep', {
    ...result,
    notExpired,
    notSettled,
    ...(movedDeliveries > 0 ? { movedDeliveries } : {}),
    ...(stopped === undefined ? {} : { expiryStopped: true }),
    durationMs: Date.now() - started,
    eventId: event?.id,
  });
  if (stopped !== undefined) throw stopped;
  if (notExpired > 0) {
    throw new Error(`${notExpired} pending transfer(s) past their time could not be expired (logged above)`);
  }
  if (notMoved !== undefined) throw notMoved;
  return result;
};
