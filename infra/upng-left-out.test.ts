/**
 * The Lambda bundles leave pdf-lib's PNG decoder out (infra/upng-left-out.ts): a PNG embedded through
 * a bundle is refused, naming the file, where offline pdf-lib (the real package) embeds it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';

/** A 1 x 1 PNG. */
const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

const embed = async (lib: typeof import('pdf-lib')) => {
  const doc = await lib.PDFDocument.create();
  const image = await doc.embedPng(png);
  return image.width;
};

describe('pdf-lib in the Lambda bundles', () => {
  it('embeds no PNG (its decoder is left out), where offline pdf-lib does', async () => {
    expect(await embed({ PDFDocument } as typeof import('pdf-lib'))).toBe(1);
    const { build } = await import('esbuild');
    const { esbuildOptions, repoRoot } = await import('./bundling.ts');
    const dir = await mkdtemp(join(tmpdir(), 'bank-upng-'));
    try {
      const outfile = join(dir, 'pdf-lib.mjs');
      const result = await build({
        ...esbuildOptions,
        stdin: { contents: "export * from 'pdf-lib';", resolveDir: repoRoot, loader: 'js' },
        outfile,
        absWorkingDir: repoRoot,
      });
      expect(Object.keys(result.metafile.inputs).join('\n')).not.toMatch(/@pdf-lib[\\/]upng/);
      const bundled = (await import(pathToFileURL(outfile).href)) as typeof import('pdf-lib');
      await expect(embed(bundled)).rejects.toThrow(/infra\/upng-left-out\.ts/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
