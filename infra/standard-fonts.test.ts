/**
 * The Lambda bundles' stand-in for `@pdf-lib/standard-fonts` (infra/standard-fonts.ts): the fonts it
 * keeps load exactly as the real package loads them, and any other font is refused by name rather
 * than set in wrong metrics.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as real from '@pdf-lib/standard-fonts';
import { decodePDFRawStream, PDFDocument, PDFName, PDFRawStream } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import * as bundled from './standard-fonts.ts';

/**
 * A PDF's indirect objects as text: a stream's dictionary without its /Length, and its contents as
 * pdf-lib's own decoder (not pako, not zlib) decodes them.
 */
const pdfObjects = async (bytes: Uint8Array): Promise<string[]> => {
  const doc = await PDFDocument.load(bytes, { updateMetadata: false });
  return doc.context
    .enumerateIndirectObjects()
    .map(([ref, obj]) => {
      if (!(obj instanceof PDFRawStream)) return `${ref} ${obj}`;
      const dict = obj.dict.clone();
      dict.delete(PDFName.of('Length'));
      return `${ref} ${dict} ${Buffer.from(decodePDFRawStream(obj).decode()).toString('latin1')}`;
    })
    .sort();
};

const plain = (font: object) => JSON.parse(JSON.stringify(font)) as unknown;

describe('the bundled standard fonts', () => {
  it.each(['Helvetica', 'Helvetica-Bold'])(
    'load %s as the package does: metrics, widths, kerning',
    (name) => {
      const mine = bundled.Font.load(name);
      const theirs = real.Font.load(name as real.FontNames);
      expect(plain(mine)).toEqual(plain(theirs));
      expect(mine.getWidthOfGlyph('W')).toBe(theirs.getWidthOfGlyph('W'));
      expect(mine.getXAxisKerningForPair('A', 'V')).toBe(theirs.getXAxisKerningForPair('A', 'V'));
      expect(mine.getXAxisKerningForPair('A', 'V')).toBeLessThan(0);
      expect(bundled.Font.load(name)).toBe(mine);
    },
  );

  it('names every standard font as the package does, and shares its encodings', () => {
    expect(bundled.FontNames).toEqual({ ...real.FontNames });
    expect(plain(bundled.Encodings)).toEqual(plain(real.Encodings));
  });

  it('refuses a font it does not carry, naming where to add it', () => {
    expect(() => bundled.Font.load('Times-Roman')).toThrow(/infra\/standard-fonts\.ts/);
  });
});

describe('a statement PDF rendered by the Lambda bundle', () => {
  it('is the PDF rendered offline with the full font package and pako, object by object', async () => {
    const { build } = await import('esbuild');
    const { esbuildOptions, repoRoot } = await import('./bundling.ts');
    const { renderStatementPdf } = await import('../src/domain/statement-pdf.ts');
    const { totalsOf } = await import('../src/domain/statements.ts');
    const dir = await mkdtemp(join(tmpdir(), 'bank-pdf-'));
    try {
      const outfile = join(dir, 'statement-pdf.mjs');
      const result = await build({
        ...esbuildOptions,
        entryPoints: [join(repoRoot, 'src/domain/statement-pdf.ts')],
        outfile,
        absWorkingDir: repoRoot,
      });
      // The stand-in replaced the package: none of its other fonts is in the bundle.
      expect(Object.keys(result.metafile.inputs).join('\n')).not.toMatch(/Times-Roman|Courier/);
      // And Node's zlib replaced pako (infra/pako-zlib.ts).
      expect(Object.keys(result.metafile.inputs).join('\n')).not.toMatch(/node_modules[\\/]pako[\\/]/);
      expect(Object.keys(result.metafile.inputs).join('\n')).toMatch(/infra[\\/]pako-zlib\.ts/);
      const lines = [1, 2, 3].map((n) => ({
        txId: `tx-${n}`,
        type: 'deposit' as const,
        date: `2027-03-0${n}T10:00:00.000Z`,
        description: `Café line ${n}, AVAWAY kerning`,
        counterparty: null,
        amount: 1000 * n,
        balance: 1000 * ((n * (n + 1)) / 2),
      }));
      const statement = {
        bank: 'Serverless Bank',
        customerName: 'Zoë Müller',
        accountNumber: '4820193757',
        currency: 'EUR',
        period: '2027-03',
        toDate: false,
        from: '2027-03-01T00:00:00.000Z',
        to: '2027-04-01T00:00:00.000Z',
        lines,
        ...totalsOf(0, lines),
      } as Parameters<typeof renderStatementPdf>[0];
      const now = new Date('2027-04-02T00:00:00Z');
      const bundled = (await import(pathToFileURL(outfile).href)) as {
        renderStatementPdf: typeof renderStatementPdf;
      };
      const mine = await bundled.renderStatementPdf(statement, now);
      const theirs = await renderStatementPdf(statement, now);
      // The bundle deflates with Node's zlib (infra/pako-zlib.ts), so compressed bytes differ from
      // pako's: the two PDFs are compared object by object, each stream by what it decodes to.
      const [a, b] = await Promise.all([pdfObjects(mine.bytes), pdfObjects(theirs.bytes)]);
      expect(a.length).toBeGreaterThan(5);
      // Content streams were decoded: their text operators are readable.
      expect(a.some((o) => / Tj\b/.test(o))).toBe(true);
      expect(a).toEqual(b);
      expect(mine.pages).toEqual(theirs.pages);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
