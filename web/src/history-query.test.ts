import { describe, expect, it } from 'vitest';
import { isDay } from './days.ts';
import {
  cleanHistoryQuery,
  historyFilters,
  historyPath,
  isFiltered,
  readHistoryQuery,
} from './history-query.ts';

const ID = '0b6f1c7e-3a52-4c1e-9d59-2f1a3b4c5d6e';
const NONE = { from: '', to: '', type: '', status: '' };

describe('isDay', () => {
  it('takes real calendar days written YYYY-MM-DD only', () => {
    expect(isDay('2026-11-30')).toBe(true);
    expect(isDay('2028-02-29')).toBe(true);
    for (const d of [
      '2026-02-30',
      '2027-02-29',
      '2026-13-01',
      '2026-11-31',
      '30/11/2026',
      '2026-1-05',
      '',
      null,
    ])
      expect(isDay(d), String(d)).toBe(false);
  });
});

describe('historyPath / readHistoryQuery', () => {
  it('puts the filters in the address and reads the same back', () => {
    const q = { from: '2026-11-01', to: '2026-11-30', type: 'transfer', status: 'pending' };
    const path = historyPath(ID, q);
    expect(path).toBe(`/accounts/${ID}?from=2026-11-01&to=2026-11-30&type=transfer&status=pending`);
    expect(readHistoryQuery(new URL(path, 'https://bank.example').searchParams)).toEqual(q);
  });

  it('leaves out what is empty: no filter, no query', () => {
    expect(historyPath(ID)).toBe(`/accounts/${ID}`);
    expect(historyPath(ID, { type: 'deposit' })).toBe(`/accounts/${ID}?type=deposit`);
    expect(readHistoryQuery(new URLSearchParams())).toEqual(NONE);
  });

  it('drops what an address holds that is not a filter the API knows', () => {
    const read = (s: string) => readHistoryQuery(new URLSearchParams(s));
    expect(read('type=bogus&status=toString&from=2026-02-30&to=yesterday')).toEqual(NONE);
    expect(read('status=voided&cursor=abc')).toEqual({ ...NONE, status: 'voided' });
    // A range that ends before it starts keeps its start.
    expect(read('from=2026-11-10&to=2026-11-01')).toEqual({ ...NONE, from: '2026-11-10' });
    expect(cleanHistoryQuery({ type: 'constructor' })).toEqual(NONE);
  });

  it('says whether anything is filtered', () => {
    expect(isFiltered(NONE)).toBe(false);
    expect(isFiltered({ ...NONE, to: '2026-11-30' })).toBe(true);
  });
});

describe('historyFilters', () => {
  it('sends a day as the instants it starts and ends in the browser time zone, the rest as it is', () => {
    const f = historyFilters({ from: '2026-11-01', to: '2026-11-30', type: 'refund', status: '' });
    expect(f).toEqual({
      from: new Date(2026, 10, 1, 0, 0, 0, 0).toISOString(),
      to: new Date(2026, 10, 30, 23, 59, 59, 999).toISOString(),
      type: 'refund',
      status: undefined,
    });
    expect(historyFilters(NONE)).toEqual({
      from: undefined,
      to: undefined,
      type: undefined,
      status: undefined,
    });
  });
});
