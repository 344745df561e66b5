/**
 * Lambda bundle size report (`npm run size`): bundles every function of the route table with the
 * build the CDK app deploys (infra/bundling.ts `bundleFunction`), prints minified KB per function with
 * its largest packages, and writes dist/bundle-sizes.json; then the web client's first screen, gzipped,
 * against its 60 KB budget (scripts/web-size.ts). Exits non-zero if a build fails, a function is over
 * its budget (the 300 KB goal, or its documented exception below), an exception is no longer needed
 * (its function meets the goal) or the web client is over budget.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Metafile } from 'esbuild';
import { bundleFunction, repoRoot } from '../infra/bundling.ts';
import { type FunctionName, functions } from '../src/functions.ts';
import { reportWebSize } from './web-size.ts';

/** The per-function goal, in KB of minified JavaScript (source maps are not counted). */
export const GOAL_KB = 300;

/**
 * The functions that do not meet the goal yet, each with its own ceiling (KB, about its size when
 * measured plus a few KB for small changes) and why: CI fails if one grows past it, and the README's
 * "Throughput at DynamoDB's limit" table says by how much each misses the goal. Lower a ceiling when a
 * bundle shrinks; remove the entry when it meets the goal.
 */
export type BudgetExceptions = Partial<Record<FunctionName, { kb: number; why: string }>>;
/**
 * None today: `statement-files` had one (364 KB, the S3 client loaded at every cold start) until its
 * S3 client moved into a chunk loaded at the first file to write (src/handlers/statement-writer.ts).
 */
export const BUDGET_EXCEPTIONS: BudgetExceptions = {};

/** A function's ceiling: its exception's, or the goal. */
export const budgetOf = (fn: FunctionName, exceptions: BudgetExceptions = BUDGET_EXCEPTIONS): number =>
  exceptions[fn]?.kb ?? GOAL_KB;

export interface BundleSize {
  fn: FunctionName;
  /** What a cold start loads: index.mjs and the chunks it imports statically (infra/bundling.ts). */
  bytes: number;
  kb: number;
  /** The chunks a cold start does not load (only a dynamic import() reaches them), not counted against the budget. */
  lazyKb: number;
  withinGoal: boolean;
  /** Its ceiling (budgetOf) and whether it is within it: CI fails when it is not. */
  budgetKb: number;
  withinBudget: boolean;
  /** The largest contributors, by package (or `src` for our own code), in KB. */
  top: { name: string; kb: number }[];
}

/** Bytes as KB (1024) to one decimal, as every size report here shows them. */
export const kb = (bytes: number): number => Math.round((bytes / 1024) * 10) / 10;

/** `node_modules/@aws-sdk/client-dynamodb/dist-es/...` -> `@aws-sdk/client-dynamodb`; our files -> `src`. */
export const packageOf = (input: string): string => {
  const parts = input.split('node_modules/');
  if (parts.length < 2) return 'src';
  const rest = (parts[parts.length - 1] ?? '').split('/');
  return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? 'unknown');
};

/** By package, the bytes of the outputs `only` names (all of them when absent). */
export const contributors = (
  meta: Metafile,
  limit = 5,
  only?: readonly string[],
): { name: string; kb: number }[] => {
  const byPackage = new Map<string, number>();
  for (const [file, output] of Object.entries(meta.outputs)) {
    if (only && !only.includes(file)) continue;
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(input);
      byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...byPackage.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, bytes]) => ({ name, kb: kb(bytes) }));
};

export const measure = async (fn: FunctionName): Promise<BundleSize> => {
  const { bytes, lazyBytes, atStart, metafile } = await bundleFunction(fn);
  return sizeOf(fn, bytes, contributors(metafile, 5, atStart), lazyBytes);
};

export const sizeOf = (
  fn: FunctionName,
  bytes: number,
  top: BundleSize['top'] = [],
  lazyBytes = 0,
  exceptions: BudgetExceptions = BUDGET_EXCEPTIONS,
): BundleSize => ({
  fn,
  bytes,
  kb: kb(bytes),
  lazyKb: kb(lazyBytes),
  withinGoal: kb(bytes) <= GOAL_KB,
  budgetKb: budgetOf(fn, exceptions),
  withinBudget: kb(bytes) <= budgetOf(fn, exceptions),
  top,
});

/** The lines that fail the build: each function over its budget. */
export const overBudget = (sizes: BundleSize[], exceptions: BudgetExceptions = BUDGET_EXCEPTIONS): string[] =>
  sizes
    .filter((s) => !s.withinBudget)
    .map((s) =>
      exceptions[s.fn]
        ? `${s.fn}: ${s.kb} KB is over its own budget of ${s.budgetKb} KB (${exceptions[s.fn]?.why})`
        : `${s.fn}: ${s.kb} KB is over the ${GOAL_KB} KB goal`,
    );

/** The exceptions that are no longer needed: functions within the goal that still have one. */
export const staleExceptions = (
  sizes: BundleSize[],
  exceptions: BudgetExceptions = BUDGET_EXCEPTIONS,
): string[] =>
  sizes
    .filter((s) => s.withinGoal && exceptions[s.fn])
    .map((s) => `${s.fn}: ${s.kb} KB meets the ${GOAL_KB} KB goal: remove its entry from BUDGET_EXCEPTIONS`);

const main = async (): Promise<void> => {
  const sizes: BundleSize[] = [];
  for (const fn of Object.keys(functions) as FunctionName[]) sizes.push(await measure(fn));

  const width = Math.max(...sizes.map((s) => s.fn.length), 'function'.length);
  console.log(`${'function'.padEnd(width)}  ${'KB'.padStart(7)}  goal ${GOAL_KB} KB (budget)  largest parts`);
  for (const s of sizes) {
    const lazy = s.lazyKb > 0 ? ` (+ ${s.lazyKb} KB in chunks a cold start does not load)` : '';
    const parts = `${s.top.map((t) => `${t.name} ${t.kb}`).join(', ')}${lazy}`;
    const verdict = s.withinGoal ? 'ok' : `OVER (${s.budgetKb}${s.withinBudget ? '' : '!'})`;
    console.log(`${s.fn.padEnd(width)}  ${s.kb.toFixed(1).padStart(7)}  ${verdict.padEnd(19)}  ${parts}`);
  }

  mkdirSync(join(repoRoot, 'dist'), { recursive: true });
  const file = join(repoRoot, 'dist', 'bundle-sizes.json');
  writeFileSync(
    file,
    `${JSON.stringify({ goalKb: GOAL_KB, minified: true, sourceMapsExcluded: true, functions: sizes }, null, 2)}\n`,
  );
  console.log(`\nwrote ${file}`);
  const over = overBudget(sizes);
  for (const line of over) console.error(`Lambda bundle over budget: ${line}`);
  const stale = staleExceptions(sizes);
  for (const line of stale) console.error(`Lambda bundle budget exception no longer needed: ${line}`);
  if (over.length > 0 || stale.length > 0) process.exitCode = 1;
  console.log('');
  // The web client: fails (non-zero exit) when its first screen is over the 60 KB gzipped budget.
  reportWebSize();
};

if (import.meta.url === `file://${process.argv[1]}`) await main();
