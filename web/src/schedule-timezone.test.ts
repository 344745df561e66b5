/**
 * A new scheduled transfer's dates were the customer's own calendar days on the form ("First transfer
 * on", from tomorrow on: `localDayAfter(1)`), but the bank pays a run on its UTC day (`runDue` pays every
 * run due on or before today, UTC). West of UTC, in the evening, the customer's tomorrow is already the
 * bank's today: the earliest date the form offered (its default and its `min`) was paid at once.
 *
 * The form now offers the bank's days (UTC), from the bank's tomorrow on (`earliestFirstDate`), and says
 * when that day begins in the customer's time. The point is kept: the earliest date offered is never
 * already due at the bank. (The test first expected the customer's tomorrow, 2026-12-08, to be offered;
 * the bank's tomorrow is the 9th.)
 */
process.env.TZ = 'America/Los_Angeles';

import { describe, expect, it } from 'vitest';
import { validateRule } from '../../src/domain/schedule.ts';
import { bankDayStartsLocally } from './days.ts';
import { earliestFirstDate } from './schedule-count.ts';

describe('scheduled transfer dates across the UTC day boundary', () => {
  it('the first date the form offers ("tomorrow") is not already due at the bank today', () => {
    // 5 pm on Monday 7 December 2026 in Los Angeles (01:00 UTC on the 8th).
    const now = new Date('2026-12-07T17:00:00-08:00');
    expect(now.getDate()).toBe(7); // the customer's today is the 7th (time zone in effect)
    const offered = earliestFirstDate(now); // the form's default and `min`
    expect(offered).toBe('2026-12-09'); // the bank's tomorrow
    const bankToday = now.toISOString().slice(0, 10);
    // The bank takes it (startDate today or later, UTC)...
    expect(() =>
      validateRule(
        { startDate: offered, frequency: 'once' } as Parameters<typeof validateRule>[0],
        bankToday,
      ),
    ).not.toThrow();
    // ...and a run is due once its date is on or before the bank's today: this one is not due yet.
    const dueNow = offered <= bankToday;
    expect(dueNow, `"tomorrow" (${offered}) is the bank's today (${bankToday}): paid at once`).toBe(false);
  });

  it('in the morning, too, the earliest date offered is the bank tomorrow', () => {
    const now = new Date('2026-12-07T08:00:00-08:00'); // 16:00 UTC on the 7th
    const offered = earliestFirstDate(now);
    expect(offered).toBe('2026-12-08');
    expect(offered > now.toISOString().slice(0, 10)).toBe(true);
  });

  it('says when the bank day begins in the customer own time (the evening before, west of UTC)', () => {
    const local = bankDayStartsLocally('2026-12-09') ?? '';
    expect(local).toMatch(/16:00|4:00\s?PM/i);
    expect(local).toMatch(/\b8\b/);
    expect(local).toMatch(/Dec/);
  });
});
