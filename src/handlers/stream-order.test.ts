/**
 * The stream consumer handles a batch in order and stops at the first record that fails: the records
 * after it are not handled in that invocation but reported with it, so Lambda's retry (from the lowest
 * failed sequence number) gives them again in order. The store is a stand-in (no DynamoDB): what
 * matters is the order in which events reach it across invocations.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { captureLogs } from '../../test/logs.ts';
import { resetConfig } from '../config.ts';
import type { CustomerEvent } from '../domain/events.ts';
import { events } from './events-context.ts';
import { MAX_NOTICE_EVENTS, type NotifierPayload, useInvoker } from './notify.ts';
import { handler } from './stream.ts';

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
/** Each read made ahead: the customers it was for. */
let readAhead: string[][];
/** Each call to the store: the reads made ahead that it was given (the customer they were for). */
let given: (string | undefined)[];

beforeEach(() => {
  stored = [];
  calls = [];
  readAhead = [];
  given = [];
  // Which customer each read made ahead was made for.
  const madeFor = new Map<unknown, string>();
  vi.spyOn(events(), 'readAhead').mockImplementation(async (customers: readonly string[]) => {
    readAhead.push([...customers]);
    return new Map(
      customers.map((c) => {
        const ahead = { endpoints: [], counter: { seq: 0 }, readAt: Date.now() };
        madeFor.set(ahead, c);
        return [c, ahead];
      }),
    );
  });
  failures = { after: 0, left: 0 };
  let tried = 0;
  // As the store does: one customer's events in order, stopping at the first it cannot store.
  vi.spyOn(events(), 'recordAll').mockImplementation(async (list: readonly CustomerEvent[], _now, ahead) => {
    calls.push(`${list[0]?.customer} ${list.length}`);
    given.push(madeFor.get(ahead));
    const outcomes: 'stored'[] = [];
    for (const e of list) {
      if (tried++ >= failures.after && failures.left > 0) {
        failures.left--;
        return {
          outcomes,
          error: Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }),
        };
      }
      stored.push(`${e.type} ${e.customer}`);
      outcomes.push('stored');
    }
    return { outcomes };
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Each invocation of the notifier: its function name and payload. */
let invoked: { fn: string; payload: NotifierPayload }[];
/** Which invocations of the notifier fail (by their number, from 1). */
let invokeFails: Set<number>;
let restoreInvoker: () => void;
beforeEach(() => {
  invoked = [];
  invokeFails = new Set();
  vi.stubEnv('BANK_NOTIFIER_FUNCTION', 'the-notifier');
  resetConfig();
  restoreInvoker = useInvoker(async (fn, payload) => {
    invoked.push({ fn, payload: JSON.parse(payload) as NotifierPayload });
    if (invokeFails.has(invoked.length))
      throw Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
  });
});
afterEach(() => {
  restoreInvoker();
  vi.unstubAllEnvs();
  resetConfig();
});
/** The events of each invocation of the notifier, as "type owner". */
const notices = () => invoked.map((i) => i.payload.events.map((e) => `${e.type} ${e.ownerId}`));

/**
 * Invokes the handler as Lambda does: again from the lowest failed sequence number, until none fails;
 * a failed invocation is retried (the whole batch here: a bisected batch's first half starts the same).
 */
const deliver = async (records: DynamoDBRecord[]) => {
  const responses = [];
  let pending = records;
  while (pending.length > 0) {
    const res = await handler({ Records: pending }).catch(() => undefined);
    if (!res) {
      responses.push('failed');
      continue;
    }
    responses.push(res.batchItemFailures.map((f) => f.itemIdentifier));
    const failed = new Set(res.batchItemFailures.map((f) => f.itemIdentifier));
    const from = pending.findIndex((r) => failed.has(r.dynamodb?.SequenceNumber ?? ''));
    pending = from < 0 ? [] : pending.slice(from);
  }
  return responses;
};

describe('stream: a batch in order, stopping at the first failure', () => {
  it('the first of 3 records fails: nothing is handled, and the invocation fails, so Lambda bisects the batch', async () => {
    failures = { after: 0, left: 1 };
    // A partial response naming the first record would have the batch retried whole and, once its
    // retries ran out, every record of it discarded with the one that failed (in-order.ts).
    await expect(handler({ Records: batch() })).rejects.toThrow();
    expect(stored).toEqual([]);
  });

  it('a throttled pending event is stored before the posted one, once Lambda retries from it', async () => {
    failures = { after: 0, left: 1 };
    expect(await deliver(batch())).toEqual(['failed', []]);
    expect(stored).toEqual([
      'transaction.pending alice',
      'transaction.posted alice',
      'transaction.posted bob',
      'account.opened carol',
    ]);
  });

  it('a record failing in the middle: those before it are done, those after it wait for the retry', async () => {
    // The posted journal's first event (alice's) fails: the pending one was stored, the account's waits.
    failures = { after: 1, left: 1 };
    const res = await handler({ Records: batch() });
    expect(stored).toEqual(['transaction.pending alice']);
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: '200' }, { itemIdentifier: '300' }]);
  });

  it("a batch that passes reports nothing, and gives the store each customer's events at once", async () => {
    expect(await handler({ Records: batch() })).toEqual({ batchItemFailures: [] });
    expect(stored).toHaveLength(4);
    expect(calls).toEqual(['alice 2', 'bob 1', 'carol 1']);
  });

  it("a customer whose event fails stops the batch at its record, though another customer's went first", async () => {
    // alice's two events are stored; bob's (the posted journal's, record 200) fails: the batch is retried
    // from 200, and carol's (300) is not attempted.
    failures = { after: 2, left: 1 };
    const res = await handler({ Records: batch() });
    expect(stored).toEqual(['transaction.pending alice', 'transaction.posted alice']);
    expect(calls).toEqual(['alice 2', 'bob 1']);
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: '200' }, { itemIdentifier: '300' }]);
  });

  it("reads ahead once, for every customer it will store, and gives each customer's reads to that customer's store call", async () => {
    await handler({ Records: batch() });
    expect(readAhead).toEqual([['alice', 'bob', 'carol']]);
    expect(given).toEqual(['alice', 'bob', 'carol']);
    // A record that cannot be read: its customer and those after it are not read ahead.
    const broken = record('250', 'INSERT', { ...account, ownerId: 'dave', amount: 1 });
    (broken.dynamodb as { NewImage: Record<string, unknown> }).NewImage.amount = { Z: '1' };
    readAhead = [];
    await handler({ Records: [...batch().slice(0, 2), broken, batch()[2] as DynamoDBRecord] });
    expect(readAhead).toEqual([['alice', 'bob']]);
  });

  it('if reading ahead fails, each customer is stored with reads of their own, and the batch passes', async () => {
    vi.spyOn(events(), 'readAhead').mockRejectedValue(
      Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }),
    );
    expect(await handler({ Records: batch() })).toEqual({ batchItemFailures: [] });
    expect(calls).toEqual(['alice 2', 'bob 1', 'carol 1']);
    expect(given).toEqual([undefined, undefined, undefined]);
  });

  it('a change it cannot read stops the batch at that record', async () => {
    const broken = record('250', 'MODIFY', journal('posted'), journal('pending'));
    // An attribute no SDK type reads: unmarshalling the image throws.
    (broken.dynamodb as { NewImage: Record<string, unknown> }).NewImage.amount = { Z: '1' };
    const res = await handler({ Records: [...batch().slice(0, 2), broken, batch()[2] as DynamoDBRecord] });
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['250', '300']);
  });
});

describe('stream: the stored events that may be emailed go to the notifier', () => {
  it('invokes the notifier once, after storing, with the events that may give an email, in stream order', async () => {
    expect(await handler({ Records: batch() })).toEqual({ batchItemFailures: [] });
    expect(invoked.map((i) => i.fn)).toEqual(['the-notifier']);
    // transaction.pending and account.opened never give an email.
    expect(notices()).toEqual([['transaction.posted alice', 'transaction.posted bob']]);
    const [first] = invoked[0]?.payload.events ?? [];
    expect(Object.keys(first ?? {}).sort()).toEqual(['createdAt', 'data', 'id', 'ownerId', 'type']);
    expect(first?.data).toMatchObject({ amount: 1100, currency: 'EUR' });
  });

  it('a failed invoke stops the batch at the record whose events it carried; the retry invokes again', async () => {
    invokeFails = new Set([1]);
    const res = await handler({ Records: batch() });
    // Every event was stored; the notice of 200's was not taken: retried from 200.
    expect(stored).toHaveLength(4);
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['200', '300']);
    expect(await deliver(batch().slice(1))).toEqual([[]]);
    expect(notices()).toEqual([
      ['transaction.posted alice', 'transaction.posted bob'],
      ['transaction.posted alice', 'transaction.posted bob'],
    ]);
  });

  it("a stored event of the record the batch stops at (another customer's failed there) is sent at once", async () => {
    // alice's events are stored; bob's (record 200) fails: alice's posted event of 200 is stored and
    // emailable. Sent only by the retry, it would never be emailed were 200's retries to run out.
    failures = { after: 2, left: 1 };
    const res = await handler({ Records: batch() });
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['200', '300']);
    expect(notices()).toEqual([['transaction.posted alice']]);
  });

  it('events found already stored on a retry are still sent to the notifier', async () => {
    vi.spyOn(events(), 'recordAll').mockImplementation(async (list: readonly CustomerEvent[]) => ({
      outcomes: list.map(() => 'duplicate' as const),
    }));
    expect(await handler({ Records: batch() })).toEqual({ batchItemFailures: [] });
    expect(notices()).toEqual([['transaction.posted alice', 'transaction.posted bob']]);
  });

  it('a failed invoke at the batch’s first record fails the invocation (bisected, as a record that failed)', async () => {
    invokeFails = new Set([1]);
    await expect(handler({ Records: batch().slice(1) })).rejects.toThrow('Rate exceeded');
  });

  it('many events go in payloads of at most MAX_NOTICE_EVENTS; a failed one retries from the earliest record in it', async () => {
    // 30 transfers posted at once: 60 events, two per record, the 26th (record 12's second) opening the second payload.
    const many = Array.from({ length: 30 }, (_, i) =>
      record(String(1000 + i), 'INSERT', { ...journal('posted'), id: `j-${i}` }),
    );
    invokeFails = new Set([2]);
    const res = await handler({ Records: many });
    expect(invoked.map((i) => i.payload.events.length)).toEqual([MAX_NOTICE_EVENTS, MAX_NOTICE_EVENTS]);
    expect(res.batchItemFailures[0]?.itemIdentifier).toBe('1012');
    expect(res.batchItemFailures).toHaveLength(18);
  });

  it('an event two records of the batch give is sent once', async () => {
    const twice = [...batch().slice(0, 2), record('250', 'MODIFY', journal('posted'), journal('pending'))];
    expect(await handler({ Records: twice })).toEqual({ batchItemFailures: [] });
    expect(notices()).toEqual([['transaction.posted alice', 'transaction.posted bob']]);
  });

  it('without a notifier configured, nothing is invoked', async () => {
    vi.stubEnv('BANK_NOTIFIER_FUNCTION', '');
    resetConfig();
    expect(await handler({ Records: batch() })).toEqual({ batchItemFailures: [] });
    expect(invoked).toEqual([]);
    // On Lambda (where the CDK app always names it) that is logged as an error, not silent.
    const quiet = await captureLogs(() => handler({ Records: batch() }));
    expect(quiet.logs).not.toContain('no notifier configured');
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'stream');
    const { logs } = await captureLogs(() => handler({ Records: batch() }));
    expect(logs).toMatch(/"level":"ERROR".*no notifier configured/);
  });
});
