import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { failingTransactions, putSentTwice, timeout } from '../../test/faults.ts';
import { createTestTable, dynamoClients, emulators } from '../../test/harness.ts';
import { GENESIS_HASH, verifyChain } from '../domain/audit.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local/bootstrap.ts';
import {
  AUDIT_PIECE,
  AuditStore,
  auditEntry,
  auditMoved,
  refusedBesidesAudit,
  verifyAudit,
} from './audit.ts';
import { transact } from './db.ts';
import * as keys from './item-keys.ts';
import { auditKeys } from './keys.ts';

let table: string;
let store: AuditStore;
const db = () => dynamoClients().doc;

const entry = (subjectId: string, action = 'login_succeeded', actor = 'u-actor') =>
  auditEntry({
    actor: { userId: actor, role: 'customer', sourceIp: '203.0.113.7' },
    action,
    subject: { type: 'user', id: subjectId },
    outcome: 'succeeded',
    requestId: 'req-1',
  });

/** A change to record with its audit record: the customer disabled (on `cond`, if given). */
const disabling = (subject: string, cond?: string) => ({
  name: 'status' as const,
  item: {
    Update: {
      TableName: table,
      Key: keys.security(subject),
      UpdateExpression: 'SET disabledAt = :at',
      ...(cond ? { ConditionExpression: cond } : {}),
      ExpressionAttributeValues: { ':at': '2026-01-01T00:00:00.000Z' },
    },
  },
});

beforeAll(async () => {
  table = await createTestTable('audit');
  store = new AuditStore(db(), table);
});

describe('AuditStore', () => {
  it('appends records as a chain per subject: seq 1..n, each linked to the one before', async () => {
    const subject = randomUUID();
    const a = await store.append(entry(subject, 'login_failed'));
    const b = await store.append(entry(subject, 'login_succeeded'));
    expect(a.seq).toBe(1);
    expect(a.prevHash).toBe(GENESIS_HASH);
    expect(b.seq).toBe(2);
    expect(b.prevHash).toBe(a.hash);
    expect(verifyChain(subject, [a, b])).toEqual([]);
    // Another subject has a chain of its own (no global head).
    expect((await store.append(entry(randomUUID()))).seq).toBe(1);
    const page = await store.bySubject(subject, { limit: 10 });
    expect(page.items.map((r) => r.seq)).toEqual([2, 1]);
    const item = await db().send(new GetCommand({ TableName: table, Key: auditKeys.record(subject, 1) }));
    expect(item.Item?.expiresAt).toBeUndefined();
  });

  it('never forks a chain: 20 appends to one subject at once are numbered 1..20 and verify', async () => {
    const subject = randomUUID();
    const records = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.append(entry(subject, `e${i}`))),
    );
    expect(records.map((r) => r.seq).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    const chain = (await store.bySubject(subject, { limit: 100 })).items.reverse();
    expect(chain).toHaveLength(20);
    expect(verifyChain(subject, chain)).toEqual([]);
  });

  it('commits a record in the same transaction as the change it records, or not at all', async () => {
    const subject = randomUUID();
    const change = (cond: string) => disabling(subject, cond);
    const refused = await store.transact(entry(subject, 'customer_disabled'), [
      change('attribute_exists(pk)'),
    ]);
    expect(refused.ok).toBe(false);
    expect(await store.head(subject)).toBeUndefined();
    const ok = await store.transact(entry(subject, 'customer_disabled'), [
      change('attribute_not_exists(pk)'),
    ]);
    expect(ok.ok).toBe(true);
    expect((await store.head(subject))?.action).toBe('customer_disabled');
  });

  it('a piece built on a stale head fails alone, by name, and is built again on the new head', async () => {
    const subject = randomUUID();
    const stale = await store.piece(entry(subject, 'first'));
    await store.append(entry(subject, 'raced'));
    const r = await transact(db(), [stale]);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.failed[AUDIT_PIECE]?.code).toBe('ConditionalCheckFailed');
      expect(auditMoved(r.failed)).toBe(true);
      expect(refusedBesidesAudit(r.failed)).toEqual([]);
    }
    const again = await transact(db(), [await store.piece(entry(subject, 'first'))]);
    expect(again.ok).toBe(true);
    expect((await store.head(subject))?.seq).toBe(2);
  });

  it('refusedBesidesAudit: the pieces whose condition failed, the moved chain left out', () => {
    const ccf = { code: 'ConditionalCheckFailed' };
    expect(refusedBesidesAudit({ status: ccf, [AUDIT_PIECE]: ccf })).toEqual(['status']);
    expect(refusedBesidesAudit({ status: ccf, other: { code: 'TransactionConflict' } })).toEqual(['status']);
    expect(auditMoved({ status: ccf, [AUDIT_PIECE]: ccf })).toBe(false);
  });

  it('an append whose Put committed but lost its answer is not appended again', async () => {
    const subject = randomUUID();
    await store.append(entry(subject, 'before'));
    const lossy = failingTransactions(db(), 1, timeout, 'after', 'PutCommand');
    const e = entry(subject, 'login_failed');
    const r = await new AuditStore(lossy, table).append(e);
    expect(lossy.injected).toBe(1);
    expect(r).toMatchObject({ id: e.id, seq: 2 });
    const chain = (await store.bySubject(subject, { limit: 10 })).items;
    expect(chain.map((x) => [x.seq, x.action])).toEqual([
      [2, 'login_failed'],
      [1, 'before'],
    ]);
  });

  it('an append whose Put the SDK sent again after a lost answer is not appended twice', async () => {
    const subject = randomUUID();
    const twice = putSentTwice(db());
    const e = entry(subject, 'login_failed');
    const r = await new AuditStore(twice, table).append(e);
    expect(twice.injected).toBe(1);
    expect(r).toMatchObject({ id: e.id, seq: 1 });
    expect((await store.bySubject(subject, { limit: 10 })).items.map((x) => x.id)).toEqual([e.id]);
  });

  it('a change committed with its record, its answer lost, is recorded once', async () => {
    const subject = randomUUID();
    await store.append(entry(subject, 'before'));
    const lossy = failingTransactions(db(), 1, timeout, 'after');
    const e = entry(subject, 'customer_disabled');
    const r = await new AuditStore(lossy, table).transact(e, [disabling(subject)]);
    expect(lossy.injected).toBe(1);
    expect(r.ok).toBe(true);
    const chain = (await store.bySubject(subject, { limit: 10 })).items;
    expect(chain.map((x) => [x.seq, x.action])).toEqual([
      [2, 'customer_disabled'],
      [1, 'before'],
    ]);
    expect(verifyChain(subject, [...chain].reverse())).toEqual([]);
  });

  it('lists by actor in time order, newest first, filtered by time and paged', async () => {
    const actor = randomUUID();
    const subjects = [randomUUID(), randomUUID(), randomUUID()];
    const made = [];
    for (const [i, s] of subjects.entries())
      made.push(await store.append({ ...entry(s, `a${i}`, actor), at: `2026-03-0${i + 1}T00:00:00.000Z` }));
    const first = await store.byActor(actor, { limit: 2 });
    expect(first.items.map((r) => r.action)).toEqual(['a2', 'a1']);
    expect(first.last).toBeDefined();
    const second = await store.byActor(actor, { limit: 2, start: first.last });
    expect(second.items.map((r) => r.action)).toEqual(['a0']);
    expect(second.last).toBeUndefined();
    const ranged = await store.byActor(actor, {
      limit: 10,
      from: '2026-03-02T00:00:00.000Z',
      to: '2026-03-02T23:59:59.999Z',
    });
    expect(ranged.items.map((r) => r.action)).toEqual(['a1']);
    expect(
      (await store.byActor(actor, { limit: 10, subjectId: subjects[0] })).items.map((r) => r.action),
    ).toEqual(['a0']);
  });
});

describe('verify-audit', () => {
  const run = (tableName: string) =>
    promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, '..', 'local', 'verify-audit.ts')],
      {
        env: {
          ...process.env,
          TABLE_NAME: tableName,
          BANK_DATA_DIR: '',
          AWS_ENDPOINT_URL_DYNAMODB: emulators().dynamodbEndpoint,
          AWS_REGION: LOCAL_REGION,
          AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        },
      },
    ).then(
      (r) => ({ code: 0, out: r.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
    );

  it('passes intact chains, and exits 1 when one record is altered through the SDK', async () => {
    const t = await createTestTable('audit-verify');
    const s = new AuditStore(db(), t);
    const subject = randomUUID();
    for (let i = 0; i < 3; i++) await s.append(entry(subject, `e${i}`));
    await s.append(entry(randomUUID()));
    const clean = await run(t);
    expect(clean.out).toContain('2 chains, 4 records');
    expect(clean.code).toBe(0);

    await db().send(
      new UpdateCommand({
        TableName: t,
        Key: auditKeys.record(subject, 2),
        UpdateExpression: 'SET outcome = :o',
        ExpressionAttributeValues: { ':o': 'failed' },
      }),
    );
    const altered = await run(t);
    expect(altered.code).toBe(1);
    expect(altered.out).toContain(`${subject}#2: altered`);
  }, 60_000);

  it('finds a record overwritten to leave its actor\u2019s list, its hashed fields unchanged', async () => {
    const t = await createTestTable('audit-index');
    const s = new AuditStore(db(), t);
    const subject = randomUUID();
    for (const action of ['account_frozen', 'teller_deposit'])
      await s.append(entry(subject, action, 'staff-1'));
    expect((await verifyAudit(db(), t)).ok).toBe(true);
    // The teller deposit moved off staff-1's list: "what did this member of staff do" no longer shows it.
    await db().send(
      new UpdateCommand({
        TableName: t,
        Key: auditKeys.record(subject, 2),
        UpdateExpression: 'SET gsi1pk = :other',
        ExpressionAttributeValues: { ':other': auditKeys.byActor('somebody-else') },
      }),
    );
    expect((await s.byActor('staff-1', { limit: 10 })).items.map((r) => r.action)).toEqual([
      'account_frozen',
    ]);
    const r = await verifyAudit(db(), t);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([`${subject}#2: not listed under its actor (its index keys were changed)`]);
  });

  it('finds a gap where a record was deleted', async () => {
    const t = await createTestTable('audit-gap');
    const s = new AuditStore(db(), t);
    const subject = randomUUID();
    for (let i = 0; i < 3; i++) await s.append(entry(subject, `e${i}`));
    expect((await verifyAudit(db(), t)).ok).toBe(true);
    await db().send(new DeleteCommand({ TableName: t, Key: auditKeys.record(subject, 2) }));
    const r = await verifyAudit(db(), t);
    expect(r.ok).toBe(false);
    expect(r.problems.join('\n')).toMatch(/gap, record 2 is missing/);
  });
});
