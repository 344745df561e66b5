/**
 * The API's zod schemas: request validation at the edge, and the source of the OpenAPI document.
 * Plain zod with `.meta()`, so Lambda bundles do not carry the OpenAPI generator.
 */
import * as z from 'zod';
import { accountStatuses, accountTypes } from '../domain/account.ts';
import { currencyCodes, MAX_AMOUNT } from '../domain/money.ts';
import { brokenPasswordRules } from '../domain/password.ts';

/** Unicode control characters, bidi overrides, and lone surrogates are never part of a name or text. */
const UNSAFE_TEXT = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;

/** A user-supplied text: no control or bidi characters, well-formed UTF-16. */
export const safeText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => s.isWellFormed(), 'must be valid unicode text')
    .refine((s) => !UNSAFE_TEXT.test(s), 'must not contain control characters');

export const Email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email())
  .meta({ description: 'Trimmed and lower-cased', example: 'ada@example.com' });

export const Password = z
  .string()
  .max(256)
  .refine((s) => s.isWellFormed(), 'must be valid unicode text')
  .superRefine((p, ctx) => {
    for (const rule of brokenPasswordRules(p)) {
      ctx.addIssue({ code: 'custom', message: `password needs: ${rule.label.toLowerCase()}` });
    }
  })
  .meta({
    description: '12+ characters with upper case, lower case, a digit and a symbol',
    format: 'password',
  });

export const Amount = z
  .int()
  .min(1)
  .max(MAX_AMOUNT)
  .meta({ description: 'Integer minor units (cents)', example: 1250 });

export const CurrencyCode = z.enum(currencyCodes).meta({ description: 'ISO 4217', example: 'USD' });
export const Id = z.uuid().meta({ example: '3f9a2b1c-6a43-4c1e-9a55-5b7f0e2d8c11' });
export const AccountNumber = z
  .string()
  .regex(/^\d{10}$/, 'must be 10 digits')
  .meta({ example: '4820193757' });
export const Description = safeText(140);
export const Instant = z.iso.datetime({ offset: true }).meta({ example: '2026-11-24T08:00:00.000Z' });

// ---------- requests ----------
export const RegisterBody = z
  .strictObject({ email: Email, password: Password, name: safeText(100).trim().min(1) })
  .meta({ id: 'RegisterRequest' });
export const ConfirmBody = z
  .strictObject({ email: Email, code: z.string().regex(/^\d{4,8}$/, 'must be the numeric code') })
  .meta({ id: 'ConfirmRequest' });
export const LoginBody = z
  .strictObject({ email: Email, password: z.string().min(1).max(256) })
  .meta({ id: 'LoginRequest' });
export const RefreshBody = z
  .strictObject({ refreshToken: z.string().min(1).max(4096) })
  .meta({ id: 'RefreshRequest' });

export const OpenAccountBody = z
  .strictObject({
    type: z.enum(accountTypes),
    currency: CurrencyCode,
    nickname: safeText(50).trim().min(1).optional(),
  })
  .meta({ id: 'OpenAccountRequest' });

export const MoneyBody = z
  .strictObject({ amount: Amount, description: Description.optional() })
  .meta({ id: 'MoneyRequest' });
export const TransferBody = z
  .strictObject({
    fromAccountId: Id,
    toAccountNumber: AccountNumber,
    amount: Amount,
    currency: CurrencyCode,
    description: Description.optional(),
  })
  .meta({ id: 'TransferRequest' });

export const AccountParams = z.strictObject({ id: Id });
export const TransactionParams = z.strictObject({ id: Id });

const digits = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,3}$/, 'must be an integer')
    .transform(Number)
    .pipe(z.int().min(min).max(max));

export const HistoryQuery = z.strictObject({
  limit: digits(1, 100).optional().meta({ description: '1 to 100, default 25' }),
  cursor: z.string().max(2048).optional(),
  from: Instant.optional(),
  to: Instant.optional(),
});

/** The Idempotency-Key header: 1 to 255 printable ASCII characters. */
export const IdempotencyKey = z
  .string()
  .regex(/^[\x20-\x7E]{1,255}$/, 'must be 1 to 255 printable ASCII characters');

// ---------- responses ----------
export const UserOut = z
  .object({ userId: z.string(), email: z.string(), confirmed: z.boolean() })
  .meta({ id: 'RegisteredUser' });
export const Tokens = z
  .object({
    accessToken: z.string(),
    idToken: z.string(),
    refreshToken: z.string().optional(),
    expiresIn: z.int(),
    tokenType: z.literal('Bearer'),
  })
  .meta({ id: 'Tokens' });
export const Me = z
  .object({ userId: z.string(), email: z.string(), name: z.string(), createdAt: Instant })
  .meta({ id: 'Me' });
export const Account = z
  .object({
    id: Id,
    number: AccountNumber,
    type: z.enum(accountTypes),
    currency: CurrencyCode,
    nickname: z.string().nullable(),
    status: z.enum(accountStatuses),
    balance: z.int(),
    createdAt: Instant,
  })
  .meta({ id: 'Account' });
export const AccountList = z.object({ items: z.array(Account) }).meta({ id: 'AccountList' });
export const Balance = z
  .object({ accountId: Id, currency: CurrencyCode, balance: z.int(), asOf: Instant })
  .meta({ id: 'Balance' });
export const Transaction = z
  .object({
    id: Id,
    type: z.enum(['deposit', 'withdrawal', 'transfer']),
    status: z.literal('posted'),
    amount: z.int(),
    currency: CurrencyCode,
    fromAccountId: Id.optional(),
    toAccountId: Id.optional(),
    fromAccountNumber: AccountNumber.optional(),
    toAccountNumber: AccountNumber.optional(),
    description: z.string(),
    createdAt: Instant,
    balanceAfter: z.int(),
  })
  .meta({ id: 'Transaction' });
export const HistoryEntry = z
  .object({
    transactionId: Id,
    type: z.enum(['deposit', 'withdrawal', 'transfer']),
    amount: z.int().meta({ description: 'Signed: positive for money in, negative for money out' }),
    currency: CurrencyCode,
    balanceAfter: z.int(),
    counterparty: z.object({ accountNumber: AccountNumber }).nullable(),
    description: z.string(),
    createdAt: Instant,
  })
  .meta({ id: 'HistoryEntry' });
export const HistoryPage = z
  .object({ items: z.array(HistoryEntry), nextCursor: z.string().nullable() })
  .meta({ id: 'HistoryPage' });
export const Health = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });
export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    code: z.string().meta({ description: 'Stable snake_case error code' }),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem' });
