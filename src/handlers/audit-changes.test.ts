import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestTable, dynamoClients, emulators, useHandlerEnv } from '../../test/harness.ts';
import { captureLogs } from '../../test/logs.ts';
import { AUDIT_CHANGED } from '../domain/audit.ts';
import { LOCAL_REGION } from '../local/bootstrap.ts';
import { type StreamPoller, startStreamPoller } from '../local/streams.ts';
import { AuditStore, auditEntry } from '../store/audit.ts';
import { auditKeys } from '../store/keys.ts';
import { processRecords } from './stream.ts';

// Audit records changed or deleted, through the local stream poller with the `stream` function's
// filters from the registry and its own handler (as `npm start` runs it): it is given a change or a
// delete of an audit item, and logs each at ERROR (the line the CDK app alarms on); an append it may be
// given too (a security notice's source), and logs nothing of it.
let table: string;
let store: AuditStore;
let poller: StreamPoller;
let restore: () => void;
const given: DynamoDBRecord[] = [];
let logs = '';
const db = () => dynamoClients().doc;

beforeAll(async () => {
  table = await createTestTable('audit-changes', { stream: true });
  restore = useHandlerEnv({ TABLE_NAME: table });
  store = new AuditStore(db(), table);
  poller = await startStreamPoller({
    dynamodbEndpoint: emulators().dynamodbEndpoint,
    tableName: table,
    region: LOCAL_REGION,
    functions: ['stream'],
    handlers: {
      stream: async (event: DynamoDBStreamEvent) => {
        given.push(...event.Records);
        const { result, logs: lines } = await captureLogs(() => processRecords(event.Records));
        logs += lines;
        return result;
      },
    },
    pollMs: 20,
  });
});
afterAll(() => {
  poller?.stop();
  restore?.();
});

const entry = (subjectId: string) =>
  auditEntry({
    actor: { userId: 'staff-1', role: 'admin', sourceIp: '203.0.113.7' },
    action: 'account_frozen',
    subject: { type: 'account', id: subjectId },
    reason: 'fraud check',
    outcome: 'succeeded',
    requestId: 'req-1',
  });

/** The log lines the watch wrote for this subject's records. */
const linesOf = (subject: string) =>
  logs
    .split('\n')
    .filter((l) => l.includes(auditKeys.chainOf(subject)))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('audit records changed or deleted (the stream function)', () => {
  it('is given a rewritten record and a deleted one, and logs each at ERROR with its keys and hashes', async () => {
    const subject = randomUUID();
    const first = await store.append(entry(subject));
    const second = await store.append(entry(subject));
    const key1 = auditKeys.record(subject, 1);
    const key2 = auditKeys.record(subject, 2);
    // What a role allowed to put an audit item could do: put its own version over a record.
    const stored = (await db().send(new GetCommand({ TableName: table, Key: key1 }))).Item ?? {};
    await db().send(
      new PutCommand({ TableName: table, Item: { ...stored, reason: 'routine', hash: 'f'.repeat(64) } }),
    );
    await db().send(new DeleteCommand({ TableName: table, Key: key2 }));
    const lines = await vi.waitFor(
      () => {
        const found = linesOf(subject);
        expect(found).toHaveLength(2);
        return found;
      },
      { timeout: 10_000, interval: 20 },
    );
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        message: AUDIT_CHANGED,
        change: 'modified',
        ...key1,
        seq: '1',
        hashBefore: first.hash,
        hashAfter: 'f'.repeat(64),
      }),
      expect.objectContaining({
        level: 'ERROR',
        message: AUDIT_CHANGED,
        change: 'removed',
        ...key2,
        seq: '2',
        hashBefore: second.hash,
      }),
    ]);
  });

  it('logs no append (given, for the security notices: nothing of it is logged), nor is given a change of an item its filters do not name', async () => {
    const subject = randomUUID();
    await store.append(entry(subject));
    const other = { pk: `ACCOUNT#${subject}`, sk: 'POSTING#1' };
    await db().send(new PutCommand({ TableName: table, Item: { ...other, entity: 'posting', n: 0 } }));
    await db().send(
      new UpdateCommand({
        TableName: table,
        Key: other,
        UpdateExpression: 'SET n = :n',
        ExpressionAttributeValues: { ':n': 1 },
      }),
    );
    // A change the watch is given, written last: once it arrives, what came before it has been read.
    const marker = randomUUID();
    await store.append(entry(marker));
    await db().send(new DeleteCommand({ TableName: table, Key: auditKeys.record(marker, 1) }));
    await vi.waitFor(() => expect(linesOf(marker)).toHaveLength(1), { timeout: 10_000, interval: 20 });
    // An append may be given (the stream function derives security notices from some:
    // src/domain/security-notices.ts); the posting never.
    const mine = given.filter((r) => JSON.stringify(r.dynamodb?.Keys).includes(subject));
    expect(
      mine.filter((r) => r.eventName !== 'INSERT' || r.dynamodb?.NewImage?.entity?.S !== 'audit'),
    ).toEqual([]);
    expect(linesOf(subject)).toEqual([]);
  });
});
