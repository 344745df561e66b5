/**
 * Sending webhook deliveries: the one code path of the scheduled dispatcher and of a manual retry.
 *
 * Each attempt checks the URL again, and the connection itself resolves the host through a lookup that
 * refuses private, loopback, link-local and metadata addresses: the address connected to is the address
 * checked, so DNS rebinding between the check and the connection gets nowhere. Redirects are not
 * followed (a 3xx is a failed attempt). Each attempt has its own deadline, and attempts run
 * concurrently, so one endpoint that hangs delays no other.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import {
  checkWebhookUrl,
  DELIVERY_TIMEOUT_MS,
  isForbiddenAddress,
  MAX_ATTEMPTS,
  nextAttemptAt,
  type Resolver,
  signatureHeader,
} from '../domain/webhooks.ts';
import type { Attempt, Delivery, WebhookStore } from '../store/webhooks.ts';

export interface DeliveryOptions {
  /** Offline only: http://127.0.0.1:<port> endpoints. */
  allowLoopbackHttp: boolean;
  /** Multiplies every retry delay (offline tests: 0.001 makes 24 hours about 86 s). */
  retryScale: number;
  timeoutMs?: number;
  now?: () => Date;
  random?: () => number;
}

export const resolveAll: Resolver = (host) =>
  new Promise((resolve, reject) =>
    dnsLookup(host, { all: true, verbatim: true }, (err, addresses) =>
      err ? reject(err) : resolve(addresses.map((a) => a.address)),
    ),
  );

/** The socket's DNS lookup: the same rule as the URL check, on the addresses actually connected to. */
const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) return callback(err, '', 4);
    const bad = addresses.find((a) => isForbiddenAddress(a.address));
    if (bad || addresses.length === 0) {
      const e = Object.assign(new Error(`refused address for ${hostname}`), { code: 'EFORBIDDEN' });
      return callback(e, '', 4);
    }
    if ((options as { all?: boolean }).all)
      return (callback as (e: null, a: LookupAddress[]) => void)(null, addresses);
    const first = addresses[0] as LookupAddress;
    callback(null, first.address, first.family);
  });
};

/** POSTs a payload, signed; resolves with the status code, or an error text when nothing came back. */
export const send = async (
  url: string,
  secret: string,
  payload: string,
  eventId: string,
  opts: Pick<DeliveryOptions, 'allowLoopbackHttp' | 'timeoutMs' | 'now'>,
): Promise<{ statusCode?: number; error?: string }> => {
  try {
    await checkWebhookUrl(url, { allowLoopbackHttp: opts.allowLoopbackHttp, resolve: resolveAll });
  } catch (e) {
    return { error: (e as Error).message };
  }
  const now = opts.now?.() ?? new Date();
  const t = Math.floor(now.getTime() / 1000);
  const u = new URL(url);
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
  const timeoutMs = opts.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  return new Promise((resolve) => {
    const req = request(
      u,
      {
        method: 'POST',
        lookup: guardedLookup,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          'user-agent': 'ServerlessBank-Webhooks/1.0',
          'bank-event-id': eventId,
          'bank-signature': signatureHeader(secret, payload, t),
        },
      },
      (res) => {
        clearTimeout(timer);
        res.resume();
        res.on('error', () => undefined);
        resolve({ statusCode: res.statusCode ?? 0 });
        req.destroy();
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ error: e.code && e.code !== 'EFORBIDDEN' ? `${e.code}: ${e.message}` : e.message });
    });
    req.end(payload);
  });
};

const ok = (r: { statusCode?: number }) =>
  r.statusCode !== undefined && r.statusCode >= 200 && r.statusCode < 300;

/** One attempt of a claimed delivery, recorded: delivered, due again later, or dead. */
export const attempt = async (
  store: WebhookStore,
  d: Delivery,
  opts: DeliveryOptions & { manual?: boolean },
): Promise<Delivery> => {
  const now = opts.now ?? (() => new Date());
  const webhook = await store.get(d.ownerId, d.webhookId);
  const at = now().toISOString();
  const result = webhook
    ? await send(webhook.url, webhook.secret, d.payload, d.eventId, opts)
    : { error: 'the webhook endpoint was deleted' };
  const entry: Attempt = { at, ...result, ...(opts.manual ? { manual: true } : {}) };
  const delivered = ok(result);
  // The claim counted this attempt (a manual one is not counted, and its `next` is not used).
  const next =
    delivered || !webhook
      ? undefined
      : nextAttemptAt(d.attempts, now(), { scale: opts.retryScale, random: opts.random });
  return store.finish(d, entry, { delivered, next });
};

export interface DispatchResult {
  attempted: number;
  delivered: number;
  failed: number;
  /** Due deliveries whose last attempt never recorded an outcome: now dead. */
  abandoned: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Attempts the deliveries that are due, up to `concurrency` at a time, and keeps looking for due ones
 * (retries included) while attempts run: a slow endpoint holds one lane, never a round. Stops when
 * nothing is due or running, or when `timeLeftMs` says no further attempt fits.
 */
export const dispatchDue = async (
  store: WebhookStore,
  opts: DeliveryOptions & {
    concurrency?: number;
    timeLeftMs?: () => number;
    pollMs?: number;
    onError?: (e: unknown) => void;
  },
): Promise<DispatchResult> => {
  const now = opts.now ?? (() => new Date());
  const limit = opts.concurrency ?? 25;
  const timeLeft = opts.timeLeftMs ?? (() => Number.POSITIVE_INFINITY);
  const retry = { scale: opts.retryScale, random: opts.random };
  const result: DispatchResult = { attempted: 0, delivered: 0, failed: 0, abandoned: 0 };
  const running = new Set<Promise<void>>();
  while (timeLeft() > (opts.timeoutMs ?? DELIVERY_TIMEOUT_MS) + 5_000) {
    let started = 0;
    if (running.size < limit) {
      for (const d of await store.due(now(), limit - running.size)) {
        if (d.attempts >= MAX_ATTEMPTS) {
          // Its last attempt was claimed and never recorded an outcome.
          const dead = await store.abandon(d, now()).catch((e) => opts.onError?.(e));
          if (dead) result.abandoned++;
          continue;
        }
        const at = now();
        const claimed = await store
          .claim(d, at, { due: true, retryAt: nextAttemptAt(d.attempts + 1, at, retry) })
          .catch((e) => {
            opts.onError?.(e);
            return undefined;
          });
        if (!claimed) continue;
        started++;
        result.attempted++;
        const run: Promise<void> = attempt(store, claimed, opts)
          .then((after) => {
            if (after.status === 'delivered') result.delivered++;
            else result.failed++;
          })
          // One delivery's trouble (say, a throttled write) must not stop the others: it is due again later.

          .catch((e) => opts.onError?.(e))
          .finally(() => running.delete(run));
        running.add(run);
      }
    }
    if (running.size === 0 && started === 0) break;
    await Promise.race([...running, sleep(opts.pollMs ?? 200)]);
  }
  await Promise.all(running);
  return result;
};
