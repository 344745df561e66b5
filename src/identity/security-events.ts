/**
 * Security events: every lock and unlock, reset, MFA change, login success and failure, and logout.
 * Handlers record them through this small interface. Each is a structured log line (Powertools, a
 * stable `event` field) and a record of the audit trail (src/store/audit.ts) whose subject is the
 * customer: by their id when the handler knows it, else found by email, else the email itself (an
 * address nobody registered). The customer sees them at GET /v1/me/activity.
 */
import { logger } from '../api/logger.ts';
import { currentRequest } from '../api/request-context.ts';
import { ANONYMOUS, type AuditEntry, type AuditOutcome } from '../domain/audit.ts';

export const securityEventNames = [
  'login_succeeded',
  'login_failed',
  'login_challenged',
  'login_locked',
  'login_throttled',
  'login_unlocked',
  'mfa_login_failed',
  'logout',
  'sessions_revoked',
  'registration_started',
  'registration_repeated',
  'registration_replaced',
  'confirmation_resent',
  'password_reset_requested',
  'password_reset_failed',
  'password_reset_locked',
  'password_reset',
  'password_changed',
  'password_check_failed',
  'verification_locked',
  'verification_unlocked',
  'mfa_enrolment_started',
  'mfa_enabled',
  'mfa_disabled',
  'login_refused_disabled',
  'login_refused_locked',
  'login_refused_password_pending',
  'confirmation_password_failed',
] as const;
export type SecurityEventName = (typeof securityEventNames)[number];

export interface SecurityEvent {
  event: SecurityEventName;
  /** The customer, when known (the email alone for failures on unknown or unauthenticated emails). */
  userId?: string;
  email?: string;
  sourceIp?: string;
  /** A short, non-secret explanation (never a password, code or token). */
  reason?: string;
  /** For locks: until when (ISO 8601). */
  until?: string;
  /** For the owner of an address: what a notification email would say (offline, this log line is it). */
  notice?: string;
}

export interface SecurityEvents {
  record(e: SecurityEvent): Promise<void>;
}

/** One INFO line per event, `"msg": "security event"`. */
export const logSecurityEvents: SecurityEvents = {
  record: async (e) => {
    logger.info('security event', { ...e, at: new Date().toISOString() });
  },
};

const outcomeOf = (name: SecurityEventName): AuditOutcome =>
  /_failed$/.test(name) ? 'failed' : /_locked$|_throttled$|_refused_/.test(name) ? 'refused' : 'succeeded';

/**
 * The audit entry of a security event. The actor is the customer when the handler names them (they
 * were signed in, or proved who they are); otherwise nobody known (`anonymous`: a failed login may be
 * anyone's). `subjectId` is the customer's id, or the email when no customer has it.
 */
export const securityAuditEntry = (
  e: SecurityEvent,
  subject: { type: 'user' | 'email'; id: string },
  now = new Date(),
): Omit<AuditEntry, 'id'> => {
  const request = currentRequest();
  const reason = [e.reason, e.until ? `until ${e.until}` : undefined].filter(Boolean).join('; ');
  return {
    at: now.toISOString(),
    actor: {
      userId: e.userId ?? ANONYMOUS,
      role: 'customer',
      sourceIp: e.sourceIp ?? request?.sourceIp ?? '',
    },
    action: e.event,
    subject,
    ...(reason ? { reason } : {}),
    outcome: outcomeOf(e.event),
    requestId: request?.requestId ?? 'none',
  };
};

export interface AuditSink {
  append(entry: AuditEntry): Promise<unknown>;
}

/**
 * Security events as audit records (and log lines). `userOf` finds a customer's id by email (Cognito);
 * when it fails the event is still recorded, under the email. A failure to write the record fails the
 * request: a security event is never dropped silently.
 */
export const auditSecurityEvents = (
  audit: () => AuditSink,
  userOf: (email: string) => Promise<string | undefined>,
  newId: () => string,
): SecurityEvents => ({
  record: async (e) => {
    await logSecurityEvents.record(e);
    let userId = e.userId;
    if (!userId && e.email) userId = await userOf(e.email).catch(() => undefined);
    const subject = userId
      ? { type: 'user' as const, id: userId }
      : { type: 'email' as const, id: (e.email ?? 'unknown').toLowerCase() };
    await audit().append({ id: newId(), ...securityAuditEntry(e, subject) });
  },
});
