/**
 * Money on the client: integer minor units in, formatted text out, and back again from what the
 * customer types. Never a float on the way: amounts become decimal strings before Intl sees them.
 */
import { type Currency, currencies, MAX_AMOUNT } from '../../src/domain/money.ts';

export { currencyCodes } from '../../src/domain/money.ts';
export type { Currency };

export const minorUnitsOf = (currency: Currency): number => currencies[currency].minorUnits;

/** `-123456, 'USD'` -> `'-1234.56'`: exact, whatever the size. */
export const toDecimalString = (minor: number, currency: Currency): string => {
  const digits = minorUnitsOf(currency);
  const sign = minor < 0 ? '-' : '';
  const abs = String(Math.abs(minor));
  if (digits === 0) return sign + abs;
  const padded = abs.padStart(digits + 1, '0');
  return `${sign}${padded.slice(0, -digits)}.${padded.slice(-digits)}`;
};

export interface FormatOptions {
  locale?: string | undefined;
  /** Show `+` on positive amounts (transaction history). */
  signed?: boolean;
}

const formatters = new Map<string, Intl.NumberFormat>();
const formatterFor = (currency: Currency, { locale, signed }: FormatOptions): Intl.NumberFormat => {
  const key = `${locale ?? ''}|${currency}|${signed ? 1 : 0}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      minimumFractionDigits: minorUnitsOf(currency),
      maximumFractionDigits: minorUnitsOf(currency),
      signDisplay: signed ? 'exceptZero' : 'auto',
    });
    formatters.set(key, f);
  }
  return f;
};

/** Minor units formatted for their currency with `Intl.NumberFormat`. */
export const formatMoney = (minor: number, currency: Currency, options: FormatOptions = {}): string =>
  formatterFor(currency, options).format(toDecimalString(minor, currency) as `${number}`);

export type ParsedAmount = { ok: true; minor: number } | { ok: false; message: string };

/**
 * What the customer typed, as minor units: `"12.5"` USD -> 1250. Digits with an optional decimal
 * point; spaces and thousands commas (before the point) are tolerated.
 */
export const parseAmount = (input: string, currency: Currency): ParsedAmount => {
  const digits = minorUnitsOf(currency);
  const text = input.trim().replace(/\s+/g, '');
  if (text === '') return { ok: false, message: 'Enter an amount.' };
  const m = /^(\d{1,3}(?:,\d{3})+|\d+)?(?:\.(\d*))?$/.exec(text);
  if (!m || (m[1] === undefined && !m[2])) {
    return { ok: false, message: digits ? 'Enter an amount like 12.50.' : 'Enter a whole amount like 1200.' };
  }
  const whole = (m[1] ?? '0').replaceAll(',', '');
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  if (fraction.length > digits) {
    return {
      ok: false,
      message: digits
        ? `Use at most ${digits} digits after the decimal point.`
        : 'This currency has no decimal places. Enter a whole amount.',
    };
  }
  const minor = Number(whole + fraction.padEnd(digits, '0'));
  if (!Number.isSafeInteger(minor) || minor > MAX_AMOUNT) {
    return { ok: false, message: `The most you can move at once is ${formatMoney(MAX_AMOUNT, currency)}.` };
  }
  if (minor < 1) return { ok: false, message: 'Enter an amount greater than zero.' };
  return { ok: true, minor };
};

/** The total balance per currency, in the order the currencies first appear. */
export const totalsByCurrency = (
  accounts: readonly { currency: Currency; balance: number; status?: string }[],
): { currency: Currency; total: number; count: number }[] => {
  const totals = new Map<Currency, { total: number; count: number }>();
  for (const a of accounts) {
    if (a.status === 'closed') continue;
    const t = totals.get(a.currency) ?? { total: 0, count: 0 };
    t.total += a.balance;
    t.count += 1;
    if (!Number.isSafeInteger(t.total)) throw new RangeError('total overflow');
    totals.set(a.currency, t);
  }
  return [...totals].map(([currency, t]) => ({ currency, ...t }));
};
