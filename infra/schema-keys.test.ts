/**
 * infra/bundling.ts rewrites the computed trait keys of the SDK's generated schema modules as string
 * literals, so that esbuild can drop the schemas a function never uses. These tests hold it to two
 * things: every schema module of our clients means exactly the same after the rewrite (each export,
 * compared value by value), and the rewrite is what lets a bundle leave unused operations out.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  esbuildOptions,
  literalSchemaKeys,
  repoRoot,
  SDK_SCHEMA_MODULE,
  treeShakeableSchemas,
} from './bundling.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bank-schema-keys-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Every generated schema module of the @aws-sdk packages installed at the top level. */
const schemaModules = async (): Promise<string[]> => {
  const root = join(repoRoot, 'node_modules', '@aws-sdk');
  const found: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory() && e.name !== 'node_modules' && e.name !== 'dist-cjs' && e.name !== 'dist-types')
        await walk(p);
      else if (e.isFile() && SDK_SCHEMA_MODULE.test(p)) found.push(p);
    }
  };
  await walk(root);
  return found.sort();
};

/**
 * A value as plain data: a schema is nested arrays and objects of strings and numbers, with thunks
 * (`() => OtherShape$`) for references, followed `depth` levels; classes are named; a type registry's
 * maps become entries.
 */
const canon = (v: unknown, depth: number): unknown => {
  if (typeof v === 'function') {
    const isThunk = v.prototype === undefined && v.length === 0;
    if (!isThunk) return `function ${v.name}`;
    return depth > 0 ? { thunk: canon((v as () => unknown)(), depth - 1) } : 'thunk';
  }
  if (v instanceof Map) return { map: [...v].map(([k, x]) => [canon(k, depth), canon(x, depth)]) };
  if (Array.isArray(v)) return v.map((x) => canon(x, depth));
  if (v && typeof v === 'object') {
    return {
      class: v.constructor?.name,
      entries: Object.entries(v).map(([k, x]) => [k, canon(x, depth)]),
    };
  }
  return v;
};

/**
 * The rewrite alone: the bundles' plugin also unregisters some errors (infra/sdk-errors.test.ts holds
 * that part), which changes the exported registries on purpose.
 */
const literalKeysOnly: Plugin = {
  name: 'literal-schema-keys',
  setup(b) {
    b.onLoad({ filter: SDK_SCHEMA_MODULE }, async (args) => ({
      contents: literalSchemaKeys(await readFile(args.path, 'utf8')).code,
      loader: 'js',
    }));
  },
};

/** The module's exports, bundled with or without the rewrite (not minified) and imported. */
const exportsOf = async (module: string, rewrite: boolean, name: string) => {
  const entry = join(dir, `${name}-entry.mjs`);
  const outfile = join(dir, `${name}-${rewrite ? 'literal' : 'computed'}.mjs`);
  await build({
    stdin: { contents: `export * from ${JSON.stringify(module)};`, resolveDir: repoRoot, sourcefile: entry },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: esbuildOptions.target,
    outfile,
    logLevel: 'warning',
    plugins: rewrite ? [literalKeysOnly] : [],
  });
  return (await import(pathToFileURL(outfile).href)) as Record<string, unknown>;
};

describe('the SDK schema modules with literal trait keys', () => {
  it('rewrite only keys named by a string constant of the module', () => {
    const source = [
      'const _e = "error";',
      'const _hE = "httpError";',
      'const n0 = "com.example";',
      'export var A$ = [-3, n0, "A", { [_e]: "client", [_hE]: 400, [other]: 1 }];',
    ].join('\n');
    const { code, replaced } = literalSchemaKeys(source);
    expect(replaced).toBe(2);
    expect(code).toContain('{ "error": "client", "httpError": 400, [other]: 1 }');
  });

  it('mean exactly what they meant: every export of every client schema module, value by value', async () => {
    const modules = await schemaModules();
    // Our clients: DynamoDB, Cognito, SES v2, S3, Secrets Manager (and the SDK's nested clients).
    expect(modules.length).toBeGreaterThanOrEqual(6);
    let rewritten = 0;
    for (const [i, file] of modules.entries()) {
      const name = relative(join(repoRoot, 'node_modules'), file);
      const { replaced } = literalSchemaKeys(await readFile(file, 'utf8'));
      rewritten += replaced;
      const before = await exportsOf(file, false, `m${i}`);
      const after = await exportsOf(file, true, `m${i}`);
      expect(Object.keys(after).sort(), name).toEqual(Object.keys(before).sort());
      for (const key of Object.keys(before)) {
        expect(canon(after[key], 2), `${name} ${key}`).toEqual(canon(before[key], 2));
      }
    }
    // Not vacuous: the modules do carry computed keys, and they were rewritten.
    expect(rewritten).toBeGreaterThan(100);
    // It builds and imports every schema module twice: about 3 s alone, and once over the default
    // 30 s amid the suite's other files on this 2-core machine (CI at 21ca217).
  }, 120_000);

  it('let a bundle that sends one SES email leave the other operations out', async () => {
    const sendOnly = async (plugins: (typeof treeShakeableSchemas)[]) => {
      const r = await build({
        ...esbuildOptions,
        stdin: {
          contents: `import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
            export const send = (m) => new SESv2Client({}).send(new SendEmailCommand(m));`,
          resolveDir: repoRoot,
          sourcefile: 'send-only.mjs',
        },
        outfile: join(dir, 'send-only.mjs'),
        write: false,
        absWorkingDir: repoRoot,
        plugins,
      });
      const js = new TextDecoder().decode(r.outputFiles.find((f) => f.path.endsWith('.mjs'))?.contents);
      return { js, bytes: js.length };
    };
    const computed = await sendOnly([]);
    const literal = await sendOnly([treeShakeableSchemas]);
    // An operation we never call, in the bundle only when the keys are computed.
    expect(computed.js).toContain('"/v2/email/metrics/batch"');
    expect(literal.js).not.toContain('"/v2/email/metrics/batch"');
    expect(literal.js).toContain('"/v2/email/outbound-emails"');
    expect(computed.bytes - literal.bytes).toBeGreaterThan(30_000);
  });
});
