/**
 * The OpenAPI 3.1 document of the API, generated from the route table and its zod schemas.
 * Only the local gateway and tooling import this (never a Lambda handler).
 *
 * Schemas come from zod's own JSON Schema generator (OpenAPI 3.1 schemas are JSON Schema 2020-12):
 * `@asteasolutions/zod-to-openapi` needs classic zod schemas (it calls their `.meta()`), and classic zod
 * costs every Lambda ~60 KB more than `zod/mini` (see schemas.ts). A schema registered with an `id` is
 * a component under `components/schemas`, used by `$ref`; the others are inlined.
 */
import * as z from 'zod/mini';
import type { $ZodType, JSONSchema, ToJSONSchemaParams } from 'zod/v4/core';
import { type ErrorCode, errorCatalog } from '../domain/errors.ts';
import { functionsWith } from '../functions.ts';
import { PROBLEM_CONTENT_TYPE } from './problem.ts';
import { type RouteEntry, routeList } from './routes.ts';
import { IdempotencyKey, Problem } from './schemas.ts';

type Schema = JSONSchema.JSONSchema;
/** Requests are documented as clients send them (before transforms), responses as they are sent. */
type Io = 'input' | 'output';

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  description?: string;
  schema: Schema;
}
type Content = Record<string, { schema: Schema }>;
interface Response {
  description: string;
  content?: Content;
}
interface Operation {
  operationId: string;
  summary: string;
  tags: string[];
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { required: boolean; content: Content };
  responses: Record<string, Response>;
}

const BEARER = 'cognitoAccessToken';
const componentUri = (id: string) => `#/components/schemas/${id}`;

/**
 * In output mode zod closes objects that strip unknown keys (`additionalProperties: false`). The
 * document keeps them open, as before: clients should accept fields added later. Strict objects
 * (the request bodies) stay closed.
 */
const keepStrippingObjectsOpen: ToJSONSchemaParams['override'] = ({ zodSchema, jsonSchema }) => {
  const def = zodSchema._zod.def;
  if (def.type === 'object' && !('catchall' in def && def.catchall)) delete jsonSchema.additionalProperties;
};

const generate = (schema: $ZodType, io: Io): Schema => {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io, override: keepStrippingObjectsOpen });
  if (json.$defs) throw new Error('A schema without an id must not contain one with an id: give it an id');
  return json;
};

/** A `$ref` to the schema's component, or the schema itself when it has no id. */
const schemaOf = (schema: $ZodType, io: Io): Schema => {
  const id = z.globalRegistry.get(schema)?.id;
  return id ? { $ref: componentUri(id) } : generate(schema, io);
};

/** Every schema registered with an id; request bodies in input mode, the rest in output mode. */
const components = (): Record<string, Schema> => {
  const all = (io: Io) =>
    z.toJSONSchema(z.globalRegistry, { io, uri: componentUri, override: keepStrippingObjectsOpen }).schemas;
  const input = all('input');
  const output = all('output');
  if (input.__shared || output.__shared) throw new Error('Unexpected shared definitions');
  const requestIds = new Set(routeList.map((r) => r.body && z.globalRegistry.get(r.body)?.id));
  return Object.fromEntries(
    Object.keys(output).map((id) => {
      const { $schema: _s, $id: _i, ...schema } = (requestIds.has(id) ? input : output)[id] as Schema;
      return [id, schema];
    }),
  );
};

/** One parameter per property of an object schema (path, query or headers). */
const parameters = (where: Parameter['in'], schema: $ZodType | undefined): Parameter[] => {
  if (!schema) return [];
  const json = generate(schema, 'input');
  const required = new Set(json.required ?? []);
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const s: Schema = typeof property === 'object' ? property : {};
    return {
      name,
      in: where,
      required: required.has(name),
      ...(s.description ? { description: s.description } : {}),
      schema: s,
    };
  });
};

const idempotencyHeader = z.object({ 'Idempotency-Key': IdempotencyKey });

const problemResponse = (codes: ErrorCode[], auth: boolean): Response => {
  const lines = codes.map((c) => `\`${c}\`: ${errorCatalog[c].title}`);
  if (auth && codes.includes('unauthorized')) {
    lines.push(
      'A missing or invalid access token is refused by the gateway with `{"message":"Unauthorized"}`.',
    );
  }
  return {
    description: lines.join('\n\n'),
    content: { [PROBLEM_CONTENT_TYPE]: { schema: schemaOf(Problem, 'output') } },
  };
};

/** The route's documented errors, one response per status. */
const errorResponses = (r: RouteEntry): Record<string, Response> => {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of r.errors) {
    const status = errorCatalog[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, codes]) => [String(status), problemResponse(codes, r.auth)]),
  );
};

const operation = (r: RouteEntry): Operation => {
  const params = [
    ...parameters('path', r.params),
    ...parameters('query', r.query),
    ...parameters('header', r.idempotent ? idempotencyHeader : undefined),
  ];
  return {
    operationId: r.operationId,
    summary: r.summary,
    tags: [r.fn],
    ...(r.auth ? { security: [{ [BEARER]: [] }] } : {}),
    ...(params.length ? { parameters: params } : {}),
    ...(r.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: schemaOf(r.body, 'input') } },
          },
        }
      : {}),
    responses: {
      [String(r.status)]: {
        description: r.summary,
        ...(r.response
          ? { content: { 'application/json': { schema: schemaOf(r.response, 'output') } } }
          : {}),
      },
      ...errorResponses(r),
    },
  };
};

export const buildOpenApiDocument = () => {
  const paths: Record<string, Record<string, Operation>> = {};
  for (const r of routeList) paths[r.path] = { ...paths[r.path], [r.method.toLowerCase()]: operation(r) };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Serverless Bank API',
      version: '1.0.0',
      description:
        'Retail banking: accounts, deposits, withdrawals, transfers. Money is in integer minor units.',
    },
    servers: [{ url: '/' }],
    tags: functionsWith('http').map(({ name, def }) => ({ name, description: def.description })),
    paths,
    components: {
      schemas: components(),
      securitySchemes: {
        [BEARER]: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'A Cognito access token from POST /v1/auth/login',
        },
      },
    },
  };
};

let cached: ReturnType<typeof buildOpenApiDocument> | undefined;
/** The document, built once. */
export const openApiDocument = () => {
  cached ??= buildOpenApiDocument();
  return cached;
};
