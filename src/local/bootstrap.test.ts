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
    expect(indexNames).toEqual([gsi1.indexName, 'hist1', 'hist2', 'dlv']);
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: table }));
    expect(ttl.TimeToLiveDescription).toMatchObject({
      TimeToLiveStatus: 'ENABLED',
      AttributeName: ttlAttribute,
    });
  });

  /**
   * A stand-in for DynamoDB (which, as DynamoDB Local, builds an added index in the background and
   * refuses a second change while one is under way): DynamoDB Local takes about a second per index
   * alone but over a minute under the whole suite, so the rule is checked here, not timed there. That
   * DynamoDB Local accepts the same UpdateTable inputs was checked on it (the fresh table above takes
   * the same index definitions, src/store/table.ts indexInput).
   */
  const fakeTable = (
    start: { IndexName: string; Projection: { ProjectionType: string; NonKeyAttributes?: string[] } }[],
  ) => {
    const indexes: { IndexName: string; IndexStatus: string; Projection?: unknown; describes: number }[] =
      start.map((i) => ({ ...i, IndexStatus: 'ACTIVE', describes: 0 }));
    const calls: string[] = [];
    const client = {
      send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        const name = command.constructor.name.replace(/Command$/, '');
        if (name === 'DescribeTable') {
          // Each index being built is active, and each being deleted gone, from the second look on.
          for (const i of indexes)
            if (i.IndexStatus === 'CREATING' && ++i.describes >= 2) i.IndexStatus = 'ACTIVE';
          for (const i of indexes.filter((i) => i.IndexStatus === 'DELETING'))
            if (++i.describes >= 2) indexes.splice(indexes.indexOf(i), 1);
          return {
            Table: {
              StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
              GlobalSecondaryIndexes: indexes.map(({ describes: _, ...i }) => i),
            },
          };
        }
        if (name === 'UpdateTable') {
          const updates = command.input.GlobalSecondaryIndexUpdates as {
            Create?: { IndexName: string; Projection: unknown };
            Delete?: { IndexName: string };
          }[];
          expect(updates).toHaveLength(1);
          if (indexes.some((i) => i.IndexStatus !== 'ACTIVE'))
            throw Object.assign(
              new Error('Only 1 online index can be created or deleted simultaneously per table'),
              { name: 'LimitExceededException' },
            );
          const [update] = updates;
          if (update?.Delete) {
            const gone = indexes.find((i) => i.IndexName === update.Delete?.IndexName);
            if (!gone) throw new Error(`no index ${update.Delete.IndexName}`);
            calls.push(`delete ${gone.IndexName}`);
            gone.IndexStatus = 'DELETING';
            gone.describes = 0;
            return {};
          }
          const create = update?.Create;
          if (!create) throw new Error('neither a Create nor a Delete');
          if (indexes.some((i) => i.IndexName === create.IndexName))
            throw Object.assign(new Error('index exists'), { name: 'ValidationException' });
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
    return { client: client as unknown as DynamoDBClient, calls, indexes };
  };
  const projectionOf = (i: (typeof tableIndexes)[number]) =>
    i.projection === 'ALL'
      ? { ProjectionType: 'ALL' }
      : { ProjectionType: 'INCLUDE', NonKeyAttributes: [...i.projection] };

  it('adds the history indexes to a table made before them, one at a time, each once the one before is active', async () => {
    const t = fakeTable([{ IndexName: gsi1.indexName, Projection: { ProjectionType: 'ALL' } }]);
    await ensureTable(t.client, 'old');
    expect(t.calls).toEqual(['hist1', 'hist2', 'dlv']);
    expect(t.indexes.map((i) => [i.IndexName, i.IndexStatus])).toEqual(indexNames.map((n) => [n, 'ACTIVE']));
    expect(t.indexes.find((i) => i.IndexName === 'hist2')?.Projection).toEqual({
      ProjectionType: 'INCLUDE',
      NonKeyAttributes: [...(tableIndexes[2]?.projection ?? [])],
    });
  });

  it('makes again an index whose projection the definition has changed since (a data directory made before)', async () => {
    const [g, h1, h2] = tableIndexes;
    if (!g || !h1 || !h2) throw new Error('three indexes');
    const old = projectionOf(h2);
    // hist2 as a data directory made before it carried the counterparty's number; hist1 with the
    // same attributes in another order, which is the same projection; and no delivery index yet (made
    // before 2026-12-07), which is added.
    const t = fakeTable([
      { IndexName: g.indexName, Projection: projectionOf(g) },
      {
        IndexName: h1.indexName,
        Projection: {
          ...projectionOf(h1),
          NonKeyAttributes: [...(projectionOf(h1).NonKeyAttributes ?? [])].reverse(),
        },
      },
      { IndexName: h2.indexName, Projection: { ...old, NonKeyAttributes: old.NonKeyAttributes?.slice(1) } },
    ]);
    await ensureTable(t.client, 'old');
    expect(t.calls).toEqual(['delete hist2', 'hist2', 'dlv']);
    expect(t.indexes.map((i) => [i.IndexName, i.IndexStatus])).toEqual(indexNames.map((n) => [n, 'ACTIVE']));
    expect(t.indexes.find((i) => i.IndexName === 'hist2')?.Projection).toEqual(projectionOf(h2));
    // Already as defined: nothing more.
    await ensureTable(t.client, 'old');
    expect(t.calls).toEqual(['delete hist2', 'hist2', 'dlv']);
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
