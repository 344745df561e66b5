/**
 * The webhook dispatcher, a scheduled function: attempts every delivery that is due, concurrently,
 * each with its own 10-second deadline, and records each outcome (delivered, due again with backoff
 * and jitter, or dead). It keeps taking due deliveries while the Lambda has time left.
 */
import type { Context, ScheduledEvent } from 'aws-lambda';
import { logger } from '../api/logger.ts';
import { type DispatchResult, dispatchDue } from './deliver.ts';
import { eventsSettings, webhooks } from './events-context.ts';

export const handler = async (_event: ScheduledEvent, context: Context): Promise<DispatchResult> => {
  const s = eventsSettings();
  const result = await dispatchDue(webhooks(), {
    allowLoopbackHttp: s.allowLoopbackHttp,
    retryScale: s.retryScale,
    timeLeftMs: () => context.getRemainingTimeInMillis(),
    onError: (e) => logger.error('delivery not recorded', { error: (e as Error).message }),
  });
  if (result.attempted > 0) logger.info('dispatched', { ...result });
  return result;
};
