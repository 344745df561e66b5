/**
 * How a Lambda function is bundled: ONE definition that the CDK app (NodejsFunction) and the size
 * report (scripts/bundle-size.ts, esbuild's API) both use, so the reported sizes are the deployed ones.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';
import { type FunctionName, functions } from '../src/functions.ts';

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
 * esbuild's working directory in both builds). See infra/lambda-credentials.ts.
 */
export const bundleAliases: Record<string, string> = {
  '@aws-sdk/credential-provider-node': './infra/lambda-credentials.ts',
  // The statement PDF's two fonts, not all 14 standard fonts' metrics (see infra/standard-fonts.ts).
  '@pdf-lib/standard-fonts': './infra/standard-fonts.ts',
};

/**
 * Left out of the bundles: Smithy loads its event-stream codec with a dynamic import() only for
 * operations that stream events, and neither DynamoDB nor Cognito has one (about 19 KB saved).
 */
export const bundleExternals = ['@smithy/core/event-streams'];

/**
 * Functions whose SDK clients import the event-stream codec statically, so it must be bundled: the
 * S3 client does (SelectObjectContent streams events). Left external there, the function would fail
 * to load on Lambda (nothing provides the package beside the bundle); infra/bundling.test.ts checks
 * that no bundle imports an external statically.
 */
export const bundlesEventStreams: readonly FunctionName[] = ['statement-files'];

/** What a function's bundle leaves out. */
export const externalsOf = (fn: FunctionName): string[] =>
  bundlesEventStreams.includes(fn) ? [] : [...bundleExternals];

/** Files a handler reads at run time from its own directory: the common-password list. */
export const bundleDataFiles = ['src/identity/common-passwords.txt.br'];

/** NodejsFunction's bundling: the AWS SDK is bundled (not the runtime's copy), minified, with source maps. */
export const lambdaBundling: BundlingOptions = {
  format: OutputFormat.ESM,
  target: nodeTarget,
  minify: true,
  sourceMap: true,
  // The map keeps file names and positions (stack traces) but not the sources' text: a third of the
  // size, which --enable-source-maps reads at every cold start.
  sourcesContent: false,
  mainFields,
  bundleAwsSDK: true,
  externalModules: bundleExternals,
  metafile: true,
  banner: requireShim,
  esbuildArgs: {
    '--alias': Object.entries(bundleAliases).map(([from, to]) => `${from}=${to}`),
    '--legal-comments': 'none',
  },
  // Data files read beside the bundle (not bundled: they would not fit the 300 KB goal).
  commandHooks: {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir: string, outputDir: string) =>
      bundleDataFiles.map((f) => `cp ${inputDir}/${f} ${outputDir}/`),
  },
};

/** A function's NodejsFunction bundling: the shared options with its own externals. */
export const lambdaBundlingOf = (fn: FunctionName): BundlingOptions => ({
  ...lambdaBundling,
  externalModules: externalsOf(fn),
});

/** The same build through esbuild's API (what NodejsFunction runs as `esbuild --bundle <entry> ...`). */
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

/**
 * Builds one function's bundle exactly as the CDK does. Written to `outfile` (with its source map) when
 * given, otherwise kept in memory. The size report, the bundle tests and the benchmark all use this.
 */
export const bundleFunction = async (
  fn: FunctionName,
  outfile?: string,
): Promise<{ bytes: number; metafile: import('esbuild').Metafile }> => {
  const { build } = await import('esbuild');
  const { mkdir, writeFile } = await import('node:fs/promises');
  const result = await build({
    ...esbuildOptions,
    external: externalsOf(fn),
    entryPoints: [entryOf(fn)],
    outfile: outfile ?? join(repoRoot, 'dist', 'bundles', fn, 'index.mjs'),
    write: false,
    absWorkingDir: repoRoot,
  });
  const js = result.outputFiles.find((f) => f.path.endsWith('.mjs'));
  if (!js) throw new Error(`${fn}: esbuild produced no .mjs`);
  if (outfile) {
    await mkdir(dirname(outfile), { recursive: true });
    await Promise.all(result.outputFiles.map((f) => writeFile(f.path, f.contents)));
    const { copyFile } = await import('node:fs/promises');
    const { basename } = await import('node:path');
    await Promise.all(
      bundleDataFiles.map((f) => copyFile(join(repoRoot, f), join(dirname(outfile), basename(f)))),
    );
  }
  return { bytes: js.contents.byteLength, metafile: result.metafile };
};
