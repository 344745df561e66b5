/**
 * Lambda bundle size report (`npm run size`): bundles every function of the route table with the
 * esbuild options the CDK app deploys with (infra/bundling.ts), prints minified KB per function with
 * its largest packages, and writes dist/bundle-sizes.json; then the web client's first screen, gzipped,
 * against its 60 KB budget (scripts/web-size.ts). Exits non-zero if a build fails or the web client is
 * over budget.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Metafile } from 'esbuild';
import { bundleFunction, repoRoot } from '../infra/bundling.ts';
import { type FunctionName, functions } from '../src/functions.ts';
import { reportWebSize } from './web-size.ts';

/** The per-function goal, in KB of minified JavaScript (source maps are not counted). */
export const GOAL_KB = 300;

export interface BundleSize {
  fn: FunctionName;
  bytes: number;
  kb: number;
  withinGoal: boolean;
  /** The largest contributors, by package (or `src` for our own code), in KB. */
  top: { name: string; kb: number }[];
}

const kb = (bytes: number): number => Math.round((bytes / 1024) * 10) / 10;

/** `node_modules/@aws-sdk/client-dynamodb/dist-es/...` -> `@aws-sdk/client-dynamodb`; our files -> `src`. */
export const packageOf = (input: string): string => {
  const parts = input.split('node_modules/');
  if (parts.length < 2) return 'src';
  const rest = (parts[parts.length - 1] ?? '').split('/');
  return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? 'unknown');
};

export const contributors = (meta: Metafile, limit = 5): { name: string; kb: number }[] => {
  const byPackage = new Map<string, number>();
  for (const output of Object.values(meta.outputs)) {
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
  const { bytes, metafile } = await bundleFunction(fn);
  return { fn, bytes, kb: kb(bytes), withinGoal: kb(bytes) <= GOAL_KB, top: contributors(metafile) };
};

const main = async (): Promise<void> => {
  const sizes: BundleSize[] = [];
  for (const fn of Object.keys(functions) as FunctionName[]) sizes.push(await measure(fn));

  const width = Math.max(...sizes.map((s) => s.fn.length), 'function'.length);
  console.log(`${'function'.padEnd(width)}  ${'KB'.padStart(7)}  goal ${GOAL_KB} KB  largest parts`);
  for (const s of sizes) {
    const parts = s.top.map((t) => `${t.name} ${t.kb}`).join(', ');
    console.log(
      `${s.fn.padEnd(width)}  ${s.kb.toFixed(1).padStart(7)}  ${(s.withinGoal ? 'ok' : 'OVER').padEnd(12)}  ${parts}`,
    );
  }

  mkdirSync(join(repoRoot, 'dist'), { recursive: true });
  const file = join(repoRoot, 'dist', 'bundle-sizes.json');
  writeFileSync(
    file,
    `${JSON.stringify({ goalKb: GOAL_KB, minified: true, sourceMapsExcluded: true, functions: sizes }, null, 2)}\n`,
  );
  console.log(`\nwrote ${file}`);
  console.log('');
  // The web client: fails (non-zero exit) when its first screen is over the 60 KB gzipped budget.
  reportWebSize();
};

if (import.meta.url === `file://${process.argv[1]}`) await main();
