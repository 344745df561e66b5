/**
 * Creates what the handlers need on the emulators, if missing: the table (with TTL) and the user pool
 * with its app client. Idempotent: known ids are checked and reused, otherwise found by name.
 */
import {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
  SetUserPoolMfaConfigCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  type Projection,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  createTableInput,
  indexInput,
  streamSpecification,
  tableIndexes,
  ttlAttribute,
} from '../store/table.ts';

export const LOCAL_REGION = 'us-east-1';
/** The emulators accept any credentials; the SDK only needs some. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export const localClientConfig = (endpoint: string) => ({
  endpoint,
  region: LOCAL_REGION,
  credentials: LOCAL_CREDENTIALS,
});

const nameOf = (e: unknown): string => (e as { name?: string })?.name ?? '';

/** Whether an index as described projects what the definition asks (the same type and attributes). */
const sameProjection = (have: Projection | undefined, want: Projection): boolean =>
  have?.ProjectionType === want.ProjectionType &&
  [...(have?.NonKeyAttributes ?? [])].sort().join('\n') ===
    [...(want.NonKeyAttributes ?? [])].sort().join('\n');

/**
 * Waits (as the SDK's waiters do: DescribeTable until it says so) until every index is active (an
 * index being deleted is not: it is `DELETING` until it goes).
 */
const indexesActive = async (ddb: DynamoDBClient, tableName: string): Promise<void> => {
  for (let attempt = 0; attempt < 600; attempt++) {
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: tableName }));
    if ((Table?.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE')) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`The indexes of ${tableName} did not become active within a minute`);
};

/**
 * Creates the table from the single-table definition if it does not exist, and turns its stream
 * (NEW_AND_OLD_IMAGES) and TTL on and adds its indexes, also on a table made before they were part of
 * the definition.
 *
 * `stream: false` (tests only) makes a new table without its stream. DynamoDB Local's writes to a
 * table with a stream cost more with every stream record it holds, of all its tables (measured: the
 * same 1,500 transactions cost its JVM 15 CPU-s on a fresh emulator, 44 CPU-s after 9,000 records;
 * writes to a table without a stream stayed at 9 CPU-s), so a test that reads no stream leaves it off.
 */
export const ensureTable = async (
  ddb: DynamoDBClient,
  tableName: string,
  opts: { stream?: boolean } = {},
): Promise<void> => {
  const withStream = opts.stream ?? true;
  try {
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: tableName }));
    const stream = Table?.StreamSpecification;
    if (
      withStream &&
      (!stream?.StreamEnabled || stream.StreamViewType !== streamSpecification.StreamViewType)
    ) {
      if (stream?.StreamEnabled) {
        // Another view type: a stream cannot be changed, only turned off and on again.
        await ddb.send(
          new UpdateTableCommand({ TableName: tableName, StreamSpecification: { StreamEnabled: false } }),
        );
      }
      await ddb.send(
        new UpdateTableCommand({ TableName: tableName, StreamSpecification: streamSpecification }),
      );
    }
    // An index whose projection the definition has changed since the table was made (a data
    // directory from before the history indexes carried the counterparty's number) is dropped and
    // made again below: an index's projection cannot be changed in place, and an index that lacks
    // an attribute answers its queries without it.
    const stale = (Table?.GlobalSecondaryIndexes ?? []).filter((have) => {
      const want = tableIndexes.find((i) => i.indexName === have.IndexName);
      return want !== undefined && !sameProjection(have.Projection, indexInput(want).Projection);
    });
    for (const index of stale) {
      await indexesActive(ddb, tableName);
      await ddb.send(
        new UpdateTableCommand({
          TableName: tableName,
          GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: index.IndexName } }],
        }),
      );
    }
    // Indexes added to the definition since the table was made (the history indexes), or dropped
    // above: one at a time, each once the one before is active, as DynamoDB (and DynamoDB Local) allow.
    const dropped = new Set(stale.map((i) => i.IndexName));
    const has = new Set(
      (Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName).filter((n) => !dropped.has(n)),
    );
    for (const index of tableIndexes.filter((i) => !has.has(i.indexName))) {
      await indexesActive(ddb, tableName);
      await ddb.send(
        new UpdateTableCommand({
          TableName: tableName,
          AttributeDefinitions: [index.partitionKey, index.sortKey].map((name) => ({
            AttributeName: name,
            AttributeType: 'S' as const,
          })),
          GlobalSecondaryIndexUpdates: [{ Create: indexInput(index) }],
        }),
      );
    }
    await indexesActive(ddb, tableName);
  } catch (e) {
    if (nameOf(e) !== 'ResourceNotFoundException') throw e;
    try {
      const { StreamSpecification, ...withoutStream } = createTableInput(tableName);
      await ddb.send(
        new CreateTableCommand(withStream ? { ...withoutStream, StreamSpecification } : withoutStream),
      );
    } catch (err) {
      if (nameOf(err) !== 'ResourceInUseException') throw err;
    }
    await waitUntilTableExists({ client: ddb, maxWaitTime: 60, minDelay: 1 }, { TableName: tableName });
  }
  const ttl = await ddb.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  const d = ttl.TimeToLiveDescription;
  if (d?.TimeToLiveStatus !== 'ENABLED' || d.AttributeName !== ttlAttribute) {
    await ddb.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { Enabled: true, AttributeName: ttlAttribute },
      }),
    );
  }
};

/** Sign-in by email, email verified automatically, and the password policy the API also enforces. */
export const userPoolInput = (poolName: string) => ({
  PoolName: poolName,
  UsernameAttributes: ['email' as const],
  AutoVerifiedAttributes: ['email' as const],
  UsernameConfiguration: { CaseSensitive: false },
  Policies: {
    PasswordPolicy: {
      MinimumLength: 12,
      RequireUppercase: true,
      RequireLowercase: true,
      RequireNumbers: true,
      RequireSymbols: true,
      TemporaryPasswordValidityDays: 7,
    },
  },
  AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email' as const, Priority: 1 }] },
  // As on AWS (infra/identity.ts): customers may turn on TOTP; no SMS.
  MfaConfiguration: 'OPTIONAL' as const,
  AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
});

/** A public client (no secret) for the password and refresh flows, with revocable refresh tokens. */
export const userPoolClientInput = (userPoolId: string, clientName: string) => ({
  UserPoolId: userPoolId,
  ClientName: clientName,
  GenerateSecret: false,
  ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH' as const, 'ALLOW_REFRESH_TOKEN_AUTH' as const],
  EnableTokenRevocation: true,
  PreventUserExistenceErrors: 'ENABLED' as const,
  // As infra/identity.ts: a token may change the name only (cognito-local keeps it, never checks it).
  WriteAttributes: ['name'],
  AccessTokenValidity: 5,
  IdTokenValidity: 5,
  RefreshTokenValidity: 12,
  TokenValidityUnits: {
    AccessToken: 'minutes' as const,
    IdToken: 'minutes' as const,
    RefreshToken: 'hours' as const,
  },
});

const exists = async (probe: () => Promise<unknown>): Promise<boolean> => {
  try {
    await probe();
    return true;
  } catch (e) {
    if (nameOf(e) === 'ResourceNotFoundException') return false;
    throw e;
  }
};

const findPoolByName = async (cognito: CognitoIdentityProviderClient, name: string) => {
  let NextToken: string | undefined;
  do {
    const page = await cognito.send(new ListUserPoolsCommand({ MaxResults: 60, NextToken }));
    const pool = page.UserPools?.find((p) => p.Name === name);
    if (pool?.Id) return pool.Id;
    NextToken = page.NextToken;
  } while (NextToken);
  return undefined;
};

const findClientByName = async (cognito: CognitoIdentityProviderClient, userPoolId: string, name: string) => {
  let NextToken: string | undefined;
  do {
    const page = await cognito.send(
      new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 60, NextToken }),
    );
    const client = page.UserPoolClients?.find((c) => c.ClientName === name);
    if (client?.ClientId) return client.ClientId;
    NextToken = page.NextToken;
  } while (NextToken);
  return undefined;
};

export interface UserPoolIds {
  userPoolId: string;
  userPoolClientId: string;
}

/** The user pool and app client: the known ids if they still exist, else found by name, else created. */
export const ensureUserPool = async (
  cognito: CognitoIdentityProviderClient,
  names: { poolName: string; clientName: string },
  known: Partial<UserPoolIds> = {},
): Promise<UserPoolIds> => {
  const { poolName, clientName } = names;
  let userPoolId =
    known.userPoolId &&
    (await exists(() => cognito.send(new DescribeUserPoolCommand({ UserPoolId: known.userPoolId }))))
      ? known.userPoolId
      : await findPoolByName(cognito, poolName);
  if (!userPoolId) {
    const created = await cognito.send(new CreateUserPoolCommand(userPoolInput(poolName)));
    userPoolId = created.UserPool?.Id;
    if (!userPoolId) throw new Error('CreateUserPool returned no id');
  }
  const poolId = userPoolId;
  // Pools made before MFA existed get it too (the call is idempotent).
  await cognito.send(
    new SetUserPoolMfaConfigCommand({
      UserPoolId: poolId,
      MfaConfiguration: 'OPTIONAL',
      SoftwareTokenMfaConfiguration: { Enabled: true },
    }),
  );
  let userPoolClientId =
    known.userPoolClientId &&
    (await exists(() =>
      cognito.send(
        new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: known.userPoolClientId }),
      ),
    ))
      ? known.userPoolClientId
      : await findClientByName(cognito, poolId, clientName);
  if (!userPoolClientId) {
    const created = await cognito.send(
      new CreateUserPoolClientCommand(userPoolClientInput(poolId, clientName)),
    );
    userPoolClientId = created.UserPoolClient?.ClientId;
    if (!userPoolClientId) throw new Error('CreateUserPoolClient returned no id');
  }
  return { userPoolId: poolId, userPoolClientId };
};

export interface BootstrapOptions {
  dynamodbEndpoint: string;
  cognitoEndpoint: string;
  tableName?: string;
  poolName?: string;
  clientName?: string;
  /** Ids from an earlier run (stack.json), reused when they still exist. */
  known?: Partial<UserPoolIds>;
}

export interface StackIds extends UserPoolIds {
  tableName: string;
}

/** The table and the user pool, created in parallel if missing. */
export const bootstrap = async (opts: BootstrapOptions): Promise<StackIds> => {
  const tableName = opts.tableName ?? 'bank';
  const ddb = new DynamoDBClient(localClientConfig(opts.dynamodbEndpoint));
  const cognito = new CognitoIdentityProviderClient(localClientConfig(opts.cognitoEndpoint));
  try {
    const [, ids] = await Promise.all([
      ensureTable(ddb, tableName),
      ensureUserPool(
        cognito,
        { poolName: opts.poolName ?? 'serverless-bank', clientName: opts.clientName ?? 'web' },
        opts.known,
      ),
    ]);
    return { tableName, ...ids };
  } finally {
    ddb.destroy();
    cognito.destroy();
  }
};
