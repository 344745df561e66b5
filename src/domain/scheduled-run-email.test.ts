/**
 * The failed scheduled run's email (src/domain/notifications.ts), built from the
 * event exactly as the stream function derives it from the run's item (src/domain/events.ts).
 */
import { describe, expect, it } from 'vitest';
import { eventsFromChange, type Views } from './events.ts';
import { emailFor } from './notifications.ts';

const views: Views = {
  transaction: () => ({}),
  account: () => ({}),
};
const none = { incoming: false, withdrawals: false, holds: false };

/**
 * The run item the scheduled-transfers function writes for a failed run (src/store/schedules.ts), with
 * the source account's number as the runner read it (kept since the review found the email without it).
 */
const failedRun = (over: Record<string, unknown> = {}) => ({
  entity: 'scheduleRun',
  scheduleId: 'sch_1',
  ownerId: 'u1',
  runDate: '2026-12-01',
  outcome: 'failed',
  errorCode: 'insufficient_funds',
  amount: 2500,
  currency: 'USD',
  fromAccountId: 'acc_savings',
  fromAccountNumber: '4000123456781234',
  at: '2026-12-01T00:04:00.000Z',
  scheduleStatus: 'active',
  nextRunDate: '2027-01-01',
  ...over,
});

const emailOf = (run: Record<string, unknown>) => {
  const [event] = eventsFromChange(undefined, run, '2026-12-01T00:04:01.000Z', views);
  if (!event) throw new Error('no event');
  return emailFor(event, none, { withdrawalOver: 50_000 });
};

describe('the failed scheduled run email', () => {
  it('names the account the transfer was to be paid from (its last 4 digits), as every other money email does', () => {
    // A customer with a current and a savings account, each with a USD 25.00 schedule, cannot tell which
    // one failed (nor which account to top up) from this email.
    const e = emailOf(failedRun());
    expect(e).toBeDefined();
    expect(e?.text).toMatch(/your account \u2022\u2022\u2022\u2022\d{4}/);
    expect(e?.text).toContain('your account \u2022\u2022\u2022\u20221234');
    expect(e?.html).toContain('\u2022\u2022\u2022\u20221234');
    // A run recorded before the number was kept: the email still goes, naming no number.
    const older = emailOf(failedRun({ fromAccountNumber: undefined }));
    expect(older?.text).toContain('was not paid');
    expect(older?.text).not.toContain('\u2022');
  });

  it('says that the dates it gives are UTC days (the schedule’s dates are UTC calendar days)', () => {
    // A run due 2026-12-01 UTC is made at 00:04 UTC, i.e. 16:04 on 30 November in California: "due on
    // 2026-12-01" with no zone reads as a day later than the money was due to go.
    const e = emailOf(failedRun());
    expect(e?.text).toContain('2026-12-01');
    expect(e?.text).toMatch(/2026-12-01[^.]*UTC/);
    expect(e?.text).toMatch(/2027-01-01[^.]*UTC/);
  });

  it('tells a customer whose login the bank disabled why, and to contact the bank, not to pay it themselves (which they cannot)', () => {
    for (const over of [{}, { scheduleStatus: 'cancelled' }, { scheduleStatus: undefined }]) {
      const e = emailOf(failedRun({ errorCode: 'user_disabled', ...over }));
      expect(e?.text).toContain('was not paid: the bank has disabled your login.');
      expect(e?.text).toMatch(/contact us to have (it|your login) enabled again/i);
      expect(e?.text).not.toMatch(/pay this one yourself/i);
    }
    // Any other failure still says to pay it.
    expect(emailOf(failedRun())?.text).toContain('pay this one yourself');
  });
});
