/**
 * The Lambda bundles leave the DynamoDB client's endpoint-discovery cache out
 * (infra/endpoint-cache-left-out.ts). Both halves of why that is safe: no command of the SDK's
 * DynamoDB client (the plain package, as installed) has the endpoint-discovery middleware, the
 * cache's only user; and a bundled client is built with the stand-in, which refuses any use.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as sdk from '@aws-sdk/client-dynamodb';
import { getEndpointDiscoveryPlugin } from '@aws-sdk/middleware-endpoint-discovery';
import { describe, expect, it } from 'vitest';

const clientConfig = {
  region: 'us-east-1',
  endpoint: 'http://127.0.0.1:9',
  credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
};

type AnyCommand = sdk.GetItemCommand;

/** The names of the middleware a command runs with, once resolved against a client (`prepare` may add some). */
const middlewareOf = (
  lib: typeof sdk,
  command: string,
  prepare?: (cmd: AnyCommand, client: sdk.DynamoDBClient) => void,
): string[] => {
  const client = new lib.DynamoDBClient(clientConfig);
  const Ctor = (lib as unknown as Record<string, new (input: object) => AnyCommand>)[command];
  if (!Ctor) throw new Error(`no ${command}`);
  const cmd = new Ctor({});
  prepare?.(cmd, client);
  cmd.resolveMiddleware(client.middlewareStack, client.config, {});
  // A command's own middleware sits relative to the client's: listed once the two stacks are joined.
  return client.middlewareStack.concat(cmd.middlewareStack).identify();
};

const discovers = (names: string[]): boolean => names.some((m) => /endpointDiscovery/i.test(m));

describe('the DynamoDB client in the Lambda bundles', () => {
  it('has no command that discovers endpoints, in the SDK as installed', () => {
    const exports = sdk as unknown as Record<string, { prototype?: { resolveMiddleware?: unknown } }>;
    const commands = Object.keys(sdk).filter(
      (k) => k.endsWith('Command') && typeof exports[k]?.prototype?.resolveMiddleware === 'function',
    );
    expect(commands.length).toBeGreaterThan(50);
    // The check sees the middleware where a command has it: the SDK's own plugin, given to one command.
    const withPlugin = middlewareOf(sdk, 'GetItemCommand', (cmd, client) =>
      cmd.middlewareStack.use(
        getEndpointDiscoveryPlugin(
          client.config as never,
          {
            clientStack: client.middlewareStack,
            options: {},
            isDiscoveredEndpointRequired: false,
          } as never,
        ),
      ),
    );
    expect(discovers(withPlugin)).toBe(true);
    const discovering = commands.filter((c) => discovers(middlewareOf(sdk, c)));
    expect(discovering).toEqual([]);
  });

  it('is needed by no other client installed: the alias covers every bundle, and only DynamoDB is checked above', async () => {
    const { readdir, readFile } = await import('node:fs/promises');
    const root = join(import.meta.dirname, '..', 'node_modules', '@aws-sdk');
    const clients = (await readdir(root)).filter((d) => d.startsWith('client-'));
    expect(clients).toContain('client-dynamodb');
    const using: string[] = [];
    for (const c of clients) {
      const pkg = JSON.parse(await readFile(join(root, c, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
      };
      if (Object.keys(pkg.dependencies ?? {}).some((d) => /endpoint-(cache|discovery)/.test(d)))
        using.push(c);
    }
    expect(using).toEqual(['client-dynamodb']);
  });

  it('carries the stand-in, not mnemonist, and the stand-in refuses any use naming its file', async () => {
    const plain = new sdk.DynamoDBClient(clientConfig).config as unknown as { endpointCache: object };
    expect(plain.endpointCache.constructor.name).toBe('EndpointCache');
    const { build } = await import('esbuild');
    const { esbuildOptions, repoRoot } = await import('./bundling.ts');
    const dir = await mkdtemp(join(tmpdir(), 'bank-endpoint-cache-'));
    try {
      const outfile = join(dir, 'dynamodb.mjs');
      const result = await build({
        ...esbuildOptions,
        stdin: { contents: "export * from '@aws-sdk/client-dynamodb';", resolveDir: repoRoot, loader: 'js' },
        outfile,
        absWorkingDir: repoRoot,
      });
      const inputs = Object.keys(result.metafile.inputs).join('\n');
      expect(inputs).not.toMatch(/mnemonist|@aws-sdk[\\/]endpoint-cache/);
      expect(inputs).toMatch(/infra[\\/]endpoint-cache-left-out\.ts/);
      const bundled = (await import(pathToFileURL(outfile).href)) as typeof sdk;
      const cache = (
        new bundled.DynamoDBClient(clientConfig).config as unknown as {
          endpointCache: { capacity: number; get(k: string): unknown; set(k: string, e: unknown[]): void };
        }
      ).endpointCache;
      expect(cache.capacity).toBe(1000);
      expect(() => cache.get('k')).toThrow(/infra\/endpoint-cache-left-out\.ts/);
      expect(() => cache.set('k', [])).toThrow(/EndpointCache\.set/);
      // A command is still built and resolved as before.
      expect(middlewareOf(bundled, 'TransactWriteItemsCommand')).toEqual(
        middlewareOf(sdk, 'TransactWriteItemsCommand'),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
