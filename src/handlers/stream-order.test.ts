/**
 * The stream consumer stores a batch's events per customer, customers side by side, and reports the
 * batch from the first record with an event it could not store: that record and those after it go back
 * to Lambda, whose retry (from the lowest failed sequence number) gives them again in order. A
 * customer's events are stored in stream order across invocations; another customer's events from
 * those later records may be stored in the first invocation and are found by their marks on the retry.
 * The store is a stand-in (no DynamoDB) that, as the real one does, answers `duplicate` for an event
 * stored before: what matters is the order in which events reach it across invocations.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CustomerEvent } from '../domain/events.ts';
import { events } from './events-context.ts';
import { CUSTOMERS_AT_ONCE, handler } from './stream.ts';

const image = (item: Record<string, unknown>) =>
  marshall(item, { removeUndefinedValues: true }) as Record<string, AttributeValue>;

const record = (
  seq: string,
  eventName: 'INSERT' | 'MODIFY',
  newImage: Record<string, unknown>,
  oldImage?: Record<string, unknown>,
): DynamoDBRecord => ({
  eventID: `id-${seq}`,
  eventName,
  eventSource: 'aws:dynamodb',
  dynamodb: {
    ApproximateCreationDateTime: 1_767_000_000,
    SequenceNumber: seq,
    NewImage: image(newImage),
    ...(oldImage ? { OldImage: image(oldImage) } : {}),
  },
});

const journal = (status: string) => ({
  entity: 'journal',
  id: 'j-1',
  type: 'transfer',
  status,
  amount: 1100,
  currency: 'EUR',
  description: 'rent',
  from: { ownerId: 'alice', accountId: 'a-1', number: '1111' },
  to: { ownerId: 'bob', accountId: 'b-1', number: '2222' },
  createdAt: '2026-01-01T10:00:00.000Z',
  ...(status === 'posted' ? { postedAt: '2026-01-01T10:00:05.000Z' } : {}),
});
const account = {
  entity: 'account',
  id: 'c-1',
  ownerId: 'carol',
  status: 'active',
  type: 'checking',
  currency: 'EUR',
  number: '3333',
  balance: 0,
  version: 1,
  createdAt: '2026-01-01T10:00:06.000Z',
};

/** A journal created pending (100), then posted (200), then another customer's account opened (300). */
const batch = (): DynamoDBRecord[] => [
  record('100', 'INSERT', journal('pending')),
  record('200', 'MODIFY', journal('posted'), journal('pending')),
  record('300', 'INSERT', account),
];

/** The events the store was given, in order, as "type customer". */
let stored: string[];
/** How many more events fail to store (a throttle), and after how many events the first fails. */
let failures: { after: number; left: number };
/** Each call to the store: the customer and how many events it was given. */
let calls: string[];

beforeEach(() => {
  stored = [];
  calls = [];
  failures = { after: 0, left: 0 };
  let tried = 0;
  const marks = new Set<string>();
  // As the store does: one customer's events in order, stopping at the first it cannot store, and an
  // event stored before is a duplicate.
  vi.spyOn(events(), 'recordAll').mockImplementation(async (list: readonly CustomerEvent[]) => {
    calls.push(`${list[0]?.customer} ${list.length}`);
    const outcomes: ('stored' | 'duplicate')[] = [];
    for (const e of list) {
      if (marks.has(e.id)) {
        outcomes.push('duplicate');
        continue;
      }
      if (tried++ >= failures.after && failures.left > 0) {
        failures.left--;
        return {
          outcomes,
          error: Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }),
        };
      }
      marks.add(e.id);
      stored.push(`${e.type} ${e.customer}`);
      outcomes.push('stored');
    }
    return { outcomes };
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Invokes the handler as Lambda does: again from the lowest failed sequence number, until none fails. */
const deliver = async (records: DynamoDBRecord[]) => {
  const responses = [];
  let pending = records;
  while (pending.length > 0) {
    const res = await handler({ Records: pending });
    responses.push(res.batchItemFailures.map((f) => f.itemIdentifier));
    const failed = new Set(res.batchItemFailures.map((f) => f.itemIdentifier));
    const from = pending.findIndex((r) => failed.has(r.dynamodb?.SequenceNumber ?? ''));
    pending = from < 0 ? [] : pending.slice(from);
  }
  return responses;
};

describe('stream: each customer in order, the batch reported from the first failure', () => {
  it("the first of 3 records fails: the response names it and those after it; alice's later event waits", async () => {
    failures = { after: 0, left: 1 };
    const res = await handler({ Records: batch() });
    // alice's pending event failed, so her posted one (record 200) is not stored before it; bob's and
    // carol's went side by side.
    expect(stored).toEqual(['transaction.posted bob', 'account.opened carol']);
    expect(res.batchItemFailures[0]).toEqual({ itemIdentifier: '100' });
    // The records not attempted are reported too (Lambda retries from the lowest of them all).
    expect(res).toEqual({
      batchItemFailures: [{ itemIdentifier: '100' }, { itemIdentifier: '200' }, { itemIdentifier: '300' }],
    });
  });

  it('a throttled pending event is stored before the posted one, once Lambda retries from it', async () => {
    failures = { after: 0, left: 1 };
    expect(await deliver(batch())).toEqual([['100', '200', '300'], []]);
    // Each stored once; alice's in stream order (bob's and carol's were stored in the first invocation).
    expect(stored).toEqual([
      'transaction.posted bob',
      'account.opened carol',
      'transaction.pending alice',
      'transaction.posted alice',
    ]);
  });

  it('a record failing in the middle: the batch is reported from it, and alice waits for the retry', async () => {
    // The posted journal's first event (alice's) fails: her pending one was stored; bob's and carol's
    // went side by side.
    failures = { after: 1, left: 1 };
    const res = await handler({ Records: batch() });
    expect(stored).toEqual(['transaction.pending alice', 'transaction.posted bob', 'account.opened carol']);
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: '200' }, { itemIdentifier: '300' }]);
  });

  it("a batch that passes reports nothing, and gives the store each customer's events at once", async () => {
    expect(await handler({ Records: batch() })).toEqual({ batchItemFailures: [] });
    expect(stored).toHaveLength(4);
    expect(calls).toEqual(['alice 2', 'bob 1', 'carol 1']);
  });

  it("a customer whose event fails stops the batch at its record, though others' were stored beside it", async () => {
    // alice's two events are stored; bob's (the posted journal's, record 200) fails: the batch is retried
    // from 200. carol's (300) was stored side by side with bob's; the retry finds it by its mark.
    failures = { after: 2, left: 1 };
    const res = await handler({ Records: batch() });
    expect(stored).toEqual(['transaction.pending alice', 'transaction.posted alice', 'account.opened carol']);
    expect(calls).toEqual(['alice 2', 'bob 1', 'carol 1']);
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: '200' }, { itemIdentifier: '300' }]);
  });

  it('customers failing at different records: the batch is retried from the earliest of them', async () => {
    // In the batch's order of customers, carol (first seen at 100) fails at her second event (300),
    // alice at 200 and dave at 400. Whichever failure is looked at first or last, the batch is retried
    // from 200.
    const opened = (seq: string, id: string, ownerId = 'carol') =>
      record(seq, 'INSERT', { ...account, id, ownerId });
    const fails = new Set([
      'transaction.pending alice',
      'account.opened carol c-2',
      'account.opened dave d-1',
    ]);
    vi.spyOn(events(), 'recordAll').mockImplementation(async (list: readonly CustomerEvent[]) => {
      const outcomes: 'stored'[] = [];
      for (const e of list) {
        const name = `${e.type} ${e.customer}${e.type === 'account.opened' ? ` ${e.data.id}` : ''}`;
        if (fails.has(name)) return { outcomes, error: new Error(`${name} not stored`) };
        outcomes.push('stored');
      }
      return { outcomes };
    });
    const res = await handler({
      Records: [
        opened('100', 'c-1'),
        record('200', 'INSERT', journal('pending')),
        opened('300', 'c-2'),
        opened('400', 'd-1', 'dave'),
      ],
    });
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['200', '300', '400']);
  });

  it(`stores customers side by side, at most ${CUSTOMERS_AT_ONCE} at a time`, async () => {
    const customers = CUSTOMERS_AT_ONCE + 5;
    let inFlight = 0;
    let most = 0;
    vi.spyOn(events(), 'recordAll').mockImplementation(async (list: readonly CustomerEvent[]) => {
      inFlight++;
      most = Math.max(most, inFlight);
      // Yields to the event loop (no timer): the others the handler started meanwhile are counted.
      await new Promise((r) => setImmediate(r));
      inFlight--;
      return { outcomes: list.map(() => 'stored' as const) };
    });
    const records = Array.from({ length: customers }, (_, i) =>
      record(String(100 + i), 'INSERT', { ...account, id: `c-${i}`, ownerId: `owner-${i}` }),
    );
    expect(await handler({ Records: records })).toEqual({ batchItemFailures: [] });
    expect(events().recordAll).toHaveBeenCalledTimes(customers);
    expect(most).toBe(CUSTOMERS_AT_ONCE);
  });

  it('a change it cannot read stops the batch at that record', async () => {
    const broken = record('250', 'MODIFY', journal('posted'), journal('pending'));
    // An attribute no SDK type reads: unmarshalling the image throws.
    (broken.dynamodb as { NewImage: Record<string, unknown> }).NewImage.amount = { Z: '1' };
    const res = await handler({ Records: [...batch().slice(0, 2), broken, batch()[2] as DynamoDBRecord] });
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['250', '300']);
  });
});
