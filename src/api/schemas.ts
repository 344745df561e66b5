/**
 * The API's zod schemas: request validation at the edge, and the source of the OpenAPI document.
 *
 * Written with `zod/mini` (the functional API of the same zod 4 package): classic zod's methods pull
 * nearly all of zod into every Lambda bundle (~90 KB), mini's tree-shaken functions ~28 KB. Same
 * validation core, same issues and messages. Documentation metadata goes in `z.globalRegistry`
 * (`.register(...)` instead of classic `.meta(...)`); an `id` makes a named OpenAPI component.
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { accountStatuses, accountTypes } from '../domain/account.ts';
import { currencyCodes, MAX_AMOUNT } from '../domain/money.ts';
import { brokenPasswordRules } from '../domain/password.ts';

// Classic zod installs the English messages on import; mini leaves that to us (else: "Invalid input").
z.config(en());

/** Documentation for a schema: `id` names an OpenAPI component. */
const doc = <S extends z.ZodMiniType>(schema: S, meta: z.core.GlobalMeta): S => {
  z.globalRegistry.add(schema as z.ZodMiniType, meta);
  return schema;
};

/** Unicode control characters, bidi overrides, and lone surrogates are never part of a name or text. */
const UNSAFE_TEXT = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;

const wellFormed = () => z.refine<string>((s) => s.isWellFormed(), 'must be valid unicode text');

/** A user-supplied text: no control or bidi characters, well-formed UTF-16. */
export const safeText = (max: number) =>
  z.string().check(
    z.maxLength(max),
    wellFormed(),
    z.refine<string>((s) => !UNSAFE_TEXT.test(s), 'must not contain control characters'),
  );

/** A safe text of 1 to `max` characters after trimming (the length limit applies before trimming). */
const name = (max: number) => safeText(max).check(z.trim(), z.minLength(1));

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

export const Amount = doc(z.int().check(z.minimum(1), z.maximum(MAX_AMOUNT)), {
  description: 'Integer minor units (cents)',
  example: 1250,
});

export const CurrencyCode = doc(z.enum(currencyCodes), { description: 'ISO 4217', example: 'USD' });
export const Id = doc(z.uuid(), { example: '3f9a2b1c-6a43-4c1e-9a55-5b7f0e2d8c11' });
export const AccountNumber = doc(z.string().check(z.regex(/^\d{10}$/, 'must be 10 digits')), {
  example: '4820193757',
});
export const Description = safeText(140);
export const Instant = doc(z.iso.datetime({ offset: true }), { example: '2026-11-24T08:00:00.000Z' });

// ---------- requests ----------
export const RegisterBody = doc(z.strictObject({ email: Email, password: Password, name: name(100) }), {
  id: 'RegisterRequest',
});
export const ConfirmBody = doc(
  z.strictObject({
    email: Email,
    code: z.string().check(z.regex(/^\d{4,8}$/, 'must be the numeric code')),
  }),
  { id: 'ConfirmRequest' },
);
const ConfirmationCode = z.string().check(z.regex(/^\d{4,8}$/, 'must be the numeric code'));
const TotpCode = doc(z.string().check(z.regex(/^\d{6}$/, 'must be the 6-digit code from the app')), {
  example: '123456',
});
const CurrentPassword = z.string().check(z.minLength(1), z.maxLength(256));

export const EmailBody = doc(z.strictObject({ email: Email }), { id: 'EmailRequest' });
export const ResetPasswordBody = doc(
  z.strictObject({ email: Email, code: ConfirmationCode, newPassword: Password }),
  { id: 'ResetPasswordRequest' },
);
export const ChangePasswordBody = doc(
  z.strictObject({ currentPassword: CurrentPassword, newPassword: Password }),
  { id: 'ChangePasswordRequest' },
);
export const MfaLoginBody = doc(
  z.strictObject({ session: z.string().check(z.minLength(1), z.maxLength(4096)), code: TotpCode }),
  { id: 'MfaLoginRequest' },
);
export const TotpCodeBody = doc(z.strictObject({ code: TotpCode }), { id: 'TotpCodeRequest' });
export const DisableTotpBody = doc(z.strictObject({ code: TotpCode, password: CurrentPassword }), {
  id: 'DisableTotpRequest',
});
export const LoginBody = doc(
  z.strictObject({ email: Email, password: z.string().check(z.minLength(1), z.maxLength(256)) }),
  { id: 'LoginRequest' },
);
export const RefreshBody = doc(
  z.strictObject({ refreshToken: z.string().check(z.minLength(1), z.maxLength(4096)) }),
  { id: 'RefreshRequest' },
);

export const OpenAccountBody = doc(
  z.strictObject({
    type: z.enum(accountTypes),
    currency: CurrencyCode,
    nickname: z.optional(name(50)),
  }),
  { id: 'OpenAccountRequest' },
);

export const MoneyBody = doc(z.strictObject({ amount: Amount, description: z.optional(Description) }), {
  id: 'MoneyRequest',
});
export const TransferBody = doc(
  z.strictObject({
    fromAccountId: Id,
    toAccountNumber: AccountNumber,
    amount: Amount,
    currency: CurrencyCode,
    description: z.optional(Description),
  }),
  { id: 'TransferRequest' },
);

export const AccountParams = z.strictObject({ id: Id });
export const TransactionParams = z.strictObject({ id: Id });

const digits = (min: number, max: number) =>
  z.pipe(
    z.pipe(
      z.string().check(z.regex(/^\d{1,3}$/, 'must be an integer')),
      z.transform((s: string) => Number(s)),
    ),
    z.int().check(z.minimum(min), z.maximum(max)),
  );

export const HistoryQuery = z.strictObject({
  limit: doc(z.optional(digits(1, 100)), { description: '1 to 100, default 25' }),
  cursor: z.optional(z.string().check(z.maxLength(2048))),
  from: z.optional(Instant),
  to: z.optional(Instant),
});

/** The Idempotency-Key header: 1 to 255 printable ASCII characters. */
export const IdempotencyKey = doc(
  z.string().check(z.regex(/^[\x20-\x7E]{1,255}$/, 'must be 1 to 255 printable ASCII characters')),
  { description: 'Unique per money movement; a retry with the same key and body replays the first result' },
);

// ---------- responses ----------
const transactionType = () => z.enum(['deposit', 'withdrawal', 'transfer']);

export const Registration = doc(
  z.object({ email: z.string(), status: z.enum(['pending_confirmation', 'confirmed']) }),
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
export const MfaChallenge = doc(z.object({ challenge: z.literal('totp'), session: z.string() }), {
  id: 'MfaChallenge',
  description: 'MFA is on: send the code from the authenticator app to /v1/auth/login/mfa',
});
export const TotpEnrolment = doc(z.object({ secret: z.string(), otpauthUri: z.string() }), {
  id: 'TotpEnrolment',
});
export const MfaStatus = doc(z.object({ totp: z.boolean() }), { id: 'MfaStatus' });
export const Tokens = doc(
  z.object({
    accessToken: z.string(),
    idToken: z.string(),
    refreshToken: z.optional(z.string()),
    expiresIn: z.int(),
    tokenType: z.literal('Bearer'),
  }),
  { id: 'Tokens' },
);
export const LoginResult = doc(z.union([Tokens, MfaChallenge]), { id: 'LoginResult' });
export const Me = doc(
  z.object({ userId: z.string(), email: z.string(), name: z.string(), createdAt: Instant }),
  { id: 'Me' },
);
export const Account = doc(
  z.object({
    id: Id,
    number: AccountNumber,
    type: z.enum(accountTypes),
    currency: CurrencyCode,
    nickname: z.nullable(z.string()),
    status: z.enum(accountStatuses),
    balance: z.int(),
    createdAt: Instant,
  }),
  { id: 'Account' },
);
export const AccountList = doc(z.object({ items: z.array(Account) }), { id: 'AccountList' });
export const Balance = doc(
  z.object({ accountId: Id, currency: CurrencyCode, balance: z.int(), asOf: Instant }),
  { id: 'Balance' },
);
export const Transaction = doc(
  z.object({
    id: Id,
    type: transactionType(),
    status: z.literal('posted'),
    amount: z.int(),
    currency: CurrencyCode,
    fromAccountId: z.optional(Id),
    toAccountId: z.optional(Id),
    fromAccountNumber: z.optional(AccountNumber),
    toAccountNumber: z.optional(AccountNumber),
    description: z.string(),
    createdAt: Instant,
    balanceAfter: z.int(),
  }),
  { id: 'Transaction' },
);
export const HistoryEntry = doc(
  z.object({
    transactionId: Id,
    type: transactionType(),
    amount: doc(z.int(), { description: 'Signed: positive for money in, negative for money out' }),
    currency: CurrencyCode,
    balanceAfter: z.int(),
    counterparty: z.nullable(z.object({ accountNumber: AccountNumber })),
    description: z.string(),
    createdAt: Instant,
  }),
  { id: 'HistoryEntry' },
);
export const HistoryPage = doc(
  z.object({ items: z.array(HistoryEntry), nextCursor: z.nullable(z.string()) }),
  { id: 'HistoryPage' },
);
export const Health = doc(z.object({ status: z.literal('ok') }), { id: 'Health' });
export const Problem = doc(
  z.object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    code: doc(z.string(), { description: 'Stable snake_case error code' }),
    errors: z.optional(z.array(z.object({ path: z.string(), message: z.string() }))),
  }),
  { id: 'Problem' },
);
