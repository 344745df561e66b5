/**
 * The webhook dispatcher under faults, on DynamoDB Local with injected clocks, deadlines, senders and
 * DNS resolvers (no sleeps): an attempt that never records its outcome, an endpoint that hangs, a
 * customer whose endpoints all hang, a nameserver that never answers, and DNS answers that name
 * internal addresses.
 */
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { answerLostOnce, createTestTable, dynamoClients } from '../../test/harness.ts';
import { ATTEMPT_ERROR_MAX, MAX_ATTEMPTS, nextAttemptAt } from '../domain/webhooks.ts';
import { IdempotencyStore } from '../store/idempotency.ts';
import * as itemKeys from '../store/item-keys.ts';
import {
  type Delivery,
  LEASE_MS,
  publicDelivery,
  type StoredWebhook,
  WebhookStore,
} from '../store/webhooks.ts';
import { type DispatchOptions, type DnsResolver, dispatchDue, httpSender, type Sender } from './deliver.ts';

const T0 = new Date('2030-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
/** Jitter 0.5 makes every retry delay exactly its nominal value. */
const base = { allowLoopbackHttp: true, retryScale: 1, random: () => 0.5, pollMs: 5 };

const servers: (Server | TcpServer)[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

/** A receiver on a free local port: answers `status` and keeps the event ids it was sent. */
const receiver = async (status = 204) => {
  const got: string[] = [];
  const server = createHttpServer((req, res) => {
    got.push(String(req.headers['bank-event-id']));
    req.resume();
    req.on('end', () => res.writeHead(status).end());
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, got };
};

/** The table of the last `setup`. */
let ownTable = '';

/** A store on a table of its own, and a way to add due deliveries to it. */
const setup = async () => {
  const table = await createTestTable('deliver');
  ownTable = table;
  const { doc } = dynamoClients();
  const store = new WebhookStore(doc, table, new IdempotencyStore(doc, table, 48 * 3600));
  let n = 0;
  const hook = async (ownerId: string, url = `https://${ownerId}-${++n}.example/hooks`) => {
    const created = await store.create(
      ownerId,
      { url, events: ['transaction.posted'] },
      { key: randomUUID(), fingerprint: 'f' },
    );
    if (created.kind !== 'webhook') throw new Error(created.code);
    return { ...created.webhook, ownerId } satisfies StoredWebhook;
  };
  /** `count` deliveries to `w`, due from `due` on (1 ms apart, in order). */
  const deliveries = async (w: StoredWebhook, count: number, due: Date) => {
    for (let i = 0; i < count; i++) {
      const now = new Date(due.getTime() + i);
      const event = {
        id: `evt_${w.id}_${i}`,
        type: 'transaction.posted' as const,
        createdAt: now.toISOString(),
      };
      await doc.send(
        new PutCommand({ TableName: table, Item: store.deliveryItem(w, event, JSON.stringify(event), now) }),
      );
    }
  };
  const of = async (w: StoredWebhook): Promise<Delivery[]> =>
    (await store.deliveries(w.id, { limit: 50 })).items.reverse();
  return { store, hook, deliveries, of };
};

/** Deadlines the test ends: each waits until `expire()` (after it, at once), unless its attempt ends first. */
const deadlines = () => {
  let expired = false;
  const waiting = new Set<() => void>();
  return {
    timer: (_ms: number, signal: AbortSignal) =>
      new Promise<void>((resolve, reject) => {
        if (expired) return resolve();
        const fire = () => {
          waiting.delete(fire);
          resolve();
        };
        waiting.add(fire);
        signal.addEventListener(
          'abort',
          () => {
            waiting.delete(fire);
            reject(signal.reason);
          },
          { once: true },
        );
      }),
    expire: () => {
      expired = true;
      for (const fire of [...waiting]) fire();
    },
  };
};

/**
 * A sender whose `hanging` URLs never answer (until their attempt's deadline aborts them) and whose others
 * answer 204 at once; it counts what it sent and how many requests to each URL were open at once.
 */
const fakeSender = (hanging: Set<string>) => {
  const open = new Map<string, number>();
  const most = new Map<string, number>();
  const sent: { url: string; eventId: string }[] = [];
  const send: Sender = async (to, d, signal) => {
    sent.push({ url: to.url, eventId: d.eventId });
    if (!hanging.has(to.url)) return { statusCode: 204 };
    open.set(to.url, (open.get(to.url) ?? 0) + 1);
    most.set(to.url, Math.max(most.get(to.url) ?? 0, open.get(to.url) ?? 0));
    await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
    open.set(to.url, (open.get(to.url) ?? 0) - 1);
    return { error: 'aborted' };
  };
  const to = (urls: string[]) => sent.filter((s) => urls.includes(s.url));
  return {
    send,
    sent,
    to,
    most: (url: string) => most.get(url) ?? 0,
    open: (url: string) => open.get(url) ?? 0,
  };
};

/**
 * Waits until each endpoint's `n` deliveries are recorded delivered (their attempts over, so that
 * ending the deadlines then ends only those still running).
 */
const delivered = (
  of: (w: StoredWebhook) => Promise<Delivery[]>,
  endpoints: StoredWebhook[],
  n: number,
  timeout = 20_000,
) =>
  vi.waitFor(
    async () => {
      for (const w of endpoints) {
        expect((await of(w)).map((d) => d.status)).toEqual(Array(n).fill('delivered'));
      }
    },
    { timeout, interval: 20 },
  );

/** Runs a dispatch while the test looks on; `finish` ends its deadlines and waits for it (bounded). */

const dispatching = (store: WebhookStore, opts: DispatchOptions, expire: () => void) => {
  let result: Awaited<ReturnType<typeof dispatchDue>> | undefined;
  const run = dispatchDue(store, opts).then((r) => {
    result = r;
    return r;
  });
  return {
    finish: async () => {
      expire();
      await vi.waitFor(() => expect(result).toBeDefined(), { timeout: 20_000, interval: 10 });
      return run;
    },
  };
};

describe('a read of the due queue that fails', () => {
  it('ends the run\u2019s new work, but the attempts in flight are waited for and their outcomes recorded', async () => {
    const { store, hook, deliveries, of } = await setup();
    const w = await hook('owner-read');
    await deliveries(w, 1, T0);
    // The receiver answers once the second read of the due queue has failed.
    let answer = () => {};
    const answered = new Promise<void>((r) => {
      answer = r;
    });
    const send: Sender = async () => {
      await answered;
      return { statusCode: 204 };
    };
    const flaky = Object.create(store) as WebhookStore;
    let reads = 0;
    flaky.due = (...args: Parameters<WebhookStore['due']>) => {
      reads++;
      if (reads === 1) return store.due(...args);
      answer();
      return Promise.reject(Object.assign(new Error('no answer (injected)'), { name: 'TimeoutError' }));
    };
    const errors: unknown[] = [];
    const result = await dispatchDue(flaky, { ...base, send, now: () => T0, onError: (e) => errors.push(e) });
    expect(result).toMatchObject({ attempted: 1, delivered: 1 });
    expect(errors).toMatchObject([{ name: 'TimeoutError' }]);
    const [d] = await of(w);
    expect(d).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(d?.log).toEqual([{ at: T0.toISOString(), statusCode: 204 }]);
  });
});

describe('an attempt that never records its outcome', () => {
  it('is counted when claimed, due again at its backoff, and after the last one the delivery is dead', async () => {
    const { store, hook, deliveries, of } = await setup();
    const r = await receiver(500);
    const w = await hook('owner-crash', r.url);
    await deliveries(w, 1, T0);
    // Every record of an outcome fails: as if the Lambda timed out, or the write was throttled, each time.
    const crashing = Object.create(store) as WebhookStore;
    crashing.finish = async () => {
      throw new Error('Task timed out');
    };
    let clock = T0;
    const run = () => dispatchDue(crashing, { ...base, now: () => clock, onError: () => undefined });

    for (let n = 1; n <= MAX_ATTEMPTS; n++) {
      expect(await run()).toMatchObject({ attempted: 1 });
      const [d] = await of(w);
      expect(d).toMatchObject({ status: 'pending', attempts: n });
      // Due again when a failed attempt would be retried (never before the lease ends; after the last
      // attempt, when the lease ends).
      const retry = nextAttemptAt(n, clock, { random: base.random });
      const leaseEnd = clock.getTime() + LEASE_MS;
      const due = new Date(Math.max(retry?.getTime() ?? 0, leaseEnd));
      expect(d?.nextAttemptAt).toBe(due.toISOString());
      expect(await store.due(new Date(due.getTime() - 1), 10)).toEqual([]);
      expect((await store.due(due, 10)).map((x) => x.id)).toEqual([d?.id]);
      clock = due;
    }
    // Found due with no attempt left: dead, not sent again.
    expect(await run()).toMatchObject({ attempted: 0, abandoned: 1 });
    expect(r.got).toHaveLength(MAX_ATTEMPTS);
    const [dead] = await of(w);
    expect(dead).toMatchObject({ status: 'dead', attempts: MAX_ATTEMPTS, nextAttemptAt: null });
    // Each lost attempt is logged as such.
    expect(dead?.log).toHaveLength(MAX_ATTEMPTS);
    expect(dead?.log.every((a) => /no outcome recorded/.test(a.error ?? ''))).toBe(true);
    expect(await store.due(at(100 * 24 * 3600_000), 10)).toEqual([]);
    expect(await run()).toMatchObject({ attempted: 0, abandoned: 0 });
  });

  it("a manual retry that takes a lost attempt's delivery logs that attempt as lost, then its own", async () => {
    const { store, hook, deliveries, of } = await setup();
    const w = await hook('owner-manual-after-crash', (await receiver(500)).url);
    await deliveries(w, 1, T0);
    const crashing = Object.create(store) as WebhookStore;
    crashing.finish = async () => {
      throw new Error('Task timed out');
    };
    expect(await dispatchDue(crashing, { ...base, now: () => T0, onError: () => undefined })).toMatchObject({
      attempted: 1,
    });
    const [lost] = await of(w);
    expect(lost).toMatchObject({ attempts: 1, leaseUntil: at(LEASE_MS).toISOString() });
    // Still leased: the customer's retry waits.
    expect(await store.claim(lost as Delivery, at(LEASE_MS - 1), { due: false })).toBeUndefined();
    const claimed = await store.claim(lost as Delivery, at(LEASE_MS), { due: false });
    expect(claimed?.log).toEqual([
      { at: T0.toISOString(), error: expect.stringMatching(/no outcome recorded/) },
    ]);
    const manual = { at: at(LEASE_MS).toISOString(), statusCode: 500, manual: true };
    const after = await store.finish(claimed as Delivery, manual, { delivered: false });
    expect(after).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: lost?.nextAttemptAt });
    expect(after.log).toHaveLength(2);
    expect(after.log[1]).toEqual(manual);
  });

  it('a claim the SDK sends again after its answer was lost is this dispatcher\u2019s: the attempt is not spent unsent', async () => {
    const { store, hook, deliveries, of } = await setup();
    const w = await hook('owner-lost-answer', (await receiver(200)).url);
    await deliveries(w, 1, T0);
    const [d] = await of(w);
    // DynamoDB takes the claim (the attempt counted); its answer is lost, and the SDK's second attempt
    // meets the claim its first made.
    const lossy = answerLostOnce('UpdateItemCommand');
    const lossyStore = new WebhookStore(lossy, ownTable, new IdempotencyStore(lossy, ownTable, 48 * 3600));
    const claimed = await lossyStore.claim(d as Delivery, T0, { due: true, retryAt: at(60_000) });
    expect(lossy.lost()).toBe(1);
    expect(claimed).toMatchObject({ id: d?.id, attempts: 1, leaseUntil: at(LEASE_MS).toISOString() });
    // It records its attempt under that claim.
    const after = await store.finish(
      claimed as Delivery,
      { at: T0.toISOString(), statusCode: 200 },
      { delivered: true },
    );
    expect(after).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('an attempt whose record lost its answer is recorded, not reported as not recorded', async () => {
    const { store, hook, deliveries, of } = await setup();
    const w = await hook('owner-lost-finish', (await receiver(200)).url);
    await deliveries(w, 1, T0);
    const [d] = await of(w);
    const claimed = await store.claim(d as Delivery, T0, { due: true, retryAt: at(60_000) });
    if (!claimed) throw new Error('not claimed');
    // DynamoDB records the attempt; its answer is lost, and the SDK's second attempt meets the record.
    const lossy = answerLostOnce('UpdateItemCommand');
    const lossyStore = new WebhookStore(lossy, ownTable, new IdempotencyStore(lossy, ownTable, 48 * 3600));
    const after = await lossyStore.finish(
      claimed,
      { at: T0.toISOString(), statusCode: 200 },
      { delivered: true },
    );
    expect(lossy.lost()).toBe(1);
    expect(after).toMatchObject({ status: 'delivered', attempts: 1, log: [{ statusCode: 200 }] });
    // A claim taken since (a manual retry) is not written over by a late record of the one before.
    const again = await store.claim(after, at(1), { due: false });
    if (!again) throw new Error('not claimed again');
    await expect(
      store.finish(claimed, { at: at(2).toISOString(), statusCode: 500 }, { delivered: false }),
    ).rejects.toThrow();
  });

  it('a claim that read a lease since recorded is refused, and calls no attempt lost', async () => {
    const { store, hook, deliveries, of } = await setup();
    const w = await hook('owner-stale-lease', (await receiver(500)).url);
    await deliveries(w, 1, T0);
    const [d] = await of(w);
    const held = await store.claim(d as Delivery, T0, { due: false });
    if (!held) throw new Error('not claimed');
    // Read while leased; the attempt is recorded (late, after its lease) before the read's claim.
    const stale = { ...held };
    const recorded = { at: T0.toISOString(), statusCode: 500, manual: true };
    await store.finish(held, recorded, { delivered: false });
    const late = at(LEASE_MS + 1);
    expect(await store.claim(stale, late, { due: true, retryAt: undefined })).toBeUndefined();
    expect(await store.claim(stale, late, { due: false })).toBeUndefined();
    const [now] = await of(w);
    expect(now).toMatchObject({ attempts: 0, log: [recorded] });
    expect(now?.leaseUntil).toBeUndefined();
    // Read afresh, it is claimed; that claim dies too, and once its lease is over the first read's
    // claim is still refused: the lease it read is not the one that ran out.
    expect(await store.claim(now as Delivery, late, { due: false })).toBeDefined();
    expect(await store.claim(stale, at(2 * LEASE_MS + 1), { due: false })).toBeUndefined();
    const [again] = await of(w);
    expect(await store.claim(again as Delivery, at(2 * LEASE_MS + 1), { due: false })).toMatchObject({
      log: [recorded, { at: late.toISOString(), error: expect.stringMatching(/no outcome recorded/) }],
    });
  });

  it('an attempt that is recorded is counted once', async () => {
    const { store, hook, deliveries, of } = await setup();
    const w = await hook('owner-once', (await receiver(503)).url);
    await deliveries(w, 1, T0);
    expect(await dispatchDue(store, { ...base, now: () => T0 })).toMatchObject({
      attempted: 1,
      failed: 1,
    });
    const [d] = await of(w);
    expect(d).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: at(60_000).toISOString() });
    expect(d?.log).toEqual([{ at: T0.toISOString(), statusCode: 503 }]);
  });
});

describe("an attempt's error text, which the endpoint's owner controls", () => {
  it('is kept cut to ATTEMPT_ERROR_MAX: every attempt of a delivery is recorded however long its errors', async () => {
    const { store, hook, deliveries, of } = await setup();
    const w = await hook('owner-long-error');
    await deliveries(w, 1, T0);
    // A TLS error names every name of the certificate the endpoint presents: 50,000 characters here,
    // so nine of them kept whole are more than a DynamoDB item holds (400 KB).
    const long = `ERR_TLS_CERT_ALTNAME_INVALID: Hostname/IP does not match certificate's altnames: ${'DNS:a-long-name.example, '.repeat(2000)}`;
    const send: Sender = async () => ({ error: long });
    let clock = T0;
    for (let n = 1; n <= MAX_ATTEMPTS; n++) {
      expect(await dispatchDue(store, { ...base, send, now: () => clock })).toMatchObject({
        attempted: 1,
        failed: 1,
      });
      const [d] = await of(w);
      expect(d?.log).toHaveLength(n);
      if (d?.nextAttemptAt) clock = new Date(d.nextAttemptAt);
    }
    const [dead] = await of(w);
    expect(dead).toMatchObject({ status: 'dead', attempts: MAX_ATTEMPTS });
    for (const a of dead?.log ?? []) {
      expect(a.error).toHaveLength(ATTEMPT_ERROR_MAX);
      expect(a.error?.endsWith('…')).toBe(true);
      expect(long.startsWith(a.error?.slice(0, -1) ?? '-')).toBe(true);
    }
  });

  it('is cut in what is kept too: an attempt kept whole before the cut is cut when the next is recorded', async () => {
    const { store, hook, deliveries, of } = await setup();
    const w = await hook('owner-legacy-log');
    await deliveries(w, 1, T0);
    const [d] = await of(w);
    const { doc } = dynamoClients();
    await doc.send(
      new UpdateCommand({
        TableName: ownTable,
        Key: itemKeys.delivery(w.id, d?.id ?? ''),
        UpdateExpression: 'SET #log = :log',
        ExpressionAttributeNames: { '#log': 'log' },
        ExpressionAttributeValues: { ':log': [{ at: T0.toISOString(), error: 'x'.repeat(3000) }] },
      }),
    );
    const send: Sender = async () => ({ error: 'ECONNREFUSED' });
    expect(await dispatchDue(store, { ...base, send, now: () => T0 })).toMatchObject({ failed: 1 });
    const [after] = await of(w);
    expect(after?.log.map((a) => a.error)).toEqual([`${'x'.repeat(ATTEMPT_ERROR_MAX - 1)}…`, 'ECONNREFUSED']);
  });

  it('is cut when shown too: a delivery attempted before the cut may hold a longer one', async () => {
    const { hook, deliveries, of } = await setup();
    const w = await hook('owner-legacy-error');
    await deliveries(w, 1, T0);
    const [d] = await of(w);
    const legacy = { ...(d as Delivery), log: [{ at: T0.toISOString(), error: 'x'.repeat(3000) }] };
    expect(publicDelivery(legacy).attempts).toEqual([
      { at: T0.toISOString(), error: `${'x'.repeat(ATTEMPT_ERROR_MAX - 1)}…` },
    ]);
  });
});

describe('an endpoint that hangs', () => {
  it('holds at most one lane, once: every other endpoint is served meanwhile, its other deliveries are not sent', async () => {
    const { store, hook, deliveries, of } = await setup();
    // The hanging endpoint's deliveries are the oldest: first in the due queue.
    const hang = await hook('owner-h');
    await deliveries(hang, 4, at(-60_000));
    const fine = [await hook('owner-b'), await hook('owner-b'), await hook('owner-c')];
    for (const w of fine) await deliveries(w, 3, at(-30_000));
    const fake = fakeSender(new Set([hang.url]));
    const { timer, expire } = deadlines();
    const run = dispatching(
      store,
      { ...base, concurrency: 4, send: fake.send, timer, now: () => T0 },
      expire,
    );

    try {
      // All 9 healthy deliveries are sent while the hanging endpoint's attempt is still open.
      await delivered(of, fine, 3);
      expect(fake.to(fine.map((w) => w.url))).toHaveLength(9);
      expect(fake.open(hang.url)).toBe(1);
    } finally {
      await run.finish();
    }
    expect(fake.most(hang.url)).toBe(1);
    // Sent once: after its deadline, its other due deliveries are failed without being sent.
    expect(fake.to([hang.url])).toHaveLength(1);
    expect(await run.finish()).toEqual({ attempted: 10, delivered: 9, failed: 1, notSent: 3, abandoned: 0 });
    for (const w of fine) {
      expect((await of(w)).map((d) => [d.status, d.attempts])).toEqual(Array(3).fill(['delivered', 1]));
    }
    const hung = await of(hang);
    expect(hung.map((d) => [d.status, d.attempts, d.nextAttemptAt])).toEqual(
      Array(4).fill(['pending', 1, at(60_000).toISOString()]),
    );
    expect(hung.map((d) => d.log[0]?.error)).toEqual([
      `no answer within 10000 ms`,
      ...Array(3).fill(
        'not sent: no answer within 10000 ms to another delivery to this endpoint just before',
      ),
    ]);
  });

  it('a customer whose every endpoint hangs takes no more than its share of the lanes: another is served meanwhile', async () => {
    const { store, hook, deliveries, of } = await setup();
    const hanging: StoredWebhook[] = [];
    for (let i = 0; i < 5; i++) hanging.push(await hook('owner-slow'));
    for (const w of hanging) await deliveries(w, 2, at(-60_000));
    const other = await hook('owner-other');
    await deliveries(other, 4, at(-1_000));
    const fake = fakeSender(new Set(hanging.map((w) => w.url)));
    // The slow customer's open attempts each time one of the other's is sent: while the other has a
    // delivery due or in flight, two customers share the lanes. (Once the other's last is recorded,
    // the slow one may take a freed lane, so its count after that is not this rule's subject.)
    const slowOpen = () => hanging.reduce((n, w) => n + fake.open(w.url), 0);
    const whileOtherSent: number[] = [];
    const send: Sender = (to, d, signal) => {
      if (to.url === other.url) whileOtherSent.push(slowOpen());
      return fake.send(to, d, signal);
    };
    const { timer, expire } = deadlines();
    const run = dispatching(store, { ...base, concurrency: 3, send, timer, now: () => T0 }, expire);

    try {
      await delivered(of, [other], 4);
      // The slow customer holds its fair share of the lanes (2 of 3, two customers being due, rounded
      // up), one per endpoint, though it has 5 endpoints with deliveries due before the other's.
      expect(whileOtherSent).toHaveLength(4);
      expect(Math.max(...whileOtherSent)).toBe(2);
      expect(whileOtherSent.at(-1)).toBe(2);
    } finally {
      await run.finish();
    }
    for (const w of hanging) expect(fake.most(w.url)).toBeLessThanOrEqual(1);
    expect((await of(other)).map((d) => d.status)).toEqual(Array(4).fill('delivered'));
  });
});

describe('a backlog longer than one read of the due queue', () => {
  it('hides no other endpoint: each read goes on from where the last one stopped', async () => {
    const { store, hook, deliveries, of } = await setup();
    // A busy endpoint's 200 oldest deliveries: about 50 in each of the 4 shards, more than a poll of
    // 2 lanes reads past (32 a shard) while its one attempt is open.
    const slow = await hook('owner-s');
    await deliveries(slow, 200, at(-60_000));
    const fine = await hook('owner-f');
    await deliveries(fine, 3, at(-30_000));
    const fake = fakeSender(new Set([slow.url]));
    const { timer, expire } = deadlines();
    let stopping = false;
    const run = dispatching(
      store,
      {
        ...base,
        concurrency: 2,
        send: fake.send,
        timer,
        now: () => T0,
        // No more claims once the test is done (the backlog's 199 others are not its subject).
        timeLeftMs: () => (stopping ? 0 : 60_000),
      },
      () => {
        stopping = true;
        expire();
      },
    );
    try {
      // Several laps through the backlog, one for each of the 3 (one at a time to an endpoint).
      await delivered(of, [fine], 3);
      expect(fake.open(slow.url)).toBe(1);
    } finally {
      await run.finish();
    }
    expect(fake.to([slow.url])).toHaveLength(1);
  });
});

describe('DNS', () => {
  /** A resolver whose queries never answer; `cancel` ends them, as c-ares does. */
  const silentResolver = () => {
    const r = { queries: 0, cancelled: 0 };
    const pending = new Set<(e: Error) => void>();
    const query = () =>
      new Promise<string[]>((_, reject) => {
        r.queries++;
        pending.add(reject);
      });
    const resolver: DnsResolver = {
      resolve4: query,
      resolve6: query,
      cancel: () => {
        r.cancelled++;
        for (const reject of pending) reject(Object.assign(new Error('cancelled'), { code: 'ECANCELLED' }));
        pending.clear();
      },
    };
    return { r, resolver };
  };

  it('a nameserver that never answers: the attempt fails at its deadline, and the other deliveries proceed', async () => {
    const { store, hook, deliveries, of } = await setup();
    const silent = await hook('owner-dns', 'https://silent-ns.example/hooks');
    await deliveries(silent, 1, at(-60_000));
    const r = await receiver();
    const fine = await hook('owner-fine', r.url);
    await deliveries(fine, 3, at(-1_000));
    const dns = silentResolver();
    const { timer, expire } = deadlines();
    const run = dispatching(
      store,
      { ...base, concurrency: 2, resolver: () => dns.resolver, timer, now: () => T0 },
      expire,
    );

    try {
      await delivered(of, [fine], 3);
      expect(r.got).toHaveLength(3);
      expect(dns.r.queries).toBe(2); // A and AAAA of the one attempt, both still unanswered
      expect(dns.r.cancelled).toBe(0);
    } finally {
      await run.finish();
    }
    // At the deadline the queries were cancelled and the attempt recorded as unanswered.
    expect(dns.r.cancelled).toBe(1);
    const [d] = await of(silent);
    expect(d?.log).toEqual([{ at: T0.toISOString(), error: 'no answer within 10000 ms' }]);
    expect((await of(fine)).map((d) => d.status)).toEqual(Array(3).fill('delivered'));
  });

  /** A resolver answering each query with the next of `answers` (then the last) for its family. */
  const answering = (answers: { v4: string[]; v6: string[] }[]) => {
    let n4 = 0;
    let n6 = 0;
    const pick = (n: number) => answers[Math.min(n, answers.length - 1)] as { v4: string[]; v6: string[] };
    const resolver: DnsResolver = {
      resolve4: async () => pick(n4++).v4,
      resolve6: async () => pick(n6++).v6,
      cancel: () => undefined,
    };
    return () => resolver;
  };
  /** A TCP listener that counts the connections made to it. */
  const listener = async () => {
    let connections = 0;
    const server = createTcpServer((s) => {
      connections++;
      s.destroy();
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { port: (server.address() as AddressInfo).port, connections: () => connections };
  };
  const sendTo = (url: string, resolver: () => DnsResolver) =>
    httpSender({ allowLoopbackHttp: false, resolver })(
      { url, secret: 'whsec_x' },
      { payload: '{}', eventId: 'evt_1' },
      new AbortController().signal,
    );

  it('every address a host resolves to is checked, in the URL check and in the connection’s own lookup', async () => {
    const tcp = await listener();
    const url = `https://rebind.example:${tcp.port}/hooks`;
    const publicOnly = { v4: ['93.184.216.34'], v6: ['2606:2800:220:1:248:1893:25c8:1946'] };
    // One internal address among public ones, of either family: refused before connecting.
    for (const internal of [
      { v4: ['93.184.216.34', '10.0.0.7'], v6: [] },
      { v4: ['93.184.216.34'], v6: ['fd00:ec2::254'] },
    ]) {
      expect(await sendTo(url, answering([internal]))).toEqual({
        error: 'The webhook URL is not allowed: the host is a private or reserved address',
      });
    }
    // Public when checked, then the metadata service or loopback when the socket resolves it (DNS
    // rebinding): the connection's lookup refuses it.
    for (const rebound of [
      { v4: ['127.0.0.1'], v6: [] },
      { v4: ['169.254.169.254'], v6: [] },
      { v4: ['93.184.216.34'], v6: ['::1'] },
    ]) {
      expect(await sendTo(url, answering([publicOnly, rebound]))).toEqual({
        error: 'refused address for rebind.example',
      });
    }
    expect(tcp.connections()).toBe(0);
  });
});
