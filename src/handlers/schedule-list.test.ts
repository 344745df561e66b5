/**
 * The scheduled-transfer list, paged (GET /v1/scheduled-transfers): newest first by creation, a signed
 * cursor bound to its customer, the limit's bounds; and schedules made before ids were time-ordered
 * (random UUIDv4 ids under `SCHEDULE#`), listed after every newer one by createdAt, and still run and
 * cancelled. Schedules are made through the store at injected instants: no test waits on a clock.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../test/api.ts';
import { newUser, rent } from '../../test/banking.ts';
import { createTestTable, dynamoClients, useHandlerEnv } from '../../test/harness.ts';
import { Id } from '../api/schemas/primitives.ts';
import { createCursorCodec } from '../store/cursor.ts';
import { createDocumentClient } from '../store/db.ts';
import { IdempotencyStore } from '../store/idempotency.ts';
import { DUE_SHARDS, paymentKeys } from '../store/keys.ts';
import { dueShardOf, ScheduleStore } from '../store/schedules.ts';

let table: string;
beforeAll(async () => {
  table = await createTestTable('schedule-list');
  useHandlerEnv({ TABLE_NAME: table });
});
const doc = () => createDocumentClient(dynamoClients().client);
const store = () => new ScheduleStore(doc(), table, new IdempotencyStore(doc(), table, 48 * 3600));

const DAY = 86_400_000;
/** The instant the tests' schedules are made around (any fixed one: the store takes its clock). */
const T0 = Date.parse('2027-03-01T09:00:00.000Z');
const at = (days: number) => new Date(T0 + days * DAY);

/** A schedule made through the store at `when`: its id. */
const made = async (sub: string, when: Date): Promise<string> => {
  const r = await store().create(sub, rent(), { key: randomUUID(), fingerprint: 'f' }, when);
  if (r.kind !== 'schedule') throw new Error('not created');
  return r.schedule.id;
};

/** The old shard: an id's first two hex digits, as schedules were indexed before v7 ids. */
const oldShard = (id: string) => Number.parseInt(id.slice(0, 2), 16) % DUE_SHARDS;
/**
 * A schedule as versions before time-ordered ids wrote it: a random UUIDv4 `id` under
 * `SCHEDULE#<id>`, and while active in the due index under the shard of its first two hex digits.
 */
const older = async (sub: string, id: string, when: Date, active = false) => {
  const next = '2030-01-31';
  await doc().send(
    new PutCommand({
      TableName: table,
      Item: {
        pk: `USER#${sub}`,
        sk: `SCHEDULE#${id}`,
        ...(active ? { gsi1pk: paymentKeys.dueShard(oldShard(id)), gsi1sk: `${next}#${id}` } : {}),
        entity: 'schedule',
        ownerId: sub,
        id,
        ...rent(),
        status: active ? 'active' : 'ended',
        nextRunDate: active ? next : null,
        runsDone: active ? 0 : 1,
        ...(active ? {} : { endReason: 'completed' }),
        createdAt: when.toISOString(),
      },
    }),
  );
  // Counted among the active ones, as a creation counted it.
  if (active)
    await doc().send(
      new PutCommand({
        TableName: table,
        Item: { pk: `USER#${sub}`, sk: 'SCHEDULES', entity: 'scheduleCount', active: 1 },
      }),
    );
  return id;
};

const list = (user: string, query: Record<string, string> = {}) => call('listSchedules', { user, query });
/** Every page at `limit`, following the cursors: the ids page by page. */
const pages = async (user: string, limit: number) => {
  const out: string[][] = [];
  let cursor: string | undefined;
  do {
    const r = await list(user, { limit: String(limit), ...(cursor ? { cursor } : {}) });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    out.push(r.body.items.map((s: { id: string }) => s.id));
    cursor = r.body.nextCursor ?? undefined;
  } while (cursor && out.length < 20);
  return out;
};

describe('the scheduled-transfer list', () => {
  it('is newest first by creation, a page at a time, and schedules made before v7 ids follow by createdAt', async () => {
    const user = await newUser(table);
    // Made out of order: the ids' time is the injected instant, not the order of the calls.
    const day2 = await made(user, at(2));
    const day3 = await made(user, at(3));
    const day1 = await made(user, at(1));
    // Older ones whose keys sort against their creation: by key, newest first would be f…, 8…, 0….
    const oldest = await older(user, 'f0000000-0000-4000-8000-000000000001', at(-30));
    const middle = await older(user, '80000000-0000-4000-8000-000000000002', at(-20));
    const newest = await older(user, '00000000-0000-4000-8000-000000000003', at(-10));
    const all = [day3, day2, day1, newest, middle, oldest];

    expect(await pages(user, 2)).toEqual([
      [day3, day2],
      [day1, newest],
      [middle, oldest],
    ]);
    // A page that ends with the newest ones: the next goes on with the older ones.
    expect(await pages(user, 3)).toEqual([all.slice(0, 3), all.slice(3)]);
    // Exactly all of them: no cursor to an empty page.
    expect(await pages(user, 6)).toEqual([all]);
    expect(await pages(user, 100)).toEqual([all]);
    // The whole schedule, as GET /v1/scheduled-transfers/{id} shows it (no runs).
    const first = (await list(user, { limit: '1' })).body.items[0];
    expect(first).toEqual(
      expect.objectContaining({ id: day3, status: 'active', createdAt: at(3).toISOString() }),
    );
  });

  it('pages 25 by default and never answers a page past the last', async () => {
    const user = await newUser(table);
    const ids: string[] = [];
    for (let i = 0; i < 27; i++) ids.push(await made(user, at(i)));
    const first = await list(user);
    expect(first.status).toBe(200);
    expect(first.body.items.map((s: { id: string }) => s.id)).toEqual(ids.slice(2).reverse());
    const second = await list(user, { cursor: first.body.nextCursor });
    expect(second.body).toEqual({
      items: [expect.objectContaining({ id: ids[1] }), expect.objectContaining({ id: ids[0] })],
      nextCursor: null,
    });
    // None at all: an empty page.
    expect((await list(await newUser(table))).body).toEqual({ items: [], nextCursor: null });
  });

  it('takes a limit of 1 to 100 only', async () => {
    const user = await newUser(table);
    await made(user, at(0));
    for (const limit of ['0', '101', '-1', '1.5', 'abc', '']) {
      const r = await list(user, { limit });
      expect(r.status, limit).toBe(400);
      expect(r.body.code).toBe('validation_failed');
    }
    for (const limit of ['1', '100']) expect((await list(user, { limit })).status, limit).toBe(200);
  });

  it('refuses a cursor that was changed, another customer’s, or one it did not sign in its shape: never a page', async () => {
    const alice = await newUser(table);
    const bob = await newUser(table);
    for (let i = 0; i < 3; i++) await made(alice, at(i + 10));
    for (let i = 0; i < 3; i++) await made(bob, at(i));
    const cursor = (await list(alice, { limit: '1' })).body.nextCursor as string;
    expect(cursor).toEqual(expect.any(String));
    // Alice's own cursor goes on.
    expect((await list(alice, { limit: '1', cursor })).body.items).toHaveLength(1);

    const [payload, mac] = cursor.split('.') as [string, string];
    const flipped = `${payload.slice(0, -2)}${payload.at(-2) === 'A' ? 'B' : 'A'}${payload.at(-1)}.${mac}`;
    const signedForBob = (position: Record<string, unknown>) =>
      createCursorCodec({ current: 'test-cursor-key-of-at-least-32-characters' }).encode(
        { user: bob, account: '', filter: 'schedules' },
        position,
      );
    const refused = [
      { who: bob, cursor }, // another customer's
      { who: alice, cursor: flipped }, // changed
      { who: alice, cursor: `${cursor}x` },
      { who: alice, cursor: 'not-a-cursor' },
      // Signed, but no position of this list's.
      { who: bob, cursor: signedForBob({ pk: `USER#${alice}`, sk: 'SCHED#x' }) },
      { who: bob, cursor: signedForBob({ id: 'x', createdAt: at(0).toISOString() }) },
    ];
    for (const r of refused) {
      const answer = await list(r.who, { limit: '10', cursor: r.cursor });
      expect(answer.status, r.cursor).toBe(400);
      expect(answer.body.code).toBe('invalid_cursor');
      expect(answer.body.items).toBeUndefined();
    }
    // Even a position at one of Alice's schedules pages Bob's own: the page is read in the caller's partition.
    const alices = (await list(alice)).body.items as { id: string; createdAt: string }[];
    const top = alices[0] as { id: string; createdAt: string };
    const r = await list(bob, { cursor: signedForBob({ id: top.id, createdAt: top.createdAt }) });
    expect(r.status).toBe(200);
    expect(r.body.items).toHaveLength(3);
    for (const s of r.body.items) expect(s.id).not.toBeOneOf(alices.map((a) => a.id));
  });

  it('makes time-ordered ids that the Id schema accepts, whose time is createdAt, under SCHED#', async () => {
    const user = await newUser(table);
    const id = await made(user, at(0));
    expect(Id.safeParse(id).success).toBe(true);
    expect(id.charAt(14)).toBe('7');
    expect(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(T0);
    const item = (
      await doc().send(
        new GetCommand({
          TableName: table,
          Key: { pk: `USER#${user}`, sk: `SCHED#${id}` },
          ConsistentRead: true,
        }),
      )
    ).Item;
    expect(item).toMatchObject({ id, gsi1pk: paymentKeys.dueShard(dueShardOf(id)) });
  });

  it('lists due schedules oldest run first across the shards, not shard by shard', async () => {
    // Index entries alone (what `due` reads), dated before anything else in this table: one in the
    // first shard, due later, and one in the last, due earlier.
    const owner = `o-${randomUUID()}`;
    const entry = (shard: number, date: string) => {
      const id = `due-order-${shard}-${randomUUID()}`;
      return {
        pk: `TEST#${id}`,
        sk: 'DUE',
        ownerId: owner,
        id,
        gsi1pk: paymentKeys.dueShard(shard),
        gsi1sk: `${date}#${id}`,
      };
    };
    const later = entry(0, '2001-01-10');
    const earlier = entry(DUE_SHARDS - 1, '2001-01-01');
    for (const Item of [later, earlier]) await doc().send(new PutCommand({ TableName: table, Item }));
    expect(await store().due('2001-01-31', 1)).toEqual([
      { ownerId: owner, id: earlier.id, runDate: '2001-01-01' },
    ]);
    expect(await store().due('2001-01-31', 2)).toEqual([
      { ownerId: owner, id: earlier.id, runDate: '2001-01-01' },
      { ownerId: owner, id: later.id, runDate: '2001-01-10' },
    ]);
  });

  it('a schedule made before v7 ids is still read, found due, run, moved to its new shard and cancelled', async () => {
    const user = await newUser(table);
    // Its first two digits and its last two give different shards.
    const id = await older(user, '01000000-0000-4000-8000-000000000002', at(-5), true);
    expect(oldShard(id)).not.toBe(dueShardOf(id));
    const s = await store().mustGet(user, id);
    expect(s).toMatchObject({ id, status: 'active', nextRunDate: '2030-01-31' });
    expect(await store().due('2030-01-31', 1000)).toContainEqual({
      ownerId: user,
      id,
      runDate: '2030-01-31',
    });

    const token = await store().claim(s, '2030-01-31', T0);
    if (!token) throw new Error('not claimed');
    await store().finish(s, token, {
      runDate: '2030-01-31',
      outcome: 'failed',
      errorCode: 'insufficient_funds',
      at: at(0).toISOString(),
    });
    const after = (
      await doc().send(
        new GetCommand({ TableName: table, Key: paymentKeys.schedule(user, id), ConsistentRead: true }),
      )
    ).Item;
    expect(after).toMatchObject({
      sk: `SCHEDULE#${id}`,
      nextRunDate: '2030-02-28',
      gsi1pk: paymentKeys.dueShard(dueShardOf(id)),
      gsi1sk: `2030-02-28#${id}`,
    });
    expect(await store().due('2030-02-28', 1000)).toContainEqual({
      ownerId: user,
      id,
      runDate: '2030-02-28',
    });

    const cancelled = await call('cancelSchedule', { user, params: { id } });
    expect(cancelled.body).toMatchObject({ id, status: 'cancelled' });
    expect((await store().due('2030-12-31', 1000)).map((e) => e.id)).not.toContain(id);
    expect((await list(user)).body.items).toEqual([expect.objectContaining({ id, status: 'cancelled' })]);
  });
});
