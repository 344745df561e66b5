/**
 * Scheduled functions offline. On AWS an EventBridge rule invokes each `schedule` function of the
 * registry (src/functions.ts) at its rate; `npm start` invokes the same handlers with a real-shaped
 * ScheduledEvent every BANK_SWEEP_SECONDS (default 5) instead, so that expiry and other sweeps are
 * visible within seconds.
 *
 * Differences from AWS, on purpose: runs never overlap (a tick that finds the previous run still
 * going is skipped), and a failed run is reported and not retried (EventBridge retries twice); the
 * handlers are idempotent either way.
 */
import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';
import { functionsWith } from '../functions.ts';
import { contextFor, type LambdaHandler, loadHandler } from './functions.ts';
import { LOCAL_ACCOUNT_ID } from './lambda-event.ts';

export interface SchedulerOptions {
  intervalMs: number;
  region: string;
  /** Handlers by function name; others are imported from the registry's entries. */
  handlers?: Record<string, LambdaHandler>;
  /** Which functions to run (default: every `schedule` function of the registry). */
  functions?: string[];
  onError?: (fn: string, e: unknown) => void;
  /** Called after each tick's runs (tests wait on it). */
  onTick?: (tick: number) => void;
  now?: () => Date;
}

export interface Scheduler {
  /** Runs every scheduled function once, now. */
  runOnce(): Promise<void>;
  stop(): Promise<void>;
}

/** The event EventBridge sends for a scheduled rule. */
export const scheduledEvent = (fn: string, region: string, time: Date): ScheduledEvent => ({
  version: '0',
  id: randomUUID(),
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: LOCAL_ACCOUNT_ID,
  time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  region,
  resources: [`arn:aws:events:${region}:${LOCAL_ACCOUNT_ID}:rule/${fn}-schedule`],
  detail: {},
});

export const startScheduler = (opts: SchedulerOptions): Scheduler => {
  const names = opts.functions ?? functionsWith('schedule').map((f) => f.name);
  const now = opts.now ?? (() => new Date());
  const onError = opts.onError ?? ((fn, e) => console.error(`[scheduler] ${fn} failed`, e));
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let ticks = 0;

  const runAll = async (): Promise<void> => {
    for (const fn of names) {
      try {
        const handler = opts.handlers?.[fn] ?? (await loadHandler(fn));
        await handler(scheduledEvent(fn, opts.region, now()), contextFor(fn, opts.region));
      } catch (e) {
        onError(fn, e);
      }
    }
  };

  const runOnce = (): Promise<void> => {
    running ??= runAll().finally(() => {
      running = undefined;
    });
    return running;
  };

  const schedule = (): void => {
    if (stopped || names.length === 0) return;
    timer = setTimeout(() => {
      void runOnce().then(() => {
        opts.onTick?.(++ticks);
        schedule();
      });
    }, opts.intervalMs);
    timer.unref();
  };
  schedule();

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
};
