/**
 * A closed-loop load generator: `concurrency` workers, each starting its next operation as soon as
 * the previous one answers, for a fixed time. Operations started before the deadline are waited for.
 */
import { performance } from 'node:perf_hooks';
import { type LatencySummary, summarize } from './stats.ts';

/** What one operation ended with. `outcome` names it for the tally: `201`, `422 insufficient_funds`, … */
export interface OpResult {
  ok: boolean;
  outcome: string;
  /** A decline the scenario allows (422): counted apart, neither throughput nor error. */
  expected?: boolean;
  /** Attempts beyond the first (raw DynamoDB conflicts retried by the bench). */
  retries?: number;
}

export type Operation = (worker: number, seq: number) => Promise<OpResult>;

export interface LoadResult {
  concurrency: number;
  /** From the first start to the last answer. */
  elapsedMs: number;
  /** Successful operations. */
  ok: number;
  /** Successful operations per second. */
  tps: number;
  /** Latency of the successful operations, milliseconds. */
  latency: LatencySummary;
  /** Every outcome and how often. */
  outcomes: Record<string, number>;
  expected: number;
  errors: number;
  retries: number;
}

const nameOf = (e: unknown): string => (e as { name?: string })?.name || 'Error';

export const runLoad = async (opts: {
  concurrency: number;
  durationMs: number;
  op: Operation;
  /** The clock, milliseconds: `performance.now` unless a test drives its own. */
  now?: () => number;
}): Promise<LoadResult> => {
  const now = opts.now ?? (() => performance.now());
  const latencies: number[] = [];
  const outcomes: Record<string, number> = {};
  let ok = 0;
  let expected = 0;
  let errors = 0;
  let retries = 0;
  const start = now();
  const deadline = start + opts.durationMs;
  const worker = async (w: number) => {
    for (let seq = 0; now() < deadline; seq++) {
      const t0 = now();
      let r: OpResult;
      try {
        r = await opts.op(w, seq);
      } catch (e) {
        r = { ok: false, outcome: `exception ${nameOf(e)}: ${(e as Error)?.message ?? ''}`.slice(0, 160) };
      }
      const ms = now() - t0;
      outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
      retries += r.retries ?? 0;
      if (r.ok) {
        ok++;
        latencies.push(ms);
      } else if (r.expected) expected++;
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, (_, w) => worker(w)));
  const elapsedMs = now() - start;
  return {
    concurrency: opts.concurrency,
    elapsedMs: Math.round(elapsedMs),
    ok,
    tps: Math.round((ok / (elapsedMs / 1000)) * 10) / 10,
    latency: summarize(latencies),
    outcomes,
    expected,
    errors,
    retries,
  };
};
