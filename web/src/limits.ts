/** The daily outgoing limit in words: what is left today, and a refusal with its numbers. */
import type { Limits } from './api-money.ts';
import { MESSAGES } from './errors.ts';
import { type Currency, formatMoney } from './money.ts';

/** What may still be sent today in `currency`, when known. */
export const remainingToday = (limits: Limits | undefined, currency: Currency): number | undefined =>
  limits?.outgoing.find((l) => l.currency === currency)?.remaining;

/** "You can send up to $X more today." */
export const limitLine = (limits: Limits | undefined, currency: Currency): string | undefined => {
  const left = remainingToday(limits, currency);
  return left === undefined ? undefined : `You can send up to ${formatMoney(left, currency)} more today.`;
};

/** The daily-limit refusal, with the numbers (the plain message when the limits are unknown). */
export const dailyLimitMessage = (limits: Limits | undefined, currency: Currency): string => {
  const l = limits?.outgoing.find((x) => x.currency === currency);
  if (!l) return MESSAGES.daily_limit_exceeded;
  return `That is more than your daily limit allows. Your limit is ${formatMoney(l.limit, currency)} a day, and you can send up to ${formatMoney(l.remaining, currency)} more today.`;
};
