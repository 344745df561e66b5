/**
 * What the events, webhooks and notification functions share: their stores, created once per cold
 * start on first use (their settings are in src/config.ts with the rest).
 */
import { config } from '../config.ts';
import { EventStore } from '../store/events.ts';
import { IdempotencyStore } from '../store/idempotency.ts';
import { WebhookStore } from '../store/webhooks.ts';
import { db } from './context.ts';

let stores: { table: string; webhooks: WebhookStore; events: EventStore } | undefined;
const storesFor = () => {
  const table = config().tableName;
  if (stores?.table !== table) {
    const webhooks = new WebhookStore(
      db(),
      table,
      new IdempotencyStore(db(), table, config().idempotencyTtlSeconds, config().legacyIdempotencyUntil),
    );
    stores = { table, webhooks, events: new EventStore(db(), table, webhooks) };
  }
  return stores;
};
export const webhooks = (): WebhookStore => storesFor().webhooks;
export const events = (): EventStore => storesFor().events;
