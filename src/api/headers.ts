/**
 * The security headers on every API answer a function makes (from the handlers and from the local
 * gateway alike); with the API edge on (infra/api.ts), CloudFront adds the same to answers that lack
 * them (API Gateway's own), with HSTS.
 */
export const API_SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
} as const;

/** {@link API_SECURITY_HEADERS} and the request's id. */
export const securityHeaders = (requestId: string): Record<string, string> => ({
  ...API_SECURITY_HEADERS,
  'x-request-id': requestId,
});
