/**
 * The email notifier: a stream function that sees each newly stored event (its filter: INSERT of an
 * `event` item), decides whether its owner is emailed (src/domain/notifications.ts, with the owner's
 * preferences), and sends through Amazon SES v2. Offline the same code sends to aws-ses-v2-local
 * (AWS_ENDPOINT_URL_SESV2).
 *
 * Each email is sent once and never lost (src/store/email-marks.ts): the notifier claims it (a
 * `sending` mark with a lease), sends, then marks it `sent`. A redelivered record finds `sent` and
 * sends nothing; a failed send gives the claim back and the record is retried; a notifier that died
 * mid-send leaves the lease to run out, and the record's next delivery sends it (at least once: if
 * SES had accepted it, twice). A delivery that finds a live lease fails, to be retried later.
 *
 * A send is bounded well inside the lease: the SES client's connection and request timeouts (which
 * throw) and a deadline on the whole call, its own retries included. The batch is handled in order
 * and stops at the first record that fails (./in-order.ts): SES throttling (or any failure) leaves
 * that record and the rest of the batch to Lambda's retry instead of sending on into the throttle.
 */
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { logger } from '../api/logger.ts';
import { config } from '../config.ts';
import type { BankEvent } from '../domain/events.ts';
import { emailFor } from '../domain/notifications.ts';
import { EmailMarks } from '../store/email-marks.ts';
import { db, users } from './context.ts';
import { webhooks } from './events-context.ts';
import { processInOrder } from './in-order.ts';
import { imageOf } from './stream.ts';

/**
 * The SES client's limits: a connection that does not open, or a request that gets no answer, fails
 * (a `TimeoutError`). `throwOnRequestTimeout`: without it this SDK only logs a warning when the
 * request timeout passes, and the request goes on waiting.
 */
export const SES_TIMEOUTS = {
  connectionTimeout: 1_000,
  requestTimeout: 3_000,
  throwOnRequestTimeout: true,
} as const;
/** SendEmail's attempts (the SDK's default, stated): retried within the deadline below. */
export const SES_MAX_ATTEMPTS = 3;
/** The most one send may take, retries included; well inside the claim's lease (EMAIL_LEASE_MS). */
export const SEND_DEADLINE_MS = 10_000;

/** What the notifier sends with and reads the time from: SES and the wall clock unless a test injects its own. */
export interface NotifierDeps {
  ses: Pick<SESv2Client, 'send'>;
  now: () => Date;
}
let injected: Partial<NotifierDeps> = {};
/** Replaces the notifier's SES client and clock (tests); returns a function that puts them back. */
export const useNotifierDeps = (deps: Partial<NotifierDeps>): (() => void) => {
  const previous = injected;
  injected = deps;
  return () => {
    injected = previous;
  };
};

let ses: SESv2Client | undefined;
const sesClient = (): Pick<SESv2Client, 'send'> => {
  if (injected.ses) return injected.ses;
  ses ??= new SESv2Client({ maxAttempts: SES_MAX_ATTEMPTS, requestHandler: { ...SES_TIMEOUTS } });
  return ses;
};
const now = (): Date => injected.now?.() ?? new Date();

let marks: { table: string; store: EmailMarks } | undefined;
const emailMarks = (): EmailMarks => {
  const table = config().tableName;
  if (marks?.table !== table) marks = { table, store: new EmailMarks(db(), table) };
  return marks.store;
};

/** A record whose email another delivery is sending (its lease not over): failed, to be retried. */
export class EmailBeingSent extends Error {
  override name = 'EmailBeingSent';
  constructor(eventId: string, leaseUntil: string | undefined) {
    super(`the email of ${eventId} is being sent (lease until ${leaseUntil ?? 'unknown'}): retry later`);
  }
}

export const processRecord = async (r: DynamoDBRecord): Promise<boolean> => {
  const item = imageOf(r.dynamodb?.NewImage);
  if (r.eventName !== 'INSERT' || item?.entity !== 'event') return false;
  const owner = item.ownerId as string;
  const event: BankEvent = {
    id: item.id as string,
    type: item.type as BankEvent['type'],
    createdAt: item.createdAt as string,
    data: item.data as Record<string, unknown>,
  };
  const settings = config();
  const prefs = await webhooks().preferences(owner);
  const email = emailFor(event, prefs.email, { withdrawalOver: settings.notifyWithdrawalOver });
  if (!email) return false;
  const profile = await users().get(owner);
  if (!profile?.email) return false;
  const claim = await emailMarks().claim(event.id, now());
  if (claim.state === 'sent') return false;
  if (claim.state === 'sending') throw new EmailBeingSent(event.id, claim.leaseUntil);
  try {
    await sesClient().send(
      new SendEmailCommand({
        FromEmailAddress: settings.emailFrom,
        Destination: { ToAddresses: [profile.email] },
        Content: {
          Simple: {
            Subject: { Data: email.subject, Charset: 'UTF-8' },
            Body: {
              Text: { Data: email.text, Charset: 'UTF-8' },
              Html: { Data: email.html, Charset: 'UTF-8' },
            },
          },
        },
      }),
      { abortSignal: AbortSignal.timeout(SEND_DEADLINE_MS) },
    );
  } catch (e) {
    // Not giving the claim back only delays the retry until the lease is over.
    await emailMarks()
      .release(event.id, claim.token)
      .catch((error) => logger.warn('email claim not released', { eventId: event.id, error }));
    throw e;
  }
  // SES accepted it. A mark left `sending` (the write failed, or the lease was taken over) could send
  // it again on a later delivery; failing the record now would (after the lease) send it again surely.
  const marked = await emailMarks()
    .sent(event.id, claim.token, now())
    .catch((error) => {
      logger.error('email sent but not marked sent', { eventId: event.id, error });
      return true;
    });
  if (!marked) logger.warn('email sent after its claim was taken over', { eventId: event.id });
  logger.info('email sent', { eventId: event.id, eventType: event.type });
  return true;
};

export const handler = async (
  event: DynamoDBStreamEvent,
  _context?: Context,
): Promise<DynamoDBBatchResponse> => processInOrder(event.Records, processRecord);
