/**
 * What a transfer costs on AWS: DynamoDB units per operation, measured on DynamoDB Local with the
 * real stores (capacity.ts), and the list prices of the services one transfer goes through.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { RouteEntry } from '../src/api/routes.ts';
import type { Config } from '../src/config.ts';
import { type CustomerEvent, eventsFromChange, type Image } from '../src/domain/events.ts';
import { type FunctionDef, functions } from '../src/functions.ts';
import { views } from '../src/handlers/stream.ts';
import { localClientConfig } from '../src/local/bootstrap.ts';
import { AccountStore } from '../src/store/accounts.ts';
import { createDocumentClient, type Db } from '../src/store/db.ts';
import { EventStore } from '../src/store/events.ts';
import { IdempotencyStore, type Outcome } from '../src/store/idempotency.ts';
import * as keys from '../src/store/item-keys.ts';
import { LedgerStore } from '../src/store/ledger.ts';
import { readLoginStatus } from '../src/store/login-status.ts';
import { numberCheckHooks, RateCounter } from '../src/store/rate-counter.ts';
import { WebhookStore } from '../src/store/webhooks.ts';
import { type CapacityCall, describeCalls, tallyCapacity, type Units, unitsOf } from './capacity.ts';
import type { BenchAccount, Customer } from './population.ts';
import { median } from './stats.ts';

/** List prices, us-east-1, as of the November 2024 DynamoDB on-demand price cut. */
export const PRICES = {
  region: 'us-east-1',
  /** API Gateway HTTP API, per million requests (first 300 million a month). */
  httpApiPerMillion: 1.0,
  /** Lambda, per million requests. */
  lambdaRequestsPerMillion: 0.2,
  /** Lambda on arm64, per GB-second. */
  lambdaArmPerGbSecond: 0.0000133334,
  /** DynamoDB on-demand, per million write request units. */
  dynamoWritePerMillion: 0.625,
  /** DynamoDB on-demand, per million read request units. */
  dynamoReadPerMillion: 0.125,
} as const;

export interface CostPerMillion {
  apiGateway: number;
  lambdaRequests: number;
  lambdaDuration: number;
  dynamodb: number;
  total: number;
}

/** US dollars per million operations of `units` that keep a Lambda of `memoryMB` busy `lambdaMs`. */
export const costPerMillion = (
  input: { units: Units; lambdaMs: number; memoryMB: number },
  prices: typeof PRICES = PRICES,
): CostPerMillion => {
  const cents = (v: number) => Math.round(v * 10_000) / 10_000;
  // Lambda bills duration rounded up to the millisecond.
  const gbSeconds = (Math.ceil(input.lambdaMs) / 1000) * (input.memoryMB / 1024);
  const parts = {
    apiGateway: prices.httpApiPerMillion,
    lambdaRequests: prices.lambdaRequestsPerMillion,
    lambdaDuration: gbSeconds * 1_000_000 * prices.lambdaArmPerGbSecond,
    dynamodb: input.units.wru * prices.dynamoWritePerMillion + input.units.rru * prices.dynamoReadPerMillion,
  };
  return {
    apiGateway: cents(parts.apiGateway),
    lambdaRequests: cents(parts.lambdaRequests),
    lambdaDuration: cents(parts.lambdaDuration),
    dynamodb: cents(parts.dynamodb),
    total: cents(parts.apiGateway + parts.lambdaRequests + parts.lambdaDuration + parts.dynamodb),
  };
};

/** The memory the function registry (src/functions.ts) gives the function behind `route`. */
export const lambdaMemory = (route: Pick<RouteEntry, 'fn'>): { memoryMB: number; source: string } => ({
  memoryMB: (functions[route.fn] as FunctionDef).memoryMb,
  source: `src/functions.ts (${route.fn})`,
});

/**
 * The events the stream function derives from a journal's INSERT (src/handlers/stream.ts), from the
 * journal as stored: a posted transfer gives both customers a `transaction.posted`.
 */
export const eventsOfJournal = async (db: Db, table: string, journalId: string): Promise<CustomerEvent[]> => {
  const stored = await db.send(
    new GetCommand({ TableName: table, Key: keys.journal(journalId), ConsistentRead: true }),
  );
  return eventsFromChange(undefined, stored.Item as Image, new Date().toISOString(), views);
};

/**
 * Stores events as the stream function does, with the real EventStore (and no webhook endpoints).
 * An event found already stored would cost only its look-ups, not what storing one costs: it throws.
 */
export const storeEvents = async (db: Db, table: string, events: readonly CustomerEvent[]): Promise<void> => {
  const store = new EventStore(db, table, new WebhookStore(db, table));
  for (const e of events)
    if ((await store.record(e)) !== 'stored') throw new Error(`bench: event ${e.id} was already stored`);
};

export interface OperationUnits extends Units {
  /** The calls one operation made, e.g. `GetItem×1 + TransactWriteItems×1`. */
  calls: string;
}

export type CostedOperation =
  | 'deposit'
  | 'withdrawal'
  | 'transfer'
  | 'transferCachedRecipient'
  | 'transferFromOtherAccount'
  | 'pendingTransfer'
  | 'post'
  | 'void'
  | 'refund'
  | 'historyPage'
  | 'transferEvents';

/** The money movements, for the cost-per-million table (historyPage is a read). */
export const MOVEMENTS = [
  'transfer',
  'transferFromOtherAccount',
  'deposit',
  'withdrawal',
  'pendingTransfer',
  'post',
  'void',
  'refund',
] as const satisfies readonly CostedOperation[];
export type Movement = (typeof MOVEMENTS)[number];

/**
 * Units per operation, each run `repeat` times with the real stores on the stack's table (median).
 * `transfer` uses a fresh store, so the recipient's number is looked up as on a new Lambda instance;
 * `transferCachedRecipient` is the same transfer again on a warm one; `transferFromOtherAccount` is one
 * from the customer's second account, which does not carry the customer's daily counters (their first
 * account does: store/accounts.ts limitHost), so its counter is an item more. `pendingTransfer` places a hold;
 * `post` posts a second pending transfer in full, `void` voids a third (so each is measured on a live
 * hold); `refund` is the recipient refunding part of the posted `transfer`. Every operation must
 * commit: a declined one (a limit, say) would measure the wrong transaction, so it throws.
 */
export const measureUnits = async (opts: {
  endpoint: string;
  table: string;
  config: Config;
  customer: Customer;
  recipient: BenchAccount;
  repeat: number;
  keyPrefix: string;
}): Promise<Record<CostedOperation, OperationUnits>> => {
  const client = new DynamoDBClient(localClientConfig(opts.endpoint));
  const reader = new DynamoDBClient(localClientConfig(opts.endpoint));
  const tally = tallyCapacity(client, reader);
  const db = createDocumentClient(client);
  const stores = () => {
    const accounts = new AccountStore(db, opts.table);
    const idempotency = new IdempotencyStore(db, opts.table, opts.config.idempotencyTtlSeconds);
    const ledger = new LedgerStore(db, opts.table, accounts, idempotency, {
      systemShards: opts.config.systemShards,
      dailyLimit: opts.config.dailyLimit,
      // The population's funding may have used the day's deposit cap; the counter is written either way.
      dailyDepositLimit: Number.MAX_SAFE_INTEGER,
      // As the handlers count account numbers: a transfer reads the customer's count beside its recipient.
      ...numberCheckHooks(new RateCounter(db, opts.table)),
    });
    return { accounts, ledger };
  };
  const { sub } = opts.customer;
  const from = opts.customer.sending;
  const runs: Record<CostedOperation, CapacityCall[][]> = {
    deposit: [],
    withdrawal: [],
    transfer: [],
    transferCachedRecipient: [],
    transferFromOtherAccount: [],
    pendingTransfer: [],
    post: [],
    void: [],
    refund: [],
    historyPage: [],
    transferEvents: [],
  };
  const committed = (op: string, outcome: Outcome): string => {
    if (outcome.kind !== 'journal')
      throw new Error(`bench: ${op} declined (${outcome.code}): ${outcome.detail}`);
    return outcome.journal.id;
  };
  /**
   * Runs `fn` tallied. A customer route's guard reads the caller's login status (src/handlers/gate.ts)
   * before its handler: through the API an operation makes that read too (`by`: the caller), and the
   * stream function's work (`by` undefined) does not.
   */
  const record = async (
    op: CostedOperation,
    fn: () => Promise<Outcome | undefined>,
    by: string | undefined = sub,
  ): Promise<string | undefined> => {
    tally.take();
    if (by !== undefined) await readLoginStatus(db, opts.table, by);
    const outcome = await fn();
    runs[op].push(tally.take());
    return outcome && committed(op, outcome);
  };
  /** Runs untallied (setting up what an operation acts on). */
  const untallied = async (op: string, fn: () => Promise<Outcome>): Promise<string> => {
    tally.take();
    const id = committed(op, await fn());
    tally.take();
    return id;
  };
  for (let i = 0; i < opts.repeat; i++) {
    const key = (op: string) => `${opts.keyPrefix}-${op}-${i}`;
    const base = { user: sub, fingerprint: `cost-${i}`, amount: 10 };
    const { accounts, ledger } = stores();
    await record('deposit', () =>
      ledger.deposit({ ...base, idempotencyKey: key('deposit'), accountId: from.id }),
    );
    await record('withdrawal', () =>
      ledger.withdraw({ ...base, idempotencyKey: key('withdrawal'), accountId: from.id }),
    );
    const transfer =
      (k: string, pending = false) =>
      () =>
        ledger.transfer({
          ...base,
          idempotencyKey: key(k),
          fromAccountId: from.id,
          toAccountNumber: opts.recipient.number,
          currency: from.currency,
          ...(pending ? { pending: true } : {}),
        });
    const transferId = await record('transfer', transfer('transfer'));
    // What the stream function stores for that transfer: its journal's INSERT gives both customers a
    // `transaction.posted`, each stored with the real EventStore (webhook look-up, counter read, and
    // the counter, event and mark in one transaction). The journal is read as stored, untallied.
    // Under ids of their own: the stack's stream function stores the transfer's events too, and may
    // store them first (it did, with customers stored side by side: commit 59b6687, reverted), which
    // left this measuring a duplicate's look-ups (0 WRU). The same customers, counters and sizes: the
    // same cost.
    const derived = (await eventsOfJournal(db, opts.table, transferId as string)).map((e) => ({
      ...e,
      id: `${e.id}-cost`,
    }));
    tally.take();
    if (derived.length !== 2) throw new Error(`bench: a transfer gave ${derived.length} events, not 2`);
    await record(
      'transferEvents',
      async () => {
        await storeEvents(db, opts.table, derived);
        return undefined;
      },
      undefined,
    );
    await record('transferCachedRecipient', transfer('transfer-again'));
    const other = opts.customer.receiving[0];
    if (!other) throw new Error('bench: the customer has no second account');
    await untallied('deposit', () =>
      ledger.deposit({ ...base, idempotencyKey: key('fund-other'), accountId: other.id }),
    );
    await record('transferFromOtherAccount', () =>
      ledger.transfer({
        ...base,
        idempotencyKey: key('transfer-other'),
        fromAccountId: other.id,
        toAccountNumber: opts.recipient.number,
        currency: other.currency,
      }),
    );
    await record('pendingTransfer', transfer('pending', true));
    const toPost = await untallied('pending', transfer('pending-to-post', true));
    await record('post', () =>
      ledger.post({ user: sub, fingerprint: `cost-${i}`, idempotencyKey: key('post'), journalId: toPost }),
    );
    const toVoid = await untallied('pending', transfer('pending-to-void', true));
    await record('void', () =>
      ledger.void({ user: sub, fingerprint: `cost-${i}`, idempotencyKey: key('void'), journalId: toVoid }),
    );
    await record(
      'refund',
      () =>
        stores().ledger.refund({
          user: opts.recipient.ownerId,
          fingerprint: `cost-${i}`,
          idempotencyKey: key('refund'),
          journalId: transferId as string,
          amount: 4,
        }),
      opts.recipient.ownerId,
    );
    await record('historyPage', async () => {
      await accounts.mustGet(sub, from.id);
      await ledger.postings(from.id, { limit: 25 });
      return undefined;
    });
  }
  client.destroy();
  reader.destroy();
  const summary = (calls: CapacityCall[][]): OperationUnits => {
    const units = calls.map(unitsOf);
    return {
      rru: median(units.map((u) => u.rru)),
      wru: median(units.map((u) => u.wru)),
      calls: describeCalls(calls[0] ?? []),
    };
  };
  return Object.fromEntries(Object.entries(runs).map(([op, calls]) => [op, summary(calls)])) as Record<
    CostedOperation,
    OperationUnits
  >;
};
