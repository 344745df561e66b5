import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { BankError } from '../domain/errors.ts';
import type { Db } from './db.ts';
import { keys } from './keys.ts';

export interface LockoutPolicy {
  maxFailures: number;
  lockSeconds: number;
}

const locked = (seconds: number) =>
  new BankError('login_locked', 'Too many failed logins: try again later', {
    headers: { 'retry-after': String(Math.max(1, seconds)) },
  });

/**
 * Failed-login lockout per email (PCI DSS v4 8.3.4): after `maxFailures` failures in a row the
 * email is locked for `lockSeconds`, whatever the password. Each attempt is reserved with one
 * conditional write *before* the password is checked, so a burst of parallel guesses cannot get
 * past the limit. Kept for unknown emails too, so the lock reveals nothing about which exist.
 */
export class LoginStore {
  constructor(
    private readonly db: Db,
    private readonly table: string,
    private readonly policy: LockoutPolicy,
  ) {}

  /** Counts an attempt, or throws login_locked (429, Retry-After) when the email may not try now. */
  async reserve(email: string, now = Date.now()): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.login(email),
          UpdateExpression: 'SET attempts = if_not_exists(attempts, :zero) + :one, expiresAt = :exp',
          ConditionExpression:
            '(attribute_not_exists(lockedUntil) OR lockedUntil <= :now) AND (attribute_not_exists(attempts) OR attempts < :max)',
          ExpressionAttributeValues: {
            ':zero': 0,
            ':one': 1,
            ':now': now,
            ':max': this.policy.maxFailures,
            ':exp': Math.floor(now / 1000) + this.policy.lockSeconds + 24 * 3600,
          },
        }),
      );
    } catch (e) {
      if ((e as Error).name !== 'ConditionalCheckFailedException') throw e;
      const r = await this.db.send(
        new GetCommand({ TableName: this.table, Key: keys.login(email), ConsistentRead: true }),
      );
      const until = Number(r.Item?.lockedUntil ?? 0);
      // Not locked yet, but as many attempts as allowed are already under way: they will lock it.
      throw locked(until > now ? Math.ceil((until - now) / 1000) : this.policy.lockSeconds);
    }
  }

  /** The attempt failed on the password: at the limit, the email is locked. */
  async failed(email: string, now = Date.now()): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.login(email),
          UpdateExpression: 'SET attempts = :zero, lockedUntil = :until',
          ConditionExpression: 'attempts >= :max',
          ExpressionAttributeValues: {
            ':zero': 0,
            ':until': now + this.policy.lockSeconds * 1000,
            ':max': this.policy.maxFailures,
          },
        }),
      );
    } catch (e) {
      // Below the limit: the reserved attempt simply stays counted.
      if ((e as Error).name !== 'ConditionalCheckFailedException') throw e;
    }
  }

  /** The attempt ended without judging the password (e.g. unconfirmed user, Cognito busy): uncount it. */
  async release(email: string): Promise<void> {
    await this.db
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.login(email),
          UpdateExpression: 'SET attempts = attempts - :one',
          ConditionExpression: 'attempts > :zero',
          ExpressionAttributeValues: { ':one': 1, ':zero': 0 },
        }),
      )
      .catch((e: Error) => {
        if (e.name !== 'ConditionalCheckFailedException') throw e;
      });
  }

  /** A successful login resets the count. */
  async succeeded(email: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.login(email),
        UpdateExpression: 'SET attempts = :zero',
        ExpressionAttributeValues: { ':zero': 0 },
      }),
    );
  }
}
