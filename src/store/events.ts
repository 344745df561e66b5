/**
 * Customers' events in the single table (keys in keys.ts), kept 30 days (TTL).
 *
 * An event is stored in one transaction with a delivery for each of its owner's endpoints that
 * subscribe to its type, on the condition that the event is new: a stream record delivered twice
 * (or two records giving the same event) makes neither a second event nor a second delivery.
 */
import { PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { BankEvent, CustomerEvent, EventType } from '../domain/events.ts';
import { publicEvent } from '../domain/events.ts';
import { cancellationCodes, type Db } from './db.ts';
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
    try {
      if (endpoints.length === 0) {
        await this.db.send(new PutCommand(put));
      } else {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: put },
              ...endpoints.map((w) => ({
                Put: {
                  TableName: this.table,
                  Item: this.webhooks.deliveryItem(w, event, payload, now),
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              })),
            ],
          }),
        );
      }
      return 'stored';
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return 'duplicate';
      const codes = cancellationCodes(err);
      if (codes?.[0] === 'ConditionalCheckFailed') return 'duplicate';
      throw err;
    }
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
