/**
 * The webhook dispatcher, a scheduled function: attempts every delivery that is due, concurrently,
 * each with its own 10-second deadline (DNS included), and records each outcome (delivered, due again
 * with backoff and jitter, or dead). Lanes are shared fairly: one attempt in flight per endpoint,
 * round-robin by customer and no customer more than a fair share, and an endpoint that runs into its
 * deadline is sent nothing more in the run (deliver.ts). It keeps taking due deliveries while the
 * Lambda has time left.
 */
import type { Context, ScheduledEvent } from 'aws-lambda';
import { logger } from '../api/logger.ts';
import { config } from '../config.ts';
import { type DispatchResult, dispatchDue } from './deliver.ts';
import { webhooks } from './events-context.ts';

export const handler = async (_event: ScheduledEvent, context: Context): Promise<DispatchResult> => {
  const s = config();
  const result = await dispatchDue(webhooks(), {
    allowLoopbackHttp: s.webhookAllowLoopback,
    retryScale: s.webhookRetryScale,
    timeLeftMs: () => context.getRemainingTimeInMillis(),
    onError: (e) => logger.error('delivery not recorded', { error: (e as Error).message }),
  });
  if (result.attempted > 0) logger.info('dispatched', { ...result });
  return result;
};
