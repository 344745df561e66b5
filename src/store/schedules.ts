/**
 * Scheduled and recurring transfers, and the runner's bookkeeping.
 *
 * A due run is claimed with a conditional update of the schedule (its `nextRunDate` must still be the
 * run's date and no live claim may hold it), paid with the idempotency key `sched:{id}:{runDate}`,
 * then recorded and the schedule moved on in one transaction conditioned on the claim. Two runners at
 * once: one claims, the other skips; a runner that dies after paying leaves a claim that expires, and
 * the next one pays with the same key, so the ledger answers the first payment again.
 */
import { randomUUID } from 'node:crypto';
import {
  GetCommand,
  QueryCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { v7 } from 'uuid';
import { BankError } from '../domain/errors.ts';
import type { Currency } from '../domain/money.ts';
import { type Frequency, RUNS_SHOWN, runDate, type ScheduleStatus } from '../domain/schedule.ts';
import { busy, type Committed, commit, type Db, type Piece, queryAll, transact } from './db.ts';
import type { IdempotencyStore, Replayed, RequestKey } from './idempotency.ts';
import { DUE_SHARDS, isTimeOrdered, paymentKeys, shardOfId } from './keys.ts';
import { again, done, isTransient, retry } from './retry.ts';

/** Most active schedules per customer. */
export const MAX_ACTIVE_SCHEDULES = 50;
/** How long a claimed run is reserved for its runner. */
export const CLAIM_SECONDS = 120;

export interface Schedule {
  id: string;
  fromAccountId: string;
  toAccountNumber: string;
  payeeId?: string;
  amount: number;
  currency: Currency;
  description: string;
  startDate: string;
  frequency: Frequency;
  endDate?: string;
  count?: number;
  status: ScheduleStatus;
  /** The next run's date while active. */
  nextRunDate: string | null;
  /** How many runs have happened (succeeded or failed). */
  runsDone: number;
  /** Why an ended schedule ended. */
  endReason?: EndReason;
  createdAt: string;
  /**
   * A cancelled schedule's run that a runner held a claim on when it was cancelled, or that was due
   * (on or before that day) with no runner on it (`cancel`): it may have been paid, or may still be,
   * so the schedule stays in the due index until a runner has recorded it (then it shows in its runs)
   * or found it unpaid; either way this goes. Shown, so that a cancel's answer does not let the
   * customer think nothing more will be paid.
   */
  openRun?: string;
}

/**
 * Why a schedule ended: its last run (`completed`), its source account closed (`source_closed`), or
 * the account it pays closed (`recipient_closed`): no later run could be paid either way.
 */
export type EndReason = 'completed' | 'source_closed' | 'recipient_closed';

/** A schedule the due index lists, with the date of the run it is listed for (the index may lag). */
export interface DueSchedule {
  ownerId: string;
  id: string;
  runDate: string;
}

export interface ScheduleRecord extends Schedule {
  ownerId: string;
  claimToken?: string;
  claimUntil?: number;
}

export interface Run {
  runDate: string;
  outcome: 'succeeded' | 'failed';
  transactionId?: string;
  errorCode?: string;
  at: string;
}

/** Where a page of the list ends: its last schedule (what the next page comes after). */
export interface ListPosition {
  id: string;
  createdAt: string;
}

/** Strings in code-unit order, as DynamoDB orders keys (not the locale's). */
const order = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
/** The list's order: newest first, by `createdAt`, then id. */
const newestFirst = (a: ListPosition, b: ListPosition): number =>
  order(b.createdAt, a.createdAt) || order(b.id, a.id);

export type NewSchedule = Omit<
  Schedule,
  'id' | 'status' | 'nextRunDate' | 'runsDone' | 'createdAt' | 'endReason'
>;

/** What the idempotency record of a schedule's creation holds: the schedule as first answered. */
export type StoredSchedule = { kind: 'schedule'; schedule: Schedule };

/**
 * A new schedule's id: a UUIDv7 (RFC 9562) whose time is `now` (its `createdAt`), so that the
 * customer's schedule keys sort by creation (see `list`).
 */
export const newScheduleId = (now: Date): string => v7({ msecs: now.getTime() });

/**
 * The due index's shard of a schedule: from its id's random last digits (keys.ts shardOfId), whether
 * a v7 or an older random id. An older schedule's entry, written under the shard of its first two
 * digits, moves to this one at its next run (`finish` rewrites both index keys); `due` reads every
 * shard and a cancel removes the keys whatever they are, so neither depends on which.
 */
export const dueShardOf = (id: string): number => shardOfId(id, DUE_SHARDS);
const indexed = (id: string, next: string) => ({
  gsi1pk: paymentKeys.dueShard(dueShardOf(id)),
  gsi1sk: `${next}#${id}`,
});

const PUBLIC_FIELDS = [
  'id',
  'fromAccountId',
  'toAccountNumber',
  'payeeId',
  'amount',
  'currency',
  'description',
  'startDate',
  'frequency',
  'endDate',
  'count',
  'status',
  'nextRunDate',
  'runsDone',
  'endReason',
  'createdAt',
  'openRun',
] as const;

export const publicSchedule = (r: Record<string, unknown>): Schedule => {
  const out: Record<string, unknown> = {};
  for (const f of PUBLIC_FIELDS) if (r[f] !== undefined) out[f] = r[f];
  out.nextRunDate ??= null;
  return out as unknown as Schedule;
};

const toRecord = (r: Record<string, unknown>): ScheduleRecord => ({
  ...publicSchedule(r),
  ownerId: r.ownerId as string,
  ...(r.claimToken ? { claimToken: r.claimToken as string, claimUntil: r.claimUntil as number } : {}),
});

const toRun = (r: Record<string, unknown>): Run => ({
  runDate: r.runDate as string,
  outcome: r.outcome as Run['outcome'],
  ...(r.transactionId ? { transactionId: r.transactionId as string } : {}),
  ...(r.errorCode ? { errorCode: r.errorCode as string } : {}),
  at: r.at as string,
});

type Items = NonNullable<TransactWriteCommandInput['TransactItems']>;

export class ScheduleStore {
  constructor(
    private readonly db: Db,
    private readonly table: string,
    /** Records each creation with its Idempotency-Key (the runner's own stores need none). */
    private readonly idempotency?: IdempotencyStore,
  ) {}

  private countUpdate(sub: string, delta: 1 | -1): Items[number] {
    return {
      Update: {
        TableName: this.table,
        Key: { pk: `USER#${sub}`, sk: 'SCHEDULES' },
        UpdateExpression: 'SET active = if_not_exists(active, :zero) + :delta, entity = :entity',
        ...(delta > 0
          ? { ConditionExpression: 'attribute_not_exists(active) OR active < :max' }
          : { ConditionExpression: 'active > :zero' }),
        ExpressionAttributeValues: {
          ':zero': 0,
          ':delta': delta,
          ':entity': 'scheduleCount',
          ...(delta > 0 ? { ':max': MAX_ACTIVE_SCHEDULES } : {}),
        },
      },
    };
  }

  /**
   * The schedule that a repeat of the creating request answers with, if this key made one (within the
   * idempotency window). The same key for another request is refused (`idempotency_key_reused`).
   */
  replay(sub: string, k: RequestKey, now = new Date()): Promise<Replayed<StoredSchedule> | undefined> {
    return this.store().replay<StoredSchedule>(sub, k.key, k.fingerprint, now);
  }

  /**
   * Creates a schedule, exactly once per Idempotency-Key: its record commits in the same transaction
   * (a schedule made twice would pay every run twice). A repeat answers the schedule as it was first
   * created. A refusal (the limit) is not recorded: a retry after the customer cancels one is checked
   * again.
   */
  async create(
    sub: string,
    input: NewSchedule,
    k: RequestKey,
    now = new Date(),
  ): Promise<Replayed<StoredSchedule>> {
    const id = newScheduleId(now);
    const first = runDate(input, 0) as string;
    const item = {
      ...paymentKeys.schedule(sub, id),
      ...indexed(id, first),
      entity: 'schedule',
      ownerId: sub,
      id,
      ...input,
      status: 'active',
      nextRunDate: first,
      runsDone: 0,
      createdAt: now.toISOString(),
    };
    const outcome: StoredSchedule = { kind: 'schedule', schedule: publicSchedule(item) };
    const r = await commit(this.db, [
      { name: 'idempotency', item: this.store().recordPut(sub, k.key, k.fingerprint, outcome, now) },
      { name: 'count', item: this.countUpdate(sub, 1) },
      {
        name: 'schedule',
        item: { Put: { TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
      },
    ]);
    if (!r) throw busy('Could not create the scheduled transfer now: retry with the same Idempotency-Key');
    if (r.failed.length === 0) return { ...outcome, replayed: false };
    if (r.failed.includes('idempotency')) return this.store().repeatOf<StoredSchedule>(sub, k, now);
    throw new BankError(
      'schedule_limit_reached',
      `A customer may have at most ${MAX_ACTIVE_SCHEDULES} active scheduled transfers`,
    );
  }

  private store(): IdempotencyStore {
    if (!this.idempotency) throw new Error('ScheduleStore: no IdempotencyStore to record creations with');
    return this.idempotency;
  }

  async get(sub: string, id: string): Promise<ScheduleRecord | undefined> {
    const r = await this.db.send(
      new GetCommand({ TableName: this.table, Key: paymentKeys.schedule(sub, id), ConsistentRead: true }),
    );
    return r.Item ? toRecord(r.Item) : undefined;
  }

  async mustGet(sub: string, id: string): Promise<ScheduleRecord> {
    const s = await this.get(sub, id);
    if (!s) throw new BankError('not_found', 'No such scheduled transfer');
    return s;
  }

  /**
   * A page of the customer's schedules, newest first: the `limit` after `after` (the last of the page
   * before), and `last`, where the next page starts, when there is one.
   *
   * Schedules with time-ordered ids (`SCHED#<v7 id>`) are read in key order, newest first, `limit + 1`
   * of them, from the position on: a page reads its own items, however many the customer has. Those
   * made before (`SCHEDULE#<random id>`) were all created before the first time-ordered one, so they
   * follow them, by `createdAt`; their keys say nothing of time, so a page that reaches them reads them
   * all and sorts them, as every list read every schedule before. They are a set that no longer
   * grows, read only by the pages past every newer schedule.
   */
  async list(
    sub: string,
    opts: { limit: number; after?: ListPosition },
  ): Promise<{ items: Schedule[]; last?: ListPosition }> {
    const { limit, after } = opts;
    const found: Schedule[] = [];
    if (!after || isTimeOrdered(after.id)) {
      const { pk, skPrefix } = paymentKeys.schedulesOf(sub);
      const start = after ? paymentKeys.schedule(sub, after.id) : undefined;
      const items = await queryAll(this.db, this.table, pk, skPrefix, {
        ScanIndexForward: false,
        max: limit + 1,
        ...(start ? { start } : {}),
      });
      found.push(...items.map(publicSchedule));
    }
    if (found.length <= limit) {
      const { pk, skPrefix } = paymentKeys.olderSchedulesOf(sub);
      const older = (await queryAll(this.db, this.table, pk, skPrefix)).map(publicSchedule).sort(newestFirst);
      const from = after && !isTimeOrdered(after.id) ? after : undefined;
      found.push(...(from ? older.filter((s) => newestFirst(from, s) < 0) : older));
    }
    const items = found.slice(0, limit);
    const end = items.at(-1);
    return {
      items,
      ...(found.length > limit && end ? { last: { id: end.id, createdAt: end.createdAt } } : {}),
    };
  }

  /** The schedule's runs, newest first: the latest RUNS_SHOWN. */
  async runs(sub: string, id: string, max = RUNS_SHOWN): Promise<Run[]> {
    const { pk, skPrefix } = paymentKeys.runsOf(sub, id);
    return (await queryAll(this.db, this.table, pk, skPrefix, { ScanIndexForward: false, max })).map(toRun);
  }

  /**
   * A schedule with its latest runs, as its owner sees it. The runs are read first: a run and the
   * schedule's count of it commit in one transaction, so the schedule read after them counts every run
   * listed (read the other way round, a run recorded between the two reads was listed beside a schedule
   * that did not count it yet: "0 of 2 done" above a paid run).
   */
  async withRuns(sub: string, id: string): Promise<{ schedule: ScheduleRecord; runs: Run[] }> {
    const runs = await this.runs(sub, id);
    return { runs, schedule: await this.mustGet(sub, id) };
  }

  /**
   * Stops a schedule (cancelled, or ended by its source's close) and gives its place in the active
   * count back, in one transaction: `update` (the `#status` name defined) on the schedule's item.
   */
  private stop(
    sub: string,
    id: string,
    update: { set: string; condition: string; values: Record<string, unknown> },
  ): Promise<Committed<'schedule' | 'count'>> {
    return transact(this.db, [
      {
        name: 'schedule',
        item: {
          Update: {
            TableName: this.table,
            Key: paymentKeys.schedule(sub, id),
            UpdateExpression: update.set,
            ConditionExpression: update.condition,
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: update.values,
          },
        },
      },
      { name: 'count', item: this.countUpdate(sub, -1) },
    ]);
  }

  /**
   * Cancels an active schedule (no later run starts); a schedule already over is answered as it is.
   * A conflict with the runner (recording a run on the same item) is tried again on a fresh read.
   *
   * A schedule whose run may have been paid keeps that run as `openRun` and stays in the due index, so
   * that a runner finds out from the run's key whether it was paid and records it (`settleOpenRun`):
   * - one whose run a runner holds a claim on (live, or left by a runner that died): the runner records
   *   it, or, if it died, the next invocation does;
   * - one whose next run is due (on or before `now`'s UTC day) and which no runner holds: a runner whose
   *   payment's answer was lost gives its claim back (`release`) without knowing whether it was paid,
   *   as `endPayingFrom` says. Until 2026-12-07 such a schedule left the index at once, and a run paid
   *   that way was never recorded: not among its runs, not counted, no event (a review found it). A run
   *   due but never tried is fenced by the runner (FENCED) and recorded as nothing.
   * Taken off the index at once, a paid run is never recorded. A run not yet due was never paid (the
   * runner pays none after its today). The cancel's condition is on what it read (the claim; with
   * none, the next date), so a claim taken or a run recorded meanwhile makes it read again.
   */
  async cancel(sub: string, id: string, now = new Date()): Promise<Schedule> {
    const today = now.toISOString().slice(0, 10);
    const settled = await retry(async () => {
      const s = await this.mustGet(sub, id);
      if (s.status !== 'active') return done(true);
      const claimed = s.claimToken !== undefined;
      const open = s.nextRunDate !== null && (claimed || s.nextRunDate <= today);
      const r = await this.stop(sub, id, {
        set: open
          ? 'SET #status = :cancelled, cancelledAt = :at, openRun = :open REMOVE nextRunDate'
          : 'SET #status = :cancelled, cancelledAt = :at REMOVE nextRunDate, gsi1pk, gsi1sk',
        condition: !open
          ? '#status = :active AND attribute_not_exists(claimToken)'
          : claimed
            ? '#status = :active AND claimToken = :token'
            : '#status = :active AND nextRunDate = :open AND attribute_not_exists(claimToken)',
        values: {
          ':cancelled': 'cancelled',
          ':active': 'active',
          ':at': now.toISOString(),
          ...(open ? { ':open': s.nextRunDate } : {}),
          ...(open && claimed ? { ':token': s.claimToken } : {}),
        },
      });
      if (r.ok) return done(true);
      // Ended or cancelled meanwhile: the next read answers what it is now.
      if (r.failed.schedule?.code === 'ConditionalCheckFailed' || isTransient(r.error, r.codes)) return again;
      throw r.error;
    });
    if (!settled) throw busy('Could not cancel the scheduled transfer now: try again');
    return publicSchedule((await this.mustGet(sub, id)) as unknown as Record<string, unknown>);
  }

  /**
   * Ends the owner's active schedules that pay from `accountId`, an account of theirs that has closed:
   * `ended` with `endReason: 'source_closed'`, off the due index and out of the active count, one small
   * transaction each (the schedule and the count, as a cancel), so that the list says so at once and no
   * runner starts a run of theirs, nor tells the owner of a failed one. Called after the close has
   * committed (AccountStore.close), never in its transaction: see the closeAccount handler.
   *
   * Left to the runner, which ends them in the same way at their next run (`source_closed`, after
   * recording that run as it went: paid if its key says so, else failed `account_closed`):
   * - a schedule a runner holds a claim on (live, or left by a runner that died after paying): its run
   *   may be under way or paid, and ending it here would leave a paid run unrecorded, or make the
   *   runner's record of it fail its condition;
   * - one whose next run is due (on or before `today`, UTC): a runner whose payment's answer was lost
   *   gives its claim back (`release`) without knowing whether it was paid; only the run's key knows,
   *   which the runner reads. A run not yet due was never paid (the runner pays none after its today).
   * Each end is conditioned on the schedule as read (active, unclaimed, that next date), so a claim
   * taken meanwhile makes it read again, and then leave it. Answers the ids it ended, those it left,
   * and those it could not end for a fault (left to the runner too; each one's fault does not stop the
   * others).
   */
  async endPayingFrom(
    sub: string,
    accountId: string,
    today: string,
  ): Promise<{ ended: string[]; left: string[]; failed: { id: string; error: string }[] }> {
    const fields = {
      ProjectionExpression: 'id, fromAccountId, #status',
      ExpressionAttributeNames: { '#status': 'status' },
    };
    const newer = paymentKeys.schedulesOf(sub);
    const older = paymentKeys.olderSchedulesOf(sub);
    const mine = [
      ...(await queryAll(this.db, this.table, newer.pk, newer.skPrefix, fields)),
      ...(await queryAll(this.db, this.table, older.pk, older.skPrefix, fields)),
    ].filter((s) => s.status === 'active' && s.fromAccountId === accountId);
    const ended: string[] = [];
    const left: string[] = [];
    const failed: { id: string; error: string }[] = [];
    for (const { id } of mine as { id: string }[]) {
      const outcome = await this.endSourceClosed(sub, id, today).catch((e: Error) => {
        failed.push({ id, error: e.message });
        return 'failed' as const;
      });
      if (outcome === 'ended') ended.push(id);
      else if (outcome === 'left') left.push(id);
    }
    return { ended, left, failed };
  }

  /** One schedule of `endPayingFrom`: `over` when it is no longer active (cancelled or ended meanwhile). */
  private async endSourceClosed(sub: string, id: string, today: string): Promise<'ended' | 'left' | 'over'> {
    const outcome = await retry(async () => {
      const s = await this.get(sub, id);
      if (s?.status !== 'active') return done('over' as const);
      if (s.claimToken !== undefined || s.nextRunDate === null || s.nextRunDate <= today)
        return done('left' as const);
      const r = await this.stop(sub, id, {
        set: 'SET #status = :ended, endReason = :why REMOVE nextRunDate, gsi1pk, gsi1sk',
        condition: '#status = :active AND nextRunDate = :next AND attribute_not_exists(claimToken)',
        values: {
          ':ended': 'ended',
          ':why': 'source_closed' satisfies EndReason,
          ':active': 'active',
          ':next': s.nextRunDate,
        },
      });
      if (r.ok) return done('ended' as const);
      // Claimed, run, cancelled or ended meanwhile: the next read decides again.
      if (r.failed.schedule?.code === 'ConditionalCheckFailed' || isTransient(r.error, r.codes)) return again;
      throw r.error;
    });
    // Out of attempts: the runner's own handling of a closed source ends it at its next run.
    return outcome ?? 'left';
  }

  /**
   * Active schedules whose next run is on or before `today`, from the sparse index (may lag: claims
   * re-check), oldest run first across the shards: each shard's oldest `limit`, merged by due date, so
   * that no shard waits behind another's (shard by shard, a shard 0 with more than a runner passes over
   * in one invocation held back every schedule of the others).
   */
  async due(today: string, limit = 100): Promise<DueSchedule[]> {
    const shard = async (n: number) => {
      const out: { ownerId: string; id: string; due: string }[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const r = await this.db.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk <= :hi',
            ExpressionAttributeValues: { ':pk': paymentKeys.dueShard(n), ':hi': `${today}#\uffff` },
            ProjectionExpression: 'ownerId, id, gsi1sk',
            Limit: limit,
            ExclusiveStartKey: start,
          }),
        );
        for (const i of r.Items ?? [])
          out.push({ ownerId: i.ownerId as string, id: i.id as string, due: i.gsi1sk as string });
        start = r.LastEvaluatedKey;
      } while (start && out.length < limit);
      return out;
    };
    const all = await Promise.all(Array.from({ length: DUE_SHARDS }, (_, n) => shard(n)));
    return all
      .flat()
      .sort((a, b) => (a.due < b.due ? -1 : a.due > b.due ? 1 : 0))
      .slice(0, limit)
      .map(({ ownerId, id, due }) => ({ ownerId, id, runDate: due.slice(0, 10) }));
  }

  /**
   * Claims the schedule's run on `runDate` for this runner until `nowMs + CLAIM_SECONDS`. False when
   * another runner holds it, or the schedule moved on or stopped.
   */
  async claim(s: ScheduleRecord, runDate: string, nowMs: number): Promise<string | undefined> {
    return this.takeClaim(s, nowMs, 'nextRunDate', runDate, 'active');
  }

  /**
   * A claim on the schedule's item until `nowMs + CLAIM_SECONDS`, on the conditions that its status is
   * `status`, `field` holds `runDate` and no other claim is live. Undefined when one is not.
   */
  private async takeClaim(
    s: ScheduleRecord,
    nowMs: number,
    field: 'nextRunDate' | 'openRun',
    runDate: string | undefined,
    status: 'active' | 'cancelled',
  ): Promise<string | undefined> {
    const token = randomUUID();
    const now = Math.floor(nowMs / 1000);
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: paymentKeys.schedule(s.ownerId, s.id),
          UpdateExpression: 'SET claimToken = :token, claimUntil = :until',
          // `claimToken = :token`: the SDK's second attempt after a lost answer meets the claim its
          // first set, which is this runner's (before, it was refused, and the run held by no one until
          // the claim ran out; a review found it).
          ConditionExpression: `#status = :status AND ${field} = :date AND (attribute_not_exists(claimUntil) OR claimUntil < :now OR claimToken = :token)`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':token': token,
            ':until': now + CLAIM_SECONDS,
            ':status': status,
            ':date': runDate,
            ':now': now,
          },
        }),
      );
      return token;
    } catch (e) {
      if ((e as Error).name === 'ConditionalCheckFailedException') return undefined;
      throw e;
    }
  }

  /** Gives a claim back without recording a run (the payment could not be attempted: retry later). */
  async release(s: ScheduleRecord, token: string): Promise<void> {
    await this.db
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: paymentKeys.schedule(s.ownerId, s.id),
          UpdateExpression: 'REMOVE claimToken, claimUntil',
          ConditionExpression: 'claimToken = :token',
          ExpressionAttributeValues: { ':token': token },
        }),
      )
      .catch((e: Error) => {
        if (e.name !== 'ConditionalCheckFailedException') throw e;
      });
  }

  /** A run's item: what the owner's notice of it needs (the stream derives it from this item alone). */
  private runPiece(s: ScheduleRecord, run: Run, after: Record<string, unknown>): Piece<'run'> {
    return {
      name: 'run',
      item: {
        Put: {
          TableName: this.table,
          Item: {
            ...paymentKeys.run(s.ownerId, s.id, run.runDate),
            entity: 'scheduleRun',
            scheduleId: s.id,
            ownerId: s.ownerId,
            amount: s.amount,
            currency: s.currency,
            fromAccountId: s.fromAccountId,
            ...run,
            ...after,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    };
  }

  /**
   * Takes a cancelled schedule's open run (see `cancel`) once the claim it was cancelled under is
   * over (its runner died, or gave it back). Undefined when another runner holds it, or it is settled.
   */
  async claimOpenRun(s: ScheduleRecord, nowMs: number): Promise<string | undefined> {
    return this.takeClaim(s, nowMs, 'openRun', s.openRun, 'cancelled');
  }

  /**
   * Settles a cancelled schedule's open run under the claim `token`: records `run` (what the run's key
   * says happened: paid, or declined) and counts it; with none (the run never reached the ledger)
   * records nothing. Either way the schedule leaves the due index. Throws when it cannot be done now
   * (the claim runs out and a later invocation tries again).
   */
  async settleOpenRun(s: ScheduleRecord, token: string, run?: Run): Promise<void> {
    const cleared = (counted: boolean): Piece<'schedule'> => ({
      name: 'schedule',
      item: {
        Update: {
          TableName: this.table,
          Key: paymentKeys.schedule(s.ownerId, s.id),
          UpdateExpression: `${counted ? 'SET runsDone = :runs ' : ''}REMOVE claimToken, claimUntil, openRun, gsi1pk, gsi1sk`,
          ConditionExpression: 'claimToken = :token',
          ExpressionAttributeValues: { ':token': token, ...(counted ? { ':runs': s.runsDone + 1 } : {}) },
        },
      },
    });
    const r = await commit<'run' | 'schedule'>(
      this.db,
      run ? [this.runPiece(s, run, { scheduleStatus: 'cancelled' }), cleared(true)] : [cleared(false)],
    );
    // The run recorded already (by its runner, which then settled the schedule too): nothing is left
    // but the claim and the index entry.
    const again = r?.failed.includes('run') ? await commit(this.db, [cleared(false)]) : r;
    if (!again || again.failed.length > 0) {
      // Settled already, if the schedule has no open run: by this very call, when its transaction
      // committed and the answer was lost (commit's retry then found the run recorded and the claim
      // gone, both its own doing; a review found it reported as a failure to retry that nothing would
      // retry), or by a runner that took the claim over.
      const now = await this.get(s.ownerId, s.id);
      if (now && now.openRun === undefined) return;
      throw new Error(`schedule ${s.id}: its open run of ${s.openRun} could not be settled now`);
    }
  }

  /**
   * Records a run and moves the schedule to its next date, or ends it (`endReason`), in one
   * transaction conditioned on the claim. If the schedule was cancelled while the run was in flight,
   * the run is still recorded and the schedule stays cancelled.
   */
  async finish(
    s: ScheduleRecord,
    token: string,
    run: Run,
    opts: {
      end?: Exclude<EndReason, 'completed'>;
      /**
       * The number of the account it pays from, as the runner read it: on the run's item, so that the
       * owner's notice of a failed run names the account (masked, by its last 4 digits) from the item alone.
       */
      fromAccountNumber?: string;
    } = {},
  ): Promise<{ nextRunDate?: string }> {
    const runsDone = s.runsDone + 1;
    const next = opts.end ? undefined : runDate(s, runsDone);
    const endReason: EndReason | undefined = opts.end ?? (next ? undefined : 'completed');
    // What became of the schedule with this run, on the run's item: the owner's notice of a failed run
    // (derived from this item alone) says whether the schedule goes on, and to which date.
    const after = (status: 'active' | 'ended' | 'cancelled') => ({
      ...(opts.fromAccountNumber ? { fromAccountNumber: opts.fromAccountNumber } : {}),
      scheduleStatus: status,
      ...(status === 'active' && next ? { nextRunDate: next } : {}),
      ...(status === 'ended' && endReason ? { endReason } : {}),
    });
    const runPutAs = (status: 'active' | 'ended' | 'cancelled') => this.runPiece(s, run, after(status));
    const key = paymentKeys.schedule(s.ownerId, s.id);
    const update: Items[number] = {
      Update: {
        TableName: this.table,
        Key: key,
        UpdateExpression: next
          ? 'SET runsDone = :runs, nextRunDate = :next, gsi1pk = :gpk, gsi1sk = :gsk REMOVE claimToken, claimUntil'
          : 'SET runsDone = :runs, #status = :ended, endReason = :why REMOVE nextRunDate, gsi1pk, gsi1sk, claimToken, claimUntil',
        ConditionExpression: 'claimToken = :token AND #status = :active',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':runs': runsDone,
          ':token': token,
          ':active': 'active',
          ...(next
            ? (() => {
                const g = indexed(s.id, next);
                return { ':next': next, ':gpk': g.gsi1pk, ':gsk': g.gsi1sk };
              })()
            : { ':ended': 'ended', ':why': endReason }),
        },
      },
    };
    // A conflict (the owner cancelling at the same moment writes the same item) or a timeout is tried
    // again: a run that was paid must be recorded, whatever the schedule became meanwhile.
    const r = await commit(this.db, [
      runPutAs(next ? 'active' : 'ended'),
      { name: 'schedule', item: update },
      ...(next ? [] : [{ name: 'count' as const, item: this.countUpdate(s.ownerId, -1) }]),
    ]);
    if (!r) throw unrecorded(s, run);
    // Recorded now (the schedule goes on to `next`, or ended), or before (by the runner whose claim
    // this was: what the schedule became is read again).
    if (r.failed.length === 0) return next ? { nextRunDate: next } : {};
    if (r.failed.includes('run')) return {};
    if (!r.failed.includes('schedule')) throw new Error(`schedule ${s.id}: its active count is wrong`);
    // Cancelled while in flight (or the claim was lost): keep the record of what happened. The schedule
    // stays as the cancel left it (a lost claim's holder records the run first, and this put then fails).
    const kept = await commit(this.db, [
      runPutAs('cancelled'),
      {
        name: 'schedule',
        item: {
          Update: {
            TableName: this.table,
            Key: key,
            UpdateExpression: 'SET runsDone = :runs REMOVE claimToken, claimUntil, openRun, gsi1pk, gsi1sk',
            ConditionExpression: 'claimToken = :token',
            ExpressionAttributeValues: { ':runs': runsDone, ':token': token },
          },
        },
      },
    ]);
    // A condition that fails here: recorded already, or another runner holds the run now and records it.
    if (!kept) throw unrecorded(s, run);
    return {};
  }
}

/** Out of retries: the claim expires and the next runner pays again with the same key (a replay) and records it. */
const unrecorded = (s: ScheduleRecord, run: Run) =>
  new Error(`schedule ${s.id}: the run of ${run.runDate} could not be recorded now`);
