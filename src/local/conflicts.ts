/**
 * AWS's transaction-conflict rules, emulated offline. DynamoDB Local runs transactions one at a time
 * and never reports a conflict; DynamoDB does (see "Transaction conflict handling in DynamoDB" in the
 * developer guide). This middleware, added to a DynamoDB client's middleware stack (a DocumentClient
 * shares its base client's stack), keeps the items of every request it has sent and not yet seen
 * answered, and applies the documented rules to each new request:
 *
 *  1. a PutItem, UpdateItem or DeleteItem on an item that an in-flight TransactWriteItems includes
 *     fails with TransactionConflictException;
 *  2. a TransactWriteItems that includes an item of another in-flight TransactWriteItems, or of an
 *     in-flight PutItem, UpdateItem, DeleteItem or BatchWriteItem ("an ongoing operation is in the
 *     process of updating the same item", a cause the TransactWriteItems API reference lists), is
 *     cancelled: TransactionCanceledException, `TransactionConflict` at the position of each shared
 *     item and `None` elsewhere;
 *  3. a TransactGetItems that includes an item of an in-flight TransactWriteItems, BatchWriteItem,
 *     PutItem, UpdateItem or DeleteItem is cancelled the same way;
 *  4. a TransactWriteItems whose ClientRequestToken is that of one still in flight fails with
 *     TransactionInProgressException (before any item is looked at: the resend meets its own items).
 *
 * One more rule of AWS's transactions that DynamoDB Local applies only when every condition passes:
 * a TransactWriteItems with two actions on one item is refused up front (ValidationException,
 * "Transaction request cannot include multiple operations on one item"), whatever its conditions. DynamoDB
 * Local cancels it instead when a condition fails, so code that makes such a request could pass
 * offline and fail on AWS.
 *
 * A rejected request never reaches DynamoDB Local. Anything else (GetItem, Query, Scan,
 * BatchGetItem, a transaction that shares no item) passes untouched. Items are compared by table
 * and by their marshalled key attributes, so DocumentClient and base-client requests agree.
 *
 * It runs inside the SDK's retry loop (after `retryMiddleware`): an item is in flight from the moment
 * an attempt is sent until its answer arrives, as DynamoDB sees it, and the SDK's own retries are
 * separate attempts. The exceptions are the SDK's own classes, shaped as its deserializer makes them.
 *
 * Local only: no Lambda code imports this file (under src/store only tests do), and no bundle holds it.
 */
import { randomUUID } from 'node:crypto';
import {
  type AttributeValue,
  type DynamoDBClient,
  DynamoDBServiceException,
  TransactionCanceledException,
  TransactionConflictException,
  TransactionInProgressException,
} from '@aws-sdk/client-dynamodb';
import { tableKeys } from '../store/table.ts';
import { onEveryClient } from './iam.ts';

/** What the emulation did since it was created: readers take differences. */
export interface ConflictCounts {
  /** TransactWriteItems cancelled with TransactionConflict (rule 2). */
  transactWrites: number;
  /** PutItem/UpdateItem/DeleteItem rejected with TransactionConflictException (rule 1). */
  singleWrites: number;
  /** TransactGetItems cancelled with TransactionConflict (rule 3). */
  transactGets: number;
  /** All of the above. */
  total: number;
}

export const CONFLICT_MIDDLEWARE = 'bankTransactionConflictEmulation';
/** The message DynamoDB gives for an item held by an ongoing transaction. */
export const ONGOING_MESSAGE = 'Transaction is ongoing for the item';

type Key = Record<string, AttributeValue>;
type Input = Record<string, unknown>;
type Kind = 'transaction' | 'write';

/** The key attribute names of a table; every table here has the single-table key (pk, sk). */
export type KeySchema = (table: string) => readonly string[];
const singleTableKeys: KeySchema = () => [tableKeys.partitionKey, tableKeys.sortKey];

/**
 * A DynamoDB number as one text per value, so that `1`, `1.0`, `01`, `10e-1` and `0.1E1` name one key
 * (DynamoDB compares numbers by value): `0.<digits>e<exponent>`, no leading or trailing zeros, exact
 * for all of DynamoDB's 38 digits (no float in between).
 */
export const canonicalNumber = (n: string): string => {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(n.trim());
  if (!m || (!m[2] && !m[3])) return n;
  const [, sign, int = '', frac = '', exp = '0'] = m;
  const all = int + frac;
  const lead = all.length - all.replace(/^0+/, '').length;
  const digits = all.slice(lead).replace(/0+$/, '');
  if (!digits) return '0';
  return `${sign === '-' ? '-' : ''}0.${digits}e${int.length - lead + Number(exp)}`;
};

const scalar = (v: AttributeValue | undefined): string => {
  if (!v) return '-';
  if (v.S !== undefined) return `S${v.S}`;
  if (v.N !== undefined) return `N${canonicalNumber(v.N)}`;
  if (v.B !== undefined) return `B${Buffer.from(v.B).toString('base64')}`;
  return JSON.stringify(v);
};

/** One string per item: the table and its key attributes, marshalled, in the schema's order. */
const itemId = (schema: KeySchema, table: string, key: Key): string =>
  JSON.stringify([table, ...schema(table).map((name) => scalar(key[name]))]);

const asKey = (v: unknown): Key => (v ?? {}) as Key;

interface Action {
  TableName: string;
  Key?: Key;
  Item?: Key;
}

/** The items of a TransactWriteItems or TransactGetItems request, in its order. */
const transactionItems = (schema: KeySchema, input: Input): string[] =>
  ((input.TransactItems ?? []) as Record<string, Action | undefined>[]).map((entry) => {
    const action = entry.Put ?? entry.Update ?? entry.Delete ?? entry.ConditionCheck ?? entry.Get;
    if (!action) return '';
    return itemId(schema, action.TableName, asKey(action.Key ?? action.Item));
  });

/** The items a BatchWriteItem writes. */
const batchWriteItems = (schema: KeySchema, input: Input): string[] =>
  Object.entries(
    (input.RequestItems ?? {}) as Record<string, Record<string, { Item?: Key; Key?: Key }>[]>,
  ).flatMap(([table, requests]) =>
    requests.map((r) => itemId(schema, table, asKey(r.PutRequest?.Item ?? r.DeleteRequest?.Key))),
  );

const metadata = () => ({ httpStatusCode: 400, requestId: randomUUID(), attempts: 1, totalRetryDelay: 0 });

const cancelled = (codes: readonly string[]): TransactionCanceledException => {
  const message = `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`;
  return new TransactionCanceledException({
    message,
    $metadata: metadata(),
    // The deserializer copies the body's members as well: `Message` is the body's message.
    Message: message,
    CancellationReasons: codes.map((Code) =>
      Code === 'None' ? { Code } : { Code, Message: ONGOING_MESSAGE },
    ),
  });
};

/** The message DynamoDB gives for a ClientRequestToken whose transaction is still in progress. */
export const IN_PROGRESS_MESSAGE = 'The transaction with the given request token is already in progress.';

/** AWS's answer to a transaction with two actions on one item. */
export const MULTIPLE_OPERATIONS_MESSAGE =
  'Transaction request cannot include multiple operations on one item';
const multipleOperations = () =>
  new DynamoDBServiceException({
    name: 'ValidationException',
    $fault: 'client',
    message: MULTIPLE_OPERATIONS_MESSAGE,
    $metadata: metadata(),
  });

/** The conflict emulation: one per process is what AWS would see from this process's clients. */
export class ConflictEmulator {
  /** Item -> how many in-flight requests of each kind hold it. */
  private readonly held = new Map<string, Record<Kind, number>>();
  /** The ClientRequestTokens of the TransactWriteItems in flight. */
  private readonly tokens = new Set<string>();
  private readonly counts: ConflictCounts = { transactWrites: 0, singleWrites: 0, transactGets: 0, total: 0 };
  private readonly conflicts: boolean;

  /**
   * `conflicts: false` keeps only the up-front refusal of two actions on one item (an AWS validation
   * rule, not a conflict: BANK_EMULATE_CONFLICTS=off keeps it).
   */
  constructor(
    private readonly schema: KeySchema = singleTableKeys,
    opts: { conflicts?: boolean } = {},
  ) {
    this.conflicts = opts.conflicts ?? true;
  }

  counters(): ConflictCounts {
    return { ...this.counts };
  }

  /** How many items are held by requests in flight (0 when the process is quiet). */
  inFlight(): number {
    return this.held.size;
  }

  private heldBy(id: string, kinds: readonly Kind[]): boolean {
    const h = this.held.get(id);
    return !!h && kinds.some((k) => h[k] > 0);
  }

  private hold(ids: readonly string[], kind: Kind): () => void {
    for (const id of ids) {
      const h = this.held.get(id) ?? { transaction: 0, write: 0 };
      h[kind]++;
      this.held.set(id, h);
    }
    return () => {
      for (const id of ids) {
        const h = this.held.get(id);
        if (!h) continue;
        h[kind]--;
        if (h.transaction === 0 && h.write === 0) this.held.delete(id);
      }
    };
  }

  private count(kind: Exclude<keyof ConflictCounts, 'total'>): void {
    this.counts[kind]++;
    this.counts.total++;
  }

  /**
   * The rule for one request: an error to answer with instead of sending it, or the items it holds
   * while in flight (and as what).
   */
  admit(
    command: string,
    input: Input,
  ): { reject: Error } | { holds: string[]; as: Kind; token?: string } | undefined {
    const s = this.schema;
    switch (command) {
      case 'TransactWriteItemsCommand':
      case 'TransactGetItemsCommand': {
        const write = command === 'TransactWriteItemsCommand';
        const ids = transactionItems(s, input);
        if (write && new Set(ids).size < ids.length) return { reject: multipleOperations() };
        if (!this.conflicts) return undefined;
        // A resend of a request token still in flight (rule 4). The SDK's own token (one it fills in
        // when none is given) is not in the input here, and its retries of one request never overlap.
        const token =
          write && typeof input.ClientRequestToken === 'string' ? input.ClientRequestToken : undefined;
        if (token !== undefined && this.tokens.has(token)) {
          return {
            reject: new TransactionInProgressException({
              message: IN_PROGRESS_MESSAGE,
              $metadata: metadata(),
            }),
          };
        }
        // Any transaction yields to any write in flight on its items: a write transaction's or a
        // single write's (the TransactWriteItems API reference: "an ongoing operation is in the
        // process of updating the same item").
        const against: Kind[] = ['transaction', 'write'];
        const codes = ids.map((id) => (this.heldBy(id, against) ? 'TransactionConflict' : 'None'));
        if (codes.includes('TransactionConflict')) {
          this.count(write ? 'transactWrites' : 'transactGets');
          return { reject: cancelled(codes) };
        }
        return write
          ? { holds: ids, as: 'transaction', ...(token !== undefined ? { token } : {}) }
          : undefined;
      }
      case 'PutItemCommand':
      case 'UpdateItemCommand':
      case 'DeleteItemCommand': {
        if (!this.conflicts) return undefined;
        const id = itemId(s, input.TableName as string, asKey(input.Key ?? input.Item));
        if (this.heldBy(id, ['transaction'])) {
          this.count('singleWrites');
          return {
            reject: new TransactionConflictException({ message: ONGOING_MESSAGE, $metadata: metadata() }),
          };
        }
        return { holds: [id], as: 'write' };
      }
      case 'BatchWriteItemCommand':
        if (!this.conflicts) return undefined;
        // Rules 2 and 3: transactions arriving on its items are cancelled. It is not itself checked
        // against transactions in flight (DynamoDB documents no rule for that direction).
        return { holds: batchWriteItems(s, input), as: 'write' };
      default:
        return undefined;
    }
  }

  /** The SDK middleware: for `clientStack.addRelativeTo(...)`, or use `attachTo`. */
  middleware =
    <Output>(next: (args: { input: object }) => Promise<Output>, context: { commandName?: string }) =>
    async (args: { input: object }): Promise<Output> => {
      const verdict = this.admit(context.commandName ?? '', args.input as Input);
      if (!verdict) return next(args);
      if ('reject' in verdict) throw verdict.reject;
      const release = this.hold(verdict.holds, verdict.as);
      const { token } = verdict;
      if (token !== undefined) this.tokens.add(token);
      // Released when the answer comes, or when the client stops waiting for it (its request timeout):
      // DynamoDB Local may still run such a request later, behind the others (see the README's limits).
      try {
        return await next(args);
      } finally {
        release();
        if (token !== undefined) this.tokens.delete(token);
      }
    };

  /**
   * Adds the emulation to a client's stack, inside the SDK's retry loop (a DocumentClient shares its
   * base client's stack, so either may be given). Adding it again replaces it.
   */
  attachTo(client: Pick<DynamoDBClient, 'middlewareStack'>): void {
    client.middlewareStack.addRelativeTo(this.middleware as never, {
      name: CONFLICT_MIDDLEWARE,
      relation: 'after',
      toMiddleware: 'retryMiddleware',
      override: true,
    });
  }
}

/** False when BANK_EMULATE_CONFLICTS is `off` (or `false`, `0`): the local stack's switch. */
export const conflictsEmulated = (env: NodeJS.ProcessEnv = process.env): boolean =>
  !['off', 'false', '0'].includes((env.BANK_EMULATE_CONFLICTS ?? '').trim().toLowerCase());

let shared: ConflictEmulator | undefined;
/** The process's emulator: every client of one process shares it, as they share one DynamoDB on AWS. */
export const processConflicts = (): ConflictEmulator => {
  shared ??= new ConflictEmulator();
  return shared;
};

/**
 * Adds the process's emulator to `client`. With BANK_EMULATE_CONFLICTS=off, one that applies no
 * conflict rule and keeps only AWS's refusal of two actions on one item (a validation rule that off
 * does not turn off). Returns the emulator when on.
 */
export const emulateConflicts = (
  client: Pick<DynamoDBClient, 'middlewareStack'>,
  env: NodeJS.ProcessEnv = process.env,
): ConflictEmulator | undefined => {
  if (!conflictsEmulated(env)) {
    new ConflictEmulator(singleTableKeys, { conflicts: false }).attachTo(client);
    return undefined;
  }
  const emulator = processConflicts();
  emulator.attachTo(client);
  return emulator;
};

/** What `emulateConflictsEverywhere` attaches: the process's emulator, or the validation-only one. */
let everywhere: ConflictEmulator | undefined;

/** A DynamoDB client (or a DocumentClient, which shares its config) without an emulator of its own. */
const attachEverywhere = (client: Pick<DynamoDBClient, 'middlewareStack'>): void => {
  if ((client as { config?: { serviceId?: string } }).config?.serviceId !== 'DynamoDB') return;
  // One given its own emulator (emulateConflicts, a test's) keeps it.
  if (client.middlewareStack.identify().some((m) => m.startsWith(`${CONFLICT_MIDDLEWARE} `))) return;
  everywhere?.attachTo(client);
};

/**
 * `emulateConflicts` on every DynamoDB client of the process, each the first time it sends (see
 * `onEveryClient`), all sharing the process's emulator: on AWS every client of every function talks
 * to the one table, so a transaction of one client conflicts with another client's. Returns the
 * emulator when on.
 */
export const emulateConflictsEverywhere = (
  env: NodeJS.ProcessEnv = process.env,
): ConflictEmulator | undefined => {
  const on = conflictsEmulated(env);
  everywhere = on ? processConflicts() : new ConflictEmulator(singleTableKeys, { conflicts: false });
  onEveryClient(attachEverywhere);
  return on ? everywhere : undefined;
};
