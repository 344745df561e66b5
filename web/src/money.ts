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

/** How a locale writes numbers: its decimal and group separators and its digits. */
interface NumberStyle {
  decimal: string;
  group: string;
  /** The locale's digits 0 to 9 (ASCII in most locales). */
  digits: string[];
  grouped: Intl.NumberFormat;
}

const styles = new Map<string, NumberStyle>();
const styleOf = (locale: string | undefined): NumberStyle => {
  const key = locale ?? '';
  let st = styles.get(key);
  if (!st) {
    const parts = new Intl.NumberFormat(locale).formatToParts(1234567.5);
    const plain = new Intl.NumberFormat(locale, { useGrouping: false });
    st = {
      decimal: parts.find((p) => p.type === 'decimal')?.value ?? '.',
      group: parts.find((p) => p.type === 'group')?.value ?? ',',
      digits: Array.from({ length: 10 }, (_, d) => plain.format(d)),
      grouped: new Intl.NumberFormat(locale, { useGrouping: true, maximumFractionDigits: 0 }),
    };
    styles.set(key, st);
  }
  return st;
};

/** Spaces people type for a space-like group separator (fr-FR's narrow no-break space, say). */
const SPACES = /[\s\u00a0\u202f\u2009\u2007]/g;
/** The apostrophes that group thousands in de-CH and its neighbours: ASCII and typographic. */
const APOSTROPHES = /^['\u2019]$/;
const APOSTROPHES_ALL = /['\u2019]/g;
const isSpaceLike = (s: string) => s.replace(SPACES, '') === '';
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/**
 * Full-width forms as East Asian input methods type them (`１，２００`, `￥`) as their ASCII and
 * half-width selves: ja-JP shows the yen as `￥` (U+FFE5), where a Japanese keyboard types `¥` (U+00A5).
 */
const halfWidth = (s: string) =>
  s
    .replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replaceAll('\uffe5', '\u00a5');

/** `1250, 'EUR', 'de-DE'` -> `'12,50'`: an amount as the customer would type it (no symbol). */
export const formatPlain = (minor: number, currency: Currency, locale?: string): string =>
  new Intl.NumberFormat(locale, {
    minimumFractionDigits: minorUnitsOf(currency),
    maximumFractionDigits: minorUnitsOf(currency),
  }).format(toDecimalString(minor, currency) as `${number}`);

/**
 * What the customer typed, as minor units, read the way the locale writes numbers (the way amounts
 * are shown): `"12,50"` EUR in de-DE -> 1250, `"1 234,5"` in fr-FR -> 123450, `"1,00,000"` in en-IN.
 * Group separators are optional, but where written they must sit where the locale puts them; a
 * currency symbol or code around the number is ignored. Never a float: the digits are joined as text.
 */
export const parseAmount = (input: string, currency: Currency, locale?: string): ParsedAmount => {
  const digits = minorUnitsOf(currency);
  const st = styleOf(locale);
  const example = formatPlain(digits ? 1250 : 1200, currency, locale);
  const like = digits ? `Enter an amount like ${example}.` : `Enter a whole amount like ${example}.`;
  // The locale's own digits become ASCII; a symbol or code before or after the number is dropped
  // (never one inside it: "5$5" is not 55); spaces become the group separator when it is a space,
  // and are refused otherwise ("12 50" in en-US is not 1,250).
  let text = halfWidth(input).trim();
  st.digits.forEach((d, i) => {
    if (d !== String(i)) text = text.replaceAll(d, String(i));
  });
  const symbol = halfWidth(formatMoney(0, currency, { locale })).replace(/[\d\s\u00a0\u202f.,'\u2019-]/g, '');
  const marks = [currency, symbol].filter((m) => m !== '');
  for (let dropped = true; dropped; ) {
    dropped = false;
    for (const m of marks) {
      if (text.startsWith(m)) [text, dropped] = [text.slice(m.length).trim(), true];
      if (text.endsWith(m)) [text, dropped] = [text.slice(0, -m.length).trim(), true];
    }
  }
  const group = isSpaceLike(st.group) ? ' ' : st.group;
  if (!isSpaceLike(st.group) && text.replace(SPACES, '') !== text) return { ok: false, message: like };
  text = text.replace(SPACES, ' ');
  // An apostrophe groups thousands in Swiss locales: ICU shows U+0027 or U+2019 (right single quotation
  // mark) depending on its version, and phones type either (iOS turns ' into ’ as you type).
  if (APOSTROPHES.test(st.group)) text = text.replace(APOSTROPHES_ALL, group);
  if (text === '') return { ok: false, message: 'Enter an amount.' };
  const re = new RegExp(`^(\\d[\\d${escapeRe(group)}]*)?(?:${escapeRe(st.decimal)}(\\d*))?$`);
  const m = re.exec(text);
  if (!m || (m[1] === undefined && !m[2])) return { ok: false, message: like };
  const whole = (m[1] ?? '0').replaceAll(group, '');
  // Grouping as written must be the locale's own (en-IN: 1,00,000; en-US: 100,000).
  if (m[1]?.includes(group)) {
    const canonical = st.grouped.format(BigInt(whole)).replace(SPACES, isSpaceLike(st.group) ? ' ' : '');
    if (canonical !== m[1]) return { ok: false, message: like };
  }
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  if (fraction.length > digits) {
    return {
      ok: false,
      message: digits
        ? `Use at most ${digits} digits after the decimal ${st.decimal === ',' ? 'comma' : 'point'}.`
        : 'This currency has no decimal places. Enter a whole amount.',
    };
  }
  const minorText = (whole + fraction.padEnd(digits, '0')).replace(/^0+(?=\d)/, '');
  if (minorText.length > 16 || Number(minorText) > MAX_AMOUNT) {
    return {
      ok: false,
      message: `The most you can move at once is ${formatMoney(MAX_AMOUNT, currency, { locale })}.`,
    };
  }
  const minor = Number(minorText);
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
