/**
 * Verifies Cognito access tokens the way the HTTP API JWT authorizer does: an RSA signature by a key
 * of the issuer's JWKS (matched by `kid`), the issuer, the expiry, `token_use` "access", and a
 * `client_id` among the allowed app clients (Cognito access tokens carry no `aud`).
 * Used by the local gateway; on AWS the authorizer itself does this.
 */
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';

export interface AccessTokenClaims extends JWTPayload {
  sub: string;
  client_id: string;
  token_use: 'access';
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
}

export interface JwtVerifier {
  /** The verified claims; rejects with TokenError for any token the authorizer would refuse. */
  verify: (token: string) => Promise<AccessTokenClaims>;
}

export class TokenError extends Error {
  override readonly name = 'TokenError';
}

/** API Gateway only supports RSA signatures; never `none`, never HMAC (key-confusion). */
const ALGORITHMS = ['RS256', 'RS384', 'RS512'];

export const createJwtVerifier = (opts: JwtVerifierOptions): JwtVerifier => {
  const keys = createRemoteJWKSet(new URL(opts.jwksUrl), { cooldownDuration: 30_000, timeoutDuration: 5000 });
  const clientIds = new Set(opts.clientIds);
  return {
    verify: async (token) => {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keys, {
          issuer: opts.issuer,
          algorithms: ALGORITHMS,
          requiredClaims: ['exp', 'sub'],
          clockTolerance: opts.clockToleranceSeconds ?? 0,
        }));
      } catch (e) {
        throw new TokenError(`Invalid token: ${(e as Error).message}`);
      }
      if (payload.token_use !== 'access') throw new TokenError('Not an access token');
      if (typeof payload.client_id !== 'string' || !clientIds.has(payload.client_id)) {
        throw new TokenError('Token issued to another client');
      }
      return payload as AccessTokenClaims;
    },
  };
};

/** The token of an Authorization header value: `Bearer <token>` or the bare token, as API Gateway accepts. */
export const bearerToken = (authorization: string | undefined): string | undefined => {
  const value = authorization?.trim();
  if (!value) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(value);
  if (m) return m[1];
  return /\s/.test(value) || /^bearer$/i.test(value) ? undefined : value;
};
