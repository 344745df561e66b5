/**
 * The offline IAM (src/local/iam.ts) on DynamoDB Local: a function's calls are refused, as AWS
 * refuses them, when its registry entry does not declare them; calls outside any function pass.
 */
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestTable, dynamoClients, useHandlerEnv } from '../../test/harness.ts';
import { buildEvent } from '../api/event.ts';
import { routeKey, routes } from '../api/routes.ts';
import { functions } from '../functions.ts';
import { db } from '../handlers/context.ts';
import { LOCAL_REGION } from './bootstrap.ts';
import { contextFor, loadHandler } from './functions.ts';
import { emulateIam, IAM_MIDDLEWARE, refusal, requestsOf, runAs, runningFunction } from './iam.ts';

let table: string;
let client: ReturnType<typeof dynamoClients>['client'];
let doc: ReturnType<typeof dynamoClients>['doc'];

beforeAll(async () => {
  ({ client, doc } = dynamoClients());
  table = await createTestTable('iam');
  emulateIam(client);
});

const denied = { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } };

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
    expect(refusal('admin', { action: 'dynamodb:UpdateItem', pk: 'USER#u1' })).toBeUndefined();
    expect(refusal('admin', { action: 'dynamodb:PutItem', pk: 'AUDIT#u1' })).toBeUndefined();
    expect(functions.money.permissions).not.toContain('audit:write');
    expect(refusal('money', { action: 'dynamodb:PutItem', pk: 'AUDIT#u1' })).toMatch(/audit:write/);
    // audit:write without table:write (admin-accounts: its audited refusals) puts audit items only.
    expect(refusal('admin-accounts', { action: 'dynamodb:PutItem', pk: 'AUDIT#u1' })).toBeUndefined();
    expect(refusal('admin-accounts', { action: 'dynamodb:PutItem', pk: 'ACCOUNT#a' })).toMatch(/table:write/);
    expect(refusal('notifier', { action: 'dynamodb:DeleteItem', pk: 'EMAIL#e' })).toBeUndefined();
    expect(refusal('notifier', { action: 'dynamodb:DeleteItem', pk: 'JOURNAL#j' })).toMatch(/delete only/);
    expect(refusal('notifier', { action: 'dynamodb:DeleteItem' })).toMatch(/delete only/);
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
      expect(db().middlewareStack.identify().join()).toContain(IAM_MIDDLEWARE);
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
      expect(callers.length).toBeGreaterThan(0);
      expect(new Set(callers)).toEqual(new Set(['accounts-read']));
      expect(runningFunction()).toBeUndefined();
    } finally {
      db().middlewareStack.remove('iamTestRecorder');
      restore();
    }
  });
});
