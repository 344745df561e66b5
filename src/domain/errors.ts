/**
 * Every failure a client can see has a stable snake_case `code` and an HTTP status.
 * Domain and store code throws `BankError` (or, for a recorded decline, returns its code); only
 * src/api turns a code into HTTP (status and problem+json).
 */
/** Each code's HTTP status. */
const statuses = {
  bad_request: 400,
  validation_failed: 400,
  malformed_json: 400,
  idempotency_key_required: 400,
  invalid_cursor: 400,
  invalid_webhook_url: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  invalid_refresh_token: 401,
  invalid_code: 400,
  weak_password: 400,
  wrong_password: 400,
  invalid_token: 400,
  invalid_session: 401,
  user_not_confirmed: 403,
  forbidden: 403,
  mfa_required: 403,
  user_disabled: 403,
  password_reset_required: 403,
  not_found: 404,
  method_not_allowed: 405,
  user_exists: 409,
  mfa_already_enabled: 409,
  mfa_not_enabled: 409,
  account_limit_reached: 409,
  balance_not_zero: 409,
  webhook_limit_reached: 409,
  delivery_in_progress: 409,
  idempotency_key_in_use: 409,
  transaction_not_pending: 409,
  transaction_expired: 409,
  credit_not_settled: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  headers_too_large: 431,
  insufficient_funds: 422,
  currency_mismatch: 422,
  same_account: 422,
  account_not_active: 422,
  recipient_not_found: 422,
  daily_limit_exceeded: 422,
  deposit_limit_exceeded: 422,
  amount_exceeds_hold: 422,
  refund_exceeds_amount: 422,
  not_refundable: 422,
  reversal_exceeds_amount: 422,
  not_reversible: 422,
  too_many_holds: 422,
  batch_rejected: 422,
  too_many_unknown_numbers: 422,
  idempotency_key_reused: 422,
  payee_limit_reached: 409,
  schedule_limit_reached: 409,
  export_too_large: 422,
  login_locked: 429,
  login_throttled: 429,
  reset_locked: 429,
  verification_locked: 429,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof statuses;

/**
 * Each code's problem+json `title`: its words (`balance_not_zero` is "Balance not zero"), or the one
 * written here. Kept out of a table of both for every code: this module is in every Lambda bundle.
 */
const titles: Partial<Record<ErrorCode, string>> = {
  malformed_json: 'Malformed JSON',
  idempotency_key_required: 'Idempotency-Key header required',
  invalid_webhook_url: 'Invalid webhook URL',
  invalid_code: 'Invalid confirmation code',
  invalid_session: 'Invalid or expired sign-in session',
  mfa_required: 'MFA required',
  user_disabled: 'Login disabled',
  password_reset_required: 'Password reset required',
  user_exists: 'User already exists',
  mfa_already_enabled: 'MFA already enabled',
  mfa_not_enabled: 'MFA not enabled',
  delivery_in_progress: 'Delivery being attempted',
  credit_not_settled: 'Credit not settled yet',
  headers_too_large: 'Request headers too large',
  deposit_limit_exceeded: 'Daily deposit limit exceeded',
  too_many_holds: 'Too many pending transfers',
  schedule_limit_reached: 'Scheduled transfer limit reached',
  login_throttled: 'Login slowed down',
  reset_locked: 'Password reset locked',
  verification_locked: 'Too many wrong passwords or codes',
  rate_limited: 'Too many requests',
};

export const errorCatalog = Object.fromEntries(
  (Object.keys(statuses) as ErrorCode[]).map((code) => [
    code,
    {
      status: statuses[code],
      title: titles[code] ?? code[0]?.toUpperCase() + code.slice(1).replaceAll('_', ' '),
    },
  ]),
) as { readonly [C in ErrorCode]: { readonly status: (typeof statuses)[C]; readonly title: string } };

export interface FieldError {
  path: string;
  message: string;
  /** A bulk payment's refused transfer (a Refusal as HTTP): its index in the request's `transfers`. */
  index?: number;
  /** A bulk payment's refused transfer (a Refusal as HTTP): why (`recipient_not_found`, ...). */
  code?: ErrorCode;
}

/**
 * A bulk payment's refused transfer, in domain terms: its index in the batch, why, and in words. It
 * names no field of any request: src/api renders it as a problem's `errors` entry (its `path`).
 */
export interface Refusal {
  index: number;
  code: ErrorCode;
  message: string;
}

export class BankError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string;
  readonly errors?: FieldError[];
  /** `batch_rejected`: the transfers refused (src/api renders them as `errors`). */
  readonly refusals?: Refusal[];
  /**
   * When to try again, in seconds (a 429, a lock, a 503): a fact of the domain, which src/api renders
   * as the Retry-After header.
   */
  readonly retryAfter?: number;
  /**
   * A 503 whose call certainly changed nothing (every attempt throttled before it was done), where a
   * 503 otherwise may follow a call that went through (a timeout, a fault): see `isDefiniteRefusal`.
   */
  readonly nothingDone?: true;

  constructor(
    code: ErrorCode,
    detail?: string,
    extra: { errors?: FieldError[]; refusals?: Refusal[]; retryAfter?: number; nothingDone?: true } = {},
  ) {
    super(detail ?? errorCatalog[code].title);
    this.name = 'BankError';
    this.code = code;
    this.status = errorCatalog[code].status;
    this.detail = detail ?? errorCatalog[code].title;
    if (extra.errors) this.errors = extra.errors;
    if (extra.refusals) this.refusals = extra.refusals;
    if (extra.retryAfter !== undefined) this.retryAfter = extra.retryAfter;
    if (extra.nothingDone) this.nothingDone = true;
  }
}

export const isBankError = (e: unknown): e is BankError => e instanceof BankError;

/** 404 for a transaction the caller may not see or that does not exist: the two are not told apart. */
export const noSuchTransaction = (): BankError => new BankError('not_found', 'No such transaction');

/** 404 for an account the caller may not see or that does not exist. */
export const noSuchAccount = (): BankError => new BankError('not_found', 'No such account');

/**
 * A definite refusal: the call changed nothing (a BankError, but not 503 `service_unavailable`, whose
 * call may or may not have gone through, as a timeout's or a fault's, unless it says `nothingDone`).
 */
export const isDefiniteRefusal = (e: unknown): boolean =>
  isBankError(e) && (e.code !== 'service_unavailable' || e.nothingDone === true);

/**
 * The codes of declines: the bank's rules refused a well-formed money movement. Named one by one, not
 * taken from the status: `idempotency_key_reused` (a key already used for another request, answered
 * from the key's record) and `export_too_large` (no movement) are 422 too, and are not declines.
 */
export const DECLINE_CODES = [
  'insufficient_funds',
  'currency_mismatch',
  'same_account',
  'account_not_active',
  'recipient_not_found',
  'daily_limit_exceeded',
  'deposit_limit_exceeded',
  'amount_exceeds_hold',
  'refund_exceeds_amount',
  'not_refundable',
  'reversal_exceeds_amount',
  'not_reversible',
  'too_many_holds',
  'batch_rejected',
  'too_many_unknown_numbers',
  'transaction_not_pending',
  'transaction_expired',
] as const satisfies readonly ErrorCode[];

/**
 * A decline (DECLINE_CODES). Declines are recorded with the request's Idempotency-Key (a retry gets
 * the same answer); other errors (404, 409 key in use, 503) are not, so a retry may succeed.
 */
export const isDecline = (e: unknown): e is BankError =>
  isBankError(e) && (DECLINE_CODES as readonly string[]).includes(e.code);
