/** The event feed and notification preferences: the `events-api` function's routes. */
import * as z from 'zod/mini';
import { eventTypes } from '../../domain/events.ts';
import { doc, Instant, PageLimit, str } from './primitives.ts';

export const EventTypeName = doc(z.enum(eventTypes), { example: 'transaction.posted' });

export const EventsQuery = z.strictObject({
  after: doc(z.optional(z.string().check(z.maxLength(2048))), {
    description: 'The `nextCursor` of an earlier page: events after it',
  }),
  limit: PageLimit,
  type: z.optional(EventTypeName),
});

export const BankEvent = doc(
  z.object({
    id: doc(str(2048), { example: 'evt_3b1Vq0cZyq2m8cN6yQ1x7p0aTk' }),
    type: EventTypeName,
    createdAt: Instant,
    data: doc(z.record(str(64), z.unknown()), {
      description: 'The resource (a Transaction or an Account) as its owner would GET it',
    }),
  }),
  { id: 'Event' },
);
export const EventPage = doc(
  z.object({
    items: z.array(BankEvent).check(z.maxLength(100)),
    nextCursor: doc(z.nullable(str(2048)), {
      description: 'Where to read on from (poll with it for newer events); null only before the first event',
    }),
    hasMore: z.boolean(),
  }),
  { id: 'EventPage' },
);

export const NotificationPreferences = doc(
  z.strictObject({
    email: z.strictObject({ incoming: z.boolean(), withdrawals: z.boolean(), holds: z.boolean() }),
  }),
  { id: 'NotificationPreferences' },
);
