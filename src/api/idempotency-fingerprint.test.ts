/**
 * The idempotency fingerprint (src/api/http.ts fingerprintOf, src/store/idempotency.ts
 * fingerprintForms) through the money function and DynamoDB Local.
 */
import { createHash, randomUUID } from 'node:crypto';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../test/api.ts';
import { deposit, newUser, openAccount } from '../../test/banking.ts';
import { createTestTable, dynamoClients, useHandlerEnv } from '../../test/harness.ts';
import { createDocumentClient } from '../store/db.ts';
import * as keys from '../store/item-keys.ts';

let table: string;
beforeAll(async () => {
  table = await createTestTable('fingerprint');
  useHandlerEnv({ TABLE_NAME: table });
});
const doc = () => createDocumentClient(dynamoClients().client);

/** A withdrawal with the body sent as written (`raw`), so that its keys keep their order. */
const withdraw = (user: string, id: string, raw: string, key: string) =>
  call('withdraw', { user, params: { id }, raw, headers: { 'idempotency-key': key } });
const balance = async (user: string, id: string) =>
  (await call('getBalance', { user, params: { id } })).body.balance;

describe('the idempotency fingerprint', () => {
  it('is the same for the same metadata in another key order: a retry replays', async () => {
    // A review found the retry answered 422 idempotency_key_reused: the fingerprint hashed the
    // metadata's keys in the order received.
    const u = await newUser(table);
    const a = await openAccount(u);
    await deposit(u, a.id, 1_000);
    const k = randomUUID();
    const first = await withdraw(u, a.id, '{"amount":100,"metadata":{"a":"1","b":"2"}}', k);
    expect(first.status).toBe(201);
    const again = await withdraw(u, a.id, '{"metadata":{"b":"2","a":"1"},"amount":100}', k);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    // Another request under the key is still refused.
    for (const other of [
      '{"amount":100,"metadata":{"a":"1","b":"3"}}',
      '{"amount":100,"metadata":{"a":"1"}}',
      '{"amount":101,"metadata":{"b":"2","a":"1"}}',
    ]) {
      const r = await withdraw(u, a.id, other, k);
      expect(r.status).toBe(422);
      expect(r.body.code).toBe('idempotency_key_reused');
    }
    expect(await balance(u, a.id)).toBe(900);
  });

  it('replays a record written before, which holds the fingerprint of the keys in the order received', async () => {
    const u = await newUser(table);
    const a = await openAccount(u);
    await deposit(u, a.id, 1_000);
    const k = randomUUID();
    const raw = '{"metadata":{"b":"2","a":"1"},"amount":100}';
    const first = await withdraw(u, a.id, raw, k);
    expect(first.status).toBe(201);
    const at = { TableName: table, Key: keys.idempotency(u, k) };
    const stored = (await doc().send(new GetCommand(at))).Item?.fingerprint;
    // The fingerprint as it was computed before: the validated body (the schema's key order, the
    // metadata's as received), unsorted.
    const before = createHash('sha256')
      .update(JSON.stringify(['withdraw', { id: a.id }, { amount: 100, metadata: { b: '2', a: '1' } }]))
      .digest('base64url');
    // One form stored: the sorted one.
    expect(stored).toMatch(/^[\w-]{43}$/);
    expect(stored).not.toBe(before);
    await doc().send(
      new UpdateCommand({
        ...at,
        UpdateExpression: 'SET fingerprint = :f',
        ExpressionAttributeValues: { ':f': before },
      }),
    );
    const again = await withdraw(u, a.id, raw, k);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    const other = await withdraw(u, a.id, '{"amount":100,"metadata":{"b":"2","a":"2"}}', k);
    expect(other.body.code).toBe('idempotency_key_reused');
    expect(await balance(u, a.id)).toBe(900);
  });
});
