/**
 * `npm start`: the whole bank offline. Starts DynamoDB Local and cognito-local, creates the table and
 * the user pool if missing, and serves the API, its reference and the web client through the local
 * gateway. Env: PORT (3000), HOST (127.0.0.1; a non-loopback one needs BANK_ALLOW_REMOTE=true), BANK_DATA_DIR (.data), BANK_DYNAMODB_PORT and
 * BANK_COGNITO_PORT (free ports otherwise), BANK_AUTO_CONFIRM ('false' to need the emailed code),
 * BANK_CORS_ORIGINS, BANK_RATE_LIMIT*, BANK_SWEEP_SECONDS (5: how often scheduled functions run),
 * BANK_EMULATE_CONFLICTS ('off' to let DynamoDB Local's transactions overlap without conflicts, as it
 * does by itself), BANK_CLOCK_OFFSET_DAYS (0: scheduled functions see the clock this many days ahead;
 * local only), BANK_SES_PORT (aws-ses-v2-local, a free port otherwise), BANK_LAMBDA_PORT (the local
 * Invoke endpoint, src/local/async-invoke.ts; a free port otherwise), BANK_WEBHOOK_RETRY_SCALE (1),
 * BANK_DYNAMODB_JVM (`peak`, or `quick` for a JVM that starts on half the CPU: src/local/emulators.ts).
 * s3rver serves the statements bucket and the stream functions' failed-batches bucket (files under BANK_DATA_DIR/s3).
 * Ctrl+C stops everything.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type Config, readSetting, settingsEnv } from '../config.ts';
import { IDLE_TIMEOUT_SECONDS } from '../domain/session.ts';
import { db } from '../handlers/context.ts';
import { createJwtVerifier } from '../identity/jwt.ts';
import { useCursorKeyProvider } from '../store/cursor.ts';
import { type AsyncInvokeEndpoint, startAsyncInvoke } from './async-invoke.ts';
import { bootstrap, LOCAL_CREDENTIALS, LOCAL_REGION } from './bootstrap.ts';
import { emulateCognitoDisabledUsers } from './cognito.ts';
import { emulateConflictsEverywhere } from './conflicts.ts';
import { dynamoJvm, type Emulators, startEmulators } from './emulators.ts';
import { createGateway } from './gateway.ts';
import { emulateIamEverywhere } from './iam.ts';
import { envPort, isPortFree } from './ports.ts';
import { type LocalS3, s3Env, startS3 } from './s3.ts';
import { emulateS3ConditionalWrites } from './s3-conditional.ts';
import { type Scheduler, startScheduler } from './scheduler.ts';
import { LOCAL_CURSOR_SECRET_ID, LocalSecretsProvider } from './secrets.ts';
import { startSes } from './ses.ts';
import { cursorSecret, isStackProcess, readStackFile, writeStackFile } from './stack-file.ts';
import { type StreamPoller, startStreamPoller } from './streams.ts';

const started = Date.now();
// The stack runs on Node 20 by design (Lambda runs 22); the SDK's advance notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const port = envPort('PORT') ?? 3000;
const host = process.env.HOST || '127.0.0.1';
const dataDir = resolve(process.env.BANK_DATA_DIR || '.data');
/** Offline, how customers reach the bank, unless BANK_SUPPORT_CONTACT says: an address nobody reads. */
const LOCAL_SUPPORT_CONTACT = 'support@bank.local';
const root = join(import.meta.dirname, '..', '..');
// The handlers' settings (src/config.ts), checked here as the handlers check them, before anything starts.
let local: Pick<Config, 'sweepSeconds' | 'emailFrom' | 'autoConfirm' | 'supportContact'>;
try {
  local = {
    sweepSeconds: readSetting('sweepSeconds', process.env.BANK_SWEEP_SECONDS, 'BANK_SWEEP_SECONDS'),
    emailFrom: readSetting('emailFrom', process.env.BANK_EMAIL_FROM, 'BANK_EMAIL_FROM'),
    // Offline, sign-ups are confirmed unless told otherwise (the handlers' own default is false).
    autoConfirm: readSetting('autoConfirm', process.env.BANK_AUTO_CONFIRM || 'true', 'BANK_AUTO_CONFIRM'),
    // How customers reach the bank: in every email's footer and the web client's (offline, a made-up one).
    supportContact: readSetting(
      'supportContact',
      process.env.BANK_SUPPORT_CONTACT || LOCAL_SUPPORT_CONTACT,
      'BANK_SUPPORT_CONTACT',
    ),
  };
} catch (e) {
  console.error(`npm start: ${(e as Error).message}`);
  process.exit(1);
}
const { sweepSeconds } = local;
let scheduler: Scheduler | undefined;
let s3: LocalS3 | undefined;
// Local only: scheduled functions see the clock this many days ahead (try a month of standing orders).
const clockOffsetDays = Number(process.env.BANK_CLOCK_OFFSET_DAYS || 0);
if (!Number.isFinite(clockOffsetDays)) {
  console.error('npm start: BANK_CLOCK_OFFSET_DAYS must be a number');
  process.exit(1);
}
let streams: StreamPoller | undefined;
let lambda: AsyncInvokeEndpoint | undefined;

const fail = (message: string): never => {
  console.error(`npm start: ${message}`);
  process.exit(1);
};

// cognito-local signs tokens with a key published in its source: whoever can reach this stack can
// mint a token for any customer. So it listens on loopback only, unless told otherwise on purpose.
const isLoopback = (h: string) => h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
if (!isLoopback(host)) {
  if (process.env.BANK_ALLOW_REMOTE !== 'true') {
    fail(
      `HOST=${host} is not a loopback address. Anyone who can reach it could mint tokens with cognito-local's public signing key. Set BANK_ALLOW_REMOTE=true to do it anyway.`,
    );
  }
  console.warn(
    `Serverless Bank: WARNING: listening on ${host} (BANK_ALLOW_REMOTE=true). Anyone who can reach it can mint tokens for any customer with cognito-local's public signing key: never expose it to a network you do not trust.`,
  );
}

await mkdir(dataDir, { recursive: true });
const previous = await readStackFile(dataDir);
if (isStackProcess(previous?.pid)) {
  fail(`another local stack (pid ${previous?.pid}) is using ${dataDir}; stop it or set BANK_DATA_DIR`);
}

// The gateway listens first: while the emulators start, API routes answer 503.
const gateway = createGateway({ ready: false });
const { url } = await gateway
  .listen(port, host)
  .catch((e: Error) => fail(`cannot listen on ${host}:${port}: ${e.message}`));
const publicUrl = url.replace('://0.0.0.0:', '://localhost:');
console.log(`Serverless Bank: starting on ${publicUrl} (data in ${dataDir})`);

/** The port an emulator had last time, if still free: cognito-local's port is in the tokens' issuer. */
const previousPort = async (endpoint: string | undefined): Promise<number | undefined> => {
  const port = endpoint ? Number(new URL(endpoint).port) : undefined;
  return port && (await isPortFree(port)) ? port : undefined;
};

// Amazon SES offline: the notifier's emails, readable in its web UI.
const sesStarting = startSes({ dataDir, port: envPort('BANK_SES_PORT') });
const emulatorsStarting = startEmulators({
  dataDir,
  dynamodbPort: envPort('BANK_DYNAMODB_PORT') ?? (await previousPort(previous?.dynamodbEndpoint)),
  cognitoPort: envPort('BANK_COGNITO_PORT') ?? (await previousPort(previous?.cognitoEndpoint)),
  jvm: dynamoJvm(),
  // cognito-local prints the confirmation codes it "emails".
  onLine: (source, line) => {
    if (source === 'cognito') console.log(`[cognito-local] ${line}`);
  },
});

let stopping = false;
const shutdown = async (code: number, why: string): Promise<void> => {
  if (stopping) return;
  stopping = true;
  console.log(`Serverless Bank: stopping (${why})`);
  // Ctrl+C signals the whole process group, so the emulators may already be going: no step may hang
  // or throw the shutdown away. Each is bounded and its failure reported, then the next one runs.
  const step = async (name: string, stop: () => Promise<unknown> | undefined): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        console.error(`Serverless Bank: ${name} did not stop within 5 s`);
        resolve();
      }, 5_000);
    });
    try {
      await Promise.race([Promise.resolve().then(stop), bound]);
    } catch (e) {
      console.error(`Serverless Bank: stopping ${name} failed: ${(e as Error).message ?? e}`);
    } finally {
      clearTimeout(timer);
    }
  };
  await step('the scheduler', () => scheduler?.stop());
  await step('the stream poller', () => streams?.stop());
  await step('the local Invoke endpoint', () => lambda?.stop());
  await step('the gateway', () => gateway.close());
  await Promise.all([
    step('s3rver', () => s3?.stop()),
    step('the emulators', async () => (await emulatorsStarting.catch(() => undefined))?.stop()),
    step('aws-ses-v2-local', async () => (await sesStarting.catch(() => undefined))?.stop()),
  ]);
  console.log(`Serverless Bank: stopped (exit ${code})`);
  process.exit(code);
};
process.on('SIGINT', () => void shutdown(0, 'SIGINT'));
process.on('SIGTERM', () => void shutdown(0, 'SIGTERM'));
process.on('SIGHUP', () => void shutdown(0, 'SIGHUP'));

const startUp = async (emulators: Emulators): Promise<void> => {
  const ses = await sesStarting;
  for (const [name, emulator] of [
    ['DynamoDB Local', emulators.dynamodb],
    ['cognito-local', emulators.cognito],
    ['aws-ses-v2-local', ses],
  ] as const) {
    void emulator.exited.then(async (code) => {
      // Ctrl+C or a kill of the process group reaches the emulators too, and a small one (SES) may be
      // gone before our own signal handler has run: give the signal a moment to arrive.
      await new Promise((r) => setTimeout(r, 500));
      if (!stopping) {
        console.error(`${name} exited unexpectedly (${code})`);
        void shutdown(1, `${name} exited`);
      }
    });
  }
  const ids = await bootstrap({
    dynamodbEndpoint: emulators.dynamodbEndpoint,
    cognitoEndpoint: emulators.cognitoEndpoint,
    known: previous ?? {},
  });
  s3 = await startS3({ dataDir, host: '127.0.0.1' });
  // Lambda's asynchronous Invoke (the stream function invokes the notifier), on 127.0.0.1.
  lambda = await startAsyncInvoke({ region: LOCAL_REGION, port: envPort('BANK_LAMBDA_PORT') });
  // What the CDK app sets on AWS; the SDK finds the emulators through AWS_ENDPOINT_URL_*.
  Object.assign(process.env, {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: emulators.dynamodbEndpoint,
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: emulators.cognitoEndpoint,
    AWS_ENDPOINT_URL_SESV2: ses.endpoint,
    AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
    ...settingsEnv({
      // The local Invoke endpoint knows the registry's names.
      notifierFunction: 'notifier',
      ...local,
      tableName: ids.tableName,
      userPoolId: ids.userPoolId,
      userPoolClientId: ids.userPoolClientId,
      cursorSecretId: LOCAL_CURSOR_SECRET_ID,
      // Offline only: webhooks to http://127.0.0.1:<port> (on AWS only https to public addresses).
      webhookAllowLoopback: true,
    }),
    ...s3Env(s3),
    POWERTOOLS_SERVICE_NAME: process.env.POWERTOOLS_SERVICE_NAME || 'serverless-bank',
  });
  delete process.env.AWS_SESSION_TOKEN;
  // AWS's transaction conflicts, on every DynamoDB client of the process (the gateway runs the
  // handlers in it), one registry of items in flight for all: they all write to the one table.
  const conflicts = emulateConflictsEverywhere();
  // IAM's refusals: each function may make only the calls its registry entry declares, on every
  // SDK client it creates.
  emulateIamEverywhere();
  // Cognito refuses a disabled user's sign-in on AWS; cognito-local does not (src/local/cognito.ts).
  emulateCognitoDisabledUsers();
  // S3 keeps the first object of a conditional put (If-None-Match: *); s3rver writes over it.
  emulateS3ConditionalWrites();
  // No Secrets Manager emulator exists: the cursor key reaches the handlers through a Powertools
  // provider of our own, by the same `get` they use on AWS (see the README, Local vs AWS).
  useCursorKeyProvider(
    new LocalSecretsProvider({
      [LOCAL_CURSOR_SECRET_ID]: JSON.stringify({ current: await cursorSecret(dataDir) }),
    }),
  );
  const issuer = `${emulators.cognitoEndpoint}/${ids.userPoolId}`;
  gateway.configure({
    verifier: createJwtVerifier({
      issuer,
      jwksUrl: `${issuer}/.well-known/jwks.json`,
      clientIds: [ids.userPoolClientId],
    }),
    clientConfig: {
      apiBaseUrl: '',
      region: LOCAL_REGION,
      userPoolId: ids.userPoolId,
      userPoolClientId: ids.userPoolClientId,
      idleTimeoutSeconds: IDLE_TIMEOUT_SECONDS,
      supportContact: local.supportContact,
    },
    region: LOCAL_REGION,
    diagnostics: () => ({
      conflicts: conflicts ? { emulated: true, ...conflicts.counters() } : { emulated: false },
      // Whether the stream functions have handled everything written so far, and the functions they
      // invoke asynchronously too (the bench waits for it).
      streams: { drained: (streams?.drained() ?? true) && (lambda?.idle() ?? true) },
    }),
  });
  // Scheduled functions (src/functions.ts), as EventBridge would run them, every BANK_SWEEP_SECONDS.
  scheduler = startScheduler({
    intervalMs: sweepSeconds * 1000,
    region: LOCAL_REGION,
    now: () => new Date(Date.now() + clockOffsetDays * 86_400_000),
  });
  // Stream functions, as their event source mappings would feed them, from the table's stream.
  streams = await startStreamPoller({
    dynamodbEndpoint: emulators.dynamodbEndpoint,
    tableName: ids.tableName,
    region: LOCAL_REGION,
    // Idle, a read every 2 s at most; the handlers' writes (the API's, the scheduled and the stream
    // functions') wake the readers. A write from another process is read within 2 s.
    idleMs: 2000,
    wakeOn: [db()],
    // Each function's mapping keeps its position across restarts, as on AWS.
    positionsDir: join(dataDir, 'streams'),
  });
  await writeStackFile({
    apiUrl: publicUrl,
    port: Number(new URL(publicUrl).port),
    pid: process.pid,
    dynamodbEndpoint: emulators.dynamodbEndpoint,
    cognitoEndpoint: emulators.cognitoEndpoint,
    tableName: ids.tableName,
    userPoolId: ids.userPoolId,
    userPoolClientId: ids.userPoolClientId,
    region: LOCAL_REGION,
    dataDir,
  });
  // Ready (API routes, /config.json and /health answer) only once everything above runs and
  // stack.json names it: a client that saw /health 200 may read stack.json at once.
  gateway.configure({ ready: true });
  const web = existsSync(join(root, 'web', 'dist', 'index.html'))
    ? `${publicUrl}/`
    : `${publicUrl}/ (not built yet: npm run build:web)`;
  console.log(
    [
      `Serverless Bank: ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      `  API         ${publicUrl}/v1  (health: ${publicUrl}/health)`,
      `  API docs    ${publicUrl}/docs  (OpenAPI: ${publicUrl}/openapi.json)`,
      `  Web client  ${web}`,
      `  Emulators   DynamoDB Local ${emulators.dynamodbEndpoint}, cognito-local ${emulators.cognitoEndpoint}, s3rver ${s3.endpoint}`,
      `  Schedules   every ${sweepSeconds} s (BANK_SWEEP_SECONDS); table stream polled for events`,
      `  Emails      ${ses.endpoint}/  (aws-ses-v2-local: every email the bank sends)`,
      `  Lambda      ${lambda.endpoint}  (asynchronous Invoke: the stream function's notices to the notifier)`,
      `  Sign-up     ${local.autoConfirm ? 'confirmed automatically' : 'confirmation codes appear in this log'}`,
      `  Conflicts   ${conflicts ? "AWS's transaction conflicts emulated (BANK_EMULATE_CONFLICTS=off to stop)" : 'not emulated (BANK_EMULATE_CONFLICTS=off)'}`,
      'Press Ctrl+C to stop.',
    ].join('\n'),
  );
};

try {
  await startUp(await emulatorsStarting);
} catch (e) {
  if (!stopping) {
    console.error(`npm start: startup failed: ${(e as Error).stack ?? e}`);
    await shutdown(1, 'startup failed');
  }
}
