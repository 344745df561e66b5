/**
 * The HTTP API JWT authorizer, for routes behind it: no or an invalid token is 401
 * `{"message":"Unauthorized"}` with WWW-Authenticate; a valid token without the route's scope (an id
 * token has none) is 403 `{"message":"Forbidden"}`. Either way the function never runs.
 */
import {
  ACCESS_TOKEN_SCOPE,
  bearerToken,
  type JwtVerifier,
  scopesOf,
  type TokenClaims,
} from '../identity/jwt.ts';
import { gatewayError } from './answers.ts';
import type { HttpResponse } from './lambda-event.ts';

export type Authorization = { claims: TokenClaims; scopes: string[] } | { refused: HttpResponse };

export const authorize = async (
  verifier: JwtVerifier | undefined,
  authorization: string | undefined,
  requestId: string,
  requiredScopes: readonly string[] = [ACCESS_TOKEN_SCOPE],
): Promise<Authorization> => {
  const token = bearerToken(authorization);
  if (!token || !verifier) {
    return { refused: gatewayError('unauthorized', requestId, { 'www-authenticate': 'Bearer' }) };
  }
  let claims: TokenClaims;
  try {
    claims = await verifier.verify(token);
  } catch {
    return {
      refused: gatewayError('unauthorized', requestId, {
        'www-authenticate': 'Bearer error="invalid_token" error_description="the token is not valid"',
      }),
    };
  }
  const scopes = scopesOf(claims);
  if (!requiredScopes.some((s) => scopes.includes(s)))
    return { refused: gatewayError('forbidden', requestId) };
  return { claims, scopes };
};
