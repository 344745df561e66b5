/**
 * The Cognito adapter: sign-up, confirm, log in, refresh and revoke, through the SDK's
 * CognitoIdentityProvider client (cognito-local offline, a user pool on AWS). Cognito's
 * exceptions become the API's stable error codes here and nowhere else.
 */
import {
  AdminConfirmSignUpCommand,
  AdminDeleteUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  AdminSetUserPasswordCommand,
  AdminUserGlobalSignOutCommand,
  AssociateSoftwareTokenCommand,
  type AuthenticationResultType,
  ChangePasswordCommand,
  type CognitoIdentityProviderClient,
  ConfirmForgotPasswordCommand,
  ConfirmSignUpCommand,
  ForgotPasswordCommand,
  GetUserCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  ResendConfirmationCodeCommand,
  RespondToAuthChallengeCommand,
  RevokeTokenCommand,
  SetUserMFAPreferenceCommand,
  SignUpCommand,
  VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt } from 'jose';
import { BankError } from '../domain/errors.ts';
import { SdkRetriesOnly, throttledOnly } from '../store/sdk-retries.ts';

export interface Tokens {
  accessToken: string;
  idToken: string;
  refreshToken?: string;
  expiresIn: number;
  tokenType: 'Bearer';
}

export interface IdentityConfig {
  userPoolId: string;
  clientId: string;
  autoConfirm: boolean;
}

const nameOf = (e: unknown): string => (e as { name?: string })?.name ?? '';

/** Cognito's exception names, per operation, to the API's errors. */
type Translation = Record<string, (e: unknown) => BankError>;

/** The SDK's attempts at a Cognito call, the first included (its default, stated). */
export const COGNITO_ATTEMPTS = 3;

/**
 * The calls that spend something (a code, a session, the current password, an email address, a
 * sign-in attempt, a code sent): sent again after a timeout, a 5xx or a broken connection, the second
 * attempt would meet the first one's effect (a reset's code spent: `invalid_code`; the current
 * password changed: `wrong_password`; a sign-up's email taken; a TOTP code or a session used).
 */
const SPENDING = new Set([
  'SignUpCommand',
  'ConfirmSignUpCommand',
  'ConfirmForgotPasswordCommand',
  'ChangePasswordCommand',
  'VerifySoftwareTokenCommand',
  'RespondToAuthChallengeCommand',
  'InitiateAuthCommand',
  'ForgotPasswordCommand',
  'ResendConfirmationCodeCommand',
]);
/** Errors of spending calls (`markSpendingCalls`), for the retry strategy and `busy`. */
const spent = new WeakSet<object>();

/**
 * Marks the errors of spending calls as they come back from each attempt, below the SDK's retries,
 * for `cognitoRetries` (src/handlers/context.ts adds it to the handlers' client).
 */
export const markSpendingCalls = <C extends CognitoIdentityProviderClient>(client: C): C => {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (e) {
        if (SPENDING.has(context.commandName ?? '') && e && typeof e === 'object') spent.add(e);
        throw e;
      }
    },
    { step: 'deserialize', name: 'markSpendingCalls', override: true },
  );
  return client;
};

/**
 * The Cognito client's retries (src/handlers/context.ts). A spending call (SPENDING, as
 * `markSpendingCalls` marks its errors) is sent again only when Cognito throttled it, which it does
 * before doing anything; after a timeout, a 5xx or a broken connection it ends, and the API answers
 * 503 (done or not: the client cannot tell, and tries again as after any 503). Not after
 * `LimitExceededException` either, which the SDK counts as a throttle: for these calls it is a quota
 * or a count of codes, not a moment's load, and retrying it only delays the same answer (by more than
 * a second: a sign-up past the email quota answered later than a taken address, which told them apart;
 * a review found it). Every other call (a read, a revocation, a sign-out, an admin switch: the same
 * effect if repeated) keeps the SDK's standard retries.
 */
export const cognitoRetries = () =>
  new SdkRetriesOnly(
    COGNITO_ATTEMPTS,
    (info) =>
      !spent.has(info.error as object) ||
      (throttledOnly(info) && nameOf(info.error) !== 'LimitExceededException'),
  );

/**
 * A throttle that ended the call. `nothingDone` when the call spends something (its attempts were
 * all throttled, so none was done); not for another call's, whose earlier attempt may have been a
 * timeout that did it (a review found a TOTP code given back after its enabling call's second step,
 * SetUserMFAPreference, was throttled: the code had been used).
 */
const busy = (e: unknown) =>
  new BankError('service_unavailable', 'Sign-in is busy: try again shortly', {
    retryAfter: 1,
    ...(e && typeof e === 'object' && spent.has(e) ? { nothingDone: true as const } : {}),
  });
const THROTTLED: Translation = {
  TooManyRequestsException: busy,
  LimitExceededException: busy,
};

/** Throws the API's error for a Cognito exception the operation expects, or the exception itself. */
const translate = (e: unknown, expected: Translation): never => {
  const make = expected[nameOf(e)] ?? THROTTLED[nameOf(e)];
  throw make ? make(e) : e;
};

const badPassword = () =>
  new BankError('validation_failed', 'The password does not meet the policy', {
    errors: [{ path: 'body.password', message: 'does not meet the password policy' }],
  });
const invalidCredentials = () => new BankError('invalid_credentials', 'The email or password is wrong');
export const invalidCode = () => new BankError('invalid_code', 'The code is wrong or has expired');
const invalidRefresh = () => new BankError('invalid_refresh_token', 'The refresh token is not valid');
const weakPassword = () =>
  new BankError('weak_password', 'Cognito refused the new password: choose a longer, less common one');
const wrongPassword = () => new BankError('wrong_password', 'The password is wrong');
const invalidSession = () =>
  new BankError('invalid_session', 'The sign-in has expired or was already used: log in again');
const emailTaken = () => new BankError('user_exists', 'That email is already in use by another login');
const tooManyCodes = () =>
  new BankError('verification_locked', 'Too many attempts: wait a few minutes and try again', {
    retryAfter: 900,
  });

/** Cognito refused the caller's access token itself: revoked by a log-out, expired, or not valid. */
const TOKEN_REFUSED = /access token/i;
const refusesToken = (e: unknown): boolean =>
  nameOf(e) === 'NotAuthorizedException' && TOKEN_REFUSED.test((e as Error).message ?? '');
const signedOut = () => new BankError('unauthorized', 'This session was signed out: log in again');
/** A call whose only refusal is of the token (and throttling): 401, else the exception itself. */
const tokenOnly = (e: unknown): never => translate(e, { NotAuthorizedException: signedOut });

/** What Cognito says when its own lockout refuses a sign-in. */
const COGNITO_LOCKOUT = /password attempts exceeded/i;
const cognitoLocked = () =>
  new BankError('login_locked', 'Too many failed sign-ins for this email: try again in a few minutes', {
    retryAfter: 60,
  });

/** A wrong or expired emailed code, or an unknown email: the same answer for all. */
const WRONG_CODE: Translation = {
  CodeMismatchException: invalidCode,
  ExpiredCodeException: invalidCode,
  UserNotFoundException: invalidCode,
  NotAuthorizedException: invalidCode,
};

/** What a code-sending call may answer that must not tell whether the email exists. */
const QUIET_ON_SEND = [
  'UserNotFoundException',
  'InvalidParameterException',
  'NotAuthorizedException',
  'LimitExceededException',
  'CodeDeliveryFailureException',
];
/** Of those, the answers after which a code the email already had still stands: none was sent. */
const NOTHING_SENT = ['LimitExceededException', 'CodeDeliveryFailureException'];

/**
 * A code-sending call's failure, quiet as above (any other is thrown, translated). True unless Cognito
 * sent nothing to an email that may hold a code (NOTHING_SENT): then the last code stands, and its
 * count of wrong tries must go on.
 */
const quietly = (e: unknown): boolean => {
  if (!QUIET_ON_SEND.includes(nameOf(e))) translate(e, {});
  return !NOTHING_SENT.includes(nameOf(e));
};

/** An operation the emulator does not implement (cognito-local answers `CognitoLocal#Unsupported`). */
export const isUnsupported = (e: unknown): boolean => /Unsupported/.test(nameOf(e));

/** What a sign-up did. `exists`: the email is taken; nothing was created. */
export type SignUpOutcome =
  | { outcome: 'created'; userId: string; confirmed: boolean }
  | { outcome: 'exists' }
  /** Cognito sent no code (NOTHING_SENT: its email quota, a failed delivery); a user may or may not exist. */
  | { outcome: 'not_sent'; reason: string };

/** A login's first step: tokens, or (MFA on) Cognito's challenge session for the TOTP code. */
export type LoginOutcome = { tokens: Tokens } | { challenge: 'totp'; session: string };

export interface UserRecord {
  sub: string;
  /** Its `email` and `name` attributes (staff see a user with no profile through them). */
  email?: string;
  name?: string;
  status: string;
  createdAt: Date | undefined;
  /** Cognito's own Enabled flag (AdminDisableUser turns it off). */
  enabled: boolean;
}

/** Seconds until the access token expires: Cognito's ExpiresIn, or the token's own `exp` (cognito-local). */
const expiresIn = (r: AuthenticationResultType, now = Date.now()): number => {
  if (r.ExpiresIn) return r.ExpiresIn;
  const exp = decodeJwt(r.AccessToken ?? '').exp;
  return exp ? Math.max(0, exp - Math.floor(now / 1000)) : 0;
};

const tokensOf = (r: AuthenticationResultType | undefined, refreshToken?: string): Tokens => {
  if (!r?.AccessToken || !r.IdToken) throw new Error('Cognito returned no tokens');
  const refresh = r.RefreshToken ?? refreshToken;
  return {
    accessToken: r.AccessToken,
    idToken: r.IdToken,
    ...(refresh ? { refreshToken: refresh } : {}),
    expiresIn: expiresIn(r),
    tokenType: 'Bearer',
  };
};

/**
 * The user look-ups that staff and the auth function need: find a user by email, sign them out
 * everywhere (StaffDirectory adds disabling and enabling). Apart from `Identity` (which extends it) so
 * that a function calling only these carries neither the other methods nor the SDK commands and
 * schemas they import.
 */
export class UserDirectory {
  constructor(
    protected readonly cognito: CognitoIdentityProviderClient,
    protected readonly cfg: IdentityConfig,
  ) {}

  protected get client() {
    return { ClientId: this.cfg.clientId };
  }
  protected get pool() {
    return { UserPoolId: this.cfg.userPoolId };
  }

  /** The user's status (UNCONFIRMED, CONFIRMED, ...) and creation time, or undefined if there is none. */
  /**
   * AdminGetUser by email, or by sub: the pool signs in with the email (an alias), its usernames are
   * the subs, and cognito-local matches a sub too.
   */
  async user(email: string): Promise<UserRecord | undefined> {
    try {
      const r = await this.cognito.send(new AdminGetUserCommand({ ...this.pool, Username: email }));
      const attr = (name: string) => r.UserAttributes?.find((a) => a.Name === name)?.Value;
      const sub = attr('sub') ?? r.Username ?? '';
      const [address, name] = [attr('email'), attr('name')];
      return {
        sub,
        ...(address !== undefined ? { email: address } : {}),
        ...(name !== undefined ? { name } : {}),
        status: r.UserStatus ?? 'UNKNOWN',
        createdAt: r.UserCreateDate,
        enabled: r.Enabled !== false,
      };
    } catch (e) {
      if (nameOf(e) === 'UserNotFoundException') return undefined;
      return translate(e, {});
    }
  }

  /**
   * Signs the user out everywhere: GlobalSignOut with their access token, or AdminUserGlobalSignOut by
   * `username`: their email or their sub (the pool's usernames). When Cognito refuses the access token (revoked by a log-out, or expired, while API Gateway
   * still admits it) and the caller's `sub` is given (a username of this pool), by AdminUserGlobalSignOut
   * on it: otherwise the refresh tokens of the other sessions, used at Cognito directly, would still
   * mint tokens after the revocation marker's time. Returns false where the emulator lacks both
   * (cognito-local), or where the token is refused and no `sub` is given: the caller's revocation
   * marker then does the job alone.
   */
  async signOutEverywhere(
    who: { accessToken: string; sub?: string } | { username: string },
  ): Promise<boolean> {
    try {
      if ('accessToken' in who)
        await this.cognito.send(new GlobalSignOutCommand({ AccessToken: who.accessToken }));
      else
        await this.cognito.send(new AdminUserGlobalSignOutCommand({ ...this.pool, Username: who.username }));
      return true;
    } catch (e) {
      if ('accessToken' in who && nameOf(e) === 'NotAuthorizedException')
        return who.sub ? this.signOutEverywhere({ username: who.sub }) : false;
      // The emulator lacks it: the revocation marker, set before this call (src/handlers/sign-out.ts),
      // does the job alone.
      if (isUnsupported(e)) return false;
      if (nameOf(e) === 'UserNotFoundException') return true;
      return translate(e, {});
    }
  }
}

/**
 * What staff also do to a user (src/handlers/admin.ts): disable or enable them. Apart from
 * `UserDirectory`, so that `Identity` (the auth function) carries neither command.
 */
export class StaffDirectory extends UserDirectory {
  /**
   * AdminDisableUser / AdminEnableUser, by username (the user's sub; an email would find whoever holds
   * the address now). On AWS a disabled user cannot log in (Cognito refuses the
   * sign-in, before the password, as a wrong one: src/handlers/auth.ts tells them apart) and their
   * refresh tokens stop working. Offline, src/local/cognito.ts makes cognito-local refuse the sign-in
   * too; the app's own status (src/handlers/gate.ts) refuses the rest either way.
   */
  /** The names of the groups the user is in (AdminListGroupsForUser); none for a user not in the pool. */
  async groupsOf(username: string): Promise<string[]> {
    try {
      const r = await this.cognito.send(
        new AdminListGroupsForUserCommand({ ...this.pool, Username: username, Limit: 60 }),
      );
      return (r.Groups ?? []).flatMap((g) => (g.GroupName ? [g.GroupName] : []));
    } catch (e) {
      if (nameOf(e) === 'UserNotFoundException') return [];
      return translate(e, {});
    }
  }

  async setEnabled(username: string, enabled: boolean): Promise<void> {
    const input = { ...this.pool, Username: username };
    try {
      await this.cognito.send(
        enabled ? new AdminEnableUserCommand(input) : new AdminDisableUserCommand(input),
      );
    } catch (e) {
      if (nameOf(e) !== 'UserNotFoundException') translate(e, {});
    }
  }
}

/**
 * Signing in with a password (and a TOTP code), renewing and revoking tokens: what the profile function
 * needs to prove a customer's password (src/handlers/profile.ts). Apart from `Identity` (which extends
 * it), so that a function signing in alone carries neither registration nor password resets, nor the
 * SDK commands and schemas they import.
 */
export class SignIn extends UserDirectory {
  /** Throws invalid_credentials for an unknown email and a wrong password alike. */
  async login(email: string, password: string): Promise<LoginOutcome> {
    try {
      const r = await this.cognito.send(
        new InitiateAuthCommand({
          ...this.client,
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: email, PASSWORD: password },
        }),
      );
      if (r.ChallengeName === 'SOFTWARE_TOKEN_MFA' && r.Session)
        return { challenge: 'totp', session: r.Session };
      if (r.ChallengeName) throw new Error(`Cognito asked for an unexpected challenge: ${r.ChallengeName}`);
      return { tokens: tokensOf(r.AuthenticationResult) };
    } catch (e) {
      // Cognito's own lockout (AWS only): after 5 failed sign-ins it refuses the user's next ones for a
      // while, whatever the password, with this message. Not the customer's failure: no wrong password.
      if (nameOf(e) === 'NotAuthorizedException' && COGNITO_LOCKOUT.test((e as Error).message))
        throw cognitoLocked();
      return translate(e, {
        UserNotConfirmedException: () => new BankError('user_not_confirmed', 'Confirm your email first'),
        NotAuthorizedException: invalidCredentials,
        UserNotFoundException: invalidCredentials,
        // cognito-local answers a wrong password with InvalidPasswordException, Cognito with NotAuthorizedException.
        InvalidPasswordException: invalidCredentials,
        PasswordResetRequiredException: invalidCredentials,
        InvalidParameterException: invalidCredentials,
      });
    }
  }

  /** The second step of an MFA login: the TOTP code against Cognito's challenge session. */
  async respondTotp(email: string, session: string, code: string): Promise<Tokens> {
    try {
      const r = await this.cognito.send(
        new RespondToAuthChallengeCommand({
          ...this.client,
          ChallengeName: 'SOFTWARE_TOKEN_MFA',
          Session: session,
          ChallengeResponses: { USERNAME: email, SOFTWARE_TOKEN_MFA_CODE: code },
        }),
      );
      return tokensOf(r.AuthenticationResult);
    } catch (e) {
      return translate(e, {
        CodeMismatchException: invalidCode,
        EnableSoftwareTokenMFAException: invalidCode,
        ExpiredCodeException: invalidSession,
        NotAuthorizedException: invalidSession,
        InvalidParameterException: invalidSession,
        UserNotFoundException: invalidSession,
      });
    }
  }

  async refresh(refreshToken: string): Promise<Tokens> {
    try {
      const r = await this.cognito.send(
        new InitiateAuthCommand({
          ...this.client,
          AuthFlow: 'REFRESH_TOKEN_AUTH',
          AuthParameters: { REFRESH_TOKEN: refreshToken },
        }),
      );
      // A refresh answers new access and id tokens; the refresh token itself is not repeated.
      const { refreshToken: _unused, ...rest } = tokensOf(r.AuthenticationResult);
      return rest;
    } catch (e) {
      return translate(e, {
        NotAuthorizedException: invalidRefresh,
        UserNotFoundException: invalidRefresh,
        InvalidParameterException: invalidRefresh,
      });
    }
  }

  /** Revokes a refresh token (and the tokens issued from it). Revoking an invalid token is not an error. */
  async revoke(refreshToken: string): Promise<void> {
    try {
      await this.cognito.send(new RevokeTokenCommand({ ...this.client, Token: refreshToken }));
    } catch (e) {
      const ignore = ['NotAuthorizedException', 'UnsupportedTokenTypeException', 'InvalidParameterException'];
      if (!ignore.includes(nameOf(e))) translate(e, {});
    }
  }
}

/** The rest of the auth function's calls: sign-up and confirmation, and password resets. */
export class Identity extends SignIn {
  /** Signs up; a taken email is an outcome, not an error, so the caller can answer the same way. */
  async signUp(email: string, password: string, name: string): Promise<SignUpOutcome> {
    let userId = '';
    let confirmed = false;
    try {
      const r = await this.cognito.send(
        new SignUpCommand({
          ...this.client,
          Username: email,
          Password: password,
          UserAttributes: [
            { Name: 'email', Value: email },
            { Name: 'name', Value: name },
          ],
        }),
      );
      userId = r.UserSub ?? '';
      confirmed = r.UserConfirmed ?? false;
    } catch (e) {
      if (nameOf(e) === 'UsernameExistsException') return { outcome: 'exists' };
      // Refused for a new address alone (a taken one gets UsernameExistsException first): answered as a
      // 503 it told anyone which addresses are customers' once the quota was spent (a review found it).
      if (NOTHING_SENT.includes(nameOf(e))) return { outcome: 'not_sent', reason: nameOf(e) };
      translate(e, {
        InvalidPasswordException: badPassword,
        // Cognito checks its own patterns (e.g. no white space around a password) this way.
        InvalidParameterException: badPassword,
      });
    }
    if (!confirmed && this.cfg.autoConfirm) {
      await this.cognito.send(new AdminConfirmSignUpCommand({ ...this.pool, Username: email }));
      confirmed = true;
    }
    return { outcome: 'created', userId, confirmed };
  }

  async deleteUser(email: string): Promise<void> {
    try {
      await this.cognito.send(new AdminDeleteUserCommand({ ...this.pool, Username: email }));
    } catch (e) {
      if (nameOf(e) !== 'UserNotFoundException') translate(e, {});
    }
  }

  /**
   * Sends a new confirmation code. cognito-local has no ResendConfirmationCode: there, ForgotPassword
   * does the same for an unconfirmed user (a new code, stored where ConfirmSignUp checks it, "emailed"
   * to the log). Unknown or confirmed emails are silently ignored.
   */
  async resendConfirmation(email: string): Promise<boolean> {
    try {
      await this.cognito.send(new ResendConfirmationCodeCommand({ ...this.client, Username: email }));
      return true;
    } catch (e) {
      if (isUnsupported(e)) {
        const u = await this.user(email);
        return u?.status === 'UNCONFIRMED' ? this.forgotPassword(email) : true;
      }
      return quietly(e);
    }
  }

  async confirm(email: string, code: string): Promise<void> {
    try {
      await this.cognito.send(
        new ConfirmSignUpCommand({ ...this.client, Username: email, ConfirmationCode: code }),
      );
    } catch (e) {
      translate(e, {
        ...WRONG_CODE,
        // Cognito's own limit on wrong confirmation codes.
        TooManyFailedAttemptsException: tooManyCodes,
        // The email is already another confirmed user's (sign-in alias): this one cannot have it.
        AliasExistsException: emailTaken,
      });
    }
  }

  /**
   * Sets the login's password, permanent (AdminSetUserPassword): after a confirmation, to the one its
   * confirmer gave (src/handlers/auth.ts, which answers any failure itself).
   */
  async setPassword(email: string, password: string): Promise<void> {
    await this.cognito.send(
      new AdminSetUserPasswordCommand({ ...this.pool, Username: email, Password: password, Permanent: true }),
    );
  }

  /**
   * Sends a reset code. Says nothing about whether the email exists (the caller always answers 202);
   * false when Cognito sent none (a limit, a failed delivery), so any code already sent stands.
   */
  async forgotPassword(email: string): Promise<boolean> {
    try {
      await this.cognito.send(new ForgotPasswordCommand({ ...this.client, Username: email }));
      return true;
    } catch (e) {
      return quietly(e);
    }
  }

  async resetPassword(email: string, code: string, password: string): Promise<void> {
    try {
      await this.cognito.send(
        new ConfirmForgotPasswordCommand({
          ...this.client,
          Username: email,
          ConfirmationCode: code,
          Password: password,
        }),
      );
    } catch (e) {
      translate(e, {
        ...WRONG_CODE,
        InvalidPasswordException: weakPassword,
        InvalidParameterException: weakPassword,
        // Cognito's own limits on wrong codes.
        LimitExceededException: tooManyCodes,
        TooManyFailedAttemptsException: tooManyCodes,
      });
    }
  }
}

/**
 * The calls a signed-in customer makes about their own login with their access token: the password
 * change and TOTP MFA (the profile function alone). Apart from `Identity`, so that the functions that
 * sign in carry neither these methods nor their SDK commands and schemas.
 *
 * API Gateway admits an access token until it expires, but Cognito refuses one its log-out revoked
 * (RevokeToken revokes the access tokens of that refresh token), or one that expired since: that is
 * 401 `unauthorized`, not a 500, nor a wrong password or code that counts towards the lock.
 */
export class SecuritySettings {
  constructor(private readonly cognito: CognitoIdentityProviderClient) {}

  async changePassword(accessToken: string, current: string, next: string): Promise<void> {
    try {
      await this.cognito.send(
        new ChangePasswordCommand({
          AccessToken: accessToken,
          PreviousPassword: current,
          ProposedPassword: next,
        }),
      );
    } catch (e) {
      translate(e, {
        // Cognito says NotAuthorizedException for a wrong current password and for a refused token alike.
        NotAuthorizedException: refusesToken(e) ? signedOut : wrongPassword,
        // cognito-local answers a wrong current password this way; the API has checked the new one already.
        InvalidPasswordException: wrongPassword,
        InvalidParameterException: weakPassword,
        LimitExceededException: tooManyCodes,
      });
    }
  }

  /** Starts TOTP enrolment: the secret to show (as a QR code) to the customer's authenticator app. */
  async associateTotp(accessToken: string): Promise<string> {
    const r = await this.cognito
      .send(new AssociateSoftwareTokenCommand({ AccessToken: accessToken }))
      .catch(tokenOnly);
    if (!r.SecretCode) throw new Error('Cognito returned no TOTP secret');
    return r.SecretCode;
  }

  /** Checks the first code from the app and turns TOTP MFA on (required at every login from now on). */
  async enableTotp(accessToken: string, code: string): Promise<void> {
    try {
      const r = await this.cognito.send(
        new VerifySoftwareTokenCommand({
          AccessToken: accessToken,
          UserCode: code,
          FriendlyDeviceName: 'Authenticator',
        }),
      );
      if (r.Status !== 'SUCCESS') throw invalidCode();
    } catch (e) {
      translate(e, {
        CodeMismatchException: invalidCode,
        EnableSoftwareTokenMFAException: invalidCode,
        InvalidParameterException: invalidCode,
        NotAuthorizedException: refusesToken(e) ? signedOut : invalidCode,
      });
    }
    await this.setTotp(accessToken, true);
  }

  async setTotp(accessToken: string, enabled: boolean): Promise<void> {
    await this.cognito
      .send(
        new SetUserMFAPreferenceCommand({
          AccessToken: accessToken,
          SoftwareTokenMfaSettings: { Enabled: enabled, PreferredMfa: enabled },
        }),
      )
      .catch(tokenOnly);
  }

  async totpEnabled(accessToken: string): Promise<boolean> {
    const r = await this.cognito.send(new GetUserCommand({ AccessToken: accessToken })).catch(tokenOnly);
    return (r.UserMFASettingList ?? []).includes('SOFTWARE_TOKEN_MFA');
  }
}
