/**
 * Customers' events in the single table (keys in keys.ts), kept 30 days (TTL).
 *
 * An event is stored in one transaction with a delivery for each of its owner's endpoints that
 * subscribe to its type, on the condition that the event is new: a stream record delivered twice
 * (or two records giving the same event) makes neither a second event nor a second delivery.
 */
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { BankEvent, CustomerEvent, EventType } from '../domain/events.ts';
import { publicEvent } from '../domain/events.ts';
import { busy, commit, type Db } from './db.ts';
import { keys } from './keys.ts';
import type { WebhookStore } from './webhooks.ts';

export const EVENT_TTL_SECONDS = 30 * 24 * 3600;

export type RecordOutcome = 'stored' | 'duplicate';

export class EventStore {
  constructor(
    private readonly db: Db,
    private readonly table: string,
    private readonly webhooks: WebhookStore,
  ) {}

  /** Stores one customer's event and its deliveries, unless the event is already stored. */
  async record(e: CustomerEvent, now = new Date()): Promise<RecordOutcome> {
    const event = publicEvent(e);
    const payload = JSON.stringify(event);
    const item = {
      ...keys.event(e.customer, e.createdAt, e.id),
      entity: 'event',
      ownerId: e.customer,
      ...event,
      expiresAt: Math.floor(now.getTime() / 1000) + EVENT_TTL_SECONDS,
    };
    const endpoints = await this.webhooks.subscribers(e.customer, e.type);
    const put = { TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' };
    if (endpoints.length === 0) {
      try {
        await this.db.send(new PutCommand(put));
        return 'stored';
      } catch (err) {
        if ((err as Error).name === 'ConditionalCheckFailedException') return 'duplicate';
        throw err;
      }
    }
    const r = await commit(this.db, [
      { name: 'event', item: { Put: put } },
      ...endpoints.map((w) => ({
        name: 'delivery' as const,
        item: {
          Put: {
            TableName: this.table,
            Item: this.webhooks.deliveryItem(w, event, payload, now),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      })),
    ]);
    // Out of retries: the stream delivers the record again.
    if (!r) throw busy('Could not store the event now');
    if (r.failed.includes('event')) return 'duplicate';
    if (r.failed.length > 0)
      throw new Error(`event ${e.id}: a delivery already existed (${r.failed.join(', ')})`);
    return 'stored';
  }

  /**
   * A customer's events, oldest first, after a position (exclusive). `last` is the position of the
   * page's last event (to poll on from), `more` whether more events are already there.
   */
  async list(
    customer: string,
    opts: { limit: number; type?: EventType | undefined; start?: Record<string, unknown> | undefined },
  ): Promise<{ items: BankEvent[]; last?: Record<string, unknown>; more: boolean }> {
    const { pk, skPrefix } = keys.eventsOf(customer);
    const items: Record<string, unknown>[] = [];
    let start = opts.start;
    let more = false;
    // A type filter is applied after the read: read on until a page is full or nothing is left.
    do {
      const r = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ...(opts.type
            ? { FilterExpression: '#type = :type', ExpressionAttributeNames: { '#type': 'type' } }
            : {}),
          ExpressionAttributeValues: {
            ':pk': pk,
            ':prefix': skPrefix,
            ...(opts.type ? { ':type': opts.type } : {}),
          },
          ConsistentRead: true,
          Limit: opts.limit + 1 - items.length,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(r.Items ?? []));
      start = r.LastEvaluatedKey;
      more = items.length > opts.limit;
    } while (start && !more);
    const page = items.slice(0, opts.limit);
    const lastItem = page[page.length - 1];
    return {
      items: page.map((i) => ({
        id: i.id as string,
        type: i.type as EventType,
        createdAt: i.createdAt as string,
        data: i.data as Record<string, unknown>,
      })),
      ...(lastItem ? { last: { pk: lastItem.pk, sk: lastItem.sk } } : {}),
      more,
    };
  }
}
