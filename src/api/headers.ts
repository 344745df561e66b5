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

/**
 * The web client's pages' headers besides CSP, nosniff, referrer and frame options (locally from
 * src/local/static.ts, on AWS from the distribution's response headers policy, infra/web.ts): no page
 * that opens the bank, or that the bank opens, keeps a handle on the other's window (one could later
 * send the bank's tab to a copy of it), and no powerful feature the bank does not use is open to a
 * script it runs.
 */
export const WEB_PAGE_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
} as const;
