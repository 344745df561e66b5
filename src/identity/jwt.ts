/**
 * Verifies Cognito tokens the way the HTTP API JWT authorizer does: an RSA signature by the key of
 * the issuer's JWKS named by the header's `kid` (required), the issuer, `exp`, `nbf`, an `iat` not in
 * the future, and an audience among the allowed app clients (`aud` of an id token, `client_id` of an
 * access token, which has no `aud`). Scopes are the route's business, not the token's validity: an id
 * token is a valid token without the access-token scope, which the gateway then answers with 403
 * (see ACCESS_TOKEN_SCOPE). Used by the local gateway; on AWS the authorizer itself does this.
 */
import { createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';

/**
 * Cognito puts this scope in every access token and in no id token; every route behind the
 * authorizer requires it, so API Gateway answers an id token (or any token without it) with 403.
 */
export const ACCESS_TOKEN_SCOPE = 'aws.cognito.signin.user.admin';

export interface TokenClaims extends JWTPayload {
  sub: string;
  token_use?: 'access' | 'id';
  client_id?: string;
  username?: string;
  scope?: string;
}

export interface JwtVerifierOptions {
  /** `https://cognito-idp.<region>.amazonaws.com/<poolId>`, or cognito-local's `http://127.0.0.1:<port>/<poolId>`. */
  issuer: string;
  jwksUrl: string;
  clientIds: readonly string[];
  /** Tolerated clock skew; the default is none. */
  clockToleranceSeconds?: number;
  /** The clock (tests). */
  now?: () => number;
}

export interface JwtVerifier {
  /** The verified claims; rejects with TokenError for any token the authorizer would refuse (401). */
  verify: (token: string) => Promise<TokenClaims>;
}

export class TokenError extends Error {
  override readonly name = 'TokenError';
}

/** API Gateway only supports RSA signatures; never `none`, never HMAC (key-confusion). */
const ALGORITHMS = ['RS256', 'RS384', 'RS512'];

/** The scopes of verified claims (the `scope` claim, space-separated). */
export const scopesOf = (claims: { scope?: unknown }): string[] =>
  typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [];

export const createJwtVerifier = (opts: JwtVerifierOptions): JwtVerifier => {
  const jwks = createRemoteJWKSet(new URL(opts.jwksUrl), { cooldownDuration: 30_000, timeoutDuration: 5000 });
  // jose would take the only key of a one-key JWKS for a token without `kid`; API Gateway refuses it.
  const keys: JWTVerifyGetKey = (header, token) => {
    if (typeof header.kid !== 'string' || header.kid === '') throw new TokenError('The token has no kid');
    return jwks(header, token);
  };
  const clientIds = new Set(opts.clientIds);
  const tolerance = opts.clockToleranceSeconds ?? 0;
  const now = opts.now ?? Date.now;
  return {
    verify: async (token) => {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keys, {
          issuer: opts.issuer,
          algorithms: ALGORITHMS,
          requiredClaims: ['exp', 'sub', 'iat'],
          clockTolerance: tolerance,
          currentDate: new Date(now()),
        }));
      } catch (e) {
        throw new TokenError(`Invalid token: ${(e as Error).message}`);
      }
      if (typeof payload.iat !== 'number' || payload.iat > now() / 1000 + tolerance) {
        throw new TokenError('The token is issued in the future');
      }
      const audience = payload.aud ?? payload.client_id;
      const audiences = Array.isArray(audience) ? audience : [audience];
      if (!audiences.some((a) => typeof a === 'string' && clientIds.has(a))) {
        throw new TokenError('Token issued to another client');
      }
      return payload as TokenClaims;
    },
  };
};

/**
 * The token of an Authorization header value, as API Gateway's JWT authorizer takes it: the token
 * alone, or prefixed with exactly `Bearer ` (that case, one space). Anything else (`bearer x`,
 * `Bearer  x`, `Bearer\tx`, a second word) is no token: 401, as on AWS.
 */
export const bearerToken = (authorization: string | undefined): string | undefined => {
  const value = authorization?.trim();
  if (!value) return undefined;
  const token = value.startsWith('Bearer ') ? value.slice('Bearer '.length) : value;
  return !token || /\s/.test(token) || token === 'Bearer' ? undefined : token;
};
