/**
 * Fixed-window rate counters per customer, one DynamoDB item per window (`USER#<sub>` /
 * `RATE#<name>#<window start>`, TTL): a conditional update, so a limit holds across Lambda instances.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { BankError } from '../domain/errors.ts';
import type { Db } from './db.ts';
import { paymentKeys } from './keys.ts';

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
}

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
};

export class RateCounter {
  constructor(
    private readonly db: Db,
    private readonly table: string,
  ) {}

  /**
   * Counts `n` against `sub`'s current window of the rule, all or none: 429 `rate_limited` (with
   * Retry-After, and the rule's `refused` as its detail) when they would take it past its limit.
   */
  async take(sub: string, { name, limit, refused }: RateRule, now: Date, n = 1): Promise<void> {
    const seconds = Math.floor(now.getTime() / 1000);
    const windowStart = seconds - (seconds % limit.windowSeconds);
    const refuse = () =>
      new BankError('rate_limited', refused, {
        headers: { 'retry-after': String(Math.max(1, windowStart + limit.windowSeconds - seconds)) },
      });
    // More than a whole window holds: never, whatever the count.
    if (n > limit.max) throw refuse();
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: paymentKeys.rate(sub, name, windowStart),
          UpdateExpression: 'ADD hits :n SET expiresAt = :exp, entity = :entity',
          ConditionExpression: 'attribute_not_exists(hits) OR hits <= :room',
          ExpressionAttributeValues: {
            ':n': n,
            ':room': limit.max - n,
            ':exp': windowStart + limit.windowSeconds * 2,
            ':entity': 'rateLimit',
          },
        }),
      );
    } catch (e) {
      if ((e as Error).name !== 'ConditionalCheckFailedException') throw e;
      throw refuse();
    }
  }
}
