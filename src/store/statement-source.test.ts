import { describe, expect, it } from 'vitest';
import { lineOf } from './statement-source.ts';

describe('statement lines from postings', () => {
  it("reads today's postings (with a journal copy) and ledger v2's (journal fields on the posting)", () => {
    expect(
      lineOf({
        sk: 'TX#2027-03-02T10:00:00.000Z#j1',
        entity: 'posting',
        amount: -2550,
        balanceAfter: 7450,
        counterpartyNumber: '4820193757',
        journal: { txId: 'j1', type: 'transfer', description: 'Rent' },
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
    // v2: a refund posting carries journalId, type and description itself.
    expect(
      lineOf({
        sk: 'TX#2027-03-03T10:00:00.000Z#j2',
        entity: 'posting',
        journalId: 'j2',
        type: 'refund',
        status: 'posted',
        description: 'Refund of j1',
        amount: 1000,
        balanceAfter: 8450,
        counterpartyNumber: '4820193757',
      }),
    ).toMatchObject({ txId: 'j2', type: 'refund', description: 'Refund of j1', amount: 1000, balance: 8450 });
  });
});
