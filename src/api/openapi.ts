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
import { needsToken, type RouteEntry, routeList } from './routes.ts';
import { IdempotencyKey } from './schemas/primitives.ts';
import { Problem } from './schemas/problem.ts';

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
interface Header {
  description: string;
  required?: boolean;
  schema: Schema;
}
interface Response {
  description: string;
  headers?: Record<string, Header | { $ref: string }>;
  content?: Content;
}
interface Operation {
  operationId: string;
  summary: string;
  description: string;
  tags: string[];
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { required: boolean; content: Content };
  responses: Record<string, Response>;
}

const BEARER = 'cognitoAccessToken';
/** Staff routes: the same kind of token, with more asked of it (the admin guard, src/handlers/gate.ts). */
const ADMIN_BEARER = 'cognitoAdminAccessToken';
const componentUri = (id: string) => `#/components/schemas/${id}`;

/**
 * In output mode zod closes objects that strip unknown keys (`additionalProperties: false`). The
 * document keeps them open, as before: clients should accept fields added later. Strict objects
 * (the request bodies) stay closed.
 */
const keepStrippingObjectsOpen: ToJSONSchemaParams['override'] = ({ zodSchema, jsonSchema }) => {
  const def = zodSchema._zod.def;
  if (def.type === 'object' && !('catchall' in def && def.catchall)) delete jsonSchema.additionalProperties;
  // Every integer of the API is a safe integer (money in minor units included): JSON's int64.
  if (jsonSchema.type === 'integer' && !jsonSchema.format) jsonSchema.format = 'int64';
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

/**
 * Every schema registered with an id, by id in code-unit order (the registry's own order is that of
 * module evaluation, which differs between the gateway, the tools and the tests); request bodies in
 * input mode, the rest in output mode.
 */
const components = (): Record<string, Schema> => {
  const all = (io: Io) =>
    z.toJSONSchema(z.globalRegistry, { io, uri: componentUri, override: keepStrippingObjectsOpen }).schemas;
  const input = all('input');
  const output = all('output');
  if (input.__shared || output.__shared) throw new Error('Unexpected shared definitions');
  const requestIds = new Set(routeList.map((r) => r.body && z.globalRegistry.get(r.body)?.id));
  return Object.fromEntries(
    Object.keys(output)
      .sort()
      .map((id) => {
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
/** A route's optional key (RouteDef `optionalKey`): documented, not required. */
const optionalIdempotencyHeader = z.object({ 'Idempotency-Key': z.optional(IdempotencyKey) });
/** Whether the route answers a repeat of a keyed request (required key or optional). */
const keyed = (r: RouteEntry): boolean => r.idempotent === true || r.optionalKey === true;

const ref = (kind: 'schemas' | 'headers', id: string) => ({ $ref: `#/components/${kind}/${id}` });

/** Response headers, documented once under components/headers. */
const headerComponents: Record<string, Header> = {
  'X-Request-Id': {
    description: 'The request id: in every answer, in the logs, and to quote to support',
    required: true,
    schema: { type: 'string', maxLength: 64 },
  },
  // Where API Gateway itself may answer instead of a function (gatewayMessages): its answers carry
  // its own apigw-requestid and neither of these (429 and 503 are among them: Retry-After is always so).
  'X-Request-Id-Unless-Gateway': {
    description:
      'The request id: in every answer of the bank (problem+json), in the logs, and to quote to support; absent from API Gateway\u2019s own `{"message"}` answers, which carry `apigw-requestid`',
    schema: { type: 'string', maxLength: 64 },
  },
  'Retry-After-Unless-Gateway': {
    description:
      'Seconds to wait before retrying: in every answer of the bank (problem+json); absent from API Gateway\u2019s own',
    schema: { type: 'string', pattern: '^\\d{1,5}$', maxLength: 5 },
  },
  'Access-Control-Allow-Origin': {
    description: 'The web client\u2019s origin, when the request came from it (CORS); absent otherwise',
    schema: { type: 'string', format: 'uri', maxLength: 256 },
  },
  'Retry-After': {
    description: 'Seconds to wait before retrying',
    required: true,
    schema: { type: 'string', pattern: '^\\d{1,5}$', maxLength: 5 },
  },
  Location: {
    description: 'The path of what the request created',
    required: true,
    schema: { type: 'string', pattern: '^/v1/', maxLength: 256 },
  },
  'Content-Disposition': {
    description: 'An attachment, and the file name to save it under',
    required: true,
    schema: { type: 'string', pattern: '^attachment; filename="', maxLength: 256 },
  },
  'Idempotent-Replayed': {
    description:
      '`true` when this answers an earlier request with the same Idempotency-Key (a transaction it created, as it stands now, or its stored answer)',
    schema: { type: 'string', enum: ['true'] },
  },
};
const requestId = {
  'X-Request-Id': ref('headers', 'X-Request-Id'),
  'Access-Control-Allow-Origin': ref('headers', 'Access-Control-Allow-Origin'),
};
const requestIdUnlessGateway = {
  ...requestId,
  'X-Request-Id': ref('headers', 'X-Request-Id-Unless-Gateway'),
};
const retryAfterUnlessGateway = {
  ...requestIdUnlessGateway,
  'Retry-After': ref('headers', 'Retry-After-Unless-Gateway'),
};

/**
 * API Gateway's own answers, `{"message": ...}` as application/json: the authorizer (401, 403),
 * unknown routes (404), the Lambda payload limit (413), throttling (429), a failed function (500)
 * and one past the integration timeout (503). The local gateway answers the same (src/local/answers.ts),
 * with API Gateway's headers alone: no X-Request-Id or Retry-After.
 */
const GATEWAY_MESSAGE = 'GatewayMessage';
const gatewayMessages: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  413: 'Request Too Long',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  // The integration timeout: the function did not answer within 30 s.
  503: 'Service Unavailable',
};
const gatewayMessageSchema: Schema = {
  type: 'object',
  description: 'An answer of API Gateway itself, before or instead of the function',
  required: ['message'],
  properties: { message: { type: 'string', maxLength: 64 } },
};

/** The guard's refusals on every token route (403). */
const GUARDED = ['user_disabled', 'password_reset_required'] as const;

/** The statuses every route documents beyond its own errors, with the codes the handlers use for them. */
const implicitStatuses = (r: RouteEntry): [number, ErrorCode[]][] => [
  // A body that is not JSON, holds a duplicate key or `__proto__` (src/api/json.ts), on every route
  // that reads one (src/api/http.ts).
  ...(r.body ? ([[400, ['malformed_json']]] as [number, ErrorCode[]][]) : []),
  ...(needsToken(r) ? ([[401, ['unauthorized']]] as [number, ErrorCode[]][]) : []),
  // The API edge (src/api/edge.ts): on AWS every function refuses a request that skipped CloudFront
  // (no X-Origin-Verify), on every route. The guard of token routes (src/handlers/gate.ts): a login
  // the bank disabled, or one whose confirmation did not finish setting its password, on every route;
  // on a staff route also a login without TOTP MFA (and a caller not in the staff group: forbidden).
  [
    403,
    [
      'forbidden',
      ...(needsToken(r) ? [...(r.role === 'admin' ? (['mfa_required'] as const) : []), ...GUARDED] : []),
    ],
  ],
  [404, []],
  [413, ['payload_too_large']],
  ...(r.body ? ([[415, ['unsupported_media_type']]] as [number, ErrorCode[]][]) : []),
  [429, ['rate_limited']],
  [500, ['internal_error']],
  [503, ['service_unavailable']],
];

/** Codes answered with Retry-After beyond 429 and 503 (whose every answer of the bank carries it). */
const RETRY_AFTER: readonly ErrorCode[] = ['delivery_in_progress'];

/**
 * A status's response. `replayable`: a keyed route's own refusal, recorded under the key and replayed
 * with Idempotent-Replayed (src/api/transactions.ts).
 */
const errorResponse = (status: number, codes: ErrorCode[], replayable = false): Response => {
  const lines = codes.map((c) => `\`${c}\`: ${errorCatalog[c].title}`);
  const gateway = gatewayMessages[status];
  if (gateway) lines.push(`API Gateway itself answers \`{"message":"${gateway}"}\` (application/json).`);
  if (status === 413) lines.push('Over 10 MB, API Gateway answers in plain text.');
  if (status === 429)
    lines.push(
      '`rate_limited` (with Retry-After): the local stack\u2019s per-user limit; on the payee, transfer and schedule routes also the account-number checks, 20 a minute and 200 a day (names checked, payees saved, numbers that matched no account); once either is spent, a payment to another customer\u2019s account too, until the minute ends or, for the day\u2019s, the next UTC midnight.',
    );
  const content: Content = {
    ...(codes.length ? { [PROBLEM_CONTENT_TYPE]: { schema: schemaOf(Problem, 'output') } } : {}),
    ...(gateway ? { 'application/json': { schema: ref('schemas', GATEWAY_MESSAGE) } } : {}),
    ...(status === 413 ? { 'text/plain': { schema: { type: 'string', maxLength: 128 } } } : {}),
  };
  return {
    description: lines.join('\n\n') || errorCatalog.bad_request.title,
    headers: {
      ...(status === 429 || status === 503
        ? retryAfterUnlessGateway
        : gateway
          ? requestIdUnlessGateway
          : requestId),
      ...(codes.some((c) => RETRY_AFTER.includes(c)) ? { 'Retry-After': ref('headers', 'Retry-After') } : {}),
      ...(replayable ? { 'Idempotent-Replayed': ref('headers', 'Idempotent-Replayed') } : {}),
    },
    content,
  };
};

/** Every status the route can answer besides success: its own errors and the implicit ones. */
const errorResponses = (r: RouteEntry): Record<string, Response> => {
  const byStatus = new Map<number, ErrorCode[]>();
  const add = (status: number, codes: ErrorCode[]) =>
    byStatus.set(status, [...new Set([...(byStatus.get(status) ?? []), ...codes])]);
  for (const code of r.errors) add(errorCatalog[code].status, [code]);
  for (const [status, codes] of implicitStatuses(r)) add(status, codes);
  // A keyed route records its own refusals under the key (a decline, a conflict) and replays them.
  const own = new Set<number>(r.errors.map((c) => errorCatalog[c].status).filter((s) => s < 500));
  return Object.fromEntries(
    [...byStatus]
      .sort(([a], [b]) => a - b)
      .map(([status, codes]) => [String(status), errorResponse(status, codes, keyed(r) && own.has(status))]),
  );
};

const operation = (r: RouteEntry): Operation => {
  const params = [
    ...parameters('path', r.params),
    ...parameters('query', r.query),
    ...parameters(
      'header',
      r.idempotent ? idempotencyHeader : r.optionalKey ? optionalIdempotencyHeader : undefined,
    ),
  ];
  return {
    operationId: r.operationId,
    summary: r.summary,
    description: `${r.summary}.${needsToken(r) ? ' Needs a Cognito access token.' : ' Public: no token.'}${r.idempotent ? ' Send an Idempotency-Key: it takes effect once per key, and a repeat answers the same.' : r.optionalKey ? ' An Idempotency-Key is optional: with one, it takes effect once per key, and a repeat answers the same; without, every request acts anew.' : ''}`,
    tags: [r.fn],
    // Public operations say so: an empty list overrides nothing and means "no authentication".
    security: r.role === 'admin' ? [{ [ADMIN_BEARER]: [] }] : needsToken(r) ? [{ [BEARER]: [] }] : [],
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
      ...Object.fromEntries(
        [r.status, ...(r.alsoStatus ?? [])].map((status) => [
          String(status),
          {
            description: r.summary,
            headers: {
              ...requestId,
              ...(keyed(r) ? { 'Idempotent-Replayed': ref('headers', 'Idempotent-Replayed') } : {}),
              ...(r.location ? { Location: ref('headers', 'Location') } : {}),
              ...(r.produces ? { 'Content-Disposition': ref('headers', 'Content-Disposition') } : {}),
            },
            ...successContent(r),
          },
        ]),
      ),
      ...errorResponses(r),
    },
  };
};

/** The success body: the route's JSON schema, or a string in its own media type (e.g. text/csv). */
const successContent = (r: RouteEntry): { content?: Content } => {
  if (r.response) return { content: { 'application/json': { schema: schemaOf(r.response, 'output') } } };
  if (r.produces) return { content: { [r.produces]: { schema: { type: 'string', maxLength: 10_000_000 } } } };
  return {};
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
      contact: { name: 'Serverless Bank engineering', url: 'https://docs.serverless-bank.dev' },
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    servers: [
      {
        url: '/',
        description:
          'The API of the deployment serving this document (production on AWS, local under npm start)',
        'x-internal': false,
      },
    ],
    tags: functionsWith('http').map(({ name, def }) => ({ name, description: def.description })),
    paths,
    components: {
      schemas: { ...components(), [GATEWAY_MESSAGE]: gatewayMessageSchema },
      headers: headerComponents,
      securitySchemes: {
        [BEARER]: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'A Cognito access token from POST /v1/auth/login: an RS256 JWS verified as RFC8725 advises (algorithm pinned, kid required, issuer, audience, expiry and scope checked). An id token is refused with 403.',
        },
        [ADMIN_BEARER]: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'A Cognito access token verified as RFC8725 advises (as cognitoAccessToken is), of a member of the `admin` group, from a login that answered a TOTP challenge (403 forbidden or mfa_required otherwise, and the refusal is audited).',
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
