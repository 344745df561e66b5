/**
 * Scheduled and recurring transfers: dates are UTC calendar days `YYYY-MM-DD`. A monthly schedule
 * keeps the day of the month it started on; a month without that day runs on its last day (31
 * January -> 28 or 29 February -> 31 March). A schedule ends after its `count` runs or after its
 * `endDate`, whichever comes first, and at the latest MAX_SCHEDULE_YEARS after its start.
 */
import { BankError } from './errors.ts';

export const frequencies = ['once', 'weekly', 'monthly'] as const;
export type Frequency = (typeof frequencies)[number];
export const scheduleStatuses = ['active', 'ended', 'cancelled'] as const;
export type ScheduleStatus = (typeof scheduleStatuses)[number];

/** The most runs a schedule may ask for with `count` (20 years of months). */
export const MAX_RUNS = 240;
/**
 * How long a recurring schedule may run: an open-ended one ends after this many years from its start,
 * and an `endDate` must fall within them. A horizon of time, not of runs, so that a weekly schedule
 * runs as long as a monthly one (a cap of MAX_RUNS runs once ended weekly ones after 4.6 years,
 * before the end date they were accepted with).
 */
export const MAX_SCHEDULE_YEARS = 20;
/** How many of a schedule's runs its page shows, newest first (an open-ended weekly one has ~1,000). */
export const RUNS_SHOWN = 100;
/** The furthest a schedule may start, in days from today. */
export const MAX_START_AHEAD_DAYS = 366;

export interface ScheduleRule {
  startDate: string;
  frequency: Frequency;
  endDate?: string | undefined;
  count?: number | undefined;
}

const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The UTC day of an instant. */
export const dayOf = (d: Date): string => d.toISOString().slice(0, 10);

/** Whether `s` is a real calendar date `YYYY-MM-DD` (not 2027-02-30). */
export const isDate = (s: string): boolean => {
  const m = DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return dayOf(d) === s;
};

const parse = (s: string): Date => new Date(`${s}T00:00:00.000Z`);

export const addDays = (day: string, n: number): string => dayOf(new Date(parse(day).getTime() + n * DAY_MS));

const daysInMonth = (year: number, month0: number): number =>
  new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();

/** The `n`th monthly date from `start`, on the start's day of the month or the month's last day. */
export const addMonthsClamped = (start: string, n: number): string => {
  const d = parse(start);
  const total = d.getUTCMonth() + n;
  const year = d.getUTCFullYear() + Math.floor(total / 12);
  const month0 = ((total % 12) + 12) % 12;
  const day = Math.min(d.getUTCDate(), daysInMonth(year, month0));
  return dayOf(new Date(Date.UTC(year, month0, day)));
};

/** The date of run number `index` (0 = the first run) if the schedule had no end. */
export const occurrence = (rule: Pick<ScheduleRule, 'startDate' | 'frequency'>, index: number): string => {
  switch (rule.frequency) {
    case 'once':
      return rule.startDate;
    case 'weekly':
      return addDays(rule.startDate, 7 * index);
    case 'monthly':
      return addMonthsClamped(rule.startDate, index);
  }
};

/** The first day a schedule starting on `startDate` may no longer run on: MAX_SCHEDULE_YEARS later. */
export const horizonOf = (startDate: string): string => addMonthsClamped(startDate, 12 * MAX_SCHEDULE_YEARS);

/**
 * The date of run number `index`, or undefined when the schedule has ended by then. Computed from the
 * start every time (never from the previous run), so a clamped February does not drag March to the 28th.
 */
export const runDate = (rule: ScheduleRule, index: number): string | undefined => {
  if (index < 0) return undefined;
  if (rule.frequency === 'once' && index > 0) return undefined;
  if (rule.count !== undefined && index >= rule.count) return undefined;
  const date = occurrence(rule, index);
  if (date >= horizonOf(rule.startDate)) return undefined;
  if (rule.endDate !== undefined && date > rule.endDate) return undefined;
  return date;
};

/** Checks a new schedule's dates against today (UTC). */
export const validateRule = (rule: ScheduleRule, today: string): void => {
  const invalid = (path: string, message: string) =>
    new BankError('validation_failed', 'The request is not valid', { errors: [{ path, message }] });
  if (!isDate(rule.startDate)) throw invalid('body.startDate', 'must be a calendar date YYYY-MM-DD');
  if (rule.startDate < today) throw invalid('body.startDate', 'must be today or later (UTC)');
  if (rule.startDate > addDays(today, MAX_START_AHEAD_DAYS))
    throw invalid('body.startDate', `must be within ${MAX_START_AHEAD_DAYS} days`);
  if (rule.endDate !== undefined) {
    if (!isDate(rule.endDate)) throw invalid('body.endDate', 'must be a calendar date YYYY-MM-DD');
    if (rule.endDate < rule.startDate) throw invalid('body.endDate', 'must not be before startDate');
    if (rule.endDate >= horizonOf(rule.startDate))
      throw invalid('body.endDate', `must be within ${MAX_SCHEDULE_YEARS} years of startDate`);
  }
  if (rule.frequency === 'once' && (rule.endDate !== undefined || rule.count !== undefined))
    throw invalid('body.frequency', 'a one-off transfer takes neither endDate nor count');
};
