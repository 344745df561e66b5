import { describe, expect, it } from 'vitest';
import { unreversed } from '../../src/domain/ledger.ts';
import { refundLeft } from './refund.ts';

describe('refundLeft', () => {
  it('is the amount less the refunds and the reversals, as the bank counts it', () => {
    for (const tx of [
      { amount: 10_000 },
      { amount: 10_000, refundedAmount: 2_500 },
      { amount: 10_000, reversedAmount: 3_000 },
      { amount: 10_000, refundedAmount: 2_500, reversedAmount: 3_000 },
      { amount: 10_000, reversedAmount: 10_000 },
    ]) {
      expect(refundLeft(tx)).toBe(unreversed(tx));
    }
  });

  it('leaves nothing to refund once the bank reversed it all', () => {
    expect(refundLeft({ amount: 5_000, reversedAmount: 5_000 })).toBe(0);
  });
});
