/** Shared steps for the statements, payees and schedules handler tests (in-process handlers). */
import { randomUUID } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { expect, vi } from 'vitest';
import { luhnDigit } from '../src/domain/luhn.ts';
import { createDocumentClient } from '../src/store/db.ts';
import * as keys from '../src/store/item-keys.ts';
import type { NewSchedule } from '../src/store/schedules.ts';
import { UserStore } from '../src/store/users.ts';
import { call } from './api.ts';
import { dynamoClients } from './harness.ts';

export const newUser = async (table: string, name = 'Test Customer'): Promise<string> => {
  const sub = `u-${randomUUID()}`;
  await new UserStore(createDocumentClient(dynamoClients().client), table).create({
    userId: sub,
    email: `${sub}@example.com`,
    name,
    createdAt: new Date().toISOString(),
  });
  return sub;
};

export const openAccount = async (user: string, currency = 'USD') => {
  const r = await call('openAccount', { user, body: { type: 'checking', currency } });
  expect(r.status).toBe(201);
  return r.body as { id: string; number: string; createdAt: string };
};

const key = () => randomUUID();

export const deposit = async (user: string, id: string, amount: number, description = '') => {
  const r = await call('deposit', {
    user,
    params: { id },
    body: { amount, ...(description ? { description } : {}) },
    headers: { 'idempotency-key': key() },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as { id: string };
};

export const withdraw = async (user: string, id: string, amount: number) => {
  const r = await call('withdraw', {
    user,
    params: { id },
    body: { amount },
    headers: { 'idempotency-key': key() },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as { id: string };
};

export const transfer = async (
  user: string,
  fromAccountId: string,
  toAccountNumber: string,
  amount: number,
  description = '',
) => {
  const r = await call('transfer', {
    user,
    body: {
      fromAccountId,
      toAccountNumber,
      amount,
      currency: 'USD',
      ...(description ? { description } : {}),
    },
    headers: { 'idempotency-key': key() },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as { id: string };
};

export const balanceOf = async (user: string, id: string): Promise<number> =>
  (await call('getBalance', { user, params: { id } })).body.balance;

/** A well-formed account number that no account has (accounts' numbers never start 00000). */
export const unknownNumber = (i: number): string => {
  const nine = `00000${String(i).padStart(4, '0')}`;
  return `${nine}${luhnDigit(nine)}`;
};

/** A monthly rent schedule from 31 January 2030, as the store takes it (nothing about it is checked there). */
export const rent = (): NewSchedule => ({
  fromAccountId: randomUUID(),
  toAccountNumber: '1234567890',
  amount: 100_00,
  currency: 'USD',
  description: 'Rent',
  startDate: '2030-01-31',
  frequency: 'monthly',
});

/**
 * The status of a pending transfer's history entry on its sender's account (ACCOUNT#<id>, the item an
 * expiry or a void updates: ledger-engine.ts release), read strongly consistent; undefined when none.
 */
export const holdEntryStatus = async (
  table: string,
  accountId: string,
  journalId: string,
): Promise<string | undefined> => {
  const r = await createDocumentClient(dynamoClients().client).send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.postingsOf(accountId).pk },
      ConsistentRead: true,
    }),
  );
  return r.Items?.find((i) => i.journalId === journalId)?.status;
};

/**
 * A pending transfer made through the API ten minutes ago to expire after a minute: expired now, its
 * hold still stored on the sender's account (no sweep has run); returns its id.
 */
export const expiredHold = async (
  user: string,
  fromAccountId: string,
  toAccountNumber: string,
  amount: number,
): Promise<string> => {
  // On the caller's clock, which may be a fake one of its own (kept, moved on by the time this took).
  const faked = vi.isFakeTimers();
  const then = Date.now() - 10 * 60_000;
  if (faked) vi.setSystemTime(then);
  else vi.useFakeTimers({ toFake: ['Date'], now: then });
  try {
    const r = await call('transfer', {
      user,
      body: { fromAccountId, toAccountNumber, amount, currency: 'USD', pending: true, expiresInSeconds: 60 },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(r, JSON.stringify(r.body)).toMatchObject({ status: 201, body: { status: 'pending' } });
    return r.body.id as string;
  } finally {
    if (faked) vi.setSystemTime(Date.now() + 10 * 60_000);
    else vi.useRealTimers();
  }
};
