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
 * PutItem and DeleteItem only (with conditions), and GetItem: the notifier's declared actions
 * (src/functions.ts).
 *
 * Beside the marks, a count of the emails of money received that each customer was sent for the
 * payments of a UTC hour (`takeReceived`, keyed on the payment's event, not on when it is delivered): anyone who knows an account number can pay it 0.01 as often as their limits allow,
 * and an email for each would flood the customer's mailbox (burying the bank's own alerts there, as
 * account takeovers do) and hold up every customer's emails behind SES's sending rate.
 */
import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type Db, isConditionFailure, itemOfConditionFailure } from './db.ts';
import * as keys from './item-keys.ts';
import { again, done, retry } from './retry.ts';

export const EMAIL_MARK_TTL_SECONDS = 30 * 24 * 3600;
/** How long a claim keeps others from sending the email: well over the notifier's send deadline. */
export const EMAIL_LEASE_MS = 30_000;

export type EmailClaim =
  /** This caller sends it: `sent` or `release` with the token. */
  | { state: 'claimed'; token: string; leaseUntil: string }
  /** Another caller claimed it and its lease is not over. */
  | { state: 'sending'; leaseUntil?: string }
  | { state: 'sent' };

/**
 * How long an hour's count of emails of money received is kept after its event's time: past the 6
 * hours an event may wait for Lambda's retries, with a margin.
 */
export const RECEIVED_KEPT_SECONDS = 8 * 3600;

/** How long a day's count of registration notices is kept after the day began: the day, then 8 hours. */
export const REGISTRATION_NOTICES_KEPT_SECONDS = 32 * 3600;

/** An email of money received, counted: one of the hour's (`last`: its last), or over the cap. */
export type ReceivedCount = { state: 'taken'; last: boolean } | { state: 'full' };

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
      const mark = itemOfConditionFailure(e);
      // No item in the answer: it was there for the condition and gone since; the retry will claim it.
      if (!mark) return { state: 'sending' };
      // This claim's own token: the SDK sent the Put again after its answer was lost. It is ours.
      if (mark.status === 'sending' && mark.token === token) return { state: 'claimed', token, leaseUntil };
      if (mark.status === 'sending') return { state: 'sending', leaseUntil: mark.leaseUntil as string };
      return { state: 'sent' };
    }
  }

  /**
   * Takes one of the `max` emails of money received that `ownerId` may be sent for the UTC hour of
   * `at`, the event's own time, for `eventId`: `taken` (`last` when it is the hour's last), or `full`.
   * The same event takes the same place again however late it is delivered (a retried delivery, a
   * send that failed and is retried in a later hour), never a second: keyed on the time it was sent,
   * a redelivery after the hour took a place of the next one and a retried last email lost its notice
   * (a review found both). The hour's item lists the events (at most `max` ids) under a version,
   * written by a conditioned PutItem (the notifier updates nothing), and is kept past Lambda's longest
   * retry of an event (RECEIVED_KEPT_SECONDS). Throws when its retries run out.
   */
  async takeReceived(ownerId: string, eventId: string, at: Date, max: number): Promise<ReceivedCount> {
    const key = keys.emailsReceived(ownerId, at.toISOString().slice(0, 13));
    const out = await this.take(key, eventId, max, Math.floor(at.getTime() / 1000) + RECEIVED_KEPT_SECONDS);
    if (!out) throw new Error('the count of emails of money received could not be taken');
    return out;
  }

  /**
   * Takes one of the `max` "someone tried to register with your address" notices `ownerId` may be sent
   * for the UTC day of `at` (the audit record's time), for `noticeId`, as `takeReceived` does for an
   * hour: the same notice takes its own place again, never a second. Kept past the day and Lambda's
   * longest retry (REGISTRATION_NOTICES_KEPT_SECONDS after the day's start). Throws when its retries run out.
   */
  async takeRegistrationNotice(
    ownerId: string,
    noticeId: string,
    at: Date,
    max: number,
  ): Promise<ReceivedCount> {
    const day = at.toISOString().slice(0, 10);
    const start = Math.floor(Date.parse(`${day}T00:00:00.000Z`) / 1000);
    const out = await this.take(
      keys.registrationNotices(ownerId, day),
      noticeId,
      max,
      start + REGISTRATION_NOTICES_KEPT_SECONDS,
    );
    if (!out) throw new Error('the count of registration notices could not be taken');
    return out;
  }

  /** One of `max` places in the count at `key` for `eventId` (its own again if it has one). */
  private async take(
    key: { pk: string; sk: string },
    eventId: string,
    max: number,
    expiresAt: number,
  ): Promise<ReceivedCount | undefined> {
    return retry<ReceivedCount>(async () => {
      const r = await this.db.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }));
      const events = Array.isArray(r.Item?.events) ? (r.Item.events as string[]) : [];
      const place = events.indexOf(eventId);
      if (place >= 0) return done({ state: 'taken', last: place === max - 1 });
      if (events.length >= max) return done({ state: 'full' });
      const version = Number(r.Item?.version ?? 0);
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: {
              ...key,
              entity: 'email-count',
              events: [...events, eventId],
              version: version + 1,
              expiresAt,
            },
            ConditionExpression: r.Item ? 'version = :v' : 'attribute_not_exists(pk)',
            ...(r.Item ? { ExpressionAttributeValues: { ':v': version } } : {}),
          }),
        );
      } catch (e) {
        if (isConditionFailure(e)) return again;
        throw e;
      }
      return done({ state: 'taken', last: events.length === max - 1 });
    });
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
