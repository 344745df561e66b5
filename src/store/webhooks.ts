/**
 * Webhook endpoints and their deliveries in the single table (keys in item-keys.ts).
 *
 * The signing secret is stored in the endpoint's item as is, so that deliveries can be signed: the
 * table is encrypted at rest, the secret is never logged, and no API answer but the creation's shows it.
 *
 * A delivery is durable: an item due at a time, in the sparse delivery index (`dlv`, deliveries alone:
 * table.ts deliveryIndex; until 2026-12-07 gsi1, see moveLegacyDueDeliveries) while it waits. The
 * dispatcher claims a due delivery with a lease (a conditional update), attempts it, and records the
 * outcome under the same lease. The claim counts the attempt and makes the delivery due again when its
 * next retry would be (never before the lease ends): a dispatcher that dies mid-attempt (or whose record
 * of the outcome fails) leaves the delivery to be attempted again on the usual schedule, at least once,
 * and a delivery whose last attempt never finished ends dead.
 */
import { createHash, randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { BankError } from '../domain/errors.ts';
import type { EventType } from '../domain/events.ts';
import {
  attemptErrorText,
  MAX_ATTEMPTS,
  MAX_WEBHOOKS,
  newWebhookSecret,
  type Webhook,
} from '../domain/webhooks.ts';
import { busy, commit, type Db, isConditionFailure, itemOfConditionFailure, queryAll } from './db.ts';
import type { IdempotencyStore, Replayed, RequestKey } from './idempotency.ts';
import * as keys from './item-keys.ts';
import { DUE_DELIVERY_SHARDS, shardOfId } from './keys.ts';
import { readLoginStatus } from './login-status.ts';
import { deliveryIndex, gsi1 } from './table.ts';

export const DELIVERY_TTL_SECONDS = 30 * 24 * 3600;

export interface StoredWebhook extends Webhook {
  ownerId: string;
  secret: string;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

export interface Attempt {
  at: string;
  /** The endpoint's HTTP status, when it answered. */
  statusCode?: number;
  /** Why the attempt failed without an answer (timeout, refused, forbidden address). */
  error?: string;
  manual?: boolean;
}

export interface Delivery {
  id: string;
  webhookId: string;
  ownerId: string;
  eventId: string;
  eventType: EventType;
  /** The exact body sent, every attempt the same bytes. */
  payload: string;
  status: DeliveryStatus;
  /**
   * Automatic attempts made so far, the one in progress included (counted when claimed, so that an
   * attempt that never finishes counts too); manual retries not counted.
   */
  attempts: number;
  log: Attempt[];
  nextAttemptAt: string | null;
  createdAt: string;
  leaseUntil?: string;
  /** The token of the claim that took it last (`claim`), which its `finish` is recorded under. */
  claimToken?: string;
  /**
   * As read, it is still due in gsi1, where every delivery was until 2026-12-07 (not moved yet by the
   * sweep: moveLegacyDueDeliveries). Only then does recording its outcome name gsi1's keys (to take it
   * out of gsi1): a delivery the dispatcher claims is in the delivery index, and never in gsi1 (every
   * write that puts one there takes it out of gsi1), so the dispatcher names no gsi1 key, and its role
   * may write none (src/functions.ts indexWrites).
   */
  dueInGsi1?: true;
}

/** How many attempts a delivery's log keeps (the newest). */
const LOG_SIZE = 20;
/** How long a claimed delivery is kept from other dispatchers: more than one attempt can take. */
export const LEASE_MS = 60_000;
/**
 * How long a manual send holds its endpoint (`holdForManualSend`): the `webhooks-api` function's
 * timeout (15 s, src/functions.ts) and a margin, so a hold ends by itself after a function that died.
 */
export const MANUAL_SEND_HOLD_MS = 20_000;

const toWebhook = (i: Record<string, unknown>): StoredWebhook => ({
  id: i.id as string,
  url: i.url as string,
  events: i.events as EventType[],
  createdAt: i.createdAt as string,
  ownerId: i.ownerId as string,
  secret: i.secret as string,
});

/** The endpoint as its owner sees it after creation: no secret. */
export const publicWebhook = ({ ownerId: _o, secret: _s, ...w }: StoredWebhook): Webhook => w;

const toDelivery = (i: Record<string, unknown>): Delivery => ({
  id: i.id as string,
  webhookId: i.webhookId as string,
  ownerId: i.ownerId as string,
  eventId: i.eventId as string,
  eventType: i.eventType as EventType,
  payload: i.payload as string,
  status: i.status as DeliveryStatus,
  attempts: i.attempts as number,
  log: (i.log as Attempt[] | undefined) ?? [],
  nextAttemptAt: (i.nextAttemptAt as string | null | undefined) ?? null,
  createdAt: i.createdAt as string,
  ...(i.leaseUntil ? { leaseUntil: i.leaseUntil as string } : {}),
  ...(i.claimToken ? { claimToken: i.claimToken as string } : {}),
  ...(i[gsi1.partitionKey] !== undefined || i[gsi1.sortKey] !== undefined
    ? { dueInGsi1: true as const }
    : {}),
});

/** The delivery as its owner sees it. */
export const publicDelivery = (d: Delivery) => ({
  id: d.id,
  eventId: d.eventId,
  eventType: d.eventType,
  status: d.status,
  attempts: d.log.map((a) => ({
    at: a.at,
    ...(a.statusCode === undefined ? {} : { statusCode: a.statusCode }),
    // Cut on the way out too: a delivery attempted before 2026-12-07 may hold a longer one.
    ...(a.error === undefined ? {} : { error: attemptErrorText(a.error) }),
    ...(a.manual ? { manual: true } : {}),
  })),
  nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt : null,
  createdAt: d.createdAt,
});

/** A delivery id: sorts by the event's time, and is the same for the same event and endpoint. */
export const deliveryIdOf = (eventId: string, webhookId: string, createdAt: string): string => {
  const time = Date.parse(createdAt).toString(36).padStart(9, '0');
  const hash = createHash('sha256').update(`${eventId}\u0000${webhookId}`).digest('hex').slice(0, 16);
  return `dlv_${time}${hash}`;
};

/** The log entry of an attempt whose lease ran out before it recorded an outcome. */
const lostAttempt = (leaseUntil: string): Attempt => ({
  at: new Date(Date.parse(leaseUntil) - LEASE_MS).toISOString(),
  error: 'no outcome recorded: the attempt did not finish',
});

const shardOf = (id: string): number => shardOfId(id, DUE_DELIVERY_SHARDS);
/**
 * Where an outcome or an abandon puts a delivery: due in the delivery index (`#gpk`/`#gsk`), or out of
 * it; and out of gsi1 (`#lpk`/`#lsk`) either way when it was read there (`dueInGsi1`: one made before
 * 2026-12-07 and not moved yet, a manual retry's), so that no delivery is due in both.
 */
const dueIndexNames = (d: Delivery) => ({
  names: {
    '#gsk': deliveryIndex.sortKey,
    '#gpk': deliveryIndex.partitionKey,
    ...(d.dueInGsi1 ? { '#lsk': gsi1.sortKey, '#lpk': gsi1.partitionKey } : {}),
  },
  removeLegacy: d.dueInGsi1 ? ', #lsk, #lpk' : '',
});
const dueKey = (at: string, id: string) => `${at}#${id}`;

/**
 * A webhook's registration as its idempotency record holds it: the endpoint with its secret, so that a
 * repeat whose first answer was lost still learns the secret (the record lives as long as any
 * idempotency record, in the same encrypted table as the endpoint's own item).
 */
export type WebhookRegistration = { kind: 'webhook'; webhook: Webhook & { secret: string } };

export class WebhookStore {
  constructor(
    private readonly db: Db,
    private readonly table: string,
    /** Records registrations (create); the functions that only deliver need none. */
    private readonly idempotency?: IdempotencyStore,
  ) {}

  /** The registration this key made, or undefined. The same key for another request is refused. */
  replay(
    ownerId: string,
    k: RequestKey,
    now = new Date(),
  ): Promise<Replayed<WebhookRegistration> | undefined> {
    return this.store().replay<WebhookRegistration>(ownerId, k.key, k.fingerprint, now);
  }

  /**
   * Registers an endpoint (the URL already checked), exactly once per Idempotency-Key: the record
   * commits in the same transaction, so a registration whose answer was lost, asked again, answers the
   * same endpoint and secret instead of adding a second endpoint whose secret nobody has. A refusal
   * (the limit) is not recorded: a retry after the customer deletes one is checked again.
   */
  async create(
    ownerId: string,
    input: { url: string; events: EventType[] },
    k: RequestKey,
    now = new Date(),
  ): Promise<Replayed<WebhookRegistration>> {
    const id = `wh_${randomUUID().replaceAll('-', '')}`;
    const secret = newWebhookSecret();
    const item = {
      ...keys.webhook(ownerId, id),
      entity: 'webhook',
      id,
      ownerId,
      url: input.url,
      events: [...new Set(input.events)].sort(),
      secret,
      createdAt: now.toISOString(),
    };
    const outcome: WebhookRegistration = {
      kind: 'webhook',
      webhook: { ...publicWebhook(toWebhook(item)), secret },
    };
    const r = await commit(this.db, [
      { name: 'idempotency', item: this.store().recordPut(ownerId, k.key, k.fingerprint, outcome, now) },
      {
        name: 'count',
        item: {
          Update: {
            TableName: this.table,
            Key: keys.webhookCount(ownerId),
            UpdateExpression: 'SET entity = :entity, webhooks = if_not_exists(webhooks, :zero) + :one',
            ConditionExpression: 'attribute_not_exists(webhooks) OR webhooks < :max',
            ExpressionAttributeValues: {
              ':entity': 'webhookCount',
              ':zero': 0,
              ':one': 1,
              ':max': MAX_WEBHOOKS,
            },
          },
        },
      },
      {
        name: 'webhook',
        item: { Put: { TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
      },
    ]);
    if (!r) throw busy('Could not add the webhook now: retry with the same Idempotency-Key');
    if (r.failed.length === 0) return { ...outcome, replayed: false };
    if (r.failed.includes('idempotency')) return this.store().repeatOf<WebhookRegistration>(ownerId, k, now);
    if (r.failed.includes('count')) {
      throw new BankError(
        'webhook_limit_reached',
        `A customer may have at most ${MAX_WEBHOOKS} webhook endpoints`,
      );
    }
    // Only the endpoint's own put is left, and its id is new: nothing but a fault can fail it.
    throw new Error(`webhook ${id} already exists`);
  }

  private store(): IdempotencyStore {
    if (!this.idempotency) throw new Error('WebhookStore: no IdempotencyStore to record registrations with');
    return this.idempotency;
  }

  async list(ownerId: string): Promise<StoredWebhook[]> {
    const { pk, skPrefix } = keys.webhooksOf(ownerId);
    const r = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
        ConsistentRead: true,
      }),
    );
    return (r.Items ?? [])
      .map(toWebhook)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /** The owner's endpoint, or undefined: another customer's endpoint is indistinguishable from none. */
  async get(ownerId: string, id: string): Promise<StoredWebhook | undefined> {
    const r = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.webhook(ownerId, id), ConsistentRead: true }),
    );
    return r.Item ? toWebhook(r.Item) : undefined;
  }

  /**
   * Whether the bank disabled the owner's login (the SECURITY item every guard reads): nothing is sent
   * to their endpoints meanwhile (src/handlers/deliver.ts).
   */
  async ownerDisabled(ownerId: string): Promise<boolean> {
    return (await readLoginStatus(this.db, this.table, ownerId)).disabled !== undefined;
  }

  /**
   * Holds the owner's endpoint for one manual send until `now + MANUAL_SEND_HOLD_MS`: the hold's time
   * (what `releaseManualSend` takes), or undefined while another manual send to it holds it. A manual
   * retry sends within its request, outside the dispatcher's lanes (one attempt at a time per endpoint,
   * a fair share per customer): without the hold, retries of an endpoint's many deliveries at once
   * would each hold a function for up to 10 s and send that many requests from the bank to the URL.
   * A hold whose function died ends with its time. Not found: the endpoint is gone (deleted meanwhile).
   */
  async holdForManualSend(ownerId: string, id: string, now = new Date()): Promise<string | undefined> {
    const until = new Date(now.getTime() + MANUAL_SEND_HOLD_MS).toISOString();
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.webhook(ownerId, id),
          UpdateExpression: 'SET manualSendUntil = :until',
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(manualSendUntil) OR manualSendUntil <= :now)',
          ExpressionAttributeValues: { ':until': until, ':now': now.toISOString() },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return until;
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      if (!itemOfConditionFailure(e)) throw new BankError('not_found', 'No such webhook');
      return undefined;
    }
  }

  /** Ends a manual send's hold (`holdForManualSend`), if it is still that send's. */
  async releaseManualSend(ownerId: string, id: string, until: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.webhook(ownerId, id),
          UpdateExpression: 'REMOVE manualSendUntil',
          ConditionExpression: 'manualSendUntil = :until',
          ExpressionAttributeValues: { ':until': until },
        }),
      );
    } catch (e) {
      // Ended already (its time passed and another send holds it now, or the endpoint is gone).
      if (!isConditionFailure(e)) throw e;
    }
  }

  async mustGet(ownerId: string, id: string): Promise<StoredWebhook> {
    const w = await this.get(ownerId, id);
    if (!w) throw new BankError('not_found', 'No such webhook');
    return w;
  }

  /** Deletes an endpoint; its deliveries still waiting end dead when next due. */
  async delete(ownerId: string, id: string): Promise<void> {
    const r = await commit(this.db, [
      {
        name: 'webhook',
        item: {
          Delete: {
            TableName: this.table,
            Key: keys.webhook(ownerId, id),
            ConditionExpression: 'attribute_exists(pk)',
          },
        },
      },
      {
        name: 'count',
        item: {
          Update: {
            TableName: this.table,
            Key: keys.webhookCount(ownerId),
            UpdateExpression: 'SET webhooks = webhooks - :one',
            ConditionExpression: 'webhooks > :zero',
            ExpressionAttributeValues: { ':one': 1, ':zero': 0 },
          },
        },
      },
    ]);
    if (!r) throw busy('Could not delete the webhook now: try again');
    // Gone already: a 404, unless this call's own earlier attempt (its answer lost) deleted it.
    if (r.failed.length > 0 && !r.uncertain) throw new BankError('not_found', 'No such webhook');
  }

  /** A new delivery's item, due now: written in the same transaction as its event. */
  deliveryItem(
    webhook: Pick<StoredWebhook, 'id' | 'ownerId'>,
    event: { id: string; type: EventType; createdAt: string },
    payload: string,
    now: Date,
  ): Record<string, unknown> {
    const id = deliveryIdOf(event.id, webhook.id, event.createdAt);
    const at = now.toISOString();
    return {
      ...keys.delivery(webhook.id, id),
      entity: 'delivery',
      id,
      webhookId: webhook.id,
      ownerId: webhook.ownerId,
      eventId: event.id,
      eventType: event.type,
      payload,
      status: 'pending',
      attempts: 0,
      log: [],
      nextAttemptAt: at,
      createdAt: at,
      [deliveryIndex.partitionKey]: keys.dueDeliveryShard(shardOf(id)),
      [deliveryIndex.sortKey]: dueKey(at, id),
      expiresAt: Math.floor(now.getTime() / 1000) + DELIVERY_TTL_SECONDS,
    };
  }

  /**
   * One page of an endpoint's deliveries, newest first. Read on until one more than the page is found
   * (which tells whether another page exists) or the deliveries end: a Query stops at 1 MB, and a
   * delivery keeps the body it sends (a transfer's metadata: over 10 KB), so one Query may hold fewer.
   */
  async deliveries(
    webhookId: string,
    opts: { limit: number; start?: Record<string, unknown> },
  ): Promise<{ items: Delivery[]; last?: Record<string, unknown> }> {
    const { pk, skPrefix } = keys.deliveriesOf(webhookId);
    const all = await queryAll(this.db, this.table, pk, skPrefix, {
      ScanIndexForward: false,
      max: opts.limit + 1,
      start: opts.start,
    });
    const items = all.slice(0, opts.limit);
    const lastItem = items[items.length - 1];
    return {
      items: items.map(toDelivery),
      ...(all.length > opts.limit && lastItem ? { last: { pk: lastItem.pk, sk: lastItem.sk } } : {}),
    };
  }

  async delivery(webhookId: string, id: string): Promise<Delivery | undefined> {
    const r = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.delivery(webhookId, id), ConsistentRead: true }),
    );
    return r.Item ? toDelivery(r.Item) : undefined;
  }

  /**
   * Deliveries due by `now`, oldest first, from every shard of the delivery index: up to `limit` of those
   * not skipped. `skip` makes a predicate, asked once per delivery read, oldest first: one for each
   * shard, and one more for the shards' deliveries together. Skipped ones are read past (further pages,
   * up to `scan` read per shard), so that a backlog the caller cannot take now (an endpoint already
   * busy) does not hide the rest.
   *
   * A backlog longer than `scan` would still hide what is due after it, call after call: with a `lap`
   * (see DueLap) each read goes on where the last one stopped.
   */
  async due(
    now: Date,
    limit: number,
    opts: {
      skip?: () => (d: Delivery) => boolean;
      scan?: number;
      lap?: DueLap;
    } = {},
  ): Promise<Delivery[]> {
    const scan = opts.scan ?? limit;
    const shard = async (n: number): Promise<Delivery[]> => {
      const skip = opts.skip?.();
      const kept: Delivery[] = [];
      let read = 0;
      if (opts.lap?.finished(n)) return [];
      let start = opts.lap?.from(n);
      do {
        const page = await this.db.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: deliveryIndex.indexName,
            KeyConditionExpression: '#pk = :pk AND #sk <= :now',
            ExpressionAttributeNames: { '#pk': deliveryIndex.partitionKey, '#sk': deliveryIndex.sortKey },
            ExpressionAttributeValues: {
              ':pk': keys.dueDeliveryShard(n),
              ':now': `${now.toISOString()}#\uffff`,
            },
            Limit: limit,
            ExclusiveStartKey: start,
          }),
        );
        read += page.Items?.length ?? 0;
        for (const d of (page.Items ?? []).map(toDelivery)) if (!skip?.(d)) kept.push(d);
        start = page.LastEvaluatedKey;
      } while (start && kept.length < limit && read < scan);
      opts.lap?.stopped(n, kept.length < limit ? start : 'full');
      return kept;
    };
    const shards = await Promise.all(Array.from({ length: DUE_DELIVERY_SHARDS }, (_, n) => shard(n)));
    const skip = opts.skip?.();
    return shards
      .flat()
      .sort((a, b) => (a.nextAttemptAt ?? '').localeCompare(b.nextAttemptAt ?? ''))
      .filter((d) => !skip?.(d))
      .slice(0, limit);
  }

  /**
   * Takes a delivery for one attempt: no other dispatcher (or manual retry) attempts it until the
   * lease is over. Undefined if taken.
   *
   * `due` claims only a pending delivery still as read (due, the same attempts), and counts the attempt
   * now: the delivery is due again at `retryAt` (when a failed attempt would be retried; undefined for
   * the last attempt), or when the lease ends if that is later. So an attempt that never records its
   * outcome (the dispatcher died, or the record failed) is retried on the usual schedule, and after the
   * last one the delivery is found due with no attempt left ({@link abandon}). A claim that finds the
   * previous lease run out logs that attempt as lost, manual or not: only while that lease is the one it
   * read, so an attempt recorded in between is never called lost (the claim is then refused, and the
   * delivery read again later). A manual claim (`due: false`) counts nothing and leaves the schedule as
   * it is.
   */
  async claim(
    d: Delivery,
    now: Date,
    opts: { due: false } | { due: true; retryAt: Date | undefined },
  ): Promise<Delivery | undefined> {
    const lease = new Date(now.getTime() + LEASE_MS);
    // Whose claim it is: the SDK's second attempt after a lost answer meets the claim its first made,
    // and takes it as this call's (before, it was refused: the attempt counted and the delivery held,
    // unsent, until the lease ran out; a review found it).
    const token = randomUUID();
    const values: Record<string, unknown> = { ':lease': lease.toISOString(), ':token': token };
    const names: Record<string, string> = {};
    let condition = d.leaseUntil
      ? 'leaseUntil = :read AND leaseUntil <= :now'
      : 'attribute_exists(pk) AND attribute_not_exists(leaseUntil)';
    let update = 'SET leaseUntil = :lease, claimToken = :token';
    if (d.leaseUntil) {
      update += ', #log = list_append(if_not_exists(#log, :none), :lost)';
      Object.assign(names, { '#log': 'log' });
      Object.assign(values, {
        ':read': d.leaseUntil,
        ':now': now.toISOString(),
        ':none': [],
        ':lost': [lostAttempt(d.leaseUntil)],
      });
    }
    if (opts.due) {
      const next = (opts.retryAt && opts.retryAt > lease ? opts.retryAt : lease).toISOString();
      condition += ' AND #status = :pending AND nextAttemptAt = :next AND attempts = :attempts';
      update += ', attempts = :counted, nextAttemptAt = :retry, #gsk = :gsk';
      Object.assign(names, { '#status': 'status', '#gsk': deliveryIndex.sortKey });
      Object.assign(values, {
        ':pending': 'pending',
        ':next': d.nextAttemptAt,
        ':attempts': d.attempts,
        ':counted': d.attempts + 1,
        ':retry': next,
        ':gsk': dueKey(next, d.id),
      });
    }
    try {
      const r = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.delivery(d.webhookId, d.id),
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeNames: Object.keys(names).length > 0 ? names : undefined,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return r.Attributes ? toDelivery(r.Attributes) : undefined;
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      const old = itemOfConditionFailure(e);
      return old?.claimToken === token ? toDelivery(old) : undefined;
    }
  }

  /**
   * A due delivery with no attempt left ({@link MAX_ATTEMPTS} counted: its last attempt never recorded
   * an outcome) becomes dead, that attempt logged as lost. Undefined if it changed since it was read.
   */
  async abandon(d: Delivery, now: Date): Promise<Delivery | undefined> {
    if (d.attempts < MAX_ATTEMPTS) throw new Error(`delivery ${d.id} has attempts left`);
    const due = dueIndexNames(d);
    try {
      const r = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.delivery(d.webhookId, d.id),
          UpdateExpression: `SET #log = list_append(if_not_exists(#log, :none), :lost), #status = :dead, nextAttemptAt = :null REMOVE leaseUntil, #gsk, #gpk${due.removeLegacy}`,
          ConditionExpression:
            'attribute_exists(pk) AND #status = :pending AND nextAttemptAt = :next AND attempts = :attempts AND (attribute_not_exists(leaseUntil) OR leaseUntil <= :now)',
          ExpressionAttributeNames: { '#log': 'log', '#status': 'status', ...due.names },
          ExpressionAttributeValues: {
            ':none': [],
            ':lost': [lostAttempt(d.leaseUntil ?? now.toISOString())],
            ':dead': 'dead',
            ':null': null,
            ':pending': 'pending',
            ':next': d.nextAttemptAt,
            ':attempts': d.attempts,
            ':now': now.toISOString(),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return r.Attributes ? toDelivery(r.Attributes) : undefined;
    } catch (e) {
      if ((e as Error).name === 'ConditionalCheckFailedException') return undefined;
      throw e;
    }
  }

  /**
   * Records an attempt of a claimed delivery and releases the lease: delivered, due again at `next`,
   * or dead. A manual attempt that fails leaves the status and the schedule as they were. (An automatic
   * attempt was counted by its claim.)
   */
  async finish(
    d: Delivery,
    attempt: Attempt,
    outcome: { delivered: boolean; next?: Date | undefined },
  ): Promise<Delivery> {
    // Every entry's error cut (attemptErrorText): the new one's, and any kept whole before 2026-12-07.
    const log = [...d.log, attempt]
      .slice(-LOG_SIZE)
      .map((a) => (a.error === undefined ? a : { ...a, error: attemptErrorText(a.error) }));
    let status: DeliveryStatus = d.status;
    let nextAttemptAt = d.nextAttemptAt;
    if (outcome.delivered) {
      status = 'delivered';
      nextAttemptAt = null;
    } else if (!attempt.manual) {
      status = outcome.next ? 'pending' : 'dead';
      nextAttemptAt = outcome.next?.toISOString() ?? null;
    }
    const due = status === 'pending' && nextAttemptAt;
    const index = dueIndexNames(d);
    const r = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.delivery(d.webhookId, d.id),
        UpdateExpression: `SET #log = :log, #status = :status, nextAttemptAt = :next${
          due ? ', #gsk = :gsk, #gpk = :gpk' : ''
        } REMOVE leaseUntil${due ? '' : ', #gsk, #gpk'}${index.removeLegacy}`,
        // Under the lease it was claimed with; or, its lease gone and the claim still its own, the
        // SDK's second attempt after a lost answer meeting what its first recorded (the same values
        // set again; before, it was refused and the dispatcher logged a recorded attempt as not recorded).
        ConditionExpression: d.claimToken
          ? 'leaseUntil = :lease OR (attribute_not_exists(leaseUntil) AND claimToken = :token)'
          : 'leaseUntil = :lease',
        ExpressionAttributeNames: { '#log': 'log', '#status': 'status', ...index.names },
        ExpressionAttributeValues: {
          ':log': log,
          ':status': status,
          ':next': nextAttemptAt,
          ':lease': d.leaseUntil,
          ...(d.claimToken ? { ':token': d.claimToken } : {}),
          ...(due
            ? { ':gsk': dueKey(nextAttemptAt as string, d.id), ':gpk': keys.dueDeliveryShard(shardOf(d.id)) }
            : {}),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toDelivery(r.Attributes ?? {});
  }

  // ---------- email notification preferences ----------

  async preferences(ownerId: string): Promise<NotificationPreferences> {
    const r = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.notifications(ownerId), ConsistentRead: true }),
    );
    return preferencesOf(r.Item);
  }

  async setPreferences(ownerId: string, prefs: NotificationPreferences): Promise<NotificationPreferences> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...keys.notifications(ownerId), entity: 'notifications', email: prefs.email },
      }),
    );
    return prefs;
  }
}

export interface NotificationPreferences {
  email: { incoming: boolean; withdrawals: boolean; holds: boolean };
}

export const defaultPreferences: NotificationPreferences = {
  email: { incoming: true, withdrawals: true, holds: true },
};

/** A customer's preferences from their item (keys.notifications), the defaults where it says nothing. */
export const preferencesOf = (item: Record<string, unknown> | undefined): NotificationPreferences => ({
  email: { ...defaultPreferences.email, ...(item?.email as object | undefined) },
});

/** How many deliveries still due in gsi1 one sweep run reads to move (moveLegacyDueDeliveries). */
export const LEGACY_DUE_PER_RUN = 100;

/**
 * Moves deliveries still due in gsi1 (`DUE#<shard>`, as every delivery was until 2026-12-07) to the
 * delivery index, with the same keys: the dispatcher reads that index alone, so a delivery a deployed
 * table held due in gsi1 is attempted once moved. Reads at most `limit` of them (oldest first, shard by
 * shard: the sweep calls it each run, LEGACY_DUE_PER_RUN), keys only. Each move is conditioned on the
 * gsi1 keys it read: one changed since (an older dispatcher's claim, during a deploy) is left for the
 * next run, read again. Only delivery items (WEBHOOK#<id>/DELIVERY#<id>) are moved; anything else there
 * is left (the sweep may write nothing else in WEBHOOK#, and nothing of another partition is a
 * delivery the dispatcher could claim). Once no table holds a DUE# entry in gsi1, this and the sweep's
 * WEBHOOK# partition can go.
 */
export const moveLegacyDueDeliveries = async (
  db: Db,
  table: string,
  limit = LEGACY_DUE_PER_RUN,
): Promise<{ seen: number; moved: number }> => {
  let seen = 0;
  let moved = 0;
  const names = {
    '#lpk': gsi1.partitionKey,
    '#lsk': gsi1.sortKey,
    '#gpk': deliveryIndex.partitionKey,
    '#gsk': deliveryIndex.sortKey,
  };
  for (let n = 0; n < DUE_DELIVERY_SHARDS && seen < limit; n++) {
    const page = await db.send(
      new QueryCommand({
        TableName: table,
        IndexName: gsi1.indexName,
        KeyConditionExpression: '#lpk = :pk',
        ProjectionExpression: 'pk, sk, #lpk, #lsk',
        ExpressionAttributeNames: { '#lpk': names['#lpk'], '#lsk': names['#lsk'] },
        ExpressionAttributeValues: { ':pk': keys.dueDeliveryShard(n) },
        Limit: limit - seen,
      }),
    );
    for (const i of page.Items ?? []) {
      seen++;
      if (!String(i.pk).startsWith('WEBHOOK#') || !String(i.sk).startsWith('DELIVERY#')) continue;
      try {
        await db.send(
          new UpdateCommand({
            TableName: table,
            Key: { pk: i.pk, sk: i.sk },
            UpdateExpression: 'SET #gpk = :pk, #gsk = :sk REMOVE #lpk, #lsk',
            ConditionExpression: '#lpk = :pk AND #lsk = :sk',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ':pk': i[gsi1.partitionKey], ':sk': i[gsi1.sortKey] },
          }),
        );
        moved++;
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
      }
    }
  }
  return { seen, moved };
};

/**
 * One reader's way through the due queue, `scan` at a time, from one read to the next (the dispatcher
 * keeps one for its run). A shard whose read stopped at `scan` with room left (it found only deliveries
 * the reader could not take: one endpoint's long backlog) goes on from there the next time; one that
 * reached its end is not read again until no shard has anything left to go on with (the lap is over),
 * then all start from their oldest again. So whatever one endpoint has waiting, what is due after it is
 * reached within a lap.
 */
export class DueLap {
  private readonly at = new Map<number, Record<string, unknown> | 'end'>();

  /** Where shard `n`'s next read begins (undefined: its oldest). */
  from(n: number): Record<string, unknown> | undefined {
    const a = this.at.get(n);
    return a === 'end' ? undefined : a;
  }

  /** Shard `n` reached its end in this lap. */
  finished(n: number): boolean {
    return this.at.get(n) === 'end';
  }

  /**
   * A read of shard `n` stopped: at `start` with room left, at its end (undefined), or with enough found
   * ('full': the next read of it begins at its oldest again).
   */
  stopped(n: number, start: Record<string, unknown> | undefined | 'full'): void {
    if (start === 'full') this.at.delete(n);
    else this.at.set(n, start ?? 'end');
  }

  /** Some shard's read stopped partway: the next read goes on there (the lap is not over). */
  more(): boolean {
    return [...this.at.values()].some((a) => a !== 'end');
  }

  /** Before a read: a new lap if the last one is over. True when this read begins one (every shard from its oldest). */
  begin(): boolean {
    if (this.more()) return false;
    this.at.clear();
    return true;
  }
}
