import { describe, expect, it } from 'vitest';
import { lineOf } from './statement-source.ts';

describe('statement lines from postings', () => {
  it("reads a ledger posting's own journal fields", () => {
    expect(
      lineOf({
        sk: 'TX#2027-03-02T10:00:00.000Z#j1',
        entity: 'posting',
        journalId: 'j1',
        type: 'transfer',
        status: 'posted',
        description: 'Rent',
        amount: -2550,
        balanceAfter: 7450,
        counterpartyNumber: '4820193757',
      }),
    ).toEqual({
      txId: 'j1',
      type: 'transfer',
      date: '2027-03-02T10:00:00.000Z',
      description: 'Rent',
      counterparty: '4820193757',
      amount: -2550,
      balance: 7450,
    });
    expect(
      lineOf({
        sk: 'TX#2027-03-03T10:00:00.000Z#j2',
        entity: 'posting',
        journalId: 'j2',
        type: 'deposit',
        status: 'posted',
        amount: 1000,
        balanceAfter: 8450,
      }),
    ).toEqual({
      txId: 'j2',
      type: 'deposit',
      date: '2027-03-03T10:00:00.000Z',
      description: '',
      counterparty: null,
      amount: 1000,
      balance: 8450,
    });
  });
});
