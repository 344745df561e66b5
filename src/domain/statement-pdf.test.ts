import fc from 'fast-check';
import {
  decodePDFRawStream,
  PDFArray,
  PDFDocument,
  type PDFFont,
  PDFRawStream,
  StandardFonts,
} from 'pdf-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { pdfText } from '../../test/pdf-text.ts';
import { renderStatementPdf, TEXT_WIDTH, truncateToWidth, wrapToWidth } from './statement-pdf.ts';
import { type Statement, statementSpan, totalsOf } from './statements.ts';

const PAGE_WIDTH = 595.28;
const MARGIN = 40;
const ELLIPSIS = '\u2026';

let regular: PDFFont;
let bold: PDFFont;
beforeAll(async () => {
  const doc = await PDFDocument.create();
  regular = await doc.embedFont(StandardFonts.Helvetica);
  bold = await doc.embedFont(StandardFonts.HelveticaBold);
});
const widthIn = (f: PDFFont, size: number) => (t: string) => f.widthOfTextAtSize(t, size);

/** The cut as it was made before: one character off and a fresh measure, until it fits. */
const reference = (text: string, maxWidth: number, width: (t: string) => number): string => {
  let t = text;
  while (t.length > 1 && width(t) > maxWidth) t = `${t.slice(0, -2)}${ELLIPSIS}`;
  return t;
};

/** Each text a page draws, where and in which font and size (pdf-lib writes `Tf`, `Tm`, then `Tj`). */
const placed = async (bytes: Uint8Array) => {
  const doc = await PDFDocument.load(bytes);
  return doc.getPages().map((page) => {
    const contents = page.node.Contents();
    const streams =
      contents instanceof PDFArray ? contents.asArray().map((r) => doc.context.lookup(r)) : [contents];
    const out: { text: string; x: number; y: number; size: number; bold: boolean }[] = [];
    for (const s of streams) {
      if (!(s instanceof PDFRawStream)) continue;
      const ops = Buffer.from(decodePDFRawStream(s).decode()).toString('latin1');
      const drawn =
        /\/(Helvetica(?:-Bold)?)-\d+ ([\d.]+) Tf[^<]*?1 0 0 1 ([\d.-]+) ([\d.-]+) Tm\s*<([0-9A-Fa-f]*)> Tj/g;
      for (const m of ops.matchAll(drawn))
        out.push({
          text: Buffer.from(m[5] ?? '', 'hex').toString('latin1'),
          x: Number(m[3]),
          y: Number(m[4]),
          size: Number(m[2]),
          bold: m[1] === 'Helvetica-Bold',
        });
    }
    return out;
  });
};

const statementFor = (customerName: string, descriptions: string[] = ['Rent']): Statement => {
  const lines = descriptions.map((description, i) => ({
    txId: `tx-${i}`,
    type: 'deposit',
    date: `2027-03-0${1 + (i % 9)}T10:00:00.000Z`,
    description,
    counterparty: null,
    amount: 100,
    balance: 100 * (i + 1),
  }));
  return {
    bank: 'Serverless Bank',
    customerName,
    accountNumber: '4820193757',
    currency: 'USD',
    period: '2027-03',
    ...statementSpan('2027-03', new Date('2027-04-02T00:00:00Z'), lines.at(-1)?.date),
    ...totalsOf(0, lines),
    lines,
  };
};

describe('truncateToWidth (a table cell cut to its column)', () => {
  it('each character added to a text makes it no narrower, "\u2026" after it or not (what the binary search needs)', () => {
    // Kerning is between neighbours only: checking every character after every other covers every text.
    const narrower: string[] = [];
    for (const f of [regular, bold]) {
      const width = widthIn(f, 1000);
      const chars = f.getCharacterSet().map((c) => String.fromCodePoint(c));
      for (const a of ['', ...chars])
        for (const b of chars) {
          if (width(a + b + ELLIPSIS) < width(a + ELLIPSIS)) narrower.push(`${a}${b}${ELLIPSIS}`);
          if (width(a + b) < width(a)) narrower.push(`${a}${b}`);
        }
    }
    expect(narrower).toEqual([]);
  });

  it('cuts as the one-character-at-a-time loop did: the longest prefix and "\u2026" that fit', () => {
    const chars = [...regular.getCharacterSet(), 0x3f].map((c) => String.fromCodePoint(c));
    const text = fc.array(fc.constantFrom(...chars), { maxLength: 120 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(
        text,
        fc.double({ min: -5, max: 400, noNaN: true }),
        fc.boolean(),
        fc.constantFrom(8, 9, 10, 16),
        (t, maxWidth, isBold, size) => {
          const width = widthIn(isBold ? bold : regular, size);
          expect(truncateToWidth(t, maxWidth, width)).toBe(reference(t, maxWidth, width));
        },
      ),
      { numRuns: 2000 },
    );
    // The edges: empty, one character, two, a text that fits exactly, a width nothing fits.
    const width = widthIn(regular, 9);
    for (const t of ['', 'W', 'WW', 'Rent', 'Payment for invoice 123456 from a customer, reference 42'])
      for (const maxWidth of [-1, 0, 1, width(ELLIPSIS), width('Re'), width(t), width(t) - 0.01, 184])
        expect(truncateToWidth(t, maxWidth, width), `${t} in ${maxWidth}`).toBe(
          reference(t, maxWidth, width),
        );
  });

  it('measures a long text a few times, not once per character cut', () => {
    const width = widthIn(regular, 9);
    for (const length of [100, 1_000, 10_000]) {
      const t = 'Payment for invoice 123456 '.repeat(length).slice(0, length);
      let calls = 0;
      const counted = (u: string) => {
        calls++;
        return width(u);
      };
      const cut = truncateToWidth(t, 184, counted);
      // The loop's own cut of 10,000 characters takes seconds: the same answer, checked directly.
      if (length <= 1_000) expect(cut).toBe(reference(t, 184, width));
      expect(width(cut)).toBeLessThanOrEqual(184);
      expect(width(`${t.slice(0, cut.length)}${ELLIPSIS}`)).toBeGreaterThan(184);
      expect(calls, `${length} characters`).toBeLessThanOrEqual(Math.ceil(Math.log2(length)) + 2);
    }
  });
});

describe('wrapToWidth (a header line within the page)', () => {
  const width = (t: string) => regular.widthOfTextAtSize(t, 10);

  it('leaves a line that fits as it is', () => {
    expect(wrapToWidth('Customer: Zo\u00eb  M\u00fcller', TEXT_WIDTH, width, 40)).toEqual([
      'Customer: Zo\u00eb  M\u00fcller',
    ]);
    expect(wrapToWidth('', TEXT_WIDTH, width)).toEqual([]);
  });

  it('breaks at spaces, never leaving the label alone, and within a word longer than a line', () => {
    const indent = width('Customer: ');
    const words =
      'Customer: MAXIMILIAN WOLFGANG ALEXANDER BARTHOLOMEW MONTGOMERY-FEATHERSTONEHAUGH WORTHINGTON SMYTHE JR.';
    const lines = wrapToWidth(words, TEXT_WIDTH, width, indent);
    expect(lines).toEqual([
      'Customer: MAXIMILIAN WOLFGANG ALEXANDER BARTHOLOMEW MONTGOMERY-FEATHERSTONEHAUGH',
      'WORTHINGTON SMYTHE JR.',
    ]);
    const word = `Customer: ${'W'.repeat(100)}`;
    const cut = wrapToWidth(word, TEXT_WIDTH, width, indent);
    expect(cut.length).toBe(3);
    expect(cut[0]?.startsWith('Customer: WWW')).toBe(true);
    expect(cut.join('')).toBe(word);
    cut.forEach((l, i) => {
      expect(width(l)).toBeLessThanOrEqual(TEXT_WIDTH - (i > 0 ? indent : 0));
    });
    // Each line holds as much as fits: the next line's first character would not.
    for (const [i, l] of cut.slice(0, -1).entries())
      expect(width(l + (cut[i + 1] as string)[0])).toBeGreaterThan(TEXT_WIDTH - (i > 0 ? indent : 0));
  });

  it('cuts the last of `maxLines` short with "\u2026", and every line fits', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[A-Za-z@\u00c6-]{1,30}$/), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 4 }),
        (words, maxLines) => {
          const t = `Customer: ${words.join(' ')}`;
          const indent = width('Customer: ');
          const lines = wrapToWidth(t, TEXT_WIDTH, width, indent, maxLines);
          expect(lines.length).toBeGreaterThan(0);
          expect(lines.length).toBeLessThanOrEqual(maxLines);
          lines.forEach((l, i) => {
            expect(width(l)).toBeLessThanOrEqual(TEXT_WIDTH - (i > 0 ? indent : 0));
          });
          const joined = lines.join(' ');
          if (lines.at(-1)?.endsWith(ELLIPSIS)) expect(lines.length).toBe(maxLines);
          else expect(joined.replace(/ /g, '')).toBe(t.replace(/ /g, ''));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('the statement PDF stays within the page', () => {
  const names = [
    'MAXIMILIAN WOLFGANG ALEXANDER BARTHOLOMEW MONTGOMERY-FEATHERSTONEHAUGH WORTHINGTON SMYTHE JR.',
    // 100 characters (the longest name a customer can have) of the widest glyph, and of a wide one in words.
    '@'.repeat(100),
    Array.from({ length: 20 }, () => 'WMW\u00c6W')
      .join(' ')
      .slice(0, 100),
  ];

  it.each(names)('prints the whole of a long name over more lines, within the margins: %s', async (name) => {
    const s = statementFor(name);
    const { bytes, pages } = await renderStatementPdf(s, new Date('2027-04-02T00:00:00Z'));
    expect(await pdfText(bytes)).toEqual(pages);
    const [first] = await placed(bytes);
    if (!first) throw new Error('no page');
    expect(first.map((d) => d.text)).toEqual(pages[0]);
    for (const d of first) {
      const w = (d.bold ? bold : regular).widthOfTextAtSize(d.text, d.size);
      expect(d.x, d.text).toBeGreaterThanOrEqual(MARGIN);
      expect(d.x + w, d.text).toBeLessThanOrEqual(PAGE_WIDTH - MARGIN);
    }
    // The name, whole, on the lines from "Customer: " to "Account: ", each a row below the one before.
    const from = first.findIndex((d) => d.text.startsWith('Customer: '));
    const to = first.findIndex((d) => d.text.startsWith('Account: '));
    const customer = first.slice(from, to);
    expect(customer.length).toBeGreaterThan(1);
    const shown = customer.map((d) => d.text);
    expect(shown.join(' ').replace(/ /g, '')).toBe(`Customer: ${name}`.replace(/ /g, ''));
    expect(shown.join('')).not.toContain(ELLIPSIS);
    const rows = first.slice(from - 1, to + 3);
    for (const [i, d] of rows.slice(1).entries()) expect(d.y).toBeCloseTo((rows[i]?.y ?? 0) - 14, 5);
    // The lines after the first start under the name, after the label.
    for (const d of customer.slice(1))
      expect(d.x).toBeCloseTo(MARGIN + regular.widthOfTextAtSize('Customer: ', 10), 5);
    // The table starts below the header.
    const tableHeader = first.find((d) => d.text === 'Date' && d.bold);
    expect(tableHeader?.y).toBeLessThan(first[to + 2]?.y ?? 0);
  });

  it('keeps a name that fits on one line as before', async () => {
    const { pages } = await renderStatementPdf(
      statementFor('Zo\u00eb M\u00fcller'),
      new Date('2027-04-02T00:00:00Z'),
    );
    const first = pages[0] ?? [];
    const at = first.indexOf('Customer: Zo\u00eb M\u00fcller');
    expect(at).toBeGreaterThan(-1);
    expect(first[at + 1]).toBe('Account: 4820193757 (USD)');
  });
});
