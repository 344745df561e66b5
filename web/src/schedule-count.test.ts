import { describe, expect, it } from 'vitest';
import {
  addDays,
  MAX_START_AHEAD_DAYS as BANK_AHEAD,
  MAX_RUNS as BANK_MAX_RUNS,
  validateRule,
} from '../../src/domain/schedule.ts';
import {
  COUNT_PROBLEM,
  lastFirstDate,
  MAX_RUNS,
  MAX_START_AHEAD_DAYS,
  parseRunCount,
} from './schedule-count.ts';

describe('the number of transfers of a new schedule', () => {
  it('is until cancelled only when left empty', () => {
    expect(parseRunCount('')).toEqual({ ok: true, count: undefined });
    expect(parseRunCount('   ')).toEqual({ ok: true, count: undefined });
  });

  it('takes a whole number from 1 to the most the bank takes', () => {
    expect(parseRunCount('1')).toEqual({ ok: true, count: 1 });
    expect(parseRunCount(' 12 ')).toEqual({ ok: true, count: 12 });
    expect(parseRunCount('012')).toEqual({ ok: true, count: 12 });
    expect(parseRunCount(String(MAX_RUNS))).toEqual({ ok: true, count: MAX_RUNS });
  });

  it('refuses zero (never a schedule that never ends), more than the most, and anything not a whole number', () => {
    expect(MAX_RUNS).toBe(BANK_MAX_RUNS);
    for (const raw of ['0', '000', String(MAX_RUNS + 1), '999', '1000', '-3', '2.5', '1e2', 'ten', '١٢'])
      expect(parseRunCount(raw), raw).toEqual({ ok: false, message: COUNT_PROBLEM });
    expect(COUNT_PROBLEM).toContain('from 1 to 240');
  });
});

describe('the first date of a new schedule', () => {
  it('is offered no later than the bank takes, whatever the hour and the time zone', () => {
    expect(MAX_START_AHEAD_DAYS).toBe(BANK_AHEAD);
    const zone = process.env.TZ;
    try {
      // UTC, a day ahead of it (UTC+14) and behind it (UTC-11): the customer's today is not the bank's.
      for (const tz of ['UTC', 'Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
        process.env.TZ = tz;
        for (const at of [
          '2026-12-06T00:30:00Z',
          '2026-12-06T12:00:00Z',
          '2026-12-06T23:30:00Z',
          '2028-02-28T23:59:00Z',
        ]) {
          const now = new Date(at);
          const bankToday = at.slice(0, 10);
          const last = lastFirstDate(now);
          expect(
            () => validateRule({ startDate: last, frequency: 'once' }, bankToday),
            `${tz} ${at}`,
          ).not.toThrow();
          // And not much sooner: at most two days short of the bank's own limit.
          expect(last >= addDays(bankToday, BANK_AHEAD - 2), `${tz} ${at}`).toBe(true);
        }
      }
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });
});
