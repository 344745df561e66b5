/** What signing up, logging in and the profile's security settings share: email, password, codes. */
import * as z from 'zod/mini';
import { brokenPasswordRules } from '../../domain/password.ts';
import { doc, wellFormed } from './primitives.ts';

export const Email = doc(z.pipe(z.string().check(z.trim(), z.toLowerCase(), z.maxLength(254)), z.email()), {
  description: 'Trimmed and lower-cased',
  example: 'ada@example.com',
});

/** RFC 5321's limits (4.5.3.1): a local part of at most 64 octets, a domain's labels of at most 63. */
const LOCAL_PART_MAX = 64;
const LABEL_MAX = 63;

/**
 * The email a new login is registered with: Email within RFC 5321's limits too, which `z.email()` does
 * not check. A mail server (SES among them) refuses an address past them, and an email the bank cannot
 * send its owner is a login whose security notices and codes never arrive; until 2026-12-07 one was
 * registered (a review found it). Only at registration: a login made before still signs in with it.
 */
export const NewEmail = doc(
  z.pipe(
    Email,
    z.string().check(
      z.refine((e) => (e.split('@')[0] ?? '').length <= LOCAL_PART_MAX, {
        message: `the part before @ is at most ${LOCAL_PART_MAX} characters`,
      }),
      z.refine((e) => (e.split('@')[1] ?? '').split('.').every((l) => l.length <= LABEL_MAX), {
        message: `each part of the domain is at most ${LABEL_MAX} characters`,
      }),
    ),
  ),
  {
    description: `Trimmed and lower-cased; at most ${LOCAL_PART_MAX} characters before the @, and at most ${LABEL_MAX} in each part of the domain (RFC 5321)`,
    example: 'ada@example.com',
  },
);

export const Password = doc(
  z.string().check(
    z.maxLength(256),
    wellFormed(),
    z.superRefine((p: string, ctx) => {
      for (const rule of brokenPasswordRules(p)) {
        ctx.addIssue({ code: 'custom', message: `password needs: ${rule.label.toLowerCase()}` });
      }
    }),
  ),
  { description: '12+ characters with upper case, lower case, a digit and a symbol', format: 'password' },
);

/** The numeric code Cognito emails (sign-up confirmation, password reset). */
export const ConfirmationCode = z
  .string()
  .check(z.maxLength(8), z.regex(/^\d{4,8}$/, 'must be the numeric code'));
export const TotpCode = doc(
  z.string().check(z.maxLength(6), z.regex(/^\d{6}$/, 'must be the 6-digit code from the app')),
  {
    example: '123456',
  },
);
/** The password the caller has now: checked by Cognito, so no rules beyond a bound here. */
export const CurrentPassword = z.string().check(z.minLength(1), z.maxLength(256));
