/**
 * Webhook deliveries due in an index of their own (`dlv`, src/store/table.ts deliveryIndex), on
 * DynamoDB Local under the offline IAM (src/local/iam.ts): the dispatcher reads that index alone, never
 * gsi1 (which holds pending journals, due schedules and audit records by actor); and deliveries a
 * deployed table still holds due in gsi1 (as all were until 2026-12-07) are moved there by the sweep,
 * a bounded number each run, under the sweep's own role.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ScheduledEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestTable, dynamoClients, useHandlerEnv } from '../../test/harness.ts';
import { MAX_ATTEMPTS } from '../domain/webhooks.ts';
import { handler as sweepHandler } from '../handlers/sweep.ts';
import { runAs } from '../local/iam.ts';
import type { Db } from './db.ts';
import { IdempotencyStore } from './idempotency.ts';
import { deliveryIndex, gsi1 } from './table.ts';
import { moveLegacyDueDeliveries, type StoredWebhook, WebhookStore } from './webhooks.ts';

const denied = { name: 'AccessDeniedException' };
let table: string;
let doc: ReturnType<typeof dynamoClients>['doc'];
let store: WebhookStore;

beforeAll(async () => {
  table = await createTestTable('dlv');
  useHandlerEnv({ TABLE_NAME: table });
  ({ doc } = dynamoClients());
  store = new WebhookStore(doc, table, new IdempotencyStore(doc, table, 48 * 3600));
});

const T0 = new Date('2030-01-01T00:00:00.000Z');

const hook = async (): Promise<StoredWebhook> => {
  const ownerId = `owner-${randomUUID()}`;
  const created = await store.create(
    ownerId,
    { url: 'https://example.org/hooks', events: ['transaction.posted'] },
    { key: randomUUID(), fingerprint: 'f' },
  );
  if (created.kind !== 'webhook') throw new Error('no webhook');
  return { ...created.webhook, ownerId };
};

/** A delivery due at `at`, as the stream writes one now. */
const delivery = (w: StoredWebhook, at: Date) => {
  const event = {
    id: `evt_${randomUUID()}`,
    type: 'transaction.posted' as const,
    createdAt: at.toISOString(),
  };
  return store.deliveryItem(w, event, JSON.stringify(event), at);
};

/** The same delivery as one written before 2026-12-07: due in gsi1, under the same keys. */
const legacy = (item: Record<string, unknown>): Record<string, unknown> => {
  const { [deliveryIndex.partitionKey]: pk, [deliveryIndex.sortKey]: sk, ...rest } = item;
  return { ...rest, [gsi1.partitionKey]: pk, [gsi1.sortKey]: sk };
};

const read = async (item: Record<string, unknown>) =>
  (await doc.send(new GetCommand({ TableName: table, Key: { pk: item.pk, sk: item.sk } }))).Item;

const dueIds = async (now: Date) =>
  (await runAs('dispatcher', () => store.due(now, 50))).map((d) => d.id).sort();

describe('the delivery index', () => {
  it('holds a new delivery (not gsi1), and the dispatcher reads it there; it may not Query gsi1', async () => {
    const w = await hook();
    const item = delivery(w, T0);
    expect(item[deliveryIndex.partitionKey]).toMatch(/^DUE#\d$/);
    expect(item[gsi1.partitionKey]).toBeUndefined();
    await runAs('stream', () => doc.send(new PutCommand({ TableName: table, Item: item })));
    expect(await dueIds(new Date(T0.getTime() + 1))).toContain(item.id);
    // gsi1 holds pending journals, due schedules and audit records by actor: not the dispatcher's.
    const onGsi1 = new QueryCommand({
      TableName: table,
      IndexName: gsi1.indexName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': gsi1.partitionKey },
      ExpressionAttributeValues: { ':pk': 'AUDITBY#staff' },
    });
    await expect(runAs('dispatcher', () => doc.send(onGsi1))).rejects.toMatchObject(denied);
    // Nobody but the delivery writers may put its keys (the roles' Deny on guarded attributes).
    const forged = {
      pk: `USER#${w.ownerId}`,
      sk: 'FORGED',
      [deliveryIndex.partitionKey]: 'DUE#0',
      [deliveryIndex.sortKey]: 'x',
    };
    await expect(
      runAs('payees', () => doc.send(new PutCommand({ TableName: table, Item: forged }))),
    ).rejects.toMatchObject(denied);
  });

  it('a manual retry of a delivery still due in gsi1 leaves it due in the delivery index alone', async () => {
    const w = await hook();
    const item = legacy(delivery(w, T0));
    await doc.send(new PutCommand({ TableName: table, Item: item }));
    const d = await store.delivery(w.id, item.id as string);
    if (!d) throw new Error('no delivery');
    const claimed = await runAs('webhooks-api', () => store.claim(d, T0, { due: false }));
    if (!claimed) throw new Error('not claimed');
    await runAs('webhooks-api', () =>
      store.finish(claimed, { at: T0.toISOString(), error: 'refused', manual: true }, { delivered: false }),
    );
    const after = await read(item);
    expect(after?.[gsi1.partitionKey]).toBeUndefined();
    expect(after?.[gsi1.sortKey]).toBeUndefined();
    expect(after?.[deliveryIndex.partitionKey]).toBe(item[gsi1.partitionKey]);
    expect(after?.[deliveryIndex.sortKey]).toBe(item[gsi1.sortKey]);
  });
});

describe("the dispatcher's writes", () => {
  // Its role may write no gsi1 key (src/functions.ts indexWrites): what it claims is due in the
  // delivery index, never in gsi1, so recording an outcome names gsi1's keys only for a delivery read
  // there (a manual retry's).
  it('claims, records an outcome due again, a dead one, and abandons, under its own role, naming no gsi1 key', async () => {
    const w = await hook();
    const item = delivery(w, T0);
    await doc.send(new PutCommand({ TableName: table, Item: item }));
    const [found] = await runAs('dispatcher', () => store.due(T0, 50)).then((ds) =>
      ds.filter((d) => d.id === item.id),
    );
    if (!found) throw new Error('not due');
    expect(found.dueInGsi1).toBeUndefined();
    const claimed = await runAs('dispatcher', () =>
      store.claim(found, T0, { due: true, retryAt: undefined }),
    );
    if (!claimed) throw new Error('not claimed');
    const next = new Date(T0.getTime() + 60_000);
    const again = await runAs('dispatcher', () =>
      store.finish(claimed, { at: T0.toISOString(), statusCode: 500 }, { delivered: false, next }),
    );
    expect(again).toMatchObject({ status: 'pending', nextAttemptAt: next.toISOString() });
    const reclaimed = await runAs('dispatcher', () =>
      store.claim(again, next, { due: true, retryAt: undefined }),
    );
    if (!reclaimed) throw new Error('not claimed again');
    const dead = await runAs('dispatcher', () =>
      store.finish(reclaimed, { at: next.toISOString(), statusCode: 500 }, { delivered: false }),
    );
    expect(dead.status).toBe('dead');
    expect((await read(item))?.[deliveryIndex.partitionKey]).toBeUndefined();

    // Its last attempt claimed and never recorded: abandoned.
    const lost: Record<string, unknown> = {
      ...delivery(w, T0),
      attempts: MAX_ATTEMPTS,
      leaseUntil: T0.toISOString(),
      claimToken: 'gone',
    };
    await doc.send(new PutCommand({ TableName: table, Item: lost }));
    const later = new Date(T0.getTime() + 1);
    const stale = (await runAs('dispatcher', () => store.due(later, 50))).find((d) => d.id === lost.id);
    if (!stale) throw new Error('not due');
    expect(await runAs('dispatcher', () => store.abandon(stale, later))).toMatchObject({ status: 'dead' });
  });
});

describe('deliveries still due in gsi1 (written before 2026-12-07)', () => {
  it('are moved to the delivery index by the sweep, a bounded number a run, keys kept; nothing else in gsi1 is touched', async () => {
    const tableOf = await createTestTable('dlv-move');
    const own = new WebhookStore(doc, tableOf, new IdempotencyStore(doc, tableOf, 48 * 3600));
    const w = await hook();
    const items = [0, 1, 2, 3, 4].map((i) => legacy(delivery(w, new Date(T0.getTime() + i))));
    for (const Item of items) await doc.send(new PutCommand({ TableName: tableOf, Item }));
    // An item that is no delivery under a due partition of gsi1: left as it is.
    const other = { pk: 'USER#someone', sk: 'OTHER', [gsi1.partitionKey]: 'DUE#0', [gsi1.sortKey]: '0' };
    await doc.send(new PutCommand({ TableName: tableOf, Item: other }));
    const get = async (i: Record<string, unknown>) =>
      (await doc.send(new GetCommand({ TableName: tableOf, Key: { pk: i.pk, sk: i.sk } }))).Item;

    // The dispatcher does not see them before they are moved.
    expect(await runAs('dispatcher', () => own.due(new Date(T0.getTime() + 10), 50))).toEqual([]);
    const first = await runAs('sweep', () => moveLegacyDueDeliveries(doc, tableOf, 3));
    expect(first.seen).toBe(3);
    expect(first.moved).toBeLessThanOrEqual(3);
    const rest = await runAs('sweep', () => moveLegacyDueDeliveries(doc, tableOf, 50));
    expect(first.moved + rest.moved).toBe(items.length);
    for (const i of items) {
      const after = await get(i);
      expect(after?.[deliveryIndex.partitionKey], String(i.id)).toBe(i[gsi1.partitionKey]);
      expect(after?.[deliveryIndex.sortKey], String(i.id)).toBe(i[gsi1.sortKey]);
      expect(after?.[gsi1.partitionKey], String(i.id)).toBeUndefined();
      expect(after?.[gsi1.sortKey], String(i.id)).toBeUndefined();
      expect(after?.payload).toBe(i.payload);
    }
    expect(await get(other)).toEqual(other);
    // Nothing left to move; the dispatcher now finds them all due.
    expect((await runAs('sweep', () => moveLegacyDueDeliveries(doc, tableOf, 50))).moved).toBe(0);
    expect(
      (await runAs('dispatcher', () => own.due(new Date(T0.getTime() + 10), 50))).map((d) => d.id).sort(),
    ).toEqual(items.map((i) => i.id).sort());
  });

  it('a delivery changed since it was read (an older dispatcher claimed it meanwhile) is moved by a later run, with its new keys', async () => {
    const tableOf = await createTestTable('dlv-race');
    const w = await hook();
    const item = legacy(delivery(w, T0));
    await doc.send(new PutCommand({ TableName: tableOf, Item: item }));
    const later = `${new Date(T0.getTime() + 60_000).toISOString()}#${item.id}`;
    let raced = false;
    const racing: Db = {
      send: (async (command: unknown) => {
        if (command instanceof UpdateCommand && !raced) {
          raced = true;
          await doc.send(
            new UpdateCommand({
              TableName: tableOf,
              Key: { pk: item.pk, sk: item.sk },
              UpdateExpression: 'SET #sk = :sk',
              ExpressionAttributeNames: { '#sk': gsi1.sortKey },
              ExpressionAttributeValues: { ':sk': later },
            }),
          );
        }
        return doc.send(command as never);
      }) as never,
    } as unknown as Db;
    expect(await runAs('sweep', () => moveLegacyDueDeliveries(racing, tableOf, 50))).toEqual({
      seen: 1,
      moved: 0,
    });
    expect(await runAs('sweep', () => moveLegacyDueDeliveries(doc, tableOf, 50))).toEqual({
      seen: 1,
      moved: 1,
    });
    const after = (await doc.send(new GetCommand({ TableName: tableOf, Key: { pk: item.pk, sk: item.sk } })))
      .Item;
    expect(after?.[deliveryIndex.sortKey]).toBe(later);
    expect(after?.[gsi1.sortKey]).toBeUndefined();
  });

  it('each sweep run moves them (the handler, as the sweep function)', async () => {
    const w = await hook();
    const item = legacy(delivery(w, T0));
    await doc.send(new PutCommand({ TableName: table, Item: item }));
    await runAs('sweep', () => sweepHandler({ id: 'dlv' } as ScheduledEvent));
    const after = await read(item);
    expect(after?.[deliveryIndex.partitionKey]).toBe(item[gsi1.partitionKey]);
    expect(after?.[gsi1.partitionKey]).toBeUndefined();
  });
});
