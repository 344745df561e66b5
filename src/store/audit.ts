/**
 * The audit trail in the table: append-only records under `AUDIT#<subjectId>`, hash-chained per
 * subject (src/domain/audit.ts), never expiring (no `expiresAt`).
 *
 * Appending is a PutItem of record n+1 conditioned on `attribute_not_exists(pk)`: two appends to one
 * subject that read the same head both try to write the same `SEQ#n+1` item, one wins, the other
 * reads the new head and tries again. The chain cannot fork, and no head item has to be updated, so
 * the writer needs PutItem only (IAM: infra/functions.ts denies UpdateItem and DeleteItem on AUDIT#).
 *
 * An admin action that changes the table commits its record in the same transaction: `piece()`
 * builds the record's Put (named `audit`), to go with the action's own pieces in one `transact()`.
 *
 * Exactly once: an entry's `id` is fixed for the invocation that writes it (a client sending its
 * request again is another invocation, with another record), and before it is written the chain's
 * newest records are searched for it (`RECORDED_WITHIN`). An attempt after a write that committed but
 * lost its answer finds it: `append` answers the record, and `piece` throws AlreadyCommitted (the
 * action committed with it), so its caller answers the action as done instead of doing it again.
 */
import { randomUUID } from 'node:crypto';
import { PutCommand, QueryCommand, type QueryCommandInput, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { ANONYMOUS, type AuditEntry, type AuditRecord, chainRecord, verifyChain } from '../domain/audit.ts';
import { BankError } from '../domain/errors.ts';
import {
  AlreadyCommitted,
  type Committed,
  conditionFailed,
  type Db,
  type Failure,
  isConditionFailure,
  itemOfConditionFailure,
  type Piece,
  transact,
} from './db.ts';
import { AUDIT_PREFIX, auditKeys } from './keys.ts';
import { again, done, isTransient, retry } from './retry.ts';
import { gsi1 } from './table.ts';

/** The name of the audit record's piece in a transaction. */
export const AUDIT_PIECE = 'audit';
export type AuditPieceName = typeof AUDIT_PIECE;

/**
 * True when a cancelled transaction failed only because another record was appended to the subject's
 * chain first: build the audit piece again (`piece()` reads the new head) and retry.
 */
export const auditMoved = (failed: Partial<Record<string, Failure>>): boolean => {
  const names = Object.keys(failed);
  return (
    names.length === 1 && names[0] === AUDIT_PIECE && failed[AUDIT_PIECE]?.code === 'ConditionalCheckFailed'
  );
};

/**
 * The pieces of a cancelled transaction whose own condition failed, the audit record's left out: its
 * failing only says the chain moved meanwhile, which the next `transact` or `piece()` reads again. A
 * caller that builds a failed piece another way (a disable that meets a later revocation marker)
 * looks at these: the chain can move at the same moment (a sign-out everywhere writes its marker,
 * then appends its event to the same chain), and both fail together.
 */
export const refusedBesidesAudit = <N extends string>(failed: Partial<Record<N, Failure>>): N[] =>
  conditionFailed(failed).filter((n) => n !== AUDIT_PIECE);

/** A new entry: an id and the time now, unless given. */
export const auditEntry = (e: Omit<AuditEntry, 'id' | 'at'> & { id?: string; at?: string }): AuditEntry => ({
  ...e,
  id: e.id ?? randomUUID(),
  at: e.at ?? new Date().toISOString(),
});

/**
 * The entry as refused, with the code that refused it before its reason (same id: one per request):
 * what a member of staff tried and was not let do.
 */
export const refusedEntry = (entry: AuditEntry, code: string): AuditEntry => ({
  ...entry,
  outcome: 'refused',
  reason: `${code}: ${entry.reason ?? ''}`.trim(),
});

export interface AuditPage {
  items: AuditRecord[];
  /** Where the next page starts (a table or index key), when there may be more. */
  last?: Record<string, unknown>;
}

export interface AuditQuery {
  limit: number;
  start?: Record<string, unknown>;
  /** ISO 8601, inclusive. */
  from?: string;
  to?: string;
}

const toRecord = (i: Record<string, unknown>): AuditRecord => ({
  id: String(i.id),
  at: String(i.at),
  actor: i.actor as AuditRecord['actor'],
  action: String(i.action),
  subject: i.subject as AuditRecord['subject'],
  ...(i.reason === undefined ? {} : { reason: String(i.reason) }),
  ...(i.transactionId === undefined ? {} : { transactionId: String(i.transactionId) }),
  ...(i.amount === undefined ? {} : { amount: Number(i.amount) }),
  outcome: i.outcome as AuditRecord['outcome'],
  requestId: String(i.requestId),
  seq: Number(i.seq),
  prevHash: String(i.prevHash),
  hash: String(i.hash),
});

/**
 * Appends to one subject race only with each other, and each round one of them wins: more (and
 * shorter) tries than the stores' default, still bounded by the Lambda deadline.
 */
const APPEND_POLICY = { maxAttempts: 30, baseMs: 5, capMs: 100 };

/**
 * How many of a chain's newest records are searched for an entry before it is written again: an
 * entry's id is fixed for its invocation, so an earlier attempt that committed with its answer lost is
 * found there, unless that many other records were appended to the subject meanwhile.
 */
const RECORDED_WITHIN = 10;

const busy = () =>
  new BankError('service_unavailable', 'The audit trail is busy: try again shortly', {
    retryAfter: 1,
  });

/**
 * Where a record is listed by its actor (gsi1: `AUDITBY#<actor>` / `<at>#<id>`; none for an anonymous
 * one). Outside the hash, so verify-audit checks it against the hashed actor, time and id: an
 * overwrite that moved a record off its actor's list ("what did this member of staff do") is caught.
 */
const actorIndexOf = (record: AuditRecord): Record<string, string> =>
  record.actor.userId === ANONYMOUS
    ? {}
    : {
        [gsi1.partitionKey]: auditKeys.byActor(record.actor.userId),
        [gsi1.sortKey]: `${record.at}#${record.id}`,
      };

export class AuditStore {
  constructor(
    private readonly db: Db,
    private readonly table: string,
  ) {}

  /** The last record of a subject's chain (strongly consistent), or undefined for a new chain. */
  async head(subjectId: string): Promise<AuditRecord | undefined> {
    return (await this.latest(subjectId, 1))[0];
  }

  /** The newest `n` records of a subject's chain (strongly consistent), newest first. */
  private async latest(subjectId: string, n: number): Promise<AuditRecord[]> {
    const r = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': auditKeys.chainOf(subjectId) },
        ScanIndexForward: false,
        ConsistentRead: true,
        Limit: n,
      }),
    );
    return (r.Items ?? []).map(toRecord);
  }

  /**
   * Where the entry goes: after the chain's head, or nowhere if an earlier attempt of this invocation
   * already recorded it (its id among the chain's newest records; see `RECORDED_WITHIN`). `search`
   * false: the head only (a first attempt, which cannot have written it).
   */
  private async place(
    entry: AuditEntry,
    search = true,
  ): Promise<{ head?: AuditRecord; recorded?: AuditRecord }> {
    const newest = await this.latest(entry.subject.id, search ? RECORDED_WITHIN : 1);
    const recorded = newest.find((r) => r.id === entry.id);
    return recorded ? { recorded } : newest[0] ? { head: newest[0] } : {};
  }

  private itemOf(record: AuditRecord) {
    return {
      ...auditKeys.record(record.subject.id, record.seq),
      entity: 'audit',
      ...record,
      ...actorIndexOf(record),
    };
  }

  /**
   * The record's Put, as the next link of its subject's chain, for a transaction with the action's own
   * pieces. Build it again for each attempt: if another record was appended first, the transaction is
   * cancelled with only this piece failed (`auditMoved(failed)`), and the next `piece()` links after it.
   * Throws AlreadyCommitted when the entry is in the chain already: an earlier attempt committed the
   * action with it and lost its answer.
   */
  async piece(entry: AuditEntry): Promise<Piece<AuditPieceName>> {
    const { head, recorded } = await this.place(entry);
    if (recorded) throw new AlreadyCommitted(`audit record ${recorded.id} is written already`);
    const record = chainRecord(entry, head);
    return {
      name: AUDIT_PIECE,
      item: {
        Put: {
          TableName: this.table,
          Item: this.itemOf(record),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    };
  }

  /**
   * Commits the action's pieces and its audit record in one transaction, trying again (with the
   * action's pieces built again, when given as a function) while only the chain moved, or the
   * transaction conflicted. Any other cancellation comes back for the caller to map by name.
   */
  async transact<N extends string>(
    entry: AuditEntry,
    own: readonly Piece<N>[] | (() => Promise<readonly Piece<N>[]>),
  ): Promise<Committed<N | AuditPieceName>> {
    const r = await retry<Committed<N | AuditPieceName>>(async () => {
      const mine = typeof own === 'function' ? await own() : own;
      let record: Piece<AuditPieceName>;
      try {
        record = await this.piece(entry);
      } catch (e) {
        // Committed by an earlier attempt whose answer was lost: not done again.
        if (e instanceof AlreadyCommitted) return done({ ok: true as const });
        throw e;
      }
      const c = await transact<N | AuditPieceName>(this.db, [...mine, record]);
      if (c.ok) return done(c);
      if (auditMoved(c.failed) || isTransient(c.error, c.codes)) return again;
      return done(c);
    }, APPEND_POLICY);
    if (!r) throw busy();
    return r;
  }

  /** Appends one record on its own (a refusal, a security event): no other item changes with it. */
  async append(entry: AuditEntry): Promise<AuditRecord> {
    // The record that took the place this append tried for: the next head to link after, without
    // another read (a burst on one subject, say failed logins, costs one write per try).
    let winner: AuditRecord | undefined;
    const r = await retry(async (n) => {
      // An earlier attempt may have committed it and lost its answer: then it is not appended twice.
      const { head, recorded } = winner ? { head: winner } : await this.place(entry, n > 0);
      if (recorded) return done(recorded);
      winner = undefined;
      const record = chainRecord(entry, head);
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: this.itemOf(record),
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return done(record);
      } catch (e) {
        if (isConditionFailure(e)) {
          const taken = itemOfConditionFailure(e);
          if (taken?.hash) winner = toRecord(taken);
          // The record in the way is this entry's own: the SDK sent the Put again after a lost answer.
          if (winner?.id === entry.id) return done(winner);
          return again;
        }
        if (isTransient(e, undefined)) return again;
        throw e;
      }
    }, APPEND_POLICY);
    if (!r) throw busy();
    return r;
  }

  /** Pages of a query, newest first, filtered on time; `last` is the key of the last item returned. */
  private async page(
    input: QueryCommandInput,
    q: AuditQuery,
    keyOf: (i: Record<string, unknown>) => Record<string, unknown>,
  ) {
    const items: Record<string, unknown>[] = [];
    let start = q.start;
    do {
      const r = await this.db.send(
        new QueryCommand({ ...input, Limit: q.limit + 1 - items.length, ExclusiveStartKey: start }),
      );
      items.push(...(r.Items ?? []));
      start = r.LastEvaluatedKey;
    } while (items.length <= q.limit && start);
    const page = items.slice(0, q.limit);
    const lastItem = page[page.length - 1];
    const more = items.length > q.limit || start !== undefined;
    return { items: page.map(toRecord), ...(more && lastItem ? { last: keyOf(lastItem) } : {}) };
  }

  /** A subject's records, newest first. */
  async bySubject(subjectId: string, q: AuditQuery): Promise<AuditPage> {
    const range = timeFilter(q);
    return this.page(
      {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ...(range.expression ? { FilterExpression: range.expression } : {}),
        ExpressionAttributeValues: { ':pk': auditKeys.chainOf(subjectId), ...range.values },
        ...(range.names ? { ExpressionAttributeNames: range.names } : {}),
        ScanIndexForward: false,
        ConsistentRead: true,
      },
      q,
      (i) => ({ pk: i.pk, sk: i.sk }),
    );
  }

  /** What one actor did, newest first (the index: eventually consistent on AWS). */
  async byActor(actorId: string, q: AuditQuery & { subjectId?: string }): Promise<AuditPage> {
    const from = q.from ?? '0';
    const to = `${q.to ?? '9999'}\uffff`;
    return this.page(
      {
        TableName: this.table,
        IndexName: gsi1.indexName,
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
        ...(q.subjectId ? { FilterExpression: '#subject.#id = :subject' } : {}),
        ExpressionAttributeNames: {
          '#pk': gsi1.partitionKey,
          '#sk': gsi1.sortKey,
          ...(q.subjectId ? { '#subject': 'subject', '#id': 'id' } : {}),
        },
        ExpressionAttributeValues: {
          ':pk': auditKeys.byActor(actorId),
          ':from': from,
          ':to': to,
          ...(q.subjectId ? { ':subject': q.subjectId } : {}),
        },
        ScanIndexForward: false,
      },
      q,
      (i) => ({
        pk: i.pk,
        sk: i.sk,
        [gsi1.partitionKey]: i[gsi1.partitionKey],
        [gsi1.sortKey]: i[gsi1.sortKey],
      }),
    );
  }
}

const timeFilter = (q: AuditQuery) => {
  if (!q.from && !q.to) return { values: {} };
  const parts: string[] = [];
  const values: Record<string, string> = {};
  if (q.from) {
    parts.push('#at >= :from');
    values[':from'] = q.from;
  }
  if (q.to) {
    parts.push('#at <= :to');
    values[':to'] = q.to;
  }
  return { expression: parts.join(' AND '), values, names: { '#at': 'at' } };
};

export interface AuditVerification {
  ok: boolean;
  chains: number;
  records: number;
  problems: string[];
}

/** Reads every audit record (a Scan: an operator's tool, not a Lambda's) and checks every chain. */
export const verifyAudit = async (db: Db, table: string): Promise<AuditVerification> => {
  const chains = new Map<string, { sk: string; record: AuditRecord; index: (string | undefined)[] }[]>();
  let start: Record<string, unknown> | undefined;
  do {
    const r = await db.send(
      new ScanCommand({
        TableName: table,
        FilterExpression: 'begins_with(pk, :p)',
        ExpressionAttributeValues: { ':p': AUDIT_PREFIX },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const i of r.Items ?? []) {
      const subjectId = String(i.pk).slice(AUDIT_PREFIX.length);
      const list = chains.get(subjectId) ?? [];
      const index = [i[gsi1.partitionKey], i[gsi1.sortKey]].map((v) => (v === undefined ? v : String(v)));
      list.push({ sk: String(i.sk), record: toRecord(i), index });
      chains.set(subjectId, list);
    }
    start = r.LastEvaluatedKey;
  } while (start);
  const problems: string[] = [];
  let records = 0;
  for (const [subjectId, list] of chains) {
    list.sort((a, b) => (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0));
    records += list.length;
    for (const { sk, record, index } of list) {
      if (sk !== auditKeys.record(subjectId, record.seq).sk)
        problems.push(`${subjectId}: item ${sk} claims seq ${record.seq}`);
      const expected = actorIndexOf(record);
      if (index[0] !== expected[gsi1.partitionKey] || index[1] !== expected[gsi1.sortKey])
        problems.push(`${subjectId}#${record.seq}: not listed under its actor (its index keys were changed)`);
    }
    problems.push(
      ...verifyChain(
        subjectId,
        list.map((x) => x.record),
      ),
    );
  }
  return { ok: problems.length === 0, chains: chains.size, records, problems };
};
