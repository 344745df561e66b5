import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from './db.ts';
import { keys } from './keys.ts';

export interface LockoutPolicy {
  maxFailures: number;
  lockSeconds: number;
}

/**
 * Failed-login counting per email (PCI DSS v4 8.3.4): after `maxFailures` failures in a row the
 * email is locked for `lockSeconds`, whatever the password. Kept for unknown emails too, so the
 * lock reveals nothing about which emails exist.
 */
export class LoginStore {
  constructor(
    private readonly db: Db,
    private readonly table: string,
    private readonly policy: LockoutPolicy,
  ) {}

  /** Seconds until the lock ends, or 0 when the email may try; and whether a counter exists. */
  async status(email: string, now = Date.now()): Promise<{ lockedForSeconds: number; hasFailures: boolean }> {
    const r = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.login(email), ConsistentRead: true }),
    );
    const lockedUntil = Number(r.Item?.lockedUntil ?? 0);
    return {
      lockedForSeconds: lockedUntil > now ? Math.ceil((lockedUntil - now) / 1000) : 0,
      hasFailures: Number(r.Item?.failures ?? 0) > 0,
    };
  }

  /** Counts one failure; locks the email when it reaches the limit. Returns the lock in seconds, or 0. */
  async recordFailure(email: string, now = Date.now()): Promise<number> {
    const expiresAt = Math.floor(now / 1000) + this.policy.lockSeconds + 24 * 3600;
    const r = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.login(email),
        UpdateExpression: 'SET failures = if_not_exists(failures, :zero) + :one, expiresAt = :exp',
        ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':exp': expiresAt },
        ReturnValues: 'ALL_NEW',
      }),
    );
    if (Number(r.Attributes?.failures) < this.policy.maxFailures) return 0;
    const lockedUntil = now + this.policy.lockSeconds * 1000;
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.login(email),
        UpdateExpression: 'SET failures = :zero, lockedUntil = :until',
        ExpressionAttributeValues: { ':zero': 0, ':until': lockedUntil },
      }),
    );
    return this.policy.lockSeconds;
  }

  /** A successful login resets the count. */
  async reset(email: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.login(email),
        UpdateExpression: 'SET failures = :zero',
        ExpressionAttributeValues: { ':zero': 0 },
      }),
    );
  }
}
