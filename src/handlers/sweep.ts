/**
 * The sweeper: a scheduled function that expires pending transfers past their time, releasing their
 * holds and giving them back to the daily limit. On AWS a schedule runs it every minute; offline,
 * `npm start` runs it every BANK_SWEEP_SECONDS. Reads never count an expired hold even before it
 * runs (see domain/account.ts heldAt), so the sweeper only tidies the stored figures.
 */
import type { Context, ScheduledEvent } from 'aws-lambda';
import { logger } from '../api/logger.ts';
import { withDeadline } from '../store/retry.ts';
import { ledger } from './context.ts';

export const handler = async (
  event: ScheduledEvent,
  context?: Context,
): Promise<{ expired: number; seen: number }> => {
  const run = () => ledger().expireDue(new Date());
  const started = Date.now();
  const result = context
    ? await withDeadline(Date.now() + context.getRemainingTimeInMillis(), run)
    : await run();
  logger.info('sweep', { ...result, durationMs: Date.now() - started, eventId: event?.id });
  return result;
};
