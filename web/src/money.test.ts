import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { currencyCodes, MAX_AMOUNT } from '../../src/domain/money.ts';
import { formatMoney, parseAmount, toDecimalString, totalsByCurrency } from './money.ts';

const en = { locale: 'en-US' };

describe('formatMoney', () => {
  it('formats minor units for each currency', () => {
    expect(formatMoney(123456, 'USD', en)).toBe('$1,234.56');
    expect(formatMoney(5, 'EUR', en)).toBe('€0.05');
    expect(formatMoney(100, 'GBP', en)).toBe('£1.00');
    expect(formatMoney(1200, 'JPY', en)).toBe('¥1,200');
    expect(formatMoney(0, 'CHF', en)).toBe('CHF\u00a00.00');
    expect(formatMoney(-250, 'USD', en)).toBe('-$2.50');
  });

  it('follows the locale', () => {
    expect(formatMoney(123456, 'EUR', { locale: 'de-DE' })).toBe('1.234,56\u00a0€');
  });

  it('signs history amounts', () => {
    expect(formatMoney(1000, 'USD', { ...en, signed: true })).toBe('+$10.00');
    expect(formatMoney(-1000, 'USD', { ...en, signed: true })).toBe('-$10.00');
  });

  it('is exact for any safe integer', () => {
    expect(toDecimalString(Number.MAX_SAFE_INTEGER, 'USD')).toBe('90071992547409.91');
    expect(formatMoney(Number.MAX_SAFE_INTEGER, 'USD', en)).toBe('$90,071,992,547,409.91');
    expect(toDecimalString(-7, 'EUR')).toBe('-0.07');
  });
});

describe('parseAmount', () => {
  it('reads what people type', () => {
    expect(parseAmount('12', 'USD')).toEqual({ ok: true, minor: 1200 });
    expect(parseAmount(' 12.5 ', 'USD')).toEqual({ ok: true, minor: 1250 });
    expect(parseAmount('.75', 'EUR')).toEqual({ ok: true, minor: 75 });
    expect(parseAmount('1,234.50', 'GBP')).toEqual({ ok: true, minor: 123450 });
    expect(parseAmount('1200', 'JPY')).toEqual({ ok: true, minor: 1200 });
    expect(parseAmount('1200.00', 'JPY')).toEqual({ ok: true, minor: 1200 });
  });

  it('refuses what is not an amount, in plain words', () => {
    for (const bad of ['', 'abc', '-5', '1e3', '1,23', '12.3.4']) {
      const r = parseAmount(bad, 'USD');
      expect(r.ok, bad).toBe(false);
    }
    expect(parseAmount('0', 'USD')).toEqual({ ok: false, message: 'Enter an amount greater than zero.' });
    expect(parseAmount('1.234', 'USD')).toEqual({
      ok: false,
      message: 'Use at most 2 digits after the decimal point.',
    });
    expect(parseAmount('1.5', 'JPY').ok).toBe(false);
    expect(parseAmount(String(MAX_AMOUNT / 100 + 1), 'USD').ok).toBe(false);
  });

  it('round-trips every valid amount in every currency', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_AMOUNT }), fc.constantFrom(...currencyCodes), (minor, c) => {
        expect(parseAmount(toDecimalString(minor, c), c)).toEqual({ ok: true, minor });
      }),
      { seed: 20261124, numRuns: 500 },
    );
  });
});

describe('totalsByCurrency', () => {
  it('sums balances per currency and leaves out closed accounts', () => {
    expect(
      totalsByCurrency([
        { currency: 'USD', balance: 1000 },
        { currency: 'EUR', balance: 250 },
        { currency: 'USD', balance: 1, status: 'active' },
        { currency: 'USD', balance: 0, status: 'closed' },
      ]),
    ).toEqual([
      { currency: 'USD', total: 1001, count: 2 },
      { currency: 'EUR', total: 250, count: 1 },
    ]);
    expect(totalsByCurrency([])).toEqual([]);
  });
});
