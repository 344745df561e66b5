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

/** The largest single movement we accept, in minor units. */
export const MAX_AMOUNT = 100_000_000;

/** Adds minor-unit integers, refusing any result that is not a safe integer. */
export const addMinor = (a: number, b: number): number => {
  const r = a + b;
  if (!Number.isSafeInteger(r)) throw new RangeError('amount overflow');
  return r;
};
