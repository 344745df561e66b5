import { utcDayAfter } from './days.ts';

/**
 * The "Number of transfers" of a new scheduled transfer: empty means until cancelled; otherwise a whole
 * number from 1 to the most the bank takes (MAX_RUNS). "0" is no schedule that never ends, and a
 * number over the most is said here, not refused by the bank with a general message.
 */

/**
 * The most runs a schedule may ask for: src/domain/schedule.ts MAX_RUNS (its unit test checks they
 * agree). Not imported: that module brings the domain's error catalog into the first screen's bundle.
 */
export const MAX_RUNS = 240;

export type ParsedCount = { ok: true; count: number | undefined } | { ok: false; message: string };

export const COUNT_PROBLEM = `Enter a whole number of transfers from 1 to ${MAX_RUNS}, or leave it empty to go on until you cancel.`;

/** The count to send (undefined: until cancelled), or what is wrong with it. */
export const parseRunCount = (raw: string): ParsedCount => {
  const text = raw.trim();
  if (text === '') return { ok: true, count: undefined };
  const count = /^\d{1,6}$/.test(text) ? Number(text) : 0;
  return count >= 1 && count <= MAX_RUNS ? { ok: true, count } : { ok: false, message: COUNT_PROBLEM };
};

/**
 * How far ahead the first transfer may be: src/domain/schedule.ts MAX_START_AHEAD_DAYS days after the
 * bank's today (UTC); not imported, as MAX_RUNS (the unit test checks they agree).
 */
export const MAX_START_AHEAD_DAYS = 366;

/**
 * The earliest first date to offer on `now`: the bank's tomorrow (UTC). The bank pays a run once its
 * date is its today, so a date the bank already calls today would be paid at once; west of UTC, in the
 * evening, the customer's own tomorrow is that day.
 */
export const earliestFirstDate = (now = new Date()): string => utcDayAfter(1, now);

/**
 * The latest first date to offer on `now`, a bank's day (UTC): a day less than the bank's limit, so a
 * clock a little ahead of the bank's never offers a date it refuses.
 */
export const lastFirstDate = (now = new Date()): string => utcDayAfter(MAX_START_AHEAD_DAYS - 1, now);
