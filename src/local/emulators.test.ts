import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CognitoIdentityProviderClient,
  ListUserPoolsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient, GetItemCommand, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { bootstrap, localClientConfig } from './bootstrap.ts';
import { dynamoJvm, type Emulators, startEmulators, startOnPort } from './emulators.ts';
import { freePort } from './ports.ts';
import { supervise } from './process.ts';
import { sentEmails, startSes } from './ses.ts';

/** Processes whose command line or working directory is inside `dir` (Linux /proc). */
const processesUsing = (dir: string): number[] =>
  readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((pid) => {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return cmd.includes(dir) || readlinkSync(`/proc/${pid}/cwd`).startsWith(dir);
      } catch {
        return false;
      }
    })
    .map(Number);

const waitNoneUsing = async (dir: string, ms = 10_000): Promise<number[]> => {
  const deadline = Date.now() + ms;
  let left = processesUsing(dir);
  while (left.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    left = processesUsing(dir);
  }
  return left;
};

/** The -XX options of the Java process working in `dir` (DynamoDB Local's JVM). */
const jvmOptionsIn = (dir: string): string[] =>
  processesUsing(dir)
    .map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'))
    .filter((args) => args[0]?.endsWith('java'))
    .flatMap((args) => args.filter((a) => a.startsWith('-XX:')));

const clients = (e: Emulators) => ({
  ddb: new DynamoDBClient(localClientConfig(e.dynamodbEndpoint)),
  cognito: new CognitoIdentityProviderClient(localClientConfig(e.cognitoEndpoint)),
});

const tempDir = () => mkdtemp(join(tmpdir(), 'bank-emulators-test-'));

describe('startEmulators', () => {
  it('starts both emulators, keeps their data across a restart, and leaves no process behind', async () => {
    const dataDir = await tempDir();
    const first = await startEmulators({ dataDir });
    expect(first.dynamodbEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(first.cognitoEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(processesUsing(dataDir)).toHaveLength(2);
    // `peak`, the default: the JVM's own compilers and collector.
    expect(jvmOptionsIn(dataDir)).toEqual([]);
    const ids = await bootstrap({
      dynamodbEndpoint: first.dynamodbEndpoint,
      cognitoEndpoint: first.cognitoEndpoint,
    });
    const c1 = clients(first);
    await c1.ddb.send(
      new PutItemCommand({ TableName: ids.tableName, Item: { pk: { S: 'p' }, sk: { S: 's' } } }),
    );
    c1.ddb.destroy();
    c1.cognito.destroy();
    await first.stop();
    expect(await waitNoneUsing(dataDir)).toEqual([]);

    const second = await startEmulators({ dataDir });
    try {
      const c2 = clients(second);
      const item = await c2.ddb.send(
        new GetItemCommand({ TableName: ids.tableName, Key: { pk: { S: 'p' }, sk: { S: 's' } } }),
      );
      expect(item.Item?.pk?.S).toBe('p');
      const pools = await c2.cognito.send(new ListUserPoolsCommand({ MaxResults: 10 }));
      expect(pools.UserPools?.map((p) => p.Id)).toEqual([ids.userPoolId]);
      const again = await bootstrap({
        dynamodbEndpoint: second.dynamodbEndpoint,
        cognitoEndpoint: second.cognitoEndpoint,
      });
      expect(again).toEqual(ids);
      c2.ddb.destroy();
      c2.cognito.destroy();
    } finally {
      await second.stop();
    }
    expect(await waitNoneUsing(dataDir)).toEqual([]);
  }, 60_000);

  it('keeps nothing on disk in memory mode (with the quick JVM)', async () => {
    const dataDir = await tempDir();
    const first = await startEmulators({ dataDir, inMemory: true, jvm: 'quick' });
    expect(jvmOptionsIn(dataDir)).toEqual(['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC']);
    const { ddb } = clients(first);
    await bootstrap({ dynamodbEndpoint: first.dynamodbEndpoint, cognitoEndpoint: first.cognitoEndpoint });
    expect((await ddb.send(new ListTablesCommand({}))).TableNames).toEqual(['bank']);
    ddb.destroy();
    await first.stop();
    const second = await startEmulators({ dataDir, inMemory: true });
    try {
      const c = clients(second);
      expect((await c.ddb.send(new ListTablesCommand({}))).TableNames).toEqual([]);
      c.ddb.destroy();
    } finally {
      await second.stop();
    }
  }, 60_000);

  it('fails clearly when a fixed port is taken, leaving nothing running', async () => {
    const dataDir = await tempDir();
    const holder = await startEmulators({ dataDir: await tempDir(), inMemory: true });
    try {
      await expect(
        startEmulators({ dataDir, inMemory: true, dynamodbPort: holder.dynamodb.port }),
      ).rejects.toThrow(/DynamoDB Local/);
      expect(await waitNoneUsing(dataDir)).toEqual([]);
    } finally {
      await holder.stop();
    }
  }, 60_000);

  it('takes the emulators down with it when its process is killed with SIGKILL', async () => {
    const dataDir = await tempDir();
    const script = `import { startEmulators } from './src/local/emulators.ts';
      await startEmulators({ dataDir: ${JSON.stringify(dataDir)} });
      console.log('ready');
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: join(import.meta.dirname, '..', '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => String(d).includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`exited early: ${code}`)));
    });
    expect(processesUsing(dataDir).length).toBeGreaterThanOrEqual(2);
    child.kill('SIGKILL');
    expect(await waitNoneUsing(dataDir)).toEqual([]);
  }, 60_000);
});

describe('dynamoJvm', () => {
  it('reads BANK_DYNAMODB_JVM: peak unless it says quick, and refuses anything else', () => {
    expect(dynamoJvm({})).toBe('peak');
    expect(dynamoJvm({ BANK_DYNAMODB_JVM: ' ' })).toBe('peak');
    expect(dynamoJvm({ BANK_DYNAMODB_JVM: 'peak' })).toBe('peak');
    expect(dynamoJvm({ BANK_DYNAMODB_JVM: 'quick' })).toBe('quick');
    expect(() => dynamoJvm({ BANK_DYNAMODB_JVM: 'fast' })).toThrow('BANK_DYNAMODB_JVM must be peak or quick');
  });
});

describe('startOnPort', () => {
  // A child that serves "mine" on its port, or exits printing EADDRINUSE when the port is taken.
  const SERVE = `require('node:http').createServer((q, r) => r.end('mine')).on('error', (e) => { console.error(e.message); process.exit(1); }).listen(Number(process.argv[1]), '127.0.0.1')`;

  /**
   * Another server on a port, and a pick whose first port is that one: the race of another server
   * taking a port after we picked it, made certain.
   */
  const raced = async () => {
    const foreign = createServer((_q, r) => r.end('foreign'));
    await new Promise<void>((r) => foreign.listen(0, '127.0.0.1', r));
    const taken = (foreign.address() as { port: number }).port;
    const picks: number[] = [];
    const pickPort = async (host: string) => {
      const port = picks.length === 0 ? taken : await freePort(host);
      picks.push(port);
      return port;
    };
    return { foreign, taken, picks, pickPort };
  };

  it('does not take another server on the picked port for its child: it tries another port', async () => {
    const { foreign, taken, picks, pickPort } = await raced();
    const started = await startOnPort(
      'test child',
      { dataDir: tmpdir() },
      async (port) => supervise(process.execPath, ['-e', SERVE, String(port)], { cwd: tmpdir() }),
      (endpoint) => `${endpoint}/`,
      pickPort,
    );
    try {
      expect(picks[0]).toBe(taken);
      expect(started.port).not.toBe(taken);
      expect(await (await fetch(started.endpoint)).text()).toBe('mine');
    } finally {
      await started.stop();
      foreign.close();
    }
  });

  it('reads aws-ses-v2-local\u2019s words for a taken port as such, and tries another', async () => {
    const { foreign, taken, picks, pickPort } = await raced();
    const ses = await startSes({ dataDir: tmpdir(), pickPort });
    try {
      expect(picks[0]).toBe(taken);
      expect(ses.port).not.toBe(taken);
      expect(await sentEmails(ses.endpoint)).toEqual([]);
    } finally {
      await ses.stop();
      foreign.close();
    }
  });
});
