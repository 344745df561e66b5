/**
 * Public identity routes: register, confirm (and resend), login (with the TOTP step), refresh, logout,
 * and password reset. Every answer that could tell an attacker whether an email is registered is the
 * same either way; register, resend, forgot-password, confirm and reset also take at least the same
 * time (config.authFloorMs). Login does not: its attempts are counted and locked instead, and a
 * refused login makes the same writes whether the password was wrong or the login disabled.
 */
import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { createHandler } from '../api/http.ts';
import { logger } from '../api/logger.ts';
import { routes } from '../api/routes/auth.ts';
import { name as nameSchema } from '../api/schemas/primitives.ts';
import { config } from '../config.ts';
import { BankError, isBankError, isDefiniteRefusal } from '../domain/errors.ts';
import { renewable, renewableUntil, SIGN_UP_CODE_NOT_SENT } from '../domain/session.ts';
import { clip, LONE_SURROGATE, UNSAFE_TEXT } from '../domain/text.ts';
import { invalidCode, type Tokens } from '../identity/cognito.ts';
import { isCommon } from '../identity/common-passwords.ts';
import type { SecurityEventName } from '../identity/security-events.ts';
import { type LoginStatus, mayPredate, passwordResetRequired, userDisabled } from '../store/login-status.ts';
import type { EmailedCodeCounter, LoginTicket } from '../store/logins.ts';
import { assertNotCommon, atLeast } from './checks.ts';
import {
  confirmAttempts,
  identity,
  logins,
  resetAttempts,
  securityEvents,
  sessions,
  totpCodes,
  users,
} from './context.ts';
import { customerGuard } from './gate.ts';
import { changingPassword, endEverySession } from './sign-out.ts';

const UNCONFIRMED_EXPIRES_MS = 24 * 3600 * 1000;

const invalidRefresh = () => new BankError('invalid_refresh_token', 'The refresh token is not valid');
const signInExpired = () =>
  new BankError('invalid_session', 'The sign-in has expired or was already used: log in again');

const subOf = (t: Tokens): string => String(decodeJwt(t.accessToken).sub ?? '');

/**
 * An access token's expiry (epoch seconds): its `exp`, or its lifetime from now when it has none.
 */
const expOf = (t: Pick<Tokens, 'accessToken' | 'expiresIn'>): number =>
  Number(decodeJwt(t.accessToken).exp ?? 0) || Math.floor(Date.now() / 1000) + t.expiresIn;

/** When an access token was issued (`iat`, epoch seconds; 0 if it has none). */
const iatOf = (t: Pick<Tokens, 'accessToken'>): number => Number(decodeJwt(t.accessToken).iat ?? 0);

/**
 * An access token from a Cognito call that began at `startedAt` (epoch ms), after the customer's
 * revocation marker, whose `iat` (whole seconds, Cognito's clock) still falls within the marker's
 * margin: it is admitted, so that logging in again right after "sign out everywhere" (or a reset, or
 * an enable) works. A call that began before the marker admits nothing: its tokens stay revoked.
 */
const admitFresh = async (sub: string, t: Tokens, status: LoginStatus, startedAt: number) => {
  if (startedAt >= status.revokedBefore && mayPredate(iatOf(t), status.revokedBefore))
    await sessions().admit(sub, t.accessToken, status.revokedBefore);
};

interface IssueOptions {
  mfa: boolean;
  email: string;
  sourceIp: string;
  /**
   * When the Cognito call that issued the tokens began (the refresh token counts as issued then); for
   * a TOTP login, its password step: the sign-in is refused if the customer's sessions were ended since.
   */
  startedAt: number;
  /** The login's password is a common one (registration refuses those). */
  commonPassword: boolean;
}

/** What registration takes as a name (src/api/schemas/primitives.ts `name`). */
const registrationName = nameSchema(100);
/** Every character a registration's name may not hold (`UNSAFE_TEXT`, and lone surrogates). */
const UNSAFE_ANYWHERE = new RegExp(`${UNSAFE_TEXT.source}|${LONE_SURROGATE.source}`, 'gu');

/**
 * The profile's name from the one Cognito holds (which nothing of ours checked, for a user who signed
 * up there directly): its control and bidi characters taken out (a bidi override would reorder what
 * confirmation of payee shows payers, and statements print), trimmed and cut to 100, then checked as
 * registration checks a name. Undefined when nothing a registration would take is left.
 */
const profileName = (cognitoName: string | undefined): string | undefined => {
  const r = registrationName.safeParse(clip((cognitoName ?? '').replace(UNSAFE_ANYWHERE, '').trim(), 100));
  return r.success ? r.data : undefined;
};

/**
 * A login whose user has no profile: someone who signed up at Cognito directly (the app client is
 * public, so SignUp and ConfirmSignUp need nothing of ours), or a registration whose profile write
 * failed after Cognito's SignUp (registering again finds the email taken and does not repair it). The
 * profile is created now, with the name Cognito holds, and recorded, so that staff find the customer like
 * any other; but only for a password and a name registration would have taken: a common password is
 * refused (400 `weak_password`, the tokens revoked) until the customer resets it, which checks the new
 * one; a name is taken without its control and bidi characters (`profileName`), and one with nothing
 * left is refused as the password is (400 `validation_failed`, the tokens revoked) until the customer
 * gives Cognito another (the app client may write `name`: UpdateUserAttributes).
 */
const firstLogin = async (tokens: Tokens, sub: string, opts: IssueOptions): Promise<void> => {
  const who = { email: opts.email, userId: sub, sourceIp: opts.sourceIp };
  if (opts.commonPassword) {
    if (tokens.refreshToken) await identity().revoke(tokens.refreshToken);
    await securityEvents.record({
      event: 'password_check_failed',
      ...who,
      reason: 'a common password, at the first login of a user with no profile',
    });
    throw new BankError('weak_password', 'That password is too common: reset it, then log in', {
      errors: [{ path: 'body.password', message: 'is a common password or a simple variant of one' }],
    });
  }
  // Cognito's own record (cognito-local's id tokens carry no `name`); only at a first login.
  const name = profileName((await identity().user(opts.email))?.name);
  if (name === undefined) {
    if (tokens.refreshToken) await identity().revoke(tokens.refreshToken);
    logger.warn('first login refused: the name Cognito holds is not one registration takes', { userId: sub });
    throw new BankError(
      'validation_failed',
      'The name on this login cannot be used: give it one without control characters, then log in',
      { errors: [{ path: 'name', message: 'has nothing but control or bidi characters, or is empty' }] },
    );
  }
  await users().create({ userId: sub, email: opts.email, name, createdAt: new Date().toISOString() });
  await securityEvents.record({
    event: 'registration_started',
    ...who,
    reason: 'profile created at first login (signed up at Cognito directly, or the registration lost it)',
  });
};

/**
 * Tokens leave only through here: their refresh token is registered to its owner first, and an
 * access token from a TOTP login is marked as such (what the admin guard checks, src/handlers/gate.ts).
 * A customer whose login an admin disabled gets none: the tokens Cognito issued are revoked; nor does
 * one whose confirmation did not finish setting its password (`passwordPending`). A user
 * with no profile gets one first (`firstLogin`).
 */
const issue = async (tokens: Tokens, opts: IssueOptions): Promise<Tokens> => {
  const sub = subOf(tokens);
  const [status, profile] = await Promise.all([sessions().status(sub), users().get(sub)]);
  if (status.disabled) {
    if (tokens.refreshToken) await identity().revoke(tokens.refreshToken);
    return refuseDisabled({ email: opts.email, userId: sub, sourceIp: opts.sourceIp });
  }
  if (opts.mfa && opts.startedAt < status.revokedBefore) {
    // Its password step came before a sign-out everywhere, a password change or reset: a sign-in then
    // under way is one of the sessions they end (3 minutes to find a code, with the old password).
    if (tokens.refreshToken) await identity().revoke(tokens.refreshToken);
    throw signInExpired();
  }
  if (status.passwordPending) {
    if (tokens.refreshToken) await identity().revoke(tokens.refreshToken);
    await securityEvents.record({
      event: 'login_refused_password_pending',
      email: opts.email,
      userId: sub,
      sourceIp: opts.sourceIp,
    });
    throw passwordResetRequired();
  }
  if (!profile) await firstLogin(tokens, sub, opts);
  // A TOTP sign-in whose password step came before TOTP was turned off is no TOTP login (as a renewal
  // of one from before is not: refresh): Cognito still takes a code between the bank's mark and its
  // own switch, so the sign-in is let in, but not as one (a review of races found it taken as one).
  const mfa = opts.mfa && opts.startedAt > status.totpOffAt;
  if (tokens.refreshToken)
    await sessions().issued(tokens.refreshToken, sub, opts.startedAt, {
      mfa,
      renewableUntil: renewableUntil(expOf(tokens)),
    });
  await admitFresh(sub, tokens, status, opts.startedAt);
  if (mfa) await sessions().mfaToken(tokens.accessToken, sub, expOf(tokens));
  return tokens;
};

/** A confirmation that confirmed the login but could not set its password: a reset chooses it. */
const confirmedWithoutPassword = () =>
  new BankError(
    'password_reset_required',
    'Your email is confirmed, but the password could not be set: choose one with a password reset',
  );

/** Records a disabled customer's refused login and answers 403 `user_disabled`. */
const refuseDisabled = async (who: { email: string; userId?: string | undefined; sourceIp: string }) => {
  await securityEvents.record({ event: 'login_refused_disabled', ...who });
  throw userDisabled();
};

/**
 * Checks an emailed code (`check`, which asks Cognito), counted against the code sent last: a wrong
 * one stays counted (and recorded as `events.wrong`), and the one that spends the code is recorded as
 * `events.spent`; any other definite refusal (`isDefiniteRefusal`: Cognito's own lock, a throttle that
 * stopped every attempt) gives the attempt back. A failure that may have followed Cognito's judging
 * it (a timeout, a 5xx, a dropped connection: the call is not sent again) keeps it counted: a right
 * guess whose answer was lost may still have confirmed the sign-up or changed the password, and given
 * back, its guesser's tries were endless. With no code sent here, Cognito refuses the guess anyway
 * (and limits guesses itself), so it counts nothing and locks nothing.
 */
const checkCode = async (
  counter: EmailedCodeCounter,
  who: { email: string; sourceIp: string },
  events: { what: string; wrong?: SecurityEventName; spent: SecurityEventName },
  check: () => Promise<void>,
  /** Count against a code as if one had been sent when none was: every email is answered alike. */
  countAny = false,
): Promise<void> => {
  if (countAny) await counter.issued(who.email, Date.now(), true);
  const t = await counter.reserve(who.email);
  try {
    await check();
  } catch (e) {
    if (isBankError(e) && e.code === 'invalid_code') {
      if (events.wrong) await securityEvents.record({ event: events.wrong, ...who });
      if (t && counter.failed(t).spent)
        await securityEvents.record({
          event: events.spent,
          ...who,
          reason: `too many wrong tries of this ${events.what}: a new one must be asked for`,
        });
    } else if (t && isDefiniteRefusal(e)) await counter.release(t);
    else if (t && counter.failed(t).spent)
      await securityEvents.record({
        event: events.spent,
        ...who,
        reason: `the last try of this ${events.what} went unanswered (it may have been judged): a new one must be asked for`,
      });
    throw e;
  }
  await counter.succeeded(who.email);
};

/**
 * Reserves a login attempt (src/store/logins.ts) for the password step or the TOTP step alike, and
 * records the unlock when the reservation found the (email, IP) pair's lock expired: whichever step
 * comes first after the 30 minutes finds it, and only that one sees it.
 */
const reserveLogin = async (
  email: string,
  sourceIp: string,
  step: 'password' | 'totp' = 'password',
): Promise<LoginTicket> => {
  const t = await logins().reserve(email, sourceIp, Date.now(), step);
  const ended: [boolean | undefined, string][] = [
    [t.unlocked, 'lock expired'],
    [t.totpUnlocked, 'the lock on wrong TOTP codes expired'],
  ];
  for (const [unlocked, reason] of ended)
    if (unlocked) await securityEvents.record({ event: 'login_unlocked', email: t.email, sourceIp, reason });
  return t;
};

/** Settles a login attempt that failed on its secret, and records what it locked or slowed. */
const loginFailed = async (
  t: LoginTicket,
  event: 'login_failed' | 'login_refused_disabled' | 'mfa_login_failed',
  sourceIp: string,
) => {
  const f = await logins().failed(t);
  const base = { email: t.email, sourceIp };
  await securityEvents.record({ event, ...base, reason: `failure ${f.failures} for this email` });
  if (f.pairLockedUntil)
    await securityEvents.record({
      event: 'login_locked',
      ...base,
      // The lock's key: the IP, or for IPv6 the /64 it belongs to (src/store/logins.ts, ipLockKey).
      reason: t.ip === sourceIp ? 'too many failures from this IP' : `too many failures from ${t.ip}`,
      until: new Date(f.pairLockedUntil).toISOString(),
    });
  if (f.totpLockedUntil)
    await securityEvents.record({
      event: 'login_locked',
      ...base,
      reason: 'too many wrong TOTP codes for this email from all IPs',
      until: new Date(f.totpLockedUntil).toISOString(),
    });
  if (f.slowedUntil)
    await securityEvents.record({
      event: 'login_throttled',
      email: t.email,
      reason: 'too many failures for this email from all IPs',
      until: new Date(f.slowedUntil).toISOString(),
    });
};

export const handler = createHandler(
  routes,
  {
    register: async ({ body }) =>
      atLeast(config().authFloorMs, async () => {
        const { email, password, name } = body;
        assertNotCommon(password, 'body.password');
        let r = await identity().signUp(email, password, name);
        // Whether a code went out: only a code sent opens a new count of wrong codes.
        let sent = true;
        if (r.outcome === 'exists') {
          const u = await identity().user(email);
          const stale = u?.createdAt && Date.now() - u.createdAt.getTime() > UNCONFIRMED_EXPIRES_MS;
          if (u?.status === 'UNCONFIRMED' && stale) {
            // A sign-up nobody confirmed in 24 hours no longer holds the address: this one replaces it.
            await identity().deleteUser(email);
            r = await identity().signUp(email, password, name);
            await securityEvents.record({
              event: 'registration_replaced',
              email,
              reason: 'unconfirmed for 24 hours',
            });
          } else if (u?.status === 'UNCONFIRMED') {
            // None sent (Cognito's limit on codes): the code out there keeps its count, as on the
            // resend route; before, registering again gave 5 fresh guesses at the same code.
            sent = await identity().resendConfirmation(email);
            await securityEvents.record({ event: 'confirmation_resent', email, reason: 'registered again' });
          } else {
            await securityEvents.record({
              event: 'registration_repeated',
              email,
              notice:
                'Someone tried to register with your address. If it was you, log in or reset your password; if not, you need do nothing.',
            });
          }
        }
        if (r.outcome === 'not_sent') {
          // Cognito sent no code, for this sign-up or the one that replaced a stale one (a review found
          // the replacement's unchecked): answered as any sign-up (registering again, or the resend
          // route, asks for the code once Cognito sends again; a login creates the profile of a user it
          // made meanwhile); the line is alarmed on. No address in it.
          sent = false;
          logger.warn(SIGN_UP_CODE_NOT_SENT, { reason: r.reason });
        }
        // A code was sent (or sent again): a new generation of the wrong-code count, for any email
        // (one already confirmed has no code to guess).
        if (!config().autoConfirm && sent) await confirmAttempts().issued(email);
        if (r.outcome === 'created') {
          await users().create({ userId: r.userId, email, name, createdAt: new Date().toISOString() });
          await securityEvents.record({ event: 'registration_started', email, userId: r.userId });
        }
        // The same answer for a new and a taken email.
        return config().autoConfirm
          ? { status: 201, body: { email, status: 'confirmed' } }
          : { status: 202, body: { email, status: 'pending_confirmation' } };
      }),

    confirm: async ({ body, sourceIp }) =>
      // The floor as on register: a wrong code for a sign-up waiting (Cognito's check and two writes)
      // came back later than for a confirmed or unknown email (refused before Cognito), which told
      // anyone which emails had a sign-up waiting.
      atLeast(config().authFloorMs, async () => {
        const { email, code, password, name } = body;
        assertNotCommon(password, 'body.password');
        // The code proves the mailbox, so its holder chooses the password. A sign-up holds an address
        // until it is confirmed, whoever made it: registering again with a sign-up pending sends its code
        // again (above), and the address's owner confirming a squatter's sign-up must not get a login
        // whose password the squatter knows.
        // Only a sign-up still waiting: a confirmed login's password changes by a reset, with its own
        // count of wrong codes. For any other email (confirmed, unknown) the code is a wrong one.
        const user = await identity().user(email);
        const sub = user?.status === 'UNCONFIRMED' ? user.sub : undefined;
        // Counted against the code sent last, before Cognito checks it (5 wrong spend it, as Cognito
        // locks a code; cognito-local does not): guessing a code would set the password. Counted for
        // every email alike (a resend opens a count for any): refused uncounted, as before, a confirmed
        // or unknown email answered 400 where a pending sign-up's sixth wrong code answered 429, which
        // told anyone which emails had a sign-up waiting.
        await checkCode(
          confirmAttempts(),
          { email, sourceIp },
          { what: 'confirmation code', spent: 'verification_locked' },
          async () => {
            if (!sub) throw invalidCode();
            // Fail closed: from before the confirmation until its password is set, the login is refused
            // everywhere (login, refresh, every token route), so a failure in between (a throttle, a
            // timeout) leaves no working password of the sign-up's; a password reset ends it.
            const hold = await sessions().holdPassword(sub);
            await identity()
              .confirm(email, code)
              .catch(async (e) => {
                // Refused for certain (a wrong code, Cognito's lock, a throttle before anything was done):
                // not confirmed, so this request's hold goes; only its own, never that of a confirmation
                // under way beside it (a wrong code sent meanwhile once lifted the owner's). Any other
                // failure (a timeout, a 5xx, a dropped connection: ConfirmSignUp is not sent again) may
                // follow Cognito's confirming the login with the sign-up's password: the hold stays, and
                // a password reset ends it. Should the lift fail, the hold stays too (fail closed).
                if (isDefiniteRefusal(e)) {
                  await sessions()
                    .liftPasswordHold(sub, hold)
                    .catch(() => undefined);
                  throw e;
                }
                // Confirmed after all (the answer was lost, not the confirmation): the code is spent, so
                // sending it again answers a wrong code; the customer is told to choose the password by a
                // reset (a review found them left to guess it). The password is not set here: this may be
                // a wrong code's request whose answer was lost while the owner's right one confirmed.
                const now = await identity()
                  .user(email)
                  .catch(() => undefined);
                if (now?.status === 'CONFIRMED') {
                  await securityEvents.record({
                    event: 'confirmation_password_failed',
                    email,
                    userId: sub,
                    sourceIp,
                    reason: `${(e as Error)?.name ?? 'error'}: Cognito's answer was lost and the sign-up found confirmed; the login waits for a password reset`,
                  });
                  throw confirmedWithoutPassword();
                }
                throw e;
              });
          },
          // Without a code sent here (a confirmed login, an unknown email, no resend asked for), an
          // uncounted guess answered 400 for ever where a sign-up registered here answered 429 at the
          // sixth: which emails had a sign-up waiting, for anyone who did not ask for a resend first.
          true,
        );
        if (!sub) throw invalidCode();
        try {
          await identity().setPassword(email, password);
        } catch (e) {
          // The code is spent and the login confirmed, so sending this again cannot work: the customer
          // chooses the password by a reset, which the login is held for.
          await securityEvents.record({
            event: 'confirmation_password_failed',
            email,
            userId: sub,
            sourceIp,
            reason: `${(e as Error)?.name ?? 'error'}: the login waits for a password reset`,
          });
          throw confirmedWithoutPassword();
        }
        // The name on the profile (what confirmation of payee shows) is the confirmer's too.
        await users().rename(sub, name);
        // Whoever took tokens from Cognito directly with the sign-up's password meanwhile is signed out.
        await endEverySession(sub, { email }, 'email confirmed, with its password', sourceIp);
        await sessions().clearPasswordHolds(sub);
        return {};
      }),

    resendConfirmation: async ({ body }) =>
      atLeast(config().authFloorMs, async () => {
        // A new code, a new count; none sent (Cognito's limit): the last code keeps its count.
        if (await identity().resendConfirmation(body.email)) await confirmAttempts().issued(body.email);
        await securityEvents.record({ event: 'confirmation_resent', email: body.email, reason: 'asked for' });
        return { body: { status: 'accepted' } };
      }),

    forgotPassword: async ({ body, sourceIp }) =>
      atLeast(config().authFloorMs, async () => {
        // A new code: a new generation of the wrong-code count (for any email, known or not). After
        // Cognito's answer, and only when it sent one: a failed request, or one Cognito's limit
        // refused, gives nobody fresh guesses at the last code.
        if (await identity().forgotPassword(body.email)) await resetAttempts().issued(body.email);
        await securityEvents.record({ event: 'password_reset_requested', email: body.email, sourceIp });
        return { body: { status: 'accepted' } };
      }),

    resetPassword: async ({ body, sourceIp }) =>
      // The floor as on forgot-password: a code refused fast for a sign-up not confirmed (no Cognito
      // call), slower for any other email, told which emails were waiting for a confirmation.
      atLeast(config().authFloorMs, async () => {
        const { email, code, newPassword } = body;
        assertNotCommon(newPassword, 'body.newPassword');
        // Whose sessions end is read before the password changes: read after, a lookup that failed
        // (throttled, say) answered 503 with the code spent and every old session still running.
        const user = await identity().user(email);
        await checkCode(
          resetAttempts(),
          { email, sourceIp },
          { what: 'code', wrong: 'password_reset_failed', spent: 'password_reset_locked' },
          // A sign-up not confirmed has no password to reset, and its code is a confirmation code, counted
          // by /confirm: AWS refuses it here; cognito-local would take it and confirm the sign-up.
          // A known user's reset is marked under way (changingPassword): its sessions end even if this
          // function dies before it ends them.
          () => {
            if (user?.status === 'UNCONFIRMED') return Promise.reject(invalidCode());
            const reset = () => identity().resetPassword(email, code, newPassword);
            return user?.sub ? changingPassword(user.sub, reset) : reset();
          },
        );
        // Then every session ends: refresh tokens issued before now are refused (and Cognito signs them
        // out). A failure before it leaves the change marked under way, which ends them once stale.
        if (user?.sub) {
          await endEverySession(user.sub, { email }, 'password reset');
          // The reset chose the password a confirmation may have left unset.
          await sessions().clearPasswordHolds(user.sub);
        }
        await logins().clear(email);
        await securityEvents.record({ event: 'password_reset', email, userId: user?.sub, sourceIp });
        await securityEvents.record({
          event: 'login_unlocked',
          email,
          reason: 'password reset clears every lock',
        });
        return {};
      }),

    login: async ({ body, sourceIp }) => {
      const t = await reserveLogin(body.email, sourceIp);
      let out: Awaited<ReturnType<ReturnType<typeof identity>['login']>>;
      const startedAt = Date.now();
      try {
        out = await identity().login(body.email, body.password);
      } catch (e) {
        if (!isBankError(e) || e.code !== 'invalid_credentials') {
          await logins().release(t);
          // Cognito's own lockout (AWS): it refuses every sign-in of the user for a while, the owner's
          // too, before the password. Not a failure of anyone's, but a refusal staff must find on the
          // customer's trail while someone keeps it going (before, nothing recorded it).
          if (isBankError(e) && e.code === 'login_locked')
            await securityEvents.record({
              event: 'login_refused_locked',
              email: body.email,
              sourceIp,
              reason: 'Cognito locked the user after failed sign-ins: refused before its password',
            });
          throw e;
        }
        // On AWS Cognito refuses a user the bank disabled (AdminDisableUser) as it refuses a wrong
        // password, and before it checks the password (offline, src/local/cognito.ts makes
        // cognito-local answer the same). So the password is unknown, and the answer is a wrong
        // password's, counted as one: any other (403 user_disabled, before) told anyone who tried
        // which emails belong to customers the bank disabled. Staff see it as its own security event,
        // by nobody known (the password was never checked; named by the customer's id, the record was
        // theirs, and their own activity showed it as done by them), about the customer (by email).
        // The attempt is settled whatever the look-up does: left reserved at the limit, it locked the
        // pair until the counter's item expired (a day), not for the lock's 30 minutes.
        const user = await identity()
          .user(body.email)
          .catch(async (err: unknown) => {
            await loginFailed(t, 'login_failed', sourceIp);
            throw err;
          });
        // One security event either way (the refusal of a disabled login in place of a failed one's),
        // so the answer takes the same writes, and its timing does not tell a disabled login apart.
        await loginFailed(t, user?.enabled === false ? 'login_refused_disabled' : 'login_failed', sourceIp);
        throw e;
      }
      if ('challenge' in out) {
        // The password was right, but the login is not done: the attempt is neither a failure nor a success.
        await logins().release(t);
        const session = randomBytes(32).toString('base64url');
        await sessions().pendingMfa(session, {
          email: body.email,
          session: out.session,
          commonPassword: isCommon(body.password),
          startedAt,
        });
        await securityEvents.record({ event: 'login_challenged', email: body.email, sourceIp });
        return { body: { challenge: 'totp', session } };
      }
      await logins().succeeded(t);
      const tokens = await issue(out.tokens, {
        mfa: false,
        email: body.email,
        sourceIp,
        startedAt,
        commonPassword: isCommon(body.password),
      });
      await securityEvents.record({
        event: 'login_succeeded',
        email: body.email,
        userId: subOf(tokens),
        sourceIp,
      });
      return { body: tokens };
    },

    loginMfa: async ({ body, sourceIp }) => {
      const pending = await sessions().tryMfa(body.session);
      if (!pending) throw signInExpired();
      // Its reservation may be the one that finds an expired lock: recorded as the password step's is
      // (before, the unlock was recorded only when the password step found it).
      const t = await reserveLogin(pending.email, sourceIp, 'totp');
      let tokens: Tokens;
      const startedAt = Date.now();
      try {
        // A code already accepted (within the last couple of minutes) is refused as a wrong one.
        tokens = await totpCodes().useOnce(
          pending.email,
          body.code,
          () => identity().respondTotp(pending.email, pending.session, body.code),
          invalidCode,
        );
      } catch (e) {
        if (isBankError(e) && e.code === 'invalid_code') await loginFailed(t, 'mfa_login_failed', sourceIp);
        else await logins().release(t);
        throw e;
      }
      await Promise.all([logins().succeeded(t), sessions().mfaDone(body.session)]);
      await issue(tokens, {
        mfa: true,
        email: pending.email,
        sourceIp,
        startedAt: pending.startedAt ?? startedAt,
        commonPassword: pending.commonPassword === true,
      });
      await securityEvents.record({
        event: 'login_succeeded',
        email: pending.email,
        userId: subOf(tokens),
        sourceIp,
        reason: 'password and TOTP',
      });
      return { body: tokens };
    },

    refresh: async ({ body }) => {
      const issued = await sessions().refreshToken(body.refreshToken);
      if (!issued || issued.revoked) throw invalidRefresh();
      // The refresh token is revoked, and nothing renewed, when the customer's status refuses it: a
      // disable, a password to set, or a sign-out, reset or enable since the token was issued.
      const refused = async (status: LoginStatus) => {
        const why = status.disabled
          ? userDisabled()
          : status.passwordPending
            ? passwordResetRequired()
            : issued.issuedAt < status.revokedBefore
              ? invalidRefresh()
              : undefined;
        if (why) {
          await identity().revoke(body.refreshToken);
          throw why;
        }
      };
      const status = await sessions().status(issued.sub);
      await refused(status);
      // Unused past the idle timeout (src/domain/session.ts `renewableUntil`): the session is over, and
      // its refresh token revoked, at Cognito as best it can be (a revocation that fails must not turn
      // the answer into a 5xx, which the web client would keep trying every 15 s). After the status,
      // so that a disabled customer is told so.
      if (!renewable(issued.renewableUntil, Date.now())) {
        await Promise.allSettled([
          identity().revoke(body.refreshToken),
          sessions().revoked(body.refreshToken),
        ]);
        throw invalidRefresh();
      }
      const startedAt = Date.now();
      const tokens = await identity().refresh(body.refreshToken);
      // Read again once Cognito has answered: a sign-out, reset or disable that landed meanwhile
      // revoked this refresh token, and what it renewed is not handed out (issued after the new
      // marker, it would pass the guard). Offline, with no GlobalSignOut, nothing else stops it.
      const after = await sessions().status(issued.sub);
      await refused(after);
      await Promise.all([
        admitFresh(issued.sub, tokens, after, startedAt),
        sessions().renewed(body.refreshToken, renewableUntil(expOf(tokens))),
      ]);
      // The refresh token of a TOTP login passes that on to the access tokens it renews, while TOTP has
      // not been turned off since that login began.
      if (issued.mfa && issued.issuedAt > after.totpOffAt)
        await sessions().mfaToken(tokens.accessToken, issued.sub, expOf(tokens));
      return { body: tokens };
    },

    logout: async ({ body, caller, sourceIp }) => {
      const issued = await sessions().refreshToken(body.refreshToken);
      // Only the caller's own token: a foreign or unknown one is refused and nothing is revoked.
      if (!issued || issued.sub !== caller.sub)
        throw new BankError('invalid_token', 'That is not a refresh token of yours');
      await identity().revoke(body.refreshToken);
      await sessions().revoked(body.refreshToken);
      await securityEvents.record({ event: 'logout', userId: caller.sub, sourceIp });
      return {};
    },
  },
  { guard: customerGuard },
);
