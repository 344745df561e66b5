/** What signing up, logging in and the profile's security settings share: email, password, codes. */
import * as z from 'zod/mini';
import { brokenPasswordRules } from '../../domain/password.ts';
import { doc, wellFormed } from './primitives.ts';

export const Email = doc(z.pipe(z.string().check(z.trim(), z.toLowerCase(), z.maxLength(254)), z.email()), {
  description: 'Trimmed and lower-cased',
  example: 'ada@example.com',
});

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
