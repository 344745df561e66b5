import { describe, expect, it } from 'vitest';
import { PRICES } from './cost.ts';
import {
  BLOCK_END,
  BLOCK_START,
  coldSizeLine,
  drainLine,
  evaluateGoals,
  type PhaseSummary,
  type Results,
  ratio,
  renderMarkdown,
  replaceBlock,
} from './report.ts';

const latency = { p50: 10, p95: 20, p99: 30, max: 40, mean: 12 };
const phase = (p: Partial<PhaseSummary>): PhaseSummary => ({
  scenario: 'uniform',
  path: 'stack',
  concurrency: 1,
  elapsedMs: 3000,
  ok: 300,
  tps: 100,
  latency,
  outcomes: { '201': 300 },
  expected: 0,
  errors: 0,
  retries: 0,
  otherCores: 0,
  ...p,
});
const units = { rru: 1, wru: 10, calls: 'GetItem×1 + TransactWriteItems×1' };

const results = (over: {
  errors?: number;
  rawTps?: number;
  hotTps?: number;
  sizeKB?: number;
  bulkTps?: number;
  wru?: number;
  settleMaxMs?: number;
  unsettled?: number;
}): Omit<Results, 'goals'> => ({
  generatedAt: '2026-01-01T00:00:00.000Z',
  mode: 'quick',
  phaseSeconds: 3,
  totalSeconds: 80,
  code: { commit: 'abc1234', uncommitted: false },
  machine: {
    cpu: 'Test CPU',
    cores: 2,
    memoryGiB: 24,
    node: 'v20.0.0',
    os: 'Linux',
    load: { start: 0.1, end: 1.5 },
  },
  setup: {
    customers: 32,
    receivingAccounts: 288,
    stackStartSeconds: 6,
    populationSeconds: 8,
    systemShards: 16,
    emulators: 'emulators',
    conflictsEmulated: true,
  },
  phases: [
    phase({
      errors: over.errors ?? 0,
      outcomes: { '201': 300, '503 service_unavailable': over.errors ?? 0 },
      conflicts: 7,
    }),
    phase({ path: 'raw', tps: over.rawTps ?? 110, outcomes: { committed: 330 }, conflicts: 3 }),
    phase({ scenario: 'hot-recipient', concurrency: 8, tps: over.hotTps ?? 90, conflicts: 41 }),
  ],
  ceiling: [1, 8, 32].map((concurrency) => ({
    concurrency,
    stackTps: 100,
    rawTps: concurrency === 8 ? (over.rawTps ?? 110) : 110,
    ratio: ratio(100, concurrency === 8 ? (over.rawTps ?? 110) : 110),
  })),
  hot: [8, 32].flatMap((concurrency) =>
    (['hot-recipient', 'deposits'] as const).map((scenario) => {
      const tps = scenario === 'hot-recipient' && concurrency === 8 ? (over.hotTps ?? 90) : 90;
      return { scenario, concurrency, tps, uniformTps: 100, ratio: ratio(tps, 100) };
    }),
  ),
  bulk: {
    transfers: 20,
    singleTps: 30,
    batchTps: over.bulkTps ?? 300,
    ratio: ratio(over.bulkTps ?? 300, 30),
    errors: 0,
  },
  settlement: [8, 32].map((concurrency) => ({
    concurrency,
    transfers: 270,
    deferred: 260,
    unsettled: concurrency === 32 ? (over.unsettled ?? 0) : 0,
    p50Ms: 30,
    p99Ms: 120,
    maxMs: concurrency === 32 ? (over.settleMaxMs ?? 400) : 200,
    stampedP50Ms: 300,
    stampedMaxMs: 1500,
    ...(concurrency === 32
      ? {
          settler: {
            settlements: 9,
            creditsP50: 29,
            creditsMax: 33,
            readP50Ms: 30,
            readMaxMs: 63,
            commitP50Ms: 352,
            commitMaxMs: 555,
            retried: 1,
            oldestMaxMs: 1010,
          },
        }
      : {}),
  })),
  coldStart: {
    bundler: 'test',
    runs: 10,
    baselineMs: 25,
    functions: [
      {
        fn: 'money',
        sizeKB: over.sizeKB ?? 200,
        coldMs: 40,
        coldMsSourceMaps: 45,
        status: 404,
        largest: [{ name: 'zod', kb: 90 }],
      },
    ],
  },
  cost: {
    units: {
      deposit: units,
      withdrawal: units,
      transfer: { ...units, wru: over.wru ?? 10 },
      transferCachedRecipient: units,
      transferFromOtherAccount: { ...units, wru: 12 },
      pendingTransfer: units,
      post: { ...units, wru: 30 },
      void: units,
      refund: units,
      historyPage: units,
      transferEvents: { rru: 4, wru: 12, calls: 'Query×2 + GetItem×2 + TransactWriteItems×2' },
    },
    unitsSource: 'test',
    memoryMB: 512,
    memorySource: 'test',
    lambdaMs: 15,
    prices: PRICES,
    perMillionTransfers: {
      apiGateway: 1,
      lambdaRequests: 0.2,
      lambdaDuration: 0.1,
      dynamodb: 6.25,
      total: 7.45,
    },
    perMillionTransfersWithEvents: {
      apiGateway: 1,
      lambdaRequests: 0.2,
      lambdaDuration: 0.1,
      dynamodb: 14,
      total: 15.2,
    },
    perMillion: {
      post: { apiGateway: 1, lambdaRequests: 0.2, lambdaDuration: 0.1, dynamodb: 18.75, total: 20.05 },
    },
  },
  ledger: { verified: true, detail: 'OK' },
});

describe('goals', () => {
  it('all met when every measure is within its target', () => {
    expect(evaluateGoals(results({})).every((g) => g.met)).toBe(true);
  });

  const failed = (over: Parameters<typeof results>[0]) =>
    evaluateGoals(results(over))
      .filter((g) => !g.met)
      .map((g) => g.name);

  it('each one fails on its own measure', () => {
    expect(failed({ errors: 2 })).toEqual(['Errors in full-stack phases (422s allowed)']);
    expect(failed({ rawTps: 200 })).toEqual(['Full stack / raw TransactWriteItems of the transfer, c=8']);
    expect(failed({ hotTps: 25 })).toEqual(['Hot recipient / uniform, c=8']);
    expect(failed({ sizeKB: 301 })).toEqual(['Largest function bundle, minified']);
    expect(failed({ bulkTps: 140 })).toEqual([
      "Bulk payment of 20: the sender's transfers/s / 20 single transfers one after another",
    ]);
    expect(failed({ wru: 12 })).toEqual(['Write units per transfer']);
    const settle = "Hot recipient: a deferred credit in the recipient's balance, offline";
    expect(failed({ settleMaxMs: 1001 })).toEqual([settle]);
    expect(failed({ unsettled: 1 })).toEqual([settle]);
  });

  it('judges a ratio on the quotient, not on the ratio as printed', () => {
    // 100 / 125.7 = 0.7955: printed 0.8, and short of it.
    expect(ratio(100, 125.7)).toBe(0.8);
    expect(failed({ rawTps: 125.7 })).toEqual(['Full stack / raw TransactWriteItems of the transfer, c=8']);
    expect(failed({ hotTps: 79.6 })).toEqual(['Hot recipient / uniform, c=8']);
    expect(failed({ bulkTps: 149.9 })).toEqual([
      "Bulk payment of 20: the sender's transfers/s / 20 single transfers one after another",
    ]);
  });

  it('ratio is 0 rather than infinite when the ceiling measured nothing', () => {
    expect(ratio(5, 0)).toBe(0);
    expect(ratio(84, 125)).toBe(0.67);
  });
});

describe('the Markdown report', () => {
  it("says how long each phase waited for earlier phases' stream work", () => {
    expect(drainLine([phase({ drainedMs: 120 })])).toMatch(/: under 0\.5 s each time\.$/);
    expect(
      drainLine([
        phase({ drainedMs: 40 }),
        phase({ path: 'raw', concurrency: 8, drainedMs: 2150 }),
        phase({ scenario: 'hot-recipient', concurrency: 32, drainedMs: 900 }),
      ]),
    ).toMatch(
      /: 2150 ms before raw uniform c=8, 900 ms before stack hot-recipient c=32; under 0\.5 s before the others\.$/,
    );
  });

  it('shows every table, the errors by outcome, and the goals', () => {
    const partial = results({ errors: 2 });
    const md = renderMarkdown({ ...partial, goals: evaluateGoals(partial) });
    expect(md).toContain('| 1 | 100 | 10 | 20 | 30 |');
    expect(md).toContain('| hot-recipient | 8 | 90 |');
    expect(md).toContain(
      "Hot recipient, c=32: 260 of 270 credits deferred, in the recipient's balance after p50 30 ms, p99 120 ms, max 400 ms from the sender's 201",
    );
    expect(md).toContain(
      "(the settler's log); the journals' own stamps, settledAt - createdAt, say p50 300 ms, max 1500 ms",
    );
    expect(md).toContain(
      '0 left unsettled. The settler: 9 settlements of p50 29 credits (max 33); their reads p50 30 ms (max 63), ' +
        "their transactions p50 352 ms (max 555), sent to answered; 1 took more than one attempt; a settlement's " +
        'oldest credit had waited at most 1010 ms when it committed.',
    );
    // A run whose settler logged no timings (c=8 here, and runs before them) says nothing of them.
    expect(md).toMatch(/c=8: 260 of 270 [^\n]*0 left unsettled\.\n/);
    expect(md).toContain('commit abc1234.');
    // Every row has as many cells as its header.
    for (const block of md.split('\n\n').filter((b) => b.startsWith('|'))) {
      const cells = block
        .trim()
        .split('\n')
        .map((line) => line.split(' | ').length);
      expect(new Set(cells).size, block).toBe(1);
    }
    expect(md).toContain('| money | 200 | 40 | 45 | 404 | zod 90 |');
    expect(md).toContain('| transfer | 1 | 10 | GetItem×1 + TransactWriteItems×1 | – | – |');
    expect(md).toContain('| post | 1 | 30 | GetItem×1 + TransactWriteItems×1 | $18.7500 | $20.0500 |');
    expect(md).toContain('**$7.4500**');
    // The events each transfer gives, their DynamoDB cost apart and in a total of their own.
    expect(md).toContain(
      '| DynamoDB for the 2 events the stream function stores per transfer (12 WRU + 4 RRU) | $7.7500 |',
    );
    expect(md).toContain('**$15.2000**');
    expect(md).toContain('| $7.45 ($15.20 with the events it gives) | yes |');
    expect(md).toContain(
      '300 transfers/s in batches of 20, against 30/s one by one from the same account: 10x',
    );
    expect(md).toContain('| Errors in full-stack phases (422s allowed) | 0 | 2 | **no** |');
  });

  it('reports the conflicts retried per phase, and says when the emulation was off', () => {
    const partial = results({});
    const md = renderMarkdown({ ...partial, goals: evaluateGoals(partial) });
    expect(md).toContain("AWS's transaction conflicts emulated in the stack and the raw path");
    // stack c=1: 7 conflicts retried; its raw ceiling: 3; the hot recipient at c=8: 41.
    expect(md).toMatch(/\| 1 \| 100 \| 10 \| 20 \| 30 \| – \| 0 \| 0 \| 7 \| 110 \| 10 \| 3 \| 0\.91 \|/);
    expect(md).toMatch(/\| hot-recipient \| 8 \| 90 \| 10 \| 30 \| 0 \| none \| 41 \| 100 \| 0\.9 \|/);
    const off = {
      ...partial,
      setup: { ...partial.setup, conflictsEmulated: false },
      phases: partial.phases.map(({ conflicts: _, ...p }) => p),
    };
    const offMd = renderMarkdown({ ...off, goals: evaluateGoals(off) });
    expect(offMd).toContain('**not emulated** (BANK_EMULATE_CONFLICTS=off)');
    expect(offMd).toMatch(/\| 1 \| 100 \| 10 \| 20 \| 30 \| – \| 0 \| 0 \| – \| 110 \| 10 \| – \| 0\.91 \|/);
  });

  it('replaces only the text between the markers', () => {
    const doc = `# Perf\n\nintro\n${BLOCK_START}\nold\n${BLOCK_END}\n\nafter\n`;
    expect(replaceBlock(doc, 'new\n')).toBe(`# Perf\n\nintro\n${BLOCK_START}\nnew\n${BLOCK_END}\n\nafter\n`);
    expect(replaceBlock('no markers', 'new')).toBe('no markers');
  });
});

describe('cold start against bundle size', () => {
  const cold = (points: [number, number][]) => ({
    bundler: 'test',
    runs: 10,
    baselineMs: 25,
    functions: points.map(([sizeKB, coldMsSourceMaps], i) => ({
      fn: `f${i}` as never,
      sizeKB,
      coldMs: coldMsSourceMaps - 5,
      coldMsSourceMaps,
      status: 200,
      largest: [],
    })),
  });

  it('fits the proxies with source maps to the bundle sizes and says what size meets the goal', () => {
    // 0.2 ms per KB + 20 ms: 50 ms at 150 KB.
    const line = coldSizeLine(
      cold([
        [62, 32.4],
        [240, 68],
        [291, 78.2],
      ]),
    );
    expect(line).toBe(
      'Cold start against bundle size (least squares over the 3 functions, --enable-source-maps): ' +
        '0.2 ms per KB + 20 ms, correlation 1; at that rate the 50 ms goal is a bundle of about 150 KB.',
    );
    const partial = {
      ...results({}),
      coldStart: cold([
        [62, 32.4],
        [240, 68],
        [291, 78.2],
      ]),
    };
    expect(renderMarkdown({ ...partial, goals: evaluateGoals(partial) })).toContain(line);
  });

  it('names no size where the line never meets the goal, and says nothing without a line', () => {
    expect(
      coldSizeLine(
        cold([
          [100, 90],
          [200, 80],
          [300, 70],
        ]),
      ),
    ).toBe(
      'Cold start against bundle size (least squares over the 3 functions, --enable-source-maps): ' +
        '-0.1 ms per KB + 100 ms, correlation -1.',
    );
    expect(
      coldSizeLine(
        cold([
          [100, 60],
          [200, 70],
        ]),
      ),
    ).toBe('');
    const partial = { ...results({}), coldStart: cold([[100, 60]]) };
    expect(renderMarkdown({ ...partial, goals: evaluateGoals(partial) })).not.toContain(
      'against bundle size',
    );
  });
});
