/**
 * Keys of the events, webhooks and notifications items (see table.ts for the whole layout):
 *
 *   USER#<sub>          / EVENT#<createdAt>#<eventId>  an event of the customer (TTL 30 days)
 *   USER#<sub>          / WEBHOOK#<webhookId>          a webhook endpoint, with its signing secret
 *   USER#<sub>          / WEBHOOKS                     how many endpoints the customer has (at most 5)
 *   USER#<sub>          / NOTIFICATIONS                email notification preferences
 *   WEBHOOK#<webhookId> / DELIVERY#<deliveryId>        a delivery of one event to one endpoint (TTL 30 days)
 *   EMAIL#<eventId>     / EMAIL                        the email an event gave, sent once (TTL 30 days)
 *
 * GSI1 (sparse): a delivery waiting for its next attempt has gsi1pk = DUE#<shard>,
 * gsi1sk = <nextAttemptAt>#<deliveryId>; it leaves the index once delivered or dead.
 */
export const DUE_SHARDS = 4;

export const eventKeys = {
  event: (sub: string, createdAt: string, eventId: string) => ({
    pk: `USER#${sub}`,
    sk: `EVENT#${createdAt}#${eventId}`,
  }),
  eventsOf: (sub: string) => ({ pk: `USER#${sub}`, skPrefix: 'EVENT#' }),
  webhook: (sub: string, id: string) => ({ pk: `USER#${sub}`, sk: `WEBHOOK#${id}` }),
  webhooksOf: (sub: string) => ({ pk: `USER#${sub}`, skPrefix: 'WEBHOOK#' }),
  webhookCount: (sub: string) => ({ pk: `USER#${sub}`, sk: 'WEBHOOKS' }),
  notifications: (sub: string) => ({ pk: `USER#${sub}`, sk: 'NOTIFICATIONS' }),
  delivery: (webhookId: string, deliveryId: string) => ({
    pk: `WEBHOOK#${webhookId}`,
    sk: `DELIVERY#${deliveryId}`,
  }),
  deliveriesOf: (webhookId: string) => ({ pk: `WEBHOOK#${webhookId}`, skPrefix: 'DELIVERY#' }),
  dueShard: (shard: number) => `DUE#${shard}`,
  email: (eventId: string) => ({ pk: `EMAIL#${eventId}`, sk: 'EMAIL' }),
} as const;
