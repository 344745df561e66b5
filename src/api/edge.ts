/**
 * The API edge (`-c apiEdge=true`): a CloudFront distribution with a WAF rate rule per viewer IP in
 * front of the HTTP API (infra/api.ts). Two things only hold if a request cannot skip it:
 *
 * - **The origin secret.** CloudFront sends every request on with `X-Origin-Verify: <secret>` (an
 *   origin custom header, which replaces one a viewer sends). When `BANK_ORIGIN_SECRET_ID` is set, a
 *   request without the secret did not come through the distribution (it went to the API's
 *   `execute-api` address, past the WAF rule): it is refused 403 before anything else is read.
 * - **The viewer's address.** Behind CloudFront, API Gateway's `sourceIp` is CloudFront's, which many
 *   customers share; the lockout per (email, IP) and the audit records want the viewer's. The edge's
 *   CloudFront Function puts it in `X-Bank-Viewer-Ip` (VIEWER_IP_FUNCTION); it is trusted only on a
 *   request that carried the secret, since anyone can send the header to `execute-api`.
 *
 * The secret is JSON `{"current", "previous", "next"}` in Secrets Manager; all three are accepted, so
 * a rotation in two steps (next := new, and wait ORIGIN_ROTATION_WAIT_SECONDS; then previous :=
 * current, current := new, and a deploy naming that version, `-c originSecretVersion=`, which gives
 * CloudFront the new one) refuses nothing, whatever is deployed meanwhile. It is read at run
 * time through the AWS Parameters and Secrets Lambda Extension (a layer the CDK app adds to the HTTP
 * functions with the edge on), over its local HTTP port: no Secrets Manager client in the bundles,
 * which are at their size budget. Never from the environment or the template. Kept in memory for
 * ORIGIN_KEYS_TTL_SECONDS. Without `BANK_ORIGIN_SECRET_ID` (no edge; the local stack) there is no
 * check and `sourceIp` is API Gateway's.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { BankError } from '../domain/errors.ts';

/** The header CloudFront adds to each request it sends to the API (as the CDK app names it). */
export const ORIGIN_HEADER_NAME = 'X-Origin-Verify';
/** The same, lower case, as events carry it. */
export const ORIGIN_HEADER = ORIGIN_HEADER_NAME.toLowerCase();
/**
 * The viewer's IP, set on each request by the edge's CloudFront Function (viewer request) from
 * `event.viewer.ip`, replacing any header of that name the viewer sent (`VIEWER_IP_FUNCTION`).
 */
export const VIEWER_IP_HEADER_NAME = 'X-Bank-Viewer-Ip';
export const VIEWER_IP_HEADER = VIEWER_IP_HEADER_NAME.toLowerCase();

/**
 * The edge's CloudFront Function (cloudfront-js-2.0, viewer request): the viewer's IP in
 * VIEWER_IP_HEADER_NAME, whatever the viewer sent in it. A function rather than CloudFront's own
 * `CloudFront-Viewer-Address`, which reaches the origin only if the origin request policy adds it:
 * were it not added, a viewer's own header of that name would pass through as the truth.
 */
export const VIEWER_IP_FUNCTION = `function handler(event) {
  var request = event.request;
  request.headers['${VIEWER_IP_HEADER}'] = { value: event.viewer.ip };
  return request;
}
`;
/** How long the keys read are used before the extension is asked again. */
export const ORIGIN_KEYS_TTL_SECONDS = 300;
/**
 * How long the extension answers from its own cache before it asks Secrets Manager again (its
 * `SECRETS_MANAGER_TTL`, which the CDK app sets to this: 300 is also the extension's default).
 */
export const ORIGIN_EXTENSION_TTL_SECONDS = 300;
/**
 * How long after `put-secret-value` every instance accepts the new value: the extension may have read
 * the old secret just before it, and an instance may have taken that from the extension just before
 * the extension's cache ran out. A rotation waits this long before the deploy that gives CloudFront
 * the new value.
 */
export const ORIGIN_ROTATION_WAIT_SECONDS = ORIGIN_EXTENSION_TTL_SECONDS + ORIGIN_KEYS_TTL_SECONDS;
/** The extension's port when `PARAMETERS_SECRETS_EXTENSION_HTTP_PORT` does not say (its default). */
const EXTENSION_PORT = 2773;
/** The extension answers from its cache, or after one call to Secrets Manager. */
const EXTENSION_TIMEOUT_MS = 3000;

/**
 * The secret's keys: CloudFront sends `current`; `previous` and `next` are accepted too, so that a
 * rotation in two steps never has CloudFront send a value some instance does not accept (README,
 * "Rotating it"): first `next` is added and every instance learns it, then it becomes `current`.
 */
export interface OriginKeys {
  current: string;
  previous?: string;
  next?: string;
}

/** The viewer's IP from VIEWER_IP_HEADER: undefined unless it is an IP address (v4 or v6). */
export const viewerIpOf = (value: string | undefined): string | undefined =>
  value !== undefined && isIP(value) ? value : undefined;

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Whether `given` is one of the keys, compared in constant time (of equal-length digests). */
export const originMatches = (given: string | undefined, keys: OriginKeys): boolean => {
  if (!given) return false;
  const g = digest(given);
  // Every key compared, so the time taken does not say which key, if any, matched.
  const matches = [keys.current, keys.previous, keys.next].map((k) =>
    k ? timingSafeEqual(g, digest(k)) : false,
  );
  return matches.some(Boolean);
};

const unavailable = () =>
  new BankError('service_unavailable', 'The API could not check where this request came from: try again', {
    retryAfter: 1,
  });

/**
 * Reads the keys through the Parameters and Secrets Lambda Extension (its `secretsmanager/get`, with
 * the function's session token as the extension asks). A failure is 503: the check fails closed.
 */
export const extensionKeys = async (secretId: string, env = process.env): Promise<OriginKeys> => {
  const port = env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT || EXTENSION_PORT;
  let body: { SecretString?: string };
  try {
    const r = await fetch(
      `http://localhost:${port}/secretsmanager/get?secretId=${encodeURIComponent(secretId)}`,
      {
        headers: { 'X-Aws-Parameters-Secrets-Token': env.AWS_SESSION_TOKEN ?? '' },
        signal: AbortSignal.timeout(EXTENSION_TIMEOUT_MS),
      },
    );
    if (!r.ok) throw new Error(`the extension answered ${r.status}`);
    body = (await r.json()) as { SecretString?: string };
  } catch {
    throw unavailable();
  }
  let keys: Partial<OriginKeys>;
  try {
    keys = JSON.parse(body.SecretString ?? '');
  } catch {
    throw new Error('the origin secret is not JSON {"current", "previous", "next"}');
  }
  if (typeof keys.current !== 'string' || keys.current.length < 32)
    throw new Error('the origin secret has no "current" key of 32 characters or more');
  const other = (k: unknown) => (typeof k === 'string' && k.length >= 32 ? k : undefined);
  const [previous, next] = [other(keys.previous), other(keys.next)];
  return { current: keys.current, ...(previous ? { previous } : {}), ...(next ? { next } : {}) };
};

export type KeySource = (secretId: string) => Promise<OriginKeys>;
/** The source IP to use; at once (no promise) when there is no edge to check. */
export type EdgeCheck = (
  headers: Record<string, string | undefined>,
  sourceIp: string,
) => string | Promise<string>;

/**
 * The edge check for one function: given the request's headers and API Gateway's source IP, the
 * source IP to use (the viewer's, through the edge), or a 403 for a request that skipped the edge.
 * `secretId` empty: no edge, nothing checked. Concurrent first requests share one read.
 */
export const edgeCheck = (
  secretId: string,
  source: KeySource = extensionKeys,
  now = () => Date.now(),
): EdgeCheck => {
  if (!secretId) return (_headers, sourceIp) => sourceIp;
  let cached: { keys: Promise<OriginKeys>; until: number } | undefined;
  const keys = (): Promise<OriginKeys> => {
    const t = now();
    if (!cached || t >= cached.until) {
      const read = source(secretId);
      cached = { keys: read, until: t + ORIGIN_KEYS_TTL_SECONDS * 1000 };
      // A failed read is not kept: the next request asks again.
      read.catch(() => {
        if (cached?.keys === read) cached = undefined;
      });
    }
    return cached.keys;
  };
  return async (headers, sourceIp) => {
    if (!originMatches(headers[ORIGIN_HEADER], await keys()))
      throw new BankError('forbidden', 'This API is reached through its CloudFront address');
    return viewerIpOf(headers[VIEWER_IP_HEADER]) ?? sourceIp;
  };
};
