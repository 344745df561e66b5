import { randomUUID } from 'node:crypto';
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  type Account,
  type AccountType,
  assertClosable,
  type Hold,
  heldAt,
  holdsFault,
  MAX_ACCOUNTS_EVER,
  MAX_OPEN_ACCOUNTS,
  newAccountNumber,
} from '../domain/account.ts';
import { BankError, noSuchAccount } from '../domain/errors.ts';
import type { Currency } from '../domain/money.ts';
import { busy, conditionFailed, type Db, type Piece, queryAll, transact } from './db.ts';
import type { IdempotencyStore, Replayed, RequestKey } from './idempotency.ts';
import * as keys from './item-keys.ts';
import { again, done, isTransient, retry } from './retry.ts';

/**
 * An account as stored. Besides the public fields: its owner, its optimistic-lock version, the time
 * of its latest posting, and its live holds by journal id. The stored `held` and `available`
 * (= balance - held, kept in every update because a DynamoDB condition cannot add two attributes)
 * count every hold not yet released, expired or not; the public view counts only unexpired ones.
 */
export interface AccountRecord extends Account {
  ownerId: string;
  version: number;
  /** The time of the account's latest posting: the next one must come after it. */
  lastPostedAt?: string;
  /**
   * The number of the account's latest posting (Party.postingNo; absent: none numbered yet). Set with
   * the balance, under the same version condition, so the numbers of its postings run without a gap.
   */
  postingNo?: number;
  holds: Record<string, Hold>;
  /** As stored: every unreleased hold, expired or not. */
  storedHeld: number;
  /**
   * The account whose item carries its owner's daily counters in its currency (outgoing and
   * deposits, `out#<day>` and `in#<day>` attributes): the first account the owner opened in that
   * currency, so that a transfer from it writes its counter in the account's own update rather than
   * in an item of its own (2 write units less). Absent on an account opened before hosts: its owner's
   * counters in that currency are items of their own (keys.dailyLimit, keys.dailyDeposits).
   */
  limitHost?: string;
  /** The day counters this item carries (when it is a host): attribute name -> amount. */
  daily: Record<string, number>;
}

/** The number of an account's posting `steps` after its latest as read (AccountRecord.postingNo). */
export const postingNoAfter = (a: Pick<AccountRecord, 'postingNo'>, steps = 1): number =>
  (a.postingNo ?? 0) + steps;

const DAILY_ATTR = /^(out|in)#\d{4}-\d{2}-\d{2}$/;

/** The `out#<day>` and `in#<day>` attributes of a stored account. */
const dailyOf = (r: Record<string, unknown>): Record<string, number> =>
  Object.fromEntries(
    Object.entries(r)
      .filter(([k, v]) => DAILY_ATTR.test(k) && typeof v === 'number')
      .map(([k, v]) => [k, v as number]),
  );

/**
 * The account as of `now`: a hold past its expiry is no longer held, even before the sweeper ran.
 *
 * An item whose `holds` map is malformed (holdsFault: written wrong, by hand or by a bug) cannot say
 * which of its holds have expired, and summing it gives NaN (null in JSON). Its `held` and
 * `available` are then the stored ones: what the ledger's own updates keep beside the map (every
 * hold placed and not yet released, expired or not) and what its no-overdraft condition is on. They
 * never show more to spend than that rule allows (only less, by an expired hold not yet swept).
 * Debits from it are refused until it is repaired (CorruptAccount, store/ledger-engine.ts).
 */
export const toAccount = (r: Record<string, unknown>, now = new Date()): Account => {
  const balance = r.balance as number;
  const stored = holdsFault(r.holds) !== undefined;
  const held = stored ? (r.held as number) : heldAt((r.holds as Record<string, Hold> | undefined) ?? {}, now);
  return {
    id: r.id as string,
    number: r.number as string,
    type: r.type as AccountType,
    currency: r.currency as Currency,
    nickname: (r.nickname as string | undefined) ?? null,
    status: r.status as Account['status'],
    balance,
    held,
    available: stored ? (r.available as number) : balance - held,
    createdAt: r.createdAt as string,
  };
};

/** The public view of a stored account. */
export const publicAccount = ({
  ownerId: _o,
  version: _v,
  lastPostedAt: _l,
  postingNo: _n,
  holds: _h,
  storedHeld: _s,
  limitHost: _lh,
  daily: _d,
  ...account
}: AccountRecord): Account => account;

/** An account item as read (one that has `available`: see AccountReader.get). */
export const toRecord = (r: Record<string, unknown>, now: Date): AccountRecord => ({
  ...toAccount(r, now),
  ownerId: r.ownerId as string,
  version: r.version as number,
  ...(r.lastPostedAt ? { lastPostedAt: r.lastPostedAt as string } : {}),
  ...(typeof r.postingNo === 'number' ? { postingNo: r.postingNo } : {}),
  holds: (r.holds as Record<string, Hold> | undefined) ?? {},
  storedHeld: (r.held as number | undefined) ?? 0,
  ...(typeof r.limitHost === 'string' ? { limitHost: r.limitHost } : {}),
  daily: dailyOf(r),
});

export interface OpenAccountInput {
  ownerId: string;
  type: AccountType;
  currency: Currency;
  nickname?: string | undefined;
}

/** What the idempotency record of an account's opening holds: the account as first answered. */
export type StoredAccount = { kind: 'account'; account: Account };

/**
 * Opening writes the owner's profile (its count of open accounts): on AWS, opens by one customer at
 * once conflict on it and each round one wins, so give every one of 10 racing opens a round (short
 * waits), still bounded by the Lambda's deadline.
 */
const OPEN_POLICY = { maxAttempts: 20, baseMs: 5, capMs: 200 };

/**
 * The account reads: what the account readers (accounts-read, admin-accounts) need, without opening
 * and closing (AccountStore, below), so their bundles carry only this.
 */
export class AccountReader {
  private readonly numbers = new Map<string, { ownerId: string; accountId: string }>();

  constructor(
    protected readonly db: Db,
    protected readonly table: string,
    /** The clock that decides which holds have expired (tests inject one). */
    protected readonly now: () => Date = () => new Date(),
  ) {}

  /** The caller's own account, or undefined: another user's account is indistinguishable from none. */
  async get(ownerId: string, accountId: string): Promise<AccountRecord | undefined> {
    const r = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.account(ownerId, accountId), ConsistentRead: true }),
    );
    if (r.Item && r.Item.available === undefined) return this.legacy(ownerId, accountId, r.Item);
    return r.Item ? toRecord(r.Item, this.now()) : undefined;
  }

  /**
   * An account written before holds existed, as a reader sees it: nothing held, `available` its
   * balance (what the writers' upgrade stores, AccountStore). A read writes nothing: the readers'
   * roles (accounts-read, admin-accounts, statements) may not.
   */
  protected legacy(
    _ownerId: string,
    _accountId: string,
    item: Record<string, unknown>,
  ): Promise<AccountRecord | undefined> {
    return Promise.resolve(toRecord({ ...item, held: 0, available: item.balance, holds: {} }, this.now()));
  }

  async mustGet(ownerId: string, accountId: string): Promise<AccountRecord> {
    const a = await this.get(ownerId, accountId);
    if (!a) throw noSuchAccount();
    return a;
  }

  /** Looks an account up by its id alone (any owner): bank staff's lookup. */
  async findById(accountId: string): Promise<AccountRecord | undefined> {
    const r = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.accountId(accountId), ConsistentRead: true }),
    );
    return r.Item ? this.get(String(r.Item.ownerId), accountId) : undefined;
  }

  /** Looks an account up by its number (any owner): used for transfer recipients. */
  async findByNumber(number: string): Promise<AccountRecord | undefined> {
    let owner = this.numbers.get(number);
    if (!owner) {
      const r = await this.db.send(
        new GetCommand({ TableName: this.table, Key: keys.accountNumber(number), ConsistentRead: true }),
      );
      if (!r.Item) return undefined;
      owner = { ownerId: r.Item.ownerId as string, accountId: r.Item.accountId as string };
      this.remember(number, owner);
    }
    return this.get(owner.ownerId, owner.accountId);
  }

  /** The owner of a number, when this instance has looked it up before. */
  ownerOf(number: string): { ownerId: string; accountId: string } | undefined {
    return this.numbers.get(number);
  }

  /** Remembers a number's owner: a number never moves to another account (bounded). */
  remember(number: string, owner: { ownerId: string; accountId: string }): void {
    if (this.numbers.size >= 10_000) this.numbers.clear();
    this.numbers.set(number, owner);
  }

  /**
   * One page of the owner's accounts in key order: the open ones (active, frozen), or with
   * `closed: true` the closed ones only. `start` is the previous page's `last`.
   */
  async list(
    ownerId: string,
    opts: { closed: boolean; limit: number; start?: Record<string, unknown> },
  ): Promise<{ items: Account[]; last?: Record<string, unknown> }> {
    const { pk, skPrefix } = keys.accountsOf(ownerId);
    const items: Record<string, unknown>[] = [];
    let start = opts.start;
    // A filter applies after the read, so a page may come back short: read on until one more than
    // asked is found (which tells whether another page exists) or the accounts end.
    do {
      const r = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          FilterExpression: opts.closed ? '#status = :closed' : '#status <> :closed',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix, ':closed': 'closed' },
          ConsistentRead: true,
          ExclusiveStartKey: start,
          Limit: opts.limit + 1,
        }),
      );
      items.push(...(r.Items ?? []));
      start = r.LastEvaluatedKey;
    } while (start && items.length <= opts.limit);
    const now = this.now();
    const page = items.slice(0, opts.limit);
    const lastItem = page[page.length - 1];
    const more = items.length > opts.limit;
    return {
      // Within a page, oldest first (a customer's open accounts, at most 10, fit one page).
      items: page
        .map((i) => toAccount(i, now))
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id)),
      ...(more && lastItem ? { last: { pk: lastItem.pk, sk: lastItem.sk } } : {}),
    };
  }

  /**
   * Every account of the owner as bank staff see them: the open ones, then the closed ones, each
   * oldest first, at most `max` in all. One read of the owner's accounts (at most MAX_ACCOUNTS_EVER),
   * so an account closed meanwhile is in it once, open or closed. (Read as two lists, the open and the
   * closed side by side, an account closed between them was listed twice or not at all.)
   */
  async everyOf(ownerId: string, max = 100): Promise<Account[]> {
    const { pk, skPrefix } = keys.accountsOf(ownerId);
    const now = this.now();
    const oldestFirst = (a: Account, b: Account) =>
      a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);
    const all = (await queryAll(this.db, this.table, pk, skPrefix)).map((i) => toAccount(i, now));
    return [
      ...all.filter((a) => a.status !== 'closed').sort(oldestFirst),
      ...all.filter((a) => a.status === 'closed').sort(oldestFirst),
    ].slice(0, max);
  }
}

/** The accounts: their reads, and opening and closing. */
export class AccountStore extends AccountReader {
  constructor(
    db: Db,
    table: string,
    now?: () => Date,
    /**
     * Records an opening with its Idempotency-Key (`openOnce`), in the owner's partition
     * (keys.ownIdempotency). The ledger's own account stores need none.
     */
    private readonly idempotency?: IdempotencyStore,
  ) {
    super(db, table, now);
  }

  /**
   * An account written before holds existed gets `held`, `available` and `holds` once, so that the
   * ledger's conditions (which read them) hold for it. Idempotent: only where `available` is missing.
   */
  protected override async legacy(ownerId: string, accountId: string): Promise<AccountRecord | undefined> {
    await this.db
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.account(ownerId, accountId),
          UpdateExpression: 'SET held = :zero, available = balance, holds = :none',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(available)',
          ExpressionAttributeValues: { ':zero': 0, ':none': {} },
        }),
      )
      .catch((e: Error) => {
        if (e.name !== 'ConditionalCheckFailedException') throw e;
      });
    return this.get(ownerId, accountId);
  }

  /**
   * Opens an account. The id is drawn once per call: a TransactWriteItems can commit and its answer
   * be lost (a `TimeoutError` after the SDK's attempts, a `TransactionInProgressException`), and the
   * next attempt must then find that account rather than open a second one. The id is a fresh random
   * UUID, so an `account` (or `id`) item already under it can only be an earlier attempt of this call:
   * it is read back and answered. The number is drawn again only when the `number` piece alone fails
   * (another account has it).
   */
  async open(input: OpenAccountInput, now = new Date()): Promise<Account> {
    // An opening records no decline: what it answers is an account.
    return ((await this.opening(input, now)) as StoredAccount).account;
  }

  /**
   * Opens an account exactly once per Idempotency-Key: the key's record commits in the same
   * transaction as the account's items, so a failed opening leaves the key free. A repeat (the same
   * key and request) answers the account as first opened, whatever became of it since; the same key
   * for another request is refused (`idempotency_key_reused`); a repeat while the first is still
   * committing is `idempotency_key_in_use` (as a schedule's creation). A refusal (the limit) is not
   * recorded: a retry after the customer closes an account is checked again.
   */
  async openOnce(input: OpenAccountInput, k: RequestKey, now = new Date()): Promise<Replayed<StoredAccount>> {
    const earlier = await this.recorder().replay<StoredAccount>(input.ownerId, k.key, k.fingerprint, now);
    return earlier ?? this.opening(input, now, k);
  }

  private recorder(): IdempotencyStore {
    if (!this.idempotency) throw new Error('AccountStore: no IdempotencyStore to record openings with');
    return this.idempotency;
  }

  /** `open`, with the key's record in its transaction when there is a key (`openOnce`). */
  private async opening(
    input: OpenAccountInput,
    now: Date,
    k?: RequestKey,
  ): Promise<Replayed<StoredAccount>> {
    const id = randomUUID();
    let number = newAccountNumber();
    const hostAttr = keys.limitHostAttr(input.currency);
    const opened = await retry<Replayed<StoredAccount>>(async () => {
      const host = await this.hostFor(input.ownerId, input.currency, id);
      const item = {
        ...keys.account(input.ownerId, id),
        entity: 'account',
        id,
        number,
        ownerId: input.ownerId,
        type: input.type,
        currency: input.currency,
        nickname: input.nickname ?? null,
        status: 'active',
        balance: 0,
        held: 0,
        available: 0,
        holds: {},
        version: 0,
        createdAt: now.toISOString(),
        ...(host ? { limitHost: host } : {}),
      };
      const outcome: StoredAccount = { kind: 'account', account: toAccount(item, now) };
      const record: Piece<'idempotency'>[] = k
        ? [
            {
              name: 'idempotency',
              item: this.recorder().recordPut(input.ownerId, k.key, k.fingerprint, outcome, now),
            },
          ]
        : [];
      // The profile names the host of each currency: two first accounts opened at once in one
      // currency cannot both become hosts (the later one's condition fails, and it joins the first).
      const hostClause =
        host === id
          ? { set: ', #host = :id', condition: ' AND attribute_not_exists(#host)' }
          : host
            ? { set: '', condition: ' AND #host = :id' }
            : { set: '', condition: ' AND attribute_not_exists(#host)' };
      const r = await transact<string>(this.db, [
        ...record,
        {
          name: 'profile',
          item: {
            Update: {
              TableName: this.table,
              Key: keys.profile(input.ownerId),
              UpdateExpression: `SET openAccounts = if_not_exists(openAccounts, :zero) + :one, accountsOpened = if_not_exists(accountsOpened, :zero) + :one${hostClause.set}`,
              ConditionExpression: `(attribute_not_exists(openAccounts) OR openAccounts < :max) AND (attribute_not_exists(accountsOpened) OR accountsOpened < :maxEver)${hostClause.condition}`,
              ExpressionAttributeNames: { '#host': hostAttr },
              ExpressionAttributeValues: {
                ':zero': 0,
                ':one': 1,
                ':max': MAX_OPEN_ACCOUNTS,
                ':maxEver': MAX_ACCOUNTS_EVER,
                ...(host ? { ':id': host } : {}),
              },
            },
          },
        },
        {
          name: 'account',
          item: {
            Put: { TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' },
          },
        },
        {
          name: 'number',
          item: {
            Put: {
              TableName: this.table,
              Item: {
                ...keys.accountNumber(number),
                entity: 'accountNumber',
                accountId: id,
                ownerId: input.ownerId,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        },
        {
          name: 'id',
          item: {
            Put: {
              TableName: this.table,
              Item: {
                ...keys.accountId(id),
                entity: 'accountId',
                accountId: id,
                ownerId: input.ownerId,
                number,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        },
      ]);
      if (r.ok) return done({ ...outcome, replayed: false });
      const failed = conditionFailed(r.failed);
      // The id is this call's own: an item under it is an earlier attempt that committed and whose
      // answer was lost. It took a place on the profile too, so this attempt's profile check may fail
      // as well (it was the last place), and took the key: look before answering the limit or a repeat.
      if (failed.some((n) => ['account', 'id', 'profile', 'idempotency'].includes(n))) {
        const earlier = await this.get(input.ownerId, id);
        if (earlier?.ownerId === input.ownerId)
          return done({ kind: 'account', account: publicAccount(earlier), replayed: false });
      }
      // Another request holds the key (a repeat that committed first, or one still committing).
      if (k && failed.includes('idempotency'))
        return done(await this.recorder().repeatOf<StoredAccount>(input.ownerId, k, now));
      // The profile's condition is on the count and on the currency's host: another first account
      // in this currency may have become its host since we looked. Look again.
      if (failed.includes('profile')) {
        const limit = await this.limitReached(input.ownerId);
        if (!limit) return again;
        throw limit;
      }
      // The `account` and `id` items are written together, so an earlier attempt of this call left
      // both or neither; either one failing here, with no account read back above, is not ours.
      if (failed.includes('account') || failed.includes('id')) {
        throw new Error(`Account id ${id} is already in use: not opened`);
      }
      // Another account has this number: draw another (the id stays: nothing was written under it).
      if (failed.includes('number')) {
        number = newAccountNumber();
        return again;
      }
      // A conflict, a throttle, or an answer lost in a timeout (committed or not: the next attempt
      // finds out): wait a little and try again with the same id and number.
      if (isTransient(r.error, r.codes)) return again;
      throw r.error;
    }, OPEN_POLICY);
    if (!opened)
      throw busy(`Could not open the account now: try again${k ? ' with the same Idempotency-Key' : ''}`);
    return opened;
  }

  /**
   * The account to host the owner's daily counters in `currency` for a new account `id`: the host the
   * owner's accounts in that currency already have; none when they were opened before hosts (their
   * counters stay items of their own, and so do the new account's); else the new account itself.
   */
  private async hostFor(ownerId: string, currency: Currency, id: string): Promise<string | undefined> {
    const { pk, skPrefix } = keys.accountsOf(ownerId);
    const mine = (
      await queryAll(this.db, this.table, pk, skPrefix, { ProjectionExpression: 'currency, limitHost' })
    ).filter((a) => a.currency === currency);
    if (mine.length === 0) return id;
    return mine.map((a) => a.limitHost).find((h): h is string => typeof h === 'string');
  }

  /**
   * The refusal when the owner has as many open accounts as one may, or has opened as many as one may
   * ever (MAX_ACCOUNTS_EVER; counted from when the count was kept), else undefined.
   */
  private async limitReached(ownerId: string): Promise<BankError | undefined> {
    const r = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.profile(ownerId), ConsistentRead: true }),
    );
    if (((r.Item?.openAccounts as number | undefined) ?? 0) >= MAX_OPEN_ACCOUNTS)
      return new BankError(
        'account_limit_reached',
        `A customer may have at most ${MAX_OPEN_ACCOUNTS} open accounts`,
      );
    if (((r.Item?.accountsOpened as number | undefined) ?? 0) >= MAX_ACCOUNTS_EVER)
      return new BankError(
        'account_limit_reached',
        `A customer may open at most ${MAX_ACCOUNTS_EVER} accounts in all, closed ones included: ask the bank`,
      );
    return undefined;
  }

  /** Closes an account whose balance is zero and that holds nothing. Closing a closed account answers it as it is. */
  async close(ownerId: string, accountId: string): Promise<Account> {
    const closed = await retry(async () => {
      const a = await this.mustGet(ownerId, accountId);
      if (a.status === 'closed') return done(publicAccount(a));
      assertClosable({ status: a.status, balance: a.balance, held: a.storedHeld });
      // Money on its way in (a transfer's credit not settled yet, hot recipients) would land in a
      // closed account: wait for it. A credit committed after this read (no condition can see it
      // without making every credit touch this item) is never settled into the closed account: the
      // settler returns it to its sender (ledger-return.ts): to unclaimed funds when the sender's account
      // is closed too, or, while the sender's is frozen, it stays a credit item, which verify-ledger
      // flags (ledger-settle.ts).
      const { pk, skPrefix } = keys.creditsOf(accountId);
      const incoming = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
          ConsistentRead: true,
          Limit: 1,
        }),
      );
      if ((incoming.Items ?? []).length > 0)
        throw new BankError(
          'balance_not_zero',
          'Money is on its way into this account: try again once it has settled',
        );
      const r = await transact(this.db, [
        {
          name: 'account',
          item: {
            Update: {
              TableName: this.table,
              Key: keys.account(ownerId, accountId),
              // updatedAt: when its status last changed (the back office's freeze sets it too), the
              // time its account.closed event tells.
              UpdateExpression: 'SET #status = :closed, version = version + :one, updatedAt = :now',
              // A frozen account stays open until staff unfreeze it (the version alone would allow it).
              ConditionExpression:
                '#status = :active AND version = :v AND balance = :zero AND (attribute_not_exists(held) OR held = :zero)',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: {
                ':closed': 'closed',
                ':active': 'active',
                ':one': 1,
                ':v': a.version,
                ':zero': 0,
                ':now': new Date().toISOString(),
              },
            },
          },
        },
        {
          name: 'profile',
          item: {
            Update: {
              TableName: this.table,
              Key: keys.profile(ownerId),
              UpdateExpression: 'SET openAccounts = openAccounts - :one',
              ConditionExpression: 'openAccounts > :zero',
              ExpressionAttributeValues: { ':one': 1, ':zero': 0 },
            },
          },
        },
      ]);
      if (r.ok) return done({ ...publicAccount(a), status: 'closed' as const });
      // The account changed between our read and the write (a posting, a hold), or DynamoDB asked us
      // to retry: decide again on fresh data.
      if (conditionFailed(r.failed).includes('account') || isTransient(r.error, r.codes)) return again;
      throw r.error;
    });
    if (!closed) throw busy('Could not close the account now: try again');
    return closed;
  }
}

/** 503 with Retry-After: the retries ran out (attempts or the Lambda's time). */
