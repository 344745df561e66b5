/**
 * Helpers for test files: clients for the shared emulators (started once by test/global-setup.ts),
 * a fresh table and user pool per test file, handler environment, and a whole `npm start` stack.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { resetConfig } from '../src/config.ts';
import { db } from '../src/handlers/context.ts';
import {
  ensureTable,
  ensureUserPool,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  localClientConfig,
} from '../src/local/bootstrap.ts';
import { emulateCognitoDisabledUsers } from '../src/local/cognito.ts';
import { emulateConflicts } from '../src/local/conflicts.ts';
import { emulateIamEverywhere } from '../src/local/iam.ts';
import { freePort, isPortFree } from '../src/local/ports.ts';
import { emulateS3ConditionalWrites } from '../src/local/s3-conditional.ts';
import { LOCAL_CURSOR_SECRET_ID, LocalSecretsProvider } from '../src/local/secrets.ts';
import { useCursorKeyProvider } from '../src/store/cursor.ts';
import { createDocumentClient, type Db } from '../src/store/db.ts';
import type { EmulatorEndpoints } from './global-setup.ts';

const ROOT = join(import.meta.dirname, '..');

/** The shared emulators' endpoints. */
export const emulators = (): EmulatorEndpoints => {
  const e = inject('emulators');
  if (!e) {
    throw new Error('No emulators: this test needs test/global-setup.ts (unset BANK_TEST_EMULATORS=off)');
  }
  return e;
};

let clients: { client: DynamoDBClient; doc: DynamoDBDocumentClient } | undefined;
/**
 * A DynamoDBClient and a DocumentClient (the handlers' settings) on the shared DynamoDB Local, with
 * AWS's transaction conflicts emulated (src/local/conflicts.ts) unless BANK_EMULATE_CONFLICTS=off.
 */
export const dynamoClients = (): { client: DynamoDBClient; doc: DynamoDBDocumentClient } => {
  if (!clients) {
    const client = new DynamoDBClient(localClientConfig(emulators().dynamodbEndpoint));
    emulateConflicts(client);
    clients = { client, doc: createDocumentClient(client) };
  }
  return clients;
};

/**
 * A DocumentClient of its own whose first `commandName` (the SDK's: `UpdateItemCommand`, ...) DynamoDB
 * does and whose answer is then lost (a timeout), below the SDK's retries: the SDK sends it again, as
 * on AWS when an answer does not come in time. `lost()` counts the answers lost.
 */
export const answerLostOnce = (commandName: string): Db & { lost: () => number } => {
  const client = new DynamoDBClient(localClientConfig(emulators().dynamodbEndpoint));
  let lost = 0;
  client.middlewareStack.add(
    ((next: (a: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
      if (context.commandName !== commandName || lost > 0) return next(args);
      await next(args);
      lost++;
      throw Object.assign(new Error('Request timed out (injected)'), { name: 'TimeoutError' });
    }) as never,
    { step: 'deserialize', name: 'answerLostOnce' },
  );
  return Object.assign(createDocumentClient(client), { lost: () => lost });
};

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

/**
 * A new, uniquely named table from the single-table definition (with TTL on); returns its name.
 * Without its stream unless `stream: true`: the shared DynamoDB Local's writes to tables with streams
 * slow down as their records pile up over the run (see ensureTable), so only tests that read the
 * stream (a stream poller, the settler) turn it on.
 */
export const createTestTable = async (prefix = 'test', opts: { stream?: boolean } = {}): Promise<string> => {
  const name = unique(prefix);
  await ensureTable(dynamoClients().client, name, { stream: opts.stream ?? false });
  return name;
};

export interface TestUserPool {
  userPoolId: string;
  clientId: string;
  /** What the gateway's JWT verifier checks: the tokens' issuer and the pool's key set. */
  issuer: string;
  jwksUrl: string;
  cognito: CognitoIdentityProviderClient;
}

/** A new user pool and app client on the shared cognito-local, set up as the local stack's. */
export const createTestUserPool = async (prefix = 'test'): Promise<TestUserPool> => {
  const endpoint = emulators().cognitoEndpoint;
  const cognito = new CognitoIdentityProviderClient(localClientConfig(endpoint));
  const ids = await ensureUserPool(cognito, { poolName: unique(prefix), clientName: 'web' });
  return {
    userPoolId: ids.userPoolId,
    clientId: ids.userPoolClientId,
    issuer: `${endpoint}/${ids.userPoolId}`,
    jwksUrl: `${endpoint}/${ids.userPoolId}/.well-known/jwks.json`,
    cognito,
  };
};

/** The cursor key handler tests read, as the local stack provides it. */
export const testCursorKeys = new LocalSecretsProvider({
  [LOCAL_CURSOR_SECRET_ID]: JSON.stringify({ current: 'test-cursor-key-of-at-least-32-characters' }),
});

/**
 * Sets process.env as the local stack sets it for handlers, pointed at the shared emulators, with
 * `vars` on top; clears the cached config; puts the conflict emulation on the handlers' DynamoDB
 * client as `npm start` does (off with BANK_EMULATE_CONFLICTS=off), and the offline IAM (src/local/iam.ts:
 * it checks what a handler run through the registry, `loadHandler`, calls). Returns a function that
 * restores the previous values.
 */
export const useHandlerEnv = (vars: Record<string, string> = {}): (() => void) => {
  const e = emulators();
  const env: Record<string, string> = {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: e.dynamodbEndpoint,
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: e.cognitoEndpoint,
    TABLE_NAME: 'bank',
    BANK_AUTO_CONFIRM: 'true',
    BANK_CURSOR_SECRET_ID: LOCAL_CURSOR_SECRET_ID,
    ...vars,
  };
  const previous = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  resetConfig();
  emulateConflicts(db());
  emulateIamEverywhere();
  emulateCognitoDisabledUsers();
  emulateS3ConditionalWrites();
  useCursorKeyProvider(testCursorKeys);
  return () => {
    for (const [k, v] of Object.entries(previous)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    resetConfig();
  };
};

// ---------- a whole stack, as a user runs it ----------

export interface StartStackOptions {
  port?: number;
  dataDir?: string;
  env?: Record<string, string>;
  /** How long to wait for /health to answer 200. */
  timeoutMs?: number;
  /** Picks the port when `port` is not given (a free one; a test of the retry injects a taken one). */
  pickPort?: () => Promise<number>;
}

export interface StartedStack {
  /** Where the gateway listens now (a restart may move it: read it after one). */
  readonly baseUrl: string;
  readonly port: number;
  dataDir: string;
  /** The group id of the `npm start` process tree. */
  pid: number;
  /** Everything the stack printed so far. */
  output: () => string;
  /** Sends `signal` to the process group (as Ctrl+C does), waits until every process of it is gone. */
  stop: (signal?: NodeJS.Signals) => Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL to the whole process group: a crash. Resolves when every process of it is gone. */
  kill: () => Promise<void>;
  /**
   * Stops (SIGTERM) and starts again on the same data directory and port; if another process took the
   * port meanwhile, on another free one, as startStack does (`baseUrl` and `port` then change). The
   * emulators come back on their previous ports if still free, else on others (a moved cognito-local
   * is a new issuer: the old tokens answer 401; quietPort pins it where nothing else takes it).
   */
  restart: () => Promise<void>;
  /** `npm run verify-ledger` against this stack. */
  verifyLedger: () => Promise<{ code: number | null; output: string }>;
}

const running = new Set<number>();
let exitHooked = false;
/** Stacks a test forgot to stop die with the test process. */
const killRunningOnExit = () => {
  if (exitHooked) return;
  exitHooked = true;
  process.once('exit', () => {
    for (const pgid of running) groupKill(pgid, 'SIGKILL');
  });
};

const groupKill = (pgid: number, signal: NodeJS.Signals | 0): boolean => {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until no process of the group is left; SIGKILLs stragglers after `graceMs` and fails. */
const waitGroupGone = async (pgid: number, graceMs = 15_000): Promise<void> => {
  const deadline = Date.now() + graceMs;
  while (groupKill(pgid, 0)) {
    if (Date.now() > deadline) {
      groupKill(pgid, 'SIGKILL');
      running.delete(pgid);
      throw new Error(`processes of group ${pgid} were still running ${graceMs} ms after the stack exited`);
    }
    await sleep(50);
  }
  running.delete(pgid);
};

const exitOf = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
    } else child.once('exit', (code, signal) => resolve({ code, signal }));
  });

const stackEnv = (port: number, dataDir: string, extra: Record<string, string>): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    BANK_DATA_DIR: dataDir,
    HOST: '127.0.0.1',
  };
  // A developer's fixed emulator ports would make stacks collide: tests always use free ones.
  delete env.BANK_DYNAMODB_PORT;
  delete env.BANK_COGNITO_PORT;
  return { ...env, ...extra };
};

const launch = (port: number, dataDir: string, extra: Record<string, string>) => {
  killRunningOnExit();
  const child = spawn('npm', ['start', '--silent'], {
    cwd: ROOT,
    env: stackEnv(port, dataDir, extra),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('could not spawn npm start');
  running.add(child.pid);
  return child;
};

/**
 * Healthy when /health is 200 and the stack said it listens on `baseUrl`: until then an answer on the
 * port may come from another stack that took the port between our pick and the gateway's bind.
 */
const waitHealthy = async (
  baseUrl: string,
  child: ChildProcess,
  output: () => string,
  /** What this run of the stack printed (a restart appends to `output`). */
  printed: () => string,
  timeoutMs: number,
) => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`npm start exited (${child.exitCode ?? child.signalCode}):\n${output()}`);
    }
    const ok =
      printed().includes(`Serverless Bank: starting on ${baseUrl} `) &&
      (await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.status === 200,
        () => false,
      ));
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`the stack at ${baseUrl} was not healthy after ${timeoutMs} ms:\n${output()}`);
};

const run = (args: string[], env: NodeJS.ProcessEnv) =>
  new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn('npm', args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.once('exit', (code) => resolve({ code, output }));
  });

/**
 * A free port below the OS's ephemeral range (Linux: ip_local_port_range), for an emulator that must
 * get its port back after a restart (BANK_COGNITO_PORT: cognito-local's port is in its tokens' issuer).
 * The OS never hands such a port to a bind on port 0 or to an outgoing connection, which is how every
 * other stack, emulator and client of a test run gets its ports, so none of them takes it while the
 * stack is down. Elsewhere than Linux, any free port.
 */
export const quietPort = async (): Promise<number> => {
  const range = await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(() => '');
  const low = Number(range.trim().split(/\s+/)[0]);
  if (!Number.isInteger(low) || low < 4096) return freePort();
  for (let i = 0; i < 100; i++) {
    const port = Math.floor(low / 2) + Math.floor(Math.random() * Math.floor(low / 2));
    if (await isPortFree(port)) return port;
  }
  throw new Error(`no free port below ${low}`);
};

/** Runs `npm start` on a free port with a temporary data directory and waits until /health is 200. */
export const startStack = async (opts: StartStackOptions = {}): Promise<StartedStack> => {
  const pickPort = opts.pickPort ?? (() => freePort());
  let port = opts.port ?? (await pickPort());
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'bank-stack-')));
  // The 400 ms floor on registration, confirmation and resets (src/handlers/checks.ts `atLeast`) is only
  // waiting here: no whole-stack test reads timings, and the floor is tested on a fake clock
  // (test/auth-floor.test.ts). A test that wants it passes BANK_AUTH_FLOOR_MS itself. DynamoDB Local
  // gets the JVM that starts on half the CPU (src/local/emulators.ts DynamoJvm): most stacks here live
  // seconds. The bench asks for `peak`.
  const env = { BANK_AUTH_FLOOR_MS: '0', BANK_DYNAMODB_JVM: 'quick', ...opts.env };
  const timeoutMs = opts.timeoutMs ?? 120_000;
  let baseUrl = `http://127.0.0.1:${port}`;
  let log = '';
  const output = () => log;
  let child: ChildProcess;
  // npm exits at once on a group signal while the stack (its grandchild) still writes to the same
  // pipes: the output is complete only when every writer has closed them, not when npm exits.
  let drained: Promise<void>;
  /** Where the output of the latest start begins (a restart appends to `log`). */
  let mark = 0;

  const start = async () => {
    child = launch(port, dataDir, env);
    const c = child;
    mark = log.length;
    drained = new Promise<void>((resolve) => c.once('close', () => resolve()));
    child.stdout?.on('data', (d) => {
      log += d;
    });
    child.stderr?.on('data', (d) => {
      log += d;
    });
    try {
      await waitHealthy(baseUrl, child, output, () => log.slice(mark), timeoutMs);
    } catch (e) {
      await kill();
      throw e;
    }
  };
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    const pgid = child.pid as number;
    const exited = exitOf(child);
    groupKill(pgid, signal);
    const result = await exited;
    await waitGroupGone(pgid);
    await drained;
    return result;
  };
  const kill = async () => {
    const pgid = child.pid as number;
    const exited = exitOf(child);
    groupKill(pgid, 'SIGKILL');
    await exited;
    await waitGroupGone(pgid);
    await drained;
  };

  // A free port may be taken by another stack before the gateway binds it (or, on a restart, while
  // the stack was down): then try another one. A port the caller fixed is never changed.
  const startOnFreePort = async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        await start();
        return;
      } catch (e) {
        const taken = /cannot listen on \S+: .*EADDRINUSE/.test(log.slice(mark));
        if (opts.port !== undefined || attempt >= 3 || !taken) throw e;
        port = await pickPort();
        baseUrl = `http://127.0.0.1:${port}`;
      }
    }
  };
  await startOnFreePort();
  return {
    get baseUrl() {
      return baseUrl;
    },
    get port() {
      return port;
    },
    dataDir,
    get pid() {
      return child.pid as number;
    },
    output,
    stop,
    kill,
    restart: async () => {
      await stop('SIGTERM');
      await startOnFreePort();
    },
    verifyLedger: () => run(['run', 'verify-ledger', '--silent'], stackEnv(port, dataDir, env)),
  };
};
