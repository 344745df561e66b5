import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { BankError } from '../domain/errors.ts';
import type { Db } from './db.ts';
import { keys } from './keys.ts';
import { backoff, isTransient } from './retry.ts';

/** What a first request answered, kept so that a retry with the same key gets the same answer. */
export interface StoredResponse {
  status: number;
  body: unknown;
}

export interface Outcome extends StoredResponse {
  replayed: boolean;
}

/**
 * Idempotency records, scoped to the user: `IDEM#<sub>#<key>`. A successful movement writes its
 * record inside the movement's own transaction (see ledger.ts); a declined one (422) writes it alone.
 */
export class IdempotencyStore {
  constructor(
    private readonly db: Db,
    private readonly table: string,
    private readonly ttlSeconds: number,
  ) {}

  /**
   * The record item to commit with a movement. Fails the transaction if the key holds a live record;
   * an expired one (DynamoDB's TTL deletes lazily, up to days later) is overwritten.
   */
  recordPut(user: string, key: string, fingerprint: string, response: StoredResponse, now: Date) {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    return {
      Put: {
        TableName: this.table,
        Item: {
          ...keys.idempotency(user, key),
          entity: 'idempotency',
          fingerprint,
          status: response.status,
          body: JSON.stringify(response.body),
          createdAt: now.toISOString(),
          expiresAt: nowSeconds + this.ttlSeconds,
        },
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
        ExpressionAttributeValues: { ':now': nowSeconds },
      },
    };
  }

  /** The earlier outcome for this key, or undefined. The same key for another request is refused. */
  async replay(
    user: string,
    key: string,
    fingerprint: string,
    now = new Date(),
  ): Promise<Outcome | undefined> {
    const r = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.idempotency(user, key), ConsistentRead: true }),
    );
    const item = r.Item;
    // DynamoDB's TTL deletes lazily: an expired record no longer counts.
    if (!item || Number(item.expiresAt) <= Math.floor(now.getTime() / 1000)) return undefined;
    if (item.fingerprint !== fingerprint) {
      throw new BankError(
        'idempotency_key_reused',
        'This Idempotency-Key was already used for another request',
      );
    }
    return { status: Number(item.status), body: JSON.parse(String(item.body)), replayed: true };
  }

  /** Records a declined request alone. If the key was taken meanwhile, answers what it holds. */
  async recordDecline(
    user: string,
    key: string,
    fingerprint: string,
    response: StoredResponse,
    now = new Date(),
  ): Promise<Outcome> {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await this.db.send(new PutCommand(this.recordPut(user, key, fingerprint, response, now).Put));
        return { ...response, replayed: false };
      } catch (e) {
        if ((e as Error).name === 'ConditionalCheckFailedException') {
          const earlier = await this.replay(user, key, fingerprint, now);
          if (earlier) return earlier;
        } else if (!isTransient(e, undefined)) {
          throw e;
        }
        // A concurrent request holds the key in a transaction, or DynamoDB asked us to retry.
        await backoff(attempt);
      }
    }
    throw new BankError('idempotency_key_in_use', 'A request with this Idempotency-Key is in progress');
  }
}
