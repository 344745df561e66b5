import { describe, expect, it } from 'vitest';
import { eventId, eventsFromChange, type Image } from './events.ts';

const at = '2026-11-30T10:00:00.000Z';
const alice = 'user-alice';
const bob = 'user-bob';

/** Stand-ins for the API's renderers (the stream handler passes the real ones): they say who saw what. */
const views = {
  transaction: (j: Image, user: string) => ({ id: j.id, status: j.status, seenBy: user }),
  account: (a: Image, when: string) => ({ id: a.id, status: a.status, asOf: when }),
};
const change = (oldImage: Image | undefined, newImage: Image | undefined, when: string) =>
  eventsFromChange(oldImage, newImage, when, views);

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

describe("a journal put over its key's expired decline record (src/store/idempotency.ts)", () => {
  it('is told as a new journal: the record before it had no status', () => {
    const record = {
      pk: 'JOURNAL#j1',
      sk: 'JOURNAL',
      entity: 'idempotency',
      fingerprint: 'f',
      outcome: '{"kind":"declined","code":"insufficient_funds"}',
      createdAt: '2026-11-28T09:30:00.000Z',
      expiresAt: 1,
    };
    expect(change(record, journal(), at)).toEqual(change(undefined, journal(), at));
    expect(change(record, journal(), at).map((e) => [e.customer, e.type])).toEqual([
      [alice, 'transaction.posted'],
      [bob, 'transaction.posted'],
    ]);
    const pending = journal({ status: 'pending' });
    expect(change(record, pending, at).map((e) => e.type)).toEqual(['transaction.pending']);
  });
});

describe('account events', () => {
  it('an inserted account is opened, with the account as its owner GETs it', () => {
    const [e, ...rest] = change(undefined, account(), at);
    expect(rest).toEqual([]);
    expect(e).toEqual({
      id: eventId('account:a1:0:account.opened', alice),
      customer: alice,
      type: 'account.opened',
      createdAt: '2026-11-30T09:00:00.000Z',
      data: { id: 'a1', status: 'active', asOf: '2026-11-30T09:00:00.000Z' },
    });
  });

  it.each([
    ['active', 'closed', 'account.closed'],
    ['active', 'frozen', 'account.frozen'],
    ['frozen', 'active', 'account.unfrozen'],
    ['frozen', 'closed', 'account.closed'],
  ])('%s -> %s is %s', (before, after, type) => {
    const events = change(account({ status: before }), account({ status: after, version: 3 }), at);
    expect(events.map((e) => [e.type, e.customer, e.createdAt])).toEqual([[type, alice, at]]);
    // Never before what the account shows happened (a record's time is in whole seconds).
    const late = account({ status: after, version: 3, lastPostedAt: '2026-11-30T10:00:00.400Z' });
    expect(change(account({ status: before }), late, at)[0]?.createdAt).toBe('2026-11-30T10:00:00.401Z');
    const kept = account({ status: after, version: 3, updatedAt: '2026-11-30T10:00:00.250Z' });
    expect(change(account({ status: before }), kept, at)[0]?.createdAt).toBe('2026-11-30T10:00:00.250Z');
    // A time the change left as it was is an earlier change's (a staff unfreeze before a close).
    const earlier = { updatedAt: '2026-10-01T08:00:00.000Z' };
    const stale = account({ status: after, version: 3, ...earlier });
    expect(change(account({ status: before, ...earlier }), stale, at)[0]?.createdAt).toBe(at);
    expect(events[0]?.data.status).toBe(after);
  });

  it('a balance change, a removal (TTL) or another entity gives nothing', () => {
    expect(change(account(), account({ balance: 10, version: 1 }), at)).toEqual([]);
    // Nor on a frozen account (staff take money back from one without unfreezing it): no second frozen.
    const frozen = account({ status: 'frozen', version: 2 });
    expect(change(frozen, account({ status: 'frozen', balance: -10, version: 3 }), at)).toEqual([]);
    expect(change(account(), undefined, at)).toEqual([]);
    expect(change(undefined, { entity: 'profile', userId: alice }, at)).toEqual([]);
  });
});

describe('transaction events', () => {
  it('a posted transfer gives each side its own event: never the other side’s account id or metadata', () => {
    const events = change(undefined, journal(), at);
    expect(events.map((e) => [e.customer, e.type])).toEqual([
      [alice, 'transaction.posted'],
      [bob, 'transaction.posted'],
    ]);
    const [a, b] = events;
    // Each side gets its own rendering (the renderer decides what it shows: the API's hides the other side).
    expect([a?.data, b?.data]).toEqual([
      { id: 'j1', status: 'posted', seenBy: alice },
      { id: 'j1', status: 'posted', seenBy: bob },
    ]);
    expect(a?.id).not.toBe(b?.id);
  });

  it('the lifecycle: pending (sender only), then posted, voided or expired', () => {
    const pending = journal({ status: 'pending', expiresAt: '2026-12-01T00:00:00.000Z' });
    const created = change(undefined, pending, at);
    expect(created.map((e) => [e.customer, e.type])).toEqual([[alice, 'transaction.pending']]);
    expect(created[0]?.data).toEqual({ id: 'j1', status: 'pending', seenBy: alice });
    const post = change(
      pending,
      journal({ status: 'posted', postedAt: '2026-11-30T11:00:00.000Z', version: 1 }),
      at,
    );
    expect(post.map((e) => [e.customer, e.type, e.createdAt])).toEqual([
      [alice, 'transaction.posted', '2026-11-30T11:00:00.000Z'],
      [bob, 'transaction.posted', '2026-11-30T11:00:00.000Z'],
    ]);
    expect(
      change(pending, journal({ status: 'voided', version: 1 }), at).map((e) => [e.customer, e.type]),
    ).toEqual([[alice, 'transaction.voided']]);
    // A record time in whole seconds never puts the void before the journal's creation.
    const early = journal({ status: 'pending', createdAt: '2026-11-30T10:00:00.400Z' });
    expect(change(early, { ...early, status: 'voided', version: 1 }, at)[0]?.createdAt).toBe(
      '2026-11-30T10:00:00.401Z',
    );
    expect(
      change(pending, journal({ status: 'expired', version: 1 }), at).map((e) => [e.customer, e.type]),
    ).toEqual([[alice, 'transaction.expired']]);
  });

  it('a change that keeps the status (say, a refund total) gives nothing; a posted refund is refunded', () => {
    expect(change(journal(), journal({ refundedAmount: 100, version: 2 }), at)).toEqual([]);
    const refund = journal({ id: 'r1', type: 'refund', refundOf: 'j1', amount: 100 });
    expect(change(undefined, refund, at).map((e) => [e.type, e.customer, e.data.id])).toEqual([
      ['transaction.refunded', alice, 'r1'],
      ['transaction.refunded', bob, 'r1'],
    ]);
  });

  it('ids are deterministic: the same change gives the same ids, one per customer and status', () => {
    const once = change(undefined, journal(), at).map((e) => e.id);
    expect(change(undefined, journal(), '2026-12-24T00:00:00.000Z').map((e) => e.id)).toEqual(once);
    expect(once).toEqual([
      eventId('journal:j1:transaction.posted', alice),
      eventId('journal:j1:transaction.posted', bob),
    ]);
    const pending = journal({ status: 'pending' });
    expect(change(pending, journal({ status: 'voided', version: 1 }), at)[0]?.id).toBe(
      eventId('journal:j1:transaction.voided', alice),
    );
  });

  it('postings and hold entries give nothing: the journal item speaks for them', () => {
    expect(change(undefined, { entity: 'posting', system: true, journalId: 'j1' }, at)).toEqual([]);
    expect(
      change(undefined, { entity: 'hold', ownerId: alice, journalId: 'j1', status: 'pending' }, at),
    ).toEqual([]);
    expect(change(undefined, { entity: 'posting', ownerId: alice, journalId: 'j1' }, at)).toEqual([]);
  });
});

describe('scheduled run events', () => {
  const run = (over: Record<string, unknown> = {}) => ({
    pk: `USER#${alice}`,
    sk: 'SCHEDRUN#s1#2026-12-01',
    entity: 'scheduleRun',
    scheduleId: 's1',
    ownerId: alice,
    amount: 2500,
    currency: 'USD',
    fromAccountId: 'a1',
    runDate: '2026-12-01',
    outcome: 'failed',
    errorCode: 'insufficient_funds',
    at: '2026-12-01T00:15:00.000Z',
    ...over,
  });

  it('a failed run tells its owner (only), once, with what failed', () => {
    const [e, ...more] = change(undefined, run(), at);
    expect(more).toEqual([]);
    expect(e).toMatchObject({
      customer: alice,
      type: 'schedule.run_failed',
      createdAt: '2026-12-01T00:15:00.000Z',
      data: {
        scheduleId: 's1',
        runDate: '2026-12-01',
        errorCode: 'insufficient_funds',
        amount: 2500,
        currency: 'USD',
      },
    });
    expect(change(undefined, run(), at)[0]?.id).toBe(e?.id);
    expect(change(undefined, run({ runDate: '2027-01-01' }), at)[0]?.id).not.toBe(e?.id);
  });

  it('says what became of the schedule with the run, as the run recorded it, and nothing of the kind for older runs', () => {
    const on = change(undefined, run({ scheduleStatus: 'active', nextRunDate: '2027-01-01' }), at)[0];
    expect(on?.data).toMatchObject({ scheduleStatus: 'active', nextRunDate: '2027-01-01' });
    expect(on?.data).not.toHaveProperty('endReason');
    const ended = change(
      undefined,
      run({ errorCode: 'recipient_closed', scheduleStatus: 'ended', endReason: 'recipient_closed' }),
      at,
    )[0];
    expect(ended?.data).toMatchObject({ scheduleStatus: 'ended', endReason: 'recipient_closed' });
    expect(ended?.data).not.toHaveProperty('nextRunDate');
    const older = change(undefined, run(), at)[0]?.data;
    for (const k of ['scheduleStatus', 'nextRunDate', 'endReason']) expect(older).not.toHaveProperty(k);
  });

  it('a run that paid, or a later change of the run item, gives nothing', () => {
    expect(change(undefined, run({ outcome: 'succeeded', errorCode: undefined }), at)).toEqual([]);
    expect(change(run(), run(), at)).toEqual([]);
  });
});

describe('a transfer with a deferred credit (hot recipients)', () => {
  const unsettled = journal({ unsettled: true, to: { ...journal().to, balanceAfter: undefined } });
  const settled = journal({ settledAt: '2026-11-30T09:30:00.020Z' });

  it('tells the sender when it is written, and the recipient when it settles, once each', () => {
    const written = change(undefined, unsettled, at);
    expect(written.map((e) => [e.customer, e.type])).toEqual([[alice, 'transaction.posted']]);
    const settles = change(unsettled, settled, at);
    expect(settles.map((e) => [e.customer, e.type, e.createdAt])).toEqual([
      [bob, 'transaction.posted', '2026-11-30T09:30:00.020Z'],
    ]);
    // The same ids as a transfer posted at once would give: a redelivery stores nothing twice.
    const direct = change(undefined, journal(), at);
    expect([...written, ...settles].map((e) => e.id).sort()).toEqual(direct.map((e) => e.id).sort());
    // Another change of the settled journal (a refund's bookkeeping) tells no one again.
    expect(change(settled, { ...settled, version: 2, refundedAmount: 10 }, at)).toEqual([]);
  });

  it('returned to its sender (the recipient closed first): the recipient hears nothing; the reversal tells the sender', () => {
    const returned = journal({
      to: { ...journal().to, balanceAfter: undefined },
      settledAt: '2026-11-30T09:30:00.020Z',
      returned: true,
      reversedAmount: 100,
    });
    expect(change(unsettled, returned, at)).toEqual([]);
    // From the returns shard (no customer side) to the sender's account.
    const reversal = journal({
      id: 'rev1',
      type: 'reversal',
      reverses: 'j1',
      from: undefined,
      to: journal().from,
    });
    expect(change(undefined, reversal, at).map((e) => [e.customer, e.type])).toEqual([
      [alice, 'transaction.posted'],
    ]);
  });

  it("held as unclaimed funds (the sender's account closed too): the sender is told, once; the recipient hears nothing", () => {
    const held = journal({
      to: { ...journal().to, balanceAfter: undefined },
      settledAt: '2026-11-30T09:30:00.020Z',
      returned: true,
      unclaimed: true,
      reversedAmount: 100,
    });
    const told = change(unsettled, held, at);
    expect(told.map((e) => [e.customer, e.type, e.createdAt])).toEqual([
      [alice, 'transaction.unclaimed', '2026-11-30T09:30:00.020Z'],
    ]);
    // The sender's own view of the transfer, as for every event.
    expect(told[0]?.data).toEqual(views.transaction(held, alice));
    // A redelivery gives the same id; the payout's later mark tells no one again (its reversal does).
    expect(change(unsettled, held, at).map((e) => e.id)).toEqual(told.map((e) => e.id));
    expect(change(held, { ...held, version: 2, unclaimedPaidOut: 'rev1' }, at)).toEqual([]);
  });

  it('paid out of the bank (a cheque, the state): the sender is told how, once, under an id of its own', () => {
    const held = journal({ settledAt: at, returned: true, unclaimed: true, reversedAmount: 100 });
    const paid = { ...held, version: 2, unclaimedPaidOut: 'rev1', unclaimedPaidOutBy: 'cheque' };
    const told = change(held, paid, at);
    expect(told.map((e) => [e.customer, e.type, e.data])).toEqual([
      [alice, 'transaction.unclaimed', views.transaction(paid, alice)],
    ]);
    // Not the id the money's being held was told under; the same again on redelivery.
    expect(told[0]?.id).not.toBe(change(journal({ unsettled: true }), held, at)[0]?.id);
    expect(change(held, paid, at).map((e) => e.id)).toEqual(told.map((e) => e.id));
    // A later change of the paid-out transfer tells no one again.
    expect(change(paid, { ...paid, version: 3 }, at)).toEqual([]);
  });

  it("between one customer's own accounts: one event, when it is written, as for a transfer posted at once", () => {
    const own = (over: Record<string, unknown>) =>
      journal({ ...over, to: { ...journal().to, ownerId: alice, ...(over.to as object) } });
    const mine = own({ unsettled: true, to: { balanceAfter: undefined } });
    const written = change(undefined, mine, at);
    expect(written.map((e) => [e.customer, e.type])).toEqual([[alice, 'transaction.posted']]);
    expect(change(mine, own({ settledAt: '2026-11-30T09:30:00.020Z' }), at)).toEqual([]);
    expect(written.map((e) => e.id)).toEqual(change(undefined, own({}), at).map((e) => e.id));
  });
});
