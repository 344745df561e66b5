/**
 * On AWS every function refuses a request that did not come through CloudFront with 403 `forbidden`
 * (src/api/edge.ts), on every route, public ones included, and every operation of the OpenAPI
 * document declares it (src/api/openapi.ts implicitStatuses; a review found it declared on staff
 * routes alone).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../test/api.ts';
import { createTestTable, useHandlerEnv } from '../../test/harness.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { type OperationId, routes } from './routes.ts';

const doc = JSON.parse(JSON.stringify(buildOpenApiDocument())) as {
  paths: Record<string, Record<string, { responses: Record<string, { description?: string }> }>>;
};
const declares = (op: OperationId, status: number, code: string): boolean => {
  const r = routes[op];
  const res = doc.paths[r.path]?.[r.method.toLowerCase()]?.responses[String(status)];
  return res?.description?.includes(`\`${code}\``) ?? false;
};

/** A stand-in for the Parameters and Secrets Lambda Extension, answering the origin secret. */
let server: Server;
beforeAll(async () => {
  server = createServer((_req, res) => {
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ SecretString: JSON.stringify({ current: 'c'.repeat(40) }) }));
  });
  await new Promise<void>((ok) => server.listen(0, 'localhost', ok));
  useHandlerEnv({
    TABLE_NAME: await createTestTable('review-edge'),
    BANK_ORIGIN_SECRET_ID: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:origin-AbCdEf',
    PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String((server.address() as AddressInfo).port),
  });
});
afterAll(async () => {
  await new Promise((ok) => server.close(ok));
});

describe('a request that skipped the edge', () => {
  it('POST /v1/auth/register answers 403 forbidden, which its operation declares', async () => {
    const r = await call('register', {
      body: { email: 'edge@example.com', password: 'Review-Password-1!', name: 'Ada' },
    });
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('forbidden');
    expect(declares('register', 403, 'forbidden')).toBe(true);
  });

  it('GET /v1/me answers 403 forbidden, which its operation declares', async () => {
    const r = await call('me', { user: 'review-edge-user' });
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('forbidden');
    expect(declares('me', 403, 'forbidden')).toBe(true);
  });
});
