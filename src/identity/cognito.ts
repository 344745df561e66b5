/**
 * The Cognito adapter: sign-up, confirm, log in, refresh and revoke, through the SDK's
 * CognitoIdentityProvider client (cognito-local offline, a user pool on AWS). Cognito's
 * exceptions become the API's stable error codes here and nowhere else.
 */
import {
  AdminConfirmSignUpCommand,
  type AuthenticationResultType,
  type CognitoIdentityProviderClient,
  ConfirmSignUpCommand,
  InitiateAuthCommand,
  RevokeTokenCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt } from 'jose';
import { BankError } from '../domain/errors.ts';

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
type Translation = Record<string, () => BankError>;

const busy = () =>
  new BankError('service_unavailable', 'Sign-in is busy: try again shortly', {
    headers: { 'retry-after': '1' },
  });
const THROTTLED: Translation = {
  TooManyRequestsException: busy,
  LimitExceededException: busy,
};

/** Throws the API's error for a Cognito exception the operation expects, or the exception itself. */
const translate = (e: unknown, expected: Translation): never => {
  const make = expected[nameOf(e)] ?? THROTTLED[nameOf(e)];
  throw make ? make() : e;
};

const badPassword = () =>
  new BankError('validation_failed', 'The password does not meet the policy', {
    errors: [{ path: 'body.password', message: 'does not meet the password policy' }],
  });
const invalidCredentials = () => new BankError('invalid_credentials', 'The email or password is wrong');
const invalidCode = () => new BankError('invalid_code', 'The code is wrong or has expired');
const invalidRefresh = () => new BankError('invalid_refresh_token', 'The refresh token is not valid');

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

export class Identity {
  constructor(
    private readonly cognito: CognitoIdentityProviderClient,
    private readonly cfg: IdentityConfig,
  ) {}

  async signUp(
    email: string,
    password: string,
    name: string,
  ): Promise<{ userId: string; confirmed: boolean }> {
    let userId = '';
    let confirmed = false;
    try {
      const r = await this.cognito.send(
        new SignUpCommand({
          ClientId: this.cfg.clientId,
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
      translate(e, {
        UsernameExistsException: () => new BankError('user_exists', 'That email is already registered'),
        InvalidPasswordException: badPassword,
        // Cognito checks its own patterns (e.g. no white space around a password) this way.
        InvalidParameterException: badPassword,
      });
    }
    if (!confirmed && this.cfg.autoConfirm) {
      await this.cognito.send(
        new AdminConfirmSignUpCommand({ UserPoolId: this.cfg.userPoolId, Username: email }),
      );
      confirmed = true;
    }
    return { userId, confirmed };
  }

  async confirm(email: string, code: string): Promise<void> {
    try {
      await this.cognito.send(
        new ConfirmSignUpCommand({ ClientId: this.cfg.clientId, Username: email, ConfirmationCode: code }),
      );
    } catch (e) {
      translate(e, {
        CodeMismatchException: invalidCode,
        ExpiredCodeException: invalidCode,
        UserNotFoundException: invalidCode,
        NotAuthorizedException: invalidCode,
      });
    }
  }

  /** Throws invalid_credentials for an unknown email and a wrong password alike. */
  async login(email: string, password: string): Promise<Tokens> {
    try {
      const r = await this.cognito.send(
        new InitiateAuthCommand({
          ClientId: this.cfg.clientId,
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: email, PASSWORD: password },
        }),
      );
      return tokensOf(r.AuthenticationResult);
    } catch (e) {
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

  async refresh(refreshToken: string): Promise<Tokens> {
    try {
      const r = await this.cognito.send(
        new InitiateAuthCommand({
          ClientId: this.cfg.clientId,
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
      await this.cognito.send(new RevokeTokenCommand({ ClientId: this.cfg.clientId, Token: refreshToken }));
    } catch (e) {
      const ignore = ['NotAuthorizedException', 'UnsupportedTokenTypeException', 'InvalidParameterException'];
      if (!ignore.includes(nameOf(e))) translate(e, {});
    }
  }
}
