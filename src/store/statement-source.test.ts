import { describe, expect, it } from 'vitest';
import { BankError } from '../domain/errors.ts';
import { StatementMismatch } from '../domain/statements.ts';
import { caughtUp, lineOf } from './statement-source.ts';

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

describe('reads of history that catch an index behind (caughtUp)', () => {
  const noWait = { sleep: async () => {} };
  const reads = (outcomes: (Error | string)[]) => {
    let n = 0;
    const read = async () => {
      const o = outcomes[Math.min(n++, outcomes.length - 1)];
      if (o instanceof Error) throw o;
      return o as string;
    };
    return { read, count: () => n };
  };

  it('reads again while the running balances do not add up, and gives the first read that does', async () => {
    const r = reads([new StatementMismatch('a'), new StatementMismatch('b'), 'whole']);
    expect(await caughtUp(r.read, noWait)).toBe('whole');
    expect(r.count()).toBe(3);
  });

  it('is 503 service_unavailable (Retry-After) when they still do not, and passes any other error on at once', async () => {
    const lagging = reads([new StatementMismatch('a')]);
    const e = await caughtUp(lagging.read, noWait).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BankError);
    expect((e as BankError).code).toBe('service_unavailable');
    expect(lagging.count()).toBe(4);
    const broken = reads([new Error('boom')]);
    await expect(caughtUp(broken.read, noWait)).rejects.toThrow('boom');
    expect(broken.count()).toBe(1);
  });
});
