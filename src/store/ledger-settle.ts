/**
 * Hot recipients (issue 11): deferred credits and their settlement.
 *
 * On AWS two overlapping transactions that touch one item conflict, so a transfer that updates its
 * recipient's account item serializes every sender paying that account. With `deferCredits` on, a
 * transfer posts the sender's side at once and writes its credit as a NEW item under the recipient
 * (`CREDIT#<accountId> / IN#<time>#<journalId>`, entity `credit`: a partition of its own, so that
 * the functions that delete credits may delete nothing else) in the same transaction as the debit, the
 * journal (`unsettled: true`), the daily limit and the idempotency record: no item another credit
 * touches. The recipient's `available` does not include it, so nothing can be overdrawn.
 *
 * The settler (src/handlers/settler.ts, on the table's stream: INSERT of a `credit`) folds an
 * account's unsettled credits into it, up to MAX_SETTLE at a time, in ONE transaction:
 *   - the account: `balance`/`available` += their sum, `version` += k, on the condition that the
 *     version is the one read (so every posting's `balanceAfter` and `seq` are exact);
 *   - per credit: the `Delete` of the credit item with `attribute_exists` (the exactly-once rule: a
 *     credit read stale, or a replayed stream record, settles nothing twice), and the journal's
 *     recipient side (`to.balanceAfter`, `settledAt`, the `unsettled` flag removed: the recipient's
 *     `transaction.posted` event comes from that change), which is also the credit's history entry:
 *     the journal's hist2 keys, at a time after the account's last posting (history order = version
 *     order), and its `seq` (the account's version it made; store/history.ts).
 * A credit the stream never settled (a crash, a record sent to the on-failure queue) is in gsi1
 * under `CREDITS#<shard>` until settled: the sweeper settles those older than a grace period.
 *
 * A credit accepted while its account was active settles even if the account was frozen meanwhile
 * (freezing stops spending, which needs `status = active`; the money was already on its way). One
 * whose account was closed meanwhile goes back to its sender instead (ledger-return.ts).
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { BankError, isBankError } from '../domain/errors.ts';
import { MAX_SETTLE } from '../domain/ledger.ts';
import { addMinor, type Currency } from '../domain/money.ts';
import { type AccountRecord, type AccountStore, postingNoAfter } from './accounts.ts';
import { busy, conditionFailed, type Db, type Piece, transact } from './db.ts';
import * as keys from './item-keys.ts';
import { again, done, isTransient, type RetryPolicy, retry, timeLeftFor } from './retry.ts';
import { historyIndexes, sideAttributes, sideUpdate } from './table.ts';

/** An unsettled credit, as stored. */
export interface Credit {
  accountId: string;
  ownerId: string;
  journalId: string;
  amount: number;
  currency: Currency;
  type: string;
  description: string;
  counterpartyNumber?: string;
  createdAt: string;
  sk: string;
}

const toCredit = (i: Record<string, unknown>): Credit => ({
  accountId: String(i.accountId),
  ownerId: String(i.ownerId),
  journalId: String(i.journalId),
  amount: Number(i.amount),
  currency: i.currency as Currency,
  type: String(i.type),
  description: String(i.description ?? ''),
  ...(i.counterpartyNumber ? { counterpartyNumber: String(i.counterpartyNumber) } : {}),
  createdAt: String(i.createdAt),
  sk: String(i.sk),
});

/**
 * An account's unsettled credits, oldest first, read strongly consistent: at most `limit`, or all
 * of them (pages) without one.
 */
export const unsettledCredits = async (
  db: Db,
  table: string,
  accountId: string,
  limit?: number,
): Promise<Credit[]> => {
  const { pk, skPrefix } = keys.creditsOf(accountId);
  const out: Credit[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const r = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
        ConsistentRead: true,
        ...(limit ? { Limit: limit - out.length } : {}),
        ExclusiveStartKey: start,
      }),
    );
    out.push(...(r.Items ?? []).map(toCredit));
    start = r.LastEvaluatedKey;
  } while (start && (!limit || out.length < limit));
  return out;
};

/** What is on its way into an account: the sum of its unsettled credits. */
export const incomingOf = async (db: Db, table: string, accountId: string): Promise<number> =>
  (await unsettledCredits(db, table, accountId)).reduce((s, c) => addMinor(s, c.amount), 0);

/**
 * An account and what is on its way into it, consistent with each other. A settlement deletes credits
 * and moves them into the balance with the account's version in one transaction, so the account read
 * before and after the credits are read at one version means no settlement came between: the credits
 * read are exactly those not in that balance. (Read side by side, a credit settled in between would
 * show in both, or in neither.) `first` is the account as already read; `reread` reads it again.
 * Under a settlement at every attempt it gives up with 503, as the writers do.
 */
export const withIncoming = async <A extends { id: string; version: number }>(
  db: Db,
  table: string,
  first: A,
  reread: () => Promise<A>,
  policy: Partial<RetryPolicy> = { baseMs: 2, capMs: 50 },
): Promise<{ account: A; incoming: number }> => {
  let before = first;
  const r = await retry(async () => {
    const incoming = await incomingOf(db, table, before.id);
    const after = await reread();
    if (after.version === before.version) return done({ account: after, incoming });
    before = after;
    return again;
  }, policy);
  if (!r) throw busy('The account is being updated: try again');
  return r;
};

/** The credit item of a transfer (a piece of its transaction), indexed for the sweeper. */
export const creditPut = (table: string, c: Omit<Credit, 'sk'>, shard: number): Piece<'credit'> => ({
  name: 'credit',
  item: {
    Put: {
      TableName: table,
      Item: {
        ...keys.credit(c.accountId, c.createdAt, c.journalId),
        entity: 'credit',
        ...c,
        status: 'pending',
        gsi1pk: keys.creditShard(shard),
        gsi1sk: `${c.createdAt}#${c.journalId}`,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  },
});

/**
 * The end of a credit: its item deleted on the condition that it is still there, so that a credit is
 * settled (or returned) once, and never both.
 */
export const creditDelete = (table: string, c: Pick<Credit, 'accountId' | 'sk'>): Piece<'credit'> => ({
  name: 'credit',
  item: {
    Delete: {
      TableName: table,
      Key: { pk: keys.creditsOf(c.accountId).pk, sk: c.sk },
      ConditionExpression: 'attribute_exists(pk)',
    },
  },
});

/**
 * What one return of a closed account's credit did (CreditReturns.returnCredit, ledger-return.ts):
 * `unclaimed` when its sender's account is closed too and it went to unclaimed funds instead,
 * `sender_frozen` when its sender's account cannot take it back now.
 */
export type ReturnOutcome = 'returned' | 'unclaimed' | 'gone' | 'raced' | 'sender_frozen';

/** The settler's and the sweeper's log lines of a credit left and of one unclaimed (the registry's `alarmOnLog`). */
export { CREDIT_LEFT_UNSETTLED, CREDIT_UNCLAIMED } from '../domain/ledger.ts';

/**
 * Why a closed account's credit stays a credit item: its sender's account is frozen (the sweeper
 * returns it once unfrozen), or the settler was given no returner.
 */
export type LeftReason = 'sender_frozen' | 'no_returner';

/** A closed account's credit left a credit item, as its log line names it (a type: a logger's attributes). */
export type CreditLeft = {
  /** The closed account the credit was for. */
  accountId: string;
  journalId: string;
  amount: number;
  currency: Currency;
  reason: LeftReason;
};

const leftOf = (c: Credit, reason: LeftReason): CreditLeft => ({
  accountId: c.accountId,
  journalId: c.journalId,
  amount: c.amount,
  currency: c.currency,
  reason,
});

/**
 * The refusal of a closed account's credits that cannot go back to their senders now: `account_not_active`
 * (which the stream passes over, for the sweeper to try again), naming each credit left.
 */
export class CreditsLeft extends BankError {
  readonly credits: CreditLeft[];

  constructor(accountId: string, credits: CreditLeft[]) {
    super(
      'account_not_active',
      `Account ${accountId} is closed: ${credits.length} credit(s) stay unsettled, their senders unable to take them back`,
    );
    this.credits = credits;
  }
}

/** The credits a refusal left a closed account holding (CreditsLeft), or undefined for any other. */
export const creditsLeftBy = (e: unknown): CreditLeft[] | undefined =>
  e instanceof CreditsLeft ? e.credits : undefined;

export interface CreditReturner {
  returnCredit(credit: Credit, now: Date): Promise<ReturnOutcome>;
}

export interface SettlerOptions {
  /** Shards of the sweeper's index of credits (the ledger's systemShards). */
  systemShards: number;
  /** Returns the credits of an account found closed; without it they stay credit items. */
  returns?: CreditReturner;
  retry?: Partial<RetryPolicy>;
  now?: () => Date;
  /**
   * The epoch ms that the deadline checks read, settle's and settleDue's and retry's between attempts
   * (default `Date.now`; a test's clock moves them).
   */
  time?: () => number;
  /** A monotonic clock in ms for the timings told to `onSettled` (default `performance.now`). */
  clock?: () => number;
  /**
   * Hears of each settlement as it commits (the stream's and the sweeper's). A settled credit's history
   * entry carries its own version as `seq`, so from then on any read of the account at that version or
   * later holds it.
   */
  onSettled?: (s: Settled) => void;
}

/**
 * A settlement as it committed, for its log line (src/handlers/context.ts) and the bench. A type, not
 * an interface, so that it is a logger's attributes as it is.
 */
export type Settled = {
  accountId: string;
  /** How many credits it folded in. */
  settled: number;
  /** The account's version after it. */
  version: number;
  /**
   * Its attempts: 1, or more when an attempt lost a race (the account's version moved, a credit was
   * taken, a conflict); the timings below are the last attempt's.
   */
  attempts: number;
  /** Its reads (the account and its credits, side by side), in ms. */
  readMs: number;
  /**
   * Its transaction, from sent to answered, in ms: offline, mostly its wait in DynamoDB Local's queue
   * (and the answer's wait for the stack's one Node process).
   */
  commitMs: number;
  /** How long its oldest credit had waited when it committed (`now` − `createdAt`), in ms: the settlement lag. */
  oldestMs: number;
};

/**
 * What `read` gives, or undefined when it failed for a reason that trying again may mend (a throttle or
 * a timeout past the SDK's own retries): the settlement's attempt is then tried again, as a lost race is.
 */
const unlessTransient = <T>(read: Promise<T>): Promise<T | undefined> =>
  read.catch((e: unknown) => {
    if (isTransient(e, undefined)) return undefined;
    throw e;
  });

/** The sweeper's reason for an account it did not try: the run's deadline was too near. */
export const OUT_OF_TIME = 'not tried: the run was out of time; the next run settles it';

/**
 * An account the sweeper did not settle, and why; `credits` names a closed account's credits left a
 * credit item because their senders cannot take them back (CreditsLeft).
 */
export type SettleFailure = { accountId: string; error: string; credits?: CreditLeft[] };

/** Several settlers (the stream's, the sweeper's) may race on one account: each round one wins. */
const CONTENTION: Partial<RetryPolicy> = { maxAttempts: 40, baseMs: 5, capMs: 200 };

export class CreditSettler {
  private readonly now: () => Date;
  /** What the deadline checks read (SettlerOptions.time). */
  private readonly time: () => number;
  private readonly clock: () => number;
  private readonly policy: Partial<RetryPolicy>;

  constructor(
    private readonly db: Db,
    private readonly table: string,
    private readonly accounts: AccountStore,
    private readonly opts: SettlerOptions,
  ) {
    this.now = opts.now ?? (() => new Date());
    this.time = opts.time ?? Date.now;
    this.clock = opts.clock ?? (() => performance.now());
    // retry()'s own deadline check between attempts reads the same clock.
    this.policy = { ...CONTENTION, ...(opts.time ? { now: opts.time } : {}), ...opts.retry };
  }

  /**
   * Settles every unsettled credit of the account, MAX_SETTLE per transaction; returns how many.
   * Throws 503 (busy) when contention outlasts the retries, or when the invocation's deadline leaves no
   * time for another round as long as the slowest so far (credits keep coming to a hot account), the
   * first round included (the reserve alone): the stream retries the record, and the rounds committed
   * stay committed. `progress` hears of each commit as it lands (a round's credits, or one return), so a
   * caller that catches the 503 still knows what was settled before it.
   */
  async settle(ownerId: string, accountId: string, progress?: (n: number) => void): Promise<number> {
    let settled = 0;
    const count = (n: number) => {
      settled += n;
      progress?.(n);
    };
    const outOfTime = () =>
      busy('Out of time settling the account: the rest of its credits are settled later');
    let slowest = 0;
    // The slowest return of a closed account's credits, across the attempts of its round.
    let slowestReturn = 0;
    for (;;) {
      if (!timeLeftFor(slowest, this.time())) throw outOfTime();
      const began = this.time();
      const n = await retry(async (attempt) => {
        const began = this.clock();
        // A read throttled or timed out past the SDK's own retries is tried again, as a lost race is:
        // the record fails (for the stream to retry) only once the attempts or the time run out.
        const both = await unlessTransient(
          Promise.all([
            this.accounts.mustGet(ownerId, accountId),
            unsettledCredits(this.db, this.table, accountId, MAX_SETTLE),
          ]),
        );
        if (!both) return again;
        const [account, credits] = both;
        if (credits.length === 0) return done(0);
        // A credit that raced its account's close (the close saw no credit yet) is never folded into a
        // closed account, where nothing could move it again: it goes back to its sender, one
        // transaction per credit (ledger-return.ts). Without a returner, or when the sender cannot
        // take it back, it stays a credit item, counted by verify-ledger (and flagged once older than
        // two sweeps) for staff.
        if (account.status === 'closed') {
          const { returns } = this.opts;
          if (!returns)
            throw new CreditsLeft(
              accountId,
              credits.map((c) => leftOf(c, 'no_returner')),
            );
          // All of them, not one round's: a page of credits whose senders cannot take them back must
          // not keep the later senders' from going back (each return is a transaction of its own).
          // Each return is counted as it commits, and none is begun that the deadline leaves no time for.
          const all =
            credits.length < MAX_SETTLE
              ? credits
              : await unlessTransient(unsettledCredits(this.db, this.table, accountId));
          if (!all) return again;
          let stuck: BankError | undefined;
          const left: CreditLeft[] = [];
          let raced = false;
          for (const c of all) {
            if (!timeLeftFor(slowestReturn, this.time())) throw outOfTime();
            const began = this.time();
            try {
              const r = await returns.returnCredit(c, this.now());
              // A return that lost a race (a busy sender, a conflict, a throttle) is tried again on
              // fresh reads, after the others: a hot sender does not hold up the other senders' returns.
              if (r === 'raced') raced = true;
              // A frozen sender's: it stays a credit item, named in the refusal thrown below. A closed
              // sender's went to unclaimed funds (ledger-return.ts), which the stream function tells staff of.
              if (r === 'sender_frozen') left.push(leftOf(c, r));
              // Only this call's returns count: one that another settler made is its to count.
              if (r === 'returned' || r === 'unclaimed') count(1);
            } catch (e) {
              // A read throttled or timed out past the SDK's own retries: the same, tried again.
              if (isTransient(e, undefined)) raced = true;
              else if (!isBankError(e)) throw e;
              // A refusal does not hold up the other senders' returns. What is thrown at the end is the
              // first one that is not `account_not_active` (which the stream passes over for the
              // sweeper to retry): any other is unexpected, and must not hide behind the credits left.
              else if (!stuck || stuck.code === 'account_not_active') stuck = e;
            }
            slowestReturn = Math.max(slowestReturn, this.time() - began);
          }
          // Tried again on fresh reads: what this round returned is gone from them; out of attempts,
          // the 503 below, a transient failure, which the stream retries (not passed over).
          if (raced) return again;
          if (stuck && stuck.code !== 'account_not_active') throw stuck;
          // Then the credits whose senders cannot take them back, named for the settler's and the
          // sweeper's log line (CREDIT_LEFT_UNSETTLED), as `account_not_active`.
          if (left.length > 0) throw new CreditsLeft(accountId, left);
          if (stuck) throw stuck;
          // Counted already; none left to settle.
          return done(0);
        }
        const read = this.clock();
        if (!(await this.settleOnce(account, credits, this.now()))) return again;
        const ms = (v: number) => Math.round(v * 10) / 10;
        this.opts.onSettled?.({
          accountId,
          settled: credits.length,
          version: account.version + credits.length,
          attempts: attempt + 1,
          readMs: ms(read - began),
          commitMs: ms(this.clock() - read),
          oldestMs: this.now().getTime() - Math.min(...credits.map((c) => Date.parse(c.createdAt))),
        });
        return done(credits.length);
      }, this.policy);
      if (n === undefined) throw busy('The account is busy settling credits');
      slowest = Math.max(slowest, this.time() - began);
      count(n);
      if (n < MAX_SETTLE) return settled;
    }
  }

  /**
   * One settlement of `credits` into `account` as read. False when the account changed since (its
   * version), a credit is already settled (its `attribute_exists`), or DynamoDB asked to retry.
   */
  async settleOnce(account: AccountRecord, credits: readonly Credit[], now: Date): Promise<boolean> {
    const pieces: Piece[] = [];
    let balance = account.balance;
    let version = account.version;
    let postingNo = postingNoAfter(account, 0);
    let last = account.lastPostedAt ? Date.parse(account.lastPostedAt) : 0;
    let sum = 0;
    let at = '';
    for (const c of credits) {
      // After the account's last posting (history order = version order) and after the credit itself.
      const t = Math.max(now.getTime(), last + 1, Date.parse(c.createdAt) + 1);
      last = t;
      at = new Date(t).toISOString();
      balance = addMinor(balance, c.amount);
      sum = addMinor(sum, c.amount);
      version += 1;
      postingNo += 1;
      // The credit's history entry is the journal's credited side in hist2 (store/history.ts).
      const side = sideUpdate(
        sideAttributes(historyIndexes[1], c.accountId, at, c.journalId, {
          seq: version,
          counterparty: c.counterpartyNumber,
        }),
      );
      pieces.push(
        { ...creditDelete(this.table, c), name: `credit:${c.journalId}` },
        {
          name: `journal:${c.journalId}`,
          item: {
            Update: {
              TableName: this.table,
              Key: keys.journal(c.journalId),
              UpdateExpression: `SET #to.balanceAfter = :after, #to.postingNo = :no, settledAt = :at, ${side.set} REMOVE unsettled`,
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeNames: { '#to': 'to' },
              ExpressionAttributeValues: { ':after': balance, ':no': postingNo, ':at': at, ...side.values },
            },
          },
        },
      );
    }
    pieces.unshift({
      name: 'account',
      item: {
        Update: {
          TableName: this.table,
          Key: keys.account(account.ownerId, account.id),
          UpdateExpression:
            'SET balance = balance + :sum, available = available + :sum, version = :next, lastPostedAt = :at, postingNo = :postingNo',
          // The version read, and never into a closed account (a close between this read and the write
          // moves the version too: this is the rule as stored).
          ConditionExpression: 'version = :version AND #status <> :closed',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':closed': 'closed',
            ':sum': sum,
            ':next': version,
            ':postingNo': postingNo,
            ':version': account.version,
            ':at': at,
          },
        },
      },
    });
    const r = await transact(this.db, pieces);
    if (r.ok) return true;
    if (conditionFailed(r.failed).length > 0 || isTransient(r.error, r.codes)) return false;
    throw r.error;
  }

  /**
   * The sweeper's part: settles the accounts of credits older than `graceMs` (ones the stream missed:
   * a crash, a record sent to the on-failure queue). The index may lag; `settle` reads consistently.
   */
  async settleDue(
    now = this.now(),
    graceMs = 5_000,
  ): Promise<{ settled: number; accounts: number; failed: SettleFailure[] }> {
    const bound = new Date(now.getTime() - graceMs).toISOString();
    const due = new Map<string, string>();
    for (let shard = 0; shard < this.opts.systemShards; shard++) {
      let start: Record<string, unknown> | undefined;
      do {
        const r = await this.db.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk < :bound',
            ExpressionAttributeValues: { ':pk': keys.creditShard(shard), ':bound': `${bound}#\uffff` },
            ExclusiveStartKey: start,
          }),
        );
        for (const item of r.Items ?? []) due.set(String(item.accountId), String(item.ownerId));
        start = r.LastEvaluatedKey;
      } while (start);
    }
    // One account that cannot settle now (busy, or closed) does not hold up the others. Before each
    // account, the run's deadline must leave time for one as slow as the slowest so far; when it does
    // not, the accounts left are reported not settled (out of time), for the next run.
    let settled = 0;
    let slowest = 0;
    const failed: SettleFailure[] = [];
    for (const [accountId, ownerId] of due) {
      if (!timeLeftFor(slowest, this.time())) {
        failed.push({ accountId, error: OUT_OF_TIME });
        continue;
      }
      const began = this.time();
      try {
        // Counted as each commit lands: an account that ran out of time midway still reports its rounds.
        await this.settle(ownerId, accountId, (n) => {
          settled += n;
        });
      } catch (e) {
        const credits = creditsLeftBy(e);
        failed.push({
          accountId,
          error: e instanceof Error ? e.message : String(e),
          ...(credits ? { credits } : {}),
        });
      }
      slowest = Math.max(slowest, this.time() - began);
    }
    return { settled, accounts: due.size, failed };
  }
}
