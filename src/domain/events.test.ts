import { describe, expect, it } from 'vitest';
import { eventId, eventsFromChange } from './events.ts';

const at = '2026-11-30T10:00:00.000Z';
const alice = 'user-alice';
const bob = 'user-bob';

const account = (over: Record<string, unknown> = {}) => ({
  pk: `USER#${alice}`,
  sk: 'ACCOUNT#a1',
  entity: 'account',
  id: 'a1',
  number: '4820193757',
  ownerId: alice,
  type: 'checking',
  currency: 'USD',
  nickname: null,
  status: 'active',
  balance: 0,
  version: 0,
  createdAt: '2026-11-30T09:00:00.000Z',
  ...over,
});

const journal = (over: Record<string, unknown> = {}) => ({
  pk: 'JOURNAL#j1',
  sk: 'JOURNAL',
  entity: 'journal',
  id: 'j1',
  type: 'transfer',
  status: 'posted',
  version: 0,
  amount: 1250,
  currency: 'USD',
  description: 'Rent',
  createdAt: '2026-11-30T09:30:00.000Z',
  from: {
    accountId: 'a1',
    number: '4820193757',
    ownerId: alice,
    metadata: { ref: 'alice-secret' },
    balanceAfter: 750,
  },
  to: {
    accountId: 'b1',
    number: '5550001112',
    ownerId: bob,
    metadata: { ref: 'bob-secret' },
    balanceAfter: 1250,
  },
  ...over,
});

describe('account events', () => {
  it('an inserted account is opened, with the account as its owner GETs it', () => {
    const [e, ...rest] = eventsFromChange(undefined, account(), at);
    expect(rest).toEqual([]);
    expect(e).toEqual({
      id: eventId('account:a1:0:account.opened', alice),
      customer: alice,
      type: 'account.opened',
      createdAt: '2026-11-30T09:00:00.000Z',
      data: {
        id: 'a1',
        number: '4820193757',
        type: 'checking',
        currency: 'USD',
        nickname: null,
        status: 'active',
        balance: 0,
        createdAt: '2026-11-30T09:00:00.000Z',
      },
    });
    expect(JSON.stringify(e?.data)).not.toMatch(/ownerId|version|pk|sk/);
  });

  it.each([
    ['active', 'closed', 'account.closed'],
    ['active', 'frozen', 'account.frozen'],
    ['frozen', 'active', 'account.unfrozen'],
    ['frozen', 'closed', 'account.closed'],
  ])('%s -> %s is %s', (before, after, type) => {
    const events = eventsFromChange(account({ status: before }), account({ status: after, version: 3 }), at);
    expect(events.map((e) => [e.type, e.customer, e.createdAt])).toEqual([[type, alice, at]]);
    // Never before what the account shows happened (a record's time is in whole seconds).
    const late = account({ status: after, version: 3, lastPostedAt: '2026-11-30T10:00:00.400Z' });
    expect(eventsFromChange(account({ status: before }), late, at)[0]?.createdAt).toBe(
      '2026-11-30T10:00:00.401Z',
    );
    const kept = account({ status: after, version: 3, updatedAt: '2026-11-30T10:00:00.250Z' });
    expect(eventsFromChange(account({ status: before }), kept, at)[0]?.createdAt).toBe(
      '2026-11-30T10:00:00.250Z',
    );
    expect(events[0]?.data.status).toBe(after);
  });

  it('a balance change, a removal (TTL) or another entity gives nothing', () => {
    expect(eventsFromChange(account(), account({ balance: 10, version: 1 }), at)).toEqual([]);
    expect(eventsFromChange(account(), undefined, at)).toEqual([]);
    expect(eventsFromChange(undefined, { entity: 'profile', userId: alice }, at)).toEqual([]);
  });

  it('shows held and available when the ledger keeps holds', () => {
    const [e] = eventsFromChange(
      account({ status: 'active' }),
      account({ status: 'frozen', balance: 900, held: 300 }),
      at,
    );
    expect(e?.data).toMatchObject({ balance: 900, held: 300, available: 600 });
  });
});

describe('transaction events', () => {
  it('a posted transfer gives each side its own event: never the other side’s account id or metadata', () => {
    const events = eventsFromChange(undefined, journal(), at);
    expect(events.map((e) => [e.customer, e.type])).toEqual([
      [alice, 'transaction.posted'],
      [bob, 'transaction.posted'],
    ]);
    const [a, b] = events;
    expect(a?.data).toMatchObject({
      fromAccountId: 'a1',
      toAccountNumber: '5550001112',
      balanceAfter: 750,
      metadata: { ref: 'alice-secret' },
    });
    expect(a?.data).not.toHaveProperty('toAccountId');
    expect(JSON.stringify(a)).not.toMatch(/b1|bob-secret|user-bob/);
    expect(b?.data).toMatchObject({
      toAccountId: 'b1',
      fromAccountNumber: '4820193757',
      balanceAfter: 1250,
      metadata: { ref: 'bob-secret' },
    });
    expect(JSON.stringify(b)).not.toMatch(/"a1"|alice-secret|user-alice/);
    expect(a?.id).not.toBe(b?.id);
  });

  it('the lifecycle: pending (sender only), then posted, voided or expired', () => {
    const pending = journal({ status: 'pending', expiresAt: '2026-12-01T00:00:00.000Z' });
    const created = eventsFromChange(undefined, pending, at);
    expect(created.map((e) => [e.customer, e.type])).toEqual([[alice, 'transaction.pending']]);
    expect(created[0]?.data.expiresAt).toBe('2026-12-01T00:00:00.000Z');
    const post = eventsFromChange(
      pending,
      journal({ status: 'posted', postedAt: '2026-11-30T11:00:00.000Z', version: 1 }),
      at,
    );
    expect(post.map((e) => [e.customer, e.type, e.createdAt])).toEqual([
      [alice, 'transaction.posted', '2026-11-30T11:00:00.000Z'],
      [bob, 'transaction.posted', '2026-11-30T11:00:00.000Z'],
    ]);
    expect(
      eventsFromChange(pending, journal({ status: 'voided', version: 1 }), at).map((e) => [
        e.customer,
        e.type,
      ]),
    ).toEqual([[alice, 'transaction.voided']]);
    expect(
      eventsFromChange(pending, journal({ status: 'expired', version: 1 }), at).map((e) => [
        e.customer,
        e.type,
      ]),
    ).toEqual([[alice, 'transaction.expired']]);
  });

  it('a change that keeps the status (say, a refund total) gives nothing; a posted refund is refunded', () => {
    expect(eventsFromChange(journal(), journal({ refundedAmount: 100, version: 2 }), at)).toEqual([]);
    const refund = journal({ id: 'r1', type: 'refund', refundOf: 'j1', amount: 100 });
    expect(eventsFromChange(undefined, refund, at).map((e) => [e.type, e.data.refundOf])).toEqual([
      ['transaction.refunded', 'j1'],
      ['transaction.refunded', 'j1'],
    ]);
  });

  it('ids are deterministic: the same change gives the same ids, whichever item (posting or journal) it came from', () => {
    const once = eventsFromChange(undefined, journal(), at).map((e) => e.id);
    expect(eventsFromChange(undefined, journal(), '2026-12-24T00:00:00.000Z').map((e) => e.id)).toEqual(once);
    const { id: _, status: _s, ...info } = journal();
    const posting = {
      entity: 'posting',
      system: false,
      ownerId: bob,
      amount: 1250,
      balanceAfter: 1250,
      journal: {
        ...info,
        txId: 'j1',
        from: { ...info.from, metadata: undefined },
        to: { ...info.to, metadata: undefined },
      },
    };
    const [fromPosting] = eventsFromChange(undefined, posting, at);
    expect(fromPosting?.id).toBe(once[1]);
    expect(fromPosting?.data).toMatchObject({
      id: 'j1',
      status: 'posted',
      toAccountId: 'b1',
      balanceAfter: 1250,
    });
    expect(fromPosting?.data).not.toHaveProperty('fromAccountId');
  });

  it('takes the resource views it is given (the API’s own, after the ledger merge)', () => {
    const views = {
      transaction: (j: Record<string, unknown>, user: string) => ({ id: j.id, seenBy: user }),
      account: (a: Record<string, unknown>) => ({ id: a.id, custom: true }),
    };
    expect(eventsFromChange(undefined, journal(), at, views).map((e) => e.data)).toEqual([
      { id: 'j1', seenBy: alice },
      { id: 'j1', seenBy: bob },
    ]);
    expect(eventsFromChange(undefined, account(), at, views)[0]?.data).toEqual({ id: 'a1', custom: true });
  });

  it('system postings, and postings without a journal copy (the journal item speaks for them), give nothing', () => {
    expect(
      eventsFromChange(undefined, { entity: 'posting', system: true, journal: { txId: 'x' } }, at),
    ).toEqual([]);
    expect(eventsFromChange(undefined, { entity: 'posting', ownerId: alice, journalId: 'j1' }, at)).toEqual(
      [],
    );
  });
});
