import { describe, expect, it } from 'vitest';
import { MAX_BATCH_TRANSFERS } from '../../src/domain/batch.ts';
import { forgetRecentTransfers, isRepeatOf, REPEAT_WINDOW_MS, recentTransfers } from './recent.ts';

const memory = () => {
  const m = new Map<string, string>();
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    removeItem: (k: string) => void m.delete(k),
  };
};

describe('recentTransfers', () => {
  it('finds the same payee and amount within 10 minutes, and nothing else', () => {
    let t = 1_000_000;
    const storage = memory();
    const recent = recentTransfers(() => t, storage);
    recent.record({ to: '1111111116', amount: 2000, currency: 'USD', at: t, outcome: 'unknown' });
    const same = { to: '1111111116', amount: 2000, currency: 'USD' };
    t += REPEAT_WINDOW_MS - 1;
    expect(recent.find(same)).toMatchObject({ outcome: 'unknown' });
    // Another tab of the same session reads the same storage.
    expect(recentTransfers(() => t, storage).find(same)).toBeDefined();
    expect(recent.find({ ...same, amount: 2001 })).toBeUndefined();
    expect(recent.find({ ...same, to: '2222222224' })).toBeUndefined();
    expect(recent.find({ ...same, currency: 'EUR' })).toBeUndefined();
    t += 1;
    expect(recent.find(same)).toBeUndefined();
  });

  it('keeps a transfer perhaps sent through a whole bulk payment noted after it, sent and answered', () => {
    let t = 1_000;
    const recent = recentTransfers(() => t, memory());
    const earlier = { to: '9999999999', amount: 700, currency: 'USD' };
    recent.record({ ...earlier, at: t, outcome: 'unknown' });
    for (const outcome of ['unknown', 'succeeded'] as const) {
      t += 1;
      for (let i = 0; i < MAX_BATCH_TRANSFERS; i++)
        recent.record({ to: String(i), amount: 100, currency: 'USD', at: t, outcome });
    }
    expect(recent.find(earlier)).toMatchObject({ outcome: 'unknown' });
  });

  it('keeps the latest outcome of one transfer', () => {
    const t = 5_000;
    const recent = recentTransfers(() => t, memory());
    recent.record({ to: '1', amount: 1, currency: 'USD', at: t, outcome: 'unknown' });
    recent.record({ to: '1', amount: 1, currency: 'USD', at: t, outcome: 'succeeded' });
    expect(recent.find({ to: '1', amount: 1, currency: 'USD' })?.outcome).toBe('succeeded');
  });

  it('forgets a transfer perhaps sent once the bank refuses it, and only that one', () => {
    let t = 5_000;
    const recent = recentTransfers(() => t, memory());
    const same = { to: '1', amount: 1, currency: 'USD' };
    recent.record({ ...same, at: t, outcome: 'unknown' });
    recent.refused(same);
    expect(recent.find(same)).toBeUndefined();

    // One that went through, then the same again refused: the one that went through still counts.
    recent.record({ ...same, at: t, outcome: 'succeeded' });
    t += 1;
    recent.record({ ...same, at: t, outcome: 'unknown' });
    recent.refused(same);
    expect(recent.find(same)).toMatchObject({ at: t - 1, outcome: 'succeeded' });

    // An earlier one never answered stays when a later one is refused.
    t += 1;
    recent.record({ ...same, at: t, outcome: 'unknown' });
    t += 1;
    recent.record({ ...same, at: t, outcome: 'unknown' });
    recent.refused(same);
    expect(recent.find(same)).toMatchObject({ at: t - 1, outcome: 'unknown' });
  });

  it('is forgotten on logout', () => {
    const storage = memory();
    const recent = recentTransfers(() => 0, storage);
    recent.record({ to: '1', amount: 1, currency: 'USD', at: 0, outcome: 'succeeded' });
    forgetRecentTransfers(storage);
    expect(recent.find({ to: '1', amount: 1, currency: 'USD' })).toBeUndefined();
  });

  it('survives corrupt or missing storage', () => {
    const storage = memory();
    storage.setItem('bank.recent-transfers', 'nope');
    expect(recentTransfers(() => 0, storage).find({ to: '1', amount: 1, currency: 'USD' })).toBeUndefined();
    const none = recentTransfers(() => 0, undefined);
    none.record({ to: '1', amount: 1, currency: 'USD', at: 0, outcome: 'succeeded' });
    expect(none.find({ to: '1', amount: 1, currency: 'USD' })).toBeUndefined();
  });
});

describe('isRepeatOf', () => {
  const entry = {
    type: 'transfer',
    status: 'posted',
    amount: -2000,
    currency: 'USD',
    createdAt: '2026-11-30T10:00:00.000Z',
    counterparty: { accountNumber: '1111111116' },
  };
  const t = { to: '1111111116', amount: 2000, currency: 'USD' };
  const at = Date.parse(entry.createdAt);
  it('matches the sender\u2019s entry of the same transfer within the window', () => {
    expect(isRepeatOf(entry, t, at + 60_000)).toBe(true);
    expect(isRepeatOf({ ...entry, status: 'pending' }, t, at)).toBe(true);
    expect(isRepeatOf(entry, t, at + REPEAT_WINDOW_MS)).toBe(false);
    expect(isRepeatOf({ ...entry, amount: 2000 }, t, at)).toBe(false);
    expect(isRepeatOf({ ...entry, status: 'voided' }, t, at)).toBe(false);
    expect(isRepeatOf({ ...entry, type: 'withdrawal' }, t, at)).toBe(false);
    expect(isRepeatOf({ ...entry, counterparty: { accountNumber: '2' } }, t, at)).toBe(false);
  });
});
