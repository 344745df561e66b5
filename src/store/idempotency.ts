import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { BankError, type ErrorCode, type FieldError, type Refusal } from '../domain/errors.ts';
import type { Journal } from '../domain/ledger.ts';
import type { StoredAccount } from './accounts.ts';
import {
  AlreadyCommitted,
  busy,
  conditionFailed,
  createsItem,
  type Db,
  type ItemKey,
  type Piece,
  type TransactItem,
  transact,
} from './db.ts';
import * as keys from './item-keys.ts';
import { toJournal } from './ledger-journal.ts';
import type { StoredPayee } from './payees.ts';
import { again, done, isTransient, retry } from './retry.ts';
import type { StoredSchedule } from './schedules.ts';
import type { WebhookRegistration } from './webhooks.ts';

/**
 * What a money movement came to, in domain terms: posted (or, for a void, settled) with the journal
 * as it stood right after, or declined with a stable error code. src/api renders it as HTTP, the
 * first time and on every replay. A record item answers the same every time; a journal that is its
 * movement's record answers as it stands (say, part refunded since).
 */
/**
 * `refusals`: a bulk payment's refused transfers (`batch_rejected`). `errors`: the same as HTTP, as
 * records made before refusals were kept in domain terms hold them (src/api renders either).
 */
export type Declined = {
  kind: 'declined';
  code: ErrorCode;
  detail: string;
  refusals?: Refusal[];
  errors?: FieldError[];
};
export type StoredOutcome = { kind: 'journal'; journal: Journal } | Declined;
/** A bulk payment (ledger-batch.ts): the batch's id and its transfers' journals, in request order. */
export type StoredBatch = { kind: 'batch'; id: string; journals: Journal[] };
/**
 * What an idempotency record holds (a scheduled transfer's creation: schedules.ts; a webhook's:
 * webhooks.ts; an account's opening: accounts.ts; a payee's saving: payees.ts).
 */
export type Recorded =
  | StoredOutcome
  | StoredBatch
  | StoredSchedule
  | WebhookRegistration
  | StoredAccount
  | StoredPayee;
/** A recorded outcome (or a decline), and whether this answer replays it. */
export type Replayed<S extends Recorded> = (S | Declined) & { replayed: boolean };

export type Outcome = Replayed<StoredOutcome>;

/** Pieces to commit with a decline's record (IdempotencyStore.recordDecline), built for each attempt. */
export type DeclineExtra = (declined: Declined) => Promise<readonly Piece[]>;

/** The key names another request (its fingerprint differs, or it names a journal the request acts on). */
export const keyReused = (): BankError =>
  new BankError('idempotency_key_reused', 'This Idempotency-Key was already used for another request');
/** The key's request is committing and its answer cannot be read yet. */
export const keyInUse = (): BankError =>
  new BankError('idempotency_key_in_use', 'A request with this Idempotency-Key is in progress');

/**
 * A request's fingerprint as src/api/http.ts gives it: the form to store, then, space separated, any
 * older form of the same request's fingerprint (before 2026-12-05 the body's JSON was hashed with its
 * keys in the order received; now sorted). A record is the request's if it holds any of them; a new
 * record holds the first. The older form can be dropped once no record made before can be retried:
 * record items expire after the TTL, but a journal is its movement's record for good, so a late retry
 * of a movement made before would then be 422 `idempotency_key_reused` rather than replayed (never
 * posted again).
 */
export const fingerprintForms = (fingerprint: string): string[] => fingerprint.split(' ');
const storedForm = (fingerprint: string): string => fingerprintForms(fingerprint)[0] as string;

/** A creating request's Idempotency-Key and fingerprint (src/api/http.ts; `fingerprintForms`). */
export interface RequestKey {
  key: string;
  fingerprint: string;
}
export type BatchOutcome = Replayed<StoredBatch>;

/**
 * Idempotency records, scoped to the user, at the journal id that the caller's key names
 * (keys.idempotency, `journalIdFor`). A movement writes its record inside the movement's own
 * transaction (see ledger.ts); a declined one writes it alone. A movement that creates a journal
 * creates it under that id, and the journal item is its record (`asRecord`): no record item is
 * written, and the key is never free again, as a journal is never deleted. Anything else keyed (a
 * decline, a post or void, a bulk payment, a schedule's or a webhook's creation) writes a record item
 * there (TTL), so that one key names one request, whatever it was.
 */
export class IdempotencyStore {
  constructor(
    private readonly db: Db,
    private readonly table: string,
    /** Seconds a record lives. src/config.ts refuses less than 24 hours: a late retry must find it. */
    private readonly ttlSeconds: number,
    /**
     * Upgrading a table written with records at `IDEM#<sub>#<key>` (src/config.ts
     * legacyIdempotencyUntil): until then, those records are answered too. Empty: none.
     */
    private readonly legacyUntil = '',
    /**
     * Where a key's record item sits: at the journal id it names (keys.idempotency), or, for a
     * function that may not write journals, in the owner's partition (keys.ownIdempotency: an
     * account's opening). A key names one request in each place.
     */
    private readonly at: (user: string, key: string) => ItemKey = keys.idempotency,
  ) {}

  /**
   * The record item to commit with a request. Fails the transaction if the key holds a live record;
   * an expired one (DynamoDB's TTL deletes lazily, up to days later) is overwritten.
   *
   * `kept`: the record of a committed movement (a post, a void, a bulk payment) has no expiry, as a
   * journal that is its own record has none: a retry of it, however late, is answered, never posted
   * again (a bulk payment's transfers have journals of their own, which nothing else would stop).
   * Declines and other records expire after the TTL, and their key is free again.
   */
  recordPut(
    user: string,
    key: string,
    fingerprint: string,
    outcome: Recorded,
    now: Date,
    opts: { kept?: boolean } = {},
  ) {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    return {
      Put: {
        TableName: this.table,
        Item: {
          ...this.at(user, key),
          entity: 'idempotency',
          fingerprint: storedForm(fingerprint),
          outcome: JSON.stringify(outcome),
          createdAt: now.toISOString(),
          ...(opts.kept ? {} : { expiresAt: nowSeconds + this.ttlSeconds }),
        },
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
        ExpressionAttributeValues: { ':now': nowSeconds },
      },
    } satisfies TransactItem;
  }

  /**
   * A new journal's Put (its condition `attribute_not_exists`), made the movement's record: it carries
   * the request's fingerprint, and may replace only a record item at its key that has expired.
   */
  asRecord(journalPut: TransactItem, fingerprint: string, now: Date): TransactItem {
    const put = journalPut.Put;
    if (!put || !createsItem(journalPut))
      throw new Error("Only a new journal can be its movement's idempotency record");
    return {
      Put: {
        ...put,
        Item: { ...put.Item, fingerprint: storedForm(fingerprint) },
        ConditionExpression: 'attribute_not_exists(pk) OR (entity = :record AND expiresAt <= :nowSeconds)',
        ExpressionAttributeValues: {
          ...put.ExpressionAttributeValues,
          ':record': 'idempotency',
          ':nowSeconds': Math.floor(now.getTime() / 1000),
        },
      },
    };
  }

  /** The earlier outcome for this key, or undefined. The same key for another request is refused. */
  async replay<S extends Recorded = StoredOutcome>(
    user: string,
    key: string,
    fingerprint: string,
    now = new Date(),
  ): Promise<Replayed<S> | undefined> {
    const found = await this.answer<S>(this.at(user, key), fingerprint, now);
    return found ?? this.legacyReplay<S>(user, key, fingerprint, now);
  }

  /**
   * While upgrading (`legacyUntil`), what a record at the layout before holds for this key: a movement
   * answered before the upgrade is not posted again by its retry. Undefined after that, with no read.
   */
  async legacyReplay<S extends Recorded = StoredOutcome>(
    user: string,
    key: string,
    fingerprint: string,
    now = new Date(),
  ): Promise<Replayed<S> | undefined> {
    if (!this.legacyUntil || now.getTime() >= Date.parse(this.legacyUntil)) return undefined;
    return this.answer<S>(keys.legacyIdempotency(user, key), fingerprint, now);
  }

  private async answer<S extends Recorded>(
    at: ItemKey,
    fingerprint: string,
    now: Date,
  ): Promise<Replayed<S> | undefined> {
    const r = await this.db.send(new GetCommand({ TableName: this.table, Key: at, ConsistentRead: true }));
    const item = r.Item;
    if (!item) return undefined;
    // A journal that is its movement's record (`asRecord`), or a kept record, never expires.
    // DynamoDB's TTL deletes lazily: an expired record item no longer counts.
    const journal = item.entity === 'journal';
    if (
      !journal &&
      item.expiresAt !== undefined &&
      Number(item.expiresAt) <= Math.floor(now.getTime() / 1000)
    )
      return undefined;
    const recorded: unknown = item.fingerprint;
    if (typeof recorded !== 'string' || !fingerprintForms(fingerprint).includes(recorded)) {
      throw keyReused();
    }
    if (journal) {
      const { version: _, ...j } = toJournal(item);
      return { kind: 'journal', journal: j, replayed: true } as Replayed<S>;
    }
    return { ...(JSON.parse(String(item.outcome)) as S), replayed: true };
  }

  /**
   * After a keyed creation whose record could not be put (the key holds one: a concurrent repeat, or
   * this call's own earlier attempt whose answer was lost): what the record holds, or, if it is not
   * readable yet, `idempotency_key_in_use`.
   */
  async repeatOf<S extends Recorded>(user: string, k: RequestKey, now = new Date()): Promise<Replayed<S>> {
    const earlier = await this.replay<S>(user, k.key, k.fingerprint, now);
    if (earlier) return earlier;
    throw keyInUse();
  }

  /**
   * Records a decline. If the key was taken meanwhile, answers what it holds. `also` builds pieces to
   * commit with the record, for each attempt (a staff decline's audit record: recorded with the
   * decline or not at all, so a replay, or an attempt after a lost answer, records nothing more).
   */
  async recordDecline<S extends Recorded = StoredOutcome>(
    user: string,
    key: string,
    fingerprint: string,
    e: BankError,
    now = new Date(),
    also?: DeclineExtra,
  ): Promise<Replayed<S>> {
    const outcome: Declined = {
      kind: 'declined',
      code: e.code,
      detail: e.detail,
      ...(e.refusals ? { refusals: e.refusals } : {}),
      ...(e.errors ? { errors: e.errors } : {}),
    };
    const record = this.recordPut(user, key, fingerprint, outcome, now);
    const taken = async () => {
      const earlier = await this.replay<S>(user, key, fingerprint, now);
      if (earlier) return done(earlier);
      // Not readable yet: a concurrent request holds the key in a transaction.
      inUse = true;
      return again;
    };
    // Why the last attempt did not record it: the key held by a request not readable yet, or a conflict.
    let inUse = false;
    const out = await retry<Replayed<S>>(async () => {
      inUse = false;
      let more: readonly Piece[] = [];
      try {
        more = also ? await also(outcome) : [];
      } catch (e) {
        // An earlier attempt committed the decline with these pieces and lost its answer.
        if (e instanceof AlreadyCommitted) return taken();
        throw e;
      }
      if (more.length > 0) {
        const r = await transact<string>(this.db, [{ name: 'idempotency', item: record }, ...more]);
        if (r.ok) return done({ ...outcome, replayed: false });
        const failed = conditionFailed(r.failed);
        if (failed.includes('idempotency')) return taken();
        // A piece of `also` found its item changed (an audit chain's head moved), or a conflict.
        if (failed.length > 0 || isTransient(r.error, r.codes)) return again;
        throw r.error;
      }
      try {
        await this.db.send(new PutCommand(record.Put));
        return done({ ...outcome, replayed: false });
      } catch (err) {
        if ((err as Error).name === 'ConditionalCheckFailedException') return taken();
        if (!isTransient(err, undefined)) throw err;
        // DynamoDB asked us to retry.
        return again;
      }
    });
    // A key held by a request not readable yet is 409; DynamoDB's refusals (throttling, conflicts) and,
    // with `also`, an audit chain that kept moving are 503, as every other exhausted retry is.
    if (!out)
      throw inUse
        ? keyInUse()
        : busy(also ? 'The audit trail is busy: try again shortly' : 'The bank is busy: try again shortly');
    return out;
  }
}
