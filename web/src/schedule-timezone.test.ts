/**
 * A new scheduled transfer's dates are the customer's own calendar days on the form ("First transfer
 * on", from tomorrow on: `tomorrow()` in screens/schedules.tsx is `localDayAfter(1)`), but the bank pays
 * a run on its UTC day (`runDue` pays every run due on or before today, UTC). West of UTC, in the
 * evening, the customer's tomorrow is already the bank's today: the earliest date the form offers (its
 * default and its `min`) is paid at once, today, not tomorrow as the customer chose.
 */
process.env.TZ = 'America/Los_Angeles';

import { describe, expect, it } from 'vitest';
import { validateRule } from '../../src/domain/schedule.ts';
import { localDayAfter } from './days.ts';

describe('scheduled transfer dates across the UTC day boundary', () => {
  it('the first date the form offers ("tomorrow") is not already due at the bank today', () => {
    // 5 pm on Monday 7 December 2026 in Los Angeles (01:00 UTC on the 8th).
    const now = new Date('2026-12-07T17:00:00-08:00');
    expect(now.getDate()).toBe(7); // the customer's today is the 7th (time zone in effect)
    const offered = localDayAfter(1, now); // the form's default and `min` ("Choose a date from tomorrow on.")
    expect(offered).toBe('2026-12-08');
    const bankToday = now.toISOString().slice(0, 10);
    // The bank takes it (startDate today or later, UTC)...
    expect(() =>
      validateRule(
        { startDate: offered, frequency: 'once' } as Parameters<typeof validateRule>[0],
        bankToday,
      ),
    ).not.toThrow();
    // ...and a run is due once its date is on or before the bank's today: this one is due now, on the
    // customer's 7th, a day before the date they picked.
    const dueNow = offered <= bankToday;
    expect(dueNow, `"tomorrow" (${offered}) is the bank's today (${bankToday}): paid at once`).toBe(false);
  });
});
