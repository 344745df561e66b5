/**
 * The back office's customer and audit routes (issue 13), all `role: 'admin'`: the guard in
 * src/api/http.ts (src/handlers/gate.ts) has checked the admin group and the TOTP login before any of
 * these runs. Every change is committed with its audit record in one transaction; reads are not
 * audited (the request log has them). No member of staff unlocks, disables or enables their own login
 * (403, recorded as refused): a colleague does.
 */
import type { Caller, Request } from '../api/http.ts';
import { createHandler } from '../api/http.ts';
import { utcRange } from '../api/query-instants.ts';
import { routes } from '../api/routes/admin.ts';
import type { Routes } from '../api/routes.ts';
import type { AuditEntry } from '../domain/audit.ts';
import { BankError } from '../domain/errors.ts';
import { clip } from '../domain/text.ts';
import type { UserRecord } from '../identity/cognito.ts';
import { auditEntry, refusedBesidesAudit, refusedEntry } from '../store/audit.ts';
import { conditionFailed } from '../store/db.ts';
import type { Profile } from '../store/users.ts';
import { accountReader, audit, cursors, directory, logins, sessions, users } from './context.ts';
import { ADMIN_GROUP, guard } from './gate.ts';
import { staffOnly } from './staff.ts';

const iso = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : null);

/**
 * A Cognito user with no profile (signed up at Cognito directly and never logged in through the
 * bank, which creates one at the first login: src/handlers/auth.ts `firstLogin`), as staff see them,
 * so that they can be found and disabled like anyone else.
 */
const fromCognito = (u: UserRecord | undefined, email?: string): Profile | undefined => {
  const address = u?.email ?? email;
  if (!u?.sub || !address) return undefined;
  return {
    userId: u.sub,
    email: address,
    name: clip(u.name ?? '', 100),
    createdAt: (u.createdAt ?? new Date(0)).toISOString(),
  };
};

/** The customer's profile, or (rarely: only then is Cognito asked) their Cognito user's. */
const customerOf = async (userId: string): Promise<Profile> => {
  const p = (await users().get(userId)) ?? fromCognito(await directory().user(userId));
  if (p?.userId !== userId) throw new BankError('not_found', 'No such customer');
  return p;
};

/**
 * Whether another user holds the profile's email now: a profile whose unconfirmed sign-up a later
 * registration replaced (src/handlers/auth.ts, register) keeps the address, and the login locks are
 * the address's, so they are the holder's, not the stale profile's.
 */
const heldByAnother = async (p: Profile): Promise<boolean> => {
  const holder = await directory().user(p.email);
  return holder !== undefined && holder.sub !== p.userId;
};

const loginStatusOf = async (p: Profile) => {
  const [status, cognito, locks, another] = await Promise.all([
    sessions().status(p.userId),
    // By the user's id, as the disable and enable act: by email, a profile whose sign-up was replaced
    // (src/handlers/auth.ts, register) showed the Cognito flag of whoever holds the address now.
    directory().user(p.userId),
    logins().lockState(p.email),
    heldByAnother(p),
  ]);
  return {
    enabled: !status.disabled,
    cognitoEnabled: cognito?.enabled ?? false,
    disabledAt: status.disabled?.at ?? null,
    disabledReason: status.disabled?.reason ?? null,
    // Not the holder's locks on a stale profile (unlocking it is refused with 404 the same).
    lockedUntil: another ? null : iso(locks.lockedUntil),
    slowedUntil: another ? null : iso(locks.slowedUntil),
  };
};

/** The audit entry of an admin's action on a customer. */
const adminAction = (
  req: Pick<Request, 'requestId' | 'sourceIp'> & { caller: Caller },
  action: string,
  userId: string,
  reason: string | undefined,
): AuditEntry =>
  auditEntry({
    actor: { userId: req.caller.sub, role: 'admin', sourceIp: req.sourceIp },
    action,
    subject: { type: 'user', id: userId },
    ...(reason ? { reason } : {}),
    outcome: 'succeeded',
    requestId: req.requestId,
  });

type Pieces = Parameters<ReturnType<typeof audit>['transact']>[1];

/**
 * Commits an admin action's pieces with its audit record, or throws what failed. Never on the member of
 * staff's own login (unlock, disable, enable), nor on a colleague's: 403, recorded as refused.
 */
const commit = async (
  req: { caller: Caller },
  entry: AuditEntry,
  pieces: Pieces,
  /**
   * Pieces to commit instead when the first were cancelled on their `status` piece's condition (alone,
   * or with the audit record's: the chain moved too).
   */
  onStatusRefused?: Pieces,
) => {
  const refuse = async (why: string) => {
    await audit().append(refusedEntry(entry, 'forbidden'));
    throw new BankError('forbidden', why);
  };
  if (entry.subject.id === req.caller.sub)
    await refuse('Bank staff may not act on their own login: ask a colleague');
  // Nor on a colleague's: one member of staff alone could otherwise lock every other out of the back
  // office, or lift the lock on a colleague's login that someone is guessing at. Staff logins are the
  // AWS account owner's to disable, enable and unlock (Cognito, README: Back office).
  if ((await directory().groupsOf(entry.subject.id)).includes(ADMIN_GROUP))
    await refuse('Staff logins are not changed from the back office: the AWS account owner manages them');
  let r = await audit().transact(entry, pieces);
  // Refused on `status` alone, or on `status` and the chain moved at the same moment (a sign-out
  // everywhere writes its later marker, then appends its event to this chain): until 2026-12-07 the
  // second case failed with 500. transact builds the record again on the new head, and tries again
  // (retry(), within the invocation's deadline) while only the chain moves.
  if (!r.ok && onStatusRefused && refusedBesidesAudit(r.failed).join() === 'status')
    r = await audit().transact(entry, onStatusRefused);
  if (!r.ok) {
    throw new Error(
      `admin action ${entry.action} was cancelled: ${conditionFailed(r.failed).join(', ') || r.codes}`,
    );
  }
};

type AdminRequest<K extends keyof Routes> = Request<Routes[K]>;

const setEnabled = async (
  req: AdminRequest<'adminDisableCustomer'> | AdminRequest<'adminEnableCustomer'>,
  enable: boolean,
) => {
  const p = await customerOf(req.params.userId);
  const reason = req.body?.reason;
  const at = new Date().toISOString();
  // The app's own status first, with its audit record: it is what every handler checks, here and on
  // AWS. Then Cognito's flag (a disabled user cannot log in or refresh there) and, on disable, a global
  // sign-out of their refresh tokens; a retry after a Cognito fault repeats both safely.
  // A disable's marker never moves back: cancelled because a later one stands (a sign-out everywhere
  // committed meanwhile), the disable leaves that marker as it is (sessions.ts statusPiece).
  const disable = (laterMarker: boolean) => [
    sessions().statusPiece(p.userId, { disable: { at, reason: reason ?? '' }, laterMarker }),
  ];
  await commit(
    req,
    adminAction(req, enable ? 'customer_enabled' : 'customer_disabled', p.userId, reason),
    enable ? [sessions().statusPiece(p.userId, { enable: true })] : disable(false),
    enable ? undefined : disable(true),
  );
  // Cognito's user by its username, the id the audit record names (the pool's usernames are the subs),
  // never by the profile's email: a profile whose unconfirmed sign-up a later registration replaced
  // (src/handlers/auth.ts, register) keeps the address, and disabling it by email disabled and signed
  // out whoever holds the address now, with no record on their trail. A user gone from Cognito is skipped.
  await directory().setEnabled(p.userId, enable);
  if (!enable) await directory().signOutEverywhere({ username: p.userId });
  // Another member of staff may have disabled or enabled the customer since this commit, and their
  // Cognito call landed before this one: Cognito's flag follows the app's status as it stands now (the
  // last action committed and recorded), not this request's. Without it, a disable whose Cognito call
  // came late left an enabled customer who could not log in (a review of races found it).
  const now = !(await sessions().status(p.userId)).disabled;
  if (now !== enable) await directory().setEnabled(p.userId, now);
  return { body: await loginStatusOf(p) };
};

export const handler = createHandler(
  routes,
  staffOnly({
    adminFindCustomers: async ({ query }) => {
      const found = await directory().user(query.email);
      const p = found?.sub ? ((await users().get(found.sub)) ?? fromCognito(found, query.email)) : undefined;
      return {
        body: {
          items: p ? [{ userId: p.userId, email: p.email, name: p.name, createdAt: p.createdAt }] : [],
        },
      };
    },

    adminGetCustomer: async ({ params }) => {
      const p = await customerOf(params.userId);
      const [login, accounts] = await Promise.all([loginStatusOf(p), accountReader().everyOf(p.userId, 100)]);
      return { body: { ...p, login, accounts } };
    },

    adminUnlockCustomer: async (req) => {
      const p = await customerOf(req.params.userId);
      // The locks are the email's: a profile left by a replaced sign-up keeps an address someone else
      // holds now, and unlocking it lifted their locks, recorded on the stale id alone.
      if (await heldByAnother(p))
        throw new BankError('not_found', 'This customer no longer holds that email: unlock the one who does');
      await commit(req, adminAction(req, 'customer_unlocked', p.userId, req.body?.reason), [
        logins().clearPiece(p.email),
      ]);
      return { body: await loginStatusOf(p) };
    },

    adminDisableCustomer: (req) => setEnabled(req, false),
    adminEnableCustomer: (req) => setEnabled(req, true),

    adminListAudit: async ({ caller, query }) => {
      if (!query.subjectId && !query.actorId)
        throw new BankError('validation_failed', 'Give a subjectId or an actorId', {
          errors: [{ path: 'query.subjectId', message: 'subjectId or actorId is required' }],
        });
      const filter = JSON.stringify([
        query.subjectId ?? '',
        query.actorId ?? '',
        query.from ?? '',
        query.to ?? '',
      ]);
      const binding = { user: caller.sub, account: '', filter: `audit:${filter}` };
      const codec = await cursors();
      const start = query.cursor ? codec.decode(query.cursor, binding) : undefined;
      // Stored times are UTC (toISOString): bounds given with an offset are compared as UTC too, within
      // the years 0000 to 9999 and in order (a `to` past 9999 in UTC, or before `from`, made DynamoDB
      // refuse the range: a 500, a review found).
      const q = { limit: query.limit ?? 25, start, ...utcRange(query.from, query.to) };
      const page = query.actorId
        ? await audit().byActor(query.actorId, { ...q, subjectId: query.subjectId })
        : await audit().bySubject(query.subjectId ?? '', q);
      return {
        body: { items: page.items, nextCursor: page.last ? codec.encode(binding, page.last) : null },
      };
    },
  }),
  { guard },
);
