/** The routes the `events-api` function serves (src/functions.ts); src/api/routes.ts assembles the whole table. */
import { common, type RouteDef, route } from '../route-def.ts';
import { EventPage, EventsQuery, NotificationPreferences } from '../schemas/events.ts';

export const routes = {
  listEvents: route({
    method: 'GET',
    path: '/v1/events',
    fn: 'events-api',
    role: 'customer',
    summary: 'The caller\u2019s events in stored order: a cursor never skips one (kept 30 days)',
    query: EventsQuery,
    status: 200,
    response: EventPage,
    errors: [...common, 'invalid_cursor'],
  }),
  getNotifications: route({
    method: 'GET',
    path: '/v1/me/notifications',
    fn: 'events-api',
    role: 'customer',
    summary: 'The caller\u2019s email notification preferences',
    status: 200,
    response: NotificationPreferences,
    errors: common,
  }),
  putNotifications: route({
    method: 'PUT',
    path: '/v1/me/notifications',
    fn: 'events-api',
    role: 'customer',
    summary: 'Set the caller\u2019s email notification preferences',
    body: NotificationPreferences,
    status: 200,
    response: NotificationPreferences,
    errors: common,
  }),
} as const satisfies Record<string, RouteDef>;
