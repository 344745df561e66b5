/** Signing up and logging in: the `auth` function's routes. */
import * as z from 'zod/mini';
import { ConfirmationCode, Email, NewEmail, Password, TotpCode } from './credentials.ts';
import { doc, name, str } from './primitives.ts';

// ---------- requests ----------
export const RegisterBody = doc(z.strictObject({ email: NewEmail, password: Password, name: name(100) }), {
  id: 'RegisterRequest',
});
export const ConfirmBody = doc(
  z.strictObject({
    email: Email,
    code: ConfirmationCode,
    // Set as the login's password and name once the code is accepted: the address's holder chooses
    // them, not whoever signed up with the address first (src/handlers/auth.ts, confirm).
    password: Password,
    name: name(100),
  }),
  { id: 'ConfirmRequest' },
);
export const EmailBody = doc(z.strictObject({ email: Email }), { id: 'EmailRequest' });
export const ResetPasswordBody = doc(
  z.strictObject({ email: Email, code: ConfirmationCode, newPassword: Password }),
  { id: 'ResetPasswordRequest' },
);
export const MfaLoginBody = doc(
  z.strictObject({ session: z.string().check(z.minLength(1), z.maxLength(4096)), code: TotpCode }),
  { id: 'MfaLoginRequest' },
);
export const LoginBody = doc(
  z.strictObject({ email: Email, password: z.string().check(z.minLength(1), z.maxLength(256)) }),
  { id: 'LoginRequest' },
);
export const RefreshBody = doc(
  z.strictObject({ refreshToken: z.string().check(z.minLength(1), z.maxLength(4096)) }),
  { id: 'RefreshRequest' },
);

// ---------- responses ----------
export const Registration = doc(
  z.object({ email: str(254), status: z.enum(['pending_confirmation', 'confirmed']) }),
  {
    id: 'Registration',
    description:
      'The same for a new and a taken email. 202 pending_confirmation (a code is emailed); 201 confirmed where sign-ups are confirmed automatically (local development only).',
  },
);
export const Accepted = doc(z.object({ status: z.literal('accepted') }), {
  id: 'Accepted',
  description: 'The same answer whether or not the email is registered',
});
export const MfaChallenge = doc(z.object({ challenge: z.literal('totp'), session: str(4096) }), {
  id: 'MfaChallenge',
  description: 'MFA is on: send the code from the authenticator app to /v1/auth/login/mfa',
});
export const Tokens = doc(
  z.object({
    accessToken: str(8192),
    idToken: str(8192),
    refreshToken: z.optional(str(8192)),
    expiresIn: z.int(),
    tokenType: z.literal('Bearer'),
  }),
  { id: 'Tokens' },
);
export const LoginResult = doc(z.union([Tokens, MfaChallenge]), { id: 'LoginResult' });
