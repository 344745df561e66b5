/**
 * The OpenAPI 3.1 document of the API, generated from the route table and its zod schemas.
 * Only the local gateway and tooling import this (never a Lambda handler): it pulls in the generator.
 */
import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type ResponseConfig,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { type ErrorCode, errorCatalog } from '../domain/errors.ts';
import { PROBLEM_CONTENT_TYPE } from './problem.ts';
import { functions, type RouteEntry, routeList } from './routes.ts';
import { IdempotencyKey, Problem } from './schemas.ts';

const BEARER = 'cognitoAccessToken';

const problemResponse = (codes: ErrorCode[], auth: boolean): ResponseConfig => {
  const lines = codes.map((c) => `\`${c}\`: ${errorCatalog[c].title}`);
  if (auth && codes.includes('unauthorized')) {
    lines.push(
      'A missing or invalid access token is refused by the gateway with `{"message":"Unauthorized"}`.',
    );
  }
  return { description: lines.join('\n\n'), content: { [PROBLEM_CONTENT_TYPE]: { schema: Problem } } };
};

/** The route's documented errors, one response per status. */
const errorResponses = (r: RouteEntry): Record<string, ResponseConfig> => {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of r.errors) {
    const status = errorCatalog[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, codes]) => [String(status), problemResponse(codes, r.auth)]),
  );
};

const routeConfig = (r: RouteEntry): RouteConfig => ({
  method: r.method.toLowerCase() as RouteConfig['method'],
  path: r.path,
  operationId: r.operationId,
  summary: r.summary,
  tags: [r.fn],
  ...(r.auth ? { security: [{ [BEARER]: [] }] } : {}),
  request: {
    ...(r.params ? { params: r.params as z.ZodObject } : {}),
    ...(r.query ? { query: r.query as z.ZodObject } : {}),
    ...(r.idempotent
      ? {
          headers: z.object({
            'Idempotency-Key': IdempotencyKey.meta({
              description:
                'Unique per money movement; a retry with the same key and body replays the first result',
            }),
          }),
        }
      : {}),
    ...(r.body ? { body: { required: true, content: { 'application/json': { schema: r.body } } } } : {}),
  },
  responses: {
    [String(r.status)]: {
      description: r.summary,
      ...(r.response ? { content: { 'application/json': { schema: r.response } } } : {}),
    },
    ...errorResponses(r),
  },
});

export const buildOpenApiDocument = () => {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', BEARER, {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A Cognito access token from POST /v1/auth/login',
  });
  for (const r of routeList) registry.registerPath(routeConfig(r));
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Serverless Bank API',
      version: '1.0.0',
      description:
        'Retail banking: accounts, deposits, withdrawals, transfers. Money is in integer minor units.',
    },
    servers: [{ url: '/' }],
    tags: Object.entries(functions).map(([name, f]) => ({ name, description: f.description })),
  });
};

let cached: ReturnType<typeof buildOpenApiDocument> | undefined;
/** The document, built once. */
export const openApiDocument = () => {
  cached ??= buildOpenApiDocument();
  return cached;
};
