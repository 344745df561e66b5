import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { BankError } from '../domain/errors.ts';
import { gated } from './guard-gate.ts';
import { again, boundByDeadline, done, isTransient, retry } from './retry.ts';

/**
 * Time limits on every DynamoDB call: a connection that does not open, or a request that does not
 * answer, fails fast (as a retryable `TimeoutError`) instead of using up the Lambda's time.
 * The SDK's own retries (3 attempts, with backoff) stay on for single calls.
 */
export const DYNAMODB_TIMEOUTS = {
  connectionTimeout: 1_000,
  requestTimeout: 3_000,
  // Without it this SDK only logs a warning when the request timeout passes, and goes on waiting.
  throwOnRequestTimeout: true,
} as const;

/**
 * Takes the SDK's logger middleware out of a client (the handlers' clients: DynamoDB, Cognito, S3,
 * SES, Secrets Manager). It runs on every call whether or not a logger is configured: with the
 * default no-op logger it still copies each call's input and output through their schemas'
 * sensitive-data filters, for a log line nobody writes. That was 3.9 % of the local stack's busy CPU
 * in a profile of a quick bench run, and about 5 % of the CPU a DynamoDB call costs its caller
 * (GetItems and TransactWriteItems against DynamoDB Local, medians of 9 rounds of 2,000 calls). No
 * client here is given a logger: what a handler calls is in its own logs (src/api/logger.ts), and the
 * SDK's errors reach it as before.
 */
export const withoutSdkLogger = <C extends { middlewareStack: { remove: (name: string) => boolean } }>(
  client: C,
): C => {
  client.middlewareStack.remove('loggerMiddleware');
  return client;
};

/**
 * What every AWS client of the handlers gets (DynamoDB, Cognito, S3): no SDK logger, no call waiting
 * past the invocation's deadline (`boundByDeadline`), and no call but a read sent before a customer
 * route's guard has let the request through (`gated`, src/store/guard-gate.ts).
 */
export const forHandlers = <
  C extends { middlewareStack: { add: (...a: never[]) => unknown; remove: (name: string) => boolean } },
>(
  client: C,
): C => withoutSdkLogger(boundByDeadline(gated(client)));

/** The handlers' DynamoDB client: the SDK's standard configuration, plus the time limits above (`forHandlers`). */
export const createDynamoClient = (): DynamoDBClient =>
  forHandlers(new DynamoDBClient({ requestHandler: { ...DYNAMODB_TIMEOUTS } }));

/**
 * A DocumentClient. The endpoint comes from the SDK's standard configuration
 * (AWS_ENDPOINT_URL_DYNAMODB locally), so the same code runs against DynamoDB Local and AWS.
 */
export const createDocumentClient = (client: DynamoDBClient = createDynamoClient()): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });

export type Db = DynamoDBDocumentClient;

/** An item's key. */
export type ItemKey = { pk: string; sk: string };

/** What BatchGetItem takes in one request. */
export const BATCH_GET_MAX = 100;

/**
 * Items by key, strongly consistent, in BatchGetItem requests of up to 100 keys sent side by side
 * (one round trip where GetItems would make one each). Keys DynamoDB leaves unprocessed (throttling,
 * its 16 MB cap) are asked again through the one retry helper. Returns the items found, in no order;
 * `undefined` when the retries or the Lambda's time ran out with keys still unread.
 */
export const getMany = async (
  db: Db,
  table: string,
  keys: readonly ItemKey[],
): Promise<Record<string, unknown>[] | undefined> => {
  const found: Record<string, unknown>[] = [];
  let pending: ItemKey[] = [...keys];
  const read = await retry(async () => {
    const left: ItemKey[] = [];
    const requests: Promise<void>[] = [];
    for (let i = 0; i < pending.length; i += BATCH_GET_MAX) {
      const Keys = pending.slice(i, i + BATCH_GET_MAX);
      requests.push(
        db
          .send(new BatchGetCommand({ RequestItems: { [table]: { Keys, ConsistentRead: true } } }))
          .then((r) => {
            found.push(...(r.Responses?.[table] ?? []));
            left.push(...((r.UnprocessedKeys?.[table]?.Keys ?? []) as ItemKey[]));
          }),
      );
    }
    await Promise.all(requests);
    pending = left;
    return pending.length === 0 ? done(true) : again;
  });
  return read ? found : undefined;
};

/** Items (getMany's, in no order) found by their key: the item at a key, or undefined. */
export const byItemKey = (
  items: readonly Record<string, unknown>[],
): ((key: ItemKey) => Record<string, unknown> | undefined) => {
  const at = new Map(items.map((i) => [`${i.pk}\u0000${i.sk}`, i]));
  return (key) => at.get(`${key.pk}\u0000${key.sk}`);
};

/** A single write's condition failed (ConditionalCheckFailedException). */
export const isConditionFailure = (e: unknown): boolean =>
  (e as Error)?.name === 'ConditionalCheckFailedException';

/**
 * The item as it stood when a single write's condition failed, asked for with
 * `ReturnValuesOnConditionCheckFailure: 'ALL_OLD'`: the exception carries it in DynamoDB's own JSON
 * (the DocumentClient does not convert it). Undefined for any other error, or when there was no item.
 */
export const itemOfConditionFailure = (e: unknown): Record<string, unknown> | undefined => {
  if (!isConditionFailure(e)) return undefined;
  const raw = (e as { Item?: Parameters<typeof unmarshall>[0] }).Item;
  return raw ? unmarshall(raw) : undefined;
};

/** The reason codes of a cancelled transaction, one per action (`None` for actions that passed). */
export const cancellationCodes = (e: unknown): string[] | undefined => {
  const err = e as { name?: string; CancellationReasons?: { Code?: string }[] };
  if (err?.name !== 'TransactionCanceledException') return undefined;
  return (err.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
};

export type TransactItem = NonNullable<NonNullable<TransactWriteCommand['input']['TransactItems']>[number]>;

/** The key of the item a transaction's action writes or checks. */
export const itemKeyOf = (t: TransactItem): ItemKey | undefined => {
  const k = (t.Put?.Item ?? t.Update?.Key ?? t.Delete?.Key ?? t.ConditionCheck?.Key) as
    | Partial<ItemKey>
    | undefined;
  return k?.pk !== undefined && k.sk !== undefined ? { pk: String(k.pk), sk: String(k.sk) } : undefined;
};

/** Whether an action creates its item: a Put on `attribute_not_exists` (a new journal, say). */
export const createsItem = (t: TransactItem): boolean =>
  t.Put?.ConditionExpression === 'attribute_not_exists(pk)';

/**
 * Every item of one partition (whose sort key begins with `prefix`, if given), page after page,
 * strongly consistent unless told otherwise: for small partitions read whole (a customer's accounts,
 * schedules, login locks). `max`: the first `max` items only (in `ScanIndexForward`'s order);
 * `start`: after this key (a page's position).
 */
export const queryAll = async (
  db: Db,
  table: string,
  pk: string,
  prefix?: string,
  opts: Pick<
    QueryCommandInput,
    'ProjectionExpression' | 'ExpressionAttributeNames' | 'ScanIndexForward' | 'ConsistentRead'
  > & { max?: number; start?: Record<string, unknown> } = {},
): Promise<Record<string, unknown>[]> => {
  const { max, start: from, ...query } = opts;
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined = from;
  do {
    const r = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: prefix === undefined ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ...(prefix === undefined ? {} : { ':prefix': prefix }) },
        ConsistentRead: true,
        ...query,
        ...(max === undefined ? {} : { Limit: max - items.length }),
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(r.Items ?? []));
    start = r.LastEvaluatedKey;
  } while (start && (max === undefined || items.length < max));
  return items;
};

/** One item of a transaction, named for what it is, so that a cancellation reason can say which failed. */
export interface Piece<N extends string = string> {
  name: N;
  item: TransactItem;
}

/** Why one piece failed: its reason code (`ConditionalCheckFailed`, `TransactionConflict`...). */
export interface Failure {
  code: string;
}

export type Committed<N extends string> =
  | { ok: true }
  | { ok: false; error: unknown; failed: Partial<Record<N, Failure>>; codes?: string[] };

/**
 * Commits the pieces in one TransactWriteItems. A cancelled transaction comes back as `ok: false`
 * with its reasons mapped to the pieces' names (never read by position), and so does a retryable
 * fault of the whole request (a throttle, a timeout); any other error is thrown.
 */
export const transact = async <N extends string>(
  db: Db,
  pieces: readonly Piece<N>[],
): Promise<Committed<N>> => {
  // Cancellation reasons come back by position and are mapped to names: two pieces of one name would
  // make one's failure look like the other's.
  const names = new Set<string>();
  for (const p of pieces) {
    if (names.has(p.name)) throw new Error(`transaction pieces must have distinct names: ${p.name} twice`);
    names.add(p.name);
  }
  try {
    await db.send(new TransactWriteCommand({ TransactItems: pieces.map((p) => p.item) }));
    return { ok: true };
  } catch (e) {
    const codes = cancellationCodes(e);
    // A throttle or a timeout of the whole request: the caller may try again.
    if (!codes && isTransient(e, undefined)) return { ok: false, error: e, failed: {} };
    if (!codes) throw e;
    const failed: Partial<Record<N, Failure>> = {};
    pieces.forEach((p, i) => {
      const code = codes[i];
      if (code && code !== 'None') failed[p.name] = { code };
    });
    return { ok: false, error: e, failed, codes };
  }
};

/**
 * Thrown while building a piece that finds its action already committed: an earlier attempt of the
 * same request wrote it and lost its answer (an audit record already in its chain: AuditStore.piece).
 * The action is done; the caller answers what it did instead of writing it again.
 */
export class AlreadyCommitted extends Error {
  override name = 'AlreadyCommitted';
}

/** The names of the pieces whose condition failed. */
export const conditionFailed = <N extends string>(failed: Partial<Record<N, Failure>>): N[] =>
  (Object.keys(failed) as N[]).filter((n) => failed[n]?.code === 'ConditionalCheckFailed');

/** The answer when the retries or the Lambda's time ran out: 503, to be sent again as it was. */
export const busy = (detail: string): BankError =>
  new BankError('service_unavailable', detail, { retryAfter: 1 });

/** What `commit` came to: the names of the pieces whose condition failed (none: committed). */
export interface Settled<N extends string> {
  failed: N[];
  /**
   * An earlier attempt of this call failed without an answer (a timeout, a fault of DynamoDB's):
   * it may have committed, so a piece that failed may have failed on this call's own earlier write.
   */
  uncertain: boolean;
}

/**
 * Commits pieces that depend on no read, trying again (the one retry helper) while the transaction
 * fails for a transient reason only: a conflict with another transaction (AWS cancels one of two that
 * overlap on an item), a throttle, a timeout. A condition that fails is an answer, not a retry.
 * `undefined`: the retries or the Lambda's time ran out (the caller answers 503). Pieces that depend
 * on a read go through `retry` and `transact` themselves, reading again on each attempt.
 */
export const commit = async <N extends string>(
  db: Db,
  pieces: readonly Piece<N>[],
): Promise<Settled<N> | undefined> => {
  let uncertain = false;
  return retry(async () => {
    const r = await transact(db, pieces);
    if (r.ok) return done({ failed: [], uncertain });
    const failed = conditionFailed(r.failed);
    if (failed.length > 0) return done({ failed, uncertain });
    if (!isTransient(r.error, r.codes)) throw r.error;
    // Cancelled (a conflict) means nothing was written; no answer at all may mean it was.
    if (!r.codes) uncertain = true;
    return again;
  });
};
