/**
 * Events, webhooks and emails offline, end to end on the emulators: DynamoDB Local's stream read by the
 * local poller (src/local/streams.ts) feeding the real stream handler, which invokes the real notifier
 * through the local Invoke endpoint (src/local/async-invoke.ts), the dispatcher
 * delivering to receivers on free ports, and aws-ses-v2-local receiving the emails.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { call } from '../../test/api.ts';
import { createTestTable, dynamoClients, emulators, useHandlerEnv } from '../../test/harness.ts';
import { utcDay, withinOnePeriod } from '../../test/periods.ts';
import { verifySignature } from '../domain/webhooks.ts';
import { type AsyncInvokeEndpoint, startAsyncInvoke } from '../local/async-invoke.ts';
import { LOCAL_REGION } from '../local/bootstrap.ts';
import { contextFor } from '../local/functions.ts';
import { scheduledEvent } from '../local/scheduler.ts';
import { sentEmails } from '../local/ses.ts';
import { type StreamPoller, startStreamPoller } from '../local/streams.ts';
import { createDocumentClient } from '../store/db.ts';
import * as keys from '../store/item-keys.ts';
import { UserStore } from '../store/users.ts';
import { ledger } from './context.ts';
import { dispatchDue, OWNER_DISABLED } from './deliver.ts';
import { handler as dispatcher } from './dispatcher.ts';
import { webhooks } from './events-context.ts';
import { handler as notifier } from './notifier.ts';
import type { NotifierPayload } from './notify.ts';
import { handler as scheduledTransfers } from './scheduled-transfers.ts';
import { handler as streamHandler } from './stream.ts';

let table: string;
let poller: StreamPoller;
let lambda: AsyncInvokeEndpoint;
let restore: () => void;
/** Every batch the poller gave the stream consumer. */
const batches: DynamoDBRecord[][] = [];
/** The event ids the notifier was given (and has processed). */
const notified = new Set<string>();

beforeAll(async () => {
  table = await createTestTable('events', { stream: true });
  lambda = await startAsyncInvoke({
    region: LOCAL_REGION,
    retryDelayMs: () => 0,
    handlers: {
      notifier: async (payload: NotifierPayload, context) => {
        const r = await notifier(payload, context);
        for (const e of payload.events) notified.add(e.id);
        return r;
      },
    },
  });
  restore = useHandlerEnv({
    TABLE_NAME: table,
    BANK_NOTIFIER_FUNCTION: 'notifier',
    AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
    BANK_WEBHOOK_ALLOW_LOOPBACK: 'true',
    BANK_WEBHOOK_RETRY_SCALE: '0.0001',
    AWS_ENDPOINT_URL_SESV2: emulators().sesEndpoint,
  });
  poller = await startStreamPoller({
    dynamodbEndpoint: emulators().dynamodbEndpoint,
    tableName: table,
    region: LOCAL_REGION,
    pollMs: 50,
    onBatch: (fn, records) => {
      if (fn === 'stream') batches.push(records);
    },
  });
});
afterAll(async () => {
  await poller?.stop();
  await lambda?.stop();
  restore?.();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

// ---------- receivers ----------

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}
const servers: Server[] = [];

/**
 * A webhook receiver on a free port: answers each delivery with the next status of `script` (then the
 * last). A request that is not a delivery (no `bank-event-id`) is answered 404 and kept apart in
 * `strays`: a free port is free to every process of the suite, and a stack starting beside this file
 * may have picked it a moment before (its readiness checks would then reach here), so only deliveries
 * may use up the script.
 */
const receiver = async (
  script: (number | 'hang')[],
  onRequest?: (r: Received) => void,
  /** Awaited before an answer is sent. */
  beforeAnswer?: () => Promise<void>,
): Promise<{ url: string; got: Received[]; strays: string[]; open: () => number }> => {
  const got: Received[] = [];
  const strays: string[] = [];
  let open = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const r = { headers: req.headers, body };
      if (req.headers['bank-event-id'] === undefined) {
        strays.push(`${req.method} ${req.url}`);
        res.writeHead(404).end();
        return;
      }
      const step = script[Math.min(got.length, script.length - 1)];
      got.push(r);
      onRequest?.(r);
      if (step === 'hang') {
        open++;
        req.socket.on('close', () => open--);
        return;
      }
      void (beforeAnswer?.() ?? Promise.resolve()).then(() => res.writeHead(step as number).end());
    });
  });
  servers.push(server);
  server.closeAllConnections?.();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks`, got, strays, open: () => open };
};

// ---------- customers ----------

const newUser = async () => {
  const sub = `u-${randomUUID()}`;
  await new UserStore(createDocumentClient(dynamoClients().client), table).create({
    userId: sub,
    email: `${sub}@example.com`,
    name: 'Test',
    createdAt: new Date().toISOString(),
  });
  return sub;
};
const open = async (user: string) =>
  (await call('openAccount', { user, body: { type: 'checking', currency: 'EUR' } })).body as {
    id: string;
    number: string;
  };
const deposit = (user: string, id: string, amount: number) =>
  call('deposit', { user, params: { id }, body: { amount }, headers: { 'idempotency-key': randomUUID() } });
const transfer = (user: string, fromAccountId: string, toAccountNumber: string, amount: number) =>
  call('transfer', {
    user,
    body: { fromAccountId, toAccountNumber, amount, currency: 'EUR' },
    headers: { 'idempotency-key': randomUUID() },
  });
const hook = async (user: string, url: string, events: string[] = ['transaction.posted']) => {
  const r = await call('createWebhook', {
    user,
    body: { url, events },
    headers: { 'idempotency-key': randomUUID() },
  });
  expect(r.status).toBe(201);
  return r.body as { id: string; secret: string };
};
// biome-ignore lint/suspicious/noExplicitAny: event bodies are asserted field by field
const eventsOf = async (user: string, query: Record<string, string> = {}): Promise<any[]> =>
  (await call('listEvents', { user, query })).body.items;
const waitForEvents = (user: string, n: number, query: Record<string, string> = {}) =>
  vi.waitFor(
    async () => {
      const items = await eventsOf(user, query);
      expect(items.length).toBeGreaterThanOrEqual(n);
      return items;
    },
    { timeout: 15_000, interval: 50 },
  );
const deliveriesOf = async (user: string, webhookId: string) =>
  (await call('listDeliveries', { user, params: { id: webhookId } })).body.items as {
    id: string;
    eventId: string;
    status: string;
    attempts: { statusCode?: number; error?: string; manual?: boolean }[];
  }[];
/**
 * Waits until the webhook has `n` deliveries, which the stream function makes a moment after the
 * events: as long as the events themselves may take on a busy machine, not vi.waitFor's 1 s default.
 */
const waitForDeliveries = (user: string, webhookId: string, n: number) =>
  vi.waitFor(
    async () => {
      const ds = await deliveriesOf(user, webhookId);
      expect(ds).toHaveLength(n);
      return ds;
    },
    { timeout: 15_000, interval: 50 },
  );
const dispatch = () =>
  dispatcher(scheduledEvent('dispatcher', LOCAL_REGION, new Date()), contextFor('dispatcher', LOCAL_REGION));

/** Alice pays Bob; both have accounts. */
const payment = async (amount = 2500) => {
  const [alice, bob] = [await newUser(), await newUser()];
  const [a, b] = [await open(alice), await open(bob)];
  expect((await deposit(alice, a.id, Math.max(100_000, amount * 4))).status).toBe(201);
  return { alice, bob, a, b, pay: () => transfer(alice, a.id, b.number, amount) };
};

describe('events', () => {
  it('account.opened and the transfer’s own view for each side, oldest first, with a cursor', async () => {
    const { alice, bob, a, b, pay } = await payment();
    expect((await pay()).status).toBe(201);
    const bobs = await waitForEvents(bob, 2);
    expect(bobs.map((e) => e.type)).toEqual(['account.opened', 'transaction.posted']);
    const incoming = bobs[1];
    expect(incoming.data).toMatchObject({
      type: 'transfer',
      amount: 2500,
      currency: 'EUR',
      toAccountId: b.id,
    });
    expect(incoming.data.fromAccountNumber).toBe(a.number);
    expect(JSON.stringify(incoming)).not.toContain(a.id);
    const alices = await waitForEvents(alice, 3);
    expect(alices.map((e) => e.type)).toEqual(['account.opened', 'transaction.posted', 'transaction.posted']);
    expect(alices[2].data).toMatchObject({ fromAccountId: a.id, balanceAfter: 97_500 });
    expect(JSON.stringify(alices)).not.toContain(b.id);

    // Paging: one at a time, then polling on from the last cursor finds nothing new.
    const first = (await call('listEvents', { user: alice, query: { limit: '1' } })).body;
    expect(first.items.map((e: { id: string }) => e.id)).toEqual([alices[0].id]);
    expect(first.hasMore).toBe(true);
    const rest = (await call('listEvents', { user: alice, query: { after: first.nextCursor, limit: '5' } }))
      .body;
    expect(rest.items.map((e: { id: string }) => e.id)).toEqual([alices[1].id, alices[2].id]);
    expect(rest.hasMore).toBe(false);
    const none = (await call('listEvents', { user: alice, query: { after: rest.nextCursor } })).body;
    expect(none).toEqual({ items: [], nextCursor: rest.nextCursor, hasMore: false });
    // A type filter.
    expect((await eventsOf(alice, { type: 'account.opened' })).map((e) => e.id)).toEqual([alices[0].id]);
  });

  it('closing an account gives account.closed', async () => {
    const u = await newUser();
    const acct = await open(u);
    expect((await call('closeAccount', { user: u, params: { id: acct.id } })).status).toBe(200);
    const items = await waitForEvents(u, 2);
    expect(items.map((e) => [e.type, e.data.status])).toEqual([
      ['account.opened', 'active'],
      ['account.closed', 'closed'],
    ]);
  });

  it('stream replay: the same batch given again makes no second event and no second delivery', async () => {
    const { bob, pay } = await payment();
    const r = await receiver([200]);
    const w = await hook(bob, r.url);
    const seen = batches.length;
    expect((await pay()).status).toBe(201);
    await waitForEvents(bob, 2);
    const before = { events: await eventsOf(bob), deliveries: await deliveriesOf(bob, w.id) };
    expect(before.deliveries).toHaveLength(1);
    const replay = batches.slice(seen).flat();
    expect(replay.length).toBeGreaterThan(0);
    for (let i = 0; i < 2; i++) {
      const res = await streamHandler({ Records: replay }, contextFor('stream', LOCAL_REGION));
      expect(res.batchItemFailures).toEqual([]);
    }
    expect(await eventsOf(bob)).toEqual(before.events);
    expect(await deliveriesOf(bob, w.id)).toEqual(before.deliveries);
  });
});

describe('the ledger lifecycle', () => {
  it('pending, void, expiry (emailed), post and refund: one event per change per customer, each what that customer GETs', async () => {
    const since = Date.now() - 1000;
    const { alice, bob, a, b } = await payment();
    const seen = batches.length;
    const idem = () => ({ 'idempotency-key': randomUUID() });
    const pending = async (amount: number, expiresInSeconds?: number) => {
      const r = await call('transfer', {
        user: alice,
        body: {
          fromAccountId: a.id,
          toAccountNumber: b.number,
          amount,
          currency: 'EUR',
          pending: true,
          metadata: { ref: 'alice-secret' },
          ...(expiresInSeconds ? { expiresInSeconds } : {}),
        },
        headers: idem(),
      });
      expect(r.status).toBe(201);
      return r.body;
    };
    const asSeenBy = async (user: string, id: string) => {
      const r = await call('getTransaction', { user, params: { id } });
      expect(r.status).toBe(200);
      return r.body;
    };
    // What each customer would GET right after each change: the events' data must be exactly that.
    const voidMe = await pending(1000);
    const expireMe = await pending(1100, 3600);
    const postMe = await pending(1200);
    const voided = await call('voidTransfer', { user: alice, params: { id: voidMe.id }, headers: idem() });
    expect(voided.status).toBe(200);
    const posted = await call('postTransfer', {
      user: alice,
      params: { id: postMe.id },
      body: {},
      headers: idem(),
    });
    expect(posted.status).toBe(200);
    const bobsPosted = await asSeenBy(bob, postMe.id);
    // The sweeper, with a clock past the one hold's expiry (and before the others').
    expect(await ledger().expireDue(new Date(Date.parse(expireMe.expiresAt) + 1000))).toEqual({
      expired: 1,
      seen: 1,
      failed: [],
    });
    const expired = await asSeenBy(alice, expireMe.id);
    expect(expired.status).toBe('expired');
    const refund = await call('refund', {
      user: bob,
      params: { id: postMe.id },
      body: { amount: 200, metadata: { ref: 'bob-secret' } },
      headers: idem(),
    });
    expect(refund.status).toBe(201);
    const alicesRefund = await asSeenBy(alice, refund.body.id);

    const key = (e: { type: string; data: { id: string } }) => `${e.type} ${e.data.id}`;
    const byKey = (list: { type: string; data: { id: string } }[]) =>
      Object.fromEntries(list.map((e) => [key(e), e.data]));
    const movements = (list: { id: string; type: string; data: { id: string; type: string } }[]) =>
      list.filter((e) => e.type.startsWith('transaction.') && e.data.type !== 'deposit');
    const alices = movements(await waitForEvents(alice, 9));
    const bobs = movements(await waitForEvents(bob, 3));
    expect(byKey(alices)).toEqual({
      [`transaction.pending ${voidMe.id}`]: voidMe,
      [`transaction.pending ${expireMe.id}`]: expireMe,
      [`transaction.pending ${postMe.id}`]: postMe,
      [`transaction.voided ${voidMe.id}`]: voided.body,
      [`transaction.expired ${expireMe.id}`]: expired,
      [`transaction.posted ${postMe.id}`]: posted.body,
      [`transaction.refunded ${refund.body.id}`]: alicesRefund,
    });
    expect(byKey(bobs)).toEqual({
      [`transaction.posted ${postMe.id}`]: bobsPosted,
      [`transaction.refunded ${refund.body.id}`]: refund.body,
    });
    // Exactly one event per change and customer (the maps above would hide a second one).
    expect(alices).toHaveLength(7);
    expect(bobs).toHaveLength(2);
    expect(new Set([...alices, ...bobs].map((e) => e.id)).size).toBe(9);
    // Never the other side's account id or metadata.
    expect(bobsPosted).toMatchObject({ toAccountId: b.id, fromAccountNumber: a.number });
    expect(JSON.stringify(bobs)).not.toMatch(new RegExp(`${a.id}|alice-secret`));
    expect(JSON.stringify(alices)).not.toMatch(new RegExp(`${b.id}|bob-secret`));

    // The expired hold is emailed to its sender, once.
    const mail = await vi.waitFor(
      async () => {
        const got = (await sentEmails(emulators().sesEndpoint, since)).filter((m) =>
          m.destination.to.includes(`${alice}@example.com`),
        );
        expect(got.map((m) => m.subject)).toContain('Your pending transfer of €11.00 expired');
        return got;
      },
      { timeout: 15_000, interval: 100 },
    );
    expect(mail.filter((m) => /expired/.test(m.subject))).toHaveLength(1);

    // Replaying every batch those changes gave adds no event.
    const replay = batches.slice(seen).flat();
    const before = [await eventsOf(alice), await eventsOf(bob)];
    for (let i = 0; i < 2; i++) {
      const res = await streamHandler({ Records: replay }, contextFor('stream', LOCAL_REGION));
      expect(res.batchItemFailures).toEqual([]);
    }
    expect([await eventsOf(alice), await eventsOf(bob)]).toEqual(before);
  }, 40_000);
});

describe('webhooks', () => {
  it('a receiver gets the transfer’s event, signed: the signature and the id check out', async () => {
    const { bob, b, pay } = await payment();
    const r = await receiver([200]);
    const w = await hook(bob, r.url);
    expect(w.secret).toMatch(/^whsec_/);
    expect((await pay()).status).toBe(201);
    const [, posted] = await waitForEvents(bob, 2);
    await vi.waitFor(
      async () => {
        await dispatch();
        expect(r.got).toHaveLength(1);
      },
      { timeout: 15_000, interval: 100 },
    );
    const got = r.got[0] as Received;
    expect(got.headers['bank-event-id']).toBe(posted.id);
    expect(verifySignature(String(got.headers['bank-signature']), got.body, w.secret)).toBe(true);
    expect(verifySignature(String(got.headers['bank-signature']), got.body, `${w.secret}x`)).toBe(false);
    expect(JSON.parse(got.body)).toEqual(posted);
    expect(JSON.parse(got.body).data.toAccountId).toBe(b.id);
    const [d] = await deliveriesOf(bob, w.id);
    expect(d).toMatchObject({ eventId: posted.id, status: 'delivered', attempts: [{ statusCode: 200 }] });
  });

  it('500, 500, then 200: delivered on the third attempt', async () => {
    const { bob, pay } = await payment();
    const r = await receiver([500, 500, 200]);
    const w = await hook(bob, r.url);
    expect((await pay()).status).toBe(201);
    await waitForEvents(bob, 2);
    await vi.waitFor(
      async () => {
        await dispatch();
        const [d] = await deliveriesOf(bob, w.id);
        expect(d?.status).toBe('delivered');
      },
      { timeout: 15_000, interval: 50 },
    );
    const ds = await deliveriesOf(bob, w.id);
    // Everything seen, in each failure's message: it tells a lost attempt from a request that was not one.
    const seen = JSON.stringify({
      deliveries: ds,
      got: r.got.map((g) => g.headers['bank-event-id']),
      strays: r.strays,
    });
    // Strays do not fail the test (they use up nothing), but are worth knowing of when they come.
    if (r.strays.length > 0) console.log(`requests that were not deliveries: ${seen}`);
    expect(ds, seen).toHaveLength(1);
    const [d] = ds;
    expect(
      d?.attempts.map((a) => a.statusCode),
      seen,
    ).toEqual([500, 500, 200]);
    expect(
      r.got.map((g) => g.headers['bank-event-id']),
      seen,
    ).toEqual(Array(3).fill(d?.eventId));
  });

  it('a receiver that never answers ends dead, and another endpoint keeps receiving meanwhile', async () => {
    const { bob, pay } = await payment(100);
    const hang = await receiver(['hang']);
    const whileHanging: number[] = [];
    // The healthy endpoint's first request is answered once a request to the hanging one is open
    // (5 s at most; past the attempts' 600 ms deadline that fine attempt fails and is retried at once,
    // and the deliveries still end delivered), and notes how many are: only a dispatcher that sends
    // to both at once gets that answer with one open. The others are answered at once. (200 ms, then
    // 450, was too little on a loaded 2-core runner: the hanging request was not open yet.)
    const fine = await receiver([200], undefined, async () => {
      if (whileHanging.length === 0)
        await vi
          .waitFor(() => expect(hang.open()).toBeGreaterThan(0), { timeout: 5_000, interval: 5 })
          .catch(() => undefined);
      whileHanging.push(hang.open());
    });
    const h = await hook(bob, hang.url);
    const f = await hook(bob, fine.url);
    for (let i = 0; i < 3; i++) expect((await pay()).status).toBe(201);
    await waitForEvents(bob, 4);
    await waitForDeliveries(bob, f.id, 3);
    const s = { allowLoopbackHttp: true, retryScale: 0.0001, timeoutMs: 600, pollMs: 20 };
    await vi.waitFor(
      async () => {
        await dispatchDue(webhooks(), s);
        const dead = await deliveriesOf(bob, h.id);
        expect(dead.map((d) => d.status)).toEqual(['dead', 'dead', 'dead']);
      },
      { timeout: 45_000, interval: 50 },
    );
    const dead = await deliveriesOf(bob, h.id);
    for (const d of dead) {
      expect(d.attempts).toHaveLength(9);
      expect(d.attempts.every((a) => a.statusCode === undefined && /no answer/.test(a.error ?? ''))).toBe(
        true,
      );
    }
    expect((await deliveriesOf(bob, f.id)).map((d) => d.status)).toEqual([
      'delivered',
      'delivered',
      'delivered',
    ]);
    // The healthy endpoint was served while requests to the hanging one were open.
    expect(whileHanging.some((n) => n > 0)).toBe(true);

    // A manual retry of a dead delivery sends it now; it is kept, and its attempts show it.
    const target = dead[0] as { id: string };
    const retried = await call('retryDelivery', { user: bob, params: { id: h.id, deliveryId: target.id } });
    expect(retried.status).toBe(200);
    expect(retried.body.status).toBe('dead');
    expect(retried.body.attempts.at(-1)).toMatchObject({ manual: true });
  }, 60_000);

  it('a manual retry that gets a 2xx delivers a dead delivery', async () => {
    const { bob, pay } = await payment();
    const r = await receiver([410, 410, 410, 410, 410, 410, 410, 410, 410, 204]);
    const w = await hook(bob, r.url);
    expect((await pay()).status).toBe(201);
    await waitForEvents(bob, 2);
    await vi.waitFor(
      async () => {
        await dispatch();
        expect((await deliveriesOf(bob, w.id))[0]?.status).toBe('dead');
      },
      { timeout: 20_000, interval: 50 },
    );
    const [d] = await deliveriesOf(bob, w.id);
    const r2 = await call('retryDelivery', { user: bob, params: { id: w.id, deliveryId: d?.id ?? '' } });
    expect(r2.body).toMatchObject({ status: 'delivered', nextAttemptAt: null });
    expect(r2.body.attempts.at(-1)).toMatchObject({ statusCode: 204, manual: true });
  }, 40_000);

  it('nothing is sent to the endpoints of a login the bank disabled: the delivery ends dead saying why, and a manual retry sends it once enabled again', async () => {
    const { bob, pay } = await payment();
    const r = await receiver([200]);
    const w = await hook(bob, r.url);
    expect((await pay()).status).toBe(201);
    await waitForDeliveries(bob, w.id, 1);
    // Staff disable the login (the SECURITY item's mark every guard reads), as for a stolen one.
    const status = (UpdateExpression: string, values?: Record<string, string>) =>
      createDocumentClient(dynamoClients().client).send(
        new UpdateCommand({
          TableName: table,
          Key: keys.security(bob),
          UpdateExpression,
          ...(values ? { ExpressionAttributeValues: values } : {}),
        }),
      );
    await status('SET disabledAt = :at, disabledReason = :why', {
      ':at': new Date().toISOString(),
      ':why': 'stolen login',
    });
    expect((await call('listWebhooks', { user: bob })).body.code).toBe('user_disabled');
    expect(await dispatch()).toMatchObject({ attempted: 1, delivered: 0 });
    expect(r.got).toEqual([]);
    await status('REMOVE disabledAt, disabledReason');
    const [d] = await deliveriesOf(bob, w.id);
    expect(d).toMatchObject({ status: 'dead', attempts: [{ error: OWNER_DISABLED }] });
    expect(r.got).toEqual([]);
    const again = await call('retryDelivery', { user: bob, params: { id: w.id, deliveryId: d?.id ?? '' } });
    expect(again.body).toMatchObject({ status: 'delivered' });
    expect(r.got).toHaveLength(1);
  });

  it('a manual retry while an attempt holds the delivery is 409 delivery_in_progress, not a 5xx', async () => {
    const { bob, pay } = await payment();
    const w = await hook(bob, 'http://127.0.0.1:9/h');
    expect((await pay()).status).toBe(201);
    const [listed] = await waitForDeliveries(bob, w.id, 1);
    const stored = await webhooks().delivery(w.id, listed?.id ?? '');
    if (!stored) throw new Error('no delivery stored');
    expect(await webhooks().claim(stored, new Date(), { due: false })).toBeDefined();
    const r = await call('retryDelivery', { user: bob, params: { id: w.id, deliveryId: stored.id } });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('delivery_in_progress');
    expect(r.headers['retry-after']).toBe('10');
  });

  it('one manual retry at a time per endpoint: another delivery of it retried meanwhile is 409, and is sent once the first ends', async () => {
    const { bob, pay } = await payment();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const r = await receiver([204], undefined, () => gate);
    const w = await hook(bob, r.url);
    expect((await pay()).status).toBe(201);
    expect((await pay()).status).toBe(201);
    const [first, second] = await waitForDeliveries(bob, w.id, 2);
    const retry = (deliveryId: string) =>
      call('retryDelivery', { user: bob, params: { id: w.id, deliveryId } });
    const sending = retry(first?.id ?? '');
    // The first is at the endpoint, which has not answered yet.
    await vi.waitFor(() => expect(r.got).toHaveLength(1), { timeout: 10_000, interval: 20 });
    const meanwhile = await retry(second?.id ?? '');
    expect(meanwhile.status).toBe(409);
    expect(meanwhile.body.code).toBe('delivery_in_progress');
    expect(meanwhile.headers['retry-after']).toBe('10');
    expect(r.got).toHaveLength(1);
    release();
    expect((await sending).body).toMatchObject({ status: 'delivered' });
    // Ended: the endpoint is free again.
    expect((await retry(second?.id ?? '')).body).toMatchObject({ status: 'delivered' });
    expect(r.got).toHaveLength(2);
  });

  it("a manual send's hold on its endpoint ends with its time: one whose function died holds it no longer", async () => {
    const { bob, pay } = await payment();
    const r = await receiver([204]);
    const w = await hook(bob, r.url);
    expect((await pay()).status).toBe(201);
    const [d] = await waitForDeliveries(bob, w.id, 1);
    const hold = (until: Date) =>
      createDocumentClient(dynamoClients().client).send(
        new UpdateCommand({
          TableName: table,
          Key: keys.webhook(bob, w.id),
          UpdateExpression: 'SET manualSendUntil = :until',
          ExpressionAttributeValues: { ':until': until.toISOString() },
        }),
      );
    const retry = () => call('retryDelivery', { user: bob, params: { id: w.id, deliveryId: d?.id ?? '' } });
    await hold(new Date(Date.now() + 60_000));
    expect((await retry()).body.code).toBe('delivery_in_progress');
    expect(r.got).toEqual([]);
    await hold(new Date(Date.now() - 1));
    expect((await retry()).body).toMatchObject({ status: 'delivered' });
    expect(r.got).toHaveLength(1);
    // The endpoint as its owner reads it says nothing of the hold.
    expect(Object.keys((await call('getWebhook', { user: bob, params: { id: w.id } })).body).sort()).toEqual([
      'createdAt',
      'events',
      'id',
      'url',
    ]);
  });

  it('endpoints: the secret is shown once, at most 5, URL rules, delete', async () => {
    const u = await newUser();
    const bad = await call('createWebhook', {
      user: u,
      body: { url: 'http://169.254.169.254/latest', events: ['account.opened'] },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('invalid_webhook_url');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await hook(u, `http://127.0.0.1:${9000 + i}/h`)).id);
    const sixth = await call('createWebhook', {
      user: u,
      body: { url: 'http://127.0.0.1:9999/h', events: ['account.opened'] },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(sixth.status).toBe(409);
    expect(sixth.body.code).toBe('webhook_limit_reached');
    const got = await call('getWebhook', { user: u, params: { id: ids[0] as string } });
    expect(got.status).toBe(200);
    expect(got.body).not.toHaveProperty('secret');
    const list = await call('listWebhooks', { user: u });
    expect(list.body.items.map((w: { id: string }) => w.id).sort()).toEqual([...ids].sort());
    expect(JSON.stringify(list.body)).not.toContain('whsec_');
    expect((await call('deleteWebhook', { user: u, params: { id: ids[0] as string } })).status).toBe(204);
    expect((await call('getWebhook', { user: u, params: { id: ids[0] as string } })).status).toBe(404);
    expect((await hook(u, 'http://127.0.0.1:9998/h')).id).toMatch(/^wh_/);

    // Registered once per Idempotency-Key: a repeat answers the same endpoint and secret, and says so.
    const keyless = await call('createWebhook', {
      user: u,
      body: { url: 'http://127.0.0.1:9997/h', events: ['account.opened'] },
    });
    expect(keyless.status).toBe(400);
    expect(keyless.body.code).toBe('idempotency_key_required');
    await call('deleteWebhook', { user: u, params: { id: ids[1] as string } });
    const key = { 'idempotency-key': randomUUID() };
    const body = { url: 'http://127.0.0.1:9996/h', events: ['account.opened'] };
    const first = await call('createWebhook', { user: u, body, headers: key });
    const again = await call('createWebhook', { user: u, body, headers: key });
    expect(first.status).toBe(201);
    expect(first.headers?.['idempotent-replayed']).toBeUndefined();
    expect(again.status).toBe(201);
    expect(again.headers?.['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(again.headers?.location).toBe(`/v1/webhooks/${first.body.id}`);
    const listed = await call('listWebhooks', { user: u });
    expect(listed.body.items.filter((w: { url: string }) => w.url === body.url)).toHaveLength(1);
    const other = await call('createWebhook', {
      user: u,
      body: { ...body, url: 'http://127.0.0.1:9995/h' },
      headers: key,
    });
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency_key_reused');
  });
});

describe('BOLA', () => {
  it('another customer’s webhook, deliveries and events give 404 or nothing', async () => {
    const { bob, pay } = await payment();
    const mallory = await newUser();
    const r = await receiver([200]);
    const w = await hook(bob, r.url);
    expect((await pay()).status).toBe(201);
    await waitForEvents(bob, 2);
    const [d] = await waitForDeliveries(bob, w.id, 1);
    for (const [op, params] of [
      ['getWebhook', { id: w.id }],
      ['deleteWebhook', { id: w.id }],
      ['listDeliveries', { id: w.id }],
      ['retryDelivery', { id: w.id, deliveryId: d?.id ?? '' }],
    ] as const) {
      const res = await call(op, { user: mallory, params });
      expect(res.status, op).toBe(404);
    }
    expect((await call('listWebhooks', { user: mallory })).body.items).toEqual([]);
    expect(await eventsOf(mallory)).toEqual([]);
    const bobsCursor = (await call('listEvents', { user: bob, query: { limit: '1' } })).body.nextCursor;
    const stolen = await call('listEvents', { user: mallory, query: { after: bobsCursor } });
    expect(stolen.status).toBe(400);
    expect(stolen.body.code).toBe('invalid_cursor');
    // Bob's endpoint is still there.
    expect((await call('getWebhook', { user: bob, params: { id: w.id } })).status).toBe(200);
  });
});

describe('email notifications', () => {
  it('the incoming transfer is emailed through SES: the amount and the last 4 digits only', async () => {
    const since = Date.now() - 1000;
    const { bob, a, b, pay } = await payment(123_456);
    expect((await pay()).status).toBe(201);
    const to = `${bob}@example.com`;
    const email = await vi.waitFor(
      async () => {
        const mail = (await sentEmails(emulators().sesEndpoint, since)).filter((m) =>
          m.destination.to.includes(to),
        );
        expect(mail).toHaveLength(1);
        return mail[0];
      },
      { timeout: 15_000, interval: 100 },
    );
    expect(email?.subject).toBe('You received €1,234.56');
    for (const body of [email?.body.text, email?.body.html]) {
      expect(body).toContain('€1,234.56');
      expect(body).toContain(`••••${b.number.slice(-4)}`);
      expect(body).not.toContain(b.number);
      expect(body).not.toContain(a.number);
    }
  });

  it('a scheduled run that cannot pay: schedule.run_failed, and its owner is emailed why, even opted out of the rest', async ({
    skip,
  }) => {
    // Its schedule starts today (UTC) and runs today: a run into the next day is skipped, not failed.
    await withinOnePeriod(skip, utcDay, async () => {
      const since = Date.now() - 1000;
      const [alice, bob] = [await newUser(), await newUser()];
      const [a, b] = [await open(alice), await open(bob)];
      const off = { email: { incoming: false, withdrawals: false, holds: false } };
      expect((await call('putNotifications', { user: alice, body: off })).status).toBe(200);
      const today = new Date().toISOString().slice(0, 10);
      const created = await call('createSchedule', {
        user: alice,
        headers: { 'idempotency-key': randomUUID() },
        body: {
          fromAccountId: a.id,
          toAccountNumber: b.number,
          amount: 2500,
          currency: 'EUR',
          startDate: today,
          frequency: 'once',
        },
      });
      expect(created.status).toBe(201);
      expect(await scheduledTransfers({ time: new Date().toISOString() })).toMatchObject({
        failed: 1,
        succeeded: 0,
      });
      const [failed] = await waitForEvents(alice, 1, { type: 'schedule.run_failed' });
      expect(failed).toMatchObject({
        type: 'schedule.run_failed',
        data: {
          scheduleId: created.body.id,
          runDate: today,
          errorCode: 'insufficient_funds',
          amount: 2500,
          currency: 'EUR',
        },
      });
      const email = await vi.waitFor(
        async () => {
          const mail = (await sentEmails(emulators().sesEndpoint, since)).filter((m) =>
            m.destination.to.includes(`${alice}@example.com`),
          );
          expect(mail).toHaveLength(1);
          return mail[0];
        },
        { timeout: 15_000, interval: 100 },
      );
      expect(email?.subject).toBe('Your scheduled transfer of €25.00 was not paid');
      expect(email?.body.text).toContain('not enough money available');
      expect(await eventsOf(bob, { type: 'schedule.run_failed' })).toEqual([]);
    });
  });

  it('preferences: GET the defaults, PUT them; an opted-out customer gets no email', async () => {
    const since = Date.now() - 1000;
    const { bob: u, pay } = await payment();
    expect((await call('getNotifications', { user: u })).body).toEqual({
      email: { incoming: true, withdrawals: true, holds: true },
    });
    const prefs = { email: { incoming: false, withdrawals: true, holds: false } };
    expect((await call('putNotifications', { user: u, body: prefs })).body).toEqual(prefs);
    expect((await call('getNotifications', { user: u })).body).toEqual(prefs);
    const bad = await call('putNotifications', { user: u, body: { email: { incoming: 'yes' } } });
    expect(bad.status).toBe(400);
    expect((await pay()).status).toBe(201);
    const [, posted] = await waitForEvents(u, 2);
    await vi.waitFor(() => expect(notified.has(posted.id)).toBe(true), { timeout: 15_000, interval: 50 });
    const mail = await sentEmails(emulators().sesEndpoint, since);
    expect(mail.filter((m) => m.destination.to.includes(`${u}@example.com`))).toEqual([]);
  });
});
