/**
 * The customer's own security activity: logins, failures, locks, password and two-step changes.
 *
 * `GET /v1/me/activity` (the customer's view of the audit trail): this adapter is the only place that
 * knows its shape, `{ items: [{ id, at, action, outcome, by, sourceIp }], nextCursor }`, and reads it
 * defensively (unknown fields are ignored, malformed items are dropped).
 */
import type { Api } from './api.ts';

export interface ActivityItem {
  id: string;
  at: string;
  action: string;
  outcome: string;
  sourceIp?: string;
}

export interface ActivityPage {
  items: ActivityItem[];
  nextCursor: string | null;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export const toActivityPage = (raw: unknown): ActivityPage => {
  const items: ActivityItem[] = [];
  const list = isRecord(raw) && Array.isArray(raw.items) ? raw.items : [];
  for (const i of list) {
    if (!isRecord(i)) continue;
    const id = text(i.id);
    const at = text(i.at);
    const action = text(i.action);
    if (!id || !at || !action || Number.isNaN(Date.parse(at))) continue;
    const sourceIp = text(i.sourceIp);
    items.push({ id, at, action, outcome: text(i.outcome) ?? 'unknown', ...(sourceIp ? { sourceIp } : {}) });
  }
  const nextCursor = isRecord(raw) ? (text(raw.nextCursor) ?? null) : null;
  return { items, nextCursor };
};

export const activityPage = async (api: Api, cursor?: string | null): Promise<ActivityPage> => {
  const q = new URLSearchParams({ limit: '25' });
  if (cursor) q.set('cursor', cursor);
  return toActivityPage(await api.request<unknown>('GET', `/v1/me/activity?${q}`));
};

/** Plain words for the actions the audit trail records (its security event names); others are spelled out. */
export const ACTIONS: Record<string, string> = {
  login_succeeded: 'Logged in',
  login: 'Logged in',
  login_failed: 'Login failed: wrong password',
  login_challenged: 'Asked for a two-step code at login',
  login_locked: 'Logging in was paused after failed attempts',
  login_throttled: 'Logins were slowed after failed attempts',
  login_unlocked: 'Logging in was allowed again',
  mfa_login_failed: 'Login failed: wrong two-step code',
  login_refused_disabled: 'Login refused: the bank has disabled this login',
  login_refused_locked: 'Login refused: paused after failed attempts',
  login_refused_password_pending: 'Login refused: a new password must be chosen first',
  logout: 'Logged out',
  sessions_revoked: 'Signed out of every session',
  registration_started: 'Registered',
  registration_repeated: 'Someone tried to register with your address',
  registration_replaced: 'An unconfirmed registration was replaced',
  confirmation_password_failed: 'Confirmation could not set the password',
  confirmation_resent: 'Confirmation code sent again',
  password_reset_requested: 'Password reset requested',
  password_reset_failed: 'Password reset failed: wrong code',
  password_reset_locked: 'Password reset paused after wrong codes',
  password_reset: 'Password reset',
  password_changed: 'Password changed',
  password_check_failed: 'Password check failed',
  verification_locked: 'Paused after wrong passwords or codes',
  verification_unlocked: 'Allowed again after wrong passwords or codes',
  mfa_enrolment_started: 'Two-step verification set-up started',
  mfa_enabled: 'Two-step verification turned on',
  mfa_disabled: 'Two-step verification turned off',
};

export const describeAction = (action: string): string => {
  const known =
    ACTIONS[action] ?? ACTIONS[action.replace(/^(auth|security|customer)\./, '').replace(/\./g, '_')];
  if (known) return known;
  const words = action.replace(/[._]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

const OUTCOMES: Record<string, string> = {
  success: 'Succeeded',
  succeeded: 'Succeeded',
  ok: 'Succeeded',
  failure: 'Failed',
  failed: 'Failed',
  denied: 'Refused',
  refused: 'Refused',
  locked: 'Locked',
};
export const describeOutcome = (outcome: string): string => OUTCOMES[outcome] ?? describeAction(outcome);
/** Outcomes a customer should look at twice. */
export const isWorrying = (item: ActivityItem): boolean =>
  /fail|denied|refused|locked/i.test(item.outcome) || /failed|locked|throttled/.test(item.action);
