/**
 * The event feed's order and its storing, on DynamoDB Local: events are listed in the order they were
 * stored (a per-customer number), never by `createdAt`, so a cursor never passes an event stored after
 * it was handed out; concurrent writers for one customer take distinct numbers; a record given again
 * stores nothing twice; paging with a type filter; holes in the numbers (expired, or still being
 * written) are told apart.
 */
import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { cancelledWith, failingTransactions, timeout } from '../../test/faults.ts';
import { createTestTable, dynamoClients } from '../../test/harness.ts';
import type { CustomerEvent, EventType } from '../domain/events.ts';
import { createDocumentClient, type Db } from './db.ts';
import { EVENT_TTL_SECONDS, EventStore, READ_AHEAD_FRESH_MS, type ReadAhead } from './events.ts';
import { IdempotencyStore } from './idempotency.ts';
import * as keys from './item-keys.ts';
import { WebhookStore } from './webhooks.ts';

let db: Db;
let table: string;
beforeAll(async () => {
  db = createDocumentClient(dynamoClients().client);
  table = await createTestTable('events-store');
});

const storeWith = (d: Db, opts: ConstructorParameters<typeof EventStore>[3] = {}) =>
  new EventStore(d, table, new WebhookStore(d, table), opts);
const customer = () => `u-${randomUUID()}`;
const T0 = Date.parse('2030-01-01T00:00:00.000Z');
/** An event of `who`, of the change at `T0 + ms`. */
const event = (who: string, ms: number, type: EventType = 'transaction.posted'): CustomerEvent => ({
  id: `evt_${randomUUID().replaceAll('-', '')}`,
  customer: who,
  type,
  createdAt: new Date(T0 + ms).toISOString(),
  data: { at: ms },
});
/** The customer's stored event items, in key order: their numbers and ids. */
const stored = async (who: string) => {
  const { pk, skPrefix } = keys.eventsOf(who);
  const r = await db.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':pk': pk, ':p': skPrefix },
      ConsistentRead: true,
    }),
  );
  return (r.Items ?? []).map((i) => ({ seq: i.seq as number, id: i.id as string }));
};
const counterOf = async (who: string) =>
  (await db.send(new GetCommand({ TableName: table, Key: keys.eventSeq(who), ConsistentRead: true }))).Item
    ?.seq;
const ids = (items: { id: string }[]) => items.map((i) => i.id);
/** The webhook store, with an endpoint of the customer's for transaction.posted created at `url`. */
const endpointFor = async (who: string, url: string) => {
  const hooks = new WebhookStore(db, table, new IdempotencyStore(db, table, 48 * 3600));
  await hooks.create(who, { url, events: ['transaction.posted'] }, { key: url, fingerprint: url });
  return hooks;
};
/** The deliveries made to the customer's first webhook endpoint. */
const deliveriesOf = async (hooks: WebhookStore, who: string) => {
  const r = await db.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.delivery((await hooks.list(who))[0]?.id ?? '', 'x').pk },
      ConsistentRead: true,
    }),
  );
  return r.Items ?? [];
};
type Sent = { constructor: { name: string }; input: { TransactItems?: unknown[] } };
/** A client that keeps every command it sends. */
const recording = (inner: Db) => {
  const sent: Sent[] = [];
  const client = new Proxy(inner, {
    get: (target, prop, receiver) =>
      prop === 'send'
        ? (command: Sent) => {
            sent.push(command);
            return (target.send as (c: unknown) => Promise<unknown>)(command);
          }
        : Reflect.get(target, prop, receiver),
  });
  return { client: client as Db, sent };
};

describe('order', () => {
  it('an event stored after a cursor was handed out is listed after it, even with an earlier createdAt', async () => {
    const store = storeWith(db);
    const who = customer();
    // The reviewer's sequence: E1 and E2 are changes 0.0 s and 0.2 s; E2's record is stored first
    // (another shard, or E1's record failed and is retried), and a client polls in between.
    const [e1, e2] = [event(who, 0), event(who, 200)];
    expect(await store.record(e2)).toBe('stored');
    const first = await store.list(who, { limit: 25 });
    expect(ids(first.items)).toEqual([e2.id]);
    expect(first.last).toBeDefined();
    expect(await store.record(e1)).toBe('stored');
    const next = await store.list(who, { limit: 25, start: first.last });
    expect(ids(next.items)).toEqual([e1.id]);
    expect(next.items[0]?.createdAt).toBe(e1.createdAt);
    // From the start: in the order stored, each with the time of its change.
    const all = await store.list(who, { limit: 25 });
    expect(all.items).toEqual([e2, e1].map(({ customer: _c, ...e }) => e));
  });

  it('two writers for one customer: the one whose counter moved reads it again and takes the next number', async () => {
    const who = customer();
    const [a, b] = [event(who, 0), event(who, 100)];
    // A's first transaction is sent only after B (which read the same counter) has stored its event.
    let other: Promise<unknown> | undefined;
    const racing = Object.create(db) as Db;
    racing.send = (async (command: { constructor: { name: string } }) => {
      if (command.constructor.name === 'TransactWriteCommand' && !other) {
        other = storeWith(db).record(b);
        await other;
      }
      return db.send(command as never);
    }) as Db['send'];
    expect(await storeWith(racing).record(a)).toBe('stored');
    expect(other).toBeDefined();
    expect(await stored(who)).toEqual([
      { seq: 1, id: b.id },
      { seq: 2, id: a.id },
    ]);
    expect(await counterOf(who)).toBe(2);
    expect(ids((await storeWith(db).list(who, { limit: 25 })).items)).toEqual([b.id, a.id]);
  });

  it('a transaction cancelled for a conflict is tried again; many writers at once all get distinct numbers', async () => {
    const who = customer();
    const conflicted = failingTransactions(db, 2, () => cancelledWith('TransactionConflict', 'None', 'None'));
    const first = event(who, 0);
    expect(await storeWith(conflicted).record(first)).toBe('stored');
    expect(conflicted.injected).toBe(2);
    // Eight at once, on the client that emulates AWS's conflicts.
    const many = Array.from({ length: 8 }, (_, i) => event(who, 10 + i));
    const store = storeWith(db, { retry: { maxAttempts: 30, capMs: 50 } });
    expect(await Promise.all(many.map((e) => store.record(e)))).toEqual(Array(8).fill('stored'));
    const items = await stored(who);
    expect(items.map((i) => i.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(new Set(ids(items))).toEqual(new Set([first, ...many].map((e) => e.id)));
    expect(await counterOf(who)).toBe(9);
  });

  it('out of retries, storing throws (the stream gives the record again) and stores nothing', async () => {
    const who = customer();
    const stuck = failingTransactions(db, 100, () => cancelledWith('TransactionConflict', 'None', 'None'));
    await expect(
      storeWith(stuck, { retry: { maxAttempts: 3, baseMs: 1, capMs: 2 } }).record(event(who, 0)),
    ).rejects.toMatchObject({ code: 'service_unavailable' });
    expect(stuck.injected).toBe(3);
    expect(await stored(who)).toEqual([]);
  });
});

describe('replay', () => {
  it('an event given again stores nothing twice, even when the first answer was lost', async () => {
    const who = customer();
    const e = event(who, 0);
    expect(await storeWith(db).record(e)).toBe('stored');
    expect(await storeWith(db).record(e)).toBe('duplicate');
    // Committed, but its answer lost: the retry finds the mark.
    const lossy = failingTransactions(db, 1, timeout, 'after');
    const f = event(who, 100);
    expect(await storeWith(lossy).record(f)).toBe('duplicate');
    expect(lossy.injected).toBe(1);
    expect(await storeWith(db).record(f)).toBe('duplicate');
    expect(await stored(who)).toEqual([
      { seq: 1, id: e.id },
      { seq: 2, id: f.id },
    ]);
    expect(await counterOf(who)).toBe(2);
  });
});

describe('several events of one customer at once', () => {
  /** A client that counts the transactions it sends, and their items. */
  const counting = (inner: Db) => {
    const { client, sent } = recording(inner);
    const transactions = () => sent.filter((c) => c.constructor.name === 'TransactWriteCommand');
    const seen = {
      get transactions() {
        return transactions().length;
      },
      get items() {
        return transactions().map((c) => c.input.TransactItems?.length ?? 0);
      },
    };
    return { client, seen };
  };
  const itemOf = async (who: string, seq: number) =>
    (await db.send(new GetCommand({ TableName: table, Key: keys.event(who, seq), ConsistentRead: true })))
      .Item;

  it('are numbered in order with their deliveries, as many in one transaction as fit under 100 items', async () => {
    const who = customer();
    const hooks = new WebhookStore(db, table, new IdempotencyStore(db, table, 48 * 3600));
    // Two endpoints for transaction.posted: such an event is 4 items (its mark, itself, 2 deliveries).
    for (const n of [1, 2])
      await hooks.create(
        who,
        { url: `https://example.com/${n}`, events: ['transaction.posted'] },
        { key: `k${n}`, fingerprint: `f${n}` },
      );
    const { client, seen } = counting(db);
    const list = Array.from({ length: 30 }, (_, i) =>
      event(who, i, i % 3 === 2 ? 'account.frozen' : 'transaction.posted'),
    );
    const r = await storeWith(client).recordAll(list);
    expect(r).toEqual({ outcomes: list.map(() => 'stored') });
    // 20 posted events of 4 items and 10 others of 2: 29 fit with the counter (99 items), then 1.
    expect(seen.items.every((n) => n <= 100)).toBe(true);
    expect(seen.items.reduce((a, b) => a + b, 0)).toBe(seen.transactions + 20 * 4 + 10 * 2);
    expect(seen.transactions).toBe(2);
    expect(await stored(who)).toEqual(list.map((e, i) => ({ seq: i + 1, id: e.id })));
    expect(await counterOf(who)).toBe(30);
    // Each event keeps the expiry of the one before it, across the two transactions too.
    for (let seq = 2; seq <= 30; seq++)
      expect((await itemOf(who, seq))?.prevExpiresAt).toBe((await itemOf(who, seq - 1))?.expiresAt);
    expect((await itemOf(who, 1))?.prevExpiresAt).toBeUndefined();
    expect(await deliveriesOf(hooks, who)).toHaveLength(20);
  });

  it('one transaction for many events: the counter moves once', async () => {
    const who = customer();
    const { client, seen } = counting(db);
    const list = Array.from({ length: 32 }, (_, i) => event(who, i));
    expect(await storeWith(client).recordAll(list)).toEqual({ outcomes: list.map(() => 'stored') });
    expect(seen.transactions).toBe(1);
    expect(seen.items).toEqual([1 + 32 * 2]);
  });

  it('events already stored are left as they are and the others still go, in order after them', async () => {
    const who = customer();
    const list = Array.from({ length: 5 }, (_, i) => event(who, i));
    const store = storeWith(db);
    expect(await store.record(list[1] as CustomerEvent)).toBe('stored');
    expect(await store.record(list[3] as CustomerEvent)).toBe('stored');
    expect(await store.recordAll(list)).toEqual({
      outcomes: ['stored', 'duplicate', 'stored', 'duplicate', 'stored'],
    });
    expect(ids(await stored(who))).toEqual(ids([1, 3, 0, 2, 4].map((i) => list[i] as CustomerEvent)));
    expect(await counterOf(who)).toBe(5);
  });

  it('an event given twice in one call is stored once, its repeat answered as a duplicate', async () => {
    const who = customer();
    const [e, x] = [event(who, 0), event(who, 1)];
    expect(await storeWith(db).recordAll([e, x, e])).toEqual({ outcomes: ['stored', 'stored', 'duplicate'] });
    expect(ids(await stored(who))).toEqual([e.id, x.id]);
    expect(await counterOf(who)).toBe(2);
  });

  it('events found stored do not use up the attempts that contention needs', async () => {
    const who = customer();
    const list = [event(who, 0), event(who, 1), event(who, 2)];
    await storeWith(db).recordAll(list.slice(0, 2));
    // One conflict, then the marks of the first two: with two attempts, the third event still goes.
    const once = failingTransactions(db, 1, () => cancelledWith('None', 'TransactionConflict'));
    const tight = { retry: { maxAttempts: 2, baseMs: 1, capMs: 2 } };
    expect(await storeWith(once, tight).recordAll(list)).toEqual({
      outcomes: ['duplicate', 'duplicate', 'stored'],
    });
    // And when all were stored already, finding them on the last attempt is done, not a failure.
    const again = failingTransactions(db, 1, () => cancelledWith('None', 'TransactionConflict'));
    expect(await storeWith(again, tight).recordAll(list)).toEqual({ outcomes: list.map(() => 'duplicate') });
    expect(ids(await stored(who))).toEqual(ids(list));
  });

  it('stops at the first transaction it cannot commit: the outcomes before it, and why', async () => {
    const who = customer();
    await endpointFor(who, 'https://example.com/h');
    // 60 events of 3 items each: 33 fit in the first transaction (1 + 33 × 3 = 100), the rest in a second.
    const list = Array.from({ length: 60 }, (_, i) => event(who, i));
    const stuck = failingTransactions(db, 100, () => cancelledWith('TransactionConflict'), 'before');
    let sent = 0;
    const second = new Proxy(db, {
      get: (target, prop, receiver) =>
        prop === 'send'
          ? (command: { constructor: { name: string } }) =>
              command.constructor.name === 'TransactWriteCommand' && sent++ > 0
                ? (stuck.send as (c: unknown) => Promise<unknown>)(command)
                : (target.send as (c: unknown) => Promise<unknown>)(command)
          : Reflect.get(target, prop, receiver),
    }) as Db;
    const r = await storeWith(second, { retry: { maxAttempts: 2, baseMs: 1, capMs: 2 } }).recordAll(list);
    expect(r.outcomes).toEqual(list.slice(0, 33).map(() => 'stored'));
    expect('error' in r && r.error).toMatchObject({ code: 'service_unavailable' });
    expect(await counterOf(who)).toBe(33);
    await expect(storeWith(db).recordAll([event(customer(), 0), event(who, 1)])).rejects.toThrow(
      /one customer/,
    );
  });
});

describe('reads made ahead for many customers (readAhead)', () => {
  /**
   * A customer's turn as soon as their reads were made ahead: whatever the machine's speed, within
   * READ_AHEAD_FRESH_MS of them (the bound has its own test).
   */
  const turnOf = (ahead: ReadAhead | undefined) => new Date(ahead?.readAt ?? Date.now());
  /** The names of the commands a client sent. */
  const names = (sent: readonly Sent[]) => sent.map((c) => c.constructor.name);

  it("reads every customer's counter in one BatchGetItem and their endpoints by Query; storing then reads nothing before its transaction", async () => {
    const [a, b, c] = [customer(), customer(), customer()];
    // b has an event already (counter 1) and an endpoint for transaction.posted.
    await storeWith(db).record(event(b, 0));
    const hooks = await endpointFor(b, 'https://example.com/b');
    const { client, sent } = recording(db);
    const store = storeWith(client);
    const ahead = await store.readAhead([a, b, c]);
    expect(names(sent).filter((n) => n === 'BatchGetCommand')).toHaveLength(1);
    expect(names(sent).filter((n) => n === 'QueryCommand')).toHaveLength(3);
    expect(names(sent).filter((n) => n === 'GetCommand')).toHaveLength(0);
    expect(ahead.get(a)).toMatchObject({ endpoints: [], counter: { seq: 0 } });
    expect(ahead.get(b)?.counter.seq).toBe(1);
    expect(ahead.get(b)?.endpoints.map((w) => w.url)).toEqual(['https://example.com/b']);
    sent.length = 0;
    const [ea, eb] = [event(a, 10), event(b, 10)];
    expect(await store.recordAll([ea], turnOf(ahead.get(a)), ahead.get(a))).toEqual({ outcomes: ['stored'] });
    expect(await store.recordAll([eb], turnOf(ahead.get(b)), ahead.get(b))).toEqual({ outcomes: ['stored'] });
    expect(names(sent)).toEqual(['TransactWriteCommand', 'TransactWriteCommand']);
    expect(await stored(a)).toEqual([{ seq: 1, id: ea.id }]);
    expect((await stored(b)).map((i) => i.seq)).toEqual([1, 2]);
    // The endpoint read ahead got its delivery.
    expect(await deliveriesOf(hooks, b)).toHaveLength(1);
  });

  it.each([0, 1])(
    'a counter read ahead at %i that another writer moved since: it is read again, and the event takes the number after',
    async (n) => {
      const who = customer();
      const before = Array.from({ length: n }, (_, i) => event(who, i));
      for (const e of before) expect(await storeWith(db).record(e)).toBe('stored');
      const ahead = (await storeWith(db).readAhead([who])).get(who);
      expect(ahead?.counter.seq).toBe(n);
      const [other, mine] = [event(who, 100), event(who, 200)];
      expect(await storeWith(db).record(other)).toBe('stored');
      expect(await storeWith(db).recordAll([mine], turnOf(ahead), ahead)).toEqual({ outcomes: ['stored'] });
      expect(await stored(who)).toEqual([...before, other, mine].map((e, i) => ({ seq: i + 1, id: e.id })));
      expect(await counterOf(who)).toBe(n + 2);
    },
  );

  it(`a counter read ahead more than ${READ_AHEAD_FRESH_MS} ms before the customer's turn is read again first`, async () => {
    const who = customer();
    const { client, sent } = recording(db);
    const store = storeWith(client);
    const ahead = (await store.readAhead([who])).get(who) as ReadAhead;
    sent.length = 0;
    const turn = new Date(ahead.readAt + READ_AHEAD_FRESH_MS + 1);
    expect(await store.recordAll([event(who, 0)], turn, ahead)).toEqual({ outcomes: ['stored'] });
    expect(names(sent)).toEqual(['GetCommand', 'TransactWriteCommand']);
    sent.length = 0;
    const fresh = (await store.readAhead([who])).get(who) as ReadAhead;
    sent.length = 0;
    expect(
      await store.recordAll([event(who, 1)], new Date(fresh.readAt + READ_AHEAD_FRESH_MS), fresh),
    ).toEqual({
      outcomes: ['stored'],
    });
    expect(names(sent)).toEqual(['TransactWriteCommand']);
  });

  it('serves the first transaction only: a customer whose events take two transactions reads the counter again for the second', async () => {
    const who = customer();
    // An endpoint for every posted event: each is 3 items, so 40 of them take two transactions.
    await endpointFor(who, 'https://example.com/x');
    const { client, sent } = recording(db);
    const store = storeWith(client);
    const ahead = (await store.readAhead([who])).get(who);
    sent.length = 0;
    const list = Array.from({ length: 40 }, (_, i) => event(who, i));
    expect(await store.recordAll(list, turnOf(ahead), ahead)).toEqual({ outcomes: list.map(() => 'stored') });
    expect(names(sent)).toEqual(['TransactWriteCommand', 'GetCommand', 'TransactWriteCommand']);
    expect(await stored(who)).toEqual(list.map((e, i) => ({ seq: i + 1, id: e.id })));
  });
});

describe('paging', () => {
  it('with a type filter: pages of the type in order, and the cursor moves past the other types', async () => {
    const who = customer();
    const store = storeWith(db);
    const types: EventType[] = [
      'account.opened',
      'transaction.posted',
      'transaction.pending',
      'transaction.posted',
      'transaction.posted',
      'transaction.pending',
      'transaction.posted',
      'transaction.pending',
      'transaction.pending',
    ];
    const all = types.map((t, i) => event(who, i, t));
    for (const e of all) await store.record(e);
    const posted = all.filter((e) => e.type === 'transaction.posted').map((e) => e.id);
    const type = 'transaction.posted';

    const p1 = await store.list(who, { limit: 2, type });
    expect(ids(p1.items)).toEqual(posted.slice(0, 2));
    expect(p1.more).toBe(true);
    const p2 = await store.list(who, { limit: 2, type, start: p1.last });
    expect(ids(p2.items)).toEqual(posted.slice(2, 4));
    // The last posted event is followed by two pending ones: none is there yet.
    expect(p2.more).toBe(false);
    // Its cursor is past them: the next poll reads nothing it has read.
    expect(p2.last).toEqual({ pk: `USER#${who}`, sk: keys.event(who, 9).sk });
    const p3 = await store.list(who, { limit: 2, type, start: p2.last });
    expect(p3).toEqual({ items: [], more: false });
    // Unfiltered, one page at a time, every event once, in order.
    const seen: string[] = [];
    let start: Record<string, unknown> | undefined;
    for (;;) {
      const p = await store.list(who, { limit: 4, start });
      seen.push(...ids(p.items));
      start = p.last;
      if (!p.more) break;
    }
    expect(seen).toEqual(ids(all));
    // A new posted event after the filtered cursor: found, and nothing else.
    const late = event(who, -1000);
    await store.record(late);
    await store.record(event(who, 50, 'transaction.pending'));
    const p4 = await store.list(who, { limit: 2, type, start: p2.last });
    expect(ids(p4.items)).toEqual([late.id]);
    expect(p4.more).toBe(false);
  });

  it('a filter that matches rarely reads a bounded number of events per page, and the cursor goes on from there', async () => {
    const who = customer();
    const store = storeWith(db, { scanMax: 3 });
    const all = [
      ...Array.from({ length: 5 }, (_, i) => event(who, i, 'transaction.pending')),
      event(who, 5, 'schedule.run_failed'),
    ];
    for (const e of all) await store.record(e);
    const p1 = await store.list(who, { limit: 10, type: 'schedule.run_failed' });
    expect(p1).toMatchObject({ items: [], more: true, last: { sk: keys.event(who, 3).sk } });
    const p2 = await store.list(who, { limit: 10, type: 'schedule.run_failed', start: p1.last });
    expect(ids(p2.items)).toEqual([all[5]?.id]);
    expect(p2.more).toBe(false);
  });

  it('a filter that matches rarely reads many events per Query, not one Query per event', async () => {
    const who = customer();
    const all = [
      event(who, 0, 'account.opened'),
      ...Array.from({ length: 300 }, (_, i) => event(who, i + 1, 'transaction.pending')),
    ];
    await storeWith(db).recordAll(all);
    const { client, sent } = recording(db);
    const found = await storeWith(client).list(who, { limit: 1, type: 'account.opened' });
    expect(ids(found.items)).toEqual([all[0]?.id]);
    expect(found.more).toBe(false);
    // 301 events read 100 at a time: 4 Queries (before, 300).
    expect(sent.length).toBeLessThanOrEqual(4);
    // Without a filter a page still reads what it shows, and one more.
    const { client: plain, sent: plainSent } = recording(db);
    expect(ids((await storeWith(plain).list(who, { limit: 2 })).items)).toEqual(ids(all.slice(0, 2)));
    expect(plainSent[0]?.input).toMatchObject({ Limit: 3 });
  });

  it('a position that is not one of this customer’s events is refused', async () => {
    const who = customer();
    const store = storeWith(db);
    for (const start of [
      { pk: `USER#${who}`, sk: 'EVENT#2030-01-01T00:00:00.000Z#evt_x' },
      { pk: `USER#${customer()}`, sk: keys.event(who, 1).sk },
    ]) {
      await expect(store.list(who, { limit: 5, start })).rejects.toMatchObject({ code: 'invalid_cursor' });
    }
  });
});

describe('holes', () => {
  const put = (item: Record<string, unknown>) => db.send(new PutCommand({ TableName: table, Item: item }));
  const itemAt = async (who: string, seq: number) =>
    (await db.send(new GetCommand({ TableName: table, Key: keys.event(who, seq), ConsistentRead: true })))
      .Item;

  it('a hole before an event whose predecessor has not expired is one being written: the page ends before it', async () => {
    const who = customer();
    const store = storeWith(db);
    const all = [event(who, 0), event(who, 1), event(who, 2)];
    for (const e of all) await store.record(e);
    // Event 2 committed but not shown yet (a Query is only read-committed): taken out, then put back.
    const second = await itemAt(who, 2);
    await db.send(new DeleteCommand({ TableName: table, Key: keys.event(who, 2) }));
    const p = await store.list(who, { limit: 25 });
    expect(ids(p.items)).toEqual([all[0]?.id]);
    expect(p.more).toBe(false);
    // Without a cursor too: event 1 is the hole.
    const first = await itemAt(who, 1);
    await db.send(new DeleteCommand({ TableName: table, Key: keys.event(who, 1) }));
    expect(await store.list(who, { limit: 25 })).toEqual({ items: [], more: false });
    await put(first as Record<string, unknown>);
    await put(second as Record<string, unknown>);
    expect(ids((await store.list(who, { limit: 25, start: p.last })).items)).toEqual(ids(all.slice(1)));
  });

  it('a hole left by expired events is passed over', async () => {
    const who = customer();
    const store = storeWith(db);
    // Two events stored long enough ago to have expired, deleted as TTL would; then a new one.
    const past = new Date(Date.now() - (EVENT_TTL_SECONDS + 3600) * 1000);
    const old = [event(who, 0), event(who, 1)];
    for (const e of old) await store.record(e, past);
    const fresh = event(who, 2);
    await store.record(fresh);
    const p = await store.list(who, { limit: 25 });
    expect(ids(p.items)).toEqual([...ids(old), fresh.id]);
    for (const seq of [1, 2])
      await db.send(new DeleteCommand({ TableName: table, Key: keys.event(who, seq) }));
    expect(ids((await store.list(who, { limit: 25 })).items)).toEqual([fresh.id]);
    const cursorBefore = { pk: `USER#${who}`, sk: keys.event(who, 1).sk };
    expect(ids((await store.list(who, { limit: 25, start: cursorBefore })).items)).toEqual([fresh.id]);
  });
});
