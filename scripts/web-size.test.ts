import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkWebBudget,
  firstScreenFiles,
  htmlAssets,
  lazyFiles,
  type Manifest,
  measureWeb,
  reportWebSize,
  WEB_DIST,
} from './web-size.ts';

const manifest: Manifest = {
  'index.html': {
    file: 'assets/index.js',
    isEntry: true,
    imports: ['_shared.js'],
    dynamicImports: ['src/screens/settings.tsx'],
  },
  '_shared.js': { file: 'assets/shared.js', imports: ['index.html'], css: ['assets/shared.css'] },
  'src/screens/settings.tsx': {
    file: 'assets/settings.js',
    isDynamicEntry: true,
    imports: ['index.html', '_shared.js', '_qr.js'],
  },
  '_qr.js': { file: 'assets/qr.js' },
};

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A dist directory with files of the given sizes (random bytes: gzip cannot shrink them). */
const dist = (sizes: Record<string, number>, html = '<script src="/assets/index.js"></script>') => {
  const dir = mkdtempSync(join(tmpdir(), 'web-size-test-'));
  made.push(dir);
  mkdirSync(join(dir, 'assets'));
  mkdirSync(join(dir, '.vite'));
  writeFileSync(join(dir, '.vite', 'manifest.json'), JSON.stringify(manifest));
  writeFileSync(join(dir, 'index.html'), html);
  for (const [file, n] of Object.entries(sizes)) {
    const bytes = Buffer.alloc(n);
    for (let i = 0; i < n; i++) bytes[i] = Math.floor(Math.random() * 256);
    writeFileSync(join(dir, file), bytes);
  }
  return dir;
};

describe('web client size', () => {
  it('counts the entry and its static imports as the first screen, and dynamic ones as lazy', () => {
    expect(firstScreenFiles(manifest).sort()).toEqual([
      'assets/index.js',
      'assets/shared.css',
      'assets/shared.js',
    ]);
    expect(lazyFiles(manifest).sort()).toEqual(['assets/qr.js', 'assets/settings.js']);
    expect(
      htmlAssets(
        '<script type="module" src="/assets/a.js"></script><link rel="stylesheet" href="/assets/s.css">',
      ),
    ).toEqual(['assets/a.js', 'assets/s.css']);
  });

  it('passes under budget and fails over it, counting what index.html loads too', () => {
    const files = {
      'assets/index.js': 20_000,
      'assets/shared.js': 10_000,
      'assets/shared.css': 1_000,
      'assets/settings.js': 5_000,
      'assets/qr.js': 90_000,
      'assets/style.css': 20_000,
    };
    const small = measureWeb(dist(files), 60);
    expect(small.firstScreenKb).toBeGreaterThan(30);
    expect(small.firstScreenKb).toBeLessThan(33);
    expect(small.withinBudget).toBe(true);
    expect(() => checkWebBudget(small)).not.toThrow();
    // The lazy QR chunk is big, but only the first screen counts.
    expect(small.lazy.find((f) => f.file === 'assets/qr.js')?.gzipKb).toBeGreaterThan(80);

    const withCss = measureWeb(
      dist(files, '<script src="/assets/index.js"></script><link rel="stylesheet" href="/assets/style.css">'),
      45,
    );
    expect(withCss.firstScreen.map((f) => f.file)).toContain('assets/style.css');
    expect(withCss.withinBudget).toBe(false);
    expect(() => checkWebBudget(withCss)).toThrow(/over its 45 KB budget/);
  });
});

/** Each file under `dir` with its modification time, or undefined when there is no such directory. */
const snapshot = (dir: string): Record<string, number> | undefined => {
  if (!existsSync(dir)) return undefined;
  const out: Record<string, number> = {};
  for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' }))
    out[f] = statSync(join(dir, f)).mtimeMs;
  return out;
};

describe('npm run size on the web client', () => {
  // CI runs it beside the CDK synth, which stages web/dist as the site: a rebuild there (Vite empties
  // its output first) could fail the synth or leave it an empty site. Run where web/dist is built (CI
  // builds it before the tests): without one, a stack test's `npm start` may build it meanwhile.
  it.skipIf(!existsSync(WEB_DIST))(
    'builds and measures a client of its own, leaving web/dist as it was',
    () => {
      const before = snapshot(WEB_DIST);
      const s = reportWebSize();
      expect(s.firstScreen.map((f) => f.file)).toContain('index.html');
      expect(s.firstScreenKb).toBeGreaterThan(10);
      expect(snapshot(WEB_DIST)).toEqual(before);
    },
  );
});
