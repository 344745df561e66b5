/**
 * Fixed-window rate counters per customer, one DynamoDB item per window (`USER#<sub>` /
 * `RATE#<name>#<window start>`, TTL): a conditional update, so a limit holds across Lambda instances.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { BankError, type ErrorCode } from '../domain/errors.ts';
import type { Db } from './db.ts';
import { paymentKeys } from './keys.ts';
import type { LedgerOptions } from './ledger-engine.ts';

export interface RateLimit {
  /** Counts per window. */
  max: number;
  windowSeconds: number;
}

/** A counted rule: its counter's name, its limit, and the words of its 429. */
export interface RateRule {
  name: string;
  limit: RateLimit;
  refused: string;
  /**
   * The final answer to one request that holds more than a whole window's count (a bulk payment of
   * more than 20 unknown numbers), after it has taken what was left of the window: a 429 would come
   * back every minute for the same request, and a refusal that cost nothing would tell a prober, for
   * free, that one more number pushed a batch over.
   */
  overWhole?: { code: ErrorCode; detail: string };
  /**
   * A longer window counted beside this one (a day beside a minute): `take` counts it after this one
   * (`n`, at most this window's `max`: a request of more than a whole window counts that much, though
   * this window may have had less left), and `spent` reads both. Counting after means a refusal by the
   * longer window has already taken from this one, which ends soon anyway.
   */
  also?: RateRule;
}

/**
 * The day's count beside the minute's (NUMBER_CHECKS.also): 20 a minute alone allowed 28,800 a day, so
 * a patient prober could confirm thousands of holders' names (found by a review).
 */
const NUMBER_DAILY_LIMIT: RateLimit = { max: 200, windowSeconds: 86_400 };
const NUMBER_CHECKS_DAILY: RateRule = {
  name: 'payee-check-day',
  limit: NUMBER_DAILY_LIMIT,
  refused: `At most ${NUMBER_DAILY_LIMIT.max} account numbers a day may be checked (names checked, payees saved, numbers that match no account): try again tomorrow (UTC)`,
};

/**
 * Look-ups that tell a customer something about an account number that is not theirs: a name checked
 * against it, a payee saved, or a number that matched no account in a transfer, a bulk payment or a
 * new scheduled transfer.
 * One count for all of them (`payee-check`), so that neither a save-and-delete loop nor a bulk payment
 * of 48 made-up numbers finds more than 20 a minute.
 */
const NUMBER_LIMIT: RateLimit = { max: 20, windowSeconds: 60 };
export const NUMBER_CHECKS: RateRule = {
  name: 'payee-check',
  limit: NUMBER_LIMIT,
  refused: `At most ${NUMBER_LIMIT.max} account numbers a minute may be checked (names checked, payees saved, numbers that match no account): try again later`,
  overWhole: {
    code: 'too_many_unknown_numbers',
    detail: `Nothing was posted: more than ${NUMBER_LIMIT.max} of these account numbers match no account. Check the numbers and send the payment again`,
  },
  also: NUMBER_CHECKS_DAILY,
};

/** The window `now` falls in, and the 429 that refuses a count in it (Retry-After: its end). */
const windowOf = ({ limit, refused }: RateRule, now: Date) => {
  const seconds = Math.floor(now.getTime() / 1000);
  const windowStart = seconds - (seconds % limit.windowSeconds);
  const refuse = () =>
    new BankError('rate_limited', refused, {
      retryAfter: Math.max(1, windowStart + limit.windowSeconds - seconds),
    });
  return { windowStart, refuse };
};

export class RateCounter {
  constructor(
    private readonly db: Db,
    private readonly table: string,
  ) {}

  /**
   * Counts `n` against `sub`'s current window of the rule, all or none: 429 `rate_limited` (with
   * Retry-After, and the rule's `refused` as its detail) when they would take it past its limit.
   * More than a whole window (`n > max`) takes what is left of it and throws the rule's `overWhole`
   * (429 if nothing was left; without `overWhole`, 429 at once, counting nothing). Then the rule's
   * longer window (`also`), if any, the same way.
   */
  async take(sub: string, rule: RateRule, now: Date, n = 1): Promise<void> {
    const { name, limit, overWhole } = rule;
    const { windowStart, refuse } = windowOf(rule, now);
    const whole = n > limit.max;
    if (whole && !overWhole) throw refuse();
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: paymentKeys.rate(sub, name, windowStart),
          // More than the window holds: the rest of it.
          UpdateExpression: whole
            ? 'SET hits = :max, expiresAt = :exp, entity = :entity'
            : 'ADD hits :n SET expiresAt = :exp, entity = :entity',
          ConditionExpression: whole
            ? 'attribute_not_exists(hits) OR hits < :max'
            : 'attribute_not_exists(hits) OR hits <= :room',
          ExpressionAttributeValues: {
            ...(whole ? { ':max': limit.max } : { ':n': n, ':room': limit.max - n }),
            ':exp': windowStart + limit.windowSeconds * 2,
            ':entity': 'rateLimit',
          },
        }),
      );
    } catch (e) {
      if ((e as Error).name !== 'ConditionalCheckFailedException') throw e;
      throw refuse();
    }
    if (rule.also) await this.take(sub, rule.also, now, Math.min(n, limit.max));
    if (whole && overWhole) throw new BankError(overWhole.code, overWhole.detail);
  }

  /**
   * The 429 that `take` would give once `sub`'s current window of the rule is spent (a strongly
   * consistent read, nothing counted), or undefined while it has room.
   */
  async spent(sub: string, rule: RateRule, now: Date): Promise<BankError | undefined> {
    const { windowStart, refuse } = windowOf(rule, now);
    const [r, longer] = await Promise.all([
      this.db.send(
        new GetCommand({
          TableName: this.table,
          Key: paymentKeys.rate(sub, rule.name, windowStart),
          ProjectionExpression: 'hits',
          ConsistentRead: true,
        }),
      ),
      rule.also ? this.spent(sub, rule.also, now) : undefined,
    ]);
    // Both spent: the longer window's refusal, whose Retry-After is when a request can pass again.
    return longer ?? (Number(r.Item?.hits ?? 0) >= rule.limit.max ? refuse() : undefined);
  }
}

/**
 * Past the customer's account-number checks (`spent`, from RateCounter.spent), a payment to another
 * customer's account is refused as one to a number that matches no account is (429), or its usual
 * answer would tell the numbers that exist from those that do not. The customer's own accounts are no
 * secret to them and still pay. Transfers, bulk payments and new schedules alike.
 */
export const assertNumbersLeft = (
  spent: BankError | undefined,
  user: string,
  recipients: Iterable<{ ownerId: string }>,
): void => {
  if (spent && [...recipients].some((a) => a.ownerId !== user)) throw spent;
};

/** The ledger's account-number hooks (LedgerOptions) on a counter: the handlers' and the bench's. */
export const numberCheckHooks = (
  counter: RateCounter,
): Pick<LedgerOptions, 'unknownNumbers' | 'numbersSpent'> => ({
  unknownNumbers: (user, count, now) => counter.take(user, NUMBER_CHECKS, now, count),
  numbersSpent: (user, now) => counter.spent(user, NUMBER_CHECKS, now),
});
