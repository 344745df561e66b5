/**
 * The signed-in customer: profile, and security (change password, TOTP MFA, sign out everywhere).
 * Security changes need a current password or code, counted per customer (5 wrong in 15 minutes lock
 * them), and every one of them is recorded as a security event.
 */
import type { Caller } from '../api/http.ts';
import { createHandler } from '../api/http.ts';
import { routes } from '../api/routes/profile.ts';
import { ANONYMOUS, type AuditRecord } from '../domain/audit.ts';
import { BankError, isBankError } from '../domain/errors.ts';
import { invalidCode, type LoginOutcome, type Tokens } from '../identity/cognito.ts';
import * as keys from '../store/item-keys.ts';
import { assertNotCommon } from './checks.ts';
import {
  audit,
  cursors,
  markTotpOff,
  securityEvents,
  securitySettings,
  signIn,
  totpCodes,
  users,
  verifyAttempts,
} from './context.ts';
import { customerGuard } from './gate.ts';
import { changingPassword, endEverySession } from './sign-out.ts';

const ISSUER = 'Serverless Bank';

const profileOf = async (caller: Caller) => {
  const profile = await users().get(caller.sub);
  if (!profile) throw new BankError('not_found', 'No profile for this user');
  return profile;
};

/**
 * Runs a check of the customer's password or code, counted: a wrong one (`wrong` says which errors
 * are wrong answers) counts toward the lock, a right one resets the count.
 */
const counted = async <T>(caller: Caller, wrong: readonly string[], check: () => Promise<T>): Promise<T> => {
  const key = keys.verification(caller.sub);
  const { unlocked } = await verifyAttempts().reserve(key);
  try {
    // The first check after a lock ran out lifts it: recorded, as a login's unlock is.
    if (unlocked)
      await securityEvents.record({
        event: 'verification_unlocked',
        userId: caller.sub,
        reason: 'lock expired',
      });
    const result = await check();
    await verifyAttempts().succeeded(key);
    return result;
  } catch (e) {
    if (isBankError(e) && wrong.includes(e.code)) {
      const f = await verifyAttempts().failed(key);
      await securityEvents.record({ event: 'password_check_failed', userId: caller.sub, reason: e.code });
      if (f.locked)
        await securityEvents.record({
          event: 'verification_locked',
          userId: caller.sub,
          until: new Date(f.until ?? 0).toISOString(),
        });
    } else await verifyAttempts().release(key);
    throw e;
  }
};

/**
 * Proof of the password (a security change asks for it, not only for a token that may be stolen): a
 * full sign-in, counted as `counted` does (a wrong password is `wrong_password`, a wrong code of the
 * second step `invalid_code`). `finish` takes what the password step answered (tokens, or Cognito's
 * ask for a TOTP code) to the sign-in's tokens. They are not handed out: the refresh token is revoked
 * at once.
 */
const signInAgain = (
  caller: Caller,
  email: string,
  password: string,
  finish: (first: LoginOutcome) => Promise<Tokens>,
): Promise<void> =>
  counted(caller, ['wrong_password', 'invalid_code'], async () => {
    const first = await signIn()
      .login(email, password)
      .catch((e) => {
        if (isBankError(e) && e.code === 'invalid_credentials')
          throw new BankError('wrong_password', 'The password is wrong');
        throw e;
      });
    const tokens = await finish(first);
    if (tokens.refreshToken) await signIn().revoke(tokens.refreshToken);
  });

const alreadyOn = () =>
  new BankError('mfa_already_enabled', 'TOTP is already on: turn it off first to enrol a new app');

/** The otpauth:// URI authenticator apps read from a QR code (Key Uri Format: issuer, account, secret). */
export const otpauthUri = (secret: string, account: string): string => {
  const params = new URLSearchParams({
    secret,
    issuer: ISSUER,
    algorithm: 'SHA1',
    digits: '6',
    period: '30',
  });
  return `otpauth://totp/${encodeURIComponent(ISSUER)}:${encodeURIComponent(account)}?${params}`;
};

/**
 * One record of the customer's own trail as they see it: staff are never named (`bank`, no IP, no
 * reason: an admin's reason may hold investigation notes), a failed login by someone not signed in is
 * `unknown` with its IP.
 */
export const activityOf = (r: AuditRecord, sub: string) => {
  const by =
    r.actor.role !== 'customer'
      ? 'bank'
      : r.actor.userId === sub
        ? 'you'
        : r.actor.userId === ANONYMOUS
          ? 'unknown'
          : 'bank';
  return {
    id: r.id,
    at: r.at,
    action: r.action,
    outcome: r.outcome,
    by,
    sourceIp: by === 'bank' ? null : r.actor.sourceIp || null,
    ...(by !== 'bank' && r.reason ? { reason: r.reason } : {}),
  };
};

export const handler = createHandler(
  routes,
  {
    me: async ({ caller }) => {
      return { body: await profileOf(caller) };
    },

    changePassword: async ({ caller, accessToken, body, sourceIp }) => {
      assertNotCommon(body.newPassword, 'body.newPassword');
      await counted(caller, ['wrong_password'], () =>
        changingPassword(caller.sub, () =>
          securitySettings().changePassword(accessToken, body.currentPassword, body.newPassword),
        ),
      );
      // Whoever else holds a session (a stolen token, a forgotten device) loses it, this one included.
      await endEverySession(caller.sub, { accessToken }, 'password change', sourceIp);
      await securityEvents.record({ event: 'password_changed', userId: caller.sub, sourceIp });
      return {};
    },

    mfaStatus: async ({ accessToken }) => {
      return { body: { totp: await securitySettings().totpEnabled(accessToken) } };
    },

    enrolTotp: async ({ caller, accessToken, body, sourceIp }) => {
      if (await securitySettings().totpEnabled(accessToken)) throw alreadyOn();
      const profile = await profileOf(caller);
      // The password first: a token alone (a stolen one) must not add a second factor, which would lock
      // the customer out of their own login. Nothing is associated until it is proved.
      await signInAgain(caller, profile.email, body.password, async (first) => {
        // Cognito asked for a code: TOTP was turned on since the check above.
        if ('challenge' in first) throw alreadyOn();
        return first.tokens;
      });
      const secret = await securitySettings().associateTotp(accessToken);
      await securityEvents.record({ event: 'mfa_enrolment_started', userId: caller.sub, sourceIp });
      return { body: { secret, otpauthUri: otpauthUri(secret, profile.email) } };
    },

    verifyTotp: async ({ caller, accessToken, body, sourceIp }) => {
      const { email } = await profileOf(caller);
      // The code that turns TOTP on is taken as a login's is (RFC 6238 §5.2): the first login after it
      // needs the next code, not one whoever watched the enrolment saw.
      await counted(caller, ['invalid_code'], () =>
        totpCodes().useOnce(
          email,
          body.code,
          () => securitySettings().enableTotp(accessToken, body.code),
          invalidCode,
        ),
      );
      await securityEvents.record({ event: 'mfa_enabled', userId: caller.sub, sourceIp, reason: 'totp' });
      return {};
    },

    disableTotp: async ({ caller, accessToken, body, sourceIp }) => {
      if (!(await securitySettings().totpEnabled(accessToken)))
        throw new BankError('mfa_not_enabled', 'TOTP is not on');
      const { email } = await profileOf(caller);
      // Proof of both factors: the password and the current code.
      await signInAgain(caller, email, body.password, (first) => {
        if (!('challenge' in first)) throw new Error('Cognito did not ask for the TOTP code of an MFA user');
        // A code already accepted (a login's, say) is refused as a wrong one.
        return totpCodes().useOnce(
          email,
          body.code,
          () => signIn().respondTotp(email, first.session, body.code),
          invalidCode,
        );
      });
      // First, so that a failure between the two leaves the staff rule the stricter: no session of a TOTP
      // login from before counts as one any more, for the staff guard or a renewal.
      await markTotpOff(caller.sub);
      await securitySettings().setTotp(accessToken, false);
      await securityEvents.record({ event: 'mfa_disabled', userId: caller.sub, sourceIp, reason: 'totp' });
      return {};
    },

    myActivity: async ({ caller, query }) => {
      const binding = { user: caller.sub, account: '', filter: 'activity' };
      const codec = await cursors();
      const start = query.cursor ? codec.decode(query.cursor, binding) : undefined;
      const page = await audit().bySubject(caller.sub, { limit: query.limit ?? 25, start });
      return {
        body: {
          items: page.items.map((r) => activityOf(r, caller.sub)),
          nextCursor: page.last ? codec.encode(binding, page.last) : null,
        },
      };
    },

    revokeSessions: async ({ caller, accessToken, sourceIp }) => {
      await endEverySession(caller.sub, { accessToken }, 'asked for', sourceIp);
      return {};
    },
  },
  { guard: customerGuard },
);
