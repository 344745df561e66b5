import { describe, expect, it } from 'vitest';
import { BankError } from '../domain/errors.ts';
import type { ProblemWithHeaders } from './http.ts';
import { batchReply, transactionView } from './transactions.ts';

const thrown = (f: () => unknown): BankError => {
  try {
    f();
  } catch (e) {
    if (e instanceof BankError) return e;
    throw e;
  }
  throw new Error('nothing was thrown');
};

describe("a bulk payment's decline as HTTP", () => {
  it('renders each refusal as an error naming its transfer in the body, the first time and on replay', () => {
    const refusals = [
      { index: 1, code: 'recipient_not_found' as const, message: 'No account has that number' },
      { index: 3, code: 'currency_mismatch' as const, message: 'Both accounts must be in the currency' },
    ];
    const decline = {
      kind: 'declined' as const,
      code: 'batch_rejected' as const,
      detail: 'Nothing was posted',
      refusals,
    };
    const first = thrown(() => batchReply({ ...decline, replayed: false }, 'u'));
    expect(first.status).toBe(422);
    expect(first.errors).toEqual([
      {
        path: 'body.transfers.1',
        message: 'No account has that number',
        index: 1,
        code: 'recipient_not_found',
      },
      {
        path: 'body.transfers.3',
        message: 'Both accounts must be in the currency',
        index: 3,
        code: 'currency_mismatch',
      },
    ]);
    const replay = thrown(() => batchReply({ ...decline, replayed: true }, 'u'));
    expect(replay.errors).toEqual(first.errors);
    expect((replay as ProblemWithHeaders).headers).toEqual({ 'idempotent-replayed': 'true' });
  });

  it('replays a record made before refusals were kept in domain terms (its errors as they were rendered)', () => {
    const errors = [
      {
        path: 'body.transfers.0',
        message: 'No account has that number',
        index: 0,
        code: 'recipient_not_found' as const,
      },
    ];
    const old = {
      kind: 'declined' as const,
      code: 'batch_rejected' as const,
      detail: 'Nothing was posted',
      errors,
    };
    expect(thrown(() => batchReply({ ...old, replayed: true }, 'u')).errors).toEqual(errors);
  });
});

describe('a transfer held as unclaimed funds', () => {
  const j = {
    id: 't1',
    type: 'transfer' as const,
    status: 'posted' as const,
    amount: 300,
    currency: 'USD' as const,
    description: '',
    createdAt: '2026-12-07T10:00:00.000Z',
    postedAt: '2026-12-07T10:00:00.000Z',
    from: { accountId: 'a1', ownerId: 'alice', number: '4820193757', balanceAfter: 0 },
    to: { accountId: 'b1', ownerId: 'bob', number: '5550001112' },
    returned: true,
    unclaimed: true,
    reversedAmount: 300,
    unclaimedPaidOut: 'r1',
  };

  it('says so, and names its payout, to the sender alone', () => {
    expect(transactionView(j, 'alice')).toMatchObject({ unclaimed: true, unclaimedPaidOut: 'r1' });
    const theirs = transactionView(j, 'bob');
    expect(theirs).toMatchObject({ id: 't1' });
    expect(theirs.unclaimed).toBeUndefined();
    expect(theirs.unclaimedPaidOut).toBeUndefined();
  });

  it('paid out of the bank: says how to the sender, never the payout (no customer can read it)', () => {
    const byCheque = { ...j, unclaimedPaidOutBy: 'cheque' as const };
    const mine = transactionView(byCheque, 'alice');
    expect(mine).toMatchObject({ unclaimed: true, unclaimedPaidOutBy: 'cheque' });
    expect(mine.unclaimedPaidOut).toBeUndefined();
    expect(transactionView(byCheque, 'bob').unclaimedPaidOutBy).toBeUndefined();
  });
});
