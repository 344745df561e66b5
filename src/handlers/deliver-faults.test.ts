/**
 * The webhook dispatcher under faults, on DynamoDB Local with an injected clock (no sleeps): an attempt
 * that never records its outcome.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestTable, dynamoClients } from '../../test/harness.ts';
import { MAX_ATTEMPTS, nextAttemptAt } from '../domain/webhooks.ts';
import { type Delivery, LEASE_MS, type StoredWebhook, WebhookStore } from '../store/webhooks.ts';
import { dispatchDue } from './deliver.ts';

const T0 = new Date('2030-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
/** Jitter 0.5 makes every retry delay exactly its nominal value. */
const base = { allowLoopbackHttp: true, retryScale: 1, random: () => 0.5, pollMs: 5 };

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

/** A receiver on a free local port: answers `status` and keeps the event ids it was sent. */
const receiver = async (status = 204) => {
  const got: string[] = [];
  const server = createHttpServer((req, res) => {
    got.push(String(req.headers['bank-event-id']));
    req.resume();
    req.on('end', () => res.writeHead(status).end());
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, got };
};

/** A store on a table of its own, and a way to add due deliveries to it. */
const setup = async () => {
  const table = await createTestTable('deliver');
  const { doc } = dynamoClients();
  const store = new WebhookStore(doc, table);
  let n = 0;
  const hook = async (ownerId: string, url = `https://${ownerId}-${++n}.example/hooks`) => {
    const created = await store.create(ownerId, { url, events: ['transaction.posted'] });
    return { ...created, ownerId } as StoredWebhook;
  };
  /** `count` deliveries to `w`, due from `due` on (1 ms apart, in order). */
  const deliveries = async (w: StoredWebhook, count: number, due: Date) => {
    for (let i = 0; i < count; i++) {
      const now = new Date(due.getTime() + i);
      const event = {
        id: `evt_${w.id}_${i}`,
        type: 'transaction.posted' as const,
        createdAt: now.toISOString(),
      };
      await doc.send(
        new PutCommand({ TableName: table, Item: store.deliveryItem(w, event, JSON.stringify(event), now) }),
      );
    }
  };
  const of = async (w: StoredWebhook): Promise<Delivery[]> =>
    (await store.deliveries(w.id, { limit: 50 })).items.reverse();
  return { store, hook, deliveries, of };
};

describe('an attempt that never records its outcome', () => {
  it('is counted when claimed, due again at its backoff, and after the last one the delivery is dead', async () => {
    const { store, hook, deliveries, of } = await setup();
    const r = await receiver(500);
    const w = await hook('owner-crash', r.url);
    await deliveries(w, 1, T0);
    // Every record of an outcome fails: as if the Lambda timed out, or the write was throttled, each time.
    const crashing = Object.create(store) as WebhookStore;
    crashing.finish = async () => {
      throw new Error('Task timed out');
    };
    let clock = T0;
    const run = () => dispatchDue(crashing, { ...base, now: () => clock, onError: () => undefined });

    for (let n = 1; n <= MAX_ATTEMPTS; n++) {
      expect(await run()).toMatchObject({ attempted: 1 });
      const [d] = await of(w);
      expect(d).toMatchObject({ status: 'pending', attempts: n });
      // Due again when a failed attempt would be retried (never before the lease ends; after the last
      // attempt, when the lease ends).
      const retry = nextAttemptAt(n, clock, { random: base.random });
      const leaseEnd = clock.getTime() + LEASE_MS;
      const due = new Date(Math.max(retry?.getTime() ?? 0, leaseEnd));
      expect(d?.nextAttemptAt).toBe(due.toISOString());
      expect(await store.due(new Date(due.getTime() - 1), 10)).toEqual([]);
      expect((await store.due(due, 10)).map((x) => x.id)).toEqual([d?.id]);
      clock = due;
    }
    // Found due with no attempt left: dead, not sent again.
    expect(await run()).toMatchObject({ attempted: 0, abandoned: 1 });
    expect(r.got).toHaveLength(MAX_ATTEMPTS);
    const [dead] = await of(w);
    expect(dead).toMatchObject({ status: 'dead', attempts: MAX_ATTEMPTS, nextAttemptAt: null });
    // Each lost attempt is logged as such.
    expect(dead?.log).toHaveLength(MAX_ATTEMPTS);
    expect(dead?.log.every((a) => /no outcome recorded/.test(a.error ?? ''))).toBe(true);
    expect(await store.due(at(100 * 24 * 3600_000), 10)).toEqual([]);
    expect(await run()).toMatchObject({ attempted: 0, abandoned: 0 });
  });

  it('an attempt that is recorded is counted once', async () => {
    const { store, hook, deliveries, of } = await setup();
    const w = await hook('owner-once', (await receiver(503)).url);
    await deliveries(w, 1, T0);
    expect(await dispatchDue(store, { ...base, now: () => T0 })).toMatchObject({
      attempted: 1,
      failed: 1,
    });
    const [d] = await of(w);
    expect(d).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: at(60_000).toISOString() });
    expect(d?.log).toEqual([{ at: T0.toISOString(), statusCode: 503 }]);
  });
});
