/**
 * The ledger in the single table. One TransactWriteItems commits a whole movement: its postings
 * (which carry the journal), the balance updates, the daily-limit counter and the idempotency
 * record. Balance rules are condition expressions inside that transaction (an optimistic version
 * check on every customer account it touches), never a read followed by an unconditional write.
 *
 * Items per movement (at most 6):
 *   deposit    idempotency, account, cash-in shard, 2 postings                  = 5
 *   withdrawal idempotency, account, cash-out shard, limit counter, 2 postings  = 6
 *   transfer   idempotency, 2 accounts, limit counter, 2 postings               = 6
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { problemOf } from '../api/problem.ts';
import { BankError, isBankError } from '../domain/errors.ts';
import {
  type Plan,
  planDeposit,
  planTransfer,
  planWithdrawal,
  shardOf,
  systemShardId,
  type TransactionType,
  utcDay,
} from '../domain/ledger.ts';
import type { Currency } from '../domain/money.ts';
import type { AccountRecord, AccountStore } from './accounts.ts';
import { cancellationCodes, type Db } from './db.ts';
import type { IdempotencyStore, Outcome } from './idempotency.ts';
import { keys } from './keys.ts';
import { backoff, isTransient } from './retry.ts';

export interface LedgerOptions {
  systemShards: number;
  dailyLimit: number;
  /** Attempts before giving up on contention (version conflicts, TransactionConflict, throttling). */
  maxAttempts?: number;
}

/** What every movement request carries. */
export interface MovementRequest {
  user: string;
  idempotencyKey: string;
  fingerprint: string;
  amount: number;
  description?: string | undefined;
}

/** Both sides of a journal, as kept on each of its postings. */
export interface JournalInfo {
  txId: string;
  type: TransactionType;
  amount: number;
  currency: Currency;
  description: string;
  createdAt: string;
  from?: { accountId: string; number: string; ownerId: string };
  to?: { accountId: string; number: string; ownerId: string };
}

export interface TransactionView {
  id: string;
  type: TransactionType;
  status: 'posted';
  amount: number;
  currency: Currency;
  fromAccountId?: string;
  toAccountId?: string;
  fromAccountNumber?: string;
  toAccountNumber?: string;
  description: string;
  createdAt: string;
  balanceAfter: number;
}

/** The transaction as the given user sees it: another user's account ids are never shown. */
export const viewOf = (j: JournalInfo, user: string, balanceAfter: number): TransactionView => ({
  id: j.txId,
  type: j.type,
  status: 'posted',
  amount: j.amount,
  currency: j.currency,
  ...(j.from?.ownerId === user ? { fromAccountId: j.from.accountId } : {}),
  ...(j.to?.ownerId === user ? { toAccountId: j.to.accountId } : {}),
  ...(j.from ? { fromAccountNumber: j.from.number } : {}),
  ...(j.to ? { toAccountNumber: j.to.number } : {}),
  description: j.description,
  createdAt: j.createdAt,
  balanceAfter,
});

interface Prepared {
  plan: Plan;
  /** The customer accounts the plan touches, as read (with their versions). */
  accounts: AccountRecord[];
  journal: Omit<JournalInfo, 'txId' | 'createdAt' | 'description'>;
  /** The account whose balance the caller sees in `balanceAfter`. */
  callerAccount: string;
}

const party = (a: AccountRecord) => ({ accountId: a.id, number: a.number, ownerId: a.ownerId });

export class LedgerStore {
  private readonly maxAttempts: number;

  constructor(
    private readonly db: Db,
    private readonly table: string,
    private readonly accounts: AccountStore,
    private readonly idempotency: IdempotencyStore,
    private readonly opts: LedgerOptions,
  ) {
    this.maxAttempts = opts.maxAttempts ?? 60;
  }

  deposit(req: MovementRequest & { accountId: string }): Promise<Outcome> {
    return this.move(req, async (txId) => {
      const to = await this.accounts.mustGet(req.user, req.accountId);
      const shard = systemShardId('cash-in', to.currency, shardOf(txId, this.opts.systemShards));
      return {
        plan: planDeposit(to, req.amount, shard),
        accounts: [to],
        journal: { type: 'deposit', amount: req.amount, currency: to.currency, to: party(to) },
        callerAccount: to.id,
      };
    });
  }

  withdraw(req: MovementRequest & { accountId: string }): Promise<Outcome> {
    return this.move(req, async (txId) => {
      const from = await this.accounts.mustGet(req.user, req.accountId);
      const shard = systemShardId('cash-out', from.currency, shardOf(txId, this.opts.systemShards));
      return {
        plan: planWithdrawal(from, req.amount, shard, this.opts.dailyLimit),
        accounts: [from],
        journal: { type: 'withdrawal', amount: req.amount, currency: from.currency, from: party(from) },
        callerAccount: from.id,
      };
    });
  }

  transfer(
    req: MovementRequest & { fromAccountId: string; toAccountNumber: string; currency: Currency },
  ): Promise<Outcome> {
    return this.move(req, async () => {
      const [from, to] = await Promise.all([
        this.accounts.mustGet(req.user, req.fromAccountId),
        this.accounts.findByNumber(req.toAccountNumber),
      ]);
      if (!to) throw new BankError('recipient_not_found', 'No account has that number');
      return {
        plan: planTransfer(from, to, req.amount, req.currency, this.opts.dailyLimit),
        accounts: from.id === to.id ? [from] : [from, to],
        journal: {
          type: 'transfer',
          amount: req.amount,
          currency: req.currency,
          from: party(from),
          to: party(to),
        },
        callerAccount: from.id,
      };
    });
  }

  /** Plans and commits, retrying contention, or answers a repeat; declines (422) are recorded for replay too. */
  private async move(req: MovementRequest, prepare: (txId: string) => Promise<Prepared>): Promise<Outcome> {
    // No read of the idempotency record up front: the record's own condition in the transaction (or in
    // the decline's write) detects a repeat, and then we answer what the key holds. First requests,
    // the common case, save a read.
    const txId = randomUUID();
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      let prepared: Prepared;
      try {
        prepared = await prepare(txId);
      } catch (e) {
        if (isBankError(e) && e.status === 422) return this.decline(req, e, new Date());
        // Not a decline (say, 404): still, a key already used for another request is the first thing to say.
        if (isBankError(e)) {
          const earlier = await this.idempotency.replay(req.user, req.idempotencyKey, req.fingerprint);
          if (earlier) return earlier;
        }
        throw e;
      }
      // Taken after the reads: the posting's time must follow what it was planned on.
      const now = new Date();
      const { items, view, limitIndex } = this.transaction(req, txId, prepared, now);
      try {
        await this.db.send(new TransactWriteCommand({ TransactItems: items }));
        return { status: 201, body: view, replayed: false };
      } catch (e) {
        const codes = cancellationCodes(e);
        if (codes?.[0] === 'ConditionalCheckFailed') {
          // The key was committed by a concurrent duplicate: answer what it answered.
          const replay = await this.idempotency.replay(req.user, req.idempotencyKey, req.fingerprint);
          if (replay) return replay;
          throw new BankError('idempotency_key_in_use', 'A request with this Idempotency-Key is in progress');
        }
        if (limitIndex >= 0 && codes?.[limitIndex] === 'ConditionalCheckFailed') {
          return this.decline(
            req,
            new BankError('daily_limit_exceeded', 'This would exceed your daily outgoing limit'),
            new Date(),
          );
        }
        if (codes?.includes('ConditionalCheckFailed') || isTransient(e, codes)) {
          // An account changed since we read it, or DynamoDB asked us to retry: plan again on fresh data.
          await backoff(Math.min(attempt, 6), 2, 100);
          continue;
        }
        throw e;
      }
    }
    throw new BankError('service_unavailable', 'The account is busy: retry with the same Idempotency-Key', {
      headers: { 'retry-after': '1' },
    });
  }

  private async decline(req: MovementRequest, e: BankError, now: Date): Promise<Outcome> {
    const out = await this.idempotency.recordDecline(
      req.user,
      req.idempotencyKey,
      req.fingerprint,
      { status: e.status, body: problemOf(e) },
      now,
    );
    if (!out.replayed) throw e;
    return out;
  }

  private transaction(req: MovementRequest, txId: string, p: Prepared, now: Date) {
    // A posting's time orders the account's history, so it must follow the account's last posting even
    // when clocks disagree (another Lambda) or this request read late: history order = version order.
    const after = Math.max(
      now.getTime(),
      ...p.accounts.map((a) => (a.lastPostedAt ? Date.parse(a.lastPostedAt) + 1 : 0)),
    );
    const createdAt = new Date(after).toISOString();
    const journal: JournalInfo = { ...p.journal, txId, createdAt, description: req.description ?? '' };
    const byId = new Map(p.accounts.map((a) => [a.id, a]));
    const view = viewOf(journal, req.user, p.plan.balances.get(p.callerAccount) ?? 0);
    const items: NonNullable<TransactWriteCommand['input']['TransactItems']> = [
      this.idempotency.recordPut(
        req.user,
        req.idempotencyKey,
        req.fingerprint,
        { status: 201, body: view },
        now,
      ),
    ];
    for (const [id, balance] of p.plan.balances) {
      const a = byId.get(id) as AccountRecord;
      items.push({
        Update: {
          TableName: this.table,
          Key: keys.account(a.ownerId, a.id),
          UpdateExpression: 'SET balance = :balance, version = :next, lastPostedAt = :at',
          ConditionExpression: 'version = :version AND #status = :active',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':balance': balance,
            ':at': createdAt,
            ':next': a.version + 1,
            ':version': a.version,
            ':active': 'active',
          },
        },
      });
    }
    let limitIndex = -1;
    if (p.plan.outgoing > 0) {
      limitIndex = items.length;
      items.push({
        Update: {
          TableName: this.table,
          Key: keys.dailyLimit(req.user, utcDay(now), journal.currency),
          UpdateExpression: 'SET spent = if_not_exists(spent, :zero) + :amount, expiresAt = :exp',
          ConditionExpression: 'attribute_not_exists(spent) OR spent <= :room',
          ExpressionAttributeValues: {
            ':zero': 0,
            ':amount': p.plan.outgoing,
            ':room': this.opts.dailyLimit - p.plan.outgoing,
            ':exp': Math.floor(now.getTime() / 1000) + 3 * 24 * 3600,
          },
        },
      });
    }
    for (const posting of p.plan.postings) {
      if (posting.system) {
        items.push({
          Update: {
            TableName: this.table,
            Key: keys.systemShard(posting.account),
            UpdateExpression: 'ADD balance :amount SET currency = :currency, entity = :entity',
            ExpressionAttributeValues: {
              ':amount': posting.amount,
              ':currency': posting.currency,
              ':entity': 'system',
            },
          },
        });
      }
      const a = byId.get(posting.account);
      const counterparty = posting.amount < 0 ? journal.to : journal.from;
      items.push({
        Put: {
          TableName: this.table,
          Item: {
            ...keys.posting(posting.account, createdAt, txId),
            entity: 'posting',
            gsi1pk: keys.journalIndex(txId),
            gsi1sk: posting.account,
            accountId: posting.account,
            system: posting.system,
            ownerId: a?.ownerId,
            amount: posting.amount,
            currency: posting.currency,
            balanceAfter: a ? p.plan.balances.get(a.id) : undefined,
            seq: a ? a.version + 1 : undefined,
            counterpartyNumber: journal.type === 'transfer' ? counterparty?.number : undefined,
            journal,
          },
        },
      });
    }
    return { items, view, limitIndex };
  }

  /** One page of an account's postings, newest first. */
  async postings(
    accountId: string,
    opts: { limit: number; from?: string; to?: string; start?: Record<string, unknown> },
  ): Promise<{ items: Record<string, unknown>[]; last?: Record<string, unknown> }> {
    const { pk, skPrefix } = keys.postingsOf(accountId);
    const r = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
        ExpressionAttributeValues: {
          ':pk': pk,
          ':lo': `${skPrefix}${opts.from ?? ''}`,
          ':hi': `${skPrefix}${opts.to ?? ''}\uffff`,
        },
        ScanIndexForward: false,
        ConsistentRead: true,
        // One more than asked tells whether another page exists, so the last page says so.
        Limit: opts.limit + 1,
        ExclusiveStartKey: opts.start,
      }),
    );
    const all = r.Items ?? [];
    const items = all.slice(0, opts.limit);
    const lastItem = items[items.length - 1];
    const more = all.length > opts.limit;
    return { items, ...(more && lastItem ? { last: { pk: lastItem.pk, sk: lastItem.sk } } : {}) };
  }

  /** The postings of one journal (eventually consistent: a global secondary index). */
  async journal(txId: string): Promise<Record<string, unknown>[]> {
    const r = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.journalIndex(txId) },
      }),
    );
    return r.Items ?? [];
  }

  /** A system account's balance in one currency: the sum of its shards. */
  async systemBalance(name: 'cash-in' | 'cash-out', currency: Currency): Promise<number> {
    let total = 0;
    for (let s = 0; s < this.opts.systemShards; s++) {
      const r = await this.db.send(
        new GetCommand({ TableName: this.table, Key: keys.systemShard(systemShardId(name, currency, s)) }),
      );
      total += Number(r.Item?.balance ?? 0);
    }
    return total;
  }
}
