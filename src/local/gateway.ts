/**
 * The local stand-in for API Gateway HTTP API: routes from the route table, the JWT authorizer,
 * CORS, throttling, payload format 2.0 events to the Lambda handlers (imported in-process), and
 * the static content CloudFront serves on AWS (web client, API reference, runtime config).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { type CorsConfig, corsConfig } from '../api/cors.ts';
import { buildEvent } from '../api/event.ts';
import { securityHeaders } from '../api/headers.ts';
import { PROBLEM_CONTENT_TYPE, problem } from '../api/problem.ts';
import { functions, type RouteEntry, routeKey, routeList } from '../api/routes.ts';
import type { ErrorCode } from '../domain/errors.ts';
import { bearerToken, type JwtVerifier } from '../identity/jwt.ts';
import { corsHeaders, corsOriginsFromEnv, preflightHeaders } from './cors.ts';
import {
  authorizerClaims,
  buildContext,
  type HttpResponse,
  newRequestId,
  requestHeaders,
  toHttpResponse,
} from './lambda-event.ts';
import { createRateLimiter, type RateLimit, rateLimitFromEnv } from './rate-limit.ts';
import { serveDocs, serveWeb } from './static.ts';

export type LambdaHandler = (event: ReturnType<typeof buildEvent>, context: Context) => Promise<unknown>;

/** What the web client reads at startup from /config.json. */
export interface ClientConfig {
  apiBaseUrl: string;
  region: string;
  userPoolId: string;
  userPoolClientId: string;
  idleTimeoutSeconds: number;
}

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
  /** The Lambda timeout that getRemainingTimeInMillis counts down from. */
  timeoutMs?: number;
  /** Where unexpected errors are reported. */
  onError?: (message: string, error: unknown) => void;
}

export interface Gateway {
  server: Server;
  /** Listens on `port` (0 for a free one); resolves with the port and base URL. */
  listen: (port?: number, host?: string) => Promise<{ port: number; url: string }>;
  close: () => Promise<void>;
  /** Changes options of a running gateway (startup completes: verifier, client config, ready). */
  configure: (patch: Partial<GatewayOptions>) => void;
}

export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
const ROOT = join(import.meta.dirname, '..', '..');

// ---------- routing ----------

interface CompiledRoute {
  route: RouteEntry;
  pattern: RegExp;
  names: string[];
}

const compile = (route: RouteEntry): CompiledRoute => {
  const names: string[] = [];
  const source = route.path
    .split('/')
    .map((seg) => {
      const m = /^\{(\w+)\}$/.exec(seg);
      if (!m) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(m[1] as string);
      return '([^/]+)';
    })
    .join('/');
  return { route, pattern: new RegExp(`^${source}$`), names };
};

const decode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** The routes whose path template matches, with their path parameters. */
const matchPath = (compiled: CompiledRoute[], path: string) =>
  compiled.flatMap(({ route, pattern, names }) => {
    const m = pattern.exec(path);
    if (!m) return [];
    const params = Object.fromEntries(names.map((n, i) => [n, decode(m[i + 1] as string)]));
    return [{ route, params }];
  });

const isApiPath = (path: string) => path === '/health' || path === '/v1' || path.startsWith('/v1/');

// ---------- responses ----------

const gatewayHeaders = (requestId: string): Record<string, string> => ({
  ...securityHeaders(requestId),
  'apigw-requestid': requestId,
});

const problemResponse = (
  code: ErrorCode,
  requestId: string,
  detail?: string,
  headers: Record<string, string> = {},
): HttpResponse => ({
  status: problem(code).status,
  headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...gatewayHeaders(requestId), ...headers },
  body: Buffer.from(JSON.stringify(problem(code, detail))),
});

const jsonResponse = (status: number, body: unknown, requestId: string): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/json', ...gatewayHeaders(requestId) },
  body: Buffer.from(JSON.stringify(body)),
});

/** Exactly what the HTTP API JWT authorizer answers. */
const unauthorized = (requestId: string, error?: string): HttpResponse => {
  const r = jsonResponse(401, { message: 'Unauthorized' }, requestId);
  r.headers['www-authenticate'] = error
    ? `Bearer error="invalid_token" error_description="${error}"`
    : 'Bearer';
  return r;
};

const send = (res: ServerResponse, r: HttpResponse, extra: Record<string, string>): void => {
  res.statusCode = r.status;
  for (const [k, v] of Object.entries({ ...r.headers, ...extra })) res.setHeader(k, v);
  res.setHeader('content-length', r.body.length);
  res.end(r.body);
};

// ---------- request body ----------

/** The body, or undefined when it is over the limit (the rest is read and dropped, so the client gets the answer). */
const readBody = (req: IncomingMessage, limit: number): Promise<Buffer | undefined> =>
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

// ---------- the gateway ----------

export const createGateway = (initial: GatewayOptions = {}): Gateway => {
  let opts: GatewayOptions = { ready: true, ...initial };
  let compiled = (opts.routes ?? routeList).map(compile);
  let limiter = makeLimiter(opts);
  let cors: CorsConfig = corsConfig(opts.corsOrigins ?? corsOriginsFromEnv([]));
  const modules = new Map<string, Promise<LambdaHandler>>();
  const report = (message: string, e: unknown) =>
    (opts.onError ?? ((m, err) => console.error(`[gateway] ${m}`, err)))(message, e);

  const handlerFor = (fn: string): Promise<LambdaHandler> => {
    const injected = opts.handlers?.[fn];
    if (injected) return Promise.resolve(injected);
    let loading = modules.get(fn);
    if (!loading) {
      const entry = (functions as Record<string, { entry: string }>)[fn]?.entry;
      loading = (async () => {
        if (!entry) throw new Error(`no function ${fn}`);
        const mod = (await import(pathToFileURL(join(ROOT, entry)).href)) as { handler?: unknown };
        if (typeof mod.handler !== 'function') throw new Error(`${entry} exports no handler`);
        return mod.handler as LambdaHandler;
      })();
      loading.catch(() => modules.delete(fn));
      modules.set(fn, loading);
    }
    return loading;
  };

  const invoke = async (
    req: IncomingMessage,
    match: { route: RouteEntry; params: Record<string, string> },
    parts: { rawPath: string; rawQueryString: string; body: Buffer; requestId: string },
    claims: Record<string, unknown> | undefined,
  ): Promise<HttpResponse> => {
    const { route } = match;
    const { headers, cookies } = requestHeaders(req);
    const event = buildEvent({
      method: route.method,
      path: parts.rawPath,
      routeKey: routeKey(route),
      pathParameters: match.params,
      rawQueryString: parts.rawQueryString,
      headers,
      cookies,
      ...(parts.body.length ? { body: parts.body } : {}),
      ...(claims ? { claims: authorizerClaims(claims) } : {}),
      ...(typeof claims?.scope === 'string' ? { scopes: claims.scope.split(' ') } : {}),
      sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      requestId: parts.requestId,
    });
    const context = buildContext({
      functionName: route.fn,
      region: opts.region ?? process.env.AWS_REGION ?? 'us-east-1',
      timeoutMs: opts.timeoutMs ?? 29_000,
    });
    try {
      const handler = await handlerFor(route.fn);
      const out = toHttpResponse(await handler(event, context));
      if (!('x-request-id' in out.headers)) out.headers['x-request-id'] = parts.requestId;
      out.headers['apigw-requestid'] = parts.requestId;
      return out;
    } catch (e) {
      report(`${route.fn} failed on ${routeKey(route)}`, e);
      return problemResponse('internal_error', parts.requestId, 'Something went wrong on our side');
    }
  };

  const api = async (
    req: IncomingMessage,
    matches: { route: RouteEntry; params: Record<string, string> }[],
    rawPath: string,
    rawQueryString: string,
    requestId: string,
  ): Promise<HttpResponse> => {
    const method = req.method ?? 'GET';
    const match = matches.find((m) => m.route.method === method);
    if (!match) {
      const allow = [...new Set(matches.map((m) => m.route.method))].join(', ');
      return problemResponse('method_not_allowed', requestId, `${method} is not allowed here`, { allow });
    }
    const body = await readBody(req, MAX_REQUEST_BYTES);
    if (!body)
      return problemResponse('payload_too_large', requestId, 'The request body is larger than 10 MB');
    if (!opts.ready) {
      return problemResponse('service_unavailable', requestId, 'The stack is starting', {
        'retry-after': '1',
      });
    }
    let claims: Record<string, unknown> | undefined;
    if (match.route.auth) {
      const token = bearerToken(req.headers.authorization);
      if (!token || !opts.verifier) return unauthorized(requestId);
      try {
        claims = await opts.verifier.verify(token);
      } catch {
        return unauthorized(requestId, 'the token is not valid');
      }
    }
    if (limiter && match.route.path !== '/health') {
      const key = typeof claims?.sub === 'string' ? `sub:${claims.sub}` : `ip:${req.socket.remoteAddress}`;
      const wait = limiter.take(key);
      if (wait > 0) {
        return problemResponse('rate_limited', requestId, 'Slow down and retry later', {
          'retry-after': String(wait),
        });
      }
    }
    return invoke(req, match, { rawPath, rawQueryString, body, requestId }, claims);
  };

  /** GET/HEAD content that is not an API route: the OpenAPI document, docs, config, the web client. */
  const content = async (
    req: IncomingMessage,
    path: string,
    requestId: string,
  ): Promise<HttpResponse | undefined> => {
    if (path === '/openapi.json') {
      const load = opts.openapi ?? (async () => (await import('../api/openapi.ts')).openApiDocument());
      return jsonResponse(200, await load(), requestId);
    }
    if (path === '/config.json') {
      if (!opts.ready || !opts.clientConfig) {
        return problemResponse('service_unavailable', requestId, 'The stack is starting', {
          'retry-after': '1',
        });
      }
      return jsonResponse(200, opts.clientConfig, requestId);
    }
    if (path === '/docs' || path.startsWith('/docs/')) return serveDocs(path);
    if (isApiPath(path)) return undefined;
    const acceptsHtml = /text\/html/i.test(req.headers.accept ?? '');
    return serveWeb(opts.webDir ?? join(ROOT, 'web', 'dist'), path, acceptsHtml);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = newRequestId();
    const origin = req.headers.origin;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const rawQueryString = q < 0 ? '' : url.slice(q + 1);
    let out: HttpResponse;
    try {
      if (req.method === 'OPTIONS') {
        out = { status: 204, headers: gatewayHeaders(requestId), body: Buffer.alloc(0) };
        send(res, out, preflightHeaders(cors, origin));
        req.resume();
        return;
      }
      const matches = matchPath(compiled, rawPath);
      const isRead = req.method === 'GET' || req.method === 'HEAD';
      const staticOut = matches.length === 0 && isRead ? await content(req, rawPath, requestId) : undefined;
      out =
        staticOut ??
        (matches.length
          ? await api(req, matches, rawPath, rawQueryString, requestId)
          : problemResponse('not_found', requestId, `No route for ${req.method} ${rawPath}`));
    } catch (e) {
      report(`request ${req.method} ${rawPath} failed`, e);
      out = problemResponse('internal_error', requestId, 'Something went wrong on our side');
    }
    req.resume();
    send(res, out, corsHeaders(cors, origin));
  };

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  // A request Node cannot even parse (e.g. headers over 16 KB) still gets a problem+json answer.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const code: ErrorCode = err.code === 'HPE_HEADER_OVERFLOW' ? 'headers_too_large' : 'bad_request';
    const r = problemResponse(code, newRequestId());
    const head = Object.entries({
      ...r.headers,
      'content-length': String(r.body.length),
      connection: 'close',
    })
      .map(([k, v]) => `${k}: ${v}`)
      .join('\r\n');
    socket.end(
      `HTTP/1.1 ${r.status} ${code === 'bad_request' ? 'Bad Request' : 'Request Header Fields Too Large'}\r\n${head}\r\n\r\n${r.body}`,
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
      if (patch.routes) compiled = patch.routes.map(compile);
      if ('rateLimit' in patch || 'now' in patch) limiter = makeLimiter(opts);
      if (patch.corsOrigins) cors = corsConfig(patch.corsOrigins);
    },
  };
};

function makeLimiter(opts: GatewayOptions) {
  const limit = opts.rateLimit ?? rateLimitFromEnv();
  return limit ? createRateLimiter(limit, opts.now) : undefined;
}
