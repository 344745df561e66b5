/**
 * The Lambda bundles themselves: each function is built with the deployed esbuild options, loaded
 * from its index.mjs (as Lambda loads it; with the chunks it imports, where the build splits one), and
 * called against the emulators. This is what
 * proves the bundling choices safe: ESM output with the require shim, the env-only credential
 * provider, and the event-stream codec left out.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { Function as LambdaFn, Runtime } from 'aws-cdk-lib/aws-lambda';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildEvent } from '../src/api/event.ts';
import { buildOpenApiDocument } from '../src/api/openapi.ts';
import { type OperationId, routeKey, routeList, routes } from '../src/api/routes.ts';
import { periodOf } from '../src/domain/statements.ts';
import { type FunctionName, functionNames, functions } from '../src/functions.ts';
import { startAsyncInvoke } from '../src/local/async-invoke.ts';
import { LOCAL_REGION } from '../src/local/bootstrap.ts';
import { s3Env } from '../src/local/s3.ts';
import { createTestTable, createTestUserPool, useHandlerEnv } from '../test/harness.ts';
import { pdfText } from '../test/pdf-text.ts';
import { withinOnePeriod } from '../test/periods.ts';
import { transferPosted } from '../test/stream-records.ts';
import {
  bundleFunction,
  externalsOf,
  lambdaCode,
  loadedAtStart,
  splitsLazyImports,
  standsInForEventStreams,
} from './bundling.ts';

type Handler = (event: unknown) => Promise<APIGatewayProxyStructuredResultV2>;

/** A build's JavaScript files (index.mjs and any chunks), as the metafile lists them. */
const javaScript = (meta: Metafile | undefined) =>
  Object.entries(meta?.outputs ?? {}).filter(([file]) => file.endsWith('.mjs'));

/**
 * Every description the OpenAPI document gives a schema or a property, long enough not to be some other
 * string of a bundle's. Read before any bundle is loaded: a bundle's zod registers its schemas' ids
 * in the same global registry, which the document's conversion then refuses as duplicates.
 */
const documented = ((): string[] => {
  const found = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) {
        if (k === 'description' && typeof x === 'string') found.add(x);
        else walk(x);
      }
  };
  walk(buildOpenApiDocument().components.schemas);
  return [...found].filter((t) => t.length >= 40);
})();

let dir: string;
let restoreEnv: () => void;
const handlers = new Map<FunctionName, Handler>();
const metafiles = new Map<FunctionName, Metafile>();

beforeAll(async () => {
  const pool = await createTestUserPool('bundles');
  restoreEnv = useHandlerEnv({
    TABLE_NAME: await createTestTable('bundles'),
    USER_POOL_ID: pool.userPoolId,
    USER_POOL_CLIENT_ID: pool.clientId,
    BANK_AUTO_CONFIRM: 'true',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    ...s3Env(inject('s3')),
  });
  dir = await mkdtemp(join(tmpdir(), 'bank-bundles-'));
  for (const fn of functionNames) {
    const outfile = join(dir, fn, 'index.mjs');
    metafiles.set(fn, (await bundleFunction(fn, outfile)).metafile);
    handlers.set(fn, ((await import(pathToFileURL(outfile).href)) as { handler: Handler }).handler);
  }
});

afterAll(async () => {
  restoreEnv?.();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Calls an operation's bundled handler with an HTTP API event, as a caller `user` when given. */
const call = async (
  op: OperationId,
  input: {
    user?: string;
    params?: Record<string, string>;
    body?: unknown;
    headers?: Record<string, string>;
  } = {},
) => {
  const route = routes[op];
  const handler = handlers.get(route.fn);
  if (!handler) throw new Error(`no bundle for ${route.fn}`);
  const body = input.body === undefined ? undefined : JSON.stringify(input.body);
  const r = await handler(
    buildEvent({
      method: route.method,
      path: route.path.replace(/\{(\w+)\}/g, (_, name: string) => input.params?.[name] ?? ''),
      routeKey: routeKey(route),
      pathParameters: input.params ?? {},
      headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...input.headers },
      ...(body ? { body } : {}),
      ...(input.user ? { claims: { sub: input.user, client_id: 'web', token_use: 'access' } } : {}),
    }),
  );
  return { status: r.statusCode, body: r.body ? JSON.parse(r.body) : undefined };
};

describe('Lambda bundles', () => {
  it('answers the health check', async () => {
    expect(await call('health')).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('register, log in, open an account, deposit and read it back, each through its own bundle', async () => {
    const email = `bundle-${randomUUID().slice(0, 8)}@example.com`;
    const password = 'Correct-horse-42';
    const registered = await call('register', { body: { email, password, name: 'Bundle Tester' } });
    expect(registered).toMatchObject({ status: 201, body: { email, status: 'confirmed' } });
    // Cognito's error, deserialized by the bundle's (rewritten) schemas into its class: a 401, not a 500.
    expect(await call('login', { body: { email, password: 'Wrong-horse-42' } })).toMatchObject({
      status: 401,
      body: { code: 'invalid_credentials' },
    });
    const login = await call('login', { body: { email, password } });
    expect(login).toMatchObject({
      status: 200,
      body: { tokenType: 'Bearer', accessToken: expect.any(String) },
    });

    // The registration answer no longer names the user (no enumeration): the token's subject does.
    const token = login.body.accessToken as string;
    const user = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).sub as string;
    const account = await call('openAccount', { user, body: { type: 'checking', currency: 'EUR' } });
    expect(account.status).toBe(201);
    const params = { id: account.body.id as string };
    const deposit = await call('deposit', {
      user,
      params,
      body: { amount: 2_500 },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(deposit.status).toBe(201);
    expect(await call('getBalance', { user, params })).toMatchObject({
      status: 200,
      body: { balance: 2_500 },
    });
    expect((await call('me', { user })).body).toMatchObject({ userId: user, email });
  });

  it('carry their routes with empty summaries (documentation, read at build time only)', async () => {
    // As esbuild writes a string: non-ASCII as \uXXXX, in double quotes.
    const asBundled = (t: string) =>
      t
        .replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
        .replaceAll('"', '\\"');
    for (const fn of functionNames.filter((f) => functions[f].trigger.type === 'http')) {
      const text = await readFile(join(dir, fn, 'index.mjs'), 'utf8');
      const own = routeList.filter((r) => r.fn === fn);
      expect(own.length, fn).toBeGreaterThan(0);
      for (const r of own) expect(text, `${fn}: ${r.summary}`).not.toContain(asBundled(r.summary));
    }
  });

  it("carry their schemas' descriptions empty (documentation, read at build time only)", async () => {
    expect(documented.length).toBeGreaterThan(40);
    const asBundled = (t: string) =>
      t.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    for (const fn of functionNames.filter((f) => functions[f].trigger.type === 'http')) {
      const text = await readFile(join(dir, fn, 'index.mjs'), 'utf8');
      for (const t of documented) expect(text, `${fn}: ${t}`).not.toContain(asBundled(t).slice(0, 40));
    }
  });

  it('carry only the environment credential provider and no event-stream codec', () => {
    for (const [fn, meta] of metafiles) {
      const inputs = Object.keys(meta.inputs).join('\n');
      expect(inputs, fn).not.toMatch(
        /credential-provider-(sso|ini|process|web-identity|node)|nested-clients/,
      );
      // Left external, or (where the S3 client imports it statically) its stand-in bundled instead.
      expect(inputs, fn).not.toContain('@smithy/core/dist-es/submodules/event-streams/');
      if (standsInForEventStreams.includes(fn))
        expect(inputs, fn).toContain('infra/event-streams-left-out.ts');
      else expect(externalsOf(fn), fn).toContain('@smithy/core/event-streams');
    }
  });

  it("the event-stream stand-in sets up the S3 client's config as the package does, and refuses an event stream", async () => {
    const real = await import('@smithy/core/event-streams');
    const standIn = await import('./event-streams-left-out.ts');
    const config = () => ({
      eventStreamSerdeProvider: standIn.eventStreamSerdeProvider,
      region: 'eu-west-1',
    });
    const resolved = standIn.resolveEventStreamSerdeConfig(config());
    // The same object, with the marshaller its provider makes, as the real resolver does it.
    expect(Object.keys(resolved)).toEqual(Object.keys(real.resolveEventStreamSerdeConfig(config())));
    const marshaller = resolved.eventStreamMarshaller as ReturnType<typeof standIn.eventStreamSerdeProvider>;
    expect(() => marshaller.serialize()).toThrow(/infra\/event-streams-left-out\.ts/);
    expect(() => marshaller.deserialize()).toThrow(/infra\/event-streams-left-out\.ts/);
    expect(() => new standIn.EventStreamSerde()).toThrow(/infra\/event-streams-left-out\.ts/);
  });

  it('carry the schema modules of their own routes, never the barrels of every schema', () => {
    for (const [fn, meta] of metafiles) {
      const inputs = Object.keys(meta.inputs);
      // src/api/schemas.ts and admin-schemas.ts re-export every area: a bundle importing one keeps them all
      expect(inputs, fn).not.toContain('src/api/schemas.ts');
      expect(inputs, fn).not.toContain('src/api/admin-schemas.ts');
      if (functions[fn].trigger.type === 'http')
        expect(inputs, fn).toContain('src/api/schemas/primitives.ts');
    }
  });

  /** Our modules whose code is in a bundle, in any of its files (a module tree-shaken away adds no bytes). */
  const carried = (fn: FunctionName) =>
    javaScript(metafiles.get(fn)).flatMap(([, o]) =>
      Object.entries(o.inputs)
        .filter(([, input]) => input.bytesInOutput > 0)
        .map(([file]) => file),
    );

  it('split the ledger: each function carries only the side of it that it serves', () => {
    // The read-only functions: the reads, no engine, no movements.
    for (const fn of ['accounts-read', 'admin-accounts'] as const) {
      expect(carried(fn), fn).toContain('src/store/ledger-read.ts');
      expect(carried(fn), fn).not.toContain('src/store/ledger-engine.ts');
      expect(carried(fn), fn).not.toContain('src/store/ledger.ts');
    }
    // The customer's movements: no history reads.
    expect(carried('money')).toContain('src/store/ledger.ts');
    expect(carried('money')).not.toContain('src/store/ledger-read.ts');
    // The back office's actions: the engine, neither the customer's movements nor the reads.
    expect(carried('admin-money')).toContain('src/store/ledger-engine.ts');
    expect(carried('admin-money')).not.toContain('src/store/ledger.ts');
    expect(carried('admin-money')).not.toContain('src/store/ledger-read.ts');
  });

  it("carry none of the document client's paginators, nor its Scan: no function pages with them or scans", () => {
    const lib = 'node_modules/@aws-sdk/lib-dynamodb/dist-es/';
    for (const fn of metafiles.keys()) {
      const inputs = carried(fn);
      expect(
        inputs.filter((i) => i.startsWith(`${lib}pagination/`) || i === `${lib}commands/ScanCommand.js`),
        fn,
      ).toEqual([]);
      if (fn !== 'health') expect(inputs, fn).toContain(`${lib}DynamoDBDocumentClient.js`);
    }
  });

  it("carry Smithy's Node SHA-256 without its JavaScript fallback (infra/sha256-native.test.ts)", () => {
    const checksum = 'node_modules/@smithy/core/dist-es/submodules/checksum/sha256/';
    for (const fn of metafiles.keys()) {
      expect(carried(fn), fn).not.toContain(`${checksum}Sha256Js.js`);
      if (fn !== 'health') expect(carried(fn), fn).toContain(`${checksum}Sha256Node.js`);
    }
  });

  it('the Cognito adapter: admin carries the user look-ups alone, not the sign-in and its SDK commands; profile the sign-in, not registration or resets', () => {
    const signIn =
      'node_modules/@aws-sdk/client-cognito-identity-provider/dist-es/commands/InitiateAuthCommand.js';
    const lookUp =
      'node_modules/@aws-sdk/client-cognito-identity-provider/dist-es/commands/AdminGetUserCommand.js';
    expect(carried('auth')).toContain(signIn);
    expect(carried('admin')).toContain(lookUp);
    expect(carried('admin')).not.toContain(signIn);
    // profile proves a password by signing in, without registration or password resets.
    const command = (name: string) =>
      `node_modules/@aws-sdk/client-cognito-identity-provider/dist-es/commands/${name}Command.js`;
    expect(carried('profile')).toContain(signIn);
    expect(carried('profile')).toContain(command('RevokeToken'));
    for (const name of [
      'SignUp',
      'ConfirmSignUp',
      'ForgotPassword',
      'ConfirmForgotPassword',
      'AdminDeleteUser',
    ]) {
      expect(carried('auth'), name).toContain(command(name));
      expect(carried('profile'), name).not.toContain(command(name));
    }
  });

  it('the guard reads the login status (and the MFA token) alone: only the functions that issue or revoke tokens carry the session store, only the payee functions the payee store', () => {
    // `profile` sets the revocation marker alone (login-status.ts), without the rest of the store.
    const identity = new Set<FunctionName>(['auth', 'admin']);
    for (const fn of metafiles.keys()) {
      if (identity.has(fn)) expect(carried(fn), fn).toContain('src/store/sessions.ts');
      else expect(carried(fn), fn).not.toContain('src/store/sessions.ts');
    }
    // History names its counterparties from the payee list, not the payee store (writes, confirmation).
    expect(carried('accounts-read')).toContain('src/store/payee-list.ts');
    expect(carried('accounts-read')).not.toContain('src/store/payees.ts');
  });

  it('import nothing statically but Node built-ins: Lambda has no node_modules beside a bundle', () => {
    const builtins = new Set(builtinModules);
    for (const [fn, meta] of metafiles) {
      const staticImports = javaScript(meta)
        .flatMap(([, js]) => js.imports)
        .filter((i) => i.external && i.kind === 'import-statement')
        .map((i) => i.path)
        .filter((path) => !path.startsWith('node:') && !builtins.has(path));
      expect(staticImports, fn).toEqual([]);
    }
  });
});

describe('statement-files: pdf-lib and the S3 client in chunks of their own, loaded at the first file to write', () => {
  const outputs = () => javaScript(metafiles.get('statement-files'));
  const pdfLib = (o: Metafile['outputs'][string]) =>
    Object.keys(o.inputs).some((i) => i.includes('node_modules/pdf-lib/'));
  const s3Client = (o: Metafile['outputs'][string]) =>
    Object.keys(o.inputs).some((i) => i.includes('node_modules/@aws-sdk/client-s3/'));

  it('loads no S3 client at a cold start: it serves a file already written with a mark and a presigned URL', () => {
    const meta = metafiles.get('statement-files') as Metafile;
    const entry = outputs().find(([, o]) => o.entryPoint !== undefined);
    const atStart = loadedAtStart(meta, entry?.[0] as string);
    expect(
      outputs()
        .filter(([f]) => atStart.has(f))
        .some(([, o]) => s3Client(o)),
    ).toBe(false);
    // Nor the S3 client's protocol code, which its SDK imports reach through the index modules the
    // DynamoDB client imports too (infra/deep-imports.ts).
    const loaded = outputs()
      .filter(([f]) => atStart.has(f))
      .flatMap(([, o]) => Object.keys(o.inputs));
    expect(
      loaded.filter((i) => /protocols[\\/]xml[\\/]|@aws-sdk[\\/]xml-builder|HttpBindingProtocol/.test(i)),
    ).toEqual([]);
    const chunk = outputs().find(([f, o]) => !atStart.has(f) && s3Client(o));
    expect(chunk?.[1].inputs).toHaveProperty(['src/handlers/statement-writer.ts']);
    expect(
      outputs().some(([, o]) => o.imports.some((i) => i.path === chunk?.[0] && i.kind === 'dynamic-import')),
    ).toBe(true);
  });

  it('leaves it out of what a cold start loads, and imports its chunk dynamically', () => {
    const meta = metafiles.get('statement-files') as Metafile;
    const entry = outputs().find(([, o]) => o.entryPoint !== undefined);
    expect(entry?.[0]).toMatch(/\/index\.mjs$/);
    const atStart = loadedAtStart(meta, entry?.[0] as string);
    const lazy = outputs().filter(([f]) => !atStart.has(f));
    expect(
      outputs()
        .filter(([f]) => atStart.has(f))
        .some(([, o]) => pdfLib(o)),
    ).toBe(false);
    const chunk = lazy.find(([, o]) => pdfLib(o));
    expect(chunk?.[1].inputs).toHaveProperty(['src/domain/statement-pdf.ts']);
    expect(
      outputs().some(([, o]) => o.imports.some((i) => i.path === chunk?.[0] && i.kind === 'dynamic-import')),
    ).toBe(true);
    // The other functions are one file each.
    for (const fn of functionNames.filter((f) => !splitsLazyImports.includes(f)))
      expect(
        javaScript(metafiles.get(fn)).map(([f]) => f.split('/').at(-1)),
        fn,
      ).toEqual(['index.mjs']);
  });

  it('stream: the bundle’s Lambda client (Invoke’s schema alone, its errors unregistered) invokes the notifier through the local Invoke endpoint', async () => {
    const payloads: { events: { type: string; ownerId: string }[] }[] = [];
    let invoked: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      invoked = resolve;
    });
    const lambda = await startAsyncInvoke({
      region: LOCAL_REGION,
      retryDelayMs: () => 0,
      handlers: {
        notifier: async (payload) => {
          payloads.push(payload);
          invoked();
        },
      },
    });
    // Read by the bundle's own config and Lambda client, at their first use here.
    const previous = { fn: process.env.BANK_NOTIFIER_FUNCTION, url: process.env.AWS_ENDPOINT_URL_LAMBDA };
    Object.assign(process.env, {
      BANK_NOTIFIER_FUNCTION: 'notifier',
      AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
    });
    try {
      const [alice, bob] = [`u-${randomUUID()}`, `u-${randomUUID()}`];
      const stream = handlers.get('stream') as unknown as (e: unknown) => Promise<unknown>;
      const r = await stream({ Records: [transferPosted(alice, bob)] });
      expect(r).toEqual({ batchItemFailures: [] });
      await done;
      expect(payloads.map((p) => p.events.map((e) => `${e.type} ${e.ownerId}`))).toEqual([
        [`transaction.posted ${alice}`, `transaction.posted ${bob}`],
      ]);
    } finally {
      for (const [k, v] of [
        ['BANK_NOTIFIER_FUNCTION', previous.fn],
        ['AWS_ENDPOINT_URL_LAMBDA', previous.url],
      ] as const)
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      await lambda.stop();
    }
  });

  it('renders a statement PDF through the bundle, its chunk loaded from beside index.mjs', async ({ skip }) =>
    withinOnePeriod(skip, periodOf, async () => {
      const user = `u-${randomUUID()}`;
      const account = await call('openAccount', { user, body: { type: 'checking', currency: 'EUR' } });
      const params = { id: account.body.id as string };
      const deposit = await call('deposit', {
        user,
        params,
        body: { amount: 1_234 },
        headers: { 'idempotency-key': randomUUID() },
      });
      expect(deposit.status).toBe(201);
      const link = await call('getStatement', {
        user,
        params: { ...params, period: periodOf(new Date()) },
      });
      expect(link.status, JSON.stringify(link.body)).toBe(200);
      const pdf = new Uint8Array(await (await fetch(link.body.url as string)).arrayBuffer());
      expect(Buffer.from(pdf.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
      expect((await pdfText(pdf)).flat().join(' ')).toContain('12.34');
    }));
});

describe('the CDK asset of each function', () => {
  it('is this build: the same index.mjs (and chunks), its source map and the data files, one asset per function', async () => {
    const outdir = join(dir, 'cdk.out');
    const app = new App({ outdir });
    const stack = new Stack(app, 'Assets');
    const names = ['health', 'auth', 'statement-files'] as const;
    for (const fn of names) {
      new LambdaFn(stack, fn, {
        code: lambdaCode(fn),
        handler: 'index.handler',
        runtime: Runtime.NODEJS_22_X,
      });
    }
    app.synth();
    // The stack's assets: each function's code as bundled at synth, not one function's for all.
    const assets = (await readdir(outdir)).filter((e) => e.startsWith('asset.')).map((a) => join(outdir, a));
    expect(assets).toHaveLength(names.length);
    // The map's source paths are relative to where it was written; what they point at is the same.
    const map = async (file: string) => {
      const m = JSON.parse(await readFile(file, 'utf8')) as { sources: string[]; mappings: string };
      return { mappings: m.mappings, sources: m.sources.map((f) => f.replace(/^(\.\.\/)+/, '')) };
    };
    // A chunk's name carries a hash that depends on the directory it was built in (its source map's
    // relative paths): names and contents are compared with the hashes taken out.
    const unhashed = (t: string) => t.replace(/-[A-Z0-9]{8}\.mjs/g, '-#.mjs');
    const js = async (d: string) => (await readdir(d)).filter((f) => f.endsWith('.mjs'));
    for (const fn of names) {
      const built = join(dir, fn, 'index.mjs');
      const code = unhashed(await readFile(built, 'utf8'));
      const matching: string[] = [];
      for (const a of assets)
        if (unhashed(await readFile(join(a, 'index.mjs'), 'utf8')) === code) matching.push(a);
      expect(matching, fn).toHaveLength(1);
      const assetDir = matching[0] as string;
      expect(await map(join(assetDir, 'index.mjs.map')), fn).toEqual(await map(`${built}.map`));
      expect((await readFile(join(assetDir, 'common-passwords.txt.br'))).length, fn).toBeGreaterThan(0);
      // Every JavaScript file of the build is in the asset, a split bundle's chunks (statement-files) too.
      const files = (await js(join(dir, fn))).map(unhashed).sort();
      expect((await js(assetDir)).map(unhashed).sort(), fn).toEqual(files);
      // Each file as its unhashed name and a digest of its unhashed text (three chunks share a name).
      const contents = async (d: string) =>
        (
          await Promise.all(
            (
              await js(d)
            ).map(async (f) => {
              const text = unhashed(await readFile(join(d, f), 'utf8'));
              return `${unhashed(f)} ${createHash('sha256').update(text).digest('hex')}`;
            }),
          )
        ).sort();
      expect(await contents(assetDir), fn).toEqual(await contents(join(dir, fn)));
      if (fn === 'statement-files') expect(files.length, fn).toBeGreaterThan(1);
    }
    // A safety net, not a timing: it synthesizes three functions and bundles all of them (a synth's
    // first bundling builds every function), which took over 60 s on 2 cores with other work beside
    // the run when each was built in a process of its own (a fresh-clone CI at 4164297; 12 s alone).
  }, 180_000);
});
