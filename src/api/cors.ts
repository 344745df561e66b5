/**
 * The API's CORS policy: which methods and headers a browser may use, and which response headers it
 * may read. The CDK app gives it to the HTTP API's CORS configuration; the local gateway applies it
 * the same way (src/local/cors.ts).
 */
export interface CorsConfig {
  origins: readonly string[];
  methods: readonly string[];
  headers: readonly string[];
  exposeHeaders: readonly string[];
  maxAgeSeconds: number;
}

export const corsConfig = (origins: readonly string[]): CorsConfig => ({
  origins,
  methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
  headers: ['authorization', 'content-type', 'idempotency-key'],
  exposeHeaders: ['x-request-id', 'retry-after', 'location', 'idempotent-replayed'],
  maxAgeSeconds: 600,
});
