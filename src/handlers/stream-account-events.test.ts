/**
 * The time an account's status event says the change happened, from the account items the stores
 * really write (staff freeze and unfreeze through StaffLedger, the customer's close through
 * AccountStore), derived by the stream function's own code (eventsFromChange with its views).
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestTable, dynamoClients } from '../../test/harness.ts';
import { eventsFromChange, type Image } from '../domain/events.ts';
import { AccountStore } from '../store/accounts.ts';
import { createDocumentClient, type Db } from '../store/db.ts';
import { IdempotencyStore } from '../store/idempotency.ts';
import * as keys from '../store/item-keys.ts';
import { StaffLedger } from '../store/ledger-admin.ts';
import { views } from './stream.ts';

let db: Db;
let table: string;
beforeAll(async () => {
  db = createDocumentClient(dynamoClients().client);
  table = await createTestTable('account-events');
});

const item = async (owner: string, id: string): Promise<Image> =>
  (await db.send(new GetCommand({ TableName: table, Key: keys.account(owner, id), ConsistentRead: true })))
    .Item as Image;

describe('account.closed after staff once froze and unfroze the account', () => {
  it('is dated when the account was closed, not when staff unfroze it', async () => {
    const accounts = new AccountStore(db, table);
    const staff = new StaffLedger(db, table, accounts, new IdempotencyStore(db, table, 48 * 3600), {
      systemShards: 4,
      dailyLimit: 1_000,
    });
    const owner = 'review-owner';
    const a = await accounts.open({ ownerId: owner, type: 'checking', currency: 'USD' });
    await staff.freeze({ admin: 'staff-1', accountId: a.id, reason: 'checking a payment' });
    await staff.unfreeze({ admin: 'staff-1', accountId: a.id, reason: 'all clear' });
    // The unfreeze was a month ago: the item as it stands then (the time staff set, moved back).
    const monthAgo = new Date(Date.now() - 30 * 24 * 3600 * 1000).toISOString();
    await db.send(
      new UpdateCommand({
        TableName: table,
        Key: keys.account(owner, a.id),
        UpdateExpression: 'SET updatedAt = :t',
        ExpressionAttributeValues: { ':t': monthAgo },
      }),
    );
    const before = await item(owner, a.id);

    // Today the customer closes it.
    const closedAt = new Date();
    await accounts.close(owner, a.id);
    const after = await item(owner, a.id);
    expect(after.status).toBe('closed');

    // The stream record's time (ApproximateCreationDateTime, whole seconds) of the close.
    const at = new Date(Math.floor(closedAt.getTime() / 1000) * 1000).toISOString();
    const [event] = eventsFromChange(before, after, at, views);
    expect(event?.type).toBe('account.closed');
    // README (Events): createdAt is "the time of the change, which stays in each event"; until
    // 2026-12-07 it was the month-old time of the unfreeze, which the close did not replace.
    expect(event?.createdAt).not.toBe(monthAgo);
    expect(Date.parse(event?.createdAt ?? '')).toBeGreaterThanOrEqual(Date.parse(at));
    // The close keeps its own time, as staff's freeze does: the event tells it to the millisecond.
    expect(event?.createdAt).toBe(after.updatedAt);
  });
});
