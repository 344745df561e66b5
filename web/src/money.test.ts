import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { currencyCodes, MAX_AMOUNT } from '../../src/domain/money.ts';
import { formatMoney, formatPlain, parseAmount, toDecimalString, totalsByCurrency } from './money.ts';

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

describe("parseAmount in the browser's locale", () => {
  const ok = (minor: number) => ({ ok: true, minor });
  it('en-US: point for decimals, comma for thousands', () => {
    expect(parseAmount('12.50', 'USD', 'en-US')).toEqual(ok(1250));
    expect(parseAmount('234,567.89', 'USD', 'en-US')).toEqual(ok(23456789));
    expect(parseAmount('$12.50', 'USD', 'en-US')).toEqual(ok(1250));
    expect(parseAmount('12,50', 'USD', 'en-US').ok).toBe(false);
    expect(parseAmount('1,2345', 'USD', 'en-US').ok).toBe(false);
    expect(parseAmount('12.50 USD', 'USD', 'en-US')).toEqual(ok(1250));
    expect(parseAmount('USD 12.50', 'USD', 'en-US')).toEqual(ok(1250));
  });

  it('reads a symbol or code around the number only, and a space only where the locale groups by one', () => {
    // Each was once read with the inner mark or space dropped: 1,250.00, 55.00, 1,000.00 and 1.250,00.
    expect(parseAmount('12 50', 'USD', 'en-US')).toEqual({
      ok: false,
      message: 'Enter an amount like 12.50.',
    });
    expect(parseAmount('5$5', 'USD', 'en-US').ok).toBe(false);
    expect(parseAmount('1USD000', 'USD', 'en-US').ok).toBe(false);
    expect(parseAmount('12 50', 'EUR', 'de-DE').ok).toBe(false);
    expect(parseAmount('12,50€', 'EUR', 'de-DE')).toEqual(ok(1250));
  });

  it('de-DE: comma for decimals, point for thousands, as shown', () => {
    expect(parseAmount('12,50', 'EUR', 'de-DE')).toEqual(ok(1250));
    expect(parseAmount('987.654,32', 'EUR', 'de-DE')).toEqual(ok(98765432));
    expect(parseAmount('987.654,32 €', 'EUR', 'de-DE')).toEqual(ok(98765432));
    expect(parseAmount('1.234', 'EUR', 'de-DE')).toEqual(ok(123400));
    // What the page shows for an amount is read back as the same amount.
    expect(parseAmount(formatPlain(98765432, 'USD', 'de-DE'), 'USD', 'de-DE')).toEqual(ok(98765432));
    expect(parseAmount('12.50', 'EUR', 'de-DE')).toEqual({
      ok: false,
      message: 'Enter an amount like 12,50.',
    });
    expect(parseAmount('1,234', 'EUR', 'de-DE')).toEqual({
      ok: false,
      message: 'Use at most 2 digits after the decimal comma.',
    });
  });

  it('fr-FR: a narrow no-break space groups thousands; a typed space or no-break space does too', () => {
    expect(formatPlain(23456789, 'EUR', 'fr-FR')).toBe('234\u202f567,89');
    expect(parseAmount('234\u202f567,89', 'EUR', 'fr-FR')).toEqual(ok(23456789));
    expect(parseAmount('234 567,89', 'EUR', 'fr-FR')).toEqual(ok(23456789));
    expect(parseAmount('1\u00a0234,5\u00a0€', 'EUR', 'fr-FR')).toEqual(ok(123450));
    expect(parseAmount('12,5', 'EUR', 'fr-FR')).toEqual(ok(1250));
    expect(parseAmount('12 34,5', 'EUR', 'fr-FR').ok).toBe(false);
  });

  it('en-IN: lakh grouping', () => {
    expect(parseAmount('1,00,000.50', 'USD', 'en-IN')).toEqual(ok(10000050));
    expect(parseAmount('1,23,456', 'USD', 'en-IN')).toEqual(ok(12345600));
    expect(parseAmount('100000', 'USD', 'en-IN')).toEqual(ok(10000000));
    expect(parseAmount('100,000', 'USD', 'en-IN').ok).toBe(false);
  });

  it('de-CH: an apostrophe groups thousands, ASCII or typographic, whichever the page shows', () => {
    // Chromium's ICU shows U+0027, older ones (and other browsers) U+2019; an iPhone types U+2019 for '.
    const shown = formatPlain(98765432, 'CHF', 'de-CH');
    expect(shown).toMatch(/^987['\u2019]654\.32$/);
    for (const typed of ["987'654.32", '987\u2019654.32', shown, 'CHF 987\u2019654.32'])
      expect(parseAmount(typed, 'CHF', 'de-CH')).toEqual(ok(98765432));
    expect(parseAmount("1\u2019000'000", 'CHF', 'de-CH')).toEqual(ok(MAX_AMOUNT));
    expect(parseAmount('999\u2019999.99', 'EUR', 'de-CH')).toEqual(ok(99999999));
    // Where written, still where the locale puts it.
    expect(parseAmount('12\u201934.50', 'CHF', 'de-CH').ok).toBe(false);
    // Not a grouping mark where the locale groups otherwise.
    expect(parseAmount('1\u2019234.56', 'USD', 'en-US').ok).toBe(false);
  });

  it('ja-JP: yen has no minor units', () => {
    expect(parseAmount('1,200', 'JPY', 'ja-JP')).toEqual(ok(1200));
    expect(parseAmount('￥1,200', 'JPY', 'ja-JP')).toEqual(ok(1200));
    expect(parseAmount('1200', 'JPY', 'ja-JP')).toEqual(ok(1200));
    // As a Japanese keyboard and input method type it: the yen sign (U+00A5, where the locale shows the
    // full-width U+FFE5), and full-width digits and comma.
    expect(parseAmount('¥1,200', 'JPY', 'ja-JP')).toEqual(ok(1200));
    expect(parseAmount('１，２００', 'JPY', 'ja-JP')).toEqual(ok(1200));
    expect(parseAmount('￥１２００', 'JPY', 'ja-JP')).toEqual(ok(1200));
    expect(parseAmount('1200.5', 'JPY', 'ja-JP')).toEqual({
      ok: false,
      message: 'This currency has no decimal places. Enter a whole amount.',
    });
  });

  it('round-trips every amount as shown, in every locale, exactly', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: MAX_AMOUNT }),
        fc.constantFrom(...currencyCodes),
        fc.constantFrom('en-US', 'de-DE', 'fr-FR', 'en-IN', 'ja-JP', 'de-CH'),
        (minor, c, locale) => {
          expect(parseAmount(formatPlain(minor, c, locale), c, locale)).toEqual({ ok: true, minor });
          expect(parseAmount(formatMoney(minor, c, { locale }), c, locale)).toEqual({ ok: true, minor });
        },
      ),
      { seed: 20261130, numRuns: 600 },
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
