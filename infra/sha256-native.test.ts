/**
 * The Lambda bundles take Smithy's Node SHA-256 without its JavaScript fallback (infra/bundling.ts,
 * nativeSha256Only). These tests hold it to its claim: the installed module is the one it expects, and
 * a bundle with the trim hashes, HMACs and signs requests exactly as one without it.
 */
import { createHash, createHmac } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as checksum from '@smithy/core/checksum';
import type * as sigv4 from '@smithy/signature-v4';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlePlugins, esbuildOptions, nativeSha256, nativeSha256Only, repoRoot } from './bundling.ts';

const MODULE = join(repoRoot, 'node_modules/@smithy/core/dist-es/submodules/checksum/sha256/Sha256Node.js');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bank-sha256-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

type Sdk = typeof checksum & typeof sigv4;

/** Smithy's SHA-256 and SigV4 signer bundled as the functions are, with the given plugins. */
const bundle = async (name: string, plugins: typeof bundlePlugins) => {
  const outfile = join(dir, `${name}.mjs`);
  const { metafile } = await build({
    ...esbuildOptions,
    sourcemap: false,
    stdin: {
      contents: `export { Sha256 } from '@smithy/core/checksum'; export { SignatureV4 } from '@smithy/signature-v4';`,
      resolveDir: repoRoot,
      sourcefile: `${name}.mjs`,
    },
    outfile,
    absWorkingDir: repoRoot,
    plugins,
  });
  const inputs = Object.values(metafile.outputs).flatMap((o) =>
    Object.entries(o.inputs)
      .filter(([, i]) => i.bytesInOutput > 0)
      .map(([file]) => file),
  );
  return { inputs, sdk: (await import(pathToFileURL(outfile).href)) as Sdk };
};

const digest = async (
  sdk: Sdk,
  secret: string | Uint8Array | undefined,
  ...data: (string | Uint8Array)[]
) => {
  const h = new sdk.Sha256(secret);
  for (const d of data) h.update(typeof d === 'string' ? new TextEncoder().encode(d) : d);
  return Buffer.from(await h.digest()).toString('hex');
};

describe("Smithy's SHA-256 in the bundles", () => {
  it('expects the installed module as it is, and fails on one that no longer chooses the fallback so', async () => {
    const source = await readFile(MODULE, 'utf8');
    const trimmed = nativeSha256Only(MODULE, source);
    expect(trimmed).not.toContain('Sha256Js');
    expect(trimmed).toContain('export const Sha256Node = buildNativeClass();');
    expect(() => nativeSha256Only(MODULE, source.replace('Sha256Js;', 'Sha256Js ;'))).toThrow(
      /nativeSha256Only/,
    );
  });

  it('hashes, HMACs and signs as without the trim, and leaves the JavaScript SHA-256 out', async () => {
    const whole = await bundle(
      'whole',
      bundlePlugins.filter((p) => p !== nativeSha256),
    );
    const trimmed = await bundle('trimmed', bundlePlugins);
    const fallback = 'node_modules/@smithy/core/dist-es/submodules/checksum/sha256/Sha256Js.js';
    expect(whole.inputs).toContain(fallback);
    expect(trimmed.inputs).not.toContain(fallback);

    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) % 256);
    const cases: [string | Uint8Array | undefined, (string | Uint8Array)[]][] = [
      [undefined, []],
      [undefined, ['abc']],
      [undefined, ['a', bytes, 'é€']],
      ['key', ['message']],
      [bytes, [bytes, 'x']],
    ];
    for (const [secret, data] of cases) {
      const expected = await digest(trimmed.sdk, secret, ...data);
      expect(await digest(whole.sdk, secret, ...data)).toBe(expected);
      const node = secret === undefined ? createHash('sha256') : createHmac('sha256', secret);
      for (const d of data) node.update(d);
      expect(expected).toBe(node.digest('hex'));
    }

    const sign = (sdk: Sdk) =>
      new sdk.SignatureV4({
        service: 'dynamodb',
        region: 'eu-west-1',
        sha256: sdk.Sha256,
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' },
      }).sign(
        {
          method: 'POST',
          protocol: 'https:',
          hostname: 'dynamodb.eu-west-1.amazonaws.com',
          path: '/',
          headers: {
            host: 'dynamodb.eu-west-1.amazonaws.com',
            'content-type': 'application/x-amz-json-1.0',
            'x-amz-target': 'DynamoDB_20120810.GetItem',
          },
          body: '{"TableName":"t","Key":{"pk":{"S":"a"}}}',
        },
        { signingDate: new Date('2026-12-07T12:00:00Z') },
      );
    const signed = await sign(trimmed.sdk);
    expect(signed.headers.authorization).toMatch(/Signature=[0-9a-f]{64}$/);
    expect(signed.headers).toEqual((await sign(whole.sdk)).headers);
  });
});
