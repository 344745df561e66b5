/**
 * Failed-attempt counters that protect customers without handing attackers a way to lock them out.
 *
 * - `FailureCounter`: one item counts failures in a row and locks after `maxFailures` for
 *   `lockSeconds` (PCI DSS v4 8.3.4). Each attempt is reserved with one conditional write *before* the
 *   secret is checked, so a burst of parallel guesses cannot get past the limit. Used per
 *   (email, source IP) for logins, per customer for the password and code checks of signed-in changes.
 * - `EmailedCodeCounter`: wrong password-reset codes, per code rather than per email, so that nobody can
 *   keep an owner from resetting by sending wrong codes: each forgot-password request opens a new code
 *   generation, 5 wrong answers spend that code (even the right one is refused after), and the
 *   owner's next request opens a fresh one. Guesses when no code was asked for count nothing.
 * - `LoginGuard`: logins. Failures per (email, source IP) lock that pair; failures per email from all
 *   IPs only *slow* further attempts (1 s, 2 s, 4 s ... 30 s between accepted attempts), never lock.
 *   An IP the customer has logged in from before is not slowed, so the owner keeps a way in whatever
 *   an attacker does elsewhere; a password reset clears both counters. An IPv6 source counts as its
 *   /64 for both (`ipLockKey`): one client holds the whole /64. The TOTP step is also counted per
 *   email from every IP, and locks as a pair does: the code is the one secret left to someone who has
 *   the password, and the per-email slow-down alone let them try 2,880 codes a day from many IPs.
 *
 * Counters are kept for unknown emails too, so they reveal nothing about which emails exist.
 */
import { isIPv6 } from 'node:net';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { BankError } from '../domain/errors.ts';
import { type Db, type ItemKey, isConditionFailure, type Piece, queryAll } from './db.ts';
import * as keys from './item-keys.ts';

type Key = { pk: string; sk: string };

export interface LockoutPolicy {
  maxFailures: number;
  lockSeconds: number;
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
const DAY = 24 * 3600;

export type LockedError = (retryAfterSeconds: number) => BankError;

/** The outcome of a failure: whether it locked the counter, and until when (epoch ms). */
export interface FailureOutcome {
  locked: boolean;
  until?: number;
}

export class FailureCounter {
  constructor(
    private readonly db: Db,
    private readonly table: string,
    private readonly policy: LockoutPolicy,
    private readonly lockedError: LockedError,
  ) {}

  private update(key: Key, input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName' | 'Key'>) {
    return this.db.send(new UpdateCommand({ TableName: this.table, Key: key, ...input }));
  }

  /**
   * Counts an attempt, or throws the locked error (429, Retry-After) when the key may not try now.
   * `epoch` is the generation the counter must belong to: a counter of an older generation (cleared
   * by a password reset since) starts again from zero. Returns whether a lock had just expired.
   */
  async reserve(key: Key, now = Date.now(), epoch = 0): Promise<{ unlocked: boolean }> {
    try {
      const r = await this.update(key, {
        UpdateExpression:
          'SET attempts = if_not_exists(attempts, :zero) + :one, epoch = :epoch, expiresAt = :exp REMOVE lockedUntil',
        ConditionExpression:
          '(attribute_not_exists(epoch) OR epoch = :epoch) AND (attribute_not_exists(lockedUntil) OR lockedUntil <= :now) AND (attribute_not_exists(attempts) OR attempts < :max)',
        ExpressionAttributeValues: {
          ':zero': 0,
          ':one': 1,
          ':now': now,
          ':max': this.policy.maxFailures,
          ':epoch': epoch,
          ':exp': Math.floor(now / 1000) + this.policy.lockSeconds + DAY,
        },
        ReturnValues: 'UPDATED_OLD',
      });
      return { unlocked: r.Attributes?.lockedUntil !== undefined };
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      const current = await this.db.send(
        new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }),
      );
      const old: Record<string, unknown> = current.Item ?? {};
      if (old.epoch !== undefined && old.epoch !== epoch) {
        // Cleared since (a password reset): this attempt is the first of the new generation.
        await this.update(key, {
          UpdateExpression: 'SET attempts = :one, epoch = :epoch, expiresAt = :exp REMOVE lockedUntil',
          ConditionExpression: 'epoch = :old',
          ExpressionAttributeValues: {
            ':one': 1,
            ':epoch': epoch,
            ':old': old.epoch,
            ':exp': Math.floor(now / 1000) + this.policy.lockSeconds + DAY,
          },
        }).catch((err) => {
          if (!isConditionFailure(err)) throw err;
          throw this.lockedError(1);
        });
        return { unlocked: old.lockedUntil !== undefined };
      }
      const until = Number(old.lockedUntil ?? 0);
      // Not locked yet, but as many attempts as allowed are already under way: they will lock it.
      throw this.lockedError(until > now ? seconds(until - now) : this.policy.lockSeconds);
    }
  }

  /** The reserved attempt failed: at the limit, the key is locked. */
  async failed(key: Key, now = Date.now()): Promise<FailureOutcome> {
    const until = now + this.policy.lockSeconds * 1000;
    try {
      await this.update(key, {
        UpdateExpression: 'SET attempts = :zero, lockedUntil = :until',
        ConditionExpression: 'attempts >= :max',
        ExpressionAttributeValues: { ':zero': 0, ':until': until, ':max': this.policy.maxFailures },
      });
      return { locked: true, until };
    } catch (e) {
      // Below the limit: the reserved attempt simply stays counted.
      if (!isConditionFailure(e)) throw e;
      return { locked: false };
    }
  }

  /** The reserved attempt ended without judging the secret (e.g. Cognito busy): uncount it. */
  async release(key: Key): Promise<void> {
    await this.update(key, {
      UpdateExpression: 'SET attempts = attempts - :one',
      ConditionExpression: 'attempts > :zero',
      ExpressionAttributeValues: { ':one': 1, ':zero': 0 },
    }).catch((e) => {
      if (!isConditionFailure(e)) throw e;
    });
  }

  /** The secret was right: the count starts again. */
  async succeeded(key: Key): Promise<void> {
    await this.update(key, {
      UpdateExpression: 'SET attempts = :zero',
      ExpressionAttributeValues: { ':zero': 0 },
    });
  }
}

// ---------- emailed codes (password reset, confirmation) ----------

export interface CodePolicy {
  /** Wrong answers that spend a code. */
  maxFailures: number;
  /**
   * How long a code is valid (Cognito's: 1 hour for a reset, 24 hours for a confirmation): after it,
   * guesses count nothing.
   */
  codeSeconds: number;
}

/** A reset attempt under way, counted against one code generation. */
export interface CodeTicket {
  email: string;
  generation: number;
  /** This attempt's number within its generation (1 for the first). */
  attempt: number;
}

/**
 * Wrong emailed codes (a password reset's, or a sign-up's confirmation: each its own item per email,
 * `key`), counted per issued code (a generation of that item):
 * `issued` opens a generation when a code is asked for (for any email, known or not, so the answers
 * tell nothing); `reserve` counts an attempt against the current one before Cognito checks the code,
 * so parallel guesses cannot get past the limit. The code whose generation is spent is refused here
 * until a new one is asked for; a code that was never asked for here (or has expired, or was used)
 * counts nothing: Cognito refuses it anyway.
 */
export class EmailedCodeCounter {
  constructor(
    private readonly db: Db,
    private readonly table: string,
    private readonly policy: CodePolicy,
    private readonly spentError: () => BankError,
    private readonly key: (email: string) => ItemKey = keys.passwordReset,
  ) {}

  /**
   * A code was asked for: a new generation starts, with no attempts. `ifNone`: only when no code is
   * current (none asked for, or it expired or was used), as if one had been asked for.
   */
  async issued(email: string, now = Date.now(), ifNone = false): Promise<void> {
    await this.db
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(email),
          UpdateExpression:
            'SET codeGeneration = if_not_exists(codeGeneration, :zero) + :one, codeAttempts = :zero, codeExpiresAt = :until, expiresAt = :exp',
          ...(ifNone
            ? { ConditionExpression: 'attribute_not_exists(codeGeneration) OR codeExpiresAt <= :now' }
            : {}),
          ExpressionAttributeValues: {
            ':zero': 0,
            ':one': 1,
            ':until': now + this.policy.codeSeconds * 1000,
            ':exp': Math.floor(now / 1000) + this.policy.codeSeconds + DAY,
            ...(ifNone ? { ':now': now } : {}),
          },
        }),
      )
      .catch((e) => {
        if (!(ifNone && isConditionFailure(e))) throw e;
      });
  }

  /**
   * Counts an attempt against the current code; undefined when there is none to count against (no
   * code asked for, or it expired or was used); throws the spent error when the code has had its
   * wrong answers.
   */
  async reserve(email: string, now = Date.now()): Promise<CodeTicket | undefined> {
    try {
      const r = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(email),
          UpdateExpression: 'SET codeAttempts = codeAttempts + :one',
          ConditionExpression:
            'attribute_exists(codeGeneration) AND codeExpiresAt > :now AND codeAttempts < :max',
          ExpressionAttributeValues: { ':one': 1, ':now': now, ':max': this.policy.maxFailures },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return {
        email,
        generation: Number(r.Attributes?.codeGeneration),
        attempt: Number(r.Attributes?.codeAttempts),
      };
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      const current = await this.db.send(
        new GetCommand({ TableName: this.table, Key: this.key(email), ConsistentRead: true }),
      );
      const item = current.Item ?? {};
      if (item.codeGeneration === undefined || Number(item.codeExpiresAt ?? 0) <= now) return undefined;
      throw this.spentError();
    }
  }

  /** The code was wrong: the attempt stays counted. Whether it was the one that spent the code. */
  failed(t: CodeTicket): { spent: boolean } {
    return { spent: t.attempt >= this.policy.maxFailures };
  }

  /** The attempt ended without judging the code (e.g. Cognito busy): uncount it, if its code stands. */
  async release(t: CodeTicket): Promise<void> {
    await this.db
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(t.email),
          UpdateExpression: 'SET codeAttempts = codeAttempts - :one',
          ConditionExpression: 'codeGeneration = :gen AND codeAttempts > :zero',
          ExpressionAttributeValues: { ':one': 1, ':zero': 0, ':gen': t.generation },
        }),
      )
      .catch((e) => {
        if (!isConditionFailure(e)) throw e;
      });
  }

  /**
   * The password was reset: the code is used, and guesses until the next request count nothing. The
   * generation stays, so the next code's is a new number: an attempt of this one given back late
   * (`release`) cannot uncount the next code's guesses.
   */
  async succeeded(email: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: this.key(email),
        UpdateExpression: 'SET codeAttempts = :zero, codeExpiresAt = :zero',
        ExpressionAttributeValues: { ':zero': 0 },
      }),
    );
  }
}

// ---------- logins ----------

/**
 * An IPv6 address's 8 hextets (the text must be one: `isIPv6`, no zone id). The WHATWG URL parser
 * writes the address in its canonical form (lower case, at most one `::`, a dotted quad as hextets),
 * which leaves only the `::` to expand.
 */
const hextets = (ip: string): number[] => {
  const canonical = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  const [head = '', tail] = canonical.split('::');
  const hex = (text: string) => (text === '' ? [] : text.split(':').map((h) => Number.parseInt(h, 16)));
  const left = hex(head);
  if (tail === undefined) return left;
  const right = hex(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
};

/**
 * What the login lock and the known-IP exemption count a source IP as. An IPv4 address is itself; an
 * IPv6 client is given a whole /64 (it picks any address in it, new ones at will), so an IPv6 address
 * counts as its /64 prefix, written `2001:db8:0:1::/64`: case, compression and a zone id (`%eth0`)
 * make no difference. An IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) is the IPv4 address it maps.
 * Anything else (not an IP address) is kept as it is.
 */
export const ipLockKey = (sourceIp: string): string => {
  // A zone id (`fe80::1%eth0`) names the receiver's interface, not the client's address.
  const ip = sourceIp.trim().replace(/%.*$/, '');
  if (!isIPv6(ip)) return sourceIp.trim();
  const h = hextets(ip);
  if (h.slice(0, 5).every((x) => x === 0) && h[5] === 0xffff) {
    const [hi = 0, lo = 0] = h.slice(6);
    return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
  }
  return `${h
    .slice(0, 4)
    .map((x) => x.toString(16))
    .join(':')}::/64`;
};

export interface LoginPolicy extends LockoutPolicy {
  /** Failures per email (all IPs) before attempts on that email are slowed. */
  slowAfter: number;
  /** The longest delay between accepted attempts on a slowed email. */
  maxDelaySeconds: number;
  /** Per-email failures older than this are forgotten. */
  windowSeconds: number;
  /** How long an IP stays known after a successful login from it. */
  knownIpDays: number;
}

/** 1 s, 2 s, 4 s ... up to the maximum, after the `slowAfter`-th failure. */
export const slowDelaySeconds = (
  failures: number,
  policy: Pick<LoginPolicy, 'slowAfter' | 'maxDelaySeconds'>,
) => (failures < policy.slowAfter ? 0 : Math.min(policy.maxDelaySeconds, 2 ** (failures - policy.slowAfter)));

/** An attempt under way: what `failed`, `succeeded` and `release` need to settle it. */
export interface LoginTicket {
  email: string;
  /** The source IP as the lock counts it (`ipLockKey`: an IPv6 address's /64). */
  ip: string;
  epoch: number;
  /** This attempt took the email's slowed slot, and must give it back. */
  claimed: boolean;
  /** The pair's lock had expired: the caller records the unlock. */
  unlocked: boolean;
  /** The TOTP step's attempt, counted per email too (`LoginGuard.reserve`). */
  totp?: boolean;
  /** The email's TOTP step lock had expired: the caller records the unlock. */
  totpUnlocked?: boolean;
}

export interface LoginFailure {
  /** The (email, IP) pair is now locked until this time (epoch ms). */
  pairLockedUntil?: number;
  /** The email is now slowed: the next attempt from an unknown IP is accepted from this time. */
  slowedUntil?: number;
  /** The email's TOTP step is now locked, from every IP, until this time (epoch ms). */
  totpLockedUntil?: number;
  failures: number;
}

export const loginThrottled = (retryAfter: number) =>
  new BankError('login_throttled', 'Too many failed logins for this email: wait a moment and try again', {
    retryAfter,
  });
export const loginLocked = (retryAfter: number) =>
  new BankError('login_locked', 'Too many failed logins: try again later, or reset your password', {
    retryAfter,
  });

export class LoginGuard {
  private readonly pairs: FailureCounter;
  /** Wrong TOTP codes per email from every IP (`keys.loginTotp`), locked as a pair is. */
  private readonly totpSteps: FailureCounter;

  constructor(
    private readonly db: Db,
    private readonly table: string,
    private readonly policy: LoginPolicy,
  ) {
    this.pairs = new FailureCounter(db, table, policy, loginLocked);
    this.totpSteps = new FailureCounter(db, table, policy, loginLocked);
  }

  private async emailState(email: string, now: number) {
    const r = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.login(email), ConsistentRead: true }),
    );
    const item = r.Item ?? {};
    // `lastFailureAt` is the last attempt's start since tries count as they begin (`countTry`): the window's clock.
    const recent = Number(item.lastFailureAt ?? 0) > now - this.policy.windowSeconds * 1000;
    return {
      epoch: Number(item.epoch ?? 0),
      failures: recent ? Number(item.failures ?? 0) : 0,
      nextAt: item.nextAt === undefined ? undefined : Number(item.nextAt),
    };
  }

  private async isKnown(email: string, ip: string, now: number): Promise<boolean> {
    const r = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.loginKnownIp(email, ip), ConsistentRead: true }),
    );
    return Number(r.Item?.expiresAt ?? 0) > now / 1000;
  }

  /**
   * Counts an attempt on the email as it starts, and returns the count with it: a failure until shown
   * otherwise (`succeeded` and `release` give it back). Counted only once judged, any number of attempts
   * from as many IPs could start while the count was still under `slowAfter` (a review sent 60 at once
   * from 60 addresses: all 60 were let through, and 23 counted). A new window (or generation after a
   * reset) starts at 1 on the condition that it is still due, so two attempts starting it at once both
   * count (before, each set it to 1).
   */
  private async countTry(email: string, now: number): Promise<number> {
    const values = {
      ':one': 1,
      ':now': now,
      ':windowStart': now - this.policy.windowSeconds * 1000,
      ':exp': Math.floor(now / 1000) + this.policy.windowSeconds + DAY,
    };
    const swallowCondition = (e: unknown) => {
      if (!isConditionFailure(e)) throw e;
      return undefined;
    };
    for (let i = 0; i < 5; i++) {
      const counted = await this.db
        .send(
          new UpdateCommand({
            TableName: this.table,
            Key: keys.login(email),
            UpdateExpression: 'SET failures = failures + :one, lastFailureAt = :now, expiresAt = :exp',
            ConditionExpression: 'lastFailureAt > :windowStart',
            ExpressionAttributeValues: values,
            ReturnValues: 'UPDATED_NEW',
          }),
        )
        .catch(swallowCondition);
      if (counted) return Number(counted.Attributes?.failures ?? 1);
      const started = await this.db
        .send(
          new UpdateCommand({
            TableName: this.table,
            Key: keys.login(email),
            UpdateExpression:
              'SET failures = :one, lastFailureAt = :now, epoch = if_not_exists(epoch, :zero), expiresAt = :exp REMOVE nextAt',
            ConditionExpression: 'attribute_not_exists(lastFailureAt) OR lastFailureAt <= :windowStart',
            ExpressionAttributeValues: { ...values, ':zero': 0 },
          }),
        )
        .catch(swallowCondition);
      if (started) return 1;
      // Another attempt started the window between the two: count on it.
    }
    throw loginThrottled(1);
  }

  /** Gives back an attempt's count (`countTry`); nothing if its window or generation has passed since. */
  private async uncount(t: LoginTicket, now: number): Promise<void> {
    await this.db
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.login(t.email),
          UpdateExpression: 'SET failures = failures - :one',
          ConditionExpression: 'failures > :zero AND lastFailureAt > :windowStart AND epoch = :epoch',
          ExpressionAttributeValues: {
            ':one': 1,
            ':zero': 0,
            ':windowStart': now - this.policy.windowSeconds * 1000,
            ':epoch': t.epoch,
          },
        }),
      )
      .catch((e) => {
        if (!isConditionFailure(e)) throw e;
      });
  }

  /**
   * Reserves an attempt, or throws login_throttled / login_locked (429 with Retry-After). The pair's
   * lock and the known-IP exemption both go by `ipLockKey(sourceIp)`. The attempt counts on the email
   * from here (`countTry`): past `slowAfter` tries, an unknown IP needs the email's one slowed slot.
   * The TOTP step (`step: 'totp'`) is reserved on the email's TOTP counter too, which locks after as
   * many wrong codes in a row from any IPs as a pair does, for as long; a reset ends it (the generation).
   */
  async reserve(
    email: string,
    sourceIp: string,
    now = Date.now(),
    step: 'password' | 'totp' = 'password',
  ): Promise<LoginTicket> {
    const ip = ipLockKey(sourceIp);
    const [state, known, pair] = await Promise.all([
      this.emailState(email, now),
      this.isKnown(email, ip, now),
      this.db.send(
        new GetCommand({ TableName: this.table, Key: keys.loginPair(email, ip), ConsistentRead: true }),
      ),
    ]);
    // A locked pair says so first (a lock from an older generation was cleared by a reset).
    const lockedUntil = Number(pair.Item?.lockedUntil ?? 0);
    if (lockedUntil > now && Number(pair.Item?.epoch ?? 0) === state.epoch)
      throw loginLocked(seconds(lockedUntil - now));
    if (!known && state.failures >= this.policy.slowAfter && state.nextAt !== undefined && state.nextAt > now)
      throw loginThrottled(seconds(state.nextAt - now));
    const tries = await this.countTry(email, now);
    const ticket = { email, ip, epoch: state.epoch, claimed: false, unlocked: false, totp: step === 'totp' };
    try {
      if (!known && tries > this.policy.slowAfter) {
        // Take the slot: until this attempt is judged, no other unknown IP may try this email.
        const seen = state.nextAt;
        if (seen !== undefined && seen > now) throw loginThrottled(seconds(seen - now));
        await this.db
          .send(
            new UpdateCommand({
              TableName: this.table,
              Key: keys.login(email),
              UpdateExpression: 'SET nextAt = :held',
              ConditionExpression: '(attribute_not_exists(nextAt) OR nextAt <= :now)',
              ExpressionAttributeValues: { ':held': now + this.policy.maxDelaySeconds * 1000, ':now': now },
            }),
          )
          .catch((e) => {
            if (isConditionFailure(e)) throw loginThrottled(1);
            throw e;
          });
        ticket.claimed = true;
      }
      const totpUnlocked = ticket.totp
        ? (await this.totpSteps.reserve(keys.loginTotp(email), now, state.epoch)).unlocked
        : false;
      try {
        const { unlocked } = await this.pairs.reserve(keys.loginPair(email, ip), now, state.epoch);
        return { ...ticket, unlocked, ...(totpUnlocked ? { totpUnlocked } : {}) };
      } catch (e) {
        if (ticket.totp) await this.totpSteps.release(keys.loginTotp(email));
        throw e;
      }
    } catch (e) {
      // Not tried after all: its count and any slot it took are given back.
      await this.uncount(ticket, now);
      if (ticket.claimed) await this.giveBack(email, now);
      throw e;
    }
  }

  private async giveBack(email: string, now: number): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.login(email),
        UpdateExpression: 'SET nextAt = :now',
        ExpressionAttributeValues: { ':now': now },
      }),
    );
  }

  /** The password (or MFA code) was wrong: its count stays (`countTry`), and may slow the email. */
  async failed(t: LoginTicket, now = Date.now()): Promise<LoginFailure> {
    const pair = await this.pairs.failed(keys.loginPair(t.email, t.ip), now);
    const totp = t.totp ? await this.totpSteps.failed(keys.loginTotp(t.email), now) : { locked: false };
    const state = await this.emailState(t.email, now);
    // A reset (or a new window) since the attempt began wiped its count: it counts in the new one.
    const failures =
      state.epoch === t.epoch && state.failures > 0 ? state.failures : await this.countTry(t.email, now);
    const delay = slowDelaySeconds(failures, this.policy);
    let slowedUntil: number | undefined;
    if (delay > 0) {
      slowedUntil = now + delay * 1000;
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.login(t.email),
          UpdateExpression: 'SET nextAt = :next',
          ExpressionAttributeValues: { ':next': slowedUntil },
        }),
      );
    } else if (t.claimed) await this.giveBack(t.email, now);
    return {
      failures,
      ...(pair.locked ? { pairLockedUntil: pair.until } : {}),
      ...(totp.locked ? { totpLockedUntil: totp.until } : {}),
      ...(slowedUntil ? { slowedUntil } : {}),
    };
  }

  /** The password was right: the pair's count starts again, the IP becomes known, the try is given back. */
  async succeeded(t: LoginTicket, now = Date.now()): Promise<void> {
    await Promise.all([
      this.pairs.succeeded(keys.loginPair(t.email, t.ip)),
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.loginKnownIp(t.email, t.ip),
          UpdateExpression: 'SET expiresAt = :exp',
          ExpressionAttributeValues: { ':exp': Math.floor(now / 1000) + this.policy.knownIpDays * DAY },
        }),
      ),
      this.uncount(t, now),
      t.claimed ? this.giveBack(t.email, now) : Promise.resolve(),
      t.totp ? this.totpSteps.succeeded(keys.loginTotp(t.email)) : Promise.resolve(),
    ]);
  }

  /** The attempt ended without judging the password (e.g. unconfirmed user, MFA step next, Cognito busy). */
  async release(t: LoginTicket, now = Date.now()): Promise<void> {
    await Promise.all([
      this.pairs.release(keys.loginPair(t.email, t.ip)),
      t.totp ? this.totpSteps.release(keys.loginTotp(t.email)) : Promise.resolve(),
      this.uncount(t, now),
      t.claimed ? this.giveBack(t.email, now) : Promise.resolve(),
    ]);
  }

  /**
   * After a password reset: every counter of this email starts again (the per-email one now, the
   * per-IP ones on their next attempt, by the new generation number).
   */
  async clear(email: string): Promise<void> {
    await this.db.send(new UpdateCommand(this.clearPiece(email).item.Update as UpdateCommand['input']));
  }

  /** `clear` as a transaction piece: an admin's unlock commits it with its audit record. */
  clearPiece(email: string): Piece<'unlock'> {
    return {
      name: 'unlock',
      item: {
        Update: {
          TableName: this.table,
          Key: keys.login(email),
          UpdateExpression:
            'SET failures = :zero, epoch = if_not_exists(epoch, :zero) + :one REMOVE nextAt, lastFailureAt',
          ExpressionAttributeValues: { ':zero': 0, ':one': 1 },
        },
      },
    };
  }

  /**
   * What holds this email's logins back now (epoch ms): the latest lock of an (email, IP) pair or of
   * its TOTP step, of the current generation, and the per-email slow-down.
   */
  async lockState(email: string, now = Date.now()): Promise<{ lockedUntil?: number; slowedUntil?: number }> {
    const items = await queryAll(this.db, this.table, keys.login(email).pk);
    const login = items.find((i) => i.sk === keys.login(email).sk);
    const epoch = Number(login?.epoch ?? 0);
    let lockedUntil: number | undefined;
    for (const i of items) {
      const until = Number(i.lockedUntil ?? 0);
      const counter = String(i.sk).startsWith('IP#') || i.sk === keys.loginTotp(email).sk;
      if (counter && Number(i.epoch ?? 0) === epoch && until > now)
        lockedUntil = Math.max(lockedUntil ?? 0, until);
    }
    const nextAt = Number(login?.nextAt ?? 0);
    return { ...(lockedUntil ? { lockedUntil } : {}), ...(nextAt > now ? { slowedUntil: nextAt } : {}) };
  }
}
