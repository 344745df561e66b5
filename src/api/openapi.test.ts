import { describe, expect, it } from 'vitest';
import { MAX_BATCH_TRANSFERS } from '../domain/batch.ts';
import { errorCatalog } from '../domain/errors.ts';
import { MAX_AMOUNT } from '../domain/money.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { needsToken, type RouteDef, routeList, routes } from './routes.ts';

type Schema = {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: boolean;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  description?: string;
};
type Content = Record<string, { schema: Schema }>;
type Operation = {
  operationId?: string;
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean; schema: Schema }[];
  requestBody?: { content: Content };
  responses: Record<string, { description?: string; content?: Content }>;
};

const doc = JSON.parse(JSON.stringify(buildOpenApiDocument())) as {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, unknown> };
};
const op = (r: Pick<RouteDef, 'method' | 'path'>): Operation | undefined =>
  doc.paths[r.path]?.[r.method.toLowerCase()];
const component = (ref: string | undefined): Schema | undefined =>
  ref?.startsWith('#/components/schemas/')
    ? doc.components.schemas[ref.slice(21)]
    : ref?.startsWith('#/components/headers/')
      ? (doc.components as unknown as { headers: Record<string, Schema> }).headers[ref.slice(21)]
      : undefined;
const refsIn = (value: unknown): string[] =>
  value && typeof value === 'object'
    ? Object.entries(value).flatMap(([k, v]) => (k === '$ref' ? [String(v)] : refsIn(v)))
    : [];

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1.0 JSON', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.schemas.Problem).toBeDefined();
  });

  it.each(routeList.map((r) => [`${r.method} ${r.path}`, r] as const))('documents %s', (_key, r) => {
    const o = op(r);
    expect(o?.operationId).toBe(r.operationId);
    expect(Object.keys(o?.responses ?? {})).toContain(String(r.status));
    expect(o?.security).toEqual(
      r.role === 'admin'
        ? [{ cognitoAdminAccessToken: [] }]
        : needsToken(r)
          ? [{ cognitoAccessToken: [] }]
          : [],
    );
    expect(o?.requestBody !== undefined).toBe(r.body !== undefined);
    const idem = o?.parameters?.find((p) => p.name === 'Idempotency-Key');
    expect(idem !== undefined).toBe(r.idempotent === true || r.optionalKey === true);
    // Required where the route requires it; documented, not required, where it is optional.
    if (idem) expect(idem.required).toBe(r.idempotent === true);
    for (const code of r.errors) {
      const res = o?.responses[String(errorCatalog[code].status)];
      expect(res?.content?.['application/problem+json'], code).toBeDefined();
    }
  });

  it.each(routeList.map((r) => [`${r.method} ${r.path}`, r] as const))(
    'documents every status %s can answer, with its headers',
    (_key, r) => {
      const o = op(r) as Operation & {
        responses: Record<string, { headers?: Record<string, unknown>; content?: Content }>;
      };
      const statuses = [
        ...(needsToken(r) ? ['401', '403'] : []),
        '404',
        '413',
        ...(r.body ? ['415'] : []),
        '429',
        '500',
        '503',
      ];
      for (const status of statuses) expect(Object.keys(o.responses), status).toContain(status);
      for (const [status, res] of Object.entries(o.responses)) {
        expect(Object.keys(res.headers ?? {}), status).toContain('X-Request-Id');
        if (status === '429' || status === '503')
          expect(Object.keys(res.headers ?? {})).toContain('Retry-After');
      }
      const success = Object.keys(o.responses[String(r.status)]?.headers ?? {});
      expect(success.includes('Idempotent-Replayed'), 'Idempotent-Replayed').toBe(
        r.idempotent === true || r.optionalKey === true,
      );
      // API Gateway's own answers are documented beside the problem+json ones.
      // ... and carry API Gateway's headers alone: X-Request-Id and Retry-After are not promised there.
      for (const status of ['404', '413', '429', '500', '503', ...(needsToken(r) ? ['401', '403'] : [])])
        expect(o.responses[status]?.headers?.['X-Request-Id'], status).toEqual({
          $ref: '#/components/headers/X-Request-Id-Unless-Gateway',
        });
      for (const status of ['404', '500', '503', ...(needsToken(r) ? ['401', '403'] : [])]) {
        expect(o.responses[status]?.content?.['application/json']?.schema.$ref, status).toBe(
          '#/components/schemas/GatewayMessage',
        );
      }
    },
  );

  it("documents the guard's refusals on every staff route's 403, and user_disabled and password_reset_required on every token route's", () => {
    for (const r of routeList.filter(needsToken)) {
      const description = String(op(r)?.responses['403']?.description ?? '');
      const guarded = ['user_disabled', 'password_reset_required'];
      const codes = r.role === 'admin' ? ['forbidden', 'mfa_required', ...guarded] : guarded;
      for (const code of codes) expect(description, `${r.method} ${r.path}`).toContain(`\`${code}\``);
    }
  });

  it('bounds every array', () => {
    const arrays = (v: unknown, path: string): string[] =>
      v && typeof v === 'object'
        ? Object.entries(v).flatMap(([k, x]) => [
            ...((x as Schema)?.type === 'array' && (x as { maxItems?: number }).maxItems === undefined
              ? [`${path}/${k}`]
              : []),
            ...arrays(x, `${path}/${k}`),
          ])
        : [];
    expect(arrays(doc, '')).toEqual([]);
  });

  it('has no operation that is not in the route table', () => {
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(routeList.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('documents the transfer body: amount is an integer from 1 to MAX_AMOUNT, unknown keys refused', () => {
    const ref = op(routes.transfer)?.requestBody?.content['application/json']?.schema.$ref;
    expect(ref).toBe('#/components/schemas/TransferRequest');
    const body = component(ref);
    expect(body?.properties?.amount).toMatchObject({ type: 'integer', minimum: 1, maximum: MAX_AMOUNT });
    // The recipient is one of toAccountNumber and payeeId (the handler's check says exactly one).
    expect(body?.required).toEqual(['fromAccountId', 'amount', 'currency']);
    expect(Object.keys(body?.properties ?? {})).toEqual(
      expect.arrayContaining(['toAccountNumber', 'payeeId']),
    );
    expect(body?.additionalProperties).toBe(false);
  });

  it('documents a bulk payment as holding 1 to MAX_BATCH_TRANSFERS transfers, in its summary too', () => {
    const o = op(routes.transferBatch) as Operation & { summary?: string };
    const body = component(o.requestBody?.content['application/json']?.schema.$ref);
    expect(body?.properties?.transfers).toMatchObject({ minItems: 1, maxItems: MAX_BATCH_TRANSFERS });
    expect(o.summary).toContain(`up to ${MAX_BATCH_TRANSFERS} recipients`);
  });

  it('documents the history query as clients send it: limit is an optional numeric string', () => {
    const limit = op(routes.history)?.parameters?.find((p) => p.name === 'limit');
    expect(limit).toMatchObject({
      in: 'query',
      required: false,
      schema: { type: 'string', pattern: '^\\d{1,3}$' },
    });
    expect(op(routes.history)?.parameters?.find((p) => p.name === 'id')).toMatchObject({
      in: 'path',
      required: true,
    });
  });

  it('names Account once, as a component every account response refers to', () => {
    expect(component('#/components/schemas/Account')?.properties?.balance?.type).toBe('integer');
    for (const r of [routes.getAccount, routes.openAccount, routes.closeAccount]) {
      expect(op(r)?.responses[String(r.status)]?.content?.['application/json']?.schema).toEqual({
        $ref: '#/components/schemas/Account',
      });
    }
    expect(component('#/components/schemas/AccountList')?.properties?.items?.items).toEqual({
      $ref: '#/components/schemas/Account',
    });
    // responses stay open to fields added later; zod's output mode would close them
    expect(component('#/components/schemas/Account')?.additionalProperties).toBeUndefined();
  });

  it('lists the components by id, whatever order their modules were loaded in', () => {
    const ids = Object.keys(doc.components.schemas).filter((id) => id !== 'GatewayMessage');
    expect(ids).toEqual([...ids].sort());
  });

  it('gives a shared schema documented where it is used that description there only', () => {
    const props = (id: string) => component(`#/components/schemas/${id}`)?.properties ?? {};
    // Id, Instant and Amount are shared: each use documents its own copy, and the others keep the example
    expect(props('Transaction').refundOf?.description).toBe('Refunds: the transfer refunded');
    expect(props('Transaction').reverses?.description).toBe('Reversals: the transaction reversed');
    expect(props('Transaction').id?.description).toBeUndefined();
    expect(props('Account').id).toMatchObject({
      format: 'uuid',
      example: '3f9a2b1c-6a43-4c1e-9a55-5b7f0e2d8c11',
    });
    expect(props('Balance').at?.description).toBe('The instant asked for');
    expect(props('Balance').asOf?.description).toBe('Now: when no `at` was asked');
    expect(props('Account').createdAt?.description).toBeUndefined();
    expect(props('MoneyRequest').amount?.description).toBe('Integer minor units (cents)');
    expect(props('ReversalRequest').amount?.description).toBe(
      'Default: all that is left (less refunds and reversals)',
    );
  });

  it('has every $ref resolve to a component, and no JSON Schema document keywords inside components', () => {
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(routeList.length);
    for (const ref of refs) expect(component(ref), ref).toBeDefined();
    for (const [id, schema] of Object.entries(doc.components.schemas)) {
      expect(Object.keys(schema), id).not.toContain('$schema');
      expect(Object.keys(schema), id).not.toContain('$id');
    }
  });
});
