/**
 * The deployed functions' source maps (infra/bundling.ts): separate files without the sources' text,
 * with our sources' mappings only (what --enable-source-maps reads at every cold start stays small),
 * and still enough for a stack trace to name our TypeScript files and lines.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFunction, esbuildOptions, sourceMapEnvironment } from './bundling.ts';

let dir: string;
let bundle: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bank-maps-'));
  bundle = join(dir, 'health', 'index.mjs');
  await bundleFunction('health', bundle);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('source maps of the Lambda bundles', () => {
  it('are separate files that name our sources but leave their text out', async () => {
    expect(esbuildOptions.sourcemap).toBe(true);
    expect(esbuildOptions.sourcesContent).toBe(false);
    const js = await readFile(bundle, 'utf8');
    expect(js).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
    const map = JSON.parse(await readFile(`${bundle}.map`, 'utf8')) as {
      sources: string[];
      sourcesContent?: unknown;
    };
    expect(map.sourcesContent).toBeUndefined();
    expect(map.sources.some((s) => s.endsWith('src/api/http.ts'))).toBe(true);
    // Our sources only (./source-map-trim.ts): the packages' code maps to nothing.
    expect(map.sources.filter((s) => s.includes('node_modules'))).toEqual([]);
  });

  it('turn a stack trace from the bundle into our TypeScript file and line, as deployed', () => {
    // The handler reads the event before its try: an undefined event throws from src/api/http.ts.
    const child = `const { handler } = await import(${JSON.stringify(pathToFileURL(bundle).href)});
      try { await handler(undefined); } catch (e) { console.log(e.stack); }`;
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, ['--input-type=module', '-e', child], {
        env: { PATH: process.env.PATH ?? '', ...env },
        encoding: 'utf8',
      }).stdout;
    expect(run({ ...sourceMapEnvironment })).toMatch(/src\/api\/http\.ts:\d+:\d+/);
    // Without the flag the trace points into the minified bundle: the test above is not vacuous.
    expect(run({})).not.toMatch(/src\/api\/http\.ts/);
  });
});
