import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assertActive,
  assertClosable,
  expiredHolds,
  heldAt,
  holdsFault,
  isWellFormedAccountNumber,
  luhnDigit,
  newAccountNumber,
} from './account.ts';
import { BankError } from './errors.ts';

describe('account numbers', () => {
  it('are 10 digits with a valid Luhn check digit', () => {
    for (let i = 0; i < 200; i++) {
      const n = newAccountNumber();
      expect(n).toMatch(/^\d{10}$/);
      expect(isWellFormedAccountNumber(n)).toBe(true);
    }
  });

  it('computes the standard Luhn digit', () => {
    // 7992739871 is the textbook example: check digit 3.
    expect(luhnDigit('7992739871')).toBe('3');
  });

  it('catches every single-digit typo', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[0-9]{9}$/),
        fc.integer({ min: 0, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        (body, pos, delta) => {
          const n = body + luhnDigit(body);
          expect(isWellFormedAccountNumber(n)).toBe(true);
          const d = (Number(n[pos]) + delta) % 10;
          const typo = n.slice(0, pos) + d + n.slice(pos + 1);
          expect(isWellFormedAccountNumber(typo), typo).toBe(false);
        },
      ),
      { seed: 42 },
    );
  });
});

describe('account rules', () => {
  it('refuses movement on frozen and closed accounts', () => {
    expect(() => assertActive({ status: 'active' })).not.toThrow();
    for (const status of ['frozen', 'closed'] as const) {
      expect(() => assertActive({ status })).toThrow(expect.objectContaining({ code: 'account_not_active' }));
    }
  });

  it('closes only a zero balance', () => {
    expect(() => assertClosable({ status: 'active', balance: 0, held: 0 })).not.toThrow();
    expect(() => assertClosable({ status: 'active', balance: 1, held: 0 })).toThrow(BankError);
    expect(() => assertClosable({ status: 'frozen', balance: 0, held: 0 })).toThrow('not active');
  });
});

describe('holds', () => {
  const now = new Date('2026-11-30T12:00:00Z');
  const holds = {
    live: { amount: 30, expiresAt: '2026-11-30T12:00:00.001Z' },
    due: { amount: 50, expiresAt: '2026-11-30T12:00:00.000Z' },
    old: { amount: 7, expiresAt: '2026-11-29T00:00:00.000Z' },
  };
  it('count until their expiry, and from that instant on are due for release', () => {
    expect(heldAt(holds, now)).toBe(30);
    expect(expiredHolds(holds, now).sort()).toEqual(['due', 'old']);
    expect(heldAt(holds, new Date('2026-11-28T00:00:00Z'))).toBe(87);
    expect(expiredHolds(holds, new Date('2026-11-28T00:00:00Z'))).toEqual([]);
    expect(heldAt({}, now)).toBe(0);
  });
});

describe('a stored holds map', () => {
  const hold = { amount: 30, expiresAt: '2026-11-30T12:00:00.001Z' };
  it('is sound when absent, empty, or mapping ids to positive whole amounts with an instant', () => {
    expect(holdsFault(undefined)).toBeUndefined();
    expect(holdsFault(null)).toBeUndefined();
    expect(holdsFault({})).toBeUndefined();
    expect(holdsFault({ j1: hold, j2: { amount: 1, expiresAt: '2027-01-01T00:00:00Z' } })).toBeUndefined();
  });
  it('is faulty when it is not a map, or any hold lacks a positive whole amount or an instant it expires at', () => {
    expect(holdsFault([hold])).toBe('holds is a list, not a map');
    expect(holdsFault('j1')).toBe('holds is a string, not a map');
    expect(holdsFault(7)).toBe('holds is a number, not a map');
    const amountFault = 'hold j2 has no positive whole amount';
    const expiryFault = 'hold j2 has no instant it expires at';
    for (const [bad, fault] of [
      [null, amountFault],
      ['x', amountFault],
      [{ expiresAt: hold.expiresAt }, amountFault],
      [{ ...hold, amount: '30' }, amountFault],
      [{ ...hold, amount: 0 }, amountFault],
      [{ ...hold, amount: 1.5 }, amountFault],
      [{ ...hold, amount: -3 }, amountFault],
      [{ amount: 30 }, expiryFault],
      [{ ...hold, expiresAt: 1767225600 }, expiryFault],
      [{ ...hold, expiresAt: 'soon' }, expiryFault],
    ] as const)
      expect(holdsFault({ j1: hold, j2: bad }), JSON.stringify(bad)).toBe(fault);
  });
});
