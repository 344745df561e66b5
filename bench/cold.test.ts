import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { resetConfig } from '../src/config.ts';
import { functions } from '../src/functions.ts';
import { coldEvent, coldFunctions, measureColdStarts } from './cold.ts';

const names = coldFunctions();

describe('the cold-start request', () => {
  beforeAll(() => {
    // Nothing listens on port 9: a handler that called AWS would fail (500), not pass.
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', 'http://127.0.0.1:9');
    vi.stubEnv('AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER', 'http://127.0.0.1:9');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'none');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'none');
    resetConfig();
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    resetConfig();
  });

  it.each(names)('%s answers it without AWS', async (fn) => {
    const mod = (await import(join('..', functions[fn].entry))) as {
      handler: (e: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
    };
    const r = await mod.handler(coldEvent(fn));
    expect([200, 400, 401, 404]).toContain(r.statusCode);
  });
});

describe('bundles', () => {
  it('bundles a function as deployed and runs it in a fresh process', async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'bench-cold-test-'));
    const report = await measureColdStarts({ workDir, runs: 1, only: ['health'] });
    await rm(workDir, { recursive: true, force: true });
    expect(report.bundler).toMatch(/^infra\/bundling\.ts/);
    expect(report.functions).toHaveLength(1);
    expect(report.functions[0]).toMatchObject({ fn: 'health', status: 200 });
    expect(report.functions[0]?.sizeKB).toBeGreaterThan(0);
    // The baseline (a handler that does nothing, in the same harness) and a bare node ran and were timed.
    expect(Number.isFinite(report.baselineMs) && Number.isFinite(report.bareMs)).toBe(true);
  }, 60_000);
});
