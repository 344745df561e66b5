import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { BankError } from '../domain/errors.ts';
import type { Db } from './db.ts';
import { keys } from './keys.ts';

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

  /** The record item to commit with a movement. Fails the transaction if the key was used already. */
  recordPut(user: string, key: string, fingerprint: string, response: StoredResponse, now: Date) {
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
          expiresAt: Math.floor(now.getTime() / 1000) + this.ttlSeconds,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
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
    try {
      await this.db.send(new PutCommand(this.recordPut(user, key, fingerprint, response, now).Put));
      return { ...response, replayed: false };
    } catch (e) {
      if ((e as Error).name !== 'ConditionalCheckFailedException') throw e;
      const earlier = await this.replay(user, key, fingerprint, now);
      if (!earlier) throw e;
      return earlier;
    }
  }
}
