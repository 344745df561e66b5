/**
 * Security notices: the emails a customer is sent about their login (their password changed or reset,
 * two-step sign-in turned off or on, someone registering with their address). Pure: no AWS.
 *
 * Each comes from the audit record its security event writes (src/identity/security-events.ts), as the
 * table's stream delivers that record's insert to the `stream` function (src/handlers/stream.ts), which
 * sends it to the notifier with the money events. So a notice goes out when, and only when, the record
 * of what happened committed, and its id is the record's (deterministic), so the notifier's marks send
 * it once however often the record is delivered. Notices are not events: they are not stored, listed
 * (GET /v1/events) or sent to webhooks, and no preference turns them off. They carry the time (UTC,
 * said so) and what to do if it was not the owner: never a code, and no link.
 */
import type { Email } from './notifications.ts';
import { buildEmail } from './notifications.ts';

/** The audit actions (security events) that email their owner, and the notice each gives. */
export const securityNoticeTypes = {
  password_changed: 'security.password_changed',
  password_reset: 'security.password_reset',
  mfa_disabled: 'security.mfa_disabled',
  mfa_enabled: 'security.mfa_enabled',
  registration_repeated: 'security.registration_repeated',
} as const;
export type SecurityNoticeType = (typeof securityNoticeTypes)[keyof typeof securityNoticeTypes];

const types: readonly string[] = Object.values(securityNoticeTypes);
export const isSecurityNoticeType = (t: unknown): t is SecurityNoticeType =>
  typeof t === 'string' && types.includes(t);

/**
 * "Someone tried to register with your address" notices a customer is sent per UTC day, at most: a
 * stranger can register with any address as often as they like (the notifier counts them:
 * src/store/email-marks.ts `takeRegistrationNotice`).
 */
export const REGISTRATION_NOTICES_PER_DAY = 1;

/** A notice as the notifier reads it (src/handlers/notify.ts Notice). */
export interface SecurityNotice {
  id: string;
  type: SecurityNoticeType;
  createdAt: string;
  ownerId: string;
  data: { at: string };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * The notice an inserted audit item gives, or undefined: a security event of the list above that
 * succeeded, recorded under a customer (`subject.type` user; one recorded under an email names nobody).
 * Its id is derived from the record's id, which is fixed for the append that wrote it.
 */
export const securityNoticeOf = (
  item: Record<string, unknown> | undefined,
  noticeId: (source: string, owner: string) => string,
): SecurityNotice | undefined => {
  if (item?.entity !== 'audit' || item.outcome !== 'succeeded') return undefined;
  const type = securityNoticeTypes[item.action as keyof typeof securityNoticeTypes];
  const subject = item.subject as { type?: unknown; id?: unknown } | undefined;
  const owner = subject?.type === 'user' ? str(subject.id) : undefined;
  const id = str(item.id);
  const at = str(item.at);
  if (!type || !owner || !id || !at) return undefined;
  return { id: noticeId(`audit:${id}`, owner), type, createdAt: at, ownerId: owner, data: { at } };
};

/** `2026-12-07T12:26:05.123Z` -> `2026-12-07 at 12:26 UTC`. */
export const utcTime = (iso: string): string => {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return 'recently';
  const s = d.toISOString();
  return `${s.slice(0, 10)} at ${s.slice(11, 16)} UTC`;
};

const RESET =
  'reset your password at once with \u201cForgot password\u201d on the bank\u2019s sign-in page (type the bank\u2019s address yourself: do not use a link in an email)';
const CONTACT = 'and contact us';

/** The email a security notice gives its owner (whatever their preferences). */
export const securityEmailFor = (type: SecurityNoticeType, at: string): Email => {
  const when = `on ${utcTime(at)}`;
  switch (type) {
    case 'security.password_changed':
      return buildEmail('Your password was changed', [
        `The password of your Serverless Bank login was changed ${when}, and every session signed in before was signed out.`,
        'If this was you, you need do nothing.',
        `If it was not you, someone else knows your password: ${RESET}, ${CONTACT}.`,
      ]);
    case 'security.password_reset':
      return buildEmail('Your password was reset', [
        `The password of your Serverless Bank login was reset with a code sent to this address ${when}, and every session signed in before was signed out.`,
        'If this was you, you need do nothing.',
        `If it was not you, someone else can read this mailbox: secure it (change its password), then ${RESET}, ${CONTACT}.`,
      ]);
    case 'security.mfa_disabled':
      return buildEmail('Two-step sign-in was turned off', [
        `Two-step sign-in (the code from your authenticator app) was turned off for your Serverless Bank login ${when}. Signing in now needs your password alone.`,
        'If this was you, you need do nothing.',
        `If it was not you, someone else knows your password and your codes: ${RESET}, turn two-step sign-in on again, ${CONTACT}.`,
      ]);
    case 'security.mfa_enabled':
      return buildEmail('Two-step sign-in was turned on', [
        `Two-step sign-in (a code from an authenticator app) was turned on for your Serverless Bank login ${when}. Signing in now needs your password and a code from that app.`,
        'If this was you, you need do nothing.',
        `If it was not you, someone else knows your password and may keep you out of your login: ${RESET}, ${CONTACT}.`,
      ]);
    case 'security.registration_repeated':
      return buildEmail('Someone tried to register with your address', [
        `Someone tried to register with your address ${when}. Nothing was changed: your login and password are as they were.`,
        'If it was you, sign in, or reset your password with \u201cForgot password\u201d if you have forgotten it. If not, you need do nothing.',
        'We send this notice at most once a day.',
      ]);
  }
};
