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

/**
 * A movement's amount is a positive whole number of minor units, at most MAX_AMOUNT. The API's schema
 * refuses any other before it gets here; the rule is the domain's, so every caller is held to it.
 */
export const isAmount = (amount: number): boolean =>
  Number.isSafeInteger(amount) && amount > 0 && amount <= MAX_AMOUNT;

/** Adds minor-unit integers, refusing any result that is not a safe integer. */
export const addMinor = (a: number, b: number): number => {
  const r = a + b;
  if (!Number.isSafeInteger(r)) throw new RangeError('amount overflow');
  return r;
};
