/**
 * Customers' events in the single table (keys in item-keys.ts), kept 30 days (TTL).
 *
 * Order. A customer's events are numbered 1, 2, 3... in the order they are stored, and listed in that
 * order, not by `createdAt` (the time of the change they tell of). On AWS one customer's records come
 * from several stream shards handled concurrently, and a failed record is retried later, so an event
 * with an earlier `createdAt` can be stored after one with a later one: keyed by time, it would sort
 * before a cursor already handed out, and a poller would never see it. Keyed by its number, an event
 * always sorts after every cursor handed out before it was stored.
 *
 * Storing. Read the customer's counter (strongly consistent), then one transaction: the counter set to
 * n + 1 on the condition that it still holds n; the event put at number n + 1; a mark of the event's
 * id put on the condition that it is new; a delivery for each endpoint that subscribes to the event's
 * type. Two writers for one customer serialize: the one whose counter moved (its condition fails, or
 * DynamoDB cancels it for a conflict) reads the counter again and takes the next number. A stream
 * record delivered twice (or two records giving the same event) finds the mark: no second event, no
 * second delivery. Several events of one customer (a stream batch's) share one transaction: the counter
 * moves by their number once, and each event has its own mark, number and deliveries (`recordAll`).
 *
 * Reading. Numbers are dense, so a hole in a customer's list is events that expired (TTL), or an event
 * whose transaction committed but which a Query does not show yet: a Query is only read-committed (it
 * may show some items of a committed transaction and not others yet). Each event keeps the expiry of
 * the one before it (`prevExpiresAt`): a hole before an event whose predecessor has not expired is one
 * being written, and the page ends before it, so no cursor passes it.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { BankError } from '../domain/errors.ts';
import type { BankEvent, CustomerEvent, EventType } from '../domain/events.ts';
import { publicEvent } from '../domain/events.ts';
import { busy, byItemKey, conditionFailed, type Db, getMany, type Piece, transact } from './db.ts';
import * as keys from './item-keys.ts';
import { again, done, isTransient, type RetryPolicy, retry } from './retry.ts';
import type { StoredWebhook, WebhookStore } from './webhooks.ts';

export const EVENT_TTL_SECONDS = 30 * 24 * 3600;

/** At most this many events are read for one page (a type filter skips the others): then `more`. */
export const EVENTS_SCAN_MAX = 1000;
/** The fewest events a Query of a filtered listing reads at a time (`list`). */
export const FILTERED_READ = 100;

export type RecordOutcome = 'stored' | 'duplicate';

/** DynamoDB's most items in one transaction. */
const MAX_ITEMS = 100;

/** An event ready to store: its public form and its deliveries' Puts. */
interface Ready {
  e: CustomerEvent;
  event: ReturnType<typeof publicEvent>;
  deliveries: { TableName: string; Item: Record<string, unknown>; ConditionExpression: string }[];
}

/** A position in a customer's events (a cursor's content): the key of the last event accounted for. */
export type EventPosition = Record<string, unknown>;

const SEQ_SK = /^EVT#(\d{12})$/;

/** A customer's event counter: the number of their last stored event (0: none yet), and its expiry. */
interface Counter {
  seq: number;
  expiresAt?: number;
}
const counterOf = (item: Record<string, unknown> | undefined): Counter => {
  const seq = typeof item?.seq === 'number' ? item.seq : 0;
  const expiresAt = item?.lastExpiresAt;
  return typeof expiresAt === 'number' ? { seq, expiresAt } : { seq };
};

/**
 * What `recordAll` reads before it writes a customer's events, read ahead (`readAhead`): their webhook
 * endpoints, and their counter for the first transaction, read at `readAt` (ms since the epoch).
 */
export interface ReadAhead {
  endpoints: StoredWebhook[];
  counter: Counter;
  readAt: number;
}

/**
 * How long a counter read ahead stands for the customer's first transaction: past it, their turn reads
 * the counter again. A long batch reaches its last customers later, and a counter another writer moves
 * (a hot customer's, from another shard) is likelier to have moved by then: a stale one costs a
 * cancelled transaction, where a read costs one GetItem.
 */
export const READ_AHEAD_FRESH_MS = 500;
/** How many customers' endpoints `readAhead` queries at once (the SDK's 50 sockets are for everything). */
export const READ_AHEAD_QUERIES = 16;

export class EventStore {
  constructor(
    private readonly db: Db,
    private readonly table: string,
    private readonly webhooks: WebhookStore,
    private readonly opts: { retry?: Partial<RetryPolicy>; scanMax?: number } = {},
  ) {}

  /** The number of the customer's last stored event (0: none yet), and when that event expires. */
  private async counter(customer: string): Promise<Counter> {
    const r = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.eventSeq(customer), ConsistentRead: true }),
    );
    return counterOf(r.Item);
  }

  /**
   * What `recordAll` reads for each of many customers, read at once: their counters in one
   * BatchGetItem (strongly consistent; one more per 100 customers) beside their endpoints' Queries
   * (READ_AHEAD_QUERIES at a time). A stream batch reaching many customers (a bulk payment's sender
   * and 20 recipients) then waits for one round of reads made side by side, not two reads per
   * customer one after another. A counter read ahead may be behind by its customer's turn (another
   * writer stored events meanwhile): the transaction's condition fails and the counter is read again,
   * as on any race; and it stands only READ_AHEAD_FRESH_MS. Throws if a read fails.
   */
  async readAhead(customers: readonly string[]): Promise<Map<string, ReadAhead>> {
    const ahead = new Map<string, ReadAhead>();
    if (customers.length === 0) return ahead;
    const readAt = Date.now();
    const limit = pLimit(READ_AHEAD_QUERIES);
    const [items, ...lists] = await Promise.all([
      getMany(this.db, this.table, customers.map(keys.eventSeq)),
      ...customers.map((c) => limit(() => this.webhooks.list(c))),
    ]);
    if (!items) throw busy('The event counters could not be read');
    const itemAt = byItemKey(items);
    for (const [i, customer] of customers.entries())
      ahead.set(customer, {
        endpoints: lists[i] ?? [],
        counter: counterOf(itemAt(keys.eventSeq(customer))),
        readAt,
      });
    return ahead;
  }

  /**
   * Stores one customer's event, as the next of their events, with its deliveries, unless it is already
   * stored. Throws when it could not (out of retries under contention, or a fault): the stream handler
   * reports the record, and Lambda gives it again.
   */
  async record(e: CustomerEvent, now = new Date()): Promise<RecordOutcome> {
    const r = await this.recordAll([e], now);
    if ('error' in r) throw r.error;
    return r.outcomes[0] as RecordOutcome;
  }

  /**
   * Stores one customer's events, in the order given, as the next of their events: as many as one
   * transaction carries at a time (the counter once; each event, its mark and its deliveries), so a
   * customer many changes reach at once (a hot recipient's settled credits, a bulk payment's sender)
   * moves their counter once per transaction, not once per event. An event already stored is left as
   * it is (`duplicate`) and the others still go. Stops at the first event it could not store:
   * `outcomes` are those of the events before it, each stored or already there, and `error` says why.
   */
  async recordAll(
    events: readonly CustomerEvent[],
    now = new Date(),
    /** The customer's reads made ahead (`readAhead`): their endpoints, and their counter for the first transaction. */
    ahead?: ReadAhead,
  ): Promise<{ outcomes: RecordOutcome[] } | { outcomes: RecordOutcome[]; error: unknown }> {
    const customer = events[0]?.customer;
    if (customer === undefined) return { outcomes: [] };
    if (events.some((e) => e.customer !== customer)) throw new Error("recordAll takes one customer's events");
    const expiresAt = Math.floor(now.getTime() / 1000) + EVENT_TTL_SECONDS;
    // An event given twice (two records giving the same event) is stored once: one transaction may
    // not hold two writes of its mark. The repeats are answered `duplicate` where they stand.
    const first = new Map<string, number>();
    for (const [i, e] of events.entries()) if (!first.has(e.id)) first.set(e.id, i);
    const unique = events.filter((e, i) => first.get(e.id) === i);
    if (unique.length < events.length) {
      const r = await this.recordAll(unique, now, ahead);
      const byId = new Map(r.outcomes.map((o, i) => [(unique[i] as CustomerEvent).id, o]));
      // Up to the first event not stored: an earlier event's repeat counts once that event is stored.
      const outcomes: RecordOutcome[] = [];
      for (const [i, e] of events.entries()) {
        const o = byId.get(e.id);
        if (o === undefined) break;
        outcomes.push(first.get(e.id) === i ? o : 'duplicate');
      }
      return 'error' in r ? { outcomes, error: r.error } : { outcomes };
    }
    const outcomes: RecordOutcome[] = [];
    try {
      const endpoints = ahead?.endpoints ?? (await this.webhooks.list(customer));
      // The counter read ahead serves the first transaction's first attempt only, while it is fresh:
      // after it, the counter is this call's own (or another writer's), and is read again.
      let known = ahead && now.getTime() - ahead.readAt <= READ_AHEAD_FRESH_MS ? ahead.counter : undefined;
      const counter = async (): Promise<Counter> => {
        const c = known;
        known = undefined;
        return c ?? this.counter(customer);
      };
      const ready: Ready[] = events.map((e) => {
        const event = publicEvent(e);
        const payload = JSON.stringify(event);
        const deliveries = endpoints
          .filter((w) => w.events.includes(e.type))
          .map((w) => ({
            TableName: this.table,
            Item: this.webhooks.deliveryItem(w, event, payload, now),
            ConditionExpression: 'attribute_not_exists(pk)',
          }));
        return { e, event, deliveries };
      });
      for (let i = 0; i < ready.length; ) {
        // The counter, then each event with its mark and deliveries while they fit in one transaction.
        let items = 1;
        let j = i;
        while (
          j < ready.length &&
          (j === i || items + 2 + (ready[j] as Ready).deliveries.length <= MAX_ITEMS)
        ) {
          items += 2 + (ready[j] as Ready).deliveries.length;
          j++;
        }
        outcomes.push(...(await this.storeInOne(customer, ready.slice(i, j), expiresAt, counter)));
        i = j;
      }
    } catch (error) {
      return { outcomes, error };
    }
    return { outcomes };
  }

  /** Events of one customer stored in one transaction (retried while another writer takes numbers). */
  private async storeInOne(
    customer: string,
    chunk: readonly Ready[],
    expiresAt: number,
    counter: () => Promise<Counter>,
  ): Promise<RecordOutcome[]> {
    const outcomes: (RecordOutcome | undefined)[] = chunk.map(() => undefined);
    // Each round stores what is left, or finds some of it already stored (then the next round goes on
    // without them): found events do not use up the attempts that contention on the counter needs,
    // and every round that finds one leaves fewer, so the rounds end.
    for (;;) {
      const round = await this.storeLeft(customer, chunk, expiresAt, outcomes, counter);
      // Out of retries: the stream delivers the record again.
      if (round === undefined) throw busy('Could not store the event now');
      if (round === 'done') return outcomes as RecordOutcome[];
    }
  }

  /** One round of storeInOne: 'done', 'found' (some were stored already), or undefined (out of retries). */
  private storeLeft(
    customer: string,
    chunk: readonly Ready[],
    expiresAt: number,
    outcomes: (RecordOutcome | undefined)[],
    counter: () => Promise<Counter>,
  ): Promise<'done' | 'found' | undefined> {
    return retry<'done' | 'found'>(async () => {
      const left = chunk.flatMap((c, k) => (outcomes[k] === undefined ? [{ c, k }] : []));
      if (left.length === 0) return done('done');
      // The counter as it is now: every attempt reads it again (another writer may have moved it), but
      // the first, which may take the one read ahead.
      const last = await counter();
      const pieces: Piece[] = [
        {
          name: 'counter',
          item: {
            Update: {
              TableName: this.table,
              Key: keys.eventSeq(customer),
              UpdateExpression: 'SET seq = :seq, lastExpiresAt = :expiresAt, entity = :entity',
              ConditionExpression: last.seq === 0 ? 'attribute_not_exists(pk)' : 'seq = :last',
              ExpressionAttributeValues: {
                ':seq': last.seq + left.length,
                ':expiresAt': expiresAt,
                ':entity': 'eventCounter',
                ...(last.seq === 0 ? {} : { ':last': last.seq }),
              },
            },
          },
        },
      ];
      for (const [n, { c, k }] of left.entries()) {
        const seq = last.seq + 1 + n;
        // How a reader tells a hole left by expired events from an event still being written: the
        // expiry of the event before it (the counter's for the first, this transaction's after that).
        const prevExpiresAt = n === 0 ? last.expiresAt : expiresAt;
        pieces.push(
          {
            name: `mark:${k}`,
            item: {
              Put: {
                TableName: this.table,
                Item: { ...keys.eventMark(customer, c.e.id), entity: 'eventMark', seq, expiresAt },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          },
          {
            name: `event:${k}`,
            item: {
              Put: {
                TableName: this.table,
                Item: {
                  ...keys.event(customer, seq),
                  entity: 'event',
                  ownerId: customer,
                  ...c.event,
                  seq,
                  expiresAt,
                  ...(prevExpiresAt !== undefined ? { prevExpiresAt } : {}),
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          },
          ...c.deliveries.map((Put, d) => ({ name: `delivery:${k}:${d}`, item: { Put } })),
        );
      }
      const r = await transact(this.db, pieces);
      if (r.ok) {
        for (const { k } of left) outcomes[k] = 'stored';
        return done('done');
      }
      const failed = conditionFailed(r.failed);
      // Already stored (by a delivery of the record before, or an attempt of ours whose answer was
      // lost): those are done, the others go again.
      const marked = failed.filter((n) => n.startsWith('mark:'));
      if (marked.length > 0) {
        for (const n of marked) outcomes[Number(n.slice('mark:'.length))] = 'duplicate';
        return done(outcomes.every((o) => o !== undefined) ? 'done' : 'found');
      }
      // Another event took a number first: read the counter again.
      if (failed.includes('counter')) return again;
      const taken = failed.find((n) => n.startsWith('event:'));
      if (taken) {
        const e = (chunk[Number(taken.slice('event:'.length))] as Ready).e;
        throw new Error(`event ${e.id}: a number of ${customer}'s events is taken (counter behind)`);
      }
      if (failed.length > 0)
        throw new Error(`events of ${customer}: a delivery already existed (${failed.join(', ')})`);
      // A conflict with another transaction on the counter, a throttle, a timeout: try again.
      if (!isTransient(r.error, r.codes)) throw r.error;
      return again;
    }, this.opts.retry);
  }

  /**
   * A customer's events in the order they were stored, after a position (exclusive). `last` is the
   * position to read on from (the last event this page accounted for: returned, or skipped by the type
   * filter), `more` whether more events are already there.
   */
  async list(
    customer: string,
    opts: { limit: number; type?: EventType | undefined; start?: EventPosition | undefined },
  ): Promise<{ items: BankEvent[]; last?: EventPosition; more: boolean }> {
    const { pk, skPrefix } = keys.eventsOf(customer);
    const after = opts.start ? this.seqOf(customer, opts.start) : 0;
    const scanMax = this.opts.scanMax ?? EVENTS_SCAN_MAX;
    const nowSeconds = Math.floor(Date.now() / 1000);
    const page: Record<string, unknown>[] = [];
    let expected = after + 1;
    let last: Record<string, unknown> | undefined;
    let scanned = 0;
    let more = false;
    let start: Record<string, unknown> | undefined = opts.start ? keys.event(customer, after) : undefined;
    read: do {
      const r = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
          ConsistentRead: true,
          // The type filter is applied here, not by DynamoDB: every number must be seen (holes).
          // One more than a page (or than the events left to read): to know whether there are more.
          // With a filter, at least FILTERED_READ at a time: asking for what the page still lacks read a
          // rare type's events one Query each once the page was nearly full (a review: 1000 Queries
          // one after another for `limit=1`, seconds against the function's timeout).
          Limit: Math.min(
            Math.max(opts.limit + 1 - page.length, opts.type ? FILTERED_READ : 0),
            scanMax + 1 - scanned,
          ),
          ExclusiveStartKey: start,
        }),
      );
      for (const item of r.Items ?? []) {
        const seq = item.seq as number;
        // A hole before an event whose predecessor has not expired: that one is being written.
        if (seq !== expected && !(typeof item.prevExpiresAt === 'number' && item.prevExpiresAt <= nowSeconds))
          break read;
        // Enough read for one request: the caller reads on from the last event seen.
        if (scanned === scanMax) {
          more = true;
          break read;
        }
        expected = seq + 1;
        if (!opts.type || item.type === opts.type) {
          if (page.length === opts.limit) {
            more = true;
            break read;
          }
          page.push(item);
        }
        last = item;
        scanned++;
      }
      start = r.LastEvaluatedKey;
    } while (start && !more);
    return {
      items: page.map((i) => ({
        id: i.id as string,
        type: i.type as EventType,
        createdAt: i.createdAt as string,
        data: i.data as Record<string, unknown>,
      })),
      ...(last ? { last: { pk: last.pk, sk: last.sk } } : {}),
      more,
    };
  }

  /** The number of the event at a position given back (a cursor's), which must be one of this list's. */
  private seqOf(customer: string, position: EventPosition): number {
    const m = typeof position.sk === 'string' ? SEQ_SK.exec(position.sk) : null;
    if (position.pk !== keys.eventsOf(customer).pk || !m?.[1]) {
      throw new BankError('invalid_cursor', 'The cursor is not valid for this request');
    }
    return Number(m[1]);
  }
}
