import { createHandler } from '../api/http.ts';
import { routes } from '../api/routes/events-api.ts';
import { cursors } from './context.ts';
import { events, webhooks } from './events-context.ts';
import { customerGuard } from './gate.ts';

export const handler = createHandler(
  routes,
  {
    listEvents: async ({ caller, query }) => {
      // A cursor is bound to its caller and type filter: another customer's cursor is refused.
      const binding = { user: caller.sub, account: 'events', filter: query.type ?? '' };
      const codec = await cursors();
      const start = query.after ? codec.decode(query.after, binding) : undefined;
      const page = await events().list(caller.sub, { limit: query.limit ?? 25, type: query.type, start });
      return {
        body: {
          items: page.items,
          // Where to poll on from: after the last event seen (or where the caller was, if none is new).
          nextCursor: page.last ? codec.encode(binding, page.last) : (query.after ?? null),
          hasMore: page.more,
        },
      };
    },

    getNotifications: async ({ caller }) => ({ body: await webhooks().preferences(caller.sub) }),

    putNotifications: async ({ caller, body }) => ({
      body: await webhooks().setPreferences(caller.sub, body),
    }),
  },
  { guard: customerGuard },
);
