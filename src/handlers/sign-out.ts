/** Signing a customer out of every session: the one way a reset, a password change and "sign out everywhere" do it. */
import { config } from '../config.ts';
import { revokeAllBefore } from '../store/login-status.ts';
import { db, identity, securityEvents } from './context.ts';

/**
 * Every token of `sub` issued until now stops working: the revocation marker refuses the access tokens
 * on every route and the refresh tokens at renewal, and Cognito signs them out where it can
 * (GlobalSignOut with the caller's access token, AdminUserGlobalSignOut by email). Recorded as
 * `sessions_revoked`, with `why` and which of the two did the work.
 */
export const endEverySession = async (
  sub: string,
  who: { accessToken: string } | { email: string },
  why: string,
  sourceIp?: string,
): Promise<void> => {
  await revokeAllBefore(db(), config().tableName, sub);
  // With the caller's token: their sub too, should Cognito refuse the token (signed out by username).
  const cognito = await identity().signOutEverywhere(
    'accessToken' in who ? { ...who, sub } : { username: who.email },
  );
  await securityEvents.record({
    event: 'sessions_revoked',
    userId: sub,
    ...('email' in who ? { email: who.email } : {}),
    ...(sourceIp ? { sourceIp } : {}),
    reason: `${why}: ${cognito ? 'GlobalSignOut and revocation marker' : 'revocation marker (no GlobalSignOut here)'}`,
  });
};
