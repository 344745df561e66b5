/** The caller's daily outgoing limits: read by `accounts-read`. */
import * as z from 'zod/mini';
import { CalendarDate, CurrencyCode, doc, Instant } from './primitives.ts';

export const DailyLimit = doc(
  z.object({
    currency: CurrencyCode,
    limit: doc(z.int(), {
      description: 'The most that may leave the caller\u2019s accounts in this currency in a UTC day',
    }),
    used: doc(z.int(), {
      description: 'Sent or held today (a hold voided or posted for less gives the rest back)',
    }),
    remaining: doc(z.int(), { description: 'What may still be sent today: limit - used, never below 0' }),
  }),
  { id: 'DailyLimit' },
);
export const Limits = doc(
  z.object({
    day: doc(CalendarDate, { description: 'The UTC day the counters are for' }),
    resetsAt: doc(Instant, { description: 'When the next UTC day starts' }),
    outgoing: z.array(DailyLimit).check(z.maxLength(20)),
  }),
  { id: 'Limits', description: 'The daily outgoing limit per currency, and how much of it is left today' },
);
