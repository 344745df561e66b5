/**
 * A schedule read with its runs while its runner records one: the answer never lists a run that the
 * schedule it shows does not count (a CI run of the web journey saw "0 of 2 done" above a paid run).
 * The run is recorded between the read's two requests, whichever comes first.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { rent } from '../../test/banking.ts';
import { withWriteBetween } from '../../test/faults.ts';
import { createTestTable, dynamoClients } from '../../test/harness.ts';
import { createDocumentClient, type Db } from './db.ts';
import { IdempotencyStore } from './idempotency.ts';
import { ScheduleStore } from './schedules.ts';

let db: Db;
let table: string;
beforeAll(async () => {
  db = createDocumentClient(dynamoClients().client);
  table = await createTestTable('schedule-read');
});

const storeOn = (d: Db) => new ScheduleStore(d, table, new IdempotencyStore(d, table, 48 * 3600));

describe('a schedule with its runs', () => {
  it('counts every run it lists, though one is recorded between the two reads', async () => {
    const sub = `u-${randomUUID()}`;
    const store = storeOn(db);
    const made = await store.create(sub, rent(), { key: 'k', fingerprint: 'f' });
    if (made.kind !== 'schedule') throw new Error('not created');
    const s = await store.mustGet(sub, made.schedule.id);
    const token = (await store.claim(s, '2030-01-31', Date.now())) as string;
    expect(token).toBeDefined();
    const reader = withWriteBetween(db, async () => {
      await store.finish(s, token, {
        runDate: '2030-01-31',
        outcome: 'succeeded',
        transactionId: 't1',
        at: new Date().toISOString(),
      });
    });
    const read = await storeOn(reader).withRuns(sub, s.id);
    expect(reader.ran).toBe(true);
    expect(read.schedule.runsDone).toBeGreaterThanOrEqual(read.runs.length);
    // Read again, both show the run.
    const after = await store.withRuns(sub, s.id);
    expect(after.runs).toHaveLength(1);
    expect(after.schedule.runsDone).toBe(1);
  });

  it('is not found for another customer, though its runs are asked for first', async () => {
    const sub = `u-${randomUUID()}`;
    const store = storeOn(db);
    const made = await store.create(sub, rent(), { key: 'k', fingerprint: 'f' });
    if (made.kind !== 'schedule') throw new Error('not created');
    const e = await store.withRuns(`u-${randomUUID()}`, made.schedule.id).catch((x) => x);
    expect(e).toMatchObject({ code: 'not_found' });
  });
});
