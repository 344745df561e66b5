/**
 * Money is an integer count of minor units with an ISO 4217 currency. Never a float.
 */
export const currencies = {
  USD: { minorUnits: 2 },
  EUR: { minorUnits: 2 },
  GBP: { minorUnits: 2 },
  CHF: { minorUnits: 2 },
  JPY: { minorUnits: 0 },
} as const;

export type Currency = keyof typeof currencies;
export const currencyCodes = Object.keys(currencies) as [Currency, ...Currency[]];

export const isCurrency = (c: string): c is Currency => Object.hasOwn(currencies, c);

/** The largest single movement we accept, in minor units. */
export const MAX_AMOUNT = 100_000_000;

/** True when `n` is a safe integer amount of minor units in 1..MAX_AMOUNT. */
export const isValidAmount = (n: unknown): n is number =>
  typeof n === 'number' && Number.isSafeInteger(n) && n >= 1 && n <= MAX_AMOUNT;

/** Adds minor-unit integers, refusing any result that is not a safe integer. */
export const addMinor = (a: number, b: number): number => {
  const r = a + b;
  if (!Number.isSafeInteger(r)) throw new RangeError('amount overflow');
  return r;
};
