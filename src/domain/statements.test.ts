import { describe, expect, it } from 'vitest';
import { parseCsv, semicolonCells } from '../../test/csv.ts';
import { pdfText } from '../../test/pdf-text.ts';
import { renderStatementPdf } from './statement-pdf.ts';
import {
  assertNoGap,
  assertTail,
  CSV_BOM,
  csvHeader,
  csvLine,
  exportCsv,
  formatAmount,
  isClosed,
  jsonBytes,
  lastInstantOf,
  MIN_CSV_LINE_BYTES,
  periodOf,
  periodRange,
  periodsBetween,
  type Statement,
  type StatementLine,
  StatementMismatch,
  statementCsv,
  statementSpan,
  textCell,
  totalsOf,
} from './statements.ts';

const line = (
  n: number,
  amount: number,
  balance: number,
  extra: Partial<StatementLine> = {},
): StatementLine => ({
  txId: `tx-${n}`,
  type: amount > 0 ? 'deposit' : 'withdrawal',
  date: `2027-03-${String(1 + (n % 28)).padStart(2, '0')}T10:00:00.000Z`,
  description: `Line ${n}`,
  counterparty: null,
  amount,
  balance,
  ...extra,
});

/** March 2027's statement, made on 2 April (closed) unless `now` says otherwise. */
const statementOf = (
  opening: number,
  lines: StatementLine[],
  now = new Date('2027-04-02T00:00:00Z'),
): Statement => ({
  bank: 'Serverless Bank',
  customerName: 'Zoë Müller',
  accountNumber: '4820193757',
  currency: 'USD',
  period: '2027-03',
  ...statementSpan('2027-03', now, lines.at(-1)?.date),
  ...totalsOf(opening, lines),
  lines,
});

describe('statement periods', () => {
  it('lists calendar months from the opening to now, across a year end', () => {
    expect(periodsBetween('2026-11-30T23:59:59.999Z', new Date('2027-02-01T00:00:00Z'))).toEqual([
      '2026-11',
      '2026-12',
      '2027-01',
      '2027-02',
    ]);
    expect(periodRange('2026-12')).toEqual({
      start: '2026-12-01T00:00:00.000Z',
      end: '2027-01-01T00:00:00.000Z',
    });
  });

  it('closes a month a few minutes after it ends', () => {
    expect(isClosed('2027-03', new Date('2027-04-01T00:01:00Z'))).toBe(false);
    expect(isClosed('2027-03', new Date('2027-04-01T00:06:00Z'))).toBe(true);
    // Exactly at the grace's end it is closed; a millisecond before, not.
    expect(isClosed('2027-03', new Date('2027-04-01T00:04:59.999Z'))).toBe(false);
    expect(isClosed('2027-03', new Date('2027-04-01T00:05:00.000Z'))).toBe(true);
  });

  it("ends a closed month's statement on the month's last instant, never the next month's first", () => {
    expect(lastInstantOf('2027-01')).toBe('2027-01-31T23:59:59.999Z');
    expect(lastInstantOf('2028-02')).toBe('2028-02-29T23:59:59.999Z');
    expect(lastInstantOf('2026-12')).toBe('2026-12-31T23:59:59.999Z');
    for (const now of ['2027-04-01T00:06:00Z', '2029-07-15T12:00:00Z']) {
      const span = statementSpan('2027-03', new Date(now), '2027-03-31T23:59:00.000Z');
      expect(span, now).toEqual({
        from: '2027-03-01T00:00:00.000Z',
        to: '2027-03-31T23:59:59.999Z',
        toDate: false,
      });
      expect(periodOf(span.to)).toBe('2027-03');
    }
  });

  it('runs the current month to now, to a posting ahead of the clock, and never past its last day', () => {
    const now = new Date('2027-03-20T09:30:00.000Z');
    expect(statementSpan('2027-03', now)).toEqual({
      from: '2027-03-01T00:00:00.000Z',
      to: '2027-03-20T09:30:00.000Z',
      toDate: true,
    });
    expect(statementSpan('2027-03', now, '2027-03-03T10:00:00.000Z').to).toBe('2027-03-20T09:30:00.000Z');
    expect(statementSpan('2027-03', now, '2027-03-20T09:30:00.250Z').to).toBe('2027-03-20T09:30:00.250Z');
    // Within the grace after the month ends: still to date, as of the month's last instant.
    expect(statementSpan('2027-03', new Date('2027-04-01T00:01:00Z'))).toEqual({
      from: '2027-03-01T00:00:00.000Z',
      to: '2027-03-31T23:59:59.999Z',
      toDate: true,
    });
  });
});

describe('totals', () => {
  it('adds up and checks every running balance against the ledger', () => {
    const t = totalsOf(1000, [line(1, 500, 1500), line(2, -200, 1300), line(3, -1300, 0)]);
    expect(t).toEqual({ openingBalance: 1000, closingBalance: 0, totalIn: 500, totalOut: 1500, count: 3 });
    expect(() => totalsOf(1000, [line(1, 500, 1501)])).toThrow(StatementMismatch);
  });

  describe("the tail of a read of history, against the account's last posting (assertTail)", () => {
    // March 2027; lines 1 and 2 are on 2 and 3 March at 10:00 (line()).
    const span = { from: '2027-03-01T00:00:00.000Z', to: '2027-04-01T00:00:00.000Z' };
    const lines = [line(1, 500, 1500), line(2, -200, 1300)];
    const read = (over: Partial<Parameters<typeof assertTail>[0]>) => () =>
      assertTail({
        ...span,
        lastPostedAt: '2027-03-03T10:00:00.000Z',
        openingAt: '2027-02-20T09:00:00.000Z',
        closingBalance: 1300,
        lines,
        ...over,
      });

    it('passes a read that shows the last posting, or a later one', () => {
      expect(read({})).not.toThrow();
      expect(read({ lastPostedAt: '2027-03-02T10:00:00.000Z' })).not.toThrow();
      // The span's bounds: a posting at its first instant is a line of it; one at `to` is after it.
      const first = { ...line(1, 500, 1500), date: span.from };
      expect(read({ lastPostedAt: span.from, lines: [first], closingBalance: 1500 })).not.toThrow();
      expect(read({ lastPostedAt: span.to, next: { amount: -300, balanceAfter: 1000 } })).not.toThrow();
    });

    it('refuses a read whose last posting in the span is missing, though its sums add up', () => {
      // The posting at 3 March is not shown: lines 1 alone still add up.
      expect(read({ lines: lines.slice(0, 1), closingBalance: 1500 })).toThrow(StatementMismatch);
      expect(read({ lines: [], closingBalance: 1000 })).toThrow(StatementMismatch);
    });

    it('refuses an opening that lacks the account last posting, when it was before the span', () => {
      const before = { lastPostedAt: '2027-02-25T08:00:00.000Z', lines: [], closingBalance: 1000 };
      expect(read({ ...before, openingAt: '2027-02-25T08:00:00.000Z' })).not.toThrow();
      expect(read(before)).toThrow(StatementMismatch);
      expect(read({ ...before, openingAt: undefined })).toThrow(StatementMismatch);
    });

    it('after the span, needs a later posting whose balance before it is the closing balance', () => {
      const after = { lastPostedAt: '2027-04-02T10:00:00.000Z' };
      expect(read({ ...after, next: { amount: -300, balanceAfter: 1000 } })).not.toThrow();
      // None shown yet, or one that says a posting before `to` is missing (a 1300 closing was 1250).
      expect(read(after)).toThrow(StatementMismatch);
      expect(read({ ...after, next: { amount: -300, balanceAfter: 950 } })).toThrow(StatementMismatch);
      // A posting kept before balances were (no balanceAfter) passes.
      expect(read({ ...after, next: { amount: -300, balanceAfter: undefined } })).not.toThrow();
    });

    it('does not check an account from before lastPostedAt was kept', () => {
      expect(read({ lastPostedAt: undefined, lines: [], closingBalance: 1000 })).not.toThrow();
    });
  });

  describe("the postings' numbers in a read of history (assertNoGap)", () => {
    it('passes numbers that run on by one, from 1 or from the opening posting', () => {
      expect(() => assertNoGap(0, [])).not.toThrow();
      expect(() => assertNoGap(0, [1, 2, 3])).not.toThrow();
      // The opening posting is 6: the span's lines are 7 and 8, the next posting 9.
      expect(() => assertNoGap(6, [7, 8, 9])).not.toThrow();
      expect(() => assertNoGap(6, [])).not.toThrow();
      // Postings without numbers (before they were kept, or by an older instance during a deploy) are
      // passed over; after an opening without one, the first numbered one may be any.
      expect(() => assertNoGap(0, [undefined, undefined, 1, 2])).not.toThrow();
      expect(() => assertNoGap(0, [1, undefined, 2])).not.toThrow();
      expect(() => assertNoGap(undefined, [3, 4])).not.toThrow();
      expect(() => assertNoGap(undefined, [undefined, 3])).not.toThrow();
    });

    it('refuses a read that lacks postings, though the lines around them add up', () => {
      // A deposit (4) and a withdrawal (5) of one amount, both lagging: their balances cancel out.
      expect(() => assertNoGap(3, [6])).toThrow('history lacks postings 4 to 5');
      expect(() => assertNoGap(0, [1, 2, 3, 6])).toThrow(StatementMismatch);
      expect(() => assertNoGap(undefined, [3, 6])).toThrow(StatementMismatch);
      // No opening posting, and the first line is not the account's first posting.
      expect(() => assertNoGap(0, [2, 3])).toThrow(StatementMismatch);
      expect(() => assertNoGap(0, [undefined, 3])).toThrow(StatementMismatch);
      // A gap before the next posting after the span.
      expect(() => assertNoGap(1, [2, 4])).toThrow(StatementMismatch);
      expect(() => assertNoGap(2, [2])).toThrow('history shows posting 2 after posting 2');
    });
  });

  it('formats minor units as plain signed decimals', () => {
    expect(formatAmount(-1250, 'USD')).toBe('-12.50');
    expect(formatAmount(5, 'EUR')).toBe('0.05');
    expect(formatAmount(-7, 'USD')).toBe('-0.07');
    expect(formatAmount(0, 'USD')).toBe('0.00');
    expect(formatAmount(1250, 'JPY')).toBe('1250');
  });
});

describe('CSV', () => {
  it('no record is smaller than MIN_CSV_LINE_BYTES (what bounds an export\u2019s lines), in any currency', () => {
    const smallest: StatementLine = {
      txId: '00000000-0000-4000-8000-000000000000',
      type: 'refund',
      date: '2026-01-01T00:00:00.000Z',
      description: '',
      counterparty: null,
      amount: 1,
      balance: 0,
    };
    for (const currency of ['USD', 'JPY', 'EUR'] as const)
      expect(jsonBytes(csvLine(smallest, currency)), currency).toBeGreaterThanOrEqual(MIN_CSV_LINE_BYTES);
  });

  it('escapes text cells that a spreadsheet would run as formulas', () => {
    for (const evil of ['=HYPERLINK("http://x","y")', '+1+2', '-2+3', '@SUM(A1)', '\tx', '\rx']) {
      const cell = textCell(evil);
      expect(cell.startsWith(`"'`), evil).toBe(true);
      expect(parseCsv(`${cell}\r\n`)[0]?.[0]).toBe(`'${evil}`);
    }
    expect(textCell('Rent, March')).toBe('"Rent, March"');
    expect(textCell('say "hi"')).toBe('"say ""hi"""');
    expect(textCell('plain')).toBe('plain');
  });

  it('escapes a formula after a `;`, where a spreadsheet that separates cells with `;` starts a cell', () => {
    // Excel in a `;` locale (much of the euro area) cuts the record at each `;`, quotes or not: the
    // text after one starts a cell, and a sender's description reaches the recipient's statement.
    for (const evil of ['Rent;=HYPERLINK("http://x","y")', 'a; +1+2', 'a;"-2+3"', 'a;@SUM(A1)', 'x;;=1']) {
      const record = csvLine(line(1, 100, 100, { description: evil }), 'EUR').replace(/\r\n$/, '');
      for (const cell of semicolonCells(record))
        expect(cell.replace(/^[ "]+/, ''), `${evil}: ${cell}`).not.toMatch(/^[=+\-@\t\r]/);
      // Read as the RFC 4180 file it is, the text is the customer's, with a `'` after each such `;`.
      expect(parseCsv(`${record}\r\n`)[0]?.[2]).toBe(evil.replace(/;(?=[ "]*[=+\-@])/g, ";'"));
    }
    // A `;` before anything else is left alone.
    expect(textCell('Rent; March')).toBe('Rent; March');
  });

  it('writes a header, an opening and a closing record, and one record per posting', () => {
    const lines = [
      line(1, 10_000, 10_000, { description: '=cmd|" /C calc"!A0' }),
      line(2, -2550, 7450, {
        type: 'transfer',
        counterparty: '4820193757',
        description: 'Rent, "March"\nflat 2',
      }),
    ];
    const csv = statementCsv(statementOf(0, lines));
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(csv.startsWith(CSV_BOM)).toBe(true);
    const rows = parseCsv(csv.slice(CSV_BOM.length));
    expect(rows[0]).toEqual([
      'Date',
      'Type',
      'Description',
      'Counterparty',
      'Amount',
      'Balance',
      'Currency',
      'Transaction ID',
    ]);
    expect(rows.every((r) => r.length === 8)).toBe(true);
    expect(rows[1]?.[1]).toBe('opening');
    expect(rows[1]?.[2]).toContain('Zoë Müller');
    expect(rows[2]).toEqual([
      '2027-03-02T10:00:00.000Z',
      'deposit',
      `'=cmd|" /C calc"!A0`,
      '',
      '100.00',
      '100.00',
      'USD',
      'tx-1',
    ]);
    expect(rows[3]?.slice(2, 6)).toEqual(['Rent, "March"\nflat 2', '4820193757', '-25.50', '74.50']);
    expect(rows[4]?.[1]).toBe('closing');
    expect(rows[4]?.[5]).toBe('74.50');
    // The opening record is dated the month's first instant, the closing one its last: both in March.
    expect(rows[1]?.[0]).toBe('2027-03-01T00:00:00.000Z');
    expect(rows[4]?.[0]).toBe('2027-03-31T23:59:59.999Z');
    const sum = rows.slice(1).reduce((t, r) => t + (r[4] ? Math.round(Number(r[4]) * 100) : 0), 0);
    expect(sum).toBe(7450);
  });
});

describe('CSV files open in Excel as UTF-8 (a byte-order mark first)', () => {
  const posting: StatementLine = {
    txId: 'tx-1',
    type: 'transfer',
    date: '2027-03-02T10:00:00.000Z',
    description: 'Caf\u00e9, "\u00d8rsted"',
    counterparty: '4820193757',
    amount: -2550,
    balance: 7450,
  };
  // The files as they were before the mark: it is the only change.
  const statementText =
    'Date,Type,Description,Counterparty,Amount,Balance,Currency,Transaction ID\r\n' +
    '2027-03-01T00:00:00.000Z,opening,"Serverless Bank statement 2027-03 for Zo\u00eb M\u00fcller, account 4820193757 (EUR)",,,100.00,EUR,\r\n' +
    '2027-03-02T10:00:00.000Z,transfer,"Caf\u00e9, ""\u00d8rsted""",4820193757,-25.50,74.50,EUR,tx-1\r\n' +
    '2027-03-31T23:59:59.999Z,closing,"Total in 0.00, total out 25.50, 1 transactions",,,74.50,EUR,\r\n';
  const exportText =
    'Date,Type,Description,Counterparty,Amount,Balance,Currency,Transaction ID\r\n' +
    '2027-03-02T10:00:00.000Z,transfer,"Caf\u00e9, ""\u00d8rsted""",4820193757,-25.50,74.50,EUR,tx-1\r\n';

  it("a statement's file starts with EF BB BF, then the same text as before", () => {
    const csv = statementCsv({ ...statementOf(10_000, [posting]), currency: 'EUR' });
    const bytes = Buffer.from(csv, 'utf8');
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv).toBe(`\uFEFF${statementText}`);
    // A UTF-8 reader drops the mark (as Excel does): the text is the customer's, accents and all.
    expect(new TextDecoder('utf-8').decode(bytes)).toBe(statementText);
    expect(csv.indexOf('\uFEFF', 1)).toBe(-1);
  });

  it('an export starts with EF BB BF, then the same text as before, and its 3 bytes count to its limit', () => {
    const csv = exportCsv([posting], 'EUR', 1_000_000) as string;
    expect([...Buffer.from(csv, 'utf8').subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv).toBe(`\uFEFF${exportText}`);
    expect(jsonBytes(CSV_BOM)).toBe(3);
    // The limit is the whole response's bytes, the mark's included: a byte less does not fit.
    expect(exportCsv([posting], 'EUR', jsonBytes(csv))).toBe(csv);
    expect(exportCsv([posting], 'EUR', jsonBytes(csv) - 1)).toBeUndefined();
  });
});

describe('export CSV and its size in a Lambda response', () => {
  it('counts the bytes the text takes once the response is JSON', () => {
    expect(jsonBytes('plain')).toBe(5);
    // A quote, a CR and an LF take two bytes each; é takes its two UTF-8 bytes.
    expect(jsonBytes('a"b\r\n')).toBe(8);
    expect(jsonBytes('é')).toBe(2);
  });

  it('refuses an export whose JSON would pass the limit though its text would not', () => {
    const quoted = Array.from({ length: 20 }, (_, n) =>
      line(n, 100, 100 * (n + 1), { description: '"'.repeat(40) }),
    );
    const text = [CSV_BOM, csvHeader(), ...quoted.map((l) => csvLine(l, 'USD'))].join('');
    const raw = Buffer.byteLength(text);
    const encoded = jsonBytes(text);
    expect(encoded).toBeGreaterThan(raw + 20 * 80);
    // Between the two: the text fits, its JSON does not.
    expect(exportCsv(quoted, 'USD', raw + 10)).toBeUndefined();
    expect(exportCsv(quoted, 'USD', encoded)).toBe(text);
  });
});

describe('PDF', () => {
  it('draws the header on every page and every line with its running balance', async () => {
    const lines: StatementLine[] = [];
    let balance = 0;
    for (let i = 0; i < 120; i++) {
      const amount = i % 3 === 2 ? -1500 : 2000;
      balance += amount;
      lines.push(line(i, amount, balance, { description: i === 5 ? 'Café 東京 rent' : `Line ${i}` }));
    }
    const s = statementOf(0, lines);
    const { bytes, pages } = await renderStatementPdf(s, new Date('2027-04-02T00:00:00Z'));
    expect(pages.length).toBeGreaterThan(2);
    const read = await pdfText(bytes);
    expect(read).toEqual(pages);
    for (const [i, page] of read.entries()) {
      // The table's header comes before the page's first line.
      const header = page.join('|').indexOf('Date|Description|Counterparty|Amount|Balance');
      const firstLine = page.findIndex((t) => /^Line \d+$/.test(t));
      expect(header, `page ${i + 1}`).toBeGreaterThan(-1);
      expect(page.slice(0, firstLine).join('|'), `page ${i + 1}`).toContain(
        'Date|Description|Counterparty|Amount|Balance',
      );
      expect(page).toContain(`Page ${i + 1} of ${read.length}`);
    }
    const all = read.flat();
    expect(all).toContain('Customer: Zo\u00eb M\u00fcller');
    expect(all).toContain('Caf\u00e9 ?? rent');
    // Every ledger line appears, in order, with its amount and running balance.
    let at = 0;
    for (const l of lines) {
      const idx = all.indexOf(l.description === 'Café 東京 rent' ? 'Caf\u00e9 ?? rent' : l.description, at);
      expect(idx, l.txId).toBeGreaterThan(-1);
      expect(all[idx + 2]).toBe(formatAmount(l.amount, 'USD'));
      expect(all[idx + 3]).toBe(formatAmount(l.balance, 'USD'));
      at = idx;
    }
    expect(all).toContain(`Closing balance: ${formatAmount(s.closingBalance, 'USD')} USD`);
    // A closed month prints its own last day as the end of the period.
    expect(all).toContain('Statement for 2027-03');
    expect(all).toContain('Period: 2027-03-01 to 2027-03-31');
  });

  it('prints the day a current-month statement runs to', async () => {
    const s = statementOf(0, [line(1, 500, 500)], new Date('2027-03-20T09:30:00Z'));
    const all = (await renderStatementPdf(s, new Date('2027-03-20T09:30:00Z'))).pages.flat();
    expect(all).toContain('Statement for 2027-03 (to date, 2027-03-20)');
    expect(all).toContain('Period: 2027-03-01 to 2027-03-20');
  });
});
