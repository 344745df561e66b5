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
  type DynamoDBClient,
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

  it('adds the history indexes to a table made before them, one at a time, each once the one before is active', async () => {
    // A stand-in for DynamoDB (which, as DynamoDB Local, builds an added index in the background and
    // refuses a second while one builds): DynamoDB Local takes about a second per index alone but
    // over a minute under the whole suite, so the rule is checked here, not timed there. That DynamoDB
    // Local accepts the same UpdateTable inputs was checked on it (the fresh table above takes the same
    // index definitions, src/store/table.ts indexInput).
    const indexes: { IndexName: string; IndexStatus: string; Projection?: unknown; describes: number }[] = [
      { IndexName: gsi1.indexName, IndexStatus: 'ACTIVE', describes: 0 },
    ];
    const calls: string[] = [];
    const fake = {
      send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        const name = command.constructor.name.replace(/Command$/, '');
        if (name === 'DescribeTable') {
          // Each index being built is active from the second look on.
          for (const i of indexes)
            if (i.IndexStatus === 'CREATING' && ++i.describes >= 2) i.IndexStatus = 'ACTIVE';
          return {
            Table: {
              StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
              GlobalSecondaryIndexes: indexes.map(({ describes: _, ...i }) => i),
            },
          };
        }
        if (name === 'UpdateTable') {
          const updates = command.input.GlobalSecondaryIndexUpdates as {
            Create: { IndexName: string; Projection: unknown };
          }[];
          expect(updates).toHaveLength(1);
          const create = updates[0]?.Create;
          if (!create) throw new Error('not a Create');
          if (indexes.some((i) => i.IndexStatus !== 'ACTIVE'))
            throw Object.assign(
              new Error('Only 1 online index can be created or deleted simultaneously per table'),
              {
                name: 'LimitExceededException',
              },
            );
          calls.push(create.IndexName);
          indexes.push({
            IndexName: create.IndexName,
            IndexStatus: 'CREATING',
            Projection: create.Projection,
            describes: 0,
          });
          return {};
        }
        if (name === 'DescribeTimeToLive')
          return { TimeToLiveDescription: { TimeToLiveStatus: 'ENABLED', AttributeName: ttlAttribute } };
        throw new Error(`unexpected ${name}`);
      },
    };
    await ensureTable(fake as unknown as DynamoDBClient, 'old');
    expect(calls).toEqual(['hist1', 'hist2']);
    expect(indexes.map((i) => [i.IndexName, i.IndexStatus])).toEqual(indexNames.map((n) => [n, 'ACTIVE']));
    expect(indexes.find((i) => i.IndexName === 'hist2')?.Projection).toEqual({
      ProjectionType: 'INCLUDE',
      NonKeyAttributes: [...(tableIndexes[2]?.projection ?? [])],
    });
  });
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
