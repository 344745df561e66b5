import { beforeAll, describe, expect, it } from 'vitest';
import { createTestTable, dynamoClients } from '../../test/harness.ts';
import { isFinal, MonthTotals } from './month-totals.ts';

let store: MonthTotals;
beforeAll(async () => {
  store = new MonthTotals(dynamoClients().doc, await createTestTable('month-totals'));
});

const totals = (closingBalance: number) => ({
  openingBalance: 0,
  closingBalance,
  totalIn: closingBalance,
  totalOut: 0,
  count: 1,
});

describe('kept month totals', () => {
  it('never replaces a month kept: the first totals stay', async () => {
    await store.keep('acct-1', '2026-09', totals(5_00));
    await store.keep('acct-1', '2026-09', totals(9_00));
    expect((await store.read('acct-1', '2026-09', '2026-09')).get('2026-09')).toEqual(totals(5_00));
  });

  it('replaces a kept month only when told to (totals read again after the kept ones disagreed)', async () => {
    await store.keep('acct-4', '2026-09', totals(5_00));
    await store.keep('acct-4', '2026-09', totals(7_00), { replace: true });
    expect((await store.read('acct-4', '2026-09', '2026-09')).get('2026-09')).toEqual(totals(7_00));
  });

  it('reads the months asked for, of that account only', async () => {
    for (const p of ['2026-01', '2026-02', '2026-03', '2026-04']) await store.keep('acct-2', p, totals(1_00));
    await store.keep('acct-3', '2026-02', totals(2_00));
    expect([...(await store.read('acct-2', '2026-02', '2026-03')).keys()]).toEqual(['2026-02', '2026-03']);
    expect([...(await store.read('acct-3', '2026-01', '2026-12')).entries()]).toEqual([
      ['2026-02', totals(2_00)],
    ]);
  });

  it('calls a month final once the account has posted at or after its end, and not before', () => {
    const end = '2026-10-01T00:00:00.000Z';
    expect(isFinal({ lastPostedAt: '2026-10-01T00:00:00.000Z' }, end)).toBe(true);
    expect(isFinal({ lastPostedAt: '2026-09-30T23:59:59.999Z' }, end)).toBe(false);
    // Nothing posted: the month could still get its first posting.
    expect(isFinal({}, end)).toBe(false);
  });
});
