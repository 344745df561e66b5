/** The bench's results: their shape in bench/results.json, the goals, and the tables it prints. */
import type { ColdReport } from './cold.ts';
import type { CostedOperation, CostPerMillion, Movement, OperationUnits, PRICES } from './cost.ts';
import type { LoadResult } from './load.ts';
import type { Scenario } from './scenarios.ts';
import type { Settlement } from './settlement.ts';
import { type LatencySummary, linearFit } from './stats.ts';

/** The cold-start goal (--enable-source-maps), in ms. */
const COLD_GOAL_MS = 50;

export interface PhaseSummary extends Omit<LoadResult, 'latency'> {
  scenario: Scenario;
  /** Through the local gateway and handlers, or raw TransactWriteItems from the bench process. */
  path: 'stack' | 'raw';
  latency: LatencySummary;
  /** The handlers' own durations (their log lines), stack phases only. */
  handler?: LatencySummary & { n: number };
  /** Cores' worth of CPU that processes other than the bench and its stack used during the phase. */
  otherCores: number;
  /**
   * Transaction conflicts the emulation (src/local/conflicts.ts) raised during the phase, each one
   * retried by the ledger (stack) or the raw loop (raw); undefined when the emulation was off.
   */
  conflicts?: number;
  /**
   * How long the bench waited, before the phase, for the stack's stream functions to finish what
   * earlier phases set off (`/_local/diagnostics` streams.drained).
   */
  drainedMs?: number;
}

export interface Goal {
  name: string;
  target: string;
  measured: string;
  met: boolean;
}

export interface Results {
  generatedAt: string;
  mode: 'full' | 'quick';
  phaseSeconds: number;
  totalSeconds: number;
  /** The code measured: the commit, and whether src/ or infra/ had changes not committed yet. */
  code: { commit: string; uncommitted: boolean };
  machine: {
    cpu: string;
    cores: number;
    memoryGiB: number;
    node: string;
    os: string;
    /** 1-minute load average when the bench started and when it ended: other work skews every number. */
    load: { start: number; end: number };
  };
  setup: {
    customers: number;
    receivingAccounts: number;
    stackStartSeconds: number;
    populationSeconds: number;
    systemShards: number;
    emulators: string;
    /** Whether AWS's transaction conflicts were emulated (BANK_EMULATE_CONFLICTS), in the stack and the raw path. */
    conflictsEmulated: boolean;
  };
  phases: PhaseSummary[];
  ceiling: { concurrency: number; stackTps: number; rawTps: number; ratio: number }[];
  hot: { scenario: Scenario; concurrency: number; tps: number; uniformTps: number; ratio: number }[];
  /**
   * Bulk payments: one sender's transfers per second paying batches of `transfers`, against the same
   * number of single transfers one after another from the same account (concurrency 1 both).
   */
  bulk?: { transfers: number; singleTps: number; batchTps: number; ratio: number; errors: number };
  /** Per hot-recipient phase: how soon its deferred credits reached the recipient's balance. */
  settlement?: Settlement[];
  coldStart: ColdReport;
  cost: {
    units: Record<CostedOperation, OperationUnits>;
    unitsSource: string;
    memoryMB: number;
    memorySource: string;
    /** Mean handler duration of a transfer at concurrency 1: the Lambda duration estimate. */
    lambdaMs: number;
    prices: typeof PRICES;
    perMillionTransfers: CostPerMillion;
    /**
     * The same with the DynamoDB units of the two events the stream function stores for each transfer
     * (`transferEvents`); the stream function's own Lambda time is not counted. Absent before it was measured.
     */
    perMillionTransfersWithEvents?: CostPerMillion;
    /**
     * Per million of each money movement: its own units, with the transfer's Lambda duration as the
     * estimate for all (only transfers are timed at concurrency 1). Absent in results before the ledger.
     */
    perMillion?: Partial<Record<Movement, CostPerMillion>>;
  };
  ledger: { verified: boolean; detail: string };
  goals: Goal[];
}

const round2 = (v: number) => Math.round(v * 100) / 100;
/**
 * Each phase begins once the stack's stream functions have handled what earlier phases set off (the
 * bench waits on `/_local/diagnostics`): how long those waits were, so that a raw ceiling is known to
 * have run on an idle stack.
 */
export const drainLine = (phases: readonly PhaseSummary[], mode: Results['mode'] = 'full'): string => {
  const waited = phases.filter((p) => (p.drainedMs ?? 0) >= 500);
  return (
    (mode === 'quick'
      ? 'Before each raw phase (a quick run waits before those only) the bench waited '
      : 'Before each phase the bench waited ') +
    "for the stack's stream functions (events, notifications, settlements) to finish what earlier phases " +
    'set off, so that no raw ceiling ran on top of that work' +
    (waited.length === 0
      ? ': under 0.5 s each time.'
      : `: ${waited.map((p) => `${p.drainedMs} ms before ${p.path} ${p.scenario} c=${p.concurrency}`).join(', ')}; under 0.5 s before the others.`)
  );
};

export const ratio = (a: number, b: number): number => (b > 0 ? round2(a / b) : 0);
/** Whether `a / b` reaches `min`, judged on the quotient itself, not on the ratio as printed (rounded). */
export const reaches = (a: number, b: number, min: number): boolean => b > 0 && a / b >= min;

const worst = <T>(items: readonly T[], value: (t: T) => number, pick: 'min' | 'max') =>
  items.reduce<T | undefined>(
    (w, t) => (w === undefined || (pick === 'min' ? value(t) < value(w) : value(t) > value(w)) ? t : w),
    undefined,
  );

/** The issue's goals (issue 11's table, one row each), judged on what was measured. */
/** A deferred credit is in the recipient's balance within a second offline (issue 11), and none is left. */
const SETTLE_MS = 1000;

const settlementRow = (s: Settlement[] | undefined): Goal => {
  const deferred = s?.filter((x) => x.deferred > 0) ?? [];
  const slowest = Math.max(...deferred.map((x) => x.maxMs));
  const left = s?.reduce((n, x) => n + x.unsettled, 0) ?? 0;
  return {
    name: "Hot recipient: a deferred credit in the recipient's balance, offline",
    target: `<= ${SETTLE_MS} ms, none left`,
    measured: !s
      ? 'not measured'
      : deferred.length === 0
        ? `no credit deferred; ${left} unsettled`
        : `max ${slowest} ms after the 201 (${deferred.map((x) => `c=${x.concurrency}: p50 ${x.p50Ms}, p99 ${x.p99Ms} of ${x.deferred}`).join('; ')}); ${left} unsettled`,
    met: s !== undefined && left === 0 && (deferred.length === 0 || slowest <= SETTLE_MS),
  };
};

export const evaluateGoals = (r: Omit<Results, 'goals'>): Goal[] => {
  const stack = r.phases.filter((p) => p.path === 'stack');
  const errors = stack.reduce((s, p) => s + p.errors, 0);
  const size = worst(r.coldStart.functions, (f) => f.sizeKB, 'max');
  const cold = worst(r.coldStart.functions, (f) => f.coldMsSourceMaps, 'max');
  const phaseOf = (scenario: Scenario, c: number) =>
    stack.find((p) => p.scenario === scenario && p.concurrency === c);
  const unavailable = (p: PhaseSummary | undefined) =>
    Object.entries(p?.outcomes ?? {})
      .filter(([o]) => o.startsWith('503'))
      .reduce((s, [, n]) => s + n, 0);
  const hotRow = (scenario: 'hot-recipient' | 'deposits', c: number, name: string): Goal => {
    const h = r.hot.find((x) => x.scenario === scenario && x.concurrency === c);
    const p = phaseOf(scenario, c);
    const errs = p?.errors ?? 0;
    const busy = unavailable(p);
    return {
      name,
      target: scenario === 'deposits' ? '>= 0.8, 0 errors' : '>= 0.8, 0 errors, no 503',
      measured: h
        ? `${h.ratio} (${h.tps}/s vs ${h.uniformTps}/s), ${errs} errors, ${busy}× 503`
        : 'not measured',
      met: h !== undefined && reaches(h.tps, h.uniformTps, 0.8) && errs === 0 && busy === 0,
    };
  };
  const ceilingRow = (c: number, target: string): Goal => {
    const x = r.ceiling.find((y) => y.concurrency === c);
    return {
      name: `Full stack / raw TransactWriteItems of the transfer, c=${c}`,
      target,
      measured: x ? `${x.ratio} (${x.stackTps}/s vs ${x.rawTps}/s)` : 'not measured',
      met: x !== undefined && reaches(x.stackTps, x.rawTps, 0.8),
    };
  };
  const wru = r.cost.units.transfer.wru;
  const perMillion = r.cost.perMillionTransfers.total;
  const withEvents = r.cost.perMillionTransfersWithEvents;
  return [
    {
      name: 'Errors in full-stack phases (422s allowed)',
      target: '0',
      measured: String(errors),
      met: errors === 0,
    },
    hotRow('hot-recipient', 8, 'Hot recipient / uniform, c=8'),
    hotRow('hot-recipient', 32, 'Hot recipient / uniform, c=32'),
    hotRow('deposits', 32, '32 concurrent deposits (system shards) / uniform'),
    ceilingRow(8, '>= 0.8'),
    ceilingRow(32, '>= 0.8'),
    ceilingRow(1, 'aim >= 0.8'),
    {
      name: "Bulk payment of 20: the sender's transfers/s / 20 single transfers one after another",
      target: '>= 5x',
      measured: r.bulk
        ? `${r.bulk.ratio}x (${r.bulk.batchTps}/s vs ${r.bulk.singleTps}/s), ${r.bulk.errors} errors`
        : 'not measured',
      met: r.bulk !== undefined && reaches(r.bulk.batchTps, r.bulk.singleTps, 5) && r.bulk.errors === 0,
    },
    settlementRow(r.settlement),
    { name: 'Write units per transfer', target: '<= 10 WRU', measured: `${wru} WRU`, met: wru <= 10 },
    {
      name: 'Cost per million transfers (list price)',
      target: '<= $7.50',
      measured: `$${perMillion.toFixed(2)}${withEvents ? ` ($${withEvents.total.toFixed(2)} with the events it gives)` : ''}`,
      met: perMillion <= 7.5,
    },
    {
      name: 'Largest function bundle, minified',
      target: '<= 300 KB',
      measured: size
        ? `${size.sizeKB} KB (${size.fn}${size.lazyKB ? `; + ${size.lazyKB} KB in chunks a cold start does not load` : ''})`
        : 'n/a',
      met: size !== undefined && size.sizeKB <= 300,
    },
    {
      name: 'Slowest cold-start proxy, --enable-source-maps',
      target: '<= 50 ms',
      measured: cold ? `${cold.coldMsSourceMaps} ms (${cold.fn})` : 'n/a',
      met: cold !== undefined && cold.coldMsSourceMaps <= COLD_GOAL_MS,
    },
    {
      name: 'Ledger verified after the run (npm run verify-ledger)',
      target: 'balances',
      measured: r.ledger.verified ? 'balances' : 'FAILED',
      met: r.ledger.verified,
    },
  ];
};

const table = (head: string[], rows: (string | number)[][]): string =>
  [
    `| ${head.join(' | ')} |`,
    `|${head.map((_h, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

const ms = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '–' : String(v));

const outcomesOf = (p: PhaseSummary): string => {
  const other = Object.entries(p.outcomes).filter(([o]) => !o.startsWith('201') && o !== 'committed');
  return other.length ? other.map(([o, n]) => `${n}× ${o}`).join(', ') : 'none';
};

/** Conflicts retried in a phase; `–` when the emulation was off or the phase is missing. */
const conflictsOf = (p: PhaseSummary | undefined): string | number => p?.conflicts ?? '–';

/** The tables, as Markdown (printed by the bench and kept in the README's Performance section). */
/**
 * How the cold-start proxies (with --enable-source-maps, as deployed) rise with the bundle a cold start
 * loads: the least-squares line over the functions, and the bundle size at which that line meets the
 * goal. Empty when no line can be told (fewer than 3 functions, or no spread).
 */
export const coldSizeLine = (cold: ColdReport): string => {
  const fit = linearFit(
    cold.functions.map((f) => f.sizeKB),
    cold.functions.map((f) => f.coldMsSourceMaps),
  );
  if (!fit) return '';
  const round = (v: number, digits: number) => Number(v.toFixed(digits));
  const line =
    `Cold start against bundle size (least squares over the ${cold.functions.length} functions, --enable-source-maps): ` +
    `${round(fit.slope, 3)} ms per KB + ${round(fit.intercept, 1)} ms, correlation ${round(fit.r, 2)}`;
  const atGoal = (COLD_GOAL_MS - fit.intercept) / fit.slope;
  return fit.slope > 0 && atGoal > 0
    ? `${line}; at that rate the ${COLD_GOAL_MS} ms goal is a bundle of about ${Math.round(atGoal)} KB.`
    : `${line}.`;
};

export const renderMarkdown = (r: Results): string => {
  const find = (path: 'stack' | 'raw', scenario: Scenario, c: number) =>
    r.phases.find((p) => p.path === path && p.scenario === scenario && p.concurrency === c);
  const money = (v: number) => `$${v.toFixed(4)}`;
  const sections = [
    `Mode: **${r.mode}** (${r.phaseSeconds} s per phase, ${r.totalSeconds} s in all), ${r.generatedAt}, ` +
      `commit ${r.code.commit}${r.code.uncommitted ? ' with uncommitted changes in src/ or infra/' : ''}. ` +
      `Machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGiB} GiB, Node ${r.machine.node}, ${r.machine.os}; ` +
      `load average ${r.machine.load.start} at the start, ${r.machine.load.end} at the end. ` +
      `${r.setup.customers} customers, ${r.setup.receivingAccounts} receiving accounts; ${r.setup.emulators}; ` +
      `AWS's transaction conflicts ${r.setup.conflictsEmulated ? 'emulated in the stack and the raw path (src/local/conflicts.ts)' : '**not emulated** (BANK_EMULATE_CONFLICTS=off)'}. ` +
      '*Other load* is the CPU (in cores) that processes other than the bench and its stack used meanwhile: ' +
      'where it is not near 0, that phase measured less than the machine can do.',
    '#### Transfers through the full stack, and the raw DynamoDB Local ceiling',
    table(
      [
        'concurrency',
        'transfers/s',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'handler p50 ms',
        'errors',
        '422s',
        'conflicts retried',
        'raw tx/s',
        'raw p50 ms',
        'raw conflicts retried',
        'stack / raw',
        'other load (cores)',
      ],
      r.ceiling.map((c) => {
        const s = find('stack', 'uniform', c.concurrency);
        const raw = find('raw', 'uniform', c.concurrency);
        return [
          c.concurrency,
          c.stackTps,
          ms(s?.latency.p50),
          ms(s?.latency.p95),
          ms(s?.latency.p99),
          ms(s?.handler?.p50),
          s?.errors ?? '–',
          s?.expected ?? '–',
          conflictsOf(s),
          c.rawTps,
          ms(raw?.latency.p50),
          conflictsOf(raw),
          c.ratio,
          Math.max(s?.otherCores ?? 0, raw?.otherCores ?? 0),
        ];
      }),
    ),
    drainLine(r.phases, r.mode),
    '#### Hot spots against the uniform case',
    table(
      [
        'scenario',
        'concurrency',
        'per s',
        'p50 ms',
        'p99 ms',
        'errors',
        'outcomes other than 201',
        'conflicts retried',
        'uniform/s',
        'ratio',
        'other load (cores)',
      ],
      r.hot.map((h) => {
        const s = find('stack', h.scenario, h.concurrency);
        return [
          h.scenario,
          h.concurrency,
          h.tps,
          ms(s?.latency.p50),
          ms(s?.latency.p99),
          s?.errors ?? '–',
          s ? outcomesOf(s) : '–',
          conflictsOf(s),
          h.uniformTps,
          h.ratio,
          s?.otherCores ?? '–',
        ];
      }),
    ),
    ...r.phases
      .filter((p) => p.path === 'raw' && p.scenario === 'hot-recipient')
      .map(
        (p) =>
          `Raw DynamoDB Local, all transfers into one account, c=${p.concurrency}: ${p.tps} tx/s ` +
          `(p50 ${ms(p.latency.p50)} ms, ${conflictsOf(p)} conflicts retried, ${p.errors} errors; other load ${p.otherCores} cores).`,
      ),
    ...(r.settlement ?? []).map(
      (x) =>
        `Hot recipient, c=${x.concurrency}: ${x.deferred} of ${x.transfers} credits deferred, in the recipient's balance ` +
        `after p50 ${ms(x.p50Ms)} ms, p99 ${ms(x.p99Ms)} ms, max ${ms(x.maxMs)} ms from the sender's 201 to the commit of ` +
        `the settlement that holds it (the settler's log); the journals' own stamps, settledAt - createdAt, ` +
        `say p50 ${ms(x.stampedP50Ms)} ms, max ${ms(x.stampedMaxMs)} ms; ${x.unsettled} left unsettled.` +
        (x.settler
          ? ` The settler: ${x.settler.settlements} settlements of p50 ${x.settler.creditsP50} credits (max ` +
            `${x.settler.creditsMax}); their reads p50 ${x.settler.readP50Ms} ms (max ${x.settler.readMaxMs}), ` +
            `their transactions p50 ${x.settler.commitP50Ms} ms (max ${x.settler.commitMaxMs}), sent to answered; ` +
            `${x.settler.retried} took more than one attempt` +
            (x.settler.oldestMaxMs === undefined
              ? '.'
              : `; a settlement's oldest credit had waited at most ${x.settler.oldestMaxMs} ms when it committed.`)
          : ''),
    ),
    ...(r.bulk
      ? [
          `Bulk payments (one sender, c=1): ${r.bulk.batchTps} transfers/s in batches of ${r.bulk.transfers}, ` +
            `against ${r.bulk.singleTps}/s one by one from the same account: ${r.bulk.ratio}x; ${r.bulk.errors} errors.`,
        ]
      : []),
    `#### Bundles and cold start (${r.coldStart.bundler}; median of ${r.coldStart.runs} fresh processes minus the same harness with a handler that does nothing = ${r.coldStart.baselineMs} ms${r.coldStart.bareMs === undefined ? '' : ` (a bare \`node -e 0\`: ${r.coldStart.bareMs} ms)`}; other load ${r.coldStart.otherCores ?? '–'} cores)`,
    table(
      [
        'function',
        'KB minified',
        'cold ms',
        'cold ms, --enable-source-maps',
        'answered',
        'largest parts (KB)',
      ],
      r.coldStart.functions.map((f) => [
        f.fn,
        f.lazyKB ? `${f.sizeKB} (+ ${f.lazyKB} not loaded at cold start)` : f.sizeKB,
        f.coldMs,
        f.coldMsSourceMaps,
        f.status,
        f.largest.map((l) => `${l.name} ${l.kb}`).join(', '),
      ]),
    ),
    ...(coldSizeLine(r.coldStart) ? [coldSizeLine(r.coldStart)] : []),
    `#### DynamoDB request units per operation (${r.cost.unitsSource})`,
    table(
      ['operation', 'read units', 'write units', 'calls', 'DynamoDB USD per million', 'all USD per million'],
      Object.entries(r.cost.units).map(([op, u]) => {
        const c = r.cost.perMillion?.[op as Movement];
        return [op, u.rru, u.wru, u.calls, c ? money(c.dynamodb) : '–', c ? money(c.total) : '–'];
      }),
    ),
    "*All USD per million*: API Gateway, Lambda requests and duration (a transfer's handler time at c=1, for every movement) and DynamoDB; `post` and `void` act on a live pending transfer, `refund` returns part of a posted one.",
    `#### AWS cost per million transfers (${r.cost.prices.region} list prices; Lambda arm64 ${r.cost.memoryMB} MB from ${r.cost.memorySource}, ${r.cost.lambdaMs} ms each)`,
    table(
      ['item', 'USD'],
      [
        ['API Gateway HTTP API requests', money(r.cost.perMillionTransfers.apiGateway)],
        ['Lambda requests', money(r.cost.perMillionTransfers.lambdaRequests)],
        ['Lambda duration', money(r.cost.perMillionTransfers.lambdaDuration)],
        [
          `DynamoDB on-demand (${r.cost.units.transfer.wru} WRU + ${r.cost.units.transfer.rru} RRU)`,
          money(r.cost.perMillionTransfers.dynamodb),
        ],
        ['**Total**', `**${money(r.cost.perMillionTransfers.total)}**`],
        ...(r.cost.perMillionTransfersWithEvents && r.cost.units.transferEvents
          ? [
              [
                `DynamoDB for the 2 events the stream function stores per transfer (${r.cost.units.transferEvents.wru} WRU + ${r.cost.units.transferEvents.rru} RRU)`,
                money(r.cost.perMillionTransfersWithEvents.dynamodb - r.cost.perMillionTransfers.dynamodb),
              ],
              [
                '**Total with the events** (the stream function\u2019s own Lambda time not counted)',
                `**${money(r.cost.perMillionTransfersWithEvents.total)}**`,
              ],
            ]
          : []),
      ],
    ),
    '#### Goals',
    table(
      ['goal', 'target', 'measured', 'met'],
      r.goals.map((g) => [g.name, g.target, g.measured, g.met ? 'yes' : '**no**']),
    ),
  ];
  return `${sections.join('\n\n')}\n`;
};

export const BLOCK_START = '<!-- bench:results:start -->';
export const BLOCK_END = '<!-- bench:results:end -->';

/** `doc` with the text between the bench markers replaced by `block`; unchanged without markers. */
export const replaceBlock = (doc: string, block: string): string => {
  const start = doc.indexOf(BLOCK_START);
  const end = doc.indexOf(BLOCK_END);
  if (start < 0 || end < start) return doc;
  return `${doc.slice(0, start + BLOCK_START.length)}\n${block}${doc.slice(end)}`;
};
