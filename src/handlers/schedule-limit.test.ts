/**
 * A scheduled transfer above the daily limit (POST /v1/scheduled-transfers): each of its runs is one
 * transfer of its amount, which the ledger refuses above the limit whatever else was sent that day, so
 * it would fail every run (and tell its owner each time) for as long as it ran. It is refused when
 * made, 422 `daily_limit_exceeded` as a transfer of that amount is, and nothing is kept of it.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../test/api.ts';
import { deposit, newUser, openAccount, unknownNumber } from '../../test/banking.ts';
import { createTestTable, dynamoClients, useHandlerEnv } from '../../test/harness.ts';
import { buildOpenApiDocument } from '../api/openapi.ts';
import { addDays, dayOf } from '../domain/schedule.ts';
import { createDocumentClient } from '../store/db.ts';

/** The customer's daily outgoing limit here: $500.00. */
const LIMIT = 50_000;

let table: string;
beforeAll(async () => {
  table = await createTestTable('schedule-limit');
  useHandlerEnv({ TABLE_NAME: table, BANK_DAILY_LIMIT: String(LIMIT) });
});
const doc = () => createDocumentClient(dynamoClients().client);

const setup = async () => {
  const payer = await newUser(table, 'Pat Payer');
  const from = await openAccount(payer);
  const to = await openAccount(await newUser(table, 'Lee Landlord'));
  return { payer, from, to };
};
const create = (user: string, body: Record<string, unknown>, key = randomUUID()) =>
  call('createSchedule', {
    user,
    body: { currency: 'USD', startDate: addDays(dayOf(new Date()), 7), ...body },
    headers: { 'idempotency-key': key },
  });
const listed = async (user: string) =>
  ((await call('listSchedules', { user })).body as { items: { id: string; amount: number }[] }).items;
/** The owner's count of active schedules (the item creation counts, MAX_ACTIVE_SCHEDULES). */
const activeCount = async (user: string): Promise<number | undefined> =>
  (
    await doc().send(
      new GetCommand({
        TableName: table,
        Key: { pk: `USER#${user}`, sk: 'SCHEDULES' },
        ConsistentRead: true,
      }),
    )
  ).Item?.active;

describe('a scheduled transfer and the daily limit', () => {
  it('takes an amount of the limit itself, and refuses one minor unit more (422, nothing kept), as a transfer of it is refused', async () => {
    const { payer, from, to } = await setup();
    const at = await create(payer, {
      fromAccountId: from.id,
      toAccountNumber: to.number,
      amount: LIMIT,
      frequency: 'weekly',
    });
    expect(at.status, JSON.stringify(at.body)).toBe(201);
    expect(await activeCount(payer)).toBe(1);

    for (const frequency of ['weekly', 'monthly', 'once']) {
      const key = randomUUID();
      const body = { fromAccountId: from.id, toAccountNumber: to.number, amount: LIMIT + 1, frequency };
      const over = await create(payer, body, key);
      expect(over.status, frequency).toBe(422);
      expect(over.body).toMatchObject({
        status: 422,
        code: 'daily_limit_exceeded',
        detail: 'This would exceed your daily outgoing limit',
      });
      expect(over.body.errors).toBeUndefined();
      // Nothing made: no schedule listed, the active count as it was, and the key not taken (the same
      // request with it is refused again, not answered as a replay).
      expect((await listed(payer)).map((s) => s.amount)).toEqual([LIMIT]);
      expect(await activeCount(payer)).toBe(1);
      const again = await create(payer, body, key);
      expect(again.status).toBe(422);
      expect(again.headers['idempotent-replayed']).toBeUndefined();
    }

    // The same words as a transfer of that amount now, with the money there to send.
    await deposit(payer, from.id, LIMIT + 1);
    const transfer = await call('transfer', {
      user: payer,
      body: { fromAccountId: from.id, toAccountNumber: to.number, amount: LIMIT + 1, currency: 'USD' },
      headers: { 'idempotency-key': randomUUID() },
    });
    const over = await create(payer, {
      fromAccountId: from.id,
      toAccountNumber: to.number,
      amount: LIMIT + 1,
      frequency: 'once',
    });
    const { instance: _t, ...transferProblem } = transfer.body as Record<string, unknown>;
    const { instance: _s, ...scheduleProblem } = over.body as Record<string, unknown>;
    expect(scheduleProblem).toEqual(transferProblem);
  });

  it('is documented: the OpenAPI document lists the refusal under the route\u2019s 422', () => {
    const doc = JSON.parse(JSON.stringify(buildOpenApiDocument())) as {
      paths: Record<string, Record<string, { responses: Record<string, { description: string }> }>>;
    };
    const post = doc.paths['/v1/scheduled-transfers']?.post;
    expect(post?.responses['422']?.description).toContain('`daily_limit_exceeded`');
  });

  it('refuses what a transfer would refuse first before the limit: an unknown number is not found', async () => {
    const { payer, from } = await setup();
    const r = await create(payer, {
      fromAccountId: from.id,
      toAccountNumber: unknownNumber(7),
      amount: LIMIT + 1,
      frequency: 'weekly',
    });
    expect(r.body.code).toBe('recipient_not_found');
    expect(await listed(payer)).toEqual([]);
    expect(await activeCount(payer)).toBeUndefined();
  });
});
