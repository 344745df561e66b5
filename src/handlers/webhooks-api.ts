import { createHandler } from '../api/http.ts';
import { logger } from '../api/logger.ts';
import { routes } from '../api/routes/webhooks-api.ts';
import { webhookReply } from '../api/transactions.ts';
import { config } from '../config.ts';
import { BankError } from '../domain/errors.ts';
import { checkWebhookUrl } from '../domain/webhooks.ts';
import { guardPassed } from '../store/guard-gate.ts';
import { publicDelivery, publicWebhook } from '../store/webhooks.ts';
import { cursors } from './context.ts';
import { attempt, resolveAll } from './deliver.ts';
import { webhooks } from './events-context.ts';
import { customerGuard } from './gate.ts';

export const handler = createHandler(
  routes,
  {
    createWebhook: async ({ caller, body, idempotencyKey, fingerprint }) => {
      const key = { key: idempotencyKey, fingerprint };
      // A repeat answers the endpoint it registered (with its secret), whatever changed since.
      const earlier = await webhooks().replay(caller.sub, key);
      if (earlier) return webhookReply(earlier);
      // The check looks the caller's host up in DNS, which no gated client sees: not for a refused caller.
      await guardPassed();
      await checkWebhookUrl(body.url, {
        allowLoopbackHttp: config().webhookAllowLoopback,
        resolve: resolveAll,
      });
      return webhookReply(await webhooks().create(caller.sub, body, key));
    },

    listWebhooks: async ({ caller }) => ({
      body: { items: (await webhooks().list(caller.sub)).map(publicWebhook) },
    }),

    getWebhook: async ({ caller, params }) => ({
      body: publicWebhook(await webhooks().mustGet(caller.sub, params.id)),
    }),

    deleteWebhook: async ({ caller, params }) => {
      await webhooks().delete(caller.sub, params.id);
      return { status: 204 };
    },

    listDeliveries: async ({ caller, params, query }) => {
      await webhooks().mustGet(caller.sub, params.id);
      const binding = { user: caller.sub, account: params.id, filter: 'deliveries' };
      const codec = await cursors();
      const start = query.cursor ? codec.decode(query.cursor, binding) : undefined;
      const page = await webhooks().deliveries(params.id, { limit: query.limit ?? 25, start });
      return {
        body: {
          items: page.items.map(publicDelivery),
          nextCursor: page.last ? codec.encode(binding, page.last) : null,
        },
      };
    },

    retryDelivery: async ({ caller, params }) => {
      await webhooks().mustGet(caller.sub, params.id);
      const d = await webhooks().delivery(params.id, params.deliveryId);
      if (!d || d.ownerId !== caller.sub) throw new BankError('not_found', 'No such delivery');
      // One manual send at a time per endpoint (WebhookStore.holdForManualSend).
      const hold = await webhooks().holdForManualSend(caller.sub, params.id);
      if (!hold) {
        throw new BankError(
          'delivery_in_progress',
          'Another delivery to this endpoint is being retried now: try again shortly',
          { retryAfter: 10 },
        );
      }
      try {
        const claimed = await webhooks().claim(d, new Date(), { due: false });
        if (!claimed) {
          // Not a fault of the bank (a 5xx would page someone): the scheduled attempt holds it right now.
          throw new BankError(
            'delivery_in_progress',
            'The delivery is being attempted now: try again shortly',
            {
              retryAfter: 10,
            },
          );
        }
        const s = config();
        const after = await attempt(webhooks(), claimed, {
          allowLoopbackHttp: s.webhookAllowLoopback,
          retryScale: s.webhookRetryScale,
          manual: true,
        });
        return { body: publicDelivery(after) };
      } finally {
        await webhooks()
          .releaseManualSend(caller.sub, params.id, hold)
          .catch((error: unknown) =>
            // Left, it ends with its time (MANUAL_SEND_HOLD_MS): a retry meanwhile is told to wait.
            logger.warn('a manual send did not release its endpoint', { webhookId: params.id, error }),
          );
      }
    },
  },
  { guard: customerGuard },
);
