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
 * A meta policy does not reach workers (their scripts get the header's alone); the client has none.
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

/**
 * The `<meta>` that narrows `connect-src` to the API (and the page's own origin). `apiUrl` is what the
 * client is given as `apiBaseUrl` (config.json), which today is an origin: the HTTP API's `ApiEndpoint`
 * or the edge distribution's `https://<domain>`. Were a base path ever added to it, pass it with a
 * trailing `/` (or pass the origin): CSP matches a source's path that ends in `/` as a prefix, and one
 * that does not as the exact path only, which would refuse every call under it.
 */
export const connectSrcMeta = (apiUrl: string): string =>
  `<meta http-equiv="Content-Security-Policy" content="connect-src 'self' ${apiUrl}" />`;

/** `html` with each comment blanked to spaces of the same length: a tag in a comment is no tag. */
const withoutComments = (html: string): string =>
  html.replace(/<!--[\s\S]*?(?:-->|$)/g, (c) => ' '.repeat(c.length));

/**
 * index.html as deployed: the meta goes right after `<head>`, or after `<meta charset>` when that is
 * the first thing in the head (the charset declaration stays first), before anything that loads. A
 * meta policy covers only what comes after it, and only in the head (one in the body, in a comment, in
 * `<noscript>` or `<template>` is no policy), so a page it cannot place the meta in that way is refused
 * here rather than shipped: no `<head>`, a `<meta charset>` anywhere else, or something that loads
 * before the head. Tags inside comments are not taken for tags.
 */
export const withExactConnectSrc = (html: string, apiUrl: string): string => {
  const page = withoutComments(html);
  const head = /<head(\s[^>]*)?>/i.exec(page);
  if (!head) throw new Error('index.html has no <head> to put the connect-src policy in');
  const headEnd = head.index + head[0].length;
  const charset = /^\s*<meta\s[^>]*\bcharset=[^>]*>/i.exec(page.slice(headEnd));
  const at = headEnd + (charset?.[0].length ?? 0);
  if (/<meta\s[^>]*\bcharset=/i.test(page.slice(at))) {
    throw new Error(
      "index.html's <meta charset> is not the first thing in its <head>: the CSP meta goes there",
    );
  }
  if (/<(script|link|style)\b/i.test(page.slice(0, at))) {
    throw new Error('index.html loads something before its <head>: the CSP meta would not cover it');
  }
  return `${html.slice(0, at)}\n    ${connectSrcMeta(apiUrl)}${html.slice(at)}`;
};
