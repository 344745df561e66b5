/**
 * The web client's Content-Security-Policy, in two parts that a browser enforces together: every
 * policy a page is given applies, the response header's and a `<meta http-equiv>` one alike, so a
 * request must pass both (CSP Level 3, "enforce multiple policies").
 *
 * - **The header** (CloudFront's response headers policy, infra/web.ts) carries the whole policy, but
 *   names the API by a pattern: the API's CORS names the distribution, so the distribution cannot
 *   name the API's id (a cycle CloudFormation cannot resolve).
 * - **The meta** is written into index.html at deploy time by the web deployment, which comes after
 *   both the API and the distribution, so it names the API's exact origin: `connect-src` is exact.
 *
 * No AWS import here: the browser test (web/e2e/csp.test.ts) uses these as deployed.
 */

/** The policy the CDN sends with every file of the web client; `apiOrigin` may be a host pattern. */
export const contentSecurityPolicy = (apiOrigin: string): string =>
  [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${apiOrigin}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
  ].join('; ');

/** The `<meta>` that narrows `connect-src` to the API's exact origin (and the page's own). */
export const connectSrcMeta = (apiOrigin: string): string =>
  `<meta http-equiv="Content-Security-Policy" content="connect-src 'self' ${apiOrigin}" />`;

/**
 * index.html as deployed: the meta goes right after `<meta charset>` (or `<head>`), before anything
 * that loads. A meta policy covers only what comes after it, so one placed after a script or a
 * stylesheet is refused here rather than shipped.
 */
export const withExactConnectSrc = (html: string, apiOrigin: string): string => {
  const anchor = /<meta\s+charset=[^>]*>/i.exec(html) ?? /<head(\s[^>]*)?>/i.exec(html);
  if (!anchor) throw new Error('index.html has no <head> to put the connect-src policy in');
  const at = anchor.index + anchor[0].length;
  const firstLoad = html.search(/<(script|link|style)\b/i);
  if (firstLoad !== -1 && firstLoad < at) {
    throw new Error('index.html loads something before its <meta charset>: the CSP meta would not cover it');
  }
  return `${html.slice(0, at)}\n    ${connectSrcMeta(apiOrigin)}${html.slice(at)}`;
};
