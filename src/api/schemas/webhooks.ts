/** Webhook subscriptions and their deliveries: the `webhooks-api` function's routes. */
import * as z from 'zod/mini';
import { eventTypes } from '../../domain/events.ts';
import { ATTEMPT_ERROR_MAX } from '../../domain/webhooks.ts';
import { EventTypeName } from './events.ts';
import { doc, Instant, PageCursor, PageLimit, str } from './primitives.ts';

export const WebhookBody = doc(
  z.strictObject({
    url: doc(z.string().check(z.minLength(1), z.maxLength(2048)), {
      description: 'https only, to a public address',
      example: 'https://example.com/bank/webhooks',
    }),
    events: z.array(EventTypeName).check(z.minLength(1), z.maxLength(eventTypes.length)),
  }),
  { id: 'WebhookRequest' },
);
const webhookFields = {
  id: doc(str(2048), { example: 'wh_4f0c2a9d3b7e4e61a8d5c0f1b2e3d4c5' }),
  url: str(2048),
  events: z.array(EventTypeName).check(z.maxLength(eventTypes.length)),
  createdAt: Instant,
};
export const Webhook = doc(z.object(webhookFields), { id: 'Webhook' });
export const WebhookCreated = doc(
  z.object({
    ...webhookFields,
    secret: doc(str(64), { description: 'whsec_…: shown only in this answer; signs every delivery' }),
  }),
  { id: 'WebhookCreated' },
);
export const WebhookList = doc(z.object({ items: z.array(Webhook).check(z.maxLength(5)) }), {
  id: 'WebhookList',
});
const WebhookId = z.string().check(z.maxLength(35), z.regex(/^wh_[0-9a-f]{32}$/));
export const WebhookParams = z.strictObject({ id: WebhookId });
export const DeliveryParams = z.strictObject({
  id: WebhookId,
  deliveryId: z.string().check(z.maxLength(29), z.regex(/^dlv_[0-9a-z]{9}[0-9a-f]{16}$/)),
});
export const DeliveriesQuery = z.strictObject({
  limit: PageLimit,
  cursor: PageCursor,
});
export const Delivery = doc(
  z.object({
    id: str(2048),
    eventId: str(2048),
    eventType: EventTypeName,
    status: z.enum(['pending', 'delivered', 'dead']),
    attempts: z
      .array(
        z.object({
          at: Instant,
          statusCode: z.optional(z.int()),
          error: z.optional(str(ATTEMPT_ERROR_MAX)),
          manual: z.optional(z.boolean()),
        }),
      )
      .check(z.maxLength(20)),
    nextAttemptAt: z.nullable(Instant),
    createdAt: Instant,
  }),
  { id: 'Delivery' },
);
export const DeliveryPage = doc(
  z.object({ items: z.array(Delivery).check(z.maxLength(100)), nextCursor: z.nullable(str(2048)) }),
  {
    id: 'DeliveryPage',
  },
);
