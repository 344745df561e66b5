/**
 * How a Lambda function is bundled: ONE build (`bundleFunction`, esbuild's API) that the CDK app runs
 * for each function's asset (`lambdaCode`) and that the size report (scripts/bundle-size.ts), the
 * bundle tests and the benchmark run, so the reported sizes are the deployed ones.
 */

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import { Code } from 'aws-cdk-lib/aws-lambda';
import type { BuildOptions, Plugin } from 'esbuild';
import { type FunctionName, functions } from '../src/functions.ts';
import { deepImports } from './deep-imports.ts';
import { ownSourcesOnly } from './source-map-trim.ts';

/** The repository root: entries, the lock file and web/dist are found from here, not from the cwd. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

export const entryOf = (fn: FunctionName): string => join(repoRoot, functions[fn].entry);

/** Node 22 on Lambda; esbuild targets the same. */
export const nodeTarget = 'node22';

/**
 * ESM output still meets the odd CommonJS `require` of a built-in in a dependency; esbuild's shim
 * throws "Dynamic require is not supported" unless a real `require` exists.
 */
const requireShim =
  "import{createRequire as __bankCreateRequire}from'node:module';const require=__bankCreateRequire(import.meta.url);";

/** Prefer packages' ES module builds so esbuild can tree-shake the AWS SDK and its dependencies. */
const mainFields = ['module', 'main'];

/**
 * Module substitutions for the Lambda bundles (paths relative to the repository root, which is
 * esbuild's working directory). See infra/lambda-credentials.ts.
 */
export const bundleAliases: Record<string, string> = {
  '@aws-sdk/credential-provider-node': './infra/lambda-credentials.ts',
  // The statement PDF's two fonts, not all 14 standard fonts' metrics (see infra/standard-fonts.ts).
  '@pdf-lib/standard-fonts': './infra/standard-fonts.ts',
  // Node's own zlib for pdf-lib's deflate and inflate, not pako's JavaScript copy (infra/pako-zlib.ts).
  pako: './infra/pako-zlib.ts',
  // pdf-lib's PNG decoder, for embedPng, which no statement calls (infra/upng-left-out.ts).
  '@pdf-lib/upng': './infra/upng-left-out.ts',
  // The DynamoDB client's endpoint-discovery cache, which none of its commands uses (infra/endpoint-cache-left-out.ts).
  '@aws-sdk/endpoint-cache': './infra/endpoint-cache-left-out.ts',
};

/**
 * Left out of the bundles: Smithy loads its event-stream codec with a dynamic import() only for
 * operations that stream events, and neither DynamoDB nor Cognito has one (about 19 KB saved).
 */
export const bundleExternals = ['@smithy/core/event-streams'];

/**
 * Functions whose SDK clients import the event-stream codec statically, so it cannot be left external:
 * the S3 client does, to set up its config (SelectObjectContent streams events), and so does the Lambda
 * client (`stream`, which invokes the notifier: InvokeWithResponseStream streams events). Left external there,
 * the function would fail to load on Lambda (nothing provides the package beside the bundle);
 * infra/bundling.test.ts checks that no bundle imports an external statically. These bundle a stand-in
 * instead (infra/event-streams-left-out.ts: the config set up as the package does, any event stream
 * refused; about 14 KB less), since none of their operations streams events.
 */
export const standsInForEventStreams: readonly FunctionName[] = ['statement-files', 'stream'];
const eventStreamsStandIn = { '@smithy/core/event-streams': './infra/event-streams-left-out.ts' };

/**
 * Functions whose bundle splits what a dynamic `import()` reaches into chunks of their own: the
 * statement writer (the S3 client) and pdf-lib, which `statement-files` loads at its first file to
 * write and its first PDF (src/handlers/statement-files.ts), then neither read nor compiled by its cold
 * start. Only there: in the others the one dynamic import of our code's dependencies is the SDK's
 * browser user-agent parser (bowser, 33 KB), which a single-file bundle leaves out and a split one
 * would ship as a chunk nothing loads. Their builds also import the SDK's names from the files that
 * define them, not through its index modules (infra/deep-imports.ts): else esbuild's splitting counts
 * what an index reaches as reached by the entry, and about 26 KB of the S3 client's protocol code
 * went back into the cold start.
 */
export const splitsLazyImports: readonly FunctionName[] = ['statement-files'];

/** What a function's bundle leaves out. */
export const externalsOf = (fn: FunctionName): string[] =>
  standsInForEventStreams.includes(fn) ? [] : [...bundleExternals];

/** What a function's bundle takes in place of a package (bundleAliases, and the event-stream stand-in). */
export const aliasesOf = (fn: FunctionName): Record<string, string> =>
  standsInForEventStreams.includes(fn) ? { ...bundleAliases, ...eventStreamsStandIn } : bundleAliases;

/** Files a handler reads at run time from its own directory: the common-password list. */
export const bundleDataFiles = ['src/identity/common-passwords.txt.br'];

/** A `const _x = "…";` of the SDK's generated schema modules: the names of their string table. */
const STRING_CONST = /^const (_\w+) = ("[^"\\\n]*");$/gm;

/**
 * The SDK's generated schema modules (`@aws-sdk/client-<service>/dist-es/schemas/schemas_0.js`) write
 * trait objects with computed keys from their string table, `{ [_e]: _c, [_hE]: 400 }`. esbuild cannot
 * prove a computed key free of side effects (it might call a getter or `toString`), so it keeps every
 * schema that contains one, and through their references every shape and operation of the service:
 * 47 KB of SES v2 schemas for the one SendEmail we call (aws/aws-sdk-js-v3#7607). This writes those
 * keys as the string literals they name, `{ "error": _c, "httpError": 400 }`, which is the fix proposed
 * upstream (smithy-lang/smithy-typescript#1889) applied at build time; the values are identical
 * (infra/schema-keys.test.ts compares every export of each client's schemas, before and after).
 * A key whose name is not a string constant of the same module is left as it is.
 */
export const literalSchemaKeys = (source: string): { code: string; replaced: number } => {
  const strings = new Map<string, string>();
  for (const [, name, literal] of source.matchAll(STRING_CONST))
    strings.set(name as string, literal as string);
  let replaced = 0;
  const code = source.replace(/\[(_\w+)\]:/g, (whole, name: string) => {
    const literal = strings.get(name);
    if (literal === undefined) return whole;
    replaced++;
    return `${literal}:`;
  });
  return { code, replaced };
};

/** The SDK's generated schema modules, where `literalSchemaKeys` applies. */
export const SDK_SCHEMA_MODULE = /[\\/]node_modules[\\/]@aws-sdk[\\/].+[\\/]schemas[\\/]schemas_\d+\.js$/;

/**
 * The modelled errors a client's bundles keep, for the clients whose others they leave out.
 *
 * A schema module registers a class for every error of its service, `n0_registry.registerError(X$, X)`,
 * at load time, so every bundle carries them all: 60 classes for Cognito (16 KB), 35 for DynamoDB (9 KB),
 * nearly all for operations we never call. An error without a registered class still arrives whole:
 * the SDK throws the service's base exception (`DynamoDBServiceException`, registered apart) with the
 * error's `name`, `message`, `$fault`, `$metadata` and every other field of its body
 * (`ProtocolLib.getErrorSchemaOrThrowBaseException`), and the retry strategy classifies throttling and
 * transient errors by that name. Only `instanceof` a dropped class would differ, and our code tells
 * errors apart by name alone (src/identity/cognito.ts, src/store/db.ts). Of the libraries we bundle,
 * Powertools' SecretsProvider does not: under `throwOnMissing` it tells a missing secret by
 * `instanceof ResourceNotFoundException`, so Secrets Manager keeps that one.
 *
 * Kept: the errors whose members need their schema to be read (the item of a failed condition and the
 * cancellation reasons of a transaction are attribute maps, whose binary values would otherwise stay
 * base64 strings), and one that only its class marks retryable. infra/sdk-errors.test.ts throws every
 * kind through a bundle and through the plain SDK and compares what the caller sees.
 */
export const keptSdkErrors: Readonly<Record<string, readonly string[]>> = {
  'client-dynamodb': [
    'ConditionalCheckFailedException',
    'TransactionCanceledException',
    'ReplicatedWriteConflictException',
  ],
  'client-cognito-identity-provider': [],
  'client-secrets-manager': ['ResourceNotFoundException'],
  'client-sesv2': [],
  'client-lambda': [],
};

/** A modelled error's registration in a schema module (the synthetic base exception's registry, `_s_registry`, is not matched). */
const ERROR_REGISTRATION = /^n\d+_registry\.registerError\((\w+)\$, (\w+)\);$/gm;

/** Removes the registrations of the errors not in `keep`, so esbuild can drop their classes. */
export const unregisterErrors = (
  source: string,
  keep: readonly string[],
): { code: string; kept: string[]; removed: string[] } => {
  const kept: string[] = [];
  const removed: string[] = [];
  const code = source.replace(ERROR_REGISTRATION, (whole, schema: string, ctor: string) => {
    if (schema !== ctor || keep.includes(ctor)) {
      kept.push(ctor);
      return whole;
    }
    removed.push(ctor);
    return '';
  });
  return { code, kept, removed };
};

/** The `client-…` package a schema module belongs to. */
const clientOf = (path: string): string | undefined =>
  /[\\/]@aws-sdk[\\/](client-[\w-]+)[\\/]/.exec(path)?.[1];

/** A schema module as the bundles load it: literal trait keys, and only the kept errors registered. */
export const bundledSchemaModule = (path: string, source: string): string => {
  const { code } = literalSchemaKeys(source);
  const keep = keptSdkErrors[clientOf(path) ?? ''];
  return keep ? unregisterErrors(code, keep).code : code;
};

/** `bundledSchemaModule` as an esbuild plugin, for every SDK schema module a bundle loads. */
export const treeShakeableSchemas: Plugin = {
  name: 'tree-shakeable-sdk-schemas',
  setup(build) {
    build.onLoad({ filter: SDK_SCHEMA_MODULE }, async (args) => ({
      contents: bundledSchemaModule(args.path, await readFile(args.path, 'utf8')),
      loader: 'js',
    }));
  },
};

/** An SDK client's package.json. */
export const SDK_PACKAGE_JSON = /[\\/]node_modules[\\/]@aws-sdk[\\/]client-[\w-]+[\\/]package\.json$/;

/**
 * An SDK client's runtime config imports its whole package.json (`import packageInfo from
 * "../package.json"`) to read `packageInfo.version` for the user agent, and esbuild keeps every field
 * of a default-imported JSON module: 1.5–2.3 KB of scripts, dependencies and metadata per client.
 * This loads it as `{ version }` alone. infra/sdk-package-json.test.ts checks that the clients read
 * no other field and that a bundled client sends the same user agent as one built without this.
 */
export const versionOnlyPackageJson: Plugin = {
  name: 'version-only-sdk-package-json',
  setup(build) {
    build.onLoad({ filter: SDK_PACKAGE_JSON }, async (args) => {
      const { version } = JSON.parse(await readFile(args.path, 'utf8')) as { version: string };
      return { contents: JSON.stringify({ version }), loader: 'json' };
    });
  },
};

/** The document client's two paginators (`@aws-sdk/lib-dynamodb`'s `pagination/*Paginator.js`). */
export const LIB_DYNAMODB_PAGINATOR =
  /[\\/]node_modules[\\/]@aws-sdk[\\/]lib-dynamodb[\\/]dist-es[\\/]pagination[\\/](?:Query|Scan)Paginator\.js$/;
/** Each paginator's one top-level call, as the installed files make it. */
const PAGINATOR_CALL = ' = createPaginator(';

/**
 * `@aws-sdk/lib-dynamodb` declares no `sideEffects` in its package.json (the SDK's clients, Smithy and
 * util-dynamodb all declare `false`), so esbuild keeps every module its index reaches whose top level
 * calls anything: its paginators, `export const paginateScan = createPaginator(DynamoDBDocumentClient,
 * ScanCommand, ...)`, are kept, and with them `createPaginator`, the document client's `ScanCommand` and
 * `QueryCommand`, and the DynamoDB client's `Scan` and `Query` schemas, in every DynamoDB function,
 * though none pages with them and only offline tools scan (src/store/audit.ts `verifyAudit`,
 * src/store/verify.ts). `createPaginator` only returns a generator function, so each call is marked
 * `/* @__PURE__ *\/` as the two files load: unused, it is left out with all it reaches. 1.4–1.6 KB
 * less per DynamoDB function. (It first marked the whole package side-effect free as it resolved, which
 * took every relative import of every package through JavaScript: bundling a third slower.) A file
 * that no longer makes the call as expected (an SDK upgrade) fails the build. infra/bundling.test.ts
 * checks that no bundle carries the paginators or ScanCommand.
 */
export const libDynamodbWithoutSideEffects: Plugin = {
  name: 'lib-dynamodb-pure-paginators',
  setup(build) {
    build.onLoad({ filter: LIB_DYNAMODB_PAGINATOR }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes(PAGINATOR_CALL))
        throw new Error(`${args.path} no longer calls createPaginator as infra/bundling.ts expects`);
      return {
        contents: source.replace(PAGINATOR_CALL, ' = /* @__PURE__ */ createPaginator('),
        loader: 'js',
      };
    });
  },
};
/** Smithy's SHA-256 for Node, which every client's config takes as its `sha256` (SigV4 signing). */
export const SHA256_NODE_MODULE =
  /[\\/]node_modules[\\/]@smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/]checksum[\\/]sha256[\\/]Sha256Node\.js$/;
/** Its JavaScript fallback, as the module imports and chooses it (both exact lines of the installed file). */
const SHA256_JS_IMPORT = 'import { Sha256Js } from "./Sha256Js";\n';
const SHA256_CHOICE = 'export const Sha256Node = hasNativeCrypto ? buildNativeClass() : Sha256Js;';

/**
 * `Sha256Node` is a class over `node:crypto`'s `createHash`/`createHmac`, or, if `createHash("sha256")`
 * throws, `Sha256Js`, SHA-256 written in JavaScript (3.3 KB of each bundle that calls AWS). On Node the
 * fallback is never taken: the same module imports `node:crypto` statically, which a Node built without
 * crypto refuses to load, and OpenSSL always has SHA-256. This writes the choice as the native class
 * alone, so the fallback is left out. A module that no longer has both lines exactly (an SDK upgrade
 * changed it) fails the build, rather than being bundled unread. infra/sha256-native.test.ts compares
 * hashes, HMACs and SigV4 signatures made by a bundle with and without this.
 */
export const nativeSha256Only = (path: string, source: string): string => {
  if (!source.includes(SHA256_JS_IMPORT) || !source.includes(SHA256_CHOICE))
    throw new Error(`${path} no longer chooses Sha256Js as infra/bundling.ts (nativeSha256Only) expects`);
  return source
    .replace(SHA256_JS_IMPORT, '')
    .replace(SHA256_CHOICE, 'export const Sha256Node = buildNativeClass();');
};

/** `nativeSha256Only` as an esbuild plugin. */
export const nativeSha256: Plugin = {
  name: 'native-sha256-only',
  setup(build) {
    build.onLoad({ filter: SHA256_NODE_MODULE }, async (args) => ({
      contents: nativeSha256Only(args.path, await readFile(args.path, 'utf8')),
      loader: 'js',
    }));
  },
};

/**
 * An esbuild plugin that loads the TypeScript files `filter` matches with every `property: <literal>`
 * that `pattern` matches written as `property: ''`: documentation only the build reads.
 */
const documentationLeftOut = (name: string, filter: RegExp, pattern: RegExp, property: string): Plugin => ({
  name,
  setup(build) {
    build.onLoad({ filter }, async (args) => ({
      contents: (await readFile(args.path, 'utf8')).replace(pattern, `${property}: ''`),
      loader: 'ts',
    }));
  },
});

/** A route file of src/api/routes/. */
const ROUTE_FILE = /[\\/]src[\\/]api[\\/]routes[\\/][^\\/]+\.ts$/;
/** A route's `summary: '...'` (every route file spells it as one string literal). */
const SUMMARY = /summary:\s*'(?:[^'\\]|\\.)*'/g;

/**
 * A route's `summary` is documentation: the OpenAPI document and the CDK app's notes read it at build
 * time; no handler does. The bundles carry it empty (about 0.5-2 KB of each HTTP function).
 */
export const routeSummariesLeftOut = documentationLeftOut(
  'route-summaries-left-out',
  ROUTE_FILE,
  SUMMARY,
  'summary',
);

/** A schema file of src/api/schemas/. */
const SCHEMA_FILE = /[\\/]src[\\/]api[\\/]schemas[\\/][^\\/]+\.ts$/;
/** One string literal: '...', "..." or a template (no nested template). */
const LITERAL = /(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`(?:[^`\\]|\\.)*`)/.source;
/**
 * A schema's documented `description: '...'` (a string literal, or several joined by `+`). A field
 * of a body named `description` has a schema as its value (`z.optional(Description)`), never a literal,
 * so it is left as it is.
 */
export const DOC_DESCRIPTION = new RegExp(String.raw`description:\s*${LITERAL}(?:\s*\+\s*${LITERAL})*`, 'g');

/**
 * A schema's `description` is documentation too: the OpenAPI document reads it (from the sources, at
 * build time); validation, its messages and every handler never do. The bundles carry it empty (about
 * 1-4 KB of each HTTP function).
 */
export const schemaDescriptionsLeftOut = documentationLeftOut(
  'schema-descriptions-left-out',
  SCHEMA_FILE,
  DOC_DESCRIPTION,
  'description',
);

/** What every Lambda bundle's build adds to esbuild: the SDK trims and the documentation left out above. */
export const bundlePlugins: Plugin[] = [
  treeShakeableSchemas,
  versionOnlyPackageJson,
  libDynamodbWithoutSideEffects,
  nativeSha256,
  routeSummariesLeftOut,
  schemaDescriptionsLeftOut,
];

/** The esbuild options of every Lambda bundle (the plugins are added by `bundleFunction`). */
export const esbuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: nodeTarget,
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  mainFields,
  external: bundleExternals,
  metafile: true,
  banner: { js: requireShim },
  alias: bundleAliases,
  legalComments: 'none',
  logLevel: 'warning',
} as const satisfies BuildOptions;

/** Environment every function gets so stack traces point into the TypeScript sources. */
export const sourceMapEnvironment = { NODE_OPTIONS: '--enable-source-maps' } as const;

/** What `bundleFunction` built. */
export interface BuiltBundle {
  /**
   * Bytes of JavaScript a cold start loads: `index.mjs` and the chunks it imports statically (none
   * but for code the function shares with a lazy chunk). Source maps are not counted.
   */
  bytes: number;
  /**
   * Bytes of the chunks a cold start does not load: those only a dynamic `import()` reaches (pdf-lib's,
   * at `statement-files`' first PDF; the SDK's browser user-agent parser, which Node never loads).
   */
  lazyBytes: number;
  /** The outputs (metafile paths) that make up `bytes`. */
  atStart: string[];
  metafile: import('esbuild').Metafile;
}

/** The .mjs outputs of a build that `entry` loads before it runs: itself and its static imports, transitively. */
export const loadedAtStart = (meta: import('esbuild').Metafile, entry: string): Set<string> => {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file) || !meta.outputs[file]) return;
    seen.add(file);
    for (const i of meta.outputs[file].imports)
      if (!i.external && i.kind === 'import-statement') visit(i.path);
  };
  visit(entry);
  return seen;
};

/**
 * Builds one function's bundle: what the CDK app deploys (`lambdaCode`). Written to `outfile`'s
 * directory (`index.mjs`, any chunks, their source maps and the data files) when given, otherwise kept
 * in memory. The size report, the bundle tests and the benchmark all use this. In the functions of
 * `splitsLazyImports`, code reached only through a dynamic `import()` is a chunk of its own (esbuild's
 * `splitting`), so a cold start neither reads nor compiles it; every other function is one `index.mjs`.
 */
export const bundleFunction = async (fn: FunctionName, outfile?: string): Promise<BuiltBundle> => {
  const { build } = await import('esbuild');
  const { mkdir, writeFile } = await import('node:fs/promises');
  const outdir = dirname(outfile ?? join(repoRoot, 'dist', 'bundles', fn, 'index.mjs'));
  const result = await build({
    ...esbuildOptions,
    external: externalsOf(fn),
    alias: aliasesOf(fn),
    entryPoints: { index: entryOf(fn) },
    outdir,
    outExtension: { '.js': '.mjs' },
    ...(splitsLazyImports.includes(fn) ? { splitting: true, chunkNames: '[name]-[hash]' } : {}),
    write: false,
    absWorkingDir: repoRoot,
    plugins: splitsLazyImports.includes(fn) ? [...bundlePlugins, deepImports] : bundlePlugins,
  });
  const outputs = Object.entries(result.metafile.outputs).filter(([f]) => f.endsWith('.mjs'));
  const entry = outputs.find(([, o]) => o.entryPoint !== undefined)?.[0];
  if (!entry) throw new Error(`${fn}: esbuild produced no entry .mjs`);
  const atStart = loadedAtStart(result.metafile, entry);
  let bytes = 0;
  let lazyBytes = 0;
  for (const [file, o] of outputs) {
    if (atStart.has(file)) bytes += o.bytes;
    else lazyBytes += o.bytes;
  }
  if (outfile) {
    await mkdir(outdir, { recursive: true });
    // The maps keep our own sources' mappings only (./source-map-trim.ts): they are read at every cold start.
    await Promise.all(
      result.outputFiles.map((f) =>
        writeFile(f.path, f.path.endsWith('.map') ? ownSourcesOnly(f.text) : f.contents),
      ),
    );
    const { copyFile } = await import('node:fs/promises');
    const { basename } = await import('node:path');
    await Promise.all(bundleDataFiles.map((f) => copyFile(join(repoRoot, f), join(outdir, basename(f)))));
  }
  return { bytes, lazyBytes, atStart: [...atStart], metafile: result.metafile };
};

/**
 * Every function's bundle, built together at a synth's first bundling: one child process (CDK's local
 * bundling is synchronous, and esbuild plugins need its asynchronous API) runs `bundleFunction` for
 * all of them side by side, instead of one child per function, each loading tsx and this module
 * (about 1.5 s apiece, 30 s of a synth's 43 s here). Each is written to `<parent>/bank-bundle-<run>-<fn>`,
 * beside the directory CDK gives `tryBundle` and at its depth, so a source map's relative paths, and
 * with them a chunk's hashed name and the asset's hash, are what a build in that directory makes.
 * The builds are copied from there (a function bundled twice in one synth gets the same build) and
 * removed when the synth exits.
 */
const bundledTogether = new Map<string, Map<FunctionName, string>>();
const bundleAllUnder = (parent: string): Map<FunctionName, string> => {
  const known = bundledTogether.get(parent);
  if (known) return known;
  // Its own directories (a synth killed mid-build leaves its own behind, never into another's build).
  const run = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const dirs = new Map(
    (Object.keys(functions) as FunctionName[]).map((fn) => [fn, join(parent, `bank-bundle-${run}-${fn}`)]),
  );
  const self = pathToFileURL(join(repoRoot, 'infra', 'bundling.ts')).href;
  const script = `const { bundleFunction } = await import(${JSON.stringify(self)});
    await Promise.all(${JSON.stringify([...dirs])}.map(([fn, dir]) =>
      bundleFunction(fn, dir + '/index.mjs').catch((e) => { throw new Error('bundling ' + fn + ': ' + e.message); })));`;
  process.once('exit', () => {
    for (const dir of dirs.values()) rmSync(dir, { recursive: true, force: true });
  });
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'inherit', 'pipe'],
    timeout: 300_000,
  });
  // esbuild's warnings, as a synth with NodejsFunction printed them.
  if (r.stderr) process.stderr.write(r.stderr);
  if (r.error || r.status !== 0)
    throw new Error(`bundling failed (${r.error?.message ?? r.status ?? r.signal})`);
  bundledTogether.set(parent, dirs);
  return dirs;
};

/**
 * A function's Lambda code as the CDK app deploys it: `bundleFunction`'s output (index.mjs, its map and
 * the data files), built at synth time with every other function's (`bundleAllUnder`) and copied into
 * the directory CDK hashes. The asset's hash is the output's. Bundling never falls back to Docker: a
 * failed build fails the synth.
 */
export const lambdaCode = (fn: FunctionName): Code =>
  Code.fromAsset(repoRoot, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Required by the type; never pulled, since local bundling either succeeds or throws.
      image: DockerImage.fromRegistry('scratch'),
      // Part of the bundling's cache key: without the name, every function has the same source (the
      // repository) and options, and CDK would reuse the first function's bundle for all of them.
      command: ['bundle', fn],
      local: {
        tryBundle(outputDir: string): boolean {
          const built = bundleAllUnder(dirname(outputDir)).get(fn);
          if (!built || !existsSync(built)) throw new Error(`bundling ${fn}: no build of it in this synth`);
          cpSync(built, outputDir, { recursive: true });
          return true;
        },
      },
    },
  });
