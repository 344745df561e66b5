/**
 * Transactions outside the ledger (schedules, payees, webhooks) under faults that DynamoDB Local
 * cannot produce, injected: AWS cancels one of two transactions that overlap on an item
 * (`TransactionConflict`), and a transaction can commit while its answer is lost (the SDK times out).
 * A conflict is tried again; a lost answer must not make a second schedule, payee or webhook, nor turn
 * a delete that happened into a 404.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { rent } from '../../test/banking.ts';
import { cancelledWith, failingTransactions, timeout } from '../../test/faults.ts';
import { createTestTable, dynamoClients } from '../../test/harness.ts';
import type { BankError } from '../domain/errors.ts';
import { createDocumentClient, type Db } from './db.ts';
import { IdempotencyStore } from './idempotency.ts';
import * as keys from './item-keys.ts';
import { paymentKeys } from './keys.ts';
import { PayeeStore } from './payees.ts';
import { ScheduleStore } from './schedules.ts';
import { WebhookStore } from './webhooks.ts';

let db: Db;
let table: string;
beforeAll(async () => {
  db = createDocumentClient(dynamoClients().client);
  table = await createTestTable('commit');
});

const schedulesWith = (d: Db) => new ScheduleStore(d, table, new IdempotencyStore(d, table, 48 * 3600));
const counter = async (key: { pk: string; sk: string }, attr: string) =>
  (await db.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item?.[attr];
const conflict = () => cancelledWith('None', 'TransactionConflict', 'None');

describe('scheduled transfers', () => {
  it('a creation whose answer was lost makes one schedule, and the repeat of the request answers it', async () => {
    const sub = `u-${randomUUID()}`;
    const lossy = failingTransactions(db, 1, timeout, 'after');
    const key = { key: 'k1', fingerprint: 'f1' };
    const made = await schedulesWith(lossy).create(sub, rent(), key);
    expect(lossy.injected).toBe(1);
    expect(made).toMatchObject({
      kind: 'schedule',
      schedule: { status: 'active', nextRunDate: '2030-01-31' },
    });
    const store = schedulesWith(db);
    expect((await store.list(sub, { limit: 100 })).items).toHaveLength(1);
    expect(await counter({ pk: `USER#${sub}`, sk: 'SCHEDULES' }, 'active')).toBe(1);
    // The client's retry with its key: the same schedule, said to be a replay; nothing new.
    const again = await store.create(sub, rent(), key);
    expect(again).toEqual({ ...made, replayed: true });
    expect(await store.replay(sub, key)).toEqual({ ...made, replayed: true });
    expect((await store.list(sub, { limit: 100 })).items).toHaveLength(1);
    // The same key for another request is refused.
    const reused = await store.create(sub, rent(), { key: 'k1', fingerprint: 'other' }).catch((e) => e);
    expect((reused as BankError).code).toBe('idempotency_key_reused');
  });

  it('a creation that lost a conflict is tried again', async () => {
    const sub = `u-${randomUUID()}`;
    const flaky = failingTransactions(db, 2, conflict);
    const made = await schedulesWith(flaky).create(sub, rent(), { key: 'k', fingerprint: 'f' });
    expect(flaky.injected).toBe(2);
    expect(made.replayed).toBe(false);
    expect((await schedulesWith(db).list(sub, { limit: 100 })).items).toHaveLength(1);
  });

  it('a run paid while its owner cancels is recorded though its first write lost to the cancel', async () => {
    const sub = `u-${randomUUID()}`;
    const store = schedulesWith(db);
    const made = await store.create(sub, rent(), { key: 'k', fingerprint: 'f' });
    if (made.kind !== 'schedule') throw new Error('not created');
    const s = await store.mustGet(sub, made.schedule.id);
    const token = (await store.claim(s, '2030-01-31', Date.now())) as string;
    expect(token).toBeDefined();
    // The owner's cancel commits; the runner's record of the run, overlapping it, was cancelled.
    await store.cancel(sub, s.id);
    const flaky = failingTransactions(db, 1, conflict);
    await schedulesWith(flaky).finish(s, token, {
      runDate: '2030-01-31',
      outcome: 'succeeded',
      transactionId: 't1',
      at: new Date().toISOString(),
    });
    expect(flaky.injected).toBe(1);
    expect(await store.runs(sub, s.id)).toMatchObject([{ runDate: '2030-01-31', transactionId: 't1' }]);
    expect(await store.mustGet(sub, s.id)).toMatchObject({ status: 'cancelled', runsDone: 1 });
    expect(await counter({ pk: `USER#${sub}`, sk: 'SCHEDULES' }, 'active')).toBe(0);
    // Cancelled under the runner's claim, it stayed in the due index with its open run until recorded.
    expect(await store.mustGet(sub, s.id)).not.toHaveProperty('openRun');
    expect((await store.due('2030-01-31', 1000)).map((x) => x.id)).not.toContain(s.id);
    // The run's item says the schedule was cancelled (its owner's notice of a failed run says so).
    const item = await db.send(
      new GetCommand({ TableName: table, Key: paymentKeys.run(sub, s.id, '2030-01-31') }),
    );
    expect(item.Item).toMatchObject({ scheduleStatus: 'cancelled' });
    expect(item.Item?.nextRunDate).toBeUndefined();
  });

  it('a cancel that lost a conflict with the runner is tried again on a fresh read', async () => {
    const sub = `u-${randomUUID()}`;
    const made = await schedulesWith(db).create(sub, rent(), { key: 'k', fingerprint: 'f' });
    if (made.kind !== 'schedule') throw new Error('not created');
    const flaky = failingTransactions(db, 1, () => cancelledWith('TransactionConflict', 'None'));
    expect(await schedulesWith(flaky).cancel(sub, made.schedule.id)).toMatchObject({ status: 'cancelled' });
    expect(flaky.injected).toBe(1);
    expect(await counter({ pk: `USER#${sub}`, sk: 'SCHEDULES' }, 'active')).toBe(0);
  });
});

describe('payees', () => {
  const holder = async () => {
    const owner = `u-${randomUUID()}`;
    const number = String(Math.floor(Math.random() * 1e10)).padStart(10, '0');
    await db.send(
      new PutCommand({ TableName: table, Item: { ...keys.accountNumber(number), ownerId: owner } }),
    );
    await db.send(
      new PutCommand({ TableName: table, Item: { ...keys.profile(owner), name: 'Lee Landlord' } }),
    );
    return number;
  };

  it('a save whose answer was lost saves one payee, and a delete whose answer was lost is no 404', async () => {
    const sub = `u-${randomUUID()}`;
    const number = await holder();
    const lossy = failingTransactions(db, 1, timeout, 'after');
    const saved = await new PayeeStore(lossy, table).create(sub, 'Lee Landlord', number);
    expect(lossy.injected).toBe(1);
    const store = new PayeeStore(db, table);
    expect(await store.list(sub)).toEqual([expect.objectContaining({ id: saved.id })]);
    expect(await counter(paymentKeys.payeeCount(sub), 'payees')).toBe(1);
    const lost = failingTransactions(db, 1, timeout, 'after');
    await new PayeeStore(lost, table).delete(sub, saved.id);
    expect(lost.injected).toBe(1);
    expect(await store.list(sub)).toEqual([]);
    expect(await counter(paymentKeys.payeeCount(sub), 'payees')).toBe(0);
    // A delete of what is not there is still a 404.
    expect(((await store.delete(sub, saved.id).catch((e) => e)) as BankError).code).toBe('not_found');
  });

  it('a save with a key whose answer was lost saves one payee; its retry is answered from the record, uncounted', async () => {
    const sub = `u-${randomUUID()}`;
    const number = await holder();
    const now = new Date('2030-03-01T10:00:05Z');
    const key = { key: 'payee-k', fingerprint: 'f1' };
    const idem = (d: Db) => new IdempotencyStore(d, table, 48 * 3600);
    const lossy = failingTransactions(db, 1, timeout, 'after');
    const first = await new PayeeStore(lossy, table, idem(lossy)).createOnce(
      sub,
      'Lee Landlord',
      number,
      key,
      now,
    );
    expect(lossy.injected).toBe(1);
    if (first.kind !== 'payee') throw new Error(`not saved: ${first.kind}`);
    const store = new PayeeStore(db, table, idem(db));
    // The client's retry with its key, after its answer was lost: the same payee, nothing saved again.
    const again = await store.createOnce(sub, 'Lee Landlord', number, key, now);
    expect(again).toEqual({ kind: 'payee', payee: first.payee, replayed: true });
    expect(await store.list(sub)).toEqual([expect.objectContaining({ id: first.payee.id })]);
    expect(await counter(paymentKeys.payeeCount(sub), 'payees')).toBe(1);
    // One number check, however often the saving was sent.
    expect(
      await counter(paymentKeys.rate(sub, 'payee-check', Math.floor(now.getTime() / 60_000) * 60), 'hits'),
    ).toBe(1);
    // The key with another request is refused, and saves nothing.
    const reused = await store
      .createOnce(sub, 'Lee Landlord', number, { key: 'payee-k', fingerprint: 'f2' }, now)
      .catch((e) => e);
    expect((reused as BankError).code).toBe('idempotency_key_reused');
    expect(await store.list(sub)).toHaveLength(1);
  });

  it('a save that lost a conflict is tried again', async () => {
    const sub = `u-${randomUUID()}`;
    const flaky = failingTransactions(db, 1, () => cancelledWith('TransactionConflict', 'None'));
    await new PayeeStore(flaky, table).create(sub, 'Lee Landlord', await holder());
    expect(flaky.injected).toBe(1);
    expect(await new PayeeStore(db, table).list(sub)).toHaveLength(1);
  });
});

describe('webhooks', () => {
  const hook = { url: 'https://example.com/hook', events: ['transaction.posted' as const] };
  const webhooksWith = (d: Db) => new WebhookStore(d, table, new IdempotencyStore(d, table, 48 * 3600));

  it('a registration whose answer was lost makes one endpoint, and its repeat answers it with the secret', async () => {
    const sub = `u-${randomUUID()}`;
    const key = { key: 'k1', fingerprint: 'f1' };
    const lossy = failingTransactions(db, 1, timeout, 'after');
    const made = await webhooksWith(lossy).create(sub, hook, key);
    expect(lossy.injected).toBe(1);
    if (made.kind !== 'webhook') throw new Error('not registered');
    expect(made.webhook).toMatchObject({
      id: expect.stringMatching(/^wh_/),
      secret: expect.stringMatching(/^whsec_/),
    });
    const store = webhooksWith(db);
    expect((await store.list(sub)).map((w) => w.id)).toEqual([made.webhook.id]);
    expect(await counter(keys.webhookCount(sub), 'webhooks')).toBe(1);
    // The client's retry with its key: the same endpoint and secret, said to be a replay; nothing new.
    const again = await store.create(sub, hook, key);
    expect(again).toEqual({ ...made, replayed: true });
    expect(await store.replay(sub, key)).toEqual({ ...made, replayed: true });
    expect(await store.list(sub)).toHaveLength(1);
    expect(await counter(keys.webhookCount(sub), 'webhooks')).toBe(1);
    // The same key for another request is refused.
    const reused = await store.create(sub, hook, { key: 'k1', fingerprint: 'other' }).catch((e) => e);
    expect((reused as BankError).code).toBe('idempotency_key_reused');
  });

  it('a registration or a delete that lost a conflict is tried again', async () => {
    const sub = `u-${randomUUID()}`;
    const flaky = failingTransactions(db, 2, () => cancelledWith('None', 'TransactionConflict', 'None'));
    const made = await webhooksWith(flaky).create(sub, hook, { key: 'k', fingerprint: 'f' });
    expect(flaky.injected).toBe(2);
    expect(made.replayed).toBe(false);
    if (made.kind !== 'webhook') throw new Error('not registered');
    const store = webhooksWith(db);
    expect((await store.list(sub)).map((w) => w.id)).toEqual([made.webhook.id]);
    const deleting = failingTransactions(db, 1, () => cancelledWith('None', 'TransactionConflict'));
    await webhooksWith(deleting).delete(sub, made.webhook.id);
    expect(deleting.injected).toBe(1);
    expect(await store.list(sub)).toEqual([]);
    expect(await counter(keys.webhookCount(sub), 'webhooks')).toBe(0);
  });

  it('the limit is not recorded: the same key registers once one endpoint is deleted', async () => {
    const sub = `u-${randomUUID()}`;
    const store = webhooksWith(db);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const w = await store.create(sub, hook, { key: `k${i}`, fingerprint: 'f' });
      if (w.kind === 'webhook') ids.push(w.webhook.id);
    }
    const key = { key: 'sixth', fingerprint: 'f' };
    expect(((await store.create(sub, hook, key).catch((e) => e)) as BankError).code).toBe(
      'webhook_limit_reached',
    );
    expect(await store.replay(sub, key)).toBeUndefined();
    await store.delete(sub, ids[0] as string);
    expect(await store.create(sub, hook, key)).toMatchObject({ kind: 'webhook', replayed: false });
  });
});
