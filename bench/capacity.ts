/**
 * DynamoDB units per operation. A middleware asks every call for ReturnConsumedCapacity and tallies
 * it. Reads and single-item writes are taken as DynamoDB Local reports them. For TransactWriteItems
 * DynamoDB Local's report is wrong (2 units whatever the number of items), so those are computed from
 * the documented rules with the real item sizes, read before and after the transaction:
 *   a transactional write costs 2 write units per 1 KB of the larger of the item before and after;
 *   a write to a global secondary index costs 1 write unit per 1 KB of the index entry (the table's
 *   and the index's keys and the attributes it projects: with projection ALL, the item), twice when
 *   the update moves the entry (delete + put), none when the write changes nothing the index holds.
 */
import { type AttributeValue, type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { tableIndexes, tableKeys } from '../src/store/table.ts';

export interface CapacityCall {
  command: string;
  /** Units on the table itself (for a transaction, before DynamoDB's doubling: see unitsOf). */
  table: number;
  /** Units on global secondary indexes. */
  indexes: number;
  source: 'reported' | 'computed';
}

/** Request units as on-demand bills them: read request units and write request units. */
export interface Units {
  rru: number;
  wru: number;
}

interface Consumed {
  CapacityUnits?: number;
  Table?: { CapacityUnits?: number };
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
  LocalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
}

const sumIndexes = (c: Consumed): number =>
  [...Object.values(c.GlobalSecondaryIndexes ?? {}), ...Object.values(c.LocalSecondaryIndexes ?? {})].reduce(
    (s, i) => s + (i.CapacityUnits ?? 0),
    0,
  );

/** One call's reported capacity (an array for batches), table and indexes apart. */
export const reportedCall = (command: string, consumed: Consumed | Consumed[] | undefined): CapacityCall => {
  const list = consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed];
  let table = 0;
  let indexes = 0;
  for (const c of list) {
    const idx = sumIndexes(c);
    indexes += idx;
    table += c.Table?.CapacityUnits ?? (c.CapacityUnits ?? 0) - idx;
  }
  return { command, table, indexes, source: 'reported' };
};

// ---------- item sizes, as DynamoDB counts them ----------

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

/** A number's size: about one byte per two significant digits, plus one. */
export const numberSize = (n: string): number => {
  const digits = n
    .replace(/^-/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
};

/** The size of one attribute value (marshalled form). */
export const valueSize = (v: AttributeValue): number => {
  if (v.S !== undefined) return utf8(v.S);
  if (v.N !== undefined) return numberSize(v.N);
  if (v.B !== undefined) return v.B.length;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.SS !== undefined) return v.SS.reduce((s, x) => s + utf8(x), 0);
  if (v.NS !== undefined) return v.NS.reduce((s, x) => s + numberSize(x), 0);
  if (v.BS !== undefined) return v.BS.reduce((s, x) => s + x.length, 0);
  if (v.L !== undefined) return 3 + v.L.reduce((s, x) => s + 1 + valueSize(x), 0);
  if (v.M !== undefined)
    return 3 + Object.entries(v.M).reduce((s, [k, x]) => s + 1 + utf8(k) + valueSize(x), 0);
  return 0;
};

/** An item's size: attribute names plus values. */
export const itemSize = (item: Record<string, AttributeValue> | undefined): number =>
  item ? Object.entries(item).reduce((s, [k, v]) => s + utf8(k) + valueSize(v), 0) : 0;

const kb = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));

type Item = Record<string, AttributeValue> | undefined;

type Index = (typeof tableIndexes)[number];

const indexKey = (index: Index, item: Item): string | undefined => {
  const pk = item?.[index.partitionKey]?.S;
  const sk = item?.[index.sortKey]?.S;
  return pk !== undefined && sk !== undefined ? `${pk}\u0000${sk}` : undefined;
};

/** What an index holds of an item: all of it, or its keys and the attributes the index projects. */
const entryOf = (index: Index, item: Item): Item => {
  if (!item || index.projection === 'ALL') return item;
  const names = [
    tableKeys.partitionKey,
    tableKeys.sortKey,
    index.partitionKey,
    index.sortKey,
    ...index.projection,
  ];
  return Object.fromEntries(
    names.filter((n) => item[n] !== undefined).map((n) => [n, item[n] as AttributeValue]),
  );
};

/** A value as JSON with every object's keys sorted: equal values, equal strings. */
const canonical = (v: unknown): string =>
  v !== null && typeof v === 'object'
    ? Array.isArray(v)
      ? `[${v.map(canonical).join(',')}]`
      : `{${Object.keys(v)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
          .join(',')}}`
    : JSON.stringify(v);

/** Units of one written item, from its state before and after (undefined: absent). */
export const writeUnits = (before: Item, after: Item): { table: number; indexes: number } => {
  const table = kb(Math.max(itemSize(before), itemSize(after)));
  let indexes = 0;
  for (const index of tableIndexes) {
    const was = indexKey(index, before);
    const is = indexKey(index, after);
    const [old, now] = [entryOf(index, before), entryOf(index, after)];
    if (was !== undefined && is !== undefined && was === is) {
      if (canonical(old) !== canonical(now)) indexes += kb(Math.max(itemSize(old), itemSize(now)));
    } else {
      if (was !== undefined) indexes += kb(itemSize(old));
      if (is !== undefined) indexes += kb(itemSize(now));
    }
  }
  return { table, indexes };
};

// ---------- the tally ----------

const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand']);
const READS = new Set(['GetItemCommand', 'QueryCommand', 'ScanCommand', 'BatchGetItemCommand']);

/** Billed units of a sequence of calls: a transaction's table units count twice (prepare and commit). */
export const unitsOf = (calls: readonly CapacityCall[]): Units => {
  let rru = 0;
  let wru = 0;
  for (const c of calls) {
    if (c.command === 'TransactWriteItemsCommand') wru += 2 * c.table + c.indexes;
    else if (c.command === 'TransactGetItemsCommand') rru += 2 * c.table + c.indexes;
    else if (WRITES.has(c.command)) wru += c.table + c.indexes;
    else if (READS.has(c.command)) rru += c.table + c.indexes;
  }
  return { rru, wru };
};

/** `GetItem×2 + TransactWriteItems×1`: which calls an operation made. */
export const describeCalls = (calls: readonly CapacityCall[]): string => {
  const counts = new Map<string, number>();
  for (const c of calls) {
    const name = c.command.replace(/Command$/, '');
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].map(([name, n]) => `${name}×${n}`).join(' + ');
};

export interface CapacityTally {
  /** The calls since the last take, and forgets them. */
  take: () => CapacityCall[];
}

interface TransactInput {
  TransactItems?: {
    Put?: { TableName?: string; Item?: Record<string, AttributeValue> };
    Update?: { TableName?: string; Key?: Record<string, AttributeValue> };
    Delete?: { TableName?: string; Key?: Record<string, AttributeValue> };
  }[];
}

/**
 * Makes every call of `client` (and of DocumentClients made from it) report and tally its capacity.
 * `reader` (another client on the same endpoint) reads the items a transaction writes, uncounted.
 * For measurements only: a transaction's items are read around it, so run nothing else meanwhile.
 */
export const tallyCapacity = (client: DynamoDBClient, reader: DynamoDBClient): CapacityTally => {
  let calls: CapacityCall[] = [];
  const keysOf = (input: TransactInput) =>
    (input.TransactItems ?? []).flatMap((t) => {
      const table = t.Put?.TableName ?? t.Update?.TableName ?? t.Delete?.TableName;
      const key =
        t.Update?.Key ??
        t.Delete?.Key ??
        (t.Put?.Item
          ? Object.fromEntries(
              Object.entries(t.Put.Item).filter(
                ([k]) => k === tableKeys.partitionKey || k === tableKeys.sortKey,
              ),
            )
          : undefined);
      return table && key ? [{ table, key }] : [];
    });
  const read = (keys: { table: string; key: Record<string, AttributeValue> }[]) =>
    Promise.all(
      keys.map(async ({ table, key }) => {
        const r = await reader.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }));
        return r.Item;
      }),
    );
  // Initialize: ask for the capacity (the input may still be a DocumentClient's).
  client.middlewareStack.add(
    (next) => async (args) => {
      (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'INDEXES';
      return next(args);
    },
    { step: 'initialize', name: 'benchAskCapacity' },
  );
  // Build: the input is marshalled by now, so a transaction's keys can be read as is.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? 'unknown';
      if (command !== 'TransactWriteItemsCommand') {
        const out = await next(args);
        const output = out.output as { ConsumedCapacity?: Consumed | Consumed[] };
        calls.push(reportedCall(command, output.ConsumedCapacity));
        return out;
      }
      const keys = keysOf(args.input as TransactInput);
      const before = await read(keys);
      const out = await next(args);
      const after = await read(keys);
      let table = 0;
      let indexes = 0;
      before.forEach((b, i) => {
        const u = writeUnits(b, after[i]);
        table += u.table;
        indexes += u.indexes;
      });
      calls.push({ command, table, indexes, source: 'computed' });
      return out;
    },
    { step: 'build', name: 'benchTallyCapacity' },
  );
  return {
    take: () => {
      const taken = calls;
      calls = [];
      return taken;
    },
  };
};
