/**
 * The offline IAM (src/local/iam.ts) on DynamoDB Local: a function's calls are refused, as AWS
 * refuses them, when its registry entry does not declare them; calls outside any function pass.
 */

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AdminGetUserCommand, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { DescribeStreamCommand, DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestTable, createTestUserPool, dynamoClients, useHandlerEnv } from '../../test/harness.ts';
import { buildEvent } from '../api/event.ts';
import { routeKey, routes } from '../api/routes.ts';
import { type FunctionDef, functions } from '../functions.ts';
import { db } from '../handlers/context.ts';
import { LOCAL_REGION } from './bootstrap.ts';
import { contextFor, loadHandler } from './functions.ts';
import {
  emulateIam,
  emulateIamEverywhere,
  IAM_MIDDLEWARE,
  queryPartitionOf,
  refusal,
  requestsOf,
  runAs,
  runningFunction,
} from './iam.ts';
import { LocalSecretsProvider } from './secrets.ts';

let table: string;
let client: ReturnType<typeof dynamoClients>['client'];
let doc: ReturnType<typeof dynamoClients>['doc'];

beforeAll(async () => {
  ({ client, doc } = dynamoClients());
  table = await createTestTable('iam');
  emulateIam(client);
  emulateIamEverywhere();
});

const denied = { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } };
/** A write's attribute names (dynamodb:Attributes) that carry no index's keys. */
const attributes = ['pk', 'sk', 'entity'];

describe('offline IAM', () => {
  it('refuses an action the running function does not declare, and lets the declared one through', async () => {
    const put = new PutCommand({ TableName: table, Item: { pk: 'ACCOUNT#x', sk: 'A', n: 1 } });
    // accounts-read reads: no PutItem.
    expect(functions['accounts-read'].sdkActions).not.toContain('dynamodb:PutItem');
    await expect(runAs('accounts-read', () => doc.send(put))).rejects.toMatchObject(denied);
    expect(
      (await doc.send(new GetCommand({ TableName: table, Key: { pk: 'ACCOUNT#x', sk: 'A' } }))).Item,
    ).toBe(undefined);
    // money declares PutItem; outside any function nothing is checked.
    await runAs('money', () => doc.send(put));
    await doc.send(put);
    const read = await runAs('accounts-read', () =>
      doc.send(new GetCommand({ TableName: table, Key: { pk: 'ACCOUNT#x', sk: 'A' } })),
    );
    expect(read.Item?.n).toBe(1);
  });

  it('checks each item of a transaction, and a query on the index as its own action', async () => {
    const tx = new TransactWriteCommand({
      TransactItems: [
        { Put: { TableName: table, Item: { pk: 'JOURNAL#t', sk: 'J' } } },
        { Delete: { TableName: table, Key: { pk: 'ACCOUNT#x', sk: 'A' } } },
      ],
    });
    expect(requestsOf('TransactWriteItemsCommand', tx.input as never).map((r) => r.action)).toEqual([
      'dynamodb:PutItem',
      'dynamodb:DeleteItem',
    ]);
    // The settler may delete, but only credits: the account item is outside its partitions.
    await expect(runAs('settler', () => doc.send(tx))).rejects.toMatchObject(denied);
    expect(
      (await doc.send(new GetCommand({ TableName: table, Key: { pk: 'ACCOUNT#x', sk: 'A' } }))).Item,
    ).toBeDefined();
    await runAs('settler', () =>
      doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: table, Item: { pk: 'JOURNAL#t', sk: 'J' } } },
            { Delete: { TableName: table, Key: { pk: 'CREDIT#x', sk: 'IN#1' } } },
          ],
        }),
      ),
    );
    const onIndex = new QueryCommand({
      TableName: table,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': 'none' },
    });
    // statements queries the table, never the index.
    expect(functions.statements.sdkActions).toContain('dynamodb:Query');
    await expect(runAs('statements', () => doc.send(onIndex))).rejects.toMatchObject(denied);
    await runAs('sweep', () => doc.send(onIndex));
  });

  it('keeps audit items append-only, and their puts to functions with audit:write', () => {
    expect(refusal('admin', { action: 'dynamodb:UpdateItem', pk: 'AUDIT#u1' })).toMatch(/append-only/);
    expect(refusal('admin', { action: 'dynamodb:UpdateItem', pk: 'USER#u1', attributes })).toBeUndefined();
    expect(refusal('admin', { action: 'dynamodb:PutItem', pk: 'AUDIT#u1', attributes })).toBeUndefined();
    expect(functions.money.permissions).not.toContain('audit:write');
    expect(refusal('money', { action: 'dynamodb:PutItem', pk: 'AUDIT#u1' })).toMatch(/audit:write/);
    // audit:write without table:write (admin-accounts: its audited refusals) puts audit items only.
    expect(
      refusal('admin-accounts', { action: 'dynamodb:PutItem', pk: 'AUDIT#u1', attributes }),
    ).toBeUndefined();
    expect(refusal('admin-accounts', { action: 'dynamodb:PutItem', pk: 'ACCOUNT#a' })).toMatch(/table:write/);
    expect(refusal('notifier', { action: 'dynamodb:DeleteItem', pk: 'EMAIL#e' })).toBeUndefined();
    expect(refusal('notifier', { action: 'dynamodb:DeleteItem', pk: 'JOURNAL#j' })).toMatch(/delete only/);
    expect(refusal('notifier', { action: 'dynamodb:DeleteItem' })).toMatch(/delete only/);
  });

  it('keeps the reads of a function that declares its read partitions in them, as IAM does (BatchGetItem per key)', () => {
    expect(refusal('dispatcher', { action: 'dynamodb:GetItem', pk: 'USER#u' })).toBeUndefined();
    expect(refusal('dispatcher', { action: 'dynamodb:GetItem', pk: 'WEBHOOK#w' })).toBeUndefined();
    expect(refusal('dispatcher', { action: 'dynamodb:GetItem', pk: 'JOURNAL#j' })).toMatch(
      /read only in USER#, WEBHOOK#/,
    );
    expect(refusal('dispatcher', { action: 'dynamodb:GetItem' })).toMatch(/read only in/);
    // Its index queries are not table reads: its delivery index's, never gsi1's.
    expect(refusal('dispatcher', { action: 'dynamodb:Query@dlv' })).toBeUndefined();
    expect(refusal('dispatcher', { action: 'dynamodb:Query@gsi1' })).toMatch(/does not declare/);
    const batch = requestsOf('BatchGetItemCommand', {
      RequestItems: {
        [table]: {
          Keys: [
            { pk: { S: 'USER#u' }, sk: { S: 'PROFILE' } },
            { pk: { S: 'LOGIN#a@example.com' }, sk: { S: 'LOGIN' } },
          ],
        },
      },
    } as never);
    expect(batch).toEqual([
      { action: 'dynamodb:BatchGetItem', pk: 'USER#u' },
      { action: 'dynamodb:BatchGetItem', pk: 'LOGIN#a@example.com' },
    ]);
    expect(batch.map((r) => refusal('notifier', r))).toEqual([
      undefined,
      expect.stringMatching(/read only in/),
    ]);
    expect(refusal('notifier', { action: 'dynamodb:GetItem', pk: 'EMAIL#e' })).toBeUndefined();
    // A function that declares none reads the whole table (every function that reads the table declares
    // them now: profile's are taken away for this check).
    const def = functions.profile as unknown as { readPartitions?: readonly string[] };
    const declared = def.readPartitions;
    try {
      delete def.readPartitions;
      expect(refusal('profile', { action: 'dynamodb:GetItem', pk: 'LOGIN#a@example.com' })).toBeUndefined();
    } finally {
      if (declared) def.readPartitions = declared;
    }
    expect(refusal('profile', { action: 'dynamodb:GetItem', pk: 'LOGIN#a@example.com' })).toMatch(
      /read only in/,
    );
  });

  it("reads a table Query's partition from its key condition (pk's equality, either way round, beside a sort key condition)", () => {
    const values = { ':pk': 'USER#u', ':s': 'PAYEE#', ':lo': 'TX#1', ':hi': 'TX#2' };
    const partition = (KeyConditionExpression: string, more: Record<string, unknown> = {}) =>
      queryPartitionOf({ KeyConditionExpression, ExpressionAttributeValues: values, ...more } as never);
    expect(partition('pk = :pk')).toBe('USER#u');
    expect(partition('pk = :pk AND begins_with(sk, :s)')).toBe('USER#u');
    expect(partition('  pk=:pk   and   sk BETWEEN :lo and :hi ')).toBe('USER#u');
    // Through ExpressionAttributeNames (store/history.ts), the sort key's BETWEEN ... AND ... included.
    expect(
      partition('#pk = :pk AND #sk BETWEEN :lo AND :hi', {
        ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
      }),
    ).toBe('USER#u');
    // Reversed operands, the partition's clause second, parentheses.
    expect(partition(':pk = pk')).toBe('USER#u');
    expect(partition('sk BETWEEN :lo AND :hi AND :pk = pk')).toBe('USER#u');
    expect(partition('(pk = :pk) AND (sk <= :hi)')).toBe('USER#u');
    expect(partition('((pk = :pk AND sk > :lo))')).toBe('USER#u');
    // Marshalled values (a DynamoDBClient's own commands) as the DocumentClient's.
    expect(
      queryPartitionOf({
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'ACCOUNT#a' } },
      }),
    ).toBe('ACCOUNT#a');
    // requestsOf gives it to a Query of the table, never to one of an index (another key's values).
    expect(
      requestsOf('QueryCommand', {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)',
        ExpressionAttributeValues: values,
      }),
    ).toEqual([{ action: 'dynamodb:Query', pk: 'USER#u' }]);
    expect(
      requestsOf('QueryCommand', {
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: values,
      }),
    ).toEqual([{ action: 'dynamodb:Query@gsi1' }]);
  });

  it('reads no partition from a key condition it cannot read for certain: such a Query is refused, never allowed', () => {
    const values = { ':pk': 'USER#u', ':other': 'JOURNAL#j', ':s': 'A', ':n': 1 };
    const partition = (KeyConditionExpression: string | undefined, more: Record<string, unknown> = {}) =>
      queryPartitionOf({ KeyConditionExpression, ExpressionAttributeValues: values, ...more } as never);
    for (const expression of [
      undefined,
      '',
      'pk = :pk OR pk = :other',
      'NOT pk = :other',
      'pk IN (:pk, :other)',
      'pk = :pk AND pk = :other',
      'begins_with(pk, :pk)',
      'pk <> :other',
      'pk > :pk',
      'pk = sk',
      'pk = pk',
      'sk = :s',
      'pk = :pk AND',
      'pk = :pk)',
      '(pk = :pk',
      'pk = :pk sk = :s',
      'pk = :pk AND size(sk) > :n',
      'pk.a = :pk',
      'pk = :pk; sk = :s',
      // A placeholder not given, or not a string.
      'pk = :missing',
      'pk = :n',
      // A name not given, or naming another attribute than the table's partition key.
      '#pk = :pk',
      'pk = :pk AND #sk > :s',
    ])
      expect(partition(expression), String(expression)).toBeUndefined();
    expect(partition('#pk = :other', { ExpressionAttributeNames: { '#pk': 'gsi1pk' } })).toBeUndefined();
    expect(
      queryPartitionOf({
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { N: '1' } },
      }),
    ).toBeUndefined();
    // The legacy KeyConditions parameter is not read either.
    expect(
      requestsOf('QueryCommand', {
        KeyConditions: { pk: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'USER#u' }] } },
      } as never),
    ).toEqual([{ action: 'dynamodb:Query' }]);
  });

  it('keeps the queries of a function that declares its read partitions in them, on DynamoDB Local too', async () => {
    // profile queries the table: given other read partitions for this test.
    const def = functions.profile as unknown as { readPartitions?: readonly string[] };
    const declared = def.readPartitions;
    const query = (KeyConditionExpression: string, pk: string, names?: Record<string, string>) =>
      new QueryCommand({
        TableName: table,
        KeyConditionExpression,
        ExpressionAttributeValues: {
          ':pk': pk,
          ...(/:lo/.test(KeyConditionExpression) ? { ':lo': 'A', ':hi': 'Z' } : {}),
        },
        ...(names ? { ExpressionAttributeNames: names } : {}),
      });
    await doc.send(new PutCommand({ TableName: table, Item: { pk: 'ACCOUNT#q', sk: 'A' } }));
    await doc.send(new PutCommand({ TableName: table, Item: { pk: 'JOURNAL#q', sk: 'J' } }));
    try {
      def.readPartitions = ['ACCOUNT#'];
      expect(refusal('profile', { action: 'dynamodb:Query', pk: 'ACCOUNT#a' })).toBeUndefined();
      expect(refusal('profile', { action: 'dynamodb:Query', pk: 'JOURNAL#j' })).toMatch(
        /read only in ACCOUNT#/,
      );
      expect(refusal('profile', { action: 'dynamodb:Query' })).toMatch(/read only in ACCOUNT#/);
      expect(
        (await runAs('profile', () => doc.send(query('pk = :pk AND sk BETWEEN :lo AND :hi', 'ACCOUNT#q'))))
          .Items,
      ).toHaveLength(1);
      await runAs('profile', () =>
        doc.send(query('#p = :pk AND #s BETWEEN :lo AND :hi', 'ACCOUNT#q', { '#p': 'pk', '#s': 'sk' })),
      );
      await expect(runAs('profile', () => doc.send(query('pk = :pk', 'JOURNAL#q')))).rejects.toMatchObject(
        denied,
      );
      // Outside any function nothing is checked.
      expect((await doc.send(query('pk = :pk', 'JOURNAL#q'))).Items).toHaveLength(1);
    } finally {
      if (declared === undefined) delete def.readPartitions;
      else def.readPartitions = declared;
    }
    expect(def.readPartitions).toBe(declared);
  });

  it('keeps auth, which anyone reaches, writing in the login\u2019s partitions and its audit records alone', () => {
    for (const pk of ['USER#u', 'LOGIN#a@example.com', 'REFRESH#h', 'MFA#h', 'MFAAUTH#h'])
      for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem'])
        expect(refusal('auth', { action, pk, attributes }), `${action} ${pk}`).toBeUndefined();
    for (const pk of ['JOURNAL#j', 'ACCOUNT#a', 'CREDIT#a', 'SYSTEM#cash-in#USD#00', 'IDEM#u#k', 'EMAIL#e'])
      expect(refusal('auth', { action: 'dynamodb:PutItem', pk }), pk).toMatch(/write only in/);
    // Its audit records: put (audit:write), never updated.
    expect(refusal('auth', { action: 'dynamodb:PutItem', pk: 'AUDIT#u', attributes })).toBeUndefined();
    expect(refusal('auth', { action: 'dynamodb:UpdateItem', pk: 'AUDIT#u' })).toMatch(/append-only/);
  });

  // Each one's writes, as its code makes them (src/functions.ts): its puts and updates there pass, and
  // no write elsewhere (a journal, a balance, a system shard, a credit, a login's counters) does.
  it.each([
    ['profile', ['USER#u', 'LOGIN#a@example.com']],
    ['accounts-write', ['USER#u', 'ACCTNUM#12345678', 'ACCTID#a']],
    ['money', ['USER#u', 'JOURNAL#j', 'ACCOUNT#a', 'CREDIT#a']],
    ['sweep', ['USER#u', 'JOURNAL#j', 'ACCOUNT#a', 'WEBHOOK#w']],
    ['payees', ['USER#u', 'JOURNAL#j']],
    ['schedules-api', ['USER#u', 'JOURNAL#j']],
    ['scheduled-transfers', ['USER#u', 'JOURNAL#j', 'ACCOUNT#a', 'CREDIT#a']],
    ['webhooks-api', ['USER#u', 'JOURNAL#j', 'WEBHOOK#w']],
    ['admin', ['USER#u', 'LOGIN#a@example.com']],
    ['admin-money', ['USER#u', 'JOURNAL#j', 'ACCOUNT#a']],
    ['settler', ['USER#u', 'JOURNAL#j']],
  ] as const)('keeps %s writing in its partitions alone', (fn, mine) => {
    const writes = functions[fn].sdkActions.filter(
      (a) => a === 'dynamodb:PutItem' || a === 'dynamodb:UpdateItem',
    );
    for (const pk of mine)
      for (const action of writes)
        expect(refusal(fn, { action, pk, attributes }), `${action} ${pk}`).toBeUndefined();
    const elsewhere = [
      'JOURNAL#j',
      'ACCOUNT#a',
      'ACCTNUM#12345678',
      'ACCTID#a',
      'CREDIT#a',
      'SYSTEM#cash-in#USD#00',
      'IDEM#u#k',
      'LOGIN#a@example.com',
      'REFRESH#h',
      'MFAAUTH#h',
      'WEBHOOK#w',
      'EMAIL#e',
    ].filter((pk) => !mine.some((m) => pk.startsWith(m.split('#')[0] as string)));
    for (const pk of elsewhere)
      for (const action of writes)
        expect(refusal(fn, { action, pk }), `${action} ${pk}`).toMatch(/write only in/);
  });

  // Each one's reads of the table, as its code makes them (src/functions.ts readPartitions): its gets
  // and queries there pass, and none elsewhere (a journal, a login's counters, an MFA proof, the audit
  // trail), nor a query whose partition its key condition does not say for certain.
  it.each([
    ['auth', ['USER#u', 'LOGIN#a@example.com', 'REFRESH#h', 'AUDIT#u']],
    ['profile', ['USER#u', 'AUDIT#u']],
    ['accounts-read', ['USER#u', 'ACCOUNT#a', 'CREDIT#a', 'JOURNAL#j']],
    ['accounts-write', ['USER#u', 'CREDIT#a']],
    ['money', ['USER#u', 'JOURNAL#j', 'IDEM#u#k', 'ACCTNUM#12345678']],
    ['sweep', ['USER#u', 'JOURNAL#j', 'CREDIT#a']],
    ['statements', ['USER#u', 'ACCOUNT#a', 'MONTHSUM#a']],
    ['statement-files', ['USER#u', 'ACCOUNT#a', 'STMTFILE#statements/a/2026-10.v2.pdf']],
    ['payees', ['USER#u', 'ACCTNUM#12345678', 'JOURNAL#j', 'IDEM#u#k']],
    ['schedules-api', ['USER#u', 'JOURNAL#j', 'IDEM#u#k', 'ACCTNUM#12345678']],
    ['scheduled-transfers', ['USER#u', 'JOURNAL#j', 'IDEM#u#k', 'ACCTNUM#12345678']],
    ['events-api', ['USER#u']],
    ['webhooks-api', ['USER#u', 'JOURNAL#j', 'IDEM#u#k', 'WEBHOOK#w']],
    ['stream', ['USER#u']],
    ['admin', ['USER#u', 'MFAAUTH#h', 'LOGIN#a@example.com', 'AUDIT#u']],
    [
      'admin-accounts',
      [
        'USER#u',
        'MFAAUTH#h',
        'ACCTID#a',
        'ACCTNUM#12345678',
        'ACCOUNT#a',
        'CREDIT#a',
        'JOURNAL#j',
        'AUDIT#u',
      ],
    ],
    ['admin-money', ['USER#u', 'MFAAUTH#h', 'ACCTID#a', 'JOURNAL#j', 'IDEM#u#k', 'AUDIT#u']],
    ['settler', ['USER#u', 'CREDIT#a', 'JOURNAL#j']],
  ] as const)('keeps %s reading in its partitions alone', (fn, mine) => {
    const reads = (functions[fn].sdkActions as readonly string[]).filter(
      (a) => a === 'dynamodb:GetItem' || a === 'dynamodb:Query' || a === 'dynamodb:BatchGetItem',
    );
    expect(reads).toContain('dynamodb:Query');
    for (const pk of mine)
      for (const action of reads) expect(refusal(fn, { action, pk }), `${action} ${pk}`).toBeUndefined();
    const elsewhere = [
      'JOURNAL#j',
      'ACCOUNT#a',
      'ACCTNUM#12345678',
      'ACCTID#a',
      'CREDIT#a',
      'SYSTEM#cash-in#USD#00',
      'IDEM#u#k',
      'LOGIN#a@example.com',
      'REFRESH#h',
      'MFA#h',
      'MFAAUTH#h',
      'AUDIT#u',
      'WEBHOOK#w',
      'EMAIL#e',
      'MONTHSUM#a',
      'STMTFILE#statements/a/2026-10.v2.pdf',
    ].filter((pk) => !mine.some((m) => pk.startsWith(m.split('#')[0] as string)));
    for (const pk of elsewhere)
      for (const action of reads)
        expect(refusal(fn, { action, pk }), `${action} ${pk}`).toMatch(/read only in/);
    expect(refusal(fn, { action: 'dynamodb:Query' }), 'a query of no partition it can read').toMatch(
      /read only in/,
    );
  });

  it('keeps the writes of a function that declares its write partitions in them, as IAM does', () => {
    // A send mark, with its own attributes (writeAttributes), and never an index's key.
    const mark = ['pk', 'sk', 'entity', 'status', 'token', 'leaseUntil', 'claimedAt', 'expiresAt'];
    expect(
      refusal('notifier', { action: 'dynamodb:PutItem', pk: 'EMAIL#e', attributes: mark }),
    ).toBeUndefined();
    expect(
      refusal('notifier', { action: 'dynamodb:PutItem', pk: 'EMAIL#e', attributes: [...mark, 'h2pk'] }),
    ).toMatch(/may write only the attributes .* \(not h2pk\)/);
    expect(refusal('notifier', { action: 'dynamodb:PutItem', pk: 'USER#u', attributes: mark })).toMatch(
      /write only in EMAIL#/,
    );
    // events-api: a customer's notification preferences, with their own attributes only.
    const prefs = ['pk', 'sk', 'entity', 'email'];
    expect(
      refusal('events-api', { action: 'dynamodb:PutItem', pk: 'USER#u', attributes: prefs }),
    ).toBeUndefined();
    expect(
      refusal('events-api', { action: 'dynamodb:PutItem', pk: 'USER#u', attributes: [...prefs, 'gsi1pk'] }),
    ).toMatch(/may write only the attributes .* \(not gsi1pk\)/);
    expect(
      refusal('dispatcher', { action: 'dynamodb:UpdateItem', pk: 'WEBHOOK#w', attributes }),
    ).toBeUndefined();
    expect(refusal('dispatcher', { action: 'dynamodb:UpdateItem', pk: 'USER#u' })).toMatch(/write only/);
    expect(refusal('stream', { action: 'dynamodb:PutItem', pk: 'JOURNAL#j' })).toMatch(/write only/);
    expect(refusal('stream', { action: 'dynamodb:PutItem' })).toMatch(/write only/);
    // A function that declares none writes anywhere its table:write allows.
    expect(refusal('money', { action: 'dynamodb:PutItem', pk: 'JOURNAL#j', attributes })).toBeUndefined();
  });

  it("refuses a put or an update carrying a history index's attributes to a function that posts no journal, and gsi1's to one that writes no gsi1 entry (the roles' Deny on dynamodb:Attributes)", () => {
    for (const [fn, pk] of [
      ['auth', 'USER#u'],
      ['auth', 'AUDIT#u'],
      ['profile', 'USER#u'],
      ['payees', 'USER#u'],
      ['admin-accounts', 'AUDIT#u'],
      ['dispatcher', 'WEBHOOK#w'],
    ] as const)
      for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem'] as const) {
        if (
          !(functions[fn].sdkActions as readonly string[]).includes(action) ||
          refusal(fn, { action, pk, attributes })
        )
          continue;
        for (const attribute of ['h1pk', 'h1sk', 'h1seq', 'h2pk', 'h2sk', 'h2seq', 'h2cp'])
          expect(
            refusal(fn, { action, pk, attributes: [...attributes, attribute] }),
            `${fn} ${action}`,
          ).toMatch(new RegExp(`may not write ${attribute} `));
        // gsi1's keys: to the functions that write it alone (audit records by actor, due schedules,
        // deliveries due there before 2026-12-07), not to payees.
        const gsi1 = refusal(fn, { action, pk, attributes: [...attributes, 'gsi1pk', 'gsi1sk'] });
        if ((functions[fn] as FunctionDef).indexWrites?.includes('gsi1'))
          expect(gsi1, `${fn} ${action} gsi1`).toBeUndefined();
        else expect(gsi1, `${fn} ${action} gsi1`).toMatch(/may not write gsi1pk, gsi1sk /);
        // Attributes it cannot read for certain: refused, as the Deny might.
        expect(refusal(fn, { action, pk })).toMatch(/cannot be read for certain/);
      }
    // The functions that post journals write both history indexes' keys.
    for (const fn of ['money', 'sweep', 'scheduled-transfers', 'admin-money', 'settler'] as const)
      expect(
        refusal(fn, {
          action: 'dynamodb:UpdateItem',
          pk: 'JOURNAL#j',
          attributes: [...attributes, 'h1pk', 'h2pk'],
        }),
        fn,
      ).toBeUndefined();
  });

  it("reads an update's attribute names from its expressions, placeholders resolved, and refuses one it cannot read", () => {
    const Key = { pk: 'USER#u', sk: 'PROFILE' };
    const update = (input: Record<string, unknown>) =>
      requestsOf('UpdateItemCommand', { Key, ...input } as never)[0]?.attributes;
    expect(
      update({
        UpdateExpression:
          'SET #a = :v, b.c = if_not_exists(b.c, :w), list[0] = :x, #n.#m = :y ADD n :one REMOVE #gone DELETE s :s',
        ConditionExpression:
          'attribute_exists(pk) AND (#h = :h OR size(#l) < :max) AND NOT begins_with(sk, :p)',
        ExpressionAttributeNames: {
          '#a': 'h2pk',
          '#n': 'nested',
          '#m': 'h1pk',
          '#gone': 'h1sk',
          '#h': 'h2seq',
          '#l': 'log',
        },
      }),
    ).toEqual(['pk', 'sk', 'h2pk', 'b', 'list', 'nested', 'n', 'h1sk', 's', 'h2seq', 'log']);
    // Keywords in any case, functions and values name no attribute.
    expect(update({ UpdateExpression: 'set a = list_append(if_not_exists(a, :e), :v) remove b' })).toEqual([
      'pk',
      'sk',
      'a',
      'b',
    ]);
    // The legacy form's names, by name.
    expect(update({ AttributeUpdates: { h2pk: { Action: 'PUT' } } })).toEqual(['pk', 'sk', 'h2pk']);
    // A placeholder it does not define, or a character it does not know: not read for certain.
    expect(update({ UpdateExpression: 'SET #x = :v' })).toBeUndefined();
    expect(update({ UpdateExpression: 'SET a = :v', ConditionExpression: '#c = :c' })).toBeUndefined();
    expect(update({ UpdateExpression: 'SET a = :v; b = :w' })).toBeUndefined();
    // In a transaction, each Update and Put with its own names.
    const tx = requestsOf('TransactWriteItemsCommand', {
      TransactItems: [
        {
          Update: {
            Key,
            UpdateExpression: 'SET #k = :k',
            ExpressionAttributeNames: { '#k': 'h2pk' },
          },
        },
        { Put: { Item: { pk: 'USER#u', sk: 'X', h1sk: 'TX#1' } } },
        { ConditionCheck: { Key } },
      ],
    });
    expect(tx.map((r) => r.attributes)).toEqual([['pk', 'sk', 'h2pk'], ['pk', 'sk', 'h1sk'], undefined]);
    for (const r of tx.slice(0, 2)) expect(refusal('profile', r)).toMatch(/may not write h[12]/);
  });

  it("refuses, on DynamoDB Local, auth's update and profile's transaction that would put an item in an account's history", async () => {
    const Key = { pk: 'USER#forger', sk: 'PROFILE' };
    const forge = new UpdateCommand({
      TableName: table,
      Key,
      UpdateExpression: 'SET #pk = :pk, #sk = :sk',
      ExpressionAttributeNames: { '#pk': 'h2pk', '#sk': 'h2sk' },
      ExpressionAttributeValues: { ':pk': 'ACCOUNT#victim', ':sk': 'TX#2026-12-07T00:00:00.000Z#j' },
    });
    await expect(runAs('auth', () => doc.send(forge))).rejects.toMatchObject(denied);
    const tx = new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: table,
            Item: { ...Key, entity: 'profile', h2pk: 'ACCOUNT#victim', h2sk: 'TX#1' },
          },
        },
      ],
    });
    await expect(runAs('profile', () => doc.send(tx))).rejects.toMatchObject(denied);
    expect((await doc.send(new GetCommand({ TableName: table, Key }))).Item).toBeUndefined();
    // A due schedule put in a customer's partition by a function that writes no gsi1 entry: the
    // runner would pay it from that customer's account.
    const schedule = { pk: 'USER#victim', sk: 'SCHEDULE#s-1' };
    for (const [fn, send] of [
      [
        'payees',
        () =>
          doc.send(
            new PutCommand({
              TableName: table,
              Item: { ...schedule, entity: 'schedule', gsi1pk: 'SCHEDULES#0', gsi1sk: '2026-12-08#s-1' },
            }),
          ),
      ],
      [
        'stream',
        () =>
          doc.send(
            new UpdateCommand({
              TableName: table,
              Key: schedule,
              UpdateExpression: 'SET #g = :g, gsi1sk = :s',
              ExpressionAttributeNames: { '#g': 'gsi1pk' },
              ExpressionAttributeValues: { ':g': 'SCHEDULES#0', ':s': '2026-12-08#s-1' },
            }),
          ),
      ],
    ] as const)
      await expect(runAs(fn, send), fn).rejects.toMatchObject(denied);
    expect((await doc.send(new GetCommand({ TableName: table, Key: schedule }))).Item).toBeUndefined();
    // Its own attributes pass; gsi1's keys too (its audit records by actor are there).
    await runAs('auth', () =>
      doc.send(
        new UpdateCommand({
          TableName: table,
          Key,
          UpdateExpression: 'SET entity = :e, gsi1pk = :g, gsi1sk = :g',
          ExpressionAttributeValues: { ':e': 'profile', ':g': 'x' },
        }),
      ),
    );
    expect((await doc.send(new GetCommand({ TableName: table, Key }))).Item).toMatchObject({
      entity: 'profile',
    });
  });

  it("lets statement-files put statement files' marks and nothing else", () => {
    const mark = 'STMTFILE#statements/a/2026-10.v2.pdf';
    const markAttributes = ['pk', 'sk', 'entity', 'writtenAt', 'expiresAt'];
    expect(
      refusal('statement-files', { action: 'dynamodb:PutItem', pk: mark, attributes: markAttributes }),
    ).toBeUndefined();
    expect(
      refusal('statement-files', {
        action: 'dynamodb:PutItem',
        pk: mark,
        attributes: [...markAttributes, 'gsi1pk'],
      }),
    ).toMatch(/may write only the attributes/);
    expect(refusal('statement-files', { action: 'dynamodb:PutItem', pk: 'ACCOUNT#a' })).toMatch(
      /table:write: it may put statement files' marks only/,
    );
    expect(refusal('statement-files', { action: 'dynamodb:PutItem', pk: 'AUDIT#u1' })).toMatch(/audit:write/);
    expect(refusal('statement-files', { action: 'dynamodb:PutItem' })).toMatch(/table:write/);
    expect(refusal('statement-files', { action: 'dynamodb:UpdateItem', pk: mark })).toMatch(/sdkActions/);
    // Another function may not put one: statements writes its kept month totals alone.
    expect(refusal('statements', { action: 'dynamodb:PutItem', pk: mark })).toMatch(
      /may write only in MONTHSUM#/,
    );
    expect(refusal('statements', { action: 'dynamodb:PutItem', pk: 'ACCOUNT#a' })).toMatch(/may write only/);
    expect(refusal('statements', { action: 'dynamodb:UpdateItem', pk: 'MONTHSUM#a' })).toMatch(/sdkActions/);
    // ...with their own attributes alone: an index's keys would put the item in another partition of
    // that index (a posting in a customer's history, a record in staff's audit trail).
    const totals = ['pk', 'sk', 'entity', 'openingBalance', 'closingBalance', 'totalIn', 'totalOut', 'count'];
    expect(
      refusal('statements', {
        action: 'dynamodb:PutItem',
        pk: 'MONTHSUM#a',
        attributes: [...totals, 'keptAt'],
      }),
    ).toBeUndefined();
    for (const index of ['h2pk', 'gsi1pk'])
      expect(
        refusal('statements', {
          action: 'dynamodb:PutItem',
          pk: 'MONTHSUM#a',
          attributes: [...totals, index],
        }),
      ).toMatch(new RegExp(`may write only the attributes .* \\(not ${index}\\)`));
    expect(requestsOf('PutItemCommand', { Item: { pk: 'MONTHSUM#a', sk: '2026-11', gsi1pk: 'x' } })).toEqual([
      { action: 'dynamodb:PutItem', pk: 'MONTHSUM#a', attributes: ['pk', 'sk', 'gsi1pk'] },
    ]);
    expect(refusal('admin-accounts', { action: 'dynamodb:PutItem', pk: mark })).toMatch(/table:write/);
  });

  it("a registry function's handler (loadHandler) runs as that function; the stack's clients carry the check", async () => {
    expect(client.middlewareStack.identify().join()).toContain(IAM_MIDDLEWARE);
    const restore = useHandlerEnv({ TABLE_NAME: table });
    // Who the handlers' client sees calling.
    const callers: (string | undefined)[] = [];
    db().middlewareStack.add(
      ((next: (a: unknown) => Promise<unknown>) => (a: unknown) => {
        callers.push(runningFunction());
        return next(a);
      }) as never,
      { step: 'initialize', name: 'iamTestRecorder', override: true },
    );
    try {
      const handler = await loadHandler('accounts-read');
      const route = routes.listAccounts;
      const r = (await handler(
        buildEvent({
          method: route.method,
          path: route.path,
          routeKey: routeKey(route),
          claims: { sub: 'iam-user', username: 'iam-user', client_id: 'test', token_use: 'access' },
        }),
        contextFor('accounts-read', LOCAL_REGION),
      )) as { statusCode: number };
      expect(r.statusCode).toBe(200);
      // The check was put on the handlers' client at its first call.
      expect(db().middlewareStack.identify().join()).toContain(IAM_MIDDLEWARE);
      expect(callers.length).toBeGreaterThan(0);
      expect(new Set(callers)).toEqual(new Set(['accounts-read']));
      expect(runningFunction()).toBeUndefined();
    } finally {
      db().middlewareStack.remove('iamTestRecorder');
      restore();
    }
  });
});

describe('offline IAM for the other services', () => {
  /** Clients made after emulateIamEverywhere, as a handler makes its own; nothing listens on port 9. */
  const nowhere = {
    region: LOCAL_REGION,
    endpoint: 'http://127.0.0.1:9',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  };
  const notDenied = (p: Promise<unknown>) =>
    p.then(
      () => 'sent',
      (e: Error) => (e.name === 'AccessDeniedException' ? `denied: ${e.message}` : 'sent'),
    );

  it("refuses Cognito's IAM operations to a function that does not declare them, and never its public ones", async () => {
    const pool = await createTestUserPool('iam');
    const get = new AdminGetUserCommand({ UserPoolId: pool.userPoolId, Username: 'nobody@example.com' });
    expect(functions.profile.sdkActions).not.toContain('cognito-idp:AdminGetUser');
    await expect(runAs('profile', () => pool.cognito.send(get))).rejects.toMatchObject(denied);
    // admin declares it: the emulator answers (no such user), IAM let it through.
    await expect(runAs('admin', () => pool.cognito.send(get))).rejects.toMatchObject({
      name: 'UserNotFoundException',
    });
    // InitiateAuth is public: health declares nothing and still reaches Cognito.
    const login = new InitiateAuthCommand({
      ClientId: pool.clientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: 'nobody@example.com', PASSWORD: 'x' },
    });
    expect(await runAs('health', () => notDenied(pool.cognito.send(login)))).toBe('sent');
  });

  it('refuses S3, SES and Secrets Manager calls by action, on clients created after it was installed', async () => {
    const s3 = new S3Client({ ...nowhere, forcePathStyle: true });
    const head = new HeadObjectCommand({ Bucket: 'b', Key: 'k' });
    const put = new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'x' });
    // HeadObject is authorised as s3:GetObject.
    expect(await runAs('statements', () => notDenied(s3.send(head)))).toMatch(/denied: .*s3:GetObject/);
    expect(await runAs('statement-files', () => notDenied(s3.send(head)))).toBe('sent');
    expect(await runAs('statement-files', () => notDenied(s3.send(put)))).toBe('sent');
    const ses = new SESv2Client(nowhere);
    const email = new SendEmailCommand({ Destination: { ToAddresses: ['a@example.com'] }, Content: {} });
    expect(await runAs('money', () => notDenied(ses.send(email)))).toMatch(/denied: .*ses:SendEmail/);
    expect(await runAs('notifier', () => notDenied(ses.send(email)))).toBe('sent');
    // A client the registry knows nothing of is refused inside any function.
    const streams = new DynamoDBStreamsClient(nowhere);
    const describe = new DescribeStreamCommand({ StreamArn: 'arn' });
    expect(await runAs('stream', () => notDenied(streams.send(describe)))).toMatch(/denied/);
    // Outside any function nothing is checked.
    expect(await notDenied(ses.send(email))).toBe('sent');
    const secrets = new LocalSecretsProvider({ s: 'v' });
    expect(functions.settler.sdkActions).not.toContain('secretsmanager:GetSecretValue');
    await expect(runAs('settler', () => secrets.get('s'))).rejects.toMatchObject(denied);
    expect(await runAs('profile', () => secrets.get('s'))).toBe('v');
  });

  it('answers a missing S3 key 403, not 404, to a function without s3:ListBucket, as S3 does', async () => {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(404);
        res.end();
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const s3 = new S3Client({
      ...nowhere,
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      forcePathStyle: true,
    });
    const head = () => s3.send(new HeadObjectCommand({ Bucket: 'b', Key: 'missing' }));
    const def = functions['statement-files'] as unknown as { sdkActions: readonly string[] };
    const declared = def.sdkActions;
    try {
      // statement-files reads marks, not S3, to know whether a file exists: it has no ListBucket.
      expect(declared).not.toContain('s3:ListBucket');
      await expect(runAs('statement-files', head)).rejects.toMatchObject({
        name: 'Forbidden',
        $metadata: { httpStatusCode: 403 },
      });
      def.sdkActions = [...declared, 's3:ListBucket'];
      await expect(runAs('statement-files', head)).rejects.toMatchObject({
        $metadata: { httpStatusCode: 404 },
      });
      // Outside any function the emulator's own answer stands.
      await expect(head()).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    } finally {
      def.sdkActions = declared;
      await new Promise((ok) => server.close(ok));
    }
  });

  it('maps each operation to the action IAM authorises', () => {
    expect(requestsOf('AdminDisableUserCommand', {}, 'CognitoIdentityProviderClient')).toEqual([
      { action: 'cognito-idp:AdminDisableUser' },
    ]);
    expect(requestsOf('RevokeTokenCommand', {}, 'CognitoIdentityProviderClient')).toEqual([]);
    expect(requestsOf('ListObjectsV2Command', {}, 'S3Client')).toEqual([{ action: 's3:ListBucket' }]);
    expect(requestsOf('GetSecretValueCommand', {}, 'SecretsManagerClient')).toEqual([
      { action: 'secretsmanager:GetSecretValue' },
    ]);
  });
});
