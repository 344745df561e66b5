/**
 * The one guard every token route passes (each handler gives it to createHandler, and src/api/http.ts
 * calls it: for a staff route after the token's claims are read and before the input is validated, so
 * a refused caller learns nothing of the route's input; for a customer route once the input is valid,
 * beside the handler, whose AWS calls other than reads wait for it (src/store/guard-gate.ts), and whose
 * answer a refusal replaces):
 *
 * - `admin` routes: the caller's token carries the Cognito group `admin` (else 403 `forbidden`), and
 *   the token itself came from a password+TOTP login, or from refreshing the refresh token of one
 *   (else 403 `mfa_required`). Cognito access tokens carry no `amr`, so the login flow records each
 *   such token (its SHA-256, until it expires: src/store/sessions.ts `mfaToken`). A token issued
 *   before the admin turned TOTP on never qualifies: they log in again with the code. Every refusal of
 *   a staff route is an audit record (subject: the caller), the three rules below included.
 * - every token route: a customer whose login an admin disabled is refused (403 `user_disabled`), on
 *   AWS too, where Cognito's AdminDisableUser stops logins and refreshes but not access tokens the JWT
 *   authorizer has already accepted (they live until they expire).
 * - every token route: a login whose confirmation did not finish setting its password is refused (403
 *   `password_reset_required`; src/store/login-status.ts `passwordPending`) until a password reset.
 * - every token route: an access token issued before the customer's revocation marker (sign out
 *   everywhere, a password reset, a disable, which an enable does not undo) is refused (401
 *   `unauthorized`), for the same reason: Cognito's GlobalSignOut does not stop the JWT authorizer
 *   from accepting it. `iat` is in whole seconds, so a token from the marker's second (or the next,
 *   for clock skew) counts as earlier unless a login that began after the marker admitted it
 *   (src/store/login-status.ts `isRevoked`). Both read the one SECURITY item.
 */
import type { Caller, Guard, GuardInput } from '../api/http.ts';
import { routeKey } from '../api/route-def.ts';
import { BankError } from '../domain/errors.ts';
import { auditEntry } from '../store/audit.ts';
import {
  isRevoked,
  type LoginStatus,
  mayPredate,
  passwordResetRequired,
  userDisabled,
} from '../store/login-status.ts';
import { audit, isMfaToken, loginStatus } from './context.ts';

export const ADMIN_GROUP = 'admin';

export const isAdmin = (caller: Caller): boolean => caller.groups.includes(ADMIN_GROUP);

/** Records a staff route's refusal on the caller's trail, then gives it. */
const refuse = async (g: Parameters<Guard>[0], refusal: BankError): Promise<never> => {
  await audit().append(
    auditEntry({
      actor: { userId: g.caller.sub, role: isAdmin(g.caller) ? 'admin' : 'customer', sourceIp: g.sourceIp },
      action: 'admin_route_refused',
      subject: { type: 'user', id: g.caller.sub },
      reason: `${refusal.code}: ${routeKey(g.route)}`,
      outcome: 'refused',
      requestId: g.requestId,
    }),
  );
  throw refusal;
};

const assertEnabled = async ({ caller, accessToken }: GuardInput): Promise<LoginStatus> => {
  const status = await loginStatus(caller.sub);
  if (status.disabled) throw userDisabled();
  if (status.passwordPending) throw passwordResetRequired();
  if (isRevoked(status, caller.issuedAt, accessToken))
    throw new BankError('unauthorized', 'This session was signed out: log in again');
  return status;
};

/**
 * The guard of the customer functions (they serve no staff route): the disabled and revoked checks alone,
 * so their bundles carry neither the audit store nor the admin rules. Handed a staff route by
 * mistake, it refuses it (fails closed) rather than let it through unchecked.
 */
export const customerGuard: Guard = async (g) => {
  if (g.route.role === 'admin') throw new BankError('forbidden', 'This route is for bank staff');
  await assertEnabled(g);
};

/** The guard of the staff functions (admin, admin-accounts, admin-money): every rule above. */
export const guard: Guard = async (g) => {
  if (g.route.role !== 'admin') {
    await assertEnabled(g);
    return;
  }
  if (!isAdmin(g.caller)) return refuse(g, new BankError('forbidden', 'This route is for bank staff'));
  const [mfa, status] = await Promise.all([
    g.accessToken ? isMfaToken(g.accessToken, g.caller.sub) : false,
    // Its refusals (disabled, password pending, signed out) are recorded too; a failed read is no refusal.
    assertEnabled(g).catch((e: unknown) => (e instanceof BankError ? refuse(g, e) : Promise.reject(e))),
  ]);
  // A TOTP login's token stops counting once TOTP is turned off (issued before it, or in its margin).
  if (!mfa || mayPredate(g.caller.issuedAt, status.totpOffAt))
    await refuse(
      g,
      new BankError('mfa_required', 'Admin routes need a login with TOTP MFA: turn it on, then log in again'),
    );
};
