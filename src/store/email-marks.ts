/**
 * The mark of an event's email (`EMAIL#<eventId>` / `EMAIL`, TTL 30 days), so that an email is sent
 * once however often its stream record is delivered, and is not lost to a send that never finished.
 * Only the notifier uses it. A mark is in one of two states:
 *
 *   - `sending`: a notifier claimed the email (a random `token`) until `leaseUntil`. If it dies between
 *     the claim and SES's answer (a hung send, the invocation timing out or crashing), the mark stays
 *     `sending` and, once the lease is over, the next delivery of the record claims it again and sends.
 *     While the lease lasts, a delivery of the record fails (the stream retries it later): it is neither
 *     sent twice at once nor dropped.
 *   - `sent`: SES accepted it (written under the claim's token); never sent again. A mark written
 *     before marks had states (`sentAt`, no `status`) counts as `sent`.
 *
 * A send that fails deletes its own claim (by token), so the retried record sends at once. The lease
 * must outlast the longest a send can take (the notifier bounds it: src/handlers/notifier.ts).
 * PutItem and DeleteItem only (with conditions): the notifier's declared actions (src/functions.ts).
 */
import { randomUUID } from 'node:crypto';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { type Db, isConditionFailure } from './db.ts';
import * as keys from './item-keys.ts';

export const EMAIL_MARK_TTL_SECONDS = 30 * 24 * 3600;
/** How long a claim keeps others from sending the email: well over the notifier's send deadline. */
export const EMAIL_LEASE_MS = 30_000;

export type EmailClaim =
  /** This caller sends it: `sent` or `release` with the token. */
  | { state: 'claimed'; token: string; leaseUntil: string }
  /** Another caller claimed it and its lease is not over. */
  | { state: 'sending'; leaseUntil?: string }
  | { state: 'sent' };

export class EmailMarks {
  constructor(
    private readonly db: Db,
    private readonly table: string,
    private readonly leaseMs = EMAIL_LEASE_MS,
  ) {}

  private expiresAt(now: Date): number {
    return Math.floor(now.getTime() / 1000) + EMAIL_MARK_TTL_SECONDS;
  }

  /**
   * Claims an event's email for sending: free, or `sending` with its lease over. `until`: when the
   * claiming invocation must have ended (its Lambda deadline): the lease ends then, so a retry after
   * that invocation timed out claims at once, however little of the lease it had used.
   */
  async claim(eventId: string, now: Date, until?: Date): Promise<EmailClaim> {
    const token = randomUUID();
    const leaseUntil = (until ?? new Date(now.getTime() + this.leaseMs)).toISOString();
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...keys.email(eventId),
            entity: 'email',
            status: 'sending',
            token,
            leaseUntil,
            claimedAt: now.toISOString(),
            expiresAt: this.expiresAt(now),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR (#status = :sending AND #lease < :now)',
          ExpressionAttributeNames: { '#status': 'status', '#lease': 'leaseUntil' },
          ExpressionAttributeValues: { ':sending': 'sending', ':now': now.toISOString() },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { state: 'claimed', token, leaseUntil };
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      // The exception carries the item in DynamoDB's own JSON (the DocumentClient does not convert it).
      const raw = (e as { Item?: Parameters<typeof unmarshall>[0] }).Item;
      const mark = raw ? unmarshall(raw) : undefined;
      // No item in the answer: it was there for the condition and gone since; the retry will claim it.
      if (!mark) return { state: 'sending' };
      if (mark.status === 'sending') return { state: 'sending', leaseUntil: mark.leaseUntil as string };
      return { state: 'sent' };
    }
  }

  /** Marks a claimed email sent. False if the claim was no longer this caller's (its lease was taken over). */
  async sent(eventId: string, token: string, now: Date): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...keys.email(eventId),
            entity: 'email',
            status: 'sent',
            sentAt: now.toISOString(),
            expiresAt: this.expiresAt(now),
          },
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: { ':token': token },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  /** Gives a claim back after a failed send, so the retried record sends at once (if still this caller's). */
  async release(eventId: string, token: string): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: keys.email(eventId),
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: { ':token': token },
        }),
      );
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
  }
}
