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
/** A UUID, matched case-insensitively: upper-case input is lower-cased (ids are stored lower-case). */
export const Id = doc(z.uuid().check(z.maxLength(36), z.toLowerCase()), {
  example: '3f9a2b1c-6a43-4c1e-9a55-5b7f0e2d8c11',
});
export const AccountNumber = doc(
  z.string().check(z.maxLength(10), z.regex(/^\d{10}$/, 'must be 10 digits')),
  {
    example: '4820193757',
  },
);
export const Description = safeText(140);
export const Instant = doc(z.iso.datetime({ offset: true }).check(z.maxLength(40)), {
  example: '2026-11-24T08:00:00.000Z',
});

// ---------- requests ----------
export const RegisterBody = doc(z.strictObject({ email: Email, password: Password, name: name(100) }), {
  id: 'RegisterRequest',
});
export const ConfirmBody = doc(
  z.strictObject({
    email: Email,
    code: z.string().check(z.maxLength(8), z.regex(/^\d{4,8}$/, 'must be the numeric code')),
  }),
  { id: 'ConfirmRequest' },
);
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
      z.string().check(z.maxLength(3), z.regex(/^\d{1,3}$/, 'must be an integer')),
      z.transform((s: string) => Number(s)),
    ),
    z.int().check(z.minimum(min), z.maximum(max)),
  );

export const AccountListQuery = z.strictObject({
  limit: doc(z.optional(digits(1, 100)), { description: '1 to 100, default 25' }),
  cursor: z.optional(z.string().check(z.maxLength(2048))),
  status: doc(z.optional(z.enum(['closed'])), {
    description: 'Without it: the open accounts (active, frozen). `closed`: the closed ones only.',
  }),
});

export const HistoryQuery = z.strictObject({
  limit: doc(z.optional(digits(1, 100)), { description: '1 to 100, default 25' }),
  cursor: z.optional(z.string().check(z.maxLength(2048))),
  from: z.optional(Instant),
  to: z.optional(Instant),
});

/** The Idempotency-Key header: 1 to 255 printable ASCII characters. */
export const IdempotencyKey = doc(
  z
    .string()
    .check(z.maxLength(255), z.regex(/^[\x20-\x7E]{1,255}$/, 'must be 1 to 255 printable ASCII characters')),
  { description: 'Unique per money movement; a retry with the same key and body replays the first result' },
);

// ---------- responses ----------
/** A response string and its bound (documentation: responses are not validated at run time). */
const str = (max: number) => z.string().check(z.maxLength(max));
const transactionType = () => z.enum(['deposit', 'withdrawal', 'transfer']);

export const UserOut = doc(z.object({ userId: str(64), email: str(254), confirmed: z.boolean() }), {
  id: 'RegisteredUser',
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
export const Me = doc(z.object({ userId: str(64), email: str(254), name: str(100), createdAt: Instant }), {
  id: 'Me',
});
export const Account = doc(
  z.object({
    id: Id,
    number: AccountNumber,
    type: z.enum(accountTypes),
    currency: CurrencyCode,
    nickname: z.nullable(str(50)),
    status: z.enum(accountStatuses),
    balance: z.int(),
    createdAt: Instant,
  }),
  { id: 'Account' },
);
export const AccountList = doc(
  z.object({
    items: z.array(Account).check(z.maxLength(100)),
    nextCursor: z.nullable(z.string().check(z.maxLength(2048))),
  }),
  { id: 'AccountList' },
);
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
    description: str(140),
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
    description: str(140),
    createdAt: Instant,
  }),
  { id: 'HistoryEntry' },
);
export const HistoryPage = doc(
  z.object({ items: z.array(HistoryEntry).check(z.maxLength(100)), nextCursor: z.nullable(str(2048)) }),
  { id: 'HistoryPage' },
);
export const Health = doc(z.object({ status: z.literal('ok') }), { id: 'Health' });
export const Problem = doc(
  z.object({
    type: str(256),
    title: str(128),
    status: z.int(),
    detail: str(1024),
    code: doc(str(64), { description: 'Stable snake_case error code' }),
    errors: z.optional(z.array(z.object({ path: str(256), message: str(512) })).check(z.maxLength(100))),
  }),
  { id: 'Problem' },
);
