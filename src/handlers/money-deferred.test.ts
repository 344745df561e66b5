/**
 * A transfer whose credit is deferred to the settler (BANK_DEFER_CREDITS=always: every recipient
 * taken as hot), made through the money handler as the money function (its offline IAM, test/api.ts):
 * the credit is put in the recipient's credit partition (CREDIT#<accountId>), one of the partitions
 * the function writes in (src/functions.ts writePartitions). Its own file: the setting is read once.
 */
import { randomUUID } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, expect, it } from 'vitest';
import { call } from '../../test/api.ts';
import { createTestTable, dynamoClients, useHandlerEnv } from '../../test/harness.ts';
import { createDocumentClient } from '../store/db.ts';
import * as keys from '../store/item-keys.ts';

let table: string;
beforeAll(async () => {
  table = await createTestTable('money-deferred');
  useHandlerEnv({ TABLE_NAME: table, BANK_DEFER_CREDITS: 'always' });
});

const open = async (user: string) =>
  (await call('openAccount', { user, body: { type: 'checking', currency: 'USD' } })).body as {
    id: string;
    number: string;
  };

it('puts a hot recipient\u2019s credit in its credit partition, for the settler', async () => {
  const payer = `u-${randomUUID()}`;
  const shop = `u-${randomUUID()}`;
  const from = await open(payer);
  const to = await open(shop);
  const funded = await call('deposit', {
    user: payer,
    params: { id: from.id },
    body: { amount: 100 },
    headers: { 'idempotency-key': randomUUID() },
  });
  expect(funded.status).toBe(201);
  const paid = await call('transfer', {
    user: payer,
    body: { currency: 'USD', fromAccountId: from.id, toAccountNumber: to.number, amount: 30 },
    headers: { 'idempotency-key': randomUUID() },
  });
  expect(paid.status, JSON.stringify(paid.body)).toBe(201);
  const { pk, skPrefix } = keys.creditsOf(to.id);
  const credits = await createDocumentClient(dynamoClients().client).send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': pk, ':sk': skPrefix },
      ConsistentRead: true,
    }),
  );
  expect(credits.Items?.map((c) => [c.entity, c.amount, c.journalId])).toEqual([
    ['credit', 30, paid.body.id],
  ]);
});
