import { describe, expect, it } from 'vitest';
import { MAX_RUNS as BANK_MAX_RUNS } from '../../src/domain/schedule.ts';
import { COUNT_PROBLEM, MAX_RUNS, parseRunCount } from './schedule-count.ts';

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
