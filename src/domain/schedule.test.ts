import { describe, expect, it } from 'vitest';
import { addMonthsClamped, isDate, MAX_RUNS, runDate, validateRule } from './schedule.ts';

describe('schedule dates', () => {
  it('runs monthly from 31 January on the last day of shorter months, back on the 31st after', () => {
    const rule = { startDate: '2027-01-31', frequency: 'monthly' as const };
    expect([0, 1, 2, 3, 4].map((i) => runDate(rule, i))).toEqual([
      '2027-01-31',
      '2027-02-28',
      '2027-03-31',
      '2027-04-30',
      '2027-05-31',
    ]);
    expect(runDate({ startDate: '2028-01-31', frequency: 'monthly' }, 1)).toBe('2028-02-29');
    expect(addMonthsClamped('2027-12-31', 2)).toBe('2028-02-29');
    expect(addMonthsClamped('2027-11-30', 1)).toBe('2027-12-30');
  });

  it('runs weekly every 7 days across months and years', () => {
    const rule = { startDate: '2027-12-27', frequency: 'weekly' as const };
    expect(runDate(rule, 1)).toBe('2028-01-03');
    expect(runDate(rule, 9)).toBe('2028-02-28');
  });

  it('ends after count runs, after endDate, and a one-off after its one run', () => {
    expect(runDate({ startDate: '2027-01-15', frequency: 'monthly', count: 3 }, 2)).toBe('2027-03-15');
    expect(runDate({ startDate: '2027-01-15', frequency: 'monthly', count: 3 }, 3)).toBeUndefined();
    expect(
      runDate({ startDate: '2027-01-15', frequency: 'monthly', endDate: '2027-03-14' }, 2),
    ).toBeUndefined();
    expect(runDate({ startDate: '2027-01-15', frequency: 'monthly', endDate: '2027-03-15' }, 2)).toBe(
      '2027-03-15',
    );
    expect(runDate({ startDate: '2027-01-15', frequency: 'once' }, 0)).toBe('2027-01-15');
    // A schedule with no count and no end stops 20 years after its start: 240 monthly runs...
    const open = { startDate: '2027-01-15', frequency: 'monthly' as const };
    expect(MAX_RUNS).toBe(240);
    expect(runDate(open, MAX_RUNS - 1)).toBe('2046-12-15');
    expect(runDate(open, MAX_RUNS)).toBeUndefined();
    // ...and as many weeks as 20 years hold, not 240 of them (4.6 years).
    const weekly = { startDate: '2027-01-04', frequency: 'weekly' as const };
    expect(runDate(weekly, 240)).toBe('2031-08-11');
    expect(runDate(weekly, 1043)).toBe('2046-12-31');
    expect(runDate(weekly, 1044)).toBeUndefined();
    // An end date within the 20 years is kept to, whatever the number of runs before it.
    expect(runDate({ ...weekly, endDate: '2032-12-27' }, 312)).toBe('2032-12-27');
    expect(runDate({ ...weekly, endDate: '2032-12-27' }, 313)).toBeUndefined();
    expect(runDate({ startDate: '2027-01-15', frequency: 'once' }, 1)).toBeUndefined();
  });

  it('accepts real calendar dates only, from today on', () => {
    expect(isDate('2027-02-29')).toBe(false);
    expect(isDate('2028-02-29')).toBe(true);
    expect(isDate('2028-2-9')).toBe(false);
    expect(() => validateRule({ startDate: '2027-03-01', frequency: 'once' }, '2027-03-01')).not.toThrow();
    expect(() => validateRule({ startDate: '2027-02-28', frequency: 'once' }, '2027-03-01')).toThrow(
      /not valid/,
    );
    expect(() =>
      validateRule({ startDate: '2027-03-05', frequency: 'monthly', endDate: '2027-03-04' }, '2027-03-01'),
    ).toThrow();
    expect(() =>
      validateRule({ startDate: '2027-03-05', frequency: 'once', count: 2 }, '2027-03-01'),
    ).toThrow();
    expect(() => validateRule({ startDate: '2029-03-05', frequency: 'once' }, '2027-03-01')).toThrow();
    // A start at most 366 days ahead (2028 is a leap year: 2028-03-01 is 366 days after 2027-03-01).
    expect(() => validateRule({ startDate: '2028-03-01', frequency: 'once' }, '2027-03-01')).not.toThrow();
    expect(() => validateRule({ startDate: '2028-03-02', frequency: 'once' }, '2027-03-01')).toThrow(
      /not valid/,
    );
    // A one-off takes no end date either.
    expect(() =>
      validateRule({ startDate: '2027-03-05', frequency: 'once', endDate: '2027-03-06' }, '2027-03-01'),
    ).toThrow(/not valid/);
    // An end date past the 20-year horizon is refused, not silently cut short.
    const weekly = { startDate: '2027-03-05', frequency: 'weekly' as const };
    expect(() => validateRule({ ...weekly, endDate: '2047-03-04' }, '2027-03-01')).not.toThrow();
    expect(() => validateRule({ ...weekly, endDate: '2047-03-05' }, '2027-03-01')).toThrow(/not valid/);
    // An end date that is no day of the calendar is refused, said to be the end date's.
    expect(() => validateRule({ ...weekly, endDate: '2027-04-31' }, '2027-03-01')).toThrow(
      expect.objectContaining({ errors: [expect.objectContaining({ path: 'body.endDate' })] }),
    );
    // An end on the start day is a schedule of one run.
    expect(() => validateRule({ ...weekly, endDate: weekly.startDate }, '2027-03-01')).not.toThrow();
  });
});
