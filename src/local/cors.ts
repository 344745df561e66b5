/**
 * CORS as the HTTP API's CORS configuration does it: the gateway answers preflights itself and adds
 * the allow headers to responses, only for an Origin on the allow-list (never echoing any other).
 */
export interface CorsConfig {
  origins: readonly string[];
  methods: readonly string[];
  headers: readonly string[];
  exposeHeaders: readonly string[];
  maxAgeSeconds: number;
}

/** The allow-list from BANK_CORS_ORIGINS (comma-separated), else the gateway's own origin. */
export const corsOriginsFromEnv = (ownOrigins: readonly string[], env = process.env): string[] => {
  const raw = env.BANK_CORS_ORIGINS?.trim();
  if (!raw) return [...ownOrigins];
  return raw
    .split(',')
    .map((o) => o.trim().replace(/\/+$/, ''))
    .filter(Boolean);
};

export const corsConfig = (origins: readonly string[]): CorsConfig => ({
  origins,
  methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
  headers: ['authorization', 'content-type', 'idempotency-key'],
  exposeHeaders: ['x-request-id', 'retry-after', 'location', 'idempotent-replayed'],
  maxAgeSeconds: 600,
});

/** The Access-Control-Allow-Origin value for `origin`, if it is allowed. */
const allowOrigin = (cfg: CorsConfig, origin: string | undefined): string | undefined => {
  if (origin === undefined) return undefined;
  if (cfg.origins.includes(origin)) return origin;
  return cfg.origins.includes('*') ? '*' : undefined;
};

const withOrigin = (
  cfg: CorsConfig,
  origin: string | undefined,
  headers: Record<string, string>,
): Record<string, string> => {
  const allow = allowOrigin(cfg, origin);
  return allow ? { 'access-control-allow-origin': allow, ...headers, vary: 'Origin' } : { vary: 'Origin' };
};

/** Headers for a response to a request from `origin` (only Vary when the origin is not allowed). */
export const corsHeaders = (cfg: CorsConfig, origin: string | undefined): Record<string, string> =>
  withOrigin(cfg, origin, { 'access-control-expose-headers': cfg.exposeHeaders.join(',') });

/** Headers for a preflight answer (204). */
export const preflightHeaders = (cfg: CorsConfig, origin: string | undefined): Record<string, string> =>
  withOrigin(cfg, origin, {
    'access-control-allow-methods': cfg.methods.join(','),
    'access-control-allow-headers': cfg.headers.join(','),
    'access-control-max-age': String(cfg.maxAgeSeconds),
  });
