import { describe, expect, it } from 'vitest';
import { newAccountNumber } from '../../src/domain/account.ts';
import { NEW } from './batch.ts';
import { rowsFromCsv } from './batch-csv.ts';
import { fakePayee } from './fake-payee.ts';

const jane = fakePayee();
const ids = () => {
  let n = 10;
  return () => n++;
};

describe('bulk-payment rows from a CSV file', () => {
  it('reads one payment a line, after a header, with quoted commas, a BOM and Windows line endings', () => {
    const bob = newAccountNumber();
    const text = [
      '\uFEFFAccount number,Name,Amount,Description',
      `${bob},"Builder, Bob",1250.50,"December pay, with bonus"`,
      '',
      `${jane.accountNumber.slice(0, 5)} ${jane.accountNumber.slice(5)},jane  DOE,20,`,
      `${bob}, Bob ,3`,
    ].join('\r\n');
    expect(rowsFromCsv(text, [jane], ids(), 48)).toEqual({
      rows: [
        {
          id: 10,
          to: NEW,
          accountNumber: bob,
          name: 'Builder, Bob',
          amount: '1250.50',
          description: 'December pay, with bonus',
        },
        // A saved payee's number (spaces and all) under the payee's name (case and spacing aside) is
        // that payee.
        { id: 11, to: jane.id, accountNumber: '', name: '', amount: '20', description: '' },
        { id: 12, to: NEW, accountNumber: bob, name: 'Bob', amount: '3', description: '' },
      ],
      problems: [],
    });
  });

  it('reads a file without a header from its first line, a byte-order mark before it', () => {
    const { rows } = rowsFromCsv(`\uFEFF${jane.accountNumber},Jane,1\n`, [], ids(), 48);
    expect(rows).toEqual([
      { id: 10, to: NEW, accountNumber: jane.accountNumber, name: 'Jane', amount: '1', description: '' },
    ]);
  });

  it("keeps a saved payee's number under another name as a row of its own, to be checked", () => {
    const { rows } = rowsFromCsv(`${jane.accountNumber},Whoever,20`, [jane], ids(), 48);
    expect(rows).toEqual([
      { id: 10, to: NEW, accountNumber: jane.accountNumber, name: 'Whoever', amount: '20', description: '' },
    ]);
  });

  it('reads a file separated by semicolons, with amounts written the European way', () => {
    const n = newAccountNumber();
    const { rows, problems } = rowsFromCsv(
      `Konto;Name;Betrag\n${n};Müller, Anna;1.250,50;Lohn\n`,
      [],
      ids(),
      48,
    );
    expect(problems).toEqual([]);
    expect(rows).toEqual([
      { id: 10, to: NEW, accountNumber: n, name: 'Müller, Anna', amount: '1.250,50', description: 'Lohn' },
    ]);
  });

  it('refuses an amount split by an unquoted thousands comma', () => {
    const n = newAccountNumber();
    const { rows, problems } = rowsFromCsv(`${n},Ann,1,250.50\n${n},Ann,1,Bonus\n`, [], ids(), 48);
    expect(problems).toEqual([
      'Line 1: the amount seems to have a comma in it. Put it in quotes ("1,250.50") or leave the comma out.',
    ]);
    expect(rows.map((r) => [r.amount, r.description])).toEqual([['1', 'Bonus']]);
  });

  it('refuses an amount that reads as thousands or as decimals, whichever the locale', () => {
    const n = newAccountNumber();
    const { rows, problems } = rowsFromCsv(
      [
        `${n},Ann,"1,250"`,
        `${n},Ann,1.250`,
        `${n},Ann,"12,345"`,
        `${n},Ann,1.25`,
        `${n},Ann,"1,250.00"`,
        `${n},Ann,1250`,
      ].join('\n'),
      [],
      ids(),
      48,
    );
    expect(problems).toEqual([
      'Line 1: "1,250" could mean 1250, or 1,25 with the comma as a decimal mark. Write it without the thousands separator (1250).',
      'Line 2: "1.250" could mean 1250, or 1.25 with the point as a decimal mark. Write it without the thousands separator (1250).',
      'Line 3: "12,345" could mean 12345, or 12,345 with the comma as a decimal mark. Write it without the thousands separator (12345).',
    ]);
    // Two decimals, a separator and decimals both, or none: one reading only.
    expect(rows.map((r) => r.amount)).toEqual(['1.25', '1,250.00', '1250']);
  });

  it('numbers lines as the file does: blank lines and line breaks inside quotes count', () => {
    const n = newAccountNumber();
    const text = ['Account,Name,Amount', '', `${n},"Two`, `lines",1`, '', `${n},Ann`, `${n},Ann,2`].join(
      '\n',
    );
    const { rows, problems } = rowsFromCsv(text, [], ids(), 48);
    expect(rows.map((r) => [r.name, r.amount])).toEqual([
      ['Two\nlines', '1'],
      ['Ann', '2'],
    ]);
    expect(problems).toEqual([
      `Line 6: ${'give the account number, the name, the amount and, if you like, a description'}.`,
    ]);
  });

  it('names the lines it cannot use and adds the others', () => {
    const n = newAccountNumber();
    const { rows, problems } = rowsFromCsv(
      [`${n},Ann,1`, `${n},Ann`, `${n},Ann,1,x,extra`, `${n},Ann,2`].join('\n'),
      [],
      ids(),
      48,
    );
    expect(rows.map((r) => r.amount)).toEqual(['1', '2']);
    expect(problems).toEqual([
      'Line 2: give the account number, the name, the amount and, if you like, a description.',
      'Line 3: give the account number, the name, the amount and, if you like, a description.',
    ]);
  });

  it("says a line is not valid CSV (a stray quote), counting from the file's first line, and adds none of it", () => {
    const n = newAccountNumber();
    const { rows, problems } = rowsFromCsv(`${n},Ann,1\n\n${n},"Bob" Jr,2\n${n},Cy,3\n`, [], ids(), 48);
    expect(rows.map((r) => r.amount)).toEqual(['1']);
    expect(problems).toEqual([
      'Line 3 is not valid CSV (check its quotes), so it was not added, nor any line after it.',
    ]);
  });

  it('adds only as many as the batch has room for, and says how many were left out', () => {
    const lines = Array.from({ length: 5 }, (_, i) => `${newAccountNumber()},P${i},${i + 1}`).join('\n');
    const some = rowsFromCsv(lines, [], ids(), 3);
    expect(some.rows.map((r) => r.name)).toEqual(['P0', 'P1', 'P2']);
    expect(some.problems).toEqual(['2 more payments were not added: a bulk payment holds at most 48.']);
    expect(rowsFromCsv(lines, [], ids(), 4).problems).toEqual([
      '1 more payment was not added: a bulk payment holds at most 48.',
    ]);
  });
});
