import { describe, expect, it } from 'vitest';
import { problemOf } from '../../src/api/problem.ts';
import { PayeeBody } from '../../src/api/schemas/payees.ts';
import { Description } from '../../src/api/schemas/primitives.ts';
import { newAccountNumber } from '../../src/domain/account.ts';
import { BankError } from '../../src/domain/errors.ts';
import type { Account } from './api.ts';
import type { Limits, Payee } from './api-money.ts';
import {
  type BatchRow,
  checkRows,
  emptyRow,
  enteredTotal,
  fieldName,
  MAX_BATCH_TRANSFERS,
  NEW,
  refusalFields,
  refusedRows,
  samePayments,
} from './batch.ts';
import { apiErrorFrom, MESSAGES, RECIPIENT_NOT_ACTIVE } from './errors.ts';
import { fakePayee } from './fake-payee.ts';

const from: Account = {
  id: '3f9a2b1c-6a43-4c1e-9a55-5b7f0e2d8c11',
  number: newAccountNumber(),
  type: 'checking',
  currency: 'USD',
  nickname: null,
  status: 'active',
  balance: 10_000,
  held: 0,
  available: 10_000,
  createdAt: '2026-12-01T00:00:00.000Z',
};
const jane = fakePayee();
const payees = [jane];
const limits = (remaining: number): Limits => ({
  day: '2026-12-03',
  resetsAt: '2026-12-04T00:00:00.000Z',
  outgoing: [{ currency: 'USD', limit: 1_000_000, used: 1_000_000 - remaining, remaining }],
});

const row = (id: number, over: Partial<BatchRow>): BatchRow => ({ ...emptyRow(id, payees), ...over });
const typed = newAccountNumber();

describe('bulk payment rows', () => {
  it('a new row pays the first saved payee, or someone new when there is none', () => {
    expect(emptyRow(3, payees)).toMatchObject({ id: 3, to: jane.id });
    expect(emptyRow(3, []).to).toBe(NEW);
  });

  it('sends saved payees and typed numbers, with each amount in minor units and the total', () => {
    const bob = newAccountNumber();
    const c = checkRows(
      [
        row(0, { amount: '12.50' }),
        row(4, { to: NEW, accountNumber: `${bob.slice(0, 5)} ${bob.slice(5)}`, name: ' Bob ', amount: '30' }),
      ],
      from,
      payees,
      limits(5000),
    );
    expect(c).toEqual({
      fields: {},
      message: undefined,
      ok: {
        recipients: [
          { name: 'Jane Doe', number: jane.accountNumber, payeeId: jane.id },
          { name: 'Bob', number: bob },
        ],
        amounts: [1250, 3000],
        total: 4250,
      },
    });
  });

  it('marks each bad field on its own row, and sends nothing', () => {
    const c = checkRows(
      [
        row(0, { amount: '' }),
        row(1, { to: NEW, accountNumber: '12345', name: 'X', amount: '1' }),
        row(2, { to: NEW, accountNumber: newAccountNumber(), name: '  ', amount: '1.234' }),
        row(3, { to: NEW, accountNumber: from.number, name: 'Me', amount: '1' }),
        row(5, { to: 'gone', amount: '1' }),
      ],
      from,
      payees,
      undefined,
    );
    expect(c.ok).toBeUndefined();
    expect(c.message).toBeUndefined();
    expect(c.fields).toEqual({
      [fieldName(0, 'amount')]: 'Enter an amount.',
      [fieldName(1, 'accountNumber')]: 'An account number has exactly 10 digits.',
      [fieldName(2, 'name')]: 'Enter the name on the account you are paying.',
      [fieldName(2, 'amount')]: 'Use at most 2 digits after the decimal point.',
      [fieldName(3, 'accountNumber')]: MESSAGES.same_account,
      [fieldName(5, 'to')]: 'Choose a payee, or pay someone new.',
    });
  });

  /** The marks on one typed row with this name and description. */
  const textMarks = (name: string, description: string) =>
    checkRows(
      [row(0, { to: NEW, accountNumber: typed, name, amount: '1', description })],
      from,
      payees,
      undefined,
    ).fields;

  it('holds a name to 100 characters and a description to 140, as the server does', () => {
    expect(textMarks('a'.repeat(100), 'd'.repeat(140))).toEqual({});
    expect(textMarks('a'.repeat(101), 'd'.repeat(141))).toEqual({
      [fieldName(0, 'name')]: 'Use up to 100 ordinary characters for the name: no tabs or line breaks.',
      [fieldName(0, 'description')]:
        'Use up to 140 ordinary characters for the description: no tabs or line breaks.',
    });
  });

  it('refuses, as the server does, a name or description with a control or bidi character (a CSV cell with a tab or a line break)', () => {
    const texts = [
      'Rent\tMarch',
      'Rent\nMarch',
      'a\u202Eb',
      'x\u2066y',
      'bell\u0007',
      'half \ud800',
      '\udc00 low',
      'Zoë Ünal – März',
      'Rent',
    ];
    for (const text of texts) {
      // The server's own schemas for the two (src/api/schemas): a refusal there is a mark here.
      const serverTakes = Description.safeParse(text).success;
      expect(serverTakes, text).toBe(PayeeBody.safeParse({ name: text, accountNumber: typed }).success);
      expect(textMarks(text, text), text).toEqual(
        serverTakes
          ? {}
          : {
              [fieldName(0, 'name')]:
                'Use up to 100 ordinary characters for the name: no tabs or line breaks.',
              [fieldName(0, 'description')]:
                'Use up to 140 ordinary characters for the description: no tabs or line breaks.',
            },
      );
    }
  });

  it('checks text without String.prototype.isWellFormed (ES2024), which the build (es2022) does not bring', () => {
    const own = Object.getOwnPropertyDescriptor(String.prototype, 'isWellFormed');
    // As in a browser from before it (Safari before 16.4).
    Reflect.deleteProperty(String.prototype, 'isWellFormed');
    try {
      expect(textMarks('half \ud800', 'Rent')).toEqual({
        [fieldName(0, 'name')]: 'Use up to 100 ordinary characters for the name: no tabs or line breaks.',
      });
      expect(textMarks('Zoë 😀 Ünal', 'Rent 😀')).toEqual({});
    } finally {
      if (own) Object.defineProperty(String.prototype, 'isWellFormed', own);
    }
  });

  it('groups the payments that look the same: one account, one amount', () => {
    const t = (toAccountNumber: string, amount: number) => ({ toAccountNumber, amount });
    expect(samePayments([t('1', 5), t('2', 5), t('1', 5), t('1', 6), t('2', 5), t('1', 5)])).toEqual([
      [0, 2, 5],
      [1, 4],
    ]);
    expect(samePayments([t('1', 5), t('1', 6), t('2', 5)])).toEqual([]);
  });

  it('refuses a saved payee who is the account it pays from', () => {
    const self: Payee = { ...jane, accountNumber: from.number };
    expect(checkRows([row(0, { to: self.id, amount: '1' })], from, [self], undefined).fields).toEqual({
      [fieldName(0, 'to')]: MESSAGES.same_account,
    });
  });

  it('checks the total against what is available and against what is left of today’s limit', () => {
    const two = (a: string, b: string) => [row(0, { amount: a }), row(1, { amount: b })];
    // 100.00 available: exactly all of it passes, a cent more is refused.
    expect(checkRows(two('60', '40'), from, payees, undefined).ok?.total).toBe(10_000);
    const over = checkRows(two('60', '40.01'), from, payees, undefined);
    expect(over.ok).toBeUndefined();
    expect(over.message).toMatch(/^There is not enough money in this account/);
    // 50.00 left today: exactly that passes, a cent more is refused with the limit's numbers.
    expect(checkRows(two('25', '25'), from, payees, limits(5000)).ok?.total).toBe(5000);
    const limited = checkRows(two('25', '25.01'), from, payees, limits(5000));
    expect(limited.ok).toBeUndefined();
    expect(limited.message).toMatch(/you can send up to \$50\.00 more today/);
  });

  it('holds 1 to MAX_BATCH_TRANSFERS payments', () => {
    expect(checkRows([], from, payees, undefined).message).toBe('Add at least one payment.');
    const many = Array.from({ length: MAX_BATCH_TRANSFERS + 1 }, (_, i) => row(i, { amount: '0.01' }));
    expect(checkRows(many, from, payees, undefined).message).toBe(
      `A bulk payment has at most ${MAX_BATCH_TRANSFERS} payments.`,
    );
    expect(checkRows(many.slice(1), from, payees, undefined).ok?.amounts).toHaveLength(MAX_BATCH_TRANSFERS);
  });

  it('reads the refused payments of a batch_rejected answer as the server sends it', () => {
    const body: object = problemOf(
      new BankError('batch_rejected', 'Nothing was posted', {
        errors: [
          {
            path: 'body.transfers.1',
            message: 'No account has that number',
            index: 1,
            code: 'recipient_not_found',
          },
          { path: 'body.transfers.3', message: 'x', index: 3, code: 'currency_mismatch' },
        ],
      }),
    );
    // A code this client does not know yet (a newer server): still marked, in general words.
    const newer = {
      ...body,
      errors: [
        ...(body as { errors: object[] }).errors,
        { path: 'body.transfers.4', message: 'x', index: 4, code: 'brand_new_code' },
      ],
    };
    const refused = refusedRows(apiErrorFrom(422, JSON.parse(JSON.stringify(newer))));
    expect([...refused]).toEqual([
      [1, MESSAGES.recipient_not_found],
      [3, MESSAGES.currency_mismatch],
      [4, 'This payment cannot be made.'],
    ]);
    // Any other refusal names no rows.
    expect(refusedRows(apiErrorFrom(422, problemOf(new BankError('insufficient_funds'))))).toEqual(new Map());
  });

  it("marks a refused transfer on the row sent at its index, whatever the rows' ids", () => {
    const sent = [
      row(7, { amount: '1' }),
      row(2, { to: NEW, accountNumber: newAccountNumber(), name: 'Bob', amount: '2' }),
      row(9, { to: NEW, accountNumber: newAccountNumber(), name: 'Carl', amount: '3' }),
    ];
    const refusal = apiErrorFrom(
      422,
      JSON.parse(
        JSON.stringify(
          problemOf(
            new BankError('batch_rejected', 'Nothing was posted', {
              errors: [
                { path: 'body.transfers.0', message: 'x', index: 0, code: 'account_not_active' },
                { path: 'body.transfers.2', message: 'x', index: 2, code: 'currency_mismatch' },
                // An index beyond the rows sent marks nothing.
                { path: 'body.transfers.5', message: 'x', index: 5, code: 'recipient_not_found' },
              ],
            }),
          ),
        ),
      ),
    );
    expect(refusalFields(refusal, sent)).toEqual({
      // The account paid (every row's code is about its own transfer), never the customer's own.
      [fieldName(7, 'to')]: RECIPIENT_NOT_ACTIVE,
      [fieldName(9, 'accountNumber')]: MESSAGES.currency_mismatch,
    });
    expect(refusalFields(apiErrorFrom(422, problemOf(new BankError('insufficient_funds'))), sent)).toEqual(
      {},
    );
  });

  it('adds up the amounts that read as amounts, while others are still wrong', () => {
    const rows = [row(0, { amount: '12.50' }), row(1, { amount: 'twelve' }), row(2, { amount: '0.05' })];
    expect(enteredTotal(rows, 'USD')).toBe(1255);
    expect(enteredTotal(rows.slice(1, 2), 'USD')).toBe(0);
    expect(enteredTotal([row(0, { amount: '1250' })], 'JPY')).toBe(1250);
  });
});
