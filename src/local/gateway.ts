/**
 * The local stand-in for API Gateway HTTP API: routes from the route table, the JWT authorizer,
 * CORS, payload format 2.0 events to the Lambda handlers (imported in-process), API Gateway's own
 * answers and limits, and the static content CloudFront serves on AWS (web client, API reference,
 * runtime config). The pieces: routing.ts, authorizer.ts, invoke.ts, answers.ts, static.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { RuntimeConfig } from '../../web/src/config.ts';
import { type CorsConfig, corsConfig } from '../api/cors.ts';
import { buildEvent } from '../api/event.ts';
import { needsToken, type RouteEntry, routeKey, routeList } from '../api/routes.ts';
import type { JwtVerifier } from '../identity/jwt.ts';
import { emptyAnswer, gatewayError, jsonAnswer, problemAnswer } from './answers.ts';
import { authorize } from './authorizer.ts';
import { corsHeaders, corsOriginsFromEnv, preflightHeaders } from './cors.ts';
import { GATEWAY_IDLE_MS } from './http-client.ts';
import { createInvoker, type LambdaHandler } from './invoke.ts';
import {
  authorizerClaims,
  foldedHeader,
  type HttpResponse,
  newRequestId,
  requestHeaders,
  requestLineAndHeadersBytes,
} from './lambda-event.ts';
import { createRateLimiter, type RateLimit, rateLimitFromEnv } from './rate-limit.ts';
import { createRouter, decodePath, isApiPath, type RouteMatch, type Router } from './routing.ts';
import { serveDocs, serveWeb } from './static.ts';

export type { LambdaHandler } from './invoke.ts';

/** What the web client reads at startup from /config.json (the client's own type). */
export type ClientConfig = RuntimeConfig;

export interface GatewayOptions {
  routes?: readonly RouteEntry[];
  /** Handler per function name; functions not given are imported from their `entry` module. */
  handlers?: Partial<Record<string, LambdaHandler>>;
  /** Verifies access tokens for `auth: true` routes; without one, those routes answer 401. */
  verifier?: JwtVerifier;
  /** Allowed CORS origins; default BANK_CORS_ORIGINS, else the gateway's own origin. */
  corsOrigins?: readonly string[];
  /** Default from BANK_RATE_LIMIT*; false turns throttling off. */
  rateLimit?: RateLimit | false;
  /** The rate limiter's clock (tests). */
  now?: () => number;
  /** Until true, API routes answer 503 service_unavailable. */
  ready?: boolean;
  webDir?: string;
  clientConfig?: ClientConfig;
  /** Loaded on first GET /openapi.json. */
  openapi?: () => Promise<unknown>;
  region?: string;
  /** Overrides every function's timeout (tests); else each function's own. */
  timeoutMs?: number;
  /** API Gateway's integration timeout, from the request's arrival (tests); else INTEGRATION_TIMEOUT_MS. */
  integrationTimeoutMs?: number;
  /** When a request arrived (its `timeEpoch`, the integration timeout's start) (tests); else Date.now. */
  clock?: () => number;
  /** Where unexpected errors are reported. */
  onError?: (message: string, error: unknown) => void;
  /** What GET /_local/diagnostics answers (local only: the bench and tests read the stack's counters). */
  diagnostics?: () => unknown;
}

/** The local stack's own counters (conflicts emulated); no such path exists on AWS. */
export const DIAGNOSTICS_PATH = '/_local/diagnostics';

export interface Gateway {
  server: Server;
  /** Listens on `port` (0 for a free one); resolves with the port and base URL. */
  listen: (port?: number, host?: string) => Promise<{ port: number; url: string }>;
  close: () => Promise<void>;
  /** Changes options of a running gateway (startup completes: verifier, client config, ready). */
  configure: (patch: Partial<GatewayOptions>) => void;
}

/** API Gateway's payload limit: a longer body is refused before any function runs. */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
/** API Gateway's limit on the request line plus the header names and values. */
export const MAX_REQUEST_LINE_AND_HEADERS_BYTES = 10_240;
const ROOT = join(import.meta.dirname, '..', '..');

/**
 * With CORS configured, API Gateway ignores the CORS headers a function returns and sends its own
 * (`extra`) alone: a function's `Access-Control-*` header never reaches the client.
 */
const send = (res: ServerResponse, r: HttpResponse, extra: Record<string, string>): void => {
  res.statusCode = r.status;
  for (const [k, v] of Object.entries(r.headers)) if (!/^access-control-/i.test(k)) res.setHeader(k, v);
  for (const [k, v] of Object.entries(extra)) res.setHeader(k, v);
  res.setHeader('content-length', r.body.length);
  res.end(r.body);
};

/** The body, or undefined when it is over the limit (the rest is read and dropped, so the client gets the answer). */
export const readBody = (req: IncomingMessage, limit: number): Promise<Buffer | undefined> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
      else chunks.length = 0;
    });
    req.on('end', () => resolve(size > limit ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });

/** What API Gateway answers a body over 10 MB: plain text, not JSON, with its own headers alone. */
const payloadTooLarge = (requestId: string): HttpResponse => ({
  status: 413,
  headers: {
    'content-type': 'text/plain; charset=utf-8',
    'apigw-requestid': requestId,
  },
  body: Buffer.from(`HTTP content length exceeded ${MAX_REQUEST_BYTES} bytes.`),
});

const starting = (requestId: string) =>
  problemAnswer('service_unavailable', requestId, 'The stack is starting', { 'retry-after': '1' });

const makeLimiter = (opts: GatewayOptions) => {
  const limit = opts.rateLimit ?? rateLimitFromEnv();
  return limit ? createRateLimiter(limit, opts.now) : undefined;
};

interface Parts {
  rawPath: string;
  rawQueryString: string;
  requestId: string;
  /** When the request arrived (`requestContext.timeEpoch`), before its body, the authorizer and the function. */
  arrivedAt: number;
}

const splitUrl = (url: string): { rawPath: string; rawQueryString: string } => {
  const q = url.indexOf('?');
  return { rawPath: q < 0 ? url : url.slice(0, q), rawQueryString: q < 0 ? '' : url.slice(q + 1) };
};

export const createGateway = (initial: GatewayOptions = {}): Gateway => {
  let opts: GatewayOptions = { ready: true, ...initial };
  let router: Router = createRouter(opts.routes ?? routeList);
  let limiter = makeLimiter(opts);
  let cors: CorsConfig = corsConfig(opts.corsOrigins ?? corsOriginsFromEnv([]));
  const report = (message: string, e: unknown) =>
    (opts.onError ?? ((m, err) => console.error(`[gateway] ${m}`, err)))(message, e);
  const invoke = createInvoker(() => ({
    ...(opts.handlers ? { handlers: opts.handlers } : {}),
    ...(opts.region ? { region: opts.region } : {}),
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.integrationTimeoutMs ? { integrationTimeoutMs: opts.integrationTimeoutMs } : {}),
    ...(opts.clock ? { now: opts.clock } : {}),
    onError: report,
  }));

  /** The local per-user (else per-IP) limit: an extra of the local stack, see the README. */
  const throttled = (req: IncomingMessage, route: RouteEntry, sub: unknown, requestId: string) => {
    if (!limiter || route.path === '/health') return undefined;
    const wait = limiter.take(typeof sub === 'string' ? `sub:${sub}` : `ip:${req.socket.remoteAddress}`);
    return wait > 0
      ? problemAnswer('rate_limited', requestId, 'Slow down and retry later', { 'retry-after': String(wait) })
      : undefined;
  };

  const api = async (req: IncomingMessage, match: RouteMatch, parts: Parts): Promise<HttpResponse> => {
    const { route } = match;
    const body = await readBody(req, MAX_REQUEST_BYTES);
    if (!body) return payloadTooLarge(parts.requestId);
    if (!opts.ready) return starting(parts.requestId);
    let auth: { claims: Record<string, unknown>; scopes: string[] } | undefined;
    if (needsToken(route)) {
      const a = await authorize(opts.verifier, foldedHeader(req, 'authorization'), parts.requestId);
      if ('refused' in a) return a.refused;
      auth = a;
    }
    const limited = throttled(req, route, auth?.claims.sub, parts.requestId);
    if (limited) return limited;
    const { headers, cookies } = requestHeaders(req);
    const event = buildEvent({
      method: route.method,
      path: decodePath(parts.rawPath),
      routeKey: routeKey(route),
      pathParameters: match.params,
      rawQueryString: parts.rawQueryString,
      headers,
      cookies,
      ...(body.length ? { body } : {}),
      ...(auth ? { claims: authorizerClaims(auth.claims), scopes: auth.scopes } : {}),
      sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      requestId: parts.requestId,
      now: new Date(parts.arrivedAt),
    });
    return invoke({ fn: route.fn, label: routeKey(route), event, requestId: parts.requestId });
  };

  /** GET/HEAD content that is not an API route: the OpenAPI document, docs, config, the web client. */
  const content = async (req: IncomingMessage, path: string, requestId: string) => {
    if (path === '/openapi.json') {
      const load = opts.openapi ?? (async () => (await import('../api/openapi.ts')).openApiDocument());
      return jsonAnswer(await load(), requestId);
    }
    if (path === '/config.json') {
      return opts.ready && opts.clientConfig ? jsonAnswer(opts.clientConfig, requestId) : starting(requestId);
    }
    if (path === DIAGNOSTICS_PATH && opts.diagnostics) return jsonAnswer(opts.diagnostics(), requestId);
    if (path === '/docs' || path.startsWith('/docs/')) return serveDocs(path);
    if (isApiPath(path)) return undefined;
    const acceptsHtml = /text\/html/i.test(req.headers.accept ?? '');
    return serveWeb(opts.webDir ?? join(ROOT, 'web', 'dist'), path, acceptsHtml);
  };

  const route = async (req: IncomingMessage, parts: Parts): Promise<HttpResponse> => {
    if (requestLineAndHeadersBytes(req) > MAX_REQUEST_LINE_AND_HEADERS_BYTES) {
      return gatewayError('headersTooLarge', parts.requestId);
    }
    const method = req.method ?? 'GET';
    const match = router.find(method, parts.rawPath);
    if (match) return api(req, match, parts);
    const isRead = method === 'GET' || method === 'HEAD';
    const staticOut =
      isRead && !router.hasPath(parts.rawPath)
        ? await content(req, parts.rawPath, parts.requestId)
        : undefined;
    // No route for this path, or none for this method: API Gateway's 404 either way (no 405).
    return staticOut ?? gatewayError('notFound', parts.requestId);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const arrivedAt = (opts.clock ?? Date.now)();
    const requestId = newRequestId();
    const origin = req.headers.origin;
    const parts = { ...splitUrl(req.url ?? '/'), requestId, arrivedAt };
    if (req.method === 'OPTIONS') {
      send(res, emptyAnswer(204, requestId), preflightHeaders(cors, origin));
      req.resume();
      return;
    }
    let out: HttpResponse;
    try {
      out = await route(req, parts);
    } catch (e) {
      report(`request ${req.method} ${parts.rawPath} failed`, e);
      out = gatewayError('internal', requestId);
    }
    req.resume();
    send(res, out, corsHeaders(cors, origin));
  };

  const server = createServer({ keepAliveTimeout: GATEWAY_IDLE_MS }, (req, res) => {
    void handle(req, res);
  });
  // A request Node cannot even parse (e.g. headers over its 16 KB) still gets API Gateway's answer.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const r = tooLarge
      ? gatewayError('headersTooLarge', newRequestId())
      : problemAnswer('bad_request', newRequestId());
    const head = Object.entries({
      ...r.headers,
      'content-length': String(r.body.length),
      connection: 'close',
    })
      .map(([k, v]) => `${k}: ${v}`)
      .join('\r\n');
    socket.end(
      `HTTP/1.1 ${r.status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n${head}\r\n\r\n${r.body}`,
    );
  });

  return {
    server,
    listen: (port = 0, host = '127.0.0.1') =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const actual = (server.address() as AddressInfo).port;
          if (!opts.corsOrigins) {
            cors = corsConfig(
              corsOriginsFromEnv([`http://localhost:${actual}`, `http://127.0.0.1:${actual}`]),
            );
          }
          resolve({ port: actual, url: `http://${host}:${actual}` });
        });
      }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
    configure: (patch) => {
      opts = { ...opts, ...patch };
      if (patch.routes) router = createRouter(patch.routes);
      if ('rateLimit' in patch || 'now' in patch) limiter = makeLimiter(opts);
      if (patch.corsOrigins) cors = corsConfig(patch.corsOrigins);
    },
  };
};
