/**
 * Webhook rules: which URLs may receive events, how a delivery is signed, and when a failed delivery
 * is tried again. Pure apart from the DNS resolver the URL check is given.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import { BankError } from './errors.ts';
import type { EventType } from './events.ts';

/** A customer may register at most this many webhook endpoints. */
export const MAX_WEBHOOKS = 5;
/** A delivery counts when the endpoint answers 2xx within this time. */
export const DELIVERY_TIMEOUT_MS = 10_000;
/** What a receiver should accept between the signature's time and its own clock. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;
/**
 * The most of an attempt's error text that is kept and shown, in UTF-16 code units. The endpoint's
 * owner controls much of it: a TLS error names every name in the certificate the endpoint presents
 * (8 KB for 100 long names), so kept whole, 20 attempts could outgrow the delivery's item (400 KB) and
 * fail every write of it.
 */
export const ATTEMPT_ERROR_MAX = 500;

/** An attempt's error text cut to `ATTEMPT_ERROR_MAX` (an ellipsis at the cut, never half a character). */
export const attemptErrorText = (text: string): string => {
  if (text.length <= ATTEMPT_ERROR_MAX) return text;
  const cut = text.slice(0, ATTEMPT_ERROR_MAX - 1);
  return `${/[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut}…`;
};

export interface Webhook {
  id: string;
  url: string;
  events: EventType[];
  createdAt: string;
}

/** `whsec_` and 32 random bytes, base64url: shown once, when the endpoint is created. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64url')}`;

// ---------- URL rules ----------

/**
 * Addresses a webhook must never reach: loopback, private, link-local (cloud metadata), and the like.
 * Two lists, as a BlockList matches IPv4 addresses against its IPv4-mapped IPv6 rules too.
 */
const blocked4 = new BlockList();
const blocked6 = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, incl. the EC2/ECS metadata service 169.254.169.254 / .170.2
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24], // the 6to4 relay anycast (RFC 7526: deprecated, still routed to relays)
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  blocked4.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible ::a.b.c.d (::7f00:1 is 127.0.0.1)
  ['::ffff:0:0', 96], // IPv4-mapped: refused whatever the IPv4 address
  ['::ffff:0:0:0', 96], // IPv4-translated (SIIT, RFC 2765): ::ffff:0:a.b.c.d carries one too
  ['64:ff9b::', 96], // NAT64
  ['64:ff9b:1::', 48], // local-use NAT64 (RFC 8215)
  ['100::', 64],
  ['2001::', 32], // Teredo: tunnels to an IPv4 address inside it
  ['2001:2::', 48], // benchmarking (RFC 5180)
  ['2001:20::', 28], // ORCHIDv2 (RFC 7343): identifiers, not routed
  ['2002::', 16], // 6to4: the same as Teredo
  ['2001:db8::', 32],
  ['3fff::', 20], // documentation (RFC 9637)
  ['5f00::', 16], // SRv6 segment identifiers (RFC 9602): not globally reachable
  ['fc00::', 7], // unique local, incl. the EC2 metadata service fd00:ec2::254
  ['fe80::', 10],
  ['fec0::', 10], // site-local (deprecated, RFC 3879): private by its first use
  ['ff00::', 8],
] as const) {
  blocked6.addSubnet(net, prefix, 'ipv6');
}

/** True for an address no webhook may be delivered to. */
export const isForbiddenAddress = (address: string): boolean => {
  const family = isIP(address);
  if (family === 4) return blocked4.check(address, 'ipv4');
  if (family === 6) return blocked6.check(address, 'ipv6');
  return true;
};

export type Resolver = (host: string) => Promise<string[]>;

export interface UrlRules {
  /** Offline only: `http://127.0.0.1:<port>` is allowed too. */
  allowLoopbackHttp: boolean;
  /** The host's addresses (DNS). */
  resolve: Resolver;
}

const invalidUrl = (why: string) =>
  new BankError('invalid_webhook_url', `The webhook URL is not allowed: ${why}`);

/**
 * Checks a webhook URL: https, and a host that resolves only to public addresses (every address it
 * resolves to is checked). Offline, `http://127.0.0.1:<port>` is allowed too. Called when the endpoint
 * is registered and again before every delivery, so a name that later resolves to an internal address
 * (DNS rebinding) gets nowhere. Returns the addresses checked.
 */
export const checkWebhookUrl = async (raw: string, rules: UrlRules): Promise<string[]> => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidUrl('not a URL');
  }
  if (raw.length > 2048) throw invalidUrl('longer than 2048 characters');
  if (url.username || url.password) throw invalidUrl('credentials in the URL');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (url.protocol === 'http:' && rules.allowLoopbackHttp && host === '127.0.0.1' && url.port !== '') {
    return [host];
  }
  if (url.protocol !== 'https:') throw invalidUrl('only https URLs');
  const addresses = isIP(host) ? [host] : await rules.resolve(host).catch(() => []);
  if (addresses.length === 0) throw invalidUrl('the host does not resolve');
  if (addresses.some(isForbiddenAddress)) throw invalidUrl('the host is a private or reserved address');
  return addresses;
};

// ---------- signatures ----------

/** `Bank-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed with the secret>`. */
export const signatureHeader = (secret: string, body: string, t: number): string =>
  `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;

/** What a receiver does: true if one v1 signature matches and `t` is within the tolerance of `now`. */
export const verifySignature = (
  header: string,
  body: string,
  secret: string,
  now = Date.now(),
  toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS,
): boolean => {
  const parts = header.split(',').map((p) => p.split('=', 2) as [string, string]);
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  if (!Number.isInteger(t) || Math.abs(now / 1000 - t) > toleranceSeconds) return false;
  const expected = Buffer.from(signatureHeader(secret, body, t).split('v1=')[1] as string, 'hex');
  return parts.some(([k, v]) => {
    if (k !== 'v1' || !v) return false;
    const given = Buffer.from(v, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
};

// ---------- retries ----------

/**
 * Seconds to wait after each failed attempt: exponential (x3 from one minute), capped at 6 hours; the
 * last retry comes about 18 hours after the first attempt, within the 24 hours a delivery is retried.
 * Then the delivery is dead.
 */
export const RETRY_DELAYS_SECONDS = [60, 180, 540, 1620, 4860, 14580, 21600, 21600] as const;
export const MAX_ATTEMPTS = RETRY_DELAYS_SECONDS.length + 1;

/**
 * When to try again after `attempts` failed attempts, or undefined when the delivery is dead.
 * Jitter spreads retries over ±20 % of the delay; `scale` multiplies every delay (offline tests).
 */
export const nextAttemptAt = (
  attempts: number,
  now: Date,
  opts: { scale?: number; random?: () => number } = {},
): Date | undefined => {
  const delay = RETRY_DELAYS_SECONDS[attempts - 1];
  if (delay === undefined) return undefined;
  const jitter = 0.8 + 0.4 * (opts.random ?? Math.random)();
  return new Date(now.getTime() + Math.round(delay * 1000 * jitter * (opts.scale ?? 1)));
};
