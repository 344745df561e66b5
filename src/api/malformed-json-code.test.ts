/**
 * Every route with a JSON body answers 400 `malformed_json` for a body that is not JSON (or holds a
 * duplicate key or `__proto__`: src/api/json.ts), and every such operation of the OpenAPI document
 * declares that code among its 400's (src/api/openapi.ts implicitStatuses; a review found it declared
 * on none).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../test/api.ts';
import { createTestTable, useHandlerEnv } from '../../test/harness.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { routeList } from './routes.ts';

const doc = JSON.parse(JSON.stringify(buildOpenApiDocument())) as {
  paths: Record<string, Record<string, { responses: Record<string, { description?: string }> }>>;
};

beforeAll(async () => {
  useHandlerEnv({ TABLE_NAME: await createTestTable('review-malformed') });
});

// Staff routes are guarded before the body is read (a customer learns nothing of their input).
const bodyRoutes = routeList.filter((r) => r.body && r.role !== 'admin');

describe('a body that is not JSON', () => {
  it.each(bodyRoutes.map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s answers a code its operation declares',
    async (_key, r) => {
      const params = Object.fromEntries(
        [...r.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => [name, '3f9a2b1c-6a43-4c1e-9a55-5b7f0e2d8c11']),
      );
      const res = await call(r.operationId, {
        params,
        raw: '{"amount": 1, "amount": 2}',
        headers: { 'idempotency-key': 'review-malformed' },
        ...(r.role === 'public' ? {} : { user: 'review-malformed-user' }),
      });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toBe('application/problem+json');
      const declared = doc.paths[r.path]?.[r.method.toLowerCase()]?.responses['400']?.description ?? '';
      expect(declared, `the 400 of ${r.operationId} declares the code answered`).toContain(
        `\`${res.body.code}\``,
      );
    },
  );
});
