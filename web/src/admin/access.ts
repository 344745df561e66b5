/**
 * The back office's pure pieces: who may see it (the access token's `cognito:groups`), and its own
 * paths under /admin. The token is only read, never trusted: the server checks the group, the TOTP
 * login and every rule on each request; this merely hides what an ordinary customer cannot use.
 */

import { isDay } from '../days.ts';
import { ApiError } from '../errors.ts';
import { tokenClaims } from '../session.ts';

export const ADMIN_GROUP = 'admin';

/** The groups in a JWT's payload (`cognito:groups`), or none if the token cannot be read. */
export const tokenGroups = (token: string | undefined): string[] => {
  const groups = tokenClaims(token)['cognito:groups'];
  return Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string') : [];
};

export const isAdminToken = (token: string | undefined): boolean => tokenGroups(token).includes(ADMIN_GROUP);

/** The back office's screens. */
export type AdminScreen =
  | { name: 'search' }
  | { name: 'customer'; id: string }
  | { name: 'account'; id: string }
  | { name: 'transaction'; id: string }
  | { name: 'audit' }
  | { name: 'notFound' };

const ID = '([0-9a-fA-F-]{36})';
const table: [RegExp, (m: RegExpExecArray) => AdminScreen][] = [
  [/^\/admin$/, () => ({ name: 'search' })],
  [/^\/admin\/audit$/, () => ({ name: 'audit' })],
  [new RegExp(`^/admin/customers/${ID}$`), (m) => ({ name: 'customer', id: m[1] as string })],
  [new RegExp(`^/admin/accounts/${ID}$`), (m) => ({ name: 'account', id: m[1] as string })],
  [new RegExp(`^/admin/transactions/${ID}$`), (m) => ({ name: 'transaction', id: m[1] as string })],
];

export const matchAdmin = (pathname: string): AdminScreen => {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  for (const [re, make] of table) {
    const m = re.exec(path);
    if (m) return make(m);
  }
  return { name: 'notFound' };
};

/** The audit list's question: a subject or an actor (one of them; the subject wins), and UTC days. */
export interface AuditQuestion {
  subjectId?: string;
  actorId?: string;
  /** First and last UTC day (YYYY-MM-DD), both optional. */
  from?: string;
  to?: string;
}

/** The audit list's address for a question (days that are not YYYY-MM-DD are left out). */
export const auditPath = (who: AuditQuestion): string => {
  const subject = who.subjectId?.trim();
  const actor = who.actorId?.trim();
  const q = new URLSearchParams();
  if (subject) q.set('subjectId', subject);
  else if (actor) q.set('actorId', actor);
  if (isDay(who.from)) q.set('from', who.from);
  if (isDay(who.to)) q.set('to', who.to);
  const s = q.toString();
  return s ? `/admin/audit?${s}` : '/admin/audit';
};

/** What is wrong with a day range, by field (nothing when both are empty or fine). */
export const dayRangeProblem = (from: string, to: string): { from?: string; to?: string } | undefined => {
  if (from && !isDay(from)) return { from: 'Enter a date as YYYY-MM-DD.' };
  if (to && !isDay(to)) return { to: 'Enter a date as YYYY-MM-DD.' };
  if (from && to && to < from) return { to: 'The last day must be on or after the first.' };
  return undefined;
};

/** The API's instants for UTC days: from the first day's start to the last day's end. */
export const dayRange = (from?: string, to?: string): { from?: string; to?: string } => ({
  ...(isDay(from) ? { from: `${from}T00:00:00.000Z` } : {}),
  ...(isDay(to) ? { to: `${to}T23:59:59.999Z` } : {}),
});

/** A reason the API accepts: 3 to 500 characters once trimmed. Returns the problem, if any. */
export const reasonProblem = (reason: string, required: boolean): string | undefined => {
  const r = reason.trim();
  if (!r) return required ? 'Give a reason (3 to 500 characters); it goes into the audit trail.' : undefined;
  if (r.length < 3 || r.length > 500) return 'A reason is 3 to 500 characters long.';
  return undefined;
};

/**
 * What to say when the bank refused to unlock, disable or enable a login with 403 `forbidden`: staff
 * may not act on their own login or a colleague's (the AWS account owner manages staff logins). The
 * customers' own wording ("This page is for bank staff only") would be wrong here.
 */
export const STAFF_LOGIN_REFUSED =
  "Staff cannot change their own login or a colleague's here. The AWS account owner manages staff logins.";

/** `STAFF_LOGIN_REFUSED` for such a refusal; undefined for any other error. */
export const loginActionRefusal = (error: unknown): string | undefined =>
  error instanceof ApiError && error.code === 'forbidden' ? STAFF_LOGIN_REFUSED : undefined;

/**
 * A reference staff file a movement under (the server's `Reference`): 1 to 64 characters. `what` is
 * the one asked for: a teller's slip or receipt number, a cheque's number, the state's reference.
 */
export const referenceProblem = (
  reference: string,
  what = 'the slip or receipt number',
): string | undefined => {
  const r = reference.trim();
  if (!r) return `Enter ${what}.`;
  if (r.length > 64) return 'A reference is at most 64 characters long.';
  return undefined;
};
