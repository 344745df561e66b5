/**
 * The web client's size, as `npm run size` reports it: what the first screen downloads (index.html,
 * the entry chunk, the chunks it imports statically, and their CSS), gzipped, against a budget of
 * 60 KB; and each lazily loaded chunk on its own. It reads Vite's build manifest (.vite/manifest.json
 * in the build's directory), so "first screen" is what the build says the entry needs, not a guess from
 * names. `checkWebBudget` fails (throws) over budget; run alone: `tsx scripts/web-size.ts` (builds first,
 * into a temporary directory).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const WEB_BUDGET_KB = 60;

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const WEB_DIST = join(ROOT, 'web', 'dist');

/** One entry of Vite's manifest.json (the fields used here). */
export interface ManifestChunk {
  file: string;
  isEntry?: boolean;
  isDynamicEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
}
export type Manifest = Record<string, ManifestChunk>;

/** The files the entry needs before the first screen can show: its chunk, static imports (transitively), CSS. */
export const firstScreenFiles = (manifest: Manifest): string[] => {
  const entries = Object.keys(manifest).filter((k) => manifest[k]?.isEntry);
  if (entries.length !== 1) throw new Error(`expected one entry in the manifest, found ${entries.length}`);
  const files = new Set<string>();
  const seen = new Set<string>();
  const visit = (key: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    const c = manifest[key];
    if (!c) throw new Error(`the manifest has no chunk ${key}`);
    files.add(c.file);
    for (const css of c.css ?? []) files.add(css);
    for (const i of c.imports ?? []) visit(i);
  };
  visit(entries[0] as string);
  return [...files];
};

/** The assets index.html itself loads (its script, stylesheet and preloads): `/assets/x.js` -> `assets/x.js`. */
export const htmlAssets = (html: string): string[] =>
  [...html.matchAll(/\s(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1] as string);

/** Chunks loaded only on demand: dynamic entries that the first screen does not already include. */
export const lazyFiles = (manifest: Manifest): string[] => {
  const first = new Set(firstScreenFiles(manifest));
  return Object.values(manifest)
    .filter((c) => !first.has(c.file) && c.file.endsWith('.js'))
    .map((c) => c.file);
};

export interface WebSize {
  budgetKb: number;
  /** index.html and the first screen's files, each gzipped (level 9), in KB. */
  firstScreen: { file: string; gzipKb: number }[];
  firstScreenKb: number;
  lazy: { file: string; gzipKb: number }[];
  withinBudget: boolean;
}

const kb = (bytes: number): number => Math.round((bytes / 1024) * 10) / 10;
const gzipBytes = (path: string): number => gzipSync(readFileSync(path), { level: 9 }).length;

export const measureWeb = (dist = WEB_DIST, budgetKb = WEB_BUDGET_KB): WebSize => {
  const manifestPath = join(dist, '.vite', 'manifest.json');
  if (!existsSync(manifestPath))
    throw new Error(`no build manifest at ${manifestPath}: run npm run build:web`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const files = new Set(['index.html', ...htmlAssets(html), ...firstScreenFiles(manifest)]);
  const first = [...files].map((file) => ({
    file,
    bytes: gzipBytes(join(dist, file)),
  }));
  const total = first.reduce((n, f) => n + f.bytes, 0);
  return {
    budgetKb,
    firstScreen: first.map((f) => ({ file: f.file, gzipKb: kb(f.bytes) })),
    firstScreenKb: kb(total),
    lazy: lazyFiles(manifest).map((file) => ({ file, gzipKb: kb(gzipBytes(join(dist, file))) })),
    withinBudget: total <= budgetKb * 1024,
  };
};

/** Throws when the first screen is over budget, saying by how much and what it holds. */
export const checkWebBudget = (s: WebSize): void => {
  if (s.withinBudget) return;
  throw new Error(
    `the web client's first screen is ${s.firstScreenKb} KB gzipped, over its ${s.budgetKb} KB budget: ${s.firstScreen
      .map((f) => `${f.file} ${f.gzipKb}`)
      .join(', ')}. Load heavy screens lazily (web/src/lazy.tsx).`,
  );
};

export const formatWebSize = (s: WebSize): string =>
  [
    `web client, first screen: ${s.firstScreenKb} KB gzipped (budget ${s.budgetKb} KB) ${s.withinBudget ? 'ok' : 'OVER'}`,
    ...s.firstScreen.map((f) => `  ${f.file.padEnd(40)} ${f.gzipKb.toFixed(1).padStart(6)} KB`),
    'loaded lazily:',
    ...s.lazy.map((f) => `  ${f.file.padEnd(40)} ${f.gzipKb.toFixed(1).padStart(6)} KB`),
  ].join('\n');

/**
 * Builds the client into a directory of its own, prints its size, and fails over budget. It never
 * builds into web/dist: Vite empties its output directory first, and CI runs this beside the CDK synth,
 * which stages web/dist as the site's asset (a file listed, then deleted, fails the synth; a directory
 * read while empty deploys no site).
 */
export const reportWebSize = (): WebSize => {
  const outDir = mkdtempSync(join(tmpdir(), 'web-size-'));
  try {
    const build = spawnSync('npx', ['vite', 'build', 'web', '--outDir', outDir, '--logLevel', 'error'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    if (build.status !== 0) throw new Error(`vite build failed:\n${build.stdout}${build.stderr}`);
    const s = measureWeb(outDir);
    console.log(formatWebSize(s));
    checkWebBudget(s);
    return s;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
};

if (import.meta.url === `file://${process.argv[1]}`) reportWebSize();
