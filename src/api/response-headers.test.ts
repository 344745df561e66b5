/**
 * Response headers the handlers send beyond every answer's own are declared on the operation's
 * response that carries them (src/api/openapi.ts): a review found these four undeclared.
 */
import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../test/api.ts';
import { newUser, openAccount } from '../../test/banking.ts';
import { createTestTable, dynamoClients, useHandlerEnv } from '../../test/harness.ts';
import { webhooks } from '../handlers/events-context.ts';
import { createDocumentClient } from '../store/db.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { type OperationId, routes } from './routes.ts';

const doc = JSON.parse(JSON.stringify(buildOpenApiDocument())) as {
  paths: Record<string, Record<string, { responses: Record<string, { headers?: Record<string, unknown> }> }>>;
};
/** The header names the operation's response for `status` declares, lower-cased. */
const declared = (op: OperationId, status: number): string[] => {
  const r = routes[op];
  return Object.keys(
    doc.paths[r.path]?.[r.method.toLowerCase()]?.responses[String(status)]?.headers ?? {},
  ).map((h) => h.toLowerCase());
};

let table: string;
beforeAll(async () => {
  table = await createTestTable('review-headers');
  useHandlerEnv({ TABLE_NAME: table, BANK_WEBHOOK_ALLOW_LOOPBACK: 'true' });
});

const createWebhook = (user: string) =>
  call('createWebhook', {
    user,
    body: { url: 'http://127.0.0.1:9/hooks', events: ['transaction.posted'] },
    headers: { 'idempotency-key': randomUUID() },
  });

describe('headers the document declares where they are sent', () => {
  it('a replayed decline (422) carries Idempotent-Replayed, declared on the 422', async () => {
    const user = await newUser(table);
    const a = await openAccount(user);
    const key = randomUUID();
    const withdraw = () =>
      call('withdraw', {
        user,
        params: { id: a.id },
        body: { amount: 500 },
        headers: { 'idempotency-key': key },
      });
    expect((await withdraw()).body.code).toBe('insufficient_funds');
    const replay = await withdraw();
    expect(replay.status).toBe(422);
    expect(replay.body.code).toBe('insufficient_funds');
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(declared('withdraw', 422)).toContain('idempotent-replayed');
  });

  it('a new webhook (201) carries Location, declared on the 201', async () => {
    const user = await newUser(table);
    const r = await createWebhook(user);
    expect(r.status).toBe(201);
    expect(r.headers.location).toBe(`/v1/webhooks/${r.body.id}`);
    expect(declared('createWebhook', 201)).toContain('location');
  });

  it('a CSV export (200) carries Content-Disposition, declared on the 200', async () => {
    const user = await newUser(table);
    const a = await openAccount(user);
    const r = await call('exportCsv', { user, params: { id: a.id } });
    expect(r.status).toBe(200);
    expect(r.headers['content-disposition']).toMatch(/^attachment; filename="transactions-/);
    expect(declared('exportCsv', 200)).toContain('content-disposition');
  });

  it('a manual retry of a delivery being attempted (409) carries Retry-After, declared on the 409', async () => {
    const user = await newUser(table);
    const w = await createWebhook(user);
    expect(w.status).toBe(201);
    // A delivery as the stream function stores it, then held by a scheduled attempt (the dispatcher's claim).
    const event = {
      id: `evt_${randomUUID()}`,
      type: 'transaction.posted' as const,
      createdAt: new Date().toISOString(),
    };
    const item = webhooks().deliveryItem({ id: w.body.id, ownerId: user }, event, '{}', new Date());
    await createDocumentClient(dynamoClients().client).send(new PutCommand({ TableName: table, Item: item }));
    const stored = await webhooks().delivery(w.body.id, String(item.id));
    if (!stored) throw new Error('no delivery stored');
    expect(await webhooks().claim(stored, new Date(), { due: false })).toBeDefined();
    const r = await call('retryDelivery', { user, params: { id: w.body.id, deliveryId: stored.id } });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('delivery_in_progress');
    expect(r.headers['retry-after']).toBe('10');
    expect(declared('retryDelivery', 409)).toContain('retry-after');
  });
});
