/** Signing a customer out of every session: the one way a reset, a password change and "sign out everywhere" do it. */
import { config } from '../config.ts';
import { isDefiniteRefusal } from '../domain/errors.ts';
import { beginPasswordChange, passwordChangeRefused, revokeAllBefore } from '../store/login-status.ts';
import { db, securityEvents, userDirectory } from './context.ts';

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
  const cognito = await userDirectory().signOutEverywhere(
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

/**
 * Runs `change` (Cognito setting a new password: a change, a reset) marked as under way for `sub`
 * (login-status.ts `beginPasswordChange`). A definite refusal takes the mark back: nothing changed. Any
 * other failure leaves it: Cognito may have taken the new password, and should the caller never end
 * every session after it (`endEverySession`, whose marker supersedes the mark: a function that died
 * or failed between the two), the mark ends them once it is stale. Before, nothing did: the password
 * changed, the stolen session it was changed against went on working and renewing, and no retry could
 * finish (the old password wrong by then, a reset's code spent).
 */
export const changingPassword = async <T>(sub: string, change: () => Promise<T>): Promise<T> => {
  const at = await beginPasswordChange(db(), config().tableName, sub);
  try {
    return await change();
  } catch (e) {
    if (at !== undefined && isDefiniteRefusal(e))
      await passwordChangeRefused(db(), config().tableName, sub, at).catch(() => undefined);
    throw e;
  }
};
