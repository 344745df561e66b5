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
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { BankError } from '../domain/errors.ts';
import type { Currency } from '../domain/money.ts';
import { type Frequency, runDate, type ScheduleStatus } from '../domain/schedule.ts';
import { cancellationCodes, type Db } from './db.ts';
import { DUE_SHARDS, paymentKeys } from './keys.ts';

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
  /** Why an ended schedule ended: `completed` or `source_closed`. */
  endReason?: string;
  createdAt: string;
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

export type NewSchedule = Omit<
  Schedule,
  'id' | 'status' | 'nextRunDate' | 'runsDone' | 'createdAt' | 'endReason'
>;

const shardOf = (id: string): number => Number.parseInt(id.slice(0, 2), 16) % DUE_SHARDS;
const indexed = (id: string, next: string) => ({
  gsi1pk: paymentKeys.dueShard(shardOf(id)),
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

  async create(sub: string, input: NewSchedule, now = new Date()): Promise<Schedule> {
    const id = randomUUID();
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
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            this.countUpdate(sub, 1),
            { Put: { TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
          ],
        }),
      );
    } catch (e) {
      if (cancellationCodes(e)?.[0] === 'ConditionalCheckFailed')
        throw new BankError(
          'schedule_limit_reached',
          `A customer may have at most ${MAX_ACTIVE_SCHEDULES} active scheduled transfers`,
        );
      throw e;
    }
    return publicSchedule(item);
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

  private async queryAll(
    pk: string,
    prefix: string,
    newestFirst = false,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const r = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
          ExpressionAttributeValues: { ':pk': pk, ':p': prefix },
          ScanIndexForward: !newestFirst,
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(r.Items ?? []));
      start = r.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async list(sub: string): Promise<Schedule[]> {
    const { pk, skPrefix } = paymentKeys.schedulesOf(sub);
    return (await this.queryAll(pk, skPrefix))
      .map(publicSchedule)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /** The schedule's runs, newest first. */
  async runs(sub: string, id: string): Promise<Run[]> {
    const { pk, skPrefix } = paymentKeys.runsOf(sub, id);
    return (await this.queryAll(pk, skPrefix, true)).map(toRun);
  }

  /** Cancels an active schedule (no later run starts); a schedule already over is answered as it is. */
  async cancel(sub: string, id: string, now = new Date()): Promise<Schedule> {
    const s = await this.mustGet(sub, id);
    if (s.status !== 'active') return publicSchedule(s as unknown as Record<string, unknown>);
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.table,
                Key: paymentKeys.schedule(sub, id),
                UpdateExpression:
                  'SET #status = :cancelled, cancelledAt = :at REMOVE nextRunDate, gsi1pk, gsi1sk',
                ConditionExpression: '#status = :active',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':cancelled': 'cancelled',
                  ':active': 'active',
                  ':at': now.toISOString(),
                },
              },
            },
            this.countUpdate(sub, -1),
          ],
        }),
      );
    } catch (e) {
      // Ended or cancelled meanwhile: answer what it is now.
      if (cancellationCodes(e)?.[0] !== 'ConditionalCheckFailed') throw e;
    }
    return publicSchedule((await this.mustGet(sub, id)) as unknown as Record<string, unknown>);
  }

  /** Active schedules whose next run is on or before `today`, from the sparse index (may lag: claims re-check). */
  async due(today: string, limit = 100): Promise<{ ownerId: string; id: string }[]> {
    const shard = async (n: number) => {
      const out: { ownerId: string; id: string }[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const r = await this.db.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk <= :hi',
            ExpressionAttributeValues: { ':pk': paymentKeys.dueShard(n), ':hi': `${today}#\uffff` },
            ProjectionExpression: 'ownerId, id',
            Limit: limit,
            ExclusiveStartKey: start,
          }),
        );
        for (const i of r.Items ?? []) out.push({ ownerId: i.ownerId as string, id: i.id as string });
        start = r.LastEvaluatedKey;
      } while (start && out.length < limit);
      return out;
    };
    const all = await Promise.all(Array.from({ length: DUE_SHARDS }, (_, n) => shard(n)));
    return all.flat().slice(0, limit);
  }

  /**
   * Claims the schedule's run on `runDate` for this runner until `nowMs + CLAIM_SECONDS`. False when
   * another runner holds it, or the schedule moved on or stopped.
   */
  async claim(s: ScheduleRecord, runDate: string, nowMs: number): Promise<string | undefined> {
    const token = randomUUID();
    const now = Math.floor(nowMs / 1000);
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: paymentKeys.schedule(s.ownerId, s.id),
          UpdateExpression: 'SET claimToken = :token, claimUntil = :until',
          ConditionExpression:
            '#status = :active AND nextRunDate = :date AND (attribute_not_exists(claimUntil) OR claimUntil < :now)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':token': token,
            ':until': now + CLAIM_SECONDS,
            ':active': 'active',
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

  /**
   * Records a run and moves the schedule to its next date, or ends it (`endReason`), in one
   * transaction conditioned on the claim. If the schedule was cancelled while the run was in flight,
   * the run is still recorded and the schedule stays cancelled.
   */
  async finish(
    s: ScheduleRecord,
    token: string,
    run: Run,
    opts: { end?: 'source_closed' } = {},
  ): Promise<void> {
    const runsDone = s.runsDone + 1;
    const next = opts.end ? undefined : runDate(s, runsDone);
    const endReason = opts.end ?? (next ? undefined : 'completed');
    const runPut: Items[number] = {
      Put: {
        TableName: this.table,
        Item: {
          ...paymentKeys.run(s.ownerId, s.id, run.runDate),
          entity: 'scheduleRun',
          scheduleId: s.id,
          // What the owner's notice of the run needs (the stream derives it from this item alone).
          ownerId: s.ownerId,
          amount: s.amount,
          currency: s.currency,
          fromAccountId: s.fromAccountId,
          ...run,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
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
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [runPut, update, ...(next ? [] : [this.countUpdate(s.ownerId, -1)])],
        }),
      );
    } catch (e) {
      const codes = cancellationCodes(e);
      if (codes?.[0] === 'ConditionalCheckFailed') return; // this run was recorded already
      if (codes?.[1] !== 'ConditionalCheckFailed') throw e;
      // Cancelled while in flight (or the claim was lost): keep the record of what happened.
      await this.db
        .send(
          new TransactWriteCommand({
            TransactItems: [
              runPut,
              {
                Update: {
                  TableName: this.table,
                  Key: key,
                  UpdateExpression: 'SET runsDone = :runs REMOVE claimToken, claimUntil',
                  ConditionExpression: 'claimToken = :token',
                  ExpressionAttributeValues: { ':runs': runsDone, ':token': token },
                },
              },
            ],
          }),
        )
        .catch((err: unknown) => {
          if (!cancellationCodes(err)?.includes('ConditionalCheckFailed')) throw err;
        });
    }
  }
}
