/**
 * Paging an endpoint's deliveries (GET /v1/webhooks/{id}/deliveries) when they are large. A
 * delivery keeps the exact body sent, and a transfer's event carries its sender's metadata (up to 20
 * keys of 500 characters, which the API accepts), so one delivery can weigh over 10 KB: a page of 100
 * is then more than DynamoDB's 1 MB a Query reads at once.
 */
import { randomUUID } from 'node:crypto';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../test/api.ts';
import { createTestTable, dynamoClients, useHandlerEnv } from '../../test/harness.ts';
import { createDocumentClient } from '../store/db.ts';
import { UserStore } from '../store/users.ts';
import { webhooks } from './events-context.ts';

let table: string;
let restore: () => void;
beforeAll(async () => {
  table = await createTestTable('deliveries-page');
  restore = useHandlerEnv({ TABLE_NAME: table, BANK_WEBHOOK_ALLOW_LOOPBACK: 'true' });
});
afterAll(() => restore?.());

/** A transfer's event as its sender gets it: their own metadata at its largest. */
const bigEvent = (n: number) => {
  const createdAt = new Date(Date.UTC(2026, 11, 1, 0, 0, n)).toISOString();
  const metadata = Object.fromEntries(Array.from({ length: 20 }, (_, k) => [`note${k}`, 'x'.repeat(500)]));
  const event = {
    id: `evt_${randomUUID().replaceAll('-', '').slice(0, 26)}`,
    type: 'transaction.posted' as const,
    createdAt,
    data: {
      id: randomUUID(),
      type: 'transfer',
      status: 'posted',
      amount: 100 + n,
      currency: 'EUR',
      fromAccountId: 'a1',
      fromAccountNumber: '4820193757',
      toAccountNumber: '5550001112',
      description: 'Invoice',
      metadata,
      createdAt,
      postedAt: createdAt,
      balanceAfter: 1000,
    },
  };
  return { event, payload: JSON.stringify(event) };
};

describe('an endpoint with 120 deliveries of ~11 KB each, read 100 at a time', () => {
  it('pages through all of them: a short page still gives a cursor to the rest', async () => {
    const user = `u-${randomUUID()}`;
    const doc = createDocumentClient(dynamoClients().client);
    await new UserStore(doc, table).create({
      userId: user,
      email: `${user}@example.com`,
      name: 'Test',
      createdAt: new Date().toISOString(),
    });
    const created = await call('createWebhook', {
      user,
      body: { url: 'http://127.0.0.1:9/hooks', events: ['transaction.posted'] },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(created.status).toBe(201);
    const hook = { id: created.body.id as string, ownerId: user };

    // The deliveries as the stream function writes them (EventStore.recordAll: deliveryItem).
    const items = Array.from({ length: 120 }, (_, n) => {
      const { event, payload } = bigEvent(n);
      return webhooks().deliveryItem(hook, event, payload, new Date(event.createdAt));
    });
    for (let i = 0; i < items.length; i += 25)
      await doc.send(
        new BatchWriteCommand({
          RequestItems: { [table]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
        }),
      );

    const seen = new Set<string>();
    let cursor: string | undefined;
    const pages: { items: number; nextCursor: boolean }[] = [];
    for (let page = 0; page < 10; page++) {
      const r = await call('listDeliveries', {
        user,
        params: { id: hook.id },
        query: { limit: '100', ...(cursor ? { cursor } : {}) },
      });
      expect(r.status).toBe(200);
      for (const d of r.body.items as { id: string }[]) seen.add(d.id);
      pages.push({ items: r.body.items.length, nextCursor: r.body.nextCursor !== null });
      cursor = r.body.nextCursor ?? undefined;
      if (!cursor) break;
    }
    // Every delivery is reachable by following nextCursor, each once. Until 2026-12-07 the first page
    // stopped at DynamoDB's 1 MB (fewer than 100 items) with nextCursor null, and the older deliveries
    // could not be listed.
    expect({ seen: seen.size, pages }).toEqual({
      seen: 120,
      pages: [
        { items: 100, nextCursor: true },
        { items: 20, nextCursor: false },
      ],
    });
  });
});
