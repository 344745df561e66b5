/**
 * The Lambda bundles register only some of the SDK's modelled errors (infra/bundling.ts, keptSdkErrors).
 * These tests hold that to its claim: every kind of error our clients can meet (kept, left out,
 * unmodelled, throttled, a server fault) reaches the caller the same through a bundle built as the
 * functions are and through the plain SDK: the same name, message, fault, status, members and attempts.
 * A fake endpoint answers each call with the error it is told to; no AWS and no emulator.
 */

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as powertoolsSecrets from '@aws-lambda-powertools/parameters/secrets';
import * as cognitoSdk from '@aws-sdk/client-cognito-identity-provider';
import * as dynamoSdk from '@aws-sdk/client-dynamodb';
import * as secretsSdk from '@aws-sdk/client-secrets-manager';
import * as sesSdk from '@aws-sdk/client-sesv2';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bundlePlugins,
  esbuildOptions,
  keptSdkErrors,
  repoRoot,
  SDK_SCHEMA_MODULE,
  unregisterErrors,
} from './bundling.ts';

/** What the fake endpoint answers next: a status, the error's type, and its body's other members. */
interface Answer {
  status: number;
  type: string;
  body?: Record<string, unknown>;
}

let server: Server;
let endpoint: string;
let answer: Answer;
let calls = 0;

const respond = (req: IncomingMessage, res: ServerResponse) => {
  req.resume();
  req.on('end', () => {
    calls++;
    const rest = req.headers['x-amz-target'] === undefined;
    res.writeHead(answer.status, {
      'content-type': rest ? 'application/json' : 'application/x-amz-json-1.1',
      'x-amzn-requestid': `req-${calls}`,
      // restJson (SES v2) names the error in a header; the JSON RPC protocols in the body's __type.
      ...(rest ? { 'x-amzn-errortype': `${answer.type}:http://internal.amazon.com/` } : {}),
    });
    res.end(
      JSON.stringify(
        rest
          ? { message: 'refused', ...answer.body }
          : { __type: answer.type, message: 'refused', ...answer.body },
      ),
    );
  });
};

type Sdk = {
  dynamo: typeof dynamoSdk;
  cognito: typeof cognitoSdk;
  secrets: typeof secretsSdk;
  ses: typeof sesSdk;
  powertools: { SecretsProvider: typeof powertoolsSecrets.SecretsProvider };
};

let dir: string;
let bundled: Sdk;
let bundleText: string;

beforeAll(async () => {
  server = createServer(respond);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), 'bank-sdk-errors-'));
  const outfile = join(dir, 'clients.mjs');
  // The four clients whose errors the bundles trim, bundled with the functions' options and plugins.
  await build({
    ...esbuildOptions,
    stdin: {
      // Only what the calls below use, so that the bundle tree-shakes as a function's does.
      contents: `import { DynamoDBClient, PutItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
        import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
        import { SecretsManagerClient, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
        import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
        import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
        export const dynamo = { DynamoDBClient, PutItemCommand, TransactWriteItemsCommand };
        export const cognito = { CognitoIdentityProviderClient, InitiateAuthCommand };
        export const secrets = { SecretsManagerClient, GetSecretValueCommand };
        export const ses = { SESv2Client, SendEmailCommand };
        export const powertools = { SecretsProvider };`,
      resolveDir: repoRoot,
      sourcefile: 'clients.mjs',
    },
    outfile,
    sourcemap: false,
    absWorkingDir: repoRoot,
    plugins: bundlePlugins,
  });
  bundleText = await readFile(outfile, 'utf8');
  bundled = (await import(pathToFileURL(outfile).href)) as Sdk;
});

afterAll(async () => {
  await new Promise((ok) => server?.close(ok));
  if (dir) await rm(dir, { recursive: true, force: true });
});

const config = () => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  maxAttempts: 2,
});

/** A call of each client, as our code makes them. */
const calling = {
  transact: (s: Sdk) =>
    new s.dynamo.DynamoDBClient(config()).send(
      new s.dynamo.TransactWriteItemsCommand({
        TransactItems: [
          { ConditionCheck: { TableName: 't', Key: { pk: { S: 'a' } }, ConditionExpression: 'x' } },
        ],
      }),
    ),
  put: (s: Sdk) =>
    new s.dynamo.DynamoDBClient(config()).send(
      new s.dynamo.PutItemCommand({ TableName: 't', Item: { pk: { S: 'a' } } }),
    ),
  login: (s: Sdk) =>
    new s.cognito.CognitoIdentityProviderClient(config()).send(
      new s.cognito.InitiateAuthCommand({ ClientId: 'c', AuthFlow: 'USER_PASSWORD_AUTH' }),
    ),
  secret: (s: Sdk) =>
    new s.secrets.SecretsManagerClient(config()).send(new s.secrets.GetSecretValueCommand({ SecretId: 's' })),
  /** The cursor keys' read (src/store/cursor.ts), through Powertools, with a missing secret refused. */
  powertools: (s: Sdk) =>
    new s.powertools.SecretsProvider({ clientConfig: config() }).get('s', { throwOnMissing: true }),
  email: (s: Sdk) =>
    new s.ses.SESv2Client(config()).send(
      new s.ses.SendEmailCommand({ Destination: { ToAddresses: ['a@example.com'] }, Content: {} }),
    ),
} as const;

/** What a caller can see of the error, less what changes from one request to the next. */
const seen = async (call: (s: Sdk) => Promise<unknown>, sdk: Sdk, a: Answer) => {
  answer = a;
  calls = 0;
  const e = (await call(sdk).then(
    () => undefined,
    (err: unknown) => err,
  )) as (Error & Record<string, unknown> & { $metadata: Record<string, unknown> }) | undefined;
  if (!e) throw new Error('the call succeeded against an endpoint that only refuses');
  const { requestId, totalRetryDelay, ...metadata } = e.$metadata ?? {};
  const members = Object.fromEntries(
    Object.entries(e).filter(([k]) => k !== '$metadata' && k !== '$response'),
  );
  return {
    name: e.name,
    message: e.message,
    $fault: e.$fault,
    $retryable: e.$retryable,
    metadata,
    members,
    requests: calls,
  };
};

/** An item as the wire carries it: a binary attribute is base64, which only its schema turns into bytes. */
const item = { pk: { S: 'a' }, balance: { N: '-5' }, tag: { B: 'AQID' } };
const decoded = { pk: { S: 'a' }, balance: { N: '-5' }, tag: { B: new Uint8Array([1, 2, 3]) } };
const ddb = (name: string) => `com.amazonaws.dynamodb.v20120810#${name}`;

const cases: [string, keyof typeof calling, Answer][] = [
  [
    'a transaction cancelled, with its reasons and the failed item (kept)',
    'transact',
    {
      status: 400,
      type: ddb('TransactionCanceledException'),
      body: {
        CancellationReasons: [
          { Code: 'None' },
          { Code: 'ConditionalCheckFailed', Message: 'no', Item: item },
        ],
      },
    },
  ],
  [
    'a failed condition with the item (kept)',
    'put',
    { status: 400, type: ddb('ConditionalCheckFailedException'), body: { Item: item } },
  ],
  ['a transaction conflict (left out)', 'put', { status: 400, type: ddb('TransactionConflictException') }],
  [
    'throttling, retried by its name (left out)',
    'put',
    { status: 400, type: ddb('ProvisionedThroughputExceededException') },
  ],
  [
    'a replicated write conflict, retried for its class (kept)',
    'put',
    { status: 400, type: ddb('ReplicatedWriteConflictException') },
  ],
  [
    'a server fault, retried by its status (left out)',
    'put',
    { status: 500, type: ddb('InternalServerError') },
  ],
  ['an error no model names', 'put', { status: 400, type: ddb('ValidationException') }],
  ['a wrong password (left out)', 'login', { status: 400, type: 'NotAuthorizedException' }],
  [
    'a parameter refused, with its reason code (left out)',
    'login',
    { status: 400, type: 'InvalidParameterException', body: { reasonCode: 'INVALID_PARAMETER' } },
  ],
  [
    'sign-in busy, retried by its name (left out)',
    'login',
    { status: 429, type: 'TooManyRequestsException' },
  ],
  ['a secret not found (kept)', 'secret', { status: 400, type: 'ResourceNotFoundException' }],
  [
    'a secret not found through Powertools, which tells it by class (kept)',
    'powertools',
    { status: 400, type: 'ResourceNotFoundException' },
  ],
  ['an email rejected, restJson (left out)', 'email', { status: 400, type: 'MessageRejected' }],
];

describe('SDK errors in the Lambda bundles', () => {
  it.each(cases)('%s: the same through a bundle as through the SDK', async (_, call, a) => {
    const plain = await seen(
      calling[call],
      {
        dynamo: dynamoSdk,
        cognito: cognitoSdk,
        secrets: secretsSdk,
        ses: sesSdk,
        powertools: { SecretsProvider: powertoolsSecrets.SecretsProvider },
      },
      a,
    );
    const fromBundle = await seen(calling[call], bundled, a);
    expect(fromBundle).toEqual(plain);
    // Not vacuous: the error is the one the endpoint named, with its message (Powertools names its own).
    if (call === 'powertools') expect(plain.name).toBe('ParameterNotFoundError');
    else {
      expect(plain.name).toBe(a.type.split('#').pop());
      expect(plain.message).toBe('refused');
    }
  });

  it('decode the kept members: the cancellation reasons and the failed item', async () => {
    const reasons = await seen(calling.transact, bundled, cases[0]?.[2] as Answer);
    expect(reasons.members.CancellationReasons).toEqual([
      { Code: 'None' },
      { Code: 'ConditionalCheckFailed', Message: 'no', Item: decoded },
    ]);
    const failed = await seen(calling.put, bundled, cases[1]?.[2] as Answer);
    expect(failed.members.Item).toEqual(decoded);
    const throttled = await seen(calling.put, bundled, cases[3]?.[2] as Answer);
    expect(throttled.requests).toBe(2);
    const replicated = await seen(calling.put, bundled, cases[4]?.[2] as Answer);
    expect(replicated.requests).toBe(2);
  });

  it('leave the other error classes out of the bundle, and keep the listed ones', () => {
    // Each class carries its shape id; a registered one is bundled, an unregistered one is not.
    const has = (shapeId: string) => bundleText.includes(shapeId);
    expect(has('com.amazonaws.dynamodb#TransactionCanceledException')).toBe(true);
    expect(has('com.amazonaws.dynamodb#ConditionalCheckFailedException')).toBe(true);
    expect(has('com.amazonaws.dynamodb#TransactionConflictException')).toBe(false);
    expect(has('com.amazonaws.dynamodb#BackupInUseException')).toBe(false);
    expect(has('com.amazonaws.cognitoidentityprovider#NotAuthorizedException')).toBe(false);
    expect(has('com.amazonaws.secretsmanager#ResourceNotFoundException')).toBe(true);
    expect(has('com.amazonaws.secretsmanager#DecryptionFailure')).toBe(false);
    expect(has('com.amazonaws.sesv2#MessageRejected')).toBe(false);
  });

  it('remove only the registrations of modelled errors not kept, and never the base exception', async () => {
    for (const [client, keep] of Object.entries(keptSdkErrors)) {
      const file = join(repoRoot, 'node_modules', '@aws-sdk', client, 'dist-es', 'schemas', 'schemas_0.js');
      expect(SDK_SCHEMA_MODULE.test(file), file).toBe(true);
      const source = await readFile(file, 'utf8');
      const { code, kept, removed } = unregisterErrors(source, keep);
      expect(kept.sort(), client).toEqual([...keep].sort());
      expect(removed.length, client).toBeGreaterThan(5);
      // The synthetic base exception, which every unregistered error becomes, stays registered.
      expect(code).toMatch(/^_s_registry\.registerError\(\w+ServiceException\$, \w+ServiceException\);$/m);
      for (const name of removed) expect(code).not.toContain(`registerError(${name}$`);
    }
  });
});
