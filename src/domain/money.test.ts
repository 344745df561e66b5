import { describe, expect, it } from 'vitest';
import { addMinor, MAX_AMOUNT } from './money.ts';

describe('minor units', () => {
  it('adds exactly and refuses a sum that is no longer a safe integer', () => {
    expect(addMinor(MAX_AMOUNT, -MAX_AMOUNT)).toBe(0);
    expect(addMinor(Number.MAX_SAFE_INTEGER - 1, 1)).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => addMinor(Number.MAX_SAFE_INTEGER, 1)).toThrow('amount overflow');
    expect(() => addMinor(-Number.MAX_SAFE_INTEGER, -1)).toThrow('amount overflow');
  });
});
