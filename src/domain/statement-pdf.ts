/**
 * A statement as a PDF (pdf-lib): A4 pages; the statement's header (bank, customer, account, currency,
 * period, opening balance) on the first page; a table of postings whose column header repeats at the
 * top of every page; totals and the closing balance at the end; "Page n of m" on every page.
 *
 * Returns the text it drew on each page too, so a test can check the document against the ledger.
 * Helvetica (a standard PDF font) covers WinAnsi only: other characters are drawn as "?".
 */
import { PDFDocument, type PDFFont, type PDFPage, rgb, StandardFonts } from 'pdf-lib';
import { formatAmount, type Statement } from './statements.ts';

const PAGE: [number, number] = [595.28, 841.89]; // A4 in points
const MARGIN = 40;
/** Between the margins: where every line of the page's text is drawn. */
export const TEXT_WIDTH = PAGE[0] - 2 * MARGIN;
const ROW = 14;
const SIZE = 9;

const COLUMNS = [
  { title: 'Date', width: 62, align: 'left' },
  { title: 'Description', width: 190, align: 'left' },
  { title: 'Counterparty', width: 80, align: 'left' },
  { title: 'Amount', width: 90, align: 'right' },
  { title: 'Balance', width: 93, align: 'right' },
] as const;

/**
 * The largest n in [lo, hi] for which `fits(n)` holds, lo - 1 if none does, by a binary search (about
 * log2(hi - lo) calls): `fits` must hold up to some n and not after it.
 */
const lastFitting = (lo: number, hi: number, fits: (n: number) => boolean): number => {
  let yes = lo - 1;
  let no = hi + 1;
  while (no - yes > 1) {
    const mid = yes + Math.floor((no - yes) / 2);
    if (fits(mid)) yes = mid;
    else no = mid;
  }
  return yes;
};

/**
 * `t` as drawn within `maxWidth` (`width` measures a text): itself if it fits, else its longest prefix
 * that fits with "\u2026" after it (at least the "\u2026" alone). The cut is found by a binary search, a
 * few measures rather than one per character: a prefix one character longer is never narrower (in
 * Helvetica and Helvetica-Bold, each glyph is wider than any kerning against it, "\u2026" included).
 */
export const truncateToWidth = (t: string, maxWidth: number, width: (text: string) => number): string => {
  if (t.length <= 1 || width(t) <= maxWidth) return t;
  // Cut after 1 to length - 2 characters (a cut after length - 1 would be as long as `t`), else none.
  const cut = lastFitting(1, t.length - 2, (n) => width(`${t.slice(0, n)}\u2026`) <= maxWidth);
  return `${t.slice(0, Math.max(cut, 0))}\u2026`;
};

/**
 * `t` in lines that each fit `maxWidth`, the lines after the first `indent` narrower (drawn under the
 * text after a label, such as the name after "Customer: "): one line if it fits; else broken at the
 * last space that fits (never at a label's own space), or within a word longer than a line. At most
 * `maxLines`: a text longer still ends with the last line cut short by `truncateToWidth`.
 */
export const wrapToWidth = (
  t: string,
  maxWidth: number,
  width: (text: string) => number,
  indent = 0,
  maxLines = 3,
): string[] => {
  const lines: string[] = [];
  let rest = t;
  while (rest !== '') {
    const room = lines.length === 0 ? maxWidth : maxWidth - indent;
    if (lines.length === maxLines - 1 || width(rest) <= room) {
      lines.push(truncateToWidth(rest, room, width));
      break;
    }
    const head = rest;
    const fit = Math.max(
      1,
      lastFitting(1, head.length - 1, (n) => width(head.slice(0, n)) <= room),
    );
    const space = head[fit] === ' ' ? fit : head.lastIndexOf(' ', fit - 1);
    const atSpace = space > 0 && (lines.length > 0 || width(head.slice(0, space + 1)) > indent);
    const cut = atSpace ? space : fit;
    lines.push(head.slice(0, cut).replace(/ +$/, ''));
    rest = head.slice(cut).replace(/^ +/, '');
  }
  return lines;
};

export interface RenderedPdf {
  bytes: Uint8Array;
  /** Each page's drawn text, in drawing order. */
  pages: string[][];
}

export const renderStatementPdf = async (s: Statement, generatedAt: Date): Promise<RenderedPdf> => {
  const doc = await PDFDocument.create();
  doc.setTitle(`${s.bank} statement ${s.period} ${s.accountNumber}`);
  doc.setAuthor(s.bank);
  doc.setCreationDate(generatedAt);
  doc.setModificationDate(generatedAt);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const charset = new Set(font.getCharacterSet());
  const printable = (t: string): string =>
    [...t.normalize('NFC')].map((c) => (charset.has(c.codePointAt(0) as number) ? c : '?')).join('');

  const pages: { page: PDFPage; text: string[] }[] = [];
  let current!: { page: PDFPage; text: string[] };
  let y = 0;

  const draw = (text: string, x: number, f: PDFFont = font, size = SIZE, maxWidth?: number) => {
    let t = printable(text);
    if (maxWidth !== undefined) {
      t = truncateToWidth(t, maxWidth, (u) => f.widthOfTextAtSize(u, size));
      if (!charset.has(0x2026)) t = t.replace('\u2026', '.');
    }
    current.page.drawText(t, { x, y, size, font: f, color: rgb(0, 0, 0) });
    current.text.push(t);
  };

  const cells = (values: string[], f: PDFFont) => {
    let x = MARGIN;
    COLUMNS.forEach((c, i) => {
      const v = values[i] ?? '';
      const width = c.width - 6;
      if (c.align === 'right') {
        const t = printable(v);
        draw(t, x + c.width - 4 - f.widthOfTextAtSize(t, SIZE), f);
      } else draw(v, x, f, SIZE, width);
      x += c.width;
    });
    y -= ROW;
  };

  const tableHeader = () => {
    cells(
      COLUMNS.map((c) => c.title),
      bold,
    );
    current.page.drawLine({
      start: { x: MARGIN, y: y + ROW - 3 },
      end: { x: PAGE[0] - MARGIN, y: y + ROW - 3 },
      thickness: 0.5,
    });
  };

  const newPage = () => {
    current = { page: doc.addPage(PAGE), text: [] };
    pages.push(current);
    y = PAGE[1] - MARGIN;
    if (pages.length > 1) {
      draw(`${s.bank} - ${s.accountNumber} - ${s.period} (continued)`, MARGIN, bold, 10, TEXT_WIDTH);
      y -= ROW * 1.5;
    }
    tableHeader();
  };

  // First page: the statement's header, then the table.
  current = { page: doc.addPage(PAGE), text: [] };
  pages.push(current);
  y = PAGE[1] - MARGIN;
  draw(s.bank, MARGIN, bold, 16, TEXT_WIDTH);
  y -= 24;
  const money = (n: number) => `${formatAmount(n, s.currency)} ${s.currency}`;
  // `to` is the last instant covered (inclusive): a closed month's last day, else the day it was made.
  for (const line of [
    `Statement for ${s.period}${s.toDate ? ` (to date, ${s.to.slice(0, 10)})` : ''}`,
    `Customer: ${s.customerName}`,
    `Account: ${s.accountNumber} (${s.currency})`,
    `Period: ${s.from.slice(0, 10)} to ${s.to.slice(0, 10)}`,
    `Opening balance: ${money(s.openingBalance)}`,
  ]) {
    // Wrapped within the margins (a customer's name may be 100 characters), the lines after the first
    // under the text after the label.
    const t = printable(line);
    const width = (u: string) => font.widthOfTextAtSize(u, 10);
    const label = t.indexOf(': ');
    const indent = label < 0 ? 0 : width(t.slice(0, label + 2));
    wrapToWidth(t, TEXT_WIDTH, width, indent).forEach((part, i) => {
      draw(part, MARGIN + (i > 0 ? indent : 0), font, 10, TEXT_WIDTH - (i > 0 ? indent : 0));
      y -= ROW;
    });
  }
  y -= ROW;
  tableHeader();

  for (const l of s.lines) {
    if (y < MARGIN + ROW * 2) newPage();
    cells(
      [
        l.date.slice(0, 10),
        l.description || l.type,
        l.counterparty ?? '',
        formatAmount(l.amount, s.currency),
        formatAmount(l.balance, s.currency),
      ],
      font,
    );
  }
  if (y < MARGIN + ROW * 5) newPage();
  y -= ROW / 2;
  for (const line of [
    `Total in: ${money(s.totalIn)}`,
    `Total out: ${money(s.totalOut)}`,
    `Transactions: ${s.count}`,
    `Closing balance: ${money(s.closingBalance)}`,
  ]) {
    draw(line, MARGIN, bold, 10, TEXT_WIDTH);
    y -= ROW;
  }
  pages.forEach((p, i) => {
    current = p;
    y = MARGIN / 2;
    draw(`Page ${i + 1} of ${pages.length}`, PAGE[0] - MARGIN - 60, font, 8);
  });
  const bytes = await doc.save();
  return { bytes, pages: pages.map((p) => p.text) };
};
