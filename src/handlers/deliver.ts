/**
 * Sending webhook deliveries: the one code path of the scheduled dispatcher and of a manual retry.
 *
 * Each attempt has one deadline that covers all of it: the URL check's DNS resolution, the connection
 * and the answer. DNS is asked through c-ares (`dns.promises.Resolver`, with its own timeout and tries,
 * cancelled at the deadline), never `dns.lookup`: getaddrinfo runs on libuv's four-thread pool, where a
 * nameserver that never answers would hold a thread past any deadline, and with it the lookups of
 * other attempts and of the SDK's new connections.
 *
 * Each attempt checks the URL again, and the connection itself resolves the host through a lookup that
 * refuses the host if any address it resolves to is private, loopback, link-local or metadata: the
 * address connected to is an address checked, so DNS rebinding between the check and the connection
 * gets nowhere. Redirects are not followed (a 3xx is a failed attempt).
 *
 * The dispatcher shares its lanes (concurrent attempts) between endpoints and customers: at most
 * `perEndpoint` (1) attempt in flight per endpoint, due deliveries taken round-robin by owner (the
 * owner holding the fewest lanes first), no owner more than a fair share of the lanes (the lanes
 * divided among the owners with deliveries due or in flight), and an endpoint that let an attempt run
 * into its deadline is sent nothing more in that run: its other due deliveries are recorded as failed
 * attempts without being sent, retried on the usual schedule. So a customer whose endpoints all hang
 * holds one lane per endpoint (at most 5 of 25) for one deadline per run, and every other endpoint is
 * served meanwhile.
 */
import { Resolver as CaresResolver } from 'node:dns/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { setTimeout as sleepFor } from 'node:timers/promises';
import {
  checkWebhookUrl,
  DELIVERY_TIMEOUT_MS,
  isForbiddenAddress,
  MAX_ATTEMPTS,
  nextAttemptAt,
  type Resolver,
  signatureHeader,
} from '../domain/webhooks.ts';
import {
  type Attempt,
  type Delivery,
  DueLap,
  type StoredWebhook,
  type WebhookStore,
} from '../store/webhooks.ts';

/** What one DNS query may take (c-ares's timeout, per try), and how many tries. */
export const DNS_TIMEOUT_MS = 2_000;
export const DNS_TRIES = 2;

/** The part of `dns.promises.Resolver` an attempt uses (tests give a fake). */
export interface DnsResolver {
  resolve4(host: string): Promise<string[]>;
  resolve6(host: string): Promise<string[]>;
  /** Ends the outstanding queries (they reject with ECANCELLED). */
  cancel(): void;
}

const newResolver = (): DnsResolver => new CaresResolver({ timeout: DNS_TIMEOUT_MS, tries: DNS_TRIES });

/** What an attempt got: the status code, or an error text when nothing came back. */
export interface SendResult {
  statusCode?: number;
  error?: string;
}

/**
 * Sends one delivery to one endpoint. `signal` aborts it at the attempt's deadline: whatever it is doing
 * then (resolving, connecting, waiting for the answer) stops.
 */
export type Sender = (
  to: Pick<StoredWebhook, 'url' | 'secret'>,
  d: Pick<Delivery, 'payload' | 'eventId'>,
  signal: AbortSignal,
) => Promise<SendResult>;

export interface DeliveryOptions {
  /** Offline only: http://127.0.0.1:<port> endpoints. */
  allowLoopbackHttp: boolean;
  /** Multiplies every retry delay (offline tests: 0.001 makes 24 hours about 86 s). */
  retryScale: number;
  /** The deadline of one attempt, DNS included. */
  timeoutMs?: number;
  now?: () => Date;
  random?: () => number;
  /** A new DNS resolver for each attempt (tests: a fake). */
  resolver?: () => DnsResolver;
  /** Sends a delivery (default: an HTTPS POST, {@link httpSender}). */
  send?: Sender;
  /** Resolves when `ms` have passed, rejects once `signal` aborts (tests: a deadline they control). */
  timer?: (ms: number, signal: AbortSignal) => Promise<unknown>;
}

interface Resolved {
  address: string;
  family: 4 | 6;
}

/** Every address of a host, IPv4 and IPv6; rejects when it has none. */
const resolveHost = async (host: string, dns: DnsResolver): Promise<Resolved[]> => {
  const [v4, v6] = await Promise.allSettled([dns.resolve4(host), dns.resolve6(host)]);
  const found: Resolved[] = [
    ...(v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 as const })) : []),
    ...(v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 as const })) : []),
  ];
  if (found.length > 0) return found;
  throw v4.status === 'rejected'
    ? v4.reason
    : Object.assign(new Error(`${host} has no address`), { code: 'ENOTFOUND' });
};

/** The URL check's resolver (also at registration): c-ares, bounded by its own timeout and tries. */
export const resolveAll: Resolver = async (host) =>
  (await resolveHost(host, newResolver())).map((a) => a.address);

/**
 * The socket's DNS lookup: the same rule as the URL check, on the addresses actually connected to. Every
 * address the host resolves to is checked, of both families, whichever the socket asked for.
 */
const guardedLookup =
  (dns: DnsResolver): LookupFunction =>
  (hostname, options, callback) => {
    const fail = (message: string, code: string) =>
      callback(Object.assign(new Error(message), { code }), '', 4);
    resolveHost(hostname, dns).then(
      (found) => {
        if (found.some((a) => isForbiddenAddress(a.address))) {
          return fail(`refused address for ${hostname}`, 'EFORBIDDEN');
        }
        const family =
          options.family === 4 || options.family === 'IPv4'
            ? 4
            : options.family === 6 || options.family === 'IPv6'
              ? 6
              : 0;
        const usable = family ? found.filter((a) => a.family === family) : found;
        const first = usable[0];
        if (!first) return fail(`no IPv${family} address for ${hostname}`, 'ENOTFOUND');
        if (options.all) return callback(null, usable);
        callback(null, first.address, first.family);
      },
      (e: NodeJS.ErrnoException) => callback(e, '', 4),
    );
  };

/** POSTs a payload, signed, checking the URL (and every address connected to) first. */
export const httpSender =
  (opts: Pick<DeliveryOptions, 'allowLoopbackHttp' | 'now' | 'resolver'>): Sender =>
  async (to, d, signal) => {
    const dns = (opts.resolver ?? newResolver)();
    const cancel = () => dns.cancel();
    signal.addEventListener('abort', cancel, { once: true });
    try {
      try {
        await checkWebhookUrl(to.url, {
          allowLoopbackHttp: opts.allowLoopbackHttp,
          resolve: async (host) => (await resolveHost(host, dns)).map((a) => a.address),
        });
      } catch (e) {
        return { error: (e as Error).message };
      }
      if (signal.aborted) return { error: 'aborted' };
      const t = Math.floor((opts.now?.() ?? new Date()).getTime() / 1000);
      const u = new URL(to.url);
      const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
      return await new Promise<SendResult>((resolve) => {
        const req = request(
          u,
          {
            method: 'POST',
            lookup: guardedLookup(dns),
            signal,
            headers: {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(d.payload),
              'user-agent': 'ServerlessBank-Webhooks/1.0',
              'bank-event-id': d.eventId,
              'bank-signature': signatureHeader(to.secret, d.payload, t),
            },
          },
          (res) => {
            res.resume();
            res.on('error', () => undefined);
            resolve({ statusCode: res.statusCode ?? 0 });
            req.destroy();
          },
        );
        req.on('error', (e: NodeJS.ErrnoException) =>
          resolve({ error: e.code && e.code !== 'EFORBIDDEN' ? `${e.code}: ${e.message}` : e.message }),
        );
        req.end(d.payload);
      });
    } finally {
      signal.removeEventListener('abort', cancel);
    }
  };

const ok = (r: SendResult) => r.statusCode !== undefined && r.statusCode >= 200 && r.statusCode < 300;

/** `send`, cut at `timeoutMs`: the deadline starts before anything of the attempt, DNS included. */
const sendWithin = async (
  send: Sender,
  to: StoredWebhook,
  d: Delivery,
  opts: DeliveryOptions,
): Promise<SendResult & { timedOut: boolean }> => {
  const timeoutMs = opts.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  const stop = new AbortController();
  const deadline = (opts.timer ?? ((ms, signal) => sleepFor(ms, undefined, { signal })))(
    timeoutMs,
    stop.signal,
  ).then(
    () => ({ error: `no answer within ${timeoutMs} ms`, timedOut: true }),
    // Cancelled once the attempt ended first: the race is over.
    () => new Promise<never>(() => undefined),
  );
  try {
    return await Promise.race([
      send(to, d, stop.signal).then(
        (r) => ({ ...r, timedOut: false }),
        (e: Error) => ({ error: e.message, timedOut: false }),
      ),
      deadline,
    ]);
  } finally {
    stop.abort();
  }
};

/** Why an attempt sent nothing to the endpoint of a customer whose login the bank disabled. */
export const OWNER_DISABLED = 'not sent: the bank has disabled this login';

/** One attempt of a claimed delivery, recorded; `timedOut` when it ran into its deadline. */
const attemptOnce = async (
  store: WebhookStore,
  d: Delivery,
  opts: DeliveryOptions & { manual?: boolean },
): Promise<{ delivery: Delivery; timedOut: boolean }> => {
  const now = opts.now ?? (() => new Date());
  const [webhook, disabled] = await Promise.all([
    store.get(d.ownerId, d.webhookId),
    store.ownerDisabled(d.ownerId),
  ]);
  const at = now().toISOString();
  // Not sent, and dead at once (a manual retry once the login is enabled again sends it): a deleted
  // endpoint, or an owner whose login the bank disabled (a stolen login's endpoint must not go on
  // receiving the account's events, as its schedules stop paying).
  const refused = !webhook || disabled;
  const result = refused
    ? { error: webhook ? OWNER_DISABLED : 'the webhook endpoint was deleted', timedOut: false }
    : await sendWithin(opts.send ?? httpSender(opts), webhook, d, opts);
  const entry: Attempt = {
    at,
    ...(result.statusCode === undefined ? {} : { statusCode: result.statusCode }),
    ...(result.error === undefined ? {} : { error: result.error }),
    ...(opts.manual ? { manual: true } : {}),
  };
  const delivered = ok(result);
  // The claim counted this attempt (a manual one is not counted, and its `next` is not used).
  const next =
    delivered || refused
      ? undefined
      : nextAttemptAt(d.attempts, now(), { scale: opts.retryScale, random: opts.random });
  return { delivery: await store.finish(d, entry, { delivered, next }), timedOut: result.timedOut };
};

/** One attempt of a claimed delivery, recorded: delivered, due again later, or dead. */
export const attempt = async (
  store: WebhookStore,
  d: Delivery,
  opts: DeliveryOptions & { manual?: boolean },
): Promise<Delivery> => (await attemptOnce(store, d, opts)).delivery;

export interface DispatchResult {
  /** Deliveries sent (their outcome counted below). */
  attempted: number;
  delivered: number;
  failed: number;
  /** Due deliveries of an endpoint that ran into its deadline in this run: failed without being sent. */
  notSent: number;
  /** Due deliveries whose last attempt never recorded an outcome: now dead. */
  abandoned: number;
}

export interface DispatchOptions extends DeliveryOptions {
  /** Lanes: attempts in flight at once. */
  concurrency?: number;
  /** Attempts in flight at once to one endpoint. */
  perEndpoint?: number;
  timeLeftMs?: () => number;
  /** The shortest time between two reads of the due queue (200 ms). */
  pollMs?: number;
  onError?: (e: unknown) => void;
}

/** The longest pause between two laps through a due backlog that found nothing to start. */
export const LAP_PAUSE_MS = 1_000;

const sleep = (ms: number) => (ms > 0 ? new Promise<void>((r) => setTimeout(r, ms)) : Promise.resolve());

/** Round-robin by owner, the owners holding the fewest lanes first; each owner's deliveries oldest first. */
const fairOrder = (due: Delivery[], lanesOf: (owner: string) => number): Delivery[] => {
  const queues = new Map<string, Delivery[]>();
  for (const d of due) {
    const q = queues.get(d.ownerId);
    if (q) q.push(d);
    else queues.set(d.ownerId, [d]);
  }
  // A stable sort: owners holding as many lanes stay in the order of their oldest due delivery.
  const owners = [...queues.values()].sort(
    (a, b) => lanesOf(a[0]?.ownerId ?? '') - lanesOf(b[0]?.ownerId ?? ''),
  );
  const order: Delivery[] = [];
  for (let i = 0; order.length < due.length; i++) {
    for (const q of owners) {
      const d = q[i];
      if (d) order.push(d);
    }
  }
  return order;
};

/**
 * Attempts the deliveries that are due, up to `concurrency` at a time, `perEndpoint` at a time to one
 * endpoint and a fair share of `concurrency` to one owner, and keeps looking for due ones (retries
 * included) while attempts run: a slow endpoint holds one lane, never a round. An endpoint whose
 * attempt runs into its deadline is sent nothing more in this run: its due deliveries are failed
 * without being sent (the circuit is open until the next run). Stops when nothing is due or running,
 * or when `timeLeftMs` says no further attempt fits.
 */
export const dispatchDue = async (store: WebhookStore, opts: DispatchOptions): Promise<DispatchResult> => {
  const now = opts.now ?? (() => new Date());
  const lanes = opts.concurrency ?? 25;
  const perEndpoint = opts.perEndpoint ?? 1;
  const timeoutMs = opts.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  const timeLeft = opts.timeLeftMs ?? (() => Number.POSITIVE_INFINITY);
  const pollMs = opts.pollMs ?? 200;
  const retry = { scale: opts.retryScale, random: opts.random };
  const result: DispatchResult = { attempted: 0, delivered: 0, failed: 0, notSent: 0, abandoned: 0 };
  const running = new Set<Promise<void>>();
  /** The run's way through the due queue (past one endpoint's long backlog, in turns). */
  const lap = new DueLap();
  const byEndpoint = new Map<string, number>();
  const byOwner = new Map<string, number>();
  /** Endpoints that let an attempt run into its deadline in this run. */
  const tripped = new Set<string>();
  const add = (m: Map<string, number>, k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n);
  // A tripped endpoint's deliveries are not sent, so they need no limit.
  const busy = (d: Delivery) =>
    !tripped.has(d.webhookId) && (byEndpoint.get(d.webhookId) ?? 0) >= perEndpoint;
  /** For a read of the due queue: what `busy` refuses, and more of an endpoint than it could take. */
  const unwanted = () => {
    const read = new Map<string, number>();
    return (d: Delivery) => {
      if (busy(d)) return true;
      if (tripped.has(d.webhookId)) return false;
      add(read, d.webhookId, 1);
      return (byEndpoint.get(d.webhookId) ?? 0) + (read.get(d.webhookId) ?? 0) > perEndpoint;
    };
  };
  const start = (d: Delivery, task: () => Promise<void>) => {
    add(byEndpoint, d.webhookId, 1);
    add(byOwner, d.ownerId, 1);
    const run: Promise<void> = task()
      // One delivery's trouble (say, a throttled write) must not stop the others: it is due again later.
      .catch((e) => opts.onError?.(e))
      .finally(() => {
        add(byEndpoint, d.webhookId, -1);
        add(byOwner, d.ownerId, -1);
        running.delete(run);
      });
    running.add(run);
  };

  while (timeLeft() > timeoutMs + 5_000) {
    const polled = performance.now();
    let started = 0;
    /** Whether this read stopped partway through the due queue (a long backlog read past): more to read. */
    let more = false;
    /** Whether this read ended a lap begun by an earlier one. */
    let lapEnded = false;
    if (running.size < lanes) {
      // Twice the lanes, to choose among owners: no more of an endpoint than it could take now, reading
      // past the rest, so that one endpoint's or customer's backlog hides no other.
      const fresh = lap.begin();
      // A read that fails (a throttle, a timeout) ends the run's new work, not the attempts in flight:
      // they are waited for below, so their outcomes are recorded (left, a Lambda frozen after the
      // handler returned never recorded them, and each came back after its lease as an attempt lost).
      const due = await store
        .due(now(), lanes * 2, { skip: unwanted, scan: lanes * 16, lap })
        .catch((e: unknown) => {
          opts.onError?.(e);
          return undefined;
        });
      if (!due) break;
      // A read that went on with a lap begun earlier may have passed deliveries of an endpoint that was
      // busy then and is free now: only a whole lap read at once, finding nothing to start, is a
      // reason to wait.
      lapEnded = !fresh && !lap.more();
      more = lap.more() || lapEnded;
      // A fair share of the lanes for each owner with deliveries due or in flight.
      const owners = new Set([
        ...due.map((d) => d.ownerId),
        ...[...byOwner].filter(([, n]) => n > 0).map(([o]) => o),
      ]);
      const share = Math.ceil(lanes / Math.max(owners.size, 1));
      for (const d of fairOrder(due, (owner) => byOwner.get(owner) ?? 0)) {
        if (running.size >= lanes) break;
        if (busy(d) || (byOwner.get(d.ownerId) ?? 0) >= share) continue;

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
        if (tripped.has(claimed.webhookId)) {
          result.notSent++;
          start(claimed, async () => {
            const entry = {
              at: now().toISOString(),
              error: `not sent: no answer within ${timeoutMs} ms to another delivery to this endpoint just before`,
            };
            await store.finish(claimed, entry, {
              delivered: false,
              next: nextAttemptAt(claimed.attempts, now(), retry),
            });
          });
          continue;
        }
        result.attempted++;
        start(claimed, async () => {
          const { delivery, timedOut } = await attemptOnce(store, claimed, opts);
          if (timedOut) tripped.add(claimed.webhookId);
          if (delivery.status === 'delivered') result.delivered++;
          else result.failed++;
        });
      }
    }
    if (running.size === 0 && started === 0 && !more) break;
    // Nothing could start (lanes full, or what is due waits for a busy endpoint) and no read stopped
    // partway through the due queue: wait for an attempt to end rather than read the same deliveries
    // again. A read that stopped partway goes on first; the lap (and where it stopped) outlives waits
    // with the lanes full, and starts over from the oldest once it is done (DueLap.begin).
    if (started === 0 && !more) await Promise.race(running);
    // A lap through a backlog ended with nothing to start: the next begins after an attempt ends, or
    // after LAP_PAUSE_MS at most (an attempt may hang to its deadline), not at once: a backlog's reads
    // are paced, not repeated back to back.
    else if (started === 0 && lapEnded) await Promise.race([...running, sleep(LAP_PAUSE_MS)]);
    // At most one read of the due queue per `pollMs`: lanes that free meanwhile are filled together.
    await sleep(pollMs - (performance.now() - polled));
  }
  await Promise.all(running);
  return result;
};
