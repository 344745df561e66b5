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
import { MAX_BATCH_TRANSFERS } from '../domain/batch.ts';
import { eventTypes } from '../domain/events.ts';
import {
  MAX_HOLD_SECONDS,
  METADATA_KEY,
  METADATA_MAX_KEYS,
  METADATA_MAX_VALUE,
  MIN_HOLD_SECONDS,
  transactionStatuses,
  transactionTypes,
} from '../domain/ledger.ts';
import { currencyCodes, MAX_AMOUNT } from '../domain/money.ts';
import { brokenPasswordRules } from '../domain/password.ts';

// Classic zod installs the English messages on import; mini leaves that to us (else: "Invalid input").
z.config(en());

/**
 * Documentation for a schema: `id` names an OpenAPI component. A schema documented already (a shared
 * one such as `Id` or `Instant`, given a description where it is used) is documented as a copy that
 * inherits its metadata: registering the shared schema itself again would replace its documentation
 * everywhere it is used, with whichever module happened to be evaluated last.
 */
export const doc = <S extends z.ZodMiniType>(schema: S, meta: z.core.GlobalMeta): S => {
  const documented = z.globalRegistry.has(schema) ? (schema.clone() as S) : schema;
  z.globalRegistry.add(documented as z.ZodMiniType, meta);
  return documented;
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
const ConfirmationCode = z.string().check(z.maxLength(8), z.regex(/^\d{4,8}$/, 'must be the numeric code'));
const TotpCode = doc(
  z.string().check(z.maxLength(6), z.regex(/^\d{6}$/, 'must be the 6-digit code from the app')),
  {
    example: '123456',
  },
);
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

export const Metadata = doc(
  z
    .record(
      z.string().check(z.maxLength(40), z.regex(METADATA_KEY, 'keys must match ^[A-Za-z0-9_.-]{1,40}$')),
      z.string().check(z.maxLength(METADATA_MAX_VALUE), wellFormed()),
    )
    .check(
      z.refine(
        (m: Record<string, string>) => Object.keys(m).length <= METADATA_MAX_KEYS,
        `at most ${METADATA_MAX_KEYS} keys`,
      ),
    ),
  {
    id: 'Metadata',
    description: `Up to ${METADATA_MAX_KEYS} keys (1 to 40 of A-Z a-z 0-9 _ . -), each a string of up to ${METADATA_MAX_VALUE} characters. Shown only to the side that set it.`,
    example: { invoice: 'INV-2026-0042' },
  },
);

export const MoneyBody = doc(
  z.strictObject({ amount: Amount, description: z.optional(Description), metadata: z.optional(Metadata) }),
  { id: 'MoneyRequest' },
);
export const TransferBody = doc(
  z
    .strictObject({
      fromAccountId: Id,
      toAccountNumber: z.optional(AccountNumber),
      payeeId: z.optional(
        doc(Id, { description: 'One of the caller\u2019s saved payees: pays its account number' }),
      ),
      amount: Amount,
      currency: CurrencyCode,
      description: z.optional(Description),
      metadata: z.optional(Metadata),
      pending: z.optional(
        doc(z.boolean(), {
          description: 'Hold the amount on the sender until the transfer is posted, voided or expires',
        }),
      ),
      expiresInSeconds: z.optional(
        doc(z.int().check(z.minimum(MIN_HOLD_SECONDS), z.maximum(MAX_HOLD_SECONDS)), {
          description: `Pending transfers only: ${MIN_HOLD_SECONDS} to ${MAX_HOLD_SECONDS}, default ${MAX_HOLD_SECONDS}`,
        }),
      ),
    })
    .check(
      z.refine(
        (b: { pending?: boolean; expiresInSeconds?: number }) =>
          b.expiresInSeconds === undefined || b.pending === true,
        {
          message: 'only a pending transfer expires',
          path: ['expiresInSeconds'],
        },
      ),
      z.refine(
        (b: { toAccountNumber?: string; payeeId?: string }) =>
          (b.toAccountNumber === undefined) !== (b.payeeId === undefined),
        { message: 'give exactly one of toAccountNumber and payeeId', path: ['toAccountNumber'] },
      ),
    ),
  {
    id: 'TransferRequest',
    description: 'Pays `toAccountNumber`, or a saved payee by `payeeId` (exactly one)',
  },
);
/** Optional: an empty body posts the whole hold. */
export const PostTransferBody = doc(z._default(z.strictObject({ amount: z.optional(Amount) }), {}), {
  id: 'PostTransferRequest',
});
export const RefundBody = doc(
  z._default(
    z.strictObject({
      amount: z.optional(Amount),
      description: z.optional(Description),
      metadata: z.optional(Metadata),
    }),
    {},
  ),
  { id: 'RefundRequest', description: 'Optional: an empty body refunds what is left of the transfer' },
);

export const AccountParams = z.strictObject({ id: Id });
export const TransactionParams = z.strictObject({ id: Id });
export const BalanceQuery = z.strictObject({
  at: z.optional(doc(Instant, { description: 'The posted balance as of this instant (not in the future)' })),
});

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
  type: z.optional(z.enum(transactionTypes)),
  status: z.optional(z.enum(transactionStatuses)),
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
const transactionType = () => z.enum(transactionTypes);
const transactionStatus = () => z.enum(transactionStatuses);

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
export const TotpEnrolment = doc(z.object({ secret: str(64), otpauthUri: str(512) }), {
  id: 'TotpEnrolment',
});
export const MfaStatus = doc(z.object({ totp: z.boolean() }), { id: 'MfaStatus' });
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
    balance: doc(z.int(), { description: 'Posted balance' }),
    held: doc(z.int(), { description: 'The sum of pending outgoing transfers that have not expired' }),
    available: doc(z.int(), { description: 'What may be spent: balance - held' }),
    incoming: z.optional(
      doc(z.int(), {
        description:
          'Transfers received but not settled into the balance yet (a moment; offline within a second): not in `balance` or `available` until then. Present, when not zero, on the account read by id.',
      }),
    ),
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
  z.object({
    accountId: Id,
    currency: CurrencyCode,
    balance: doc(z.int(), { description: 'Posted balance (as of `at` when asked)' }),
    held: z.optional(z.int()),
    available: z.optional(z.int()),
    incoming: z.optional(
      doc(z.int(), {
        description:
          'Transfers received but not settled into the balance yet (now only; present when not zero)',
      }),
    ),
    asOf: z.optional(doc(Instant, { description: 'Now: when no `at` was asked' })),
    at: z.optional(doc(Instant, { description: 'The instant asked for' })),
  }),
  { id: 'Balance' },
);
export const Transaction = doc(
  z.object({
    id: Id,
    type: transactionType(),
    status: transactionStatus(),
    amount: doc(z.int(), { description: 'Posted amount; while pending, the amount held' }),
    currency: CurrencyCode,
    fromAccountId: z.optional(Id),
    toAccountId: z.optional(Id),
    fromAccountNumber: z.optional(AccountNumber),
    toAccountNumber: z.optional(AccountNumber),
    description: str(140),
    metadata: z.optional(Metadata),
    createdAt: Instant,
    postedAt: z.optional(Instant),
    expiresAt: z.optional(doc(Instant, { description: 'Pending transfers: when the hold lapses' })),
    refundedAmount: z.optional(doc(z.int(), { description: 'Transfers: the sum refunded so far' })),
    refundOf: z.optional(doc(Id, { description: 'Refunds: the transfer refunded' })),
    reversedAmount: z.optional(doc(z.int(), { description: 'The sum reversed by the bank so far' })),
    reverses: z.optional(doc(Id, { description: 'Reversals: the transaction reversed' })),
    batchId: z.optional(
      doc(Id, { description: 'Bulk payments: the batch it was posted in (shown to the sender)' }),
    ),
    balanceAfter: z.optional(
      doc(z.int(), { description: 'The posted balance of the caller\u2019s account after the posting' }),
    ),
  }),
  { id: 'Transaction' },
);
export const HistoryEntry = doc(
  z.object({
    transactionId: Id,
    type: transactionType(),
    status: transactionStatus(),
    amount: doc(z.int(), {
      description: 'Signed: positive for money in, negative for money out (a pending transfer included)',
    }),
    currency: CurrencyCode,
    balanceAfter: doc(z.nullable(z.int()), {
      description: 'Posted entries: the balance after; otherwise null',
    }),
    counterparty: z.nullable(
      z.object({
        accountNumber: AccountNumber,
        name: z.optional(
          doc(str(140), {
            description:
              'The caller\u2019s payee name for this number, or the nickname of the caller\u2019s own account',
          }),
        ),
      }),
    ),
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
    errors: z.optional(
      z
        .array(
          z.object({
            path: str(256),
            message: str(512),
            index: z.optional(
              doc(z.int(), {
                description: '`batch_rejected`: the refused transfer\u2019s index in `transfers`',
              }),
            ),
            code: z.optional(
              doc(str(64), { description: '`batch_rejected`: why that transfer was refused' }),
            ),
          }),
        )
        .check(z.maxLength(100)),
    ),
  }),
  { id: 'Problem' },
);

// ---------- statements, payees, scheduled transfers (issue 15) ----------
const CalendarDate = doc(
  z.string().check(z.maxLength(10), z.regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')),
  {
    description: 'A UTC calendar day',
    example: '2027-01-31',
  },
);

export const StatementParams = z.strictObject({
  id: Id,
  period: doc(z.string().check(z.maxLength(7), z.regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be YYYY-MM')), {
    example: '2027-01',
  }),
});
export const StatementQuery = z.strictObject({
  format: doc(z.optional(z.enum(['pdf', 'csv'])), { description: 'pdf (default) or csv' }),
});
export const ExportQuery = z.strictObject({
  from: doc(z.optional(CalendarDate), { description: 'First day (UTC), default 30 days before `to`' }),
  to: doc(z.optional(CalendarDate), { description: 'Last day (UTC), included, default today' }),
});
export const StatementSummary = doc(
  z.object({
    period: str(2048),
    currency: CurrencyCode,
    toDate: doc(z.boolean(), { description: 'The current month, up to now' }),
    openingBalance: z.int(),
    closingBalance: z.int(),
    totalIn: z.int(),
    totalOut: z.int(),
    count: z.int(),
  }),
  { id: 'StatementSummary' },
);
export const StatementList = doc(z.object({ items: z.array(StatementSummary).check(z.maxLength(1200)) }), {
  id: 'StatementList',
});
export const DownloadLink = doc(
  z.object({
    url: doc(str(2048), { description: 'A presigned GET URL' }),
    expiresAt: Instant,
  }),
  { id: 'DownloadLink' },
);

export const PayeeBody = doc(z.strictObject({ name: name(100), accountNumber: AccountNumber }), {
  id: 'PayeeRequest',
});
export const PayeeParams = z.strictObject({ id: Id });
const PayeeMatch = doc(z.enum(['exact', 'close', 'none']), {
  description: 'How the name compares with the account holder\u2019s',
});
export const Payee = doc(
  z.object({
    id: Id,
    name: str(2048),
    accountNumber: AccountNumber,
    match: PayeeMatch,
    holderName: doc(z.optional(str(2048)), {
      description: 'The holder\u2019s name, for a close match only',
    }),
    createdAt: Instant,
  }),
  { id: 'Payee' },
);
export const PayeeList = doc(z.object({ items: z.array(Payee).check(z.maxLength(100)) }), {
  id: 'PayeeList',
});
export const PayeeCheck = doc(
  z.object({
    match: PayeeMatch,
    name: doc(z.optional(str(2048)), { description: 'The holder\u2019s name, for a close match only' }),
  }),
  { id: 'PayeeCheck' },
);

export const ScheduleBody = doc(
  z
    .strictObject({
      fromAccountId: Id,
      toAccountNumber: z.optional(AccountNumber),
      payeeId: z.optional(Id),
      amount: Amount,
      currency: CurrencyCode,
      description: z.optional(Description),
      startDate: CalendarDate,
      frequency: z.enum(['once', 'weekly', 'monthly']),
      endDate: z.optional(CalendarDate),
      count: z.optional(z.int().check(z.minimum(1), z.maximum(240))),
    })
    .check(
      z.refine(
        (b: { toAccountNumber?: string | undefined; payeeId?: string | undefined }) =>
          (b.toAccountNumber === undefined) !== (b.payeeId === undefined),
        { message: 'give exactly one of toAccountNumber and payeeId', path: ['toAccountNumber'] },
      ),
    ),
  { id: 'ScheduledTransferRequest' },
);
export const ScheduleParams = z.strictObject({ id: Id });
export const ScheduleRun = doc(
  z.object({
    runDate: CalendarDate,
    outcome: z.enum(['succeeded', 'failed']),
    transactionId: z.optional(Id),
    errorCode: z.optional(str(2048)),
    at: Instant,
  }),
  { id: 'ScheduledTransferRun' },
);
export const Schedule = doc(
  z.object({
    id: Id,
    fromAccountId: Id,
    toAccountNumber: AccountNumber,
    payeeId: z.optional(Id),
    amount: z.int(),
    currency: CurrencyCode,
    description: str(2048),
    startDate: CalendarDate,
    frequency: z.enum(['once', 'weekly', 'monthly']),
    endDate: z.optional(CalendarDate),
    count: z.optional(z.int()),
    status: z.enum(['active', 'ended', 'cancelled']),
    nextRunDate: z.nullable(CalendarDate),
    runsDone: z.int(),
    endReason: z.optional(z.enum(['completed', 'source_closed'])),
    createdAt: Instant,
    runs: z.optional(z.array(ScheduleRun).check(z.maxLength(100))),
  }),
  { id: 'ScheduledTransfer' },
);
export const ScheduleList = doc(z.object({ items: z.array(Schedule).check(z.maxLength(1000)) }), {
  id: 'ScheduledTransferList',
});

// ---------- events, webhooks and notifications ----------
export const EventTypeName = doc(z.enum(eventTypes), { example: 'transaction.posted' });

export const EventsQuery = z.strictObject({
  after: doc(z.optional(z.string().check(z.maxLength(2048))), {
    description: 'The `nextCursor` of an earlier page: events after it',
  }),
  limit: HistoryQuery.shape.limit,
  type: z.optional(EventTypeName),
});

export const BankEvent = doc(
  z.object({
    id: doc(str(2048), { example: 'evt_3b1Vq0cZyq2m8cN6yQ1x7p0aTk' }),
    type: EventTypeName,
    createdAt: Instant,
    data: doc(z.record(str(64), z.unknown()), {
      description: 'The resource (a Transaction or an Account) as its owner would GET it',
    }),
  }),
  { id: 'Event' },
);
export const EventPage = doc(
  z.object({
    items: z.array(BankEvent).check(z.maxLength(100)),
    nextCursor: doc(z.nullable(str(2048)), {
      description: 'Where to read on from (poll with it for newer events); null only before the first event',
    }),
    hasMore: z.boolean(),
  }),
  { id: 'EventPage' },
);

export const WebhookBody = doc(
  z.strictObject({
    url: doc(z.string().check(z.minLength(1), z.maxLength(2048)), {
      description: 'https only, to a public address',
      example: 'https://example.com/bank/webhooks',
    }),
    events: z.array(EventTypeName).check(z.minLength(1), z.maxLength(eventTypes.length)),
  }),
  { id: 'WebhookRequest' },
);
const webhookFields = {
  id: doc(str(2048), { example: 'wh_4f0c2a9d3b7e4e61a8d5c0f1b2e3d4c5' }),
  url: str(2048),
  events: z.array(EventTypeName).check(z.maxLength(eventTypes.length)),
  createdAt: Instant,
};
export const Webhook = doc(z.object(webhookFields), { id: 'Webhook' });
export const WebhookCreated = doc(
  z.object({
    ...webhookFields,
    secret: doc(str(64), { description: 'whsec_…: shown only in this answer; signs every delivery' }),
  }),
  { id: 'WebhookCreated' },
);
export const WebhookList = doc(z.object({ items: z.array(Webhook).check(z.maxLength(5)) }), {
  id: 'WebhookList',
});
const WebhookId = z.string().check(z.maxLength(35), z.regex(/^wh_[0-9a-f]{32}$/));
export const WebhookParams = z.strictObject({ id: WebhookId });
export const DeliveryParams = z.strictObject({
  id: WebhookId,
  deliveryId: z.string().check(z.maxLength(29), z.regex(/^dlv_[0-9a-z]{9}[0-9a-f]{16}$/)),
});
export const DeliveriesQuery = z.strictObject({
  limit: HistoryQuery.shape.limit,
  cursor: HistoryQuery.shape.cursor,
});
export const Delivery = doc(
  z.object({
    id: str(2048),
    eventId: str(2048),
    eventType: EventTypeName,
    status: z.enum(['pending', 'delivered', 'dead']),
    attempts: z
      .array(
        z.object({
          at: Instant,
          statusCode: z.optional(z.int()),
          error: z.optional(str(2048)),
          manual: z.optional(z.boolean()),
        }),
      )
      .check(z.maxLength(20)),
    nextAttemptAt: z.nullable(Instant),
    createdAt: Instant,
  }),
  { id: 'Delivery' },
);
export const DeliveryPage = doc(
  z.object({ items: z.array(Delivery).check(z.maxLength(100)), nextCursor: z.nullable(str(2048)) }),
  {
    id: 'DeliveryPage',
  },
);
export const NotificationPreferences = doc(
  z.strictObject({
    email: z.strictObject({ incoming: z.boolean(), withdrawals: z.boolean(), holds: z.boolean() }),
  }),
  { id: 'NotificationPreferences' },
);

// ---------- back office: accounts, freeze, teller cash, reversals (issue 13) ----------
export const AccountNumberParams = z.strictObject({ number: AccountNumber });
const Reason = doc(name(500), { description: 'Why: kept with the action', example: 'Card reported stolen' });
export const ReasonBody = doc(z.strictObject({ reason: Reason }), { id: 'ReasonRequest' });
export const TellerBody = doc(
  z.strictObject({
    amount: Amount,
    description: z.optional(Description),
    reference: doc(name(64), {
      description: 'The counter\u2019s slip or receipt number',
      example: 'BR12-000481',
    }),
  }),
  { id: 'TellerRequest', description: 'Cash at a counter: no customer daily limit; never overdraws' },
);
export const ReversalBody = doc(
  z.strictObject({
    amount: z.optional(
      doc(Amount, { description: 'Default: all that is left (less refunds and reversals)' }),
    ),
    reason: Reason,
  }),
  { id: 'ReversalRequest' },
);
export const AdminAccount = doc(
  z.object({ ...Account.def.shape, ownerId: doc(str(64), { description: 'The customer\u2019s user id' }) }),
  { id: 'AdminAccount', description: 'An account as bank staff see it' },
);
const AdminSide = z.object({
  accountId: Id,
  accountNumber: AccountNumber,
  ownerId: str(64),
  balanceAfter: z.optional(z.int()),
});
export const AdminTransaction = doc(
  z.object({
    id: Id,
    type: transactionType(),
    status: transactionStatus(),
    amount: z.int(),
    currency: CurrencyCode,
    from: z.optional(AdminSide),
    to: z.optional(AdminSide),
    description: str(140),
    createdAt: Instant,
    postedAt: z.optional(Instant),
    expiresAt: z.optional(Instant),
    refundedAmount: z.optional(z.int()),
    refundOf: z.optional(Id),
    reversedAmount: z.optional(z.int()),
    reverses: z.optional(Id),
    tellerId: z.optional(doc(str(64), { description: 'Teller cash and reversals: the member of staff' })),
    reference: z.optional(str(64)),
    reason: z.optional(str(500)),
  }),
  { id: 'AdminTransaction', description: 'A transaction as bank staff see it: both sides, who made it' },
);
// ---------- bulk payments (issue 11) ----------
export const BatchTransferBody = doc(
  z.strictObject({
    fromAccountId: Id,
    currency: CurrencyCode,
    transfers: doc(
      z
        .array(
          z.strictObject({
            toAccountNumber: AccountNumber,
            amount: Amount,
            description: z.optional(Description),
            metadata: z.optional(Metadata),
          }),
        )
        .check(z.minLength(1), z.maxLength(MAX_BATCH_TRANSFERS)),
      { description: `1 to ${MAX_BATCH_TRANSFERS} transfers, posted all together or not at all` },
    ),
  }),
  { id: 'BatchTransferRequest' },
);
export const BatchTransferResult = doc(
  z.object({
    id: doc(Id, { description: 'The batch' }),
    transfers: z.array(Transaction).check(z.maxLength(MAX_BATCH_TRANSFERS)),
  }),
  { id: 'BatchTransfer', description: 'Every transfer of the batch, posted, in the order asked' },
);
export const DailyLimit = doc(
  z.object({
    currency: CurrencyCode,
    limit: doc(z.int(), {
      description: 'The most that may leave the caller\u2019s accounts in this currency in a UTC day',
    }),
    used: doc(z.int(), {
      description: 'Sent or held today (a hold voided or posted for less gives the rest back)',
    }),
    remaining: doc(z.int(), { description: 'What may still be sent today: limit - used, never below 0' }),
  }),
  { id: 'DailyLimit' },
);
export const Limits = doc(
  z.object({
    day: doc(CalendarDate, { description: 'The UTC day the counters are for' }),
    resetsAt: doc(Instant, { description: 'When the next UTC day starts' }),
    outgoing: z.array(DailyLimit).check(z.maxLength(20)),
  }),
  { id: 'Limits', description: 'The daily outgoing limit per currency, and how much of it is left today' },
);
