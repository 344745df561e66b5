import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { DEFAULT_DAILY_DEPOSIT_LIMIT } from '../config.ts';
import { expiredHolds, type Hold, holdsFault, MAX_LIVE_HOLDS } from '../domain/account.ts';
import { BankError, isBankError, isDecline } from '../domain/errors.ts';
import {
  type Change,
  debitOf,
  type Journal,
  type Metadata,
  type Party,
  type Plan,
  planRelease,
  shardOf,
  utcDay,
} from '../domain/ledger.ts';
import type { Currency } from '../domain/money.ts';
import { type AccountRecord, type AccountStore, postingNoAfter } from './accounts.ts';
import {
  AlreadyCommitted,
  busy,
  conditionFailed,
  createsItem,
  type Db,
  itemKeyOf,
  type Piece,
  queryAll,
  transact,
} from './db.ts';
import { foldUpdates } from './fold.ts';
import {
  type DeclineExtra,
  type IdempotencyStore,
  keyInUse,
  keyReused,
  type Recorded,
  type Replayed,
  type StoredBatch,
  type StoredOutcome,
} from './idempotency.ts';
import * as keys from './item-keys.ts';
import { readJournal, readStoredJournal, type StoredJournal } from './ledger-journal.ts';
import { creditPut } from './ledger-settle.ts';
import { again, done, isTransient, type RetryPolicy, retry } from './retry.ts';
import { historyIndexes, sideAttributes } from './table.ts';

/** When a transfer's credit is deferred to the settler (see LedgerOptions.deferCredits). */
export type DeferCredits = 'off' | 'contended' | 'always';

/**
 * Under `contended`, how long a recipient that lost a race stays hot in this instance's memory: its
 * next transfers defer their credit at the first attempt instead of losing a race first.
 */
export const HOT_RECIPIENT_MS = 5_000;

/**
 * What one attempt of a commit learned as it read: `unreleased`, that an expired hold of an account it
 * debits could not be released (`debitable`). Then a refusal for the daily limit, which that hold's
 * amount still counted may cause (or one for too many holds, which its place in the map may cause), is
 * not recorded with the key: the attempt is tried again, and out of attempts the answer is 503 with
 * the key still free. (Funds need no such rule: an expired hold is not
 * held as planned, so only the stored `available`'s condition can refuse, which is retried anyway.)
 */
interface AttemptState {
  unreleased: boolean;
  /**
   * `debitable` released (or tried to release) expired holds: an account read beside it, not after it
   * (a transfer's recipient), may predate the release, and so may the daily counter it carries (`room`).
   */
  released: boolean;
  /**
   * The owner and currency of the account `debitable` read: its daily counter is shared by every
   * account of that owner in that currency, whose expired holds a refusal for the limit releases first
   * (`releaseShared`).
   */
  debited?: { owner: string; currency: Currency };
}

/**
 * Refusals that a hold still counted, though expired, can cause: its amount (the daily limit), or its
 * place in the account's `holds` map (a new pending transfer's `too_many_holds`, which counts the map).
 */
const HELD_BACK = new Set(['daily_limit_exceeded', 'too_many_holds']);

export interface LedgerOptions {
  /** Shards per system account (cash-in, cash-out), and of the sweeper's index of pending journals. */
  systemShards: number;
  /** Per user, currency and UTC day: withdrawals and outgoing transfers, in minor units. */
  dailyLimit: number;
  /** Per user, currency and UTC day: self-service deposits, in minor units (default 1 000 000). */
  dailyDepositLimit?: number;
  /** Retries of contention (version conflicts, TransactionConflict, throttling). */
  retry?: Partial<RetryPolicy>;
  /** The clock (tests inject one). */
  now?: () => Date;
  /**
   * Hot recipients (ledger-settle.ts): a deferred transfer's credit is written as a credit item under
   * the recipient and settled into the account by the settler, instead of updating the recipient's
   * account item in the transfer's own transaction (which conflicts on AWS for concurrent credits).
   * `contended`: only a transfer whose earlier attempt lost a race on the recipient's account item
   * (a transaction conflict, or its version moved) is deferred, and, for HOT_RECIPIENT_MS after that,
   * every transfer this instance makes to that recipient; `always`: every transfer; `off` (the
   * default here): none.
   */
  deferCredits?: DeferCredits;
  /**
   * Counts `count` account numbers that matched no account in `user`'s transfer or bulk payment,
   * before the answer says so (`recipient_not_found`): throws (429 `rate_limited`) to answer that
   * instead, unrecorded, so that made-up numbers cannot be tried faster than the name checks allow
   * (rate-counter.ts NUMBER_CHECKS). Without it, nothing is counted.
   */
  unknownNumbers?: (user: string, count: number, now: Date) => Promise<void>;
  /**
   * The 429 that `unknownNumbers` would give now that `user`'s count is spent, or undefined while it
   * has room: a payment to someone else's account gets it too, for the rest of the window, or its
   * usual answer would tell the numbers that exist from those that do not. (The scheduled runs' ledger
   * has neither hook: src/handlers/context.ts.)
   */
  numbersSpent?: (user: string, now: Date) => Promise<BankError | undefined>;
}

/**
 * An account item the ledger will not plan a debit on: its `holds` map is malformed (holdsFault), so
 * what it holds, and what of it may be released, is unknown (its sums come out NaN, which passes every
 * check of a plan). Not a BankError, and not a decline: the API logs it at ERROR ('unhandled error',
 * naming the account and the fault) and answers 500, which the API's 5xx alarm counts; nothing is kept
 * with the Idempotency-Key, so the same request goes through once staff repair the item.
 */
export class CorruptAccount extends Error {
  override readonly name = 'CorruptAccount';
  constructor(
    readonly accountId: string,
    fault: string,
  ) {
    super(`Account ${accountId} is refused every debit until its item is repaired: ${fault}`);
  }
}

/** `a`, unless its holds are malformed (CorruptAccount). */
const sound = <A extends { id: string; holds?: unknown }>(a: A): A => {
  const fault = holdsFault(a.holds);
  if (fault) throw new CorruptAccount(a.id, fault);
  return a;
};

/** What every request that moves money carries: the caller and the request's identity. */
export interface Keyed {
  user: string;
  idempotencyKey: string;
  fingerprint: string;
}

export interface MovementRequest extends Keyed {
  amount: number;
  description?: string | undefined;
  metadata?: Metadata | undefined;
}

export type Name =
  | 'idempotency'
  | 'journal'
  | 'original'
  /** The transfer a refund that staff reverse refunded: given back less by what is reversed. */
  | 'refunded'
  | 'from'
  /** The update of a recipient's account, by its id (a bulk payment has one per recipient). */
  | `to:${string}`
  | 'limit'
  | 'limitRelease'
  | 'deposits'
  | 'entry'
  | 'credit'
  /** A bulk payment's journals and deferred credits, by the transfer's index in the batch. */
  | `journal:${number}`
  | `credit:${number}`
  | `posting:${string}`;

/**
 * A journal to commit: its pieces, and the journal as it stands once they commit; or (a bulk payment,
 * ledger-batch.ts) the pieces and the outcome they record. `extra`: pieces a caller adds to the same
 * transaction (say, an audit record); if one fails, the attempt is retried.
 */
export type Attempt = (
  | { journal: Journal; pieces: Piece<Name>[] }
  | { outcome: StoredBatch; pieces: Piece<Name>[] }
) & { extra?: readonly Piece[] };

/** A journal's side on `a`; with `balanceAfter` a posted one, numbered as the account's next posting. */
export const party = (a: AccountRecord, metadata?: Metadata, balanceAfter?: number): Party => ({
  accountId: a.id,
  number: a.number,
  ownerId: a.ownerId,
  ...(metadata && Object.keys(metadata).length > 0 ? { metadata } : {}),
  ...(balanceAfter !== undefined ? { balanceAfter, postingNo: postingNoAfter(a) } : {}),
});

/** How many days before yesterday an update of a host's counter that has not read the host removes. */
const STALE_DAYS = 30;

/**
 * Contention on one account (every commit on it changes its version, so the others plan again) is
 * resolved one writer per round: enough short, jittered attempts for a few dozen concurrent writers.
 * The Lambda's deadline bounds them first when time runs short.
 */
export const CONTENTION: Partial<RetryPolicy> = { maxAttempts: 40, baseMs: 5, capMs: 200 };

/** The engine that every movement of the ledger is committed by (see the top of this module). */
export class LedgerEngine {
  protected readonly now: () => Date;
  protected readonly depositLimit: number;
  /** Recipients that lost a race lately (`contended`): account id -> until when (epoch ms) they are hot. */
  private readonly hot = new Map<string, number>();
  protected readonly policy: Partial<RetryPolicy>;
  /** The current attempt's state, for `debitable` to mark (AttemptState). */
  private readonly attempts = new AsyncLocalStorage<AttemptState>();

  constructor(
    protected readonly db: Db,
    protected readonly table: string,
    protected readonly accounts: AccountStore,
    protected readonly idempotency: IdempotencyStore,
    protected readonly opts: LedgerOptions,
  ) {
    this.now = opts.now ?? (() => new Date());
    this.depositLimit = opts.dailyDepositLimit ?? DEFAULT_DAILY_DEPOSIT_LIMIT;
    this.policy = { ...CONTENTION, ...opts.retry };
  }

  /**
   * Expires one pending journal whose time has passed: releases its hold and gives it back to the
   * daily limit. False when it was not due, or post, void or another expiry got there first; 503
   * `service_unavailable` when its attempts or the deadline ran out with it still pending (the sweep
   * counts it failed; before, it took it for "not due"; a debit goes on regardless: `debitable`).
   *
   * True also when an attempt of this call committed and its answer was lost (a timeout): the next
   * attempt finds the journal expired, and the mark this call wrote on it (`expiredBy`, a random id
   * per call, kept on the journal item and shown by no read) says it was this call, not another
   * expiry that got there first (before, the sweep counted it as not expired). A CorruptAccount when
   * the sender's update failed and its holds map is malformed (`soundAccount`).
   */
  async expire(journalId: string, now = this.now()): Promise<boolean> {
    const by = randomUUID();
    let senderFailed = false;
    const out = await retry(async () => {
      const j = await this.storedJournal(journalId);
      if (j?.status === 'expired' && j.expiredBy === by) return done(true);
      if (j?.status !== 'pending' || !j.expiresAt || Date.parse(j.expiresAt) > now.getTime())
        return done(false);
      if (senderFailed && j.from) await this.soundAccount(j.from.ownerId, j.from.accountId);
      const { pieces } = this.release(j, now, true, { expiredBy: by });
      const r = await transact(this.db, foldUpdates(pieces));
      if (r.ok) return done(true);
      const failed = conditionFailed(r.failed);
      if (failed.includes('from')) senderFailed = true;
      if (failed.length > 0 || isTransient(r.error, r.codes)) return again;
      throw r.error;
    }, this.policy);
    if (out === undefined) throw busy('A pending transfer past its expiry could not be released yet');
    return out;
  }

  /**
   * The update of a posted journal that a refund or a reversal gives `amount` of back: the stored
   * `refundable` (what is left to give back, shared by refunds and reversals) must cover it, and goes
   * down by it. A journal that never had it (deposits, withdrawals, refunds, older items) starts from
   * its amount. `field` sums the refunds or the reversals. `also`: more of the same update (a return
   * of a deferred credit also settles the journal's recipient side, on the condition that it is unsettled).
   */
  protected givenBack(
    journalId: string,
    field: 'refundedAmount' | 'reversedAmount',
    amount: number,
    also: { set?: string; remove?: string; condition?: string; values?: Record<string, unknown> } = {},
  ): Piece<Name> {
    const set = `SET refundable = if_not_exists(refundable, amount) - :amount, ${field} = if_not_exists(${field}, :zero) + :amount, version = version + :one`;
    const condition =
      '#status = :posted AND (refundable >= :amount OR (attribute_not_exists(refundable) AND amount >= :amount))';
    return {
      name: 'original',
      item: {
        Update: {
          TableName: this.table,
          Key: keys.journal(journalId),
          UpdateExpression: [
            also.set ? `${set}, ${also.set}` : set,
            also.remove ? `REMOVE ${also.remove}` : '',
          ]
            .filter(Boolean)
            .join(' '),
          ConditionExpression: also.condition ? `${condition} AND ${also.condition}` : condition,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':amount': amount,
            ':zero': 0,
            ':one': 1,
            ':posted': 'posted',
            ...also.values,
          },
        },
      },
    };
  }

  // ---------- reads ----------

  /** A journal, read strongly consistent (never a 404 right after a 201). */
  getJournal(id: string): Promise<(Journal & { version: number }) | undefined> {
    return readJournal(this.db, this.table, id);
  }

  /** A journal to write again whole, with the fingerprint it keeps (StoredJournal). */
  protected storedJournal(id: string): Promise<StoredJournal | undefined> {
    return readStoredJournal(this.db, this.table, id);
  }

  // ---------- the engine ----------

  /** The customer's count of account-number checks, read (LedgerOptions.numbersSpent): its 429 if spent. */
  protected numbersSpent(req: Keyed, now: Date): Promise<BankError | undefined> {
    return this.opts.numbersSpent?.(req.user, now) ?? Promise.resolve(undefined);
  }

  /**
   * Counts `count` account numbers of `req` that matched no account (LedgerOptions.unknownNumbers),
   * unless its key already holds an answer: a retry whose first answer was lost, or a key reused for
   * another request, is answered from the record (`commit`) and is not charged again. Only a request
   * that names an unknown number pays this read.
   */
  protected async countUnknown(req: Keyed, count: number, now: Date): Promise<void> {
    const take = this.opts.unknownNumbers;
    if (!take) return;
    try {
      if (await this.idempotency.replay(req.user, req.idempotencyKey, req.fingerprint, now)) return;
    } catch (e) {
      if (isBankError(e) && e.code === 'idempotency_key_reused') return;
      throw e;
    }
    await take(req.user, count, now);
  }

  /**
   * Plans and commits, retrying contention (a changed account or journal means: plan again on fresh
   * data), or answers a repeat from the idempotency record. A decline is recorded for replay and
   * returned, never thrown. Gives up with 503 (Retry-After) when the retries or the Lambda's time run out.
   *
   * A movement that creates a journal creates it under the id the caller's key names (`journalIdFor`):
   * the journal is then its record (see `recorded`).
   */
  protected async commit<S extends Recorded = StoredOutcome>(
    req: Keyed,
    /** `contended`: the pieces that failed (a condition, or a transaction conflict) in earlier attempts. */
    attempt: (now: Date, contended: ReadonlySet<Name>) => Promise<Attempt>,
    /** Pieces to commit with a decline's record (a staff action's audit record of its refusal). */
    declined?: DeclineExtra,
  ): Promise<Replayed<S>> {
    const contended = new Set<Name>();
    const earlier = (now: Date) =>
      this.idempotency.replay<S>(req.user, req.idempotencyKey, req.fingerprint, now);
    // Upgrading a table whose records were kept elsewhere (IdempotencyStore.legacyReplay): a request
    // answered before the upgrade is a repeat, though its record is not where this transaction looks.
    const before = await this.idempotency.legacyReplay<S>(
      req.user,
      req.idempotencyKey,
      req.fingerprint,
      this.now(),
    );
    if (before) return before;
    // No read of the idempotency record up front: the record's own condition in the transaction (or in
    // the decline's write) detects a repeat, and then we answer what the key holds. First requests,
    // the common case, save a read.
    const out = await retry<Replayed<S>>(async () => {
      const now = this.now();
      // Each attempt its own: a read left running by an earlier one cannot mark this one.
      const state: AttemptState = { unreleased: false, released: false };
      let a: Attempt;
      try {
        a = await this.attempts.run(state, () => attempt(now, contended));
      } catch (e) {
        if (isDecline(e)) {
          if (state.unreleased && HELD_BACK.has(e.code)) {
            // Not kept while the hold is counted, but a request already answered (its answer lost, and
            // its own debit what the refusal sees) is replayed, not held back to a 503.
            const replayed = await earlier(now);
            return replayed ? done(replayed) : again;
          }
          if (e.code === 'daily_limit_exceeded' && (await this.releaseShared(state, now))) return again;
          return done(await this.decline<S>(req, e, now, declined));
        }
        // An extra piece found the request committed by an earlier attempt that lost its answer.
        if (e instanceof AlreadyCommitted) {
          const replayed = await earlier(now);
          if (replayed) return done(replayed);
        }
        // Not a decline (say, 404): still, a key already used for another request is the first thing to
        // say. So is a request already answered, before a refusal of an item since written wrong.
        if (isBankError(e) || e instanceof CorruptAccount) {
          const replayed = await earlier(now);
          if (replayed) return done(replayed);
        }
        throw e;
      }
      const outcome = ('outcome' in a ? a.outcome : { kind: 'journal', journal: a.journal }) as S;
      const r = await transact<string>(
        this.db,
        foldUpdates([...this.recorded(req, a, outcome, now), ...(a.extra ?? [])]),
      );
      if (r.ok) return done({ ...outcome, replayed: false } as Replayed<S>);
      for (const name of Object.keys(r.failed) as Name[]) contended.add(name);
      const failed = conditionFailed(r.failed);
      if (failed.includes('idempotency')) {
        // The key was committed by a concurrent duplicate: answer what it answered.
        const replayed = await earlier(now);
        if (replayed) return done(replayed);
        throw keyInUse();
      }
      if (failed.includes('limit')) {
        if (state.unreleased || (await this.releaseShared(state, now))) return again;
        return done(
          await this.decline<S>(
            req,
            new BankError('daily_limit_exceeded', 'This would exceed your daily outgoing limit'),
            now,
            declined,
          ),
        );
      }
      if (failed.includes('deposits')) {
        return done(
          await this.decline<S>(
            req,
            new BankError('deposit_limit_exceeded', 'This would exceed your daily deposit limit'),
            now,
            declined,
          ),
        );
      }
      // An account or journal changed since we read it, or DynamoDB asked us to retry.
      if (failed.length > 0 || isTransient(r.error, r.codes)) return again;
      throw r.error;
    }, this.policy);
    if (!out) throw busy('The account is busy: retry with the same Idempotency-Key');
    return out;
  }

  /**
   * An attempt's pieces with its idempotency record, the piece named `idempotency`. A movement whose
   * new journal has the id its key names (`journalIdFor`) is recorded by that journal: the journal's
   * Put carries the fingerprint, and its condition is the repeat check (2 write units less than a
   * record item; a record item there too would be a second write of one item, which DynamoDB refuses).
   * Any other (post, void, a bulk payment) writes a record item at that id, kept for good as the
   * journal is (`recordPut`'s `kept`); one that would act on the journal the key already names is
   * refused (`idempotency_key_reused`).
   */
  private recorded(req: Keyed, a: Attempt, outcome: Recorded, now: Date): Piece<Name>[] {
    const record = keys.idempotency(req.user, req.idempotencyKey);
    const onRecord = a.pieces.filter((p) => {
      const k = itemKeyOf(p.item);
      return k?.pk === record.pk && k.sk === record.sk;
    });
    if (onRecord.length === 0) {
      return [
        {
          name: 'idempotency',
          item: this.idempotency.recordPut(req.user, req.idempotencyKey, req.fingerprint, outcome, now, {
            kept: true,
          }),
        },
        ...a.pieces,
      ];
    }
    // The key already names a journal that this attempt acts on (a post or void of the pending
    // transfer the key created; a refund or reversal of the movement it created): another request.
    const [journal] = onRecord;
    if (onRecord.length > 1 || journal?.name !== 'journal' || !createsItem(journal.item)) throw keyReused();
    return a.pieces.map((p) =>
      p === journal
        ? { name: 'idempotency', item: this.idempotency.asRecord(p.item, req.fingerprint, now) }
        : p,
    );
  }

  /**
   * Which of `recipients` (account ids) this attempt of a transfer or a batch credits through a credit
   * item (LedgerOptions.deferCredits). Under `contended`, a recipient whose account update failed in an
   * earlier attempt (its piece `to:<accountId>`) is deferred and marked
   * hot; a recipient still hot is deferred at once; the others keep their account update, with its
   * `status = active` condition.
   *
   * Never the mover's own limit host (`limitHost`, the account whose item carries the mover's daily
   * counters): the movement writes that item for the limit anyway, so a credit item would add work and
   * take no write off it; and a failure of that item's update may be the limit's condition, folded
   * into it (foldUpdates), not a race, so it does not mark the account hot either.
   */
  protected deferredCredits(
    contended: ReadonlySet<Name>,
    all: readonly string[],
    now: Date,
    limitHost?: string,
  ): Set<string> {
    const recipients = all.filter((id) => id !== limitHost);
    const mode = this.opts.deferCredits ?? 'off';
    if (mode !== 'contended') return new Set(mode === 'always' ? recipients : []);
    const t = now.getTime();
    const lost = recipients.filter((id) => contended.has(`to:${id}`));
    if (lost.length > 0 && this.hot.size > 10_000)
      for (const [id, until] of this.hot) if (until <= t) this.hot.delete(id);
    for (const id of lost) this.hot.set(id, t + HOT_RECIPIENT_MS);
    return new Set(recipients.filter((id) => (this.hot.get(id) ?? 0) > t));
  }

  private decline<S extends Recorded>(
    req: Keyed,
    e: BankError,
    now: Date,
    declined: DeclineExtra | undefined,
  ): Promise<Replayed<S>> {
    return this.idempotency.recordDecline<S>(req.user, req.idempotencyKey, req.fingerprint, e, now, declined);
  }

  /**
   * An account about to be debited, read after releasing its holds that are past their expiry (the
   * stored `available` still counts them until released): an unswept hold does not refuse a debit,
   * unless its release keeps being throttled or losing races: then the debit goes on against the stored
   * `available` and daily counter, which still count it, and a refusal they cause is not recorded but
   * tried again (`commit`), 503 with the key still free when out of attempts.
   */
  protected async debitable(owner: string, accountId: string, now: Date): Promise<AccountRecord> {
    // A malformed holds map refuses the debit loudly (CorruptAccount), before any plan is made on it.
    const a = await this.soundAccount(owner, accountId);
    const state = this.attempts.getStore();
    if (state) state.debited = { owner, currency: a.currency };
    const expired = expiredHolds(a.holds, now);
    if (expired.length === 0) return a;
    if (state) state.released = true;
    await this.releaseExpired(expired, now, state);
    return this.soundAccount(owner, accountId);
  }

  /**
   * An account read to be debited as it is, without releasing its expired holds first (a post, which
   * takes what its own hold reserved): refused loudly (CorruptAccount) when its holds map is malformed,
   * as `debitable` refuses it. Also read after a release's update of the sender failed (void, expiry):
   * the release plans nothing on the map, but its update needs the hold in it, which a map that is not
   * one never has; without this read every attempt would fail alike, to a 503.
   */
  protected async soundAccount(owner: string, accountId: string): Promise<AccountRecord> {
    return sound(await this.accounts.mustGet(owner, accountId));
  }

  /**
   * Releases expired holds, one by one. One whose release keeps losing races or being throttled marks
   * the attempt `unreleased`: the debit goes on regardless, against the stored `available` and daily
   * counter that still count it (their conditions are the rule), a refusal they cause is not kept, and
   * the sweep releases it later.
   */
  private async releaseExpired(ids: readonly string[], now: Date, state: AttemptState | undefined) {
    for (const id of ids)
      await this.expire(id, now).catch((e: unknown) => {
        if (!(isBankError(e) && e.code === 'service_unavailable')) throw e;
        if (state) state.unreleased = true;
      });
  }

  /**
   * Before a refusal for the daily limit is answered (and kept with the key): releases the expired
   * holds of every account of the debited account's owner in its currency. They share its daily
   * counter, which still counts an expired hold until it is released, and `debitable` released only
   * the debited account's own. True when there were any (the attempt is tried again, on fresh reads);
   * a release that keeps failing marks the attempt `unreleased`, so its refusal is not kept either.
   * One read of the owner's accounts, on the refusal's path only.
   */
  private async releaseShared(state: AttemptState, now: Date): Promise<boolean> {
    if (!state.debited) return false;
    const { owner, currency } = state.debited;
    const { pk, skPrefix } = keys.accountsOf(owner);
    const mine = await queryAll(this.db, this.table, pk, skPrefix, {
      ProjectionExpression: '#id, #currency, #holds',
      ExpressionAttributeNames: { '#id': 'id', '#currency': 'currency', '#holds': 'holds' },
    });
    // A sibling whose holds are malformed cannot say what its release would give back: the refusal is
    // not kept on it, but answered loudly (CorruptAccount).
    const expired = mine
      .filter((a) => a.currency === currency)
      .map((a) => sound({ id: String(a.id), holds: a.holds }))
      .flatMap((a) => expiredHolds((a.holds as Record<string, Hold> | undefined) ?? {}, now));
    await this.releaseExpired(expired, now, state);
    return expired.length > 0;
  }

  /**
   * Void (by its sender) or expiry (by time) of a pending journal: the pieces that release its hold.
   * `extra`: attributes of the journal item that no read shows (an expiry's mark, `expire`).
   */
  protected release(j: StoredJournal, now: Date, expire: boolean, extra?: Record<string, unknown>): Attempt {
    const jFrom = j.from as Party;
    const plan = planRelease(j, { id: jFrom.accountId, balance: 0 }, now, expire);
    const { version, fingerprint, expiredBy: _, ...rest } = j;
    const journal: Journal = { ...rest, status: expire ? 'expired' : 'voided' };
    const change = plan.changes.get(jFrom.accountId) as Change;
    return {
      journal,
      pieces: [
        this.journalPut(journal, version + 1, { version, now, expire, fingerprint }, extra),
        this.accountPiece('from', { id: jFrom.accountId, ownerId: jFrom.ownerId }, change, undefined, {
          id: j.id,
          remove: true,
        }),
        ...this.limitPieces(jFrom.ownerId, journal, plan, now),
        {
          name: 'entry',
          item: {
            Update: {
              TableName: this.table,
              Key: keys.posting(jFrom.accountId, j.createdAt, j.id),
              UpdateExpression: 'SET #status = :status',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':status': journal.status },
            },
          },
        },
      ],
    };
  }

  /** The journal and pieces of a movement that posts at once (deposit, withdrawal, transfer, refund). */
  protected instant(
    id: string,
    plan: Plan,
    now: Date,
    req: MovementRequest,
    sides: { from?: [AccountRecord, Metadata?]; to?: [AccountRecord, Metadata?] },
    extra: Pick<
      Journal,
      'refundOf' | 'reverses' | 'tellerId' | 'reference' | 'reason' | 'batchId' | 'payoutMethod'
    > = {},
    /** The recipient's side as a credit item, settled later (ledger-settle.ts): its account is not written. */
    deferTo = false,
  ): { journal: Journal; pieces: Piece<Name>[] } {
    const deferred = deferTo && sides.to ? sides.to[0] : undefined;
    const records = [sides.from?.[0], deferred ? undefined : sides.to?.[0]].filter(
      (a): a is AccountRecord => a !== undefined,
    );
    const at = this.postingTime(now, records);
    const side = (s?: [AccountRecord, Metadata?]) =>
      s
        ? party(s[0], s[1], s[0] === deferred ? undefined : plan.changes.get(s[0].id)?.balanceAfter)
        : undefined;
    const from = side(sides.from);
    const to = side(sides.to);
    const journal: Journal = {
      id,
      type: plan.type,
      status: 'posted',
      amount: req.amount,
      // Neither side a customer's (unclaimed funds paid out of the bank): the postings' currency.
      currency: ((sides.from ?? sides.to)?.[0].currency ?? plan.postings[0]?.currency) as Currency,
      description: req.description ?? '',
      createdAt: at,
      postedAt: at,
      ...(plan.type === 'transfer' ? { refundedAmount: 0 } : {}),
      ...(plan.outgoing > 0 ? { limitDay: utcDay(now) } : {}),
      ...(plan.outgoing > 0 && sides.from?.[0].limitHost ? { limitHost: sides.from[0].limitHost } : {}),
      ...extra,
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
      ...(deferred ? { unsettled: true } : {}),
    };
    const pieces: Piece<Name>[] = [
      this.journalPut(journal, 1, undefined, this.historySides(plan, at, journal, records, deferred?.id)),
    ];
    if (sides.from)
      pieces.push(this.accountPiece('from', sides.from[0], plan.changes.get(sides.from[0].id) as Change, at));
    if (sides.to && !deferred)
      pieces.push(
        this.accountPiece(
          `to:${sides.to[0].id}`,
          sides.to[0],
          plan.changes.get(sides.to[0].id) as Change,
          at,
        ),
      );
    pieces.push(
      ...this.limitPieces(req.user, journal, plan, now, (plan.deposited > 0 ? sides.to : sides.from)?.[0]),
    );
    if (deferred) {
      const credit = plan.postings.find((p) => p.account === deferred.id);
      pieces.push(
        creditPut(
          this.table,
          {
            accountId: deferred.id,
            ownerId: deferred.ownerId,
            journalId: id,
            amount: credit?.amount ?? 0,
            currency: journal.currency,
            type: journal.type,
            description: journal.description,
            ...(from ? { counterpartyNumber: from.number } : {}),
            createdAt: at,
          },
          shardOf(id, this.opts.systemShards),
        ),
      );
    }
    return { journal, pieces };
  }

  /**
   * A posting's time orders the account's history, so it must follow the account's last posting even
   * when clocks disagree (another Lambda) or this request read late: history order = version order.
   */
  protected postingTime(now: Date, accounts: readonly AccountRecord[]): string {
    const after = Math.max(
      now.getTime(),
      ...accounts.map((a) => (a.lastPostedAt ? Date.parse(a.lastPostedAt) + 1 : 0)),
    );
    return new Date(after).toISOString();
  }

  /**
   * The journal item, written whole. A new journal must not exist; a settled one (post, void, expiry)
   * must still be the pending version that was read, and (post, void) not yet past its expiry, or
   * (expiry) past it.
   */
  protected journalPut(
    journal: Journal,
    version: number,
    /** `fingerprint`: the pending journal's, when it is its movement's idempotency record (kept). */
    from?: { version: number; now: Date; expire?: boolean; fingerprint?: string | undefined },
    extra: Record<string, unknown> = {},
  ): Piece<Name> {
    const item = {
      ...keys.journal(journal.id),
      entity: 'journal',
      ...journal,
      ...(journal.type === 'transfer' && journal.status === 'posted' ? { refundable: journal.amount } : {}),
      version,
      ...(from?.fingerprint ? { fingerprint: from.fingerprint } : {}),
      ...extra,
    };
    if (!from) {
      return {
        name: 'journal',
        item: { Put: { TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
      };
    }
    return {
      name: 'journal',
      item: {
        Put: {
          TableName: this.table,
          Item: item,
          ConditionExpression: `#status = :pending AND version = :version AND expiresAt ${from.expire ? '<=' : '>'} :now`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':pending': 'pending',
            ':version': from.version,
            ':now': from.now.toISOString(),
          },
        },
      },
    };
  }

  /**
   * The update of one customer account. Stored `balance`, `held` and `available` move together.
   * A debit is conditioned on `available >= :debit` (the no-overdraft rule, on stored attributes); a
   * change of the posted balance also on the version read (exact running balances) and stamps the
   * posting time; a movement (not a release) needs an active account. A new hold goes into the
   * `holds` map (bounded); releasing one requires it to be there, so it is released once. `steps`:
   * how many postings the change makes (a bulk payment posts several to one account at once).
   */
  protected accountPiece(
    name: 'from' | `to:${string}`,
    a: Pick<AccountRecord, 'id' | 'ownerId'> & Partial<Pick<AccountRecord, 'version' | 'postingNo'>>,
    c: Change,
    at: string | undefined,
    hold?: { id: string; set?: Hold; remove?: boolean },
    steps = 1,
  ): Piece<Name> {
    const set: string[] = [];
    const remove: string[] = [];
    const conditions: string[] = [];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const add = (attr: string, delta: number) => {
      if (delta === 0) return;
      set.push(`${attr} = ${attr} + :${attr}`);
      values[`:${attr}`] = delta;
    };
    add('balance', c.balance);
    add('held', c.held);
    add('available', c.balance - c.held);
    const debit = debitOf(c);
    if (debit > 0) {
      conditions.push('available >= :debit');
      values[':debit'] = debit;
    }
    if (c.balance !== 0) {
      set.push('version = :next', 'lastPostedAt = :at', 'postingNo = :postingNo');
      conditions.push('version = :version');
      values[':version'] = a.version;
      values[':next'] = (a.version ?? 0) + steps;
      values[':at'] = at;
      values[':postingNo'] = postingNoAfter(a, steps);
    }
    if (c.balance !== 0 || hold?.set) {
      // A staff reversal may move a frozen account's money (Change.evenFrozen), never a closed one's.
      conditions.push(c.evenFrozen ? '#status IN (:active, :frozen)' : '#status = :active');
      names['#status'] = 'status';
      values[':active'] = 'active';
      if (c.evenFrozen) values[':frozen'] = 'frozen';
    }
    if (hold) {
      names['#hold'] = hold.id;
      if (hold.set) {
        set.push('holds.#hold = :hold');
        values[':hold'] = hold.set;
        conditions.push('size(holds) < :maxHolds');
        values[':maxHolds'] = MAX_LIVE_HOLDS;
      }
      if (hold.remove) {
        remove.push('holds.#hold');
        conditions.push('attribute_exists(holds.#hold)');
      }
    }
    return {
      name,
      item: {
        Update: {
          TableName: this.table,
          Key: keys.account(a.ownerId, a.id),
          UpdateExpression: [
            set.length ? `SET ${set.join(', ')}` : '',
            remove.length ? `REMOVE ${remove.join(', ')}` : '',
          ]
            .filter(Boolean)
            .join(' '),
          ConditionExpression: conditions.join(' AND ') || 'attribute_exists(pk)',
          ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: values,
        },
      },
    };
  }

  /**
   * What is left of the owner's daily limit (`out`: outgoing; `in`: self-service deposits) as the read
   * of its host shows it, when the host is read in the movement (`a` itself, or one of `others`): the
   * plan refuses what is over it, and the counter's condition in the host's own update catches what
   * changed since the read (that update then fails as a whole, and the next attempt plans on fresh
   * data). Otherwise the whole limit: the counter's own piece refuses, and is declined by its name.
   * Also the whole limit when the host is one of `others` and this attempt released expired holds of
   * `a` (`debitable`): `others` were read beside that release, so their counter may still count the
   * holds it gave back, and an unswept hold must not refuse the movement. The counter's condition,
   * folded into the host's update, then decides, and the next attempt plans on fresh data.
   */
  protected room(
    a: AccountRecord,
    kind: 'out' | 'in',
    now: Date,
    /** The movement's other accounts read: the host may be one of them (a transfer to it). */
    others: readonly AccountRecord[] = [],
  ): number {
    const limit = kind === 'out' ? this.opts.dailyLimit : this.depositLimit;
    const host =
      a.limitHost === a.id
        ? a
        : this.attempts.getStore()?.released
          ? undefined
          : others.find((x) => x.id === a.limitHost);
    if (!host) return limit;
    return limit - (host.daily[keys.dailyAttr(kind, utcDay(now))] ?? 0);
  }

  /**
   * Daily counters: the outgoing limit taken (or given back the same UTC day), the deposit limit
   * taken. `account` is the account the movement takes from (outgoing) or pays into (deposits): its
   * owner's counters are attributes of its host's item (AccountRecord.limitHost), which for the host
   * itself is the same item as its own update (`foldUpdates` makes them one action, and a transfer
   * writes no item for the limit), or items of their own for accounts opened before hosts.
   */
  protected limitPieces(
    owner: string,
    journal: Journal,
    plan: Plan,
    now: Date,
    account?: Pick<AccountRecord, 'id' | 'ownerId' | 'limitHost' | 'daily'>,
  ): Piece<Name>[] {
    const day = utcDay(now);
    const expiresAt = Math.floor(now.getTime() / 1000) + 3 * 24 * 3600;
    const pieces: Piece<Name>[] = [];
    const take = (name: 'limit' | 'deposits', kind: 'out' | 'in', amount: number, limit: number) => {
      const values = { ':cZero': 0, ':cAmount': amount, ':cRoom': limit - amount };
      const host = account?.limitHost;
      if (!account || !host) {
        const key = (kind === 'out' ? keys.dailyLimit : keys.dailyDeposits)(owner, day, journal.currency);
        return pieces.push({
          name,
          item: {
            Update: {
              TableName: this.table,
              Key: key,
              UpdateExpression: 'SET spent = if_not_exists(spent, :cZero) + :cAmount, expiresAt = :cExp',
              ConditionExpression: 'attribute_not_exists(spent) OR spent <= :cRoom',
              ExpressionAttributeValues: { ...values, ':cExp': expiresAt },
            },
          },
        });
      }
      // Old days' counters of this kind go: those before yesterday, all that the host's read shows, or
      // (not read) the 30 days before yesterday. Never yesterday's, today's or a later one: around
      // midnight a movement dated one day may commit beside one dated the next, and each must find
      // its own day's counter (an idle host's item keeps at most one counter for each 30-day gap
      // between its owner's movements).
      const dayBefore = (n: number) => keys.dailyAttr(kind, utcDay(new Date(now.getTime() - n * 86_400_000)));
      const stale =
        host === account.id
          ? Object.keys(account.daily).filter((k) => k.startsWith(`${kind}#`) && k < dayBefore(1))
          : Array.from({ length: STALE_DAYS }, (_, i) => dayBefore(i + 2));
      const staleNames = Object.fromEntries(stale.map((k, i) => [`#cOld${i}`, k]));
      return pieces.push({
        name,
        item: {
          Update: {
            TableName: this.table,
            Key: keys.account(account.ownerId, host),
            UpdateExpression: [
              'SET #cDay = if_not_exists(#cDay, :cZero) + :cAmount',
              stale.length ? `REMOVE ${Object.keys(staleNames).join(', ')}` : '',
            ]
              .filter(Boolean)
              .join(' '),
            ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(#cDay) OR #cDay <= :cRoom)',
            ExpressionAttributeNames: { '#cDay': keys.dailyAttr(kind, day), ...staleNames },
            ExpressionAttributeValues: values,
          },
        },
      });
    };
    if (plan.outgoing > 0) take('limit', 'out', plan.outgoing, this.opts.dailyLimit);
    if (plan.deposited > 0) take('deposits', 'in', plan.deposited, this.depositLimit);
    const release = this.limitRelease(owner, journal, plan.released, now);
    if (release) pieces.push(release);
    return pieces;
  }

  /**
   * `amount` of the daily outgoing limit `journal` took, given back to its owner: a hold released
   * (void, expiry, the rest of a partial post) or a transfer returned (ledger-return.ts). Only on the
   * UTC day it was taken (another day's counter no longer limits anything), and none for a journal that
   * took none. The counter cannot go below zero: it holds at least what this journal took and has not
   * had back.
   */
  protected limitRelease(
    owner: string,
    journal: Journal,
    amount: number,
    now: Date,
  ): Piece<Name> | undefined {
    const day = utcDay(now);
    if (amount <= 0 || journal.limitDay !== day) return undefined;
    const values = { ':rAmount': amount };
    const host = journal.limitHost;
    return {
      name: 'limitRelease',
      item: {
        Update: host
          ? {
              TableName: this.table,
              Key: keys.account(owner, host),
              UpdateExpression: 'SET #rDay = #rDay - :rAmount',
              ConditionExpression: '#rDay >= :rAmount',
              ExpressionAttributeNames: { '#rDay': keys.dailyAttr('out', day) },
              ExpressionAttributeValues: values,
            }
          : {
              TableName: this.table,
              Key: keys.dailyLimit(owner, day, journal.currency),
              UpdateExpression: 'SET spent = spent - :rAmount',
              ConditionExpression: 'spent >= :rAmount',
              ExpressionAttributeValues: values,
            },
      },
    };
  }

  /**
   * The postings of a posted journal, as its history entries: the keys of its debited side in hist1
   * and of its credited side in hist2, each side's `seq` (the account's version it makes) and, between
   * two customer accounts, the other's number, set on the journal's own item (store/history.ts reads
   * them as postings). A system shard's entry is all
   * that a movement writes of it: system accounts are append-only (see systemBalance), so no item is
   * shared by concurrent deposits or withdrawals and AWS has nothing to conflict on.
   */
  protected historySides(
    plan: Plan,
    at: string,
    journal: Journal,
    accounts: readonly AccountRecord[],
    /** A side posted later by the settler (its credit item stands for it until then). */
    deferred?: string,
  ): Record<string, unknown> {
    const byId = new Map(accounts.map((a) => [a.id, a]));
    const sides: Record<string, unknown> = {};
    for (const posting of plan.postings) {
      if (posting.account === deferred) continue;
      const index = historyIndexes[posting.amount < 0 ? 0 : 1];
      if (index.partitionKey in sides)
        throw new Error(`Journal ${journal.id} has two ${posting.amount < 0 ? 'debits' : 'credits'}`);
      const a = byId.get(posting.account);
      const counterparty = posting.amount < 0 ? journal.to : journal.from;
      Object.assign(
        sides,
        sideAttributes(index, posting.account, at, journal.id, {
          seq: a ? a.version + 1 : undefined,
          counterparty: journal.from && journal.to ? counterparty?.number : undefined,
        }),
      );
    }
    return sides;
  }
}
