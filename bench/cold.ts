/**
 * Bundle sizes and a cold-start proxy. Each function is bundled as it is deployed (infra/bundling.ts's
 * esbuild options, as `npm run size` does), then, in fresh Node processes, the bundle is imported and answers one
 * request that needs no AWS call; the wall time of that process minus the same process given a
 * handler that does nothing (`baselineMs`) is the proxy: what the function's bundle adds to a cold start.
 * (Before, the baseline was a bare `node -e 0`, which also charged every function Node's ES module
 * loader and the harness itself, 10-20 ms here; Lambda's runtime has loaded both before it imports a
 * handler. `bareMs` still reports it.)
 */
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { bundleFunction } from '../infra/bundling.ts';
import { contributors, kb } from '../scripts/bundle-size.ts';
import { buildEvent } from '../src/api/event.ts';
import { needsToken, type RouteEntry, routeKey, routeList } from '../src/api/routes.ts';
import { type FunctionName, functionsWith } from '../src/functions.ts';
import { median } from './stats.ts';

/**
 * The functions behind the HTTP API, whose cold start a request can time. Stream and schedule
 * functions (src/functions.ts) have no such request and are not measured here.
 */
export const coldFunctions = (): FunctionName[] => functionsWith('http').map((f) => f.name);

/**
 * A request for `fn` that its handler answers without AWS: invalid input for a route with a body or
 * path parameters (validation runs before any store), no token for one without, /health as is.
 */
export const coldEvent = (fn: FunctionName) => {
  const route = routeList.find((r) => r.fn === fn) as RouteEntry;
  const invalid = route.body !== undefined || route.params !== undefined;
  const params: Record<string, string> = route.params ? { id: 'not-a-uuid' } : {};
  return buildEvent({
    method: route.method,
    path: route.path.replace('{id}', 'not-a-uuid'),
    routeKey: routeKey(route),
    pathParameters: params,
    headers: {
      ...(route.body ? { 'content-type': 'application/json' } : {}),
      ...(route.idempotent ? { 'idempotency-key': 'cold-start' } : {}),
    },
    ...(route.body ? { body: '{}' } : {}),
    // A staff route refuses a customer's claims with an audited 403 (a table write): it gets none (401).
    ...(needsToken(route) && invalid && route.role !== 'admin'
      ? { claims: { sub: 'cold-start', username: 'cold-start', client_id: 'bench', token_use: 'access' } }
      : {}),
  });
};

/** Imports the bundle, answers the event, prints the status code. */
const CHILD = `
import { readFileSync } from 'node:fs';
const [bundle, eventFile] = process.argv.slice(1);
const { handler } = await import(bundle);
const event = JSON.parse(readFileSync(eventFile, 'utf8'));
const context = { functionName: 'bench', functionVersion: '$LATEST', memoryLimitInMB: '512',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:bench', awsRequestId: 'cold-start',
  getRemainingTimeInMillis: () => 10000 };
const r = await handler(event, context);
process.stdout.write('\\nstatus=' + r.statusCode + '\\n');
`;

export interface ColdResult {
  fn: FunctionName;
  /** The minified JavaScript a cold start loads (infra/bundling.ts BuiltBundle.bytes), without source maps. */
  sizeKB: number;
  /** Chunks a cold start does not load (only a dynamic import() reaches them: pdf-lib in `statement-files`); runs before had none. */
  lazyKB?: number;
  /** Median over the runs, minus the baseline's median. */
  coldMs: number;
  /** The same with NODE_OPTIONS=--enable-source-maps, as the CDK app configures the functions. */
  coldMsSourceMaps: number;
  /** What the handler answered in the child process (any status below 500 is a clean answer). */
  status: number;
  /** The packages (or `src`) that take the most room in the bundle, KB of minified output. */
  largest: { name: string; kb: number }[];
}

export interface ColdReport {
  bundler: string;
  /** Cores' worth of CPU other processes used meanwhile (machine.ts), when measured. */
  otherCores?: number;
  runs: number;
  /** The median of the same harness importing a handler that does nothing (see the top of this module). */
  baselineMs: number;
  /** The median of a bare `node -e 0`, for comparison (runs before this field have none). */
  bareMs?: number;
  functions: ColdResult[];
}

/** A clean environment: nothing of tsx or of this shell's NODE_OPTIONS. */
const childEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '/tmp',
  AWS_REGION: 'us-east-1',
  POWERTOOLS_SERVICE_NAME: 'serverless-bank',
  ...extra,
});

const timeNode = (args: string[], env: NodeJS.ProcessEnv): { ms: number; stdout: string } => {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${args[0]} failed (${r.status}): ${r.stderr}`);
  return { ms, stdout: r.stdout };
};

export const measureColdStarts = async (opts: {
  workDir: string;
  runs: number;
  only?: FunctionName[];
}): Promise<ColdReport> => {
  const names = opts.only ?? coldFunctions();
  const bundles = new Map<
    FunctionName,
    {
      file: string;
      eventFile: string;
      sizeKB: number;
      lazyKB: number;
      largest: { name: string; kb: number }[];
    }
  >();
  for (const fn of names) {
    const file = join(opts.workDir, fn, 'index.mjs');
    const out = await bundleFunction(fn, file);
    const eventFile = join(opts.workDir, fn, 'event.json');
    await writeFile(eventFile, JSON.stringify(coldEvent(fn)));
    bundles.set(fn, {
      file,
      eventFile,
      sizeKB: kb(out.bytes),
      lazyKB: kb(out.lazyBytes),
      largest: contributors(out.metafile, 4, out.atStart),
    });
  }
  // A handler that does nothing, run by the same harness: the baseline.
  const empty = join(opts.workDir, 'baseline', 'index.mjs');
  const emptyEvent = join(opts.workDir, 'baseline', 'event.json');
  await mkdir(join(opts.workDir, 'baseline'), { recursive: true });
  await writeFile(empty, 'export const handler = async () => ({ statusCode: 200 });\n');
  await writeFile(emptyEvent, '{}');
  const harness = (bundle: string, eventFile: string) => [
    '--input-type=module',
    '-e',
    CHILD,
    pathToFileURL(bundle).href,
    eventFile,
  ];
  const bare: number[] = [];
  const baseline: number[] = [];
  const times = new Map<FunctionName, { plain: number[]; maps: number[]; status: number }>();
  // Interleaved, so that a noisy moment of the machine spreads over every column.
  for (let i = 0; i < opts.runs; i++) {
    bare.push(timeNode(['-e', '0'], childEnv()).ms);
    baseline.push(timeNode(harness(empty, emptyEvent), childEnv()).ms);
    for (const [fn, b] of bundles) {
      const args = harness(b.file, b.eventFile);
      const t = times.get(fn) ?? { plain: [], maps: [], status: 0 };
      const plain = timeNode(args, childEnv());
      t.plain.push(plain.ms);
      t.maps.push(timeNode(args, childEnv({ NODE_OPTIONS: '--enable-source-maps' })).ms);
      t.status = Number(/status=(\d+)/.exec(plain.stdout)?.[1] ?? 0);
      times.set(fn, t);
    }
  }
  const baselineMs = median(baseline);
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    bundler: 'infra/bundling.ts bundleFunction (the build the CDK app deploys)',
    runs: opts.runs,
    baselineMs: round(baselineMs),
    bareMs: round(median(bare)),
    functions: [...bundles].map(([fn, b]) => {
      const t = times.get(fn) as { plain: number[]; maps: number[]; status: number };
      return {
        fn,
        sizeKB: b.sizeKB,
        ...(b.lazyKB > 0 ? { lazyKB: b.lazyKB } : {}),
        coldMs: round(median(t.plain) - baselineMs),
        coldMsSourceMaps: round(median(t.maps) - baselineMs),
        status: t.status,
        largest: b.largest,
      };
    }),
  };
};
