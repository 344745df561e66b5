/**
 * Issue #6, part 4: dependency hygiene. Every Lambda function of the route table is bundled with the
 * esbuild options the CDK app deploys with (infra/bundling.ts), and the bundle's inputs are checked
 * against package-lock.json: nothing that only development needs may ship. `npm ls` must be clean, and
 * The README's runtime-dependency table must explain every runtime dependency.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleFunction, repoRoot } from '../../infra/bundling.ts';
import { type FunctionName, functions } from '../../src/functions.ts';

interface LockEntry {
  version?: string;
  dev?: boolean;
  devOptional?: boolean;
}

let pkg: { dependencies: Record<string, string>; devDependencies: Record<string, string> };
let lock: { packages: Record<string, LockEntry> };
const metafiles = new Map<FunctionName, Metafile>();

beforeAll(async () => {
  pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8'));
  lock = JSON.parse(await readFile(join(repoRoot, 'package-lock.json'), 'utf8'));
  await Promise.all(
    (Object.keys(functions) as FunctionName[]).map(async (fn) => {
      metafiles.set(fn, (await bundleFunction(fn)).metafile);
    }),
  );
}, 120_000);

/** `node_modules/a/node_modules/@b/c/dist/x.js` -> `node_modules/a/node_modules/@b/c` (its lockfile key). */
const installPath = (input: string): string | undefined =>
  /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];

const nameOf = (path: string): string =>
  path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);

describe('dependency hygiene', () => {
  it('no Lambda bundle carries a package that only development needs', () => {
    expect([...metafiles.keys()].sort()).toEqual(Object.keys(functions).sort());
    const devOnly = Object.keys(pkg.devDependencies).filter((d) => !(d in pkg.dependencies));
    // the check has teeth: the lockfile marks each development-only package (and what only they need)
    for (const d of devOnly) expect(lock.packages[`node_modules/${d}`]?.dev, d).toBe(true);
    for (const [fn, meta] of metafiles) {
      const packages = new Set(
        Object.keys(meta.inputs)
          .map(installPath)
          .filter((p) => p !== undefined),
      );
      expect(packages.size, fn).toBeGreaterThan(0);
      for (const path of packages) {
        const entry = lock.packages[path];
        expect(entry, `${fn}: ${path} is not in package-lock.json`).toBeDefined();
        expect(entry?.dev, `${fn}: ${path} is a development-only package`).not.toBe(true);
        expect(devOnly, `${fn}: ${path}`).not.toContain(nameOf(path));
      }
    }
  });

  it('the bundles hold our runtime code only: no tests, no local stack, no CDK', () => {
    for (const [fn, meta] of metafiles) {
      const own = Object.keys(meta.inputs).filter((i) => !i.includes('node_modules/'));
      expect(own.length, fn).toBeGreaterThan(0);
      for (const input of own) {
        // Our runtime code, plus the stand-ins the bundling aliases in for Lambda only (the
        // credentials provider, the two standard fonts a statement uses, pako's zlib, the PNG
        // decoder, the event-stream codec and the DynamoDB endpoint-discovery cache left out).
        expect(input, fn).toMatch(
          /^(src\/(api|domain|handlers|identity|store)\/|src\/config\.ts$|infra\/(lambda-credentials|standard-fonts|pako-zlib|upng-left-out|event-streams-left-out|endpoint-cache-left-out)\.ts$)/,
        );
        expect(input, fn).not.toMatch(/\.test\.ts$/);
      }
    }
  });

  it('every runtime dependency ships in some bundle (else it belongs in devDependencies)', () => {
    const used = new Set(
      [...metafiles.values()].flatMap((m) =>
        Object.keys(m.inputs)
          .map(installPath)
          .filter((p) => p !== undefined)
          .map(nameOf),
      ),
    );
    for (const dep of Object.keys(pkg.dependencies))
      expect([...used], `${dep} is in no bundle`).toContain(dep);
  });

  it('`npm ls --all` is clean (no missing, invalid or extraneous package)', async () => {
    const { stdout } = await promisify(execFile)('npm', ['ls', '--all', '--json'], {
      cwd: repoRoot,
      maxBuffer: 64 * 1024 * 1024,
    });
    const tree = JSON.parse(stdout) as { problems?: string[] };
    expect(tree.problems ?? []).toEqual([]);
  }, 60_000);

  it('the README names every runtime dependency and why it is there', async () => {
    const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
    const start = readme.indexOf('### Runtime dependencies');
    expect(start).toBeGreaterThan(0);
    const section = readme.slice(start, readme.indexOf('\n## ', start));
    for (const dep of Object.keys(pkg.dependencies)) {
      expect(section, dep).toMatch(
        new RegExp(`\\|\\s*\`${dep.replace(/[/.]/g, '\\$&')}\`\\s*\\|[^|]*\\d[^|]*\\|\\s*\\S`),
      );
    }
  });
});
