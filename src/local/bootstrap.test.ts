import { randomUUID } from 'node:crypto';
import {
  CognitoIdentityProviderClient,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { dynamoClients, emulators } from '../../test/harness.ts';
import { createTableInput, gsi1, tableIndexes, ttlAttribute } from '../store/table.ts';
import { ensureTable, ensureUserPool, localClientConfig } from './bootstrap.ts';

const name = (p: string) => `${p}-${randomUUID().slice(0, 8)}`;
const indexNames = tableIndexes.map((i) => i.indexName);

describe('ensureTable', () => {
  it('creates the table with its indexes and TTL, and is idempotent', async () => {
    const { client } = dynamoClients();
    const table = name('boot');
    await ensureTable(client, table);
    await ensureTable(client, table);
    const d = await client.send(new DescribeTableCommand({ TableName: table }));
    expect(d.Table?.TableStatus).toBe('ACTIVE');
    expect(d.Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(indexNames);
    expect(indexNames).toEqual([gsi1.indexName, 'hist1', 'hist2']);
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: table }));
    expect(ttl.TimeToLiveDescription).toMatchObject({
      TimeToLiveStatus: 'ENABLED',
      AttributeName: ttlAttribute,
    });
  });

  it('adds the history indexes to a table made before them, projecting what an entry shows', async () => {
    const { client } = dynamoClients();
    const table = name('old');
    const input = createTableInput(table);
    await client.send(
      new CreateTableCommand({
        ...input,
        AttributeDefinitions: input.AttributeDefinitions.slice(0, 4),
        GlobalSecondaryIndexes: input.GlobalSecondaryIndexes.slice(0, 1),
      }),
    );
    await ensureTable(client, table);
    const d = await client.send(new DescribeTableCommand({ TableName: table }));
    const indexes = d.Table?.GlobalSecondaryIndexes ?? [];
    expect(indexes.map((i) => i.IndexName)).toEqual(indexNames);
    expect(indexes.find((i) => i.IndexName === 'hist2')?.Projection).toEqual({
      ProjectionType: 'INCLUDE',
      NonKeyAttributes: [...(tableIndexes[2]?.projection ?? [])],
    });
    // DynamoDB Local builds each index in the background (about a second each alone; much longer
    // while the rest of the suite keeps it busy), and ensureTable waits for each.
  }, 120_000);
});

describe('ensureTable and the stream', () => {
  it('gives a new table a NEW_AND_OLD_IMAGES stream', async () => {
    const { client } = dynamoClients();
    const table = name('stream');
    await ensureTable(client, table);
    const d = await client.send(new DescribeTableCommand({ TableName: table }));
    expect(d.Table?.StreamSpecification).toEqual({
      StreamEnabled: true,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    });
    expect(d.Table?.LatestStreamArn).toBeTruthy();
  });

  it('turns the stream on for a table made without one, and replaces a stream of another view type', async () => {
    const { client } = dynamoClients();
    const bare = name('nostream');
    const { StreamSpecification: _, ...withoutStream } = createTableInput(bare);
    await client.send(new CreateTableCommand(withoutStream));
    await ensureTable(client, bare);
    const keysOnly = name('keysonly');
    await client.send(
      new CreateTableCommand({
        ...createTableInput(keysOnly),
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' },
      }),
    );
    await ensureTable(client, keysOnly);
    for (const t of [bare, keysOnly]) {
      const d = await client.send(new DescribeTableCommand({ TableName: t }));
      expect(d.Table?.StreamSpecification, t).toEqual({
        StreamEnabled: true,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      });
    }
  });

  it('makes a test table without its stream when told (stream: false), with its index and TTL still', async () => {
    const { client } = dynamoClients();
    const table = name('quiet');
    await ensureTable(client, table, { stream: false });
    const d = await client.send(new DescribeTableCommand({ TableName: table }));
    expect(d.Table?.StreamSpecification?.StreamEnabled ?? false).toBe(false);
    expect(d.Table?.LatestStreamArn).toBeUndefined();
    expect(d.Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(indexNames);
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: table }));
    expect(ttl.TimeToLiveDescription?.TimeToLiveStatus).toBe('ENABLED');
  });
});

describe('ensureUserPool', () => {
  const cognito = () => new CognitoIdentityProviderClient(localClientConfig(emulators().cognitoEndpoint));

  it('creates a pool that signs in by email, and a public client for the password and refresh flows', async () => {
    const c = cognito();
    const ids = await ensureUserPool(c, { poolName: name('pool'), clientName: 'web' });
    const pool = (await c.send(new DescribeUserPoolCommand({ UserPoolId: ids.userPoolId }))).UserPool;
    expect(pool?.UsernameAttributes).toEqual(['email']);
    expect(pool?.AutoVerifiedAttributes).toEqual(['email']);
    expect(pool?.Policies?.PasswordPolicy).toMatchObject({
      MinimumLength: 12,
      RequireUppercase: true,
      RequireLowercase: true,
      RequireNumbers: true,
      RequireSymbols: true,
    });
    const client = (
      await c.send(
        new DescribeUserPoolClientCommand({ UserPoolId: ids.userPoolId, ClientId: ids.userPoolClientId }),
      )
    ).UserPoolClient;
    expect(client?.ClientSecret).toBeUndefined();
    expect(client?.ExplicitAuthFlows).toEqual(['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']);
  });

  it('reuses known ids, finds a pool by name, and replaces ids that no longer exist', async () => {
    const c = cognito();
    const names = { poolName: name('pool'), clientName: 'web' };
    const ids = await ensureUserPool(c, names);
    expect(await ensureUserPool(c, names, ids)).toEqual(ids);
    expect(await ensureUserPool(c, names)).toEqual(ids);
    expect(await ensureUserPool(c, names, { userPoolId: 'local_gone', userPoolClientId: 'gone' })).toEqual(
      ids,
    );
    const other = await ensureUserPool(c, { poolName: name('pool'), clientName: 'web' }, ids);
    expect(other).toEqual(ids);
  });
});
