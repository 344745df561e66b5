/**
 * The Lambda bundles load each SDK client's package.json as `{ version }` alone (infra/bundling.ts,
 * versionOnlyPackageJson). These tests hold it to its claim: the clients read no other field of it,
 * and a bundled client sends the same user agent (which carries the version) as one built without it.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as dynamoSdk from '@aws-sdk/client-dynamodb';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bundlePlugins,
  esbuildOptions,
  repoRoot,
  SDK_PACKAGE_JSON,
  versionOnlyPackageJson,
} from './bundling.ts';

let server: Server;
let endpoint: string;
let seen: IncomingHttpHeaders[] = [];
let dir: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end('{}');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), 'bank-sdk-package-json-'));
});

afterAll(async () => {
  await new Promise((ok) => server?.close(ok));
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The installed SDK clients' ES modules that import their package.json, with the name they bind it to. */
const importers = async (): Promise<{ file: string; source: string; binding: string }[]> => {
  const root = join(repoRoot, 'node_modules', '@aws-sdk');
  const found: { file: string; source: string; binding: string }[] = [];
  for (const pkg of await readdir(root)) {
    if (!pkg.startsWith('client-')) continue;
    const distEs = join(root, pkg, 'dist-es');
    for (const f of await readdir(distEs, { recursive: true })) {
      if (!String(f).endsWith('.js')) continue;
      const file = join(distEs, String(f));
      const source = await readFile(file, 'utf8');
      const m = /import (\w+) from "(?:\.\.\/)+package\.json"/.exec(source);
      if (m) found.push({ file, source, binding: m[1] as string });
    }
  }
  return found;
};

describe("SDK clients' package.json in the bundles", () => {
  it('is read for its version alone, by every installed client', async () => {
    const found = await importers();
    // DynamoDB, Cognito, S3, SES v2, Secrets Manager, DynamoDB Streams: node and browser configs each.
    expect(found.length).toBeGreaterThanOrEqual(10);
    for (const { file, source, binding } of found) {
      const uses = [...source.matchAll(new RegExp(`\\b${binding}\\b(\\.\\w+)?`, 'g'))].map((m) => m[1] ?? '');
      // The import itself, then `.version` and nothing else.
      expect(uses.slice(1), file).not.toHaveLength(0);
      for (const use of uses.slice(1)) expect(use, file).toBe('.version');
    }
    expect(SDK_PACKAGE_JSON.test(join(repoRoot, 'node_modules/@aws-sdk/client-dynamodb/package.json'))).toBe(
      true,
    );
  });

  it('gives a bundled client the same user agent as without the trim, and leaves the rest of the file out', async () => {
    // Both builds as the functions' (ES modules); the plain SDK under Node loads its CommonJS build,
    // whose user agent carries a version of its own, so it is not the reference here.
    const bundle = async (name: string, plugins: typeof bundlePlugins) => {
      const outfile = join(dir, `${name}.mjs`);
      await build({
        ...esbuildOptions,
        sourcemap: false,
        stdin: {
          contents: `export { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';`,
          resolveDir: repoRoot,
          sourcefile: `${name}.mjs`,
        },
        outfile,
        absWorkingDir: repoRoot,
        plugins,
      });
      return {
        js: await readFile(outfile, 'utf8'),
        sdk: (await import(pathToFileURL(outfile).href)) as typeof dynamoSdk,
      };
    };
    const agentOf = async (sdk: typeof dynamoSdk) => {
      seen = [];
      const client = new sdk.DynamoDBClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      });
      await client.send(new sdk.GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } }));
      return seen[0]?.['user-agent'];
    };
    const { version } = JSON.parse(
      await readFile(join(repoRoot, 'node_modules/@aws-sdk/client-dynamodb/package.json'), 'utf8'),
    ) as { version: string };
    const whole = await bundle(
      'whole',
      bundlePlugins.filter((p) => p !== versionOnlyPackageJson),
    );
    const trimmed = await bundle('trimmed', bundlePlugins);
    const agent = await agentOf(whole.sdk);
    expect(agent).toContain(`api/dynamodb#${version}`);
    expect(await agentOf(trimmed.sdk)).toBe(agent);
    // The package's name (a field no client reads) is in the whole file's bundle only.
    expect(whole.js.includes('"@aws-sdk/client-dynamodb"')).toBe(true);
    expect(trimmed.js.includes('"@aws-sdk/client-dynamodb"')).toBe(false);
    expect(whole.js.length - trimmed.js.length).toBeGreaterThan(1500);
  });
});
