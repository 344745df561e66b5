/**
 * The email notifier: invoked asynchronously by the stream function with the events it stored that may
 * give an email (src/handlers/notify.ts; it is not a reader of the table's stream: README, "Stream
 * readers"), it decides for each whether its owner is emailed (src/domain/notifications.ts, with the
 * owner's preferences), and sends through Amazon SES v2. Offline the same code sends to
 * aws-ses-v2-local (AWS_ENDPOINT_URL_SESV2), invoked by the local Invoke endpoint.
 *
 * Each email is sent once and never lost (src/store/email-marks.ts): the notifier claims it (a
 * `sending` mark with a lease), sends, then marks it `sent`. An event given again (Lambda's retry of a
 * failed invocation, or the stream function's retry of its batch) finds `sent` and sends nothing; a
 * failed send gives the claim back and the invocation fails, to be retried; a notifier that died
 * mid-send leaves the lease to run out, and the next invocation with the event sends it (at least
 * once: if SES had accepted it, twice). An invocation that finds a live lease fails, to be retried later.
 *
 * A send is bounded well inside the lease: the SES client's connection and request timeouts (which
 * throw) and a deadline on the whole call, its own retries included. The events are handled in order
 * and the invocation stops and fails (throws) at the first that fails, or at the first it has no time
 * left to see through (RECORD_BUDGET_MS): SES throttling (or any failure) leaves that event and the
 * rest to Lambda's retry of the whole invocation (about 1 and 2 minutes later; then the on-failure
 * queue) instead of sending on into the throttle. Those sent before it are found by their marks.
 */
import { SESv2Client, type SESv2ClientConfig, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { Context } from 'aws-lambda';
import { logger } from '../api/logger.ts';
import { config } from '../config.ts';
import type { BankEvent } from '../domain/events.ts';
import {
  type Email,
  emailFor,
  isMoneyReceived,
  RECEIVED_EMAILS_PER_HOUR,
  withContact,
} from '../domain/notifications.ts';
import {
  isSecurityNoticeType,
  REGISTRATION_NOTICES_PER_DAY,
  securityEmailFor,
} from '../domain/security-notices.ts';
import { byItemKey, getMany, withoutSdkLogger } from '../store/db.ts';
import { EmailMarks } from '../store/email-marks.ts';
import * as keys from '../store/item-keys.ts';
import { SdkRetriesOnly, type SdkRetryErrorInfo } from '../store/sdk-retries.ts';
import { type Profile, profileOf } from '../store/users.ts';
import { type NotificationPreferences, preferencesOf } from '../store/webhooks.ts';
import { db, users } from './context.ts';
import { webhooks } from './events-context.ts';
import type { Notice, NotifierPayload } from './notify.ts';

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
/** SendEmail's attempts (the SDK's default, stated): retried within the deadline below, never after a timeout. */
export const SES_MAX_ATTEMPTS = 3;
/** The most one send may take, retries included; well inside the claim's lease (EMAIL_LEASE_MS). */
export const SEND_DEADLINE_MS = 10_000;
/**
 * The time an event may need (its reads, when not made for the invocation; the claim, the send and the
 * mark): an event is begun only with this much of the invocation left, so the Lambda timeout never
 * cuts a send off between claim and mark.
 */
export const RECORD_BUDGET_MS = SEND_DEADLINE_MS + 5_000;

/** The SendEmail error that no retry can change (SES v2's `MessageRejected`). */
export const REFUSED_FOR_GOOD = 'MessageRejected';

/** An email address in an error's text. */
const ADDRESS = /[^\s@,;:<>()"'`]+@[^\s@,;:<>()"'`]+/g;

/**
 * A failed send's error with the email addresses in its message and stack masked, in place: SES names
 * the identities it refused (MessageRejected in the sandbox: "... failed the check in region
 * EU-WEST-1: <the customer's address>"), and the error goes to the logs (ours and, thrown, Lambda's).
 */
export const withoutAddresses = <E>(e: E): E => {
  if (e instanceof Error) {
    e.message = e.message.replace(ADDRESS, '[address]');
    if (e.stack) e.stack = e.stack.replace(ADDRESS, '[address]');
  }
  return e;
};

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

/**
 * The SDK's standard retries (throttling, 5xx, a connection that broke), except after a timeout:
 * SES may have accepted the email whose answer did not come, and sending it again in the same call
 * would send it twice or three times. After a timeout the call fails, its claim is given back, and
 * the invocation's retry sends it once more: at most one duplicate, when SES's answer itself was lost.
 */
export const noResendAfterTimeout = (info: SdkRetryErrorInfo): boolean =>
  (info.error as Error | undefined)?.name !== 'TimeoutError';

/** The notifier's SES client (tests give it an endpoint, timeouts and credentials of their own). */
export const newSesClient = (
  opts: { timeouts?: { connectionTimeout?: number; requestTimeout?: number } } & Pick<
    SESv2ClientConfig,
    'endpoint' | 'region' | 'credentials'
  > = {},
) => {
  const { timeouts, ...rest } = opts;
  return withoutSdkLogger(
    new SESv2Client({
      retryStrategy: new SdkRetriesOnly(SES_MAX_ATTEMPTS, noResendAfterTimeout),
      requestHandler: { ...SES_TIMEOUTS, ...timeouts },
      ...rest,
    }),
  );
};

let ses: SESv2Client | undefined;
const sesClient = (): Pick<SESv2Client, 'send'> => {
  if (injected.ses) return injected.ses;
  ses ??= newSesClient();
  return ses;
};
const now = (): Date => injected.now?.() ?? new Date();

let marks: { table: string; store: EmailMarks } | undefined;
const emailMarks = (): EmailMarks => {
  const table = config().tableName;
  if (marks?.table !== table) marks = { table, store: new EmailMarks(db(), table) };
  return marks.store;
};

/** An event whose email another invocation is sending (its lease not over): failed, to be retried. */
export class EmailBeingSent extends Error {
  override name = 'EmailBeingSent';
  constructor(eventId: string, leaseUntil: string | undefined) {
    super(`the email of ${eventId} is being sent (lease until ${leaseUntil ?? 'unknown'}): retry later`);
  }
}

/** Events it could not begin for want of time: the invocation fails, and Lambda retries it. */
export class OutOfTime extends Error {
  override name = 'OutOfTime';
  constructor(left: number) {
    super(`${left} event(s) not begun: too little of the invocation left; retried`);
  }
}

/** Whether a payload's event has what the notifier reads (the stream function sends nothing else). */
const isNotice = (e: unknown): e is Notice => {
  const n = e as Partial<Notice> | undefined;
  return (
    typeof n?.id === 'string' &&
    typeof n.type === 'string' &&
    typeof n.ownerId === 'string' &&
    typeof n.createdAt === 'string' &&
    typeof n.data === 'object' &&
    n.data !== null
  );
};

/**
 * What the log says of a payload or event the notifier cannot read: its fields' names and types, and
 * an id if it has one, never their values (an event's data names customers, accounts and amounts).
 */
export const shapeOf = (value: unknown): Record<string, unknown> => {
  if (typeof value !== 'object' || value === null) return { type: value === null ? 'null' : typeof value };
  const id = (value as { id?: unknown }).id;
  return {
    ...(typeof id === 'string' ? { eventId: id.slice(0, 100) } : {}),
    fields: Object.fromEntries(
      Object.entries(value)
        .slice(0, 20)
        .map(([k, v]) => [k.slice(0, 40), Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v]),
    ),
  };
};

/** What processRecord reads of an event's owner: whether they want the email, and where it goes. */
export interface OwnerReads {
  prefs: NotificationPreferences;
  profile: Profile | undefined;
}

/**
 * The preferences and profiles of an invocation's owners, read at once: one BatchGetItem (strongly
 * consistent; one more per 50 owners), so each email then makes three round trips one after another
 * (claim, send, mark), not five. Every owner's profile is read, also those whose events no email
 * tells of (before, a profile was read only once an email was due): one BatchGetItem either way. A
 * preference changed while the events are sent is seen from the next invocation on. Throws if the
 * read fails.
 */
export const readOwners = async (notices: readonly Notice[]): Promise<Map<string, OwnerReads>> => {
  const owners = new Set<string>();
  for (const n of notices) if (isNotice(n)) owners.add(n.ownerId);
  const reads = new Map<string, OwnerReads>();
  if (owners.size === 0) return reads;
  const items = await getMany(
    db(),
    config().tableName,
    [...owners].flatMap((o) => [keys.notifications(o), keys.profile(o)]),
  );
  if (!items) throw new Error("the owners' preferences and profiles could not be read");
  const itemAt = byItemKey(items);
  for (const o of owners)
    reads.set(o, {
      prefs: preferencesOf(itemAt(keys.notifications(o))),
      profile: profileOf(o, itemAt(keys.profile(o))),
    });
  return reads;
};

/**
 * One event's email, if it gives one; true when sent. `deadline`: when the invocation must have ended
 * (the claim's lease ends then), if known. `owners`: the owners' reads made for the invocation
 * (readOwners); an owner not in it is read here.
 */
export const processEvent = async (
  n: Notice,
  deadline?: Date,
  owners?: ReadonlyMap<string, OwnerReads>,
): Promise<boolean> => {
  if (!isNotice(n)) {
    // No retry can mend it: logged (an error) and passed over, as an email SES refuses for good.
    logger.error('notifier: an event it cannot read: not emailed', { event: shapeOf(n) });
    return false;
  }
  const owner = n.ownerId;
  const known = owners?.get(owner);
  const settings = config();
  if (isSecurityNoticeType(n.type)) {
    // A security notice: always sent, whatever the preferences (src/domain/security-notices.ts).
    const profile = known ? known.profile : await users().get(owner);
    if (!profile?.email) return false;
    if (n.type === 'security.registration_repeated') {
      // Anyone can register with any address, as often as they like: at most
      // REGISTRATION_NOTICES_PER_DAY a customer a UTC day (of the attempt), however late delivered.
      const at = new Date(n.createdAt);
      const count = await emailMarks().takeRegistrationNotice(
        owner,
        n.id,
        Number.isNaN(at.getTime()) ? now() : at,
        REGISTRATION_NOTICES_PER_DAY,
      );
      if (count.state === 'full') {
        logger.info('email not sent: the day\u2019s registration notice was sent', { eventId: n.id });
        return false;
      }
    }
    return send(n.id, n.type, profile.email, securityEmailFor(n.type, n.createdAt), deadline);
  }
  const event: BankEvent = { id: n.id, type: n.type, createdAt: n.createdAt, data: n.data };
  const prefs = known?.prefs ?? (await webhooks().preferences(owner));
  let email = emailFor(event, prefs.email, { withdrawalOver: settings.notifyWithdrawalOver });
  if (!email) return false;
  const profile = known ? known.profile : await users().get(owner);
  if (!profile?.email) return false;
  if (isMoneyReceived(event)) {
    // At most RECEIVED_EMAILS_PER_HOUR a customer an hour, whoever pays them; the last says so.
    // Counted in the hour of the payment's event, however late it is delivered.
    const at = new Date(event.createdAt);
    const hour = Number.isNaN(at.getTime()) ? now() : at;
    const count = await emailMarks().takeReceived(owner, event.id, hour, RECEIVED_EMAILS_PER_HOUR);
    if (count.state === 'full') {
      logger.info('email not sent: the hour\u2019s emails of money received were sent', {
        eventId: event.id,
      });
      return false;
    }
    if (count.last)
      email = emailFor(event, prefs.email, {
        withdrawalOver: settings.notifyWithdrawalOver,
        lastReceivedThisHour: true,
      });
    if (!email) return false;
  }
  return send(event.id, event.type, profile.email, email, deadline);
};

/**
 * Sends one email under its mark (claim, send, mark sent); true when sent. False when it was sent
 * already, or SES refused it for good; throws when another invocation is sending it or the send failed.
 */
const send = async (
  id: string,
  type: string,
  to: string,
  email: Email,
  deadline: Date | undefined,
): Promise<boolean> => {
  const event = { id, type };
  const settings = config();
  // Every email says how to reach the bank (the stage's setting), after what it says.
  const mail = withContact(email, settings.supportContact);
  const claim = await emailMarks().claim(event.id, now(), deadline);
  if (claim.state === 'sent') return false;
  if (claim.state === 'sending') throw new EmailBeingSent(event.id, claim.leaseUntil);
  try {
    await sesClient().send(
      new SendEmailCommand({
        FromEmailAddress: settings.emailFrom,
        Destination: { ToAddresses: [to] },
        Content: {
          Simple: {
            Subject: { Data: mail.subject, Charset: 'UTF-8' },
            Body: {
              Text: { Data: mail.text, Charset: 'UTF-8' },
              Html: { Data: mail.html, Charset: 'UTF-8' },
            },
          },
        },
      }),
      { abortSignal: AbortSignal.timeout(SEND_DEADLINE_MS) },
    );
  } catch (thrown) {
    const e = withoutAddresses(thrown);
    // Not giving the claim back only delays the retry until the lease is over.
    await emailMarks()
      .release(event.id, claim.token)
      .catch((error) => logger.warn('email claim not released', { eventId: event.id, error }));
    if ((e as Error).name === REFUSED_FOR_GOOD) {
      // SES will refuse this email however often it is sent (in the sandbox: a recipient not verified).
      // Failing the invocation would hold back the emails behind it until its retries ran
      // out, and then lose it all the same: it is logged (an error, for the alarm) and passed over.
      logger.error('email refused by SES for good: not sent', { eventId: event.id, error: e });
      return false;
    }
    throw e;
  }
  // SES accepted it. A mark left `sending` (the write failed, or the lease was taken over) could send
  // it again on a later delivery; failing the invocation now would (after the lease) send it again surely.
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

/**
 * The events of one invocation, in order. Throws at the first that fails (after logging it), and when
 * too little time is left to begin the next: Lambda retries the whole invocation, whose events already
 * sent are found by their marks.
 */
export const handler = async (payload: NotifierPayload, context?: Context): Promise<{ sent: number }> => {
  const notices: readonly Notice[] = Array.isArray(payload?.events) ? payload.events : [];
  // Only the stream function invokes it: anything else is a mistake to see, not an empty batch.
  if (!Array.isArray(payload?.events))
    logger.error('notifier: a payload without events: nothing sent', { payload: shapeOf(payload) });
  const deadline = context ? new Date(now().getTime() + context.getRemainingTimeInMillis()) : undefined;
  // If reading the owners at once fails, each event reads its own (and a failure stops there).
  const owners = await readOwners(notices).catch((error: unknown) => {
    logger.warn('notifier: reading the owners at once failed; each email reads its own', { error });
    return new Map<string, OwnerReads>();
  });
  let sent = 0;
  for (const [i, n] of notices.entries()) {
    const where = { eventId: (n as Partial<Notice> | undefined)?.id, notProcessed: notices.length - i };
    if (context && context.getRemainingTimeInMillis() <= RECORD_BUDGET_MS) {
      logger.warn('notifier: stopped before its time ran out: the invocation fails and is retried', where);
      throw new OutOfTime(notices.length - i);
    }
    try {
      if (await processEvent(n, deadline, owners)) sent++;
    } catch (error) {
      logger.error('notifier: an event failed: the invocation fails and is retried', { ...where, error });
      throw error;
    }
  }
  return { sent };
};
