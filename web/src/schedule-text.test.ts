import { describe, expect, it } from 'vitest';
import type { Limits, Schedule } from './api-money.ts';
import { MESSAGES } from './errors.ts';
import {
  countText,
  ENDED,
  endText,
  openRunText,
  RUN_FAILURES,
  runFailureText,
  scheduleLimitText,
} from './schedule-text.ts';

type Run = NonNullable<Schedule['runs']>[number];
/** A run of `runDate`: sent, or failed with `errorCode`. */
const sent = (runDate: string): Run => ({
  runDate,
  outcome: 'succeeded',
  transactionId: '0190b8a0-0000-7000-8000-000000000001',
  at: `${runDate}T00:05:00.000Z`,
});
const failed = (runDate: string, errorCode = 'insufficient_funds'): Run => ({
  runDate,
  outcome: 'failed',
  errorCode,
  at: `${runDate}T00:05:00.000Z`,
});
/** Dates as the screen would write them: here, as given. */
const day = (d: string) => d;

describe("a scheduled transfer's runs and end in plain words", () => {
  it("says each of the runner's own codes in its own words, the API's as the API's, and anything else in general", () => {
    expect(runFailureText('recipient_closed')).toBe('The account it pays is closed.');
    expect(runFailureText('recipient_frozen')).toBe(
      'The account it pays cannot receive payments at the moment.',
    );
    expect(runFailureText('account_closed')).toBe('The account it pays from is closed.');
    expect(runFailureText('insufficient_funds')).toBe(MESSAGES.insufficient_funds);
    expect(runFailureText('user_disabled')).toBe(MESSAGES.user_disabled);
    expect(runFailureText('something_new')).toBe('It could not be sent.');
    for (const [code, text] of Object.entries(RUN_FAILURES)) {
      expect(text).toMatch(/^[A-Z].*\.$/);
      expect(text, code).not.toContain('_');
    }
  });

  it('says why a schedule ended, for every reason the API gives', () => {
    expect(ENDED.recipient_closed).toBe('The account it pays was closed.');
    expect(new Set(Object.values(ENDED)).size).toBe(Object.keys(ENDED).length);
  });

  it('never says a schedule whose last transfer failed is done: a one-off declined says when it was due and why', () => {
    const text = endText({ endReason: 'completed', runsDone: 1, runs: [failed('2027-03-05')] }, day);
    expect(text).toBe(
      `Its transfer, due on 2027-03-05, failed, so nothing was sent. ${MESSAGES.insufficient_funds}`,
    );
    expect(text).not.toMatch(/done/i);
    expect(endText({ endReason: 'completed', runsDone: 1, runs: [sent('2027-03-05')] }, day)).toBe(
      'Its transfer, due on 2027-03-05, was sent.',
    );
  });

  it('words a repeating schedule\u2019s end from its runs: how many were sent, how many failed, and why the last failed', () => {
    expect(
      endText(
        {
          endReason: 'completed',
          runsDone: 3,
          runs: [sent('2027-03-19'), sent('2027-03-12'), sent('2027-03-05')],
        },
        day,
      ),
    ).toBe('All 3 of its transfers were sent.');
    expect(
      endText(
        {
          endReason: 'completed',
          runsDone: 3,
          runs: [failed('2027-03-19', 'recipient_frozen'), sent('2027-03-12'), sent('2027-03-05')],
        },
        day,
      ),
    ).toBe(
      'Of its 3 transfers, 2 were sent and 1 failed. The last, due on 2027-03-19, failed. The account it pays cannot receive payments at the moment.',
    );
    expect(
      endText(
        {
          endReason: 'completed',
          runsDone: 3,
          runs: [sent('2027-03-19'), failed('2027-03-12'), failed('2027-03-05')],
        },
        day,
      ),
    ).toBe('Of its 3 transfers, 1 was sent and 2 failed.');
    expect(
      endText(
        { endReason: 'completed', runsDone: 2, runs: [failed('2027-03-12'), failed('2027-03-05')] },
        day,
      ),
    ).toBe(
      `None of its 2 transfers was sent. The last, due on 2027-03-12, failed. ${MESSAGES.insufficient_funds}`,
    );
    // More runs than the bank shows (the newest 100): what is said is of those shown.
    const hundred = Array.from({ length: 100 }, (_, i) => (i === 0 ? failed(`r${i}`) : sent(`r${i}`)));
    expect(endText({ endReason: 'completed', runsDone: 240, runs: hundred }, day)).toBe(
      `Of its last 100 transfers (of 240), 99 were sent and 1 failed. The last, due on r0, failed. ${MESSAGES.insufficient_funds}`,
    );
    // The other reasons as they are; none with no end; and "completed" with no runs to tell from.
    expect(endText({ endReason: 'source_closed', runsDone: 1, runs: [failed('2027-03-05')] }, day)).toBe(
      ENDED.source_closed,
    );
    expect(endText({ runsDone: 1, runs: [sent('2027-03-05')] }, day)).toBeUndefined();
    expect(endText({ endReason: 'completed', runsDone: 1, runs: [] }, day)).toBe(ENDED.completed);
    for (const text of Object.values(ENDED)) expect(text).not.toMatch(/done/i);
  });

  it('counts a counted schedule\u2019s transfers as sent only when they were: a failed one is not done', () => {
    expect(countText({ count: 12, runsDone: 0, runs: [] })).toBe('0 of 12 sent');
    expect(countText({ count: 3, runsDone: 2, runs: [sent('2027-03-12'), sent('2027-03-05')] })).toBe(
      '2 of 3 sent',
    );
    const text = countText({
      count: 3,
      runsDone: 3,
      runs: [failed('2027-03-19'), sent('2027-03-12'), failed('2027-03-05')],
    });
    expect(text).toBe('1 of 3 sent, 2 failed');
    expect(text).not.toContain('3 of 3');
    const hundred = Array.from({ length: 100 }, (_, i) => (i % 10 === 0 ? failed(`r${i}`) : sent(`r${i}`)));
    expect(countText({ count: 240, runsDone: 150, runs: hundred })).toBe(
      '150 of 240 due so far; of the last 100, 90 sent, 10 failed',
    );
  });

  it('says a run open when the schedule was cancelled may have been made, is being checked, and shows once settled', () => {
    const text = openRunText('5 Mar 2027');
    expect(text).toBe(
      'The transfer due on 5 Mar 2027 may have been made, or may still be made: it was due when this was cancelled. The bank is checking: if it is made, it will show under Runs, usually within 15 minutes. No later transfers will be made.',
    );
    // Not only of a run under way: one due that no runner held is open too.
    expect(text).not.toContain('already being made');
  });

  it('refuses a schedule above the daily limit with a smaller amount as the way on, never tomorrow', () => {
    const limits: Limits = {
      day: '2027-03-05',
      resetsAt: '2027-03-06T00:00:00.000Z',
      outgoing: [{ currency: 'USD', limit: 1_000_000, used: 990_000, remaining: 10_000 }],
    };
    expect(scheduleLimitText(limits, 'USD')).toBe(
      'Each scheduled transfer must be no more than your daily limit of $10,000.00. Choose a smaller amount.',
    );
    expect(scheduleLimitText(undefined, 'USD')).toBe(
      'Each scheduled transfer must be no more than your daily limit. Choose a smaller amount.',
    );
    expect(scheduleLimitText(limits, 'USD')).not.toMatch(/tomorrow|more today/);
  });
});
