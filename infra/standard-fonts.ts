/**
 * Stands in for `@pdf-lib/standard-fonts` in the Lambda bundles only (an esbuild alias in
 * infra/bundling.ts). pdf-lib imports the metrics of all 14 standard PDF fonts through one module
 * (127 KB minified); a statement (src/domain/statement-pdf.ts) is set in Helvetica and Helvetica-Bold
 * only, so the bundle keeps those two (29 KB). Everything else is the package's own code: its
 * encodings, its decompression, and `Font.load` as the package writes it (its cache, its widths and
 * kerning tables). Loading another font throws, naming this file; infra/standard-fonts.test.ts
 * proves the two fonts load exactly as the real package loads them. Offline (tsx, not bundled)
 * pdf-lib keeps the real package.
 */
// Relative paths: the alias would turn `@pdf-lib/standard-fonts/...` into this file's own subpaths.
import { Encodings } from '../node_modules/@pdf-lib/standard-fonts/es/Encoding.js';
import Helvetica from '../node_modules/@pdf-lib/standard-fonts/es/Helvetica.compressed.json' with {
  type: 'json',
};
import HelveticaBold from '../node_modules/@pdf-lib/standard-fonts/es/Helvetica-Bold.compressed.json' with {
  type: 'json',
};
import { decompressJson } from '../node_modules/@pdf-lib/standard-fonts/es/utils.js';

export { Encodings };

/** The 14 standard fonts' names, as the package's FontNames (its Font.js would bring every font along). */
export const FontNames = {
  Courier: 'Courier',
  CourierBold: 'Courier-Bold',
  CourierOblique: 'Courier-Oblique',
  CourierBoldOblique: 'Courier-BoldOblique',
  Helvetica: 'Helvetica',
  HelveticaBold: 'Helvetica-Bold',
  HelveticaOblique: 'Helvetica-Oblique',
  HelveticaBoldOblique: 'Helvetica-BoldOblique',
  TimesRoman: 'Times-Roman',
  TimesRomanBold: 'Times-Bold',
  TimesRomanItalic: 'Times-Italic',
  TimesRomanBoldItalic: 'Times-BoldItalic',
  Symbol: 'Symbol',
  ZapfDingbats: 'ZapfDingbats',
} as const;

/** The fonts the bundles carry: those the statement PDF is set in. */
export const bundledFonts: Record<string, string> = {
  Helvetica: Helvetica as unknown as string,
  'Helvetica-Bold': HelveticaBold as unknown as string,
};

type Metric = { N: string; WX: number };
const fontCache: Record<string, Font> = {};

/** `@pdf-lib/standard-fonts`' Font, limited to the bundled fonts. */
export class Font {
  [key: string]: unknown;
  CharMetrics: Metric[] = [];
  KernPairs: [string, string, number][] = [];
  CharWidths: Record<string, number> = {};
  KernPairXAmounts: Record<string, Record<string, number>> = {};

  getWidthOfGlyph = (glyphName: string): number | undefined => this.CharWidths[glyphName];

  getXAxisKerningForPair = (left: string, right: string): number | undefined =>
    this.KernPairXAmounts[left]?.[right];

  static load(fontName: string): Font {
    const cached = fontCache[fontName];
    if (cached) return cached;
    const compressed = bundledFonts[fontName];
    if (!compressed) {
      throw new Error(`${fontName} is not in the Lambda bundle: add it to infra/standard-fonts.ts`);
    }
    const font: Font = Object.assign(new Font(), JSON.parse(decompressJson(compressed)) as Partial<Font>);
    font.CharWidths = font.CharMetrics.reduce<Record<string, number>>((acc, m) => {
      acc[m.N] = m.WX;
      return acc;
    }, {});
    font.KernPairXAmounts = font.KernPairs.reduce<Record<string, Record<string, number>>>(
      (acc, [name1, name2, width]) => {
        acc[name1] ??= {};
        acc[name1][name2] = width;
        return acc;
      },
      {},
    );
    fontCache[fontName] = font;
    return font;
  }
}
