/** The caller's own profile, security settings and activity: the `profile` function's routes. */
import * as z from 'zod/mini';
import { auditOutcomes } from '../../domain/audit.ts';
import { CurrentPassword, Password, TotpCode } from './credentials.ts';
import { doc, Id, Instant, PageCursor, PageLimit, str } from './primitives.ts';

// ---------- requests ----------
export const ChangePasswordBody = doc(
  z.strictObject({ currentPassword: CurrentPassword, newPassword: Password }),
  { id: 'ChangePasswordRequest' },
);
/** Starting TOTP enrolment asks for the password: a token alone (a stolen one) must not add a second factor. */
export const EnrolTotpBody = doc(z.strictObject({ password: CurrentPassword }), { id: 'EnrolTotpRequest' });
export const TotpCodeBody = doc(z.strictObject({ code: TotpCode }), { id: 'TotpCodeRequest' });
export const DisableTotpBody = doc(z.strictObject({ code: TotpCode, password: CurrentPassword }), {
  id: 'DisableTotpRequest',
});

// ---------- responses ----------
/**
 * The longest otpauthUri (src/handlers/profile.ts) an accepted email makes: the email (Email: at most
 * 254 characters, ASCII) percent-encoded is at most 3 × 254 = 762 (every `+` is `%2B`), and the rest
 * with a secret of 64 (the bound above), the issuer, algorithm, digits and period is 162: 924.
 */
const OTPAUTH_URI_MAX = 924;
export const TotpEnrolment = doc(z.object({ secret: str(64), otpauthUri: str(OTPAUTH_URI_MAX) }), {
  id: 'TotpEnrolment',
});
export const MfaStatus = doc(z.object({ totp: z.boolean() }), { id: 'MfaStatus' });
export const Me = doc(z.object({ userId: str(64), email: str(254), name: str(100), createdAt: Instant }), {
  id: 'Me',
});

// ---------- the customer's own activity (issue 13) ----------
export const ActivityQuery = z.strictObject({
  limit: PageLimit,
  cursor: PageCursor,
});
export const Activity = doc(
  z.object({
    id: Id,
    at: Instant,
    action: str(64),
    outcome: z.enum(auditOutcomes),
    by: doc(z.enum(['you', 'bank', 'unknown']), {
      description: 'You; the bank (staff are never named); or someone not signed in (a failed login)',
    }),
    sourceIp: doc(z.nullable(str(64)), {
      description: 'Where you or the unknown party connected from; null for the bank',
    }),
    reason: z.optional(str(1000)),
  }),
  { id: 'Activity' },
);
export const ActivityPage = doc(
  z.object({ items: z.array(Activity).check(z.maxLength(100)), nextCursor: z.nullable(str(2048)) }),
  { id: 'ActivityPage', description: 'Newest first' },
);
