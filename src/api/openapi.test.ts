import { describe, expect, it } from 'vitest';
import { errorCatalog } from '../domain/errors.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { routeList } from './routes.ts';

type Operation = {
  operationId?: string;
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, unknown> }>;
};

const doc = JSON.parse(JSON.stringify(buildOpenApiDocument())) as {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
};
const op = (r: (typeof routeList)[number]): Operation | undefined =>
  doc.paths[r.path]?.[r.method.toLowerCase()];

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1.0 JSON', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.schemas.Problem).toBeDefined();
  });

  it.each(routeList.map((r) => [`${r.method} ${r.path}`, r] as const))('documents %s', (_key, r) => {
    const o = op(r);
    expect(o?.operationId).toBe(r.operationId);
    expect(Object.keys(o?.responses ?? {})).toContain(String(r.status));
    expect(o?.security !== undefined).toBe(r.auth);
    expect(o?.requestBody !== undefined).toBe(r.body !== undefined);
    const idem = o?.parameters?.find((p) => p.name === 'Idempotency-Key');
    expect(idem !== undefined).toBe(r.idempotent === true);
    for (const code of r.errors) {
      const res = o?.responses[String(errorCatalog[code].status)];
      expect(res?.content?.['application/problem+json'], code).toBeDefined();
    }
  });

  it('has no operation that is not in the route table', () => {
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(routeList.map((r) => `${r.method} ${r.path}`).sort());
  });
});
