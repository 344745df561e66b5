/**
 * Security events: every lock and unlock, reset, MFA change, login success and failure, and logout.
 * Handlers record them through this small interface; until the back office's audit trail exists, the
 * writer is a structured log line (Powertools) whose `event` field is stable, so the audit trail can
 * later plug in behind `record` without touching a handler.
 */
import { logger } from '../api/logger.ts';

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
  'mfa_enrolment_started',
  'mfa_enabled',
  'mfa_disabled',
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

/** The writer until the audit trail lands: one INFO line per event, `"msg": "security event"`. */
export const logSecurityEvents: SecurityEvents = {
  record: async (e) => {
    logger.info('security event', { ...e, at: new Date().toISOString() });
  },
};
