/**
 * The sweeper: a scheduled function that expires pending transfers past their time, releasing their
 * holds and giving them back to the daily limit. On AWS a schedule runs it every minute; offline,
 * `npm start` runs it every BANK_SWEEP_SECONDS. Reads never count an expired hold even before it
 * runs (see domain/account.ts heldAt), so the sweeper only tidies the stored figures. It also settles
 * deferred credits (hot recipients) older than a few seconds that the settler did not.
 */
import type { Context, ScheduledEvent } from 'aws-lambda';
import { logger } from '../api/logger.ts';
import { withDeadline } from '../store/retry.ts';
import { ledger, settler } from './context.ts';

export const handler = async (
  event: ScheduledEvent,
  context?: Context,
): Promise<{ expired: number; seen: number; settled: number }> => {
  const run = async () => {
    const now = new Date();
    // Holds first: releasing expired holds never waits on a busy account's credits.
    const expired = await ledger().expireDue(now);
    // Credits the settler missed (a crash, a record sent to the on-failure queue): settled here. An
    // account that cannot settle now is logged and left for the next run; the others go on.
    const { settled, failed } = await settler().settleDue(now);
    for (const f of failed) logger.error('credits not settled', f);
    return { ...expired, settled };
  };
  const started = Date.now();
  const result = context
    ? await withDeadline(Date.now() + context.getRemainingTimeInMillis(), run)
    : await run();
  logger.info('sweep', { ...result, durationMs: Date.now() - started, eventId: event?.id });
  return result;
};
