import { describe, expect, it } from 'vitest';
import type { Limits } from './api-money.ts';
import { MESSAGES } from './errors.ts';
import { dailyLimitMessage, limitLine, remainingToday } from './limits.ts';

const limits: Limits = {
  day: '2026-11-30',
  resetsAt: '2026-12-01T00:00:00.000Z',
  outgoing: [
    { currency: 'USD', limit: 1_000_000, used: 975_050, remaining: 24_950 },
    { currency: 'JPY', limit: 1_000_000, used: 0, remaining: 1_000_000 },
  ],
};

describe('daily limit in words', () => {
  it('says what is left today in the currency asked', () => {
    expect(remainingToday(limits, 'USD')).toBe(24_950);
    expect(limitLine(limits, 'USD')).toMatch(/^You can send up to \$249\.50 more today\.$/);
    expect(limitLine(limits, 'JPY')).toMatch(/1,000,000 more today/);
    expect(limitLine(limits, 'EUR')).toBeUndefined();
    expect(limitLine(undefined, 'USD')).toBeUndefined();
  });

  it('gives the refusal its numbers, or the plain words when the limits are unknown', () => {
    expect(dailyLimitMessage(limits, 'USD')).toBe(
      'That is more than your daily limit allows. Your limit is $10,000.00 a day, and you can send up to $249.50 more today.',
    );
    expect(dailyLimitMessage(undefined, 'USD')).toBe(MESSAGES.daily_limit_exceeded);
  });
});
