/**
 * Every failure a client can see has a stable snake_case `code` and an HTTP status.
 * Domain and store code throws `BankError` (or, for a recorded decline, returns its code); only
 * src/api turns a code into HTTP (status and problem+json).
 */
export const errorCatalog = {
  bad_request: { status: 400, title: 'Bad request' },
  validation_failed: { status: 400, title: 'Validation failed' },
  malformed_json: { status: 400, title: 'Malformed JSON' },
  idempotency_key_required: { status: 400, title: 'Idempotency-Key header required' },
  invalid_cursor: { status: 400, title: 'Invalid cursor' },
  invalid_webhook_url: { status: 400, title: 'Invalid webhook URL' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  invalid_credentials: { status: 401, title: 'Invalid credentials' },
  invalid_refresh_token: { status: 401, title: 'Invalid refresh token' },
  invalid_code: { status: 400, title: 'Invalid confirmation code' },
  weak_password: { status: 400, title: 'Weak password' },
  wrong_password: { status: 400, title: 'Wrong password' },
  invalid_token: { status: 400, title: 'Invalid token' },
  invalid_session: { status: 401, title: 'Invalid or expired sign-in session' },
  user_not_confirmed: { status: 403, title: 'User not confirmed' },
  forbidden: { status: 403, title: 'Forbidden' },
  mfa_required: { status: 403, title: 'MFA required' },
  user_disabled: { status: 403, title: 'Login disabled' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  user_exists: { status: 409, title: 'User already exists' },
  mfa_already_enabled: { status: 409, title: 'MFA already enabled' },
  mfa_not_enabled: { status: 409, title: 'MFA not enabled' },
  account_limit_reached: { status: 409, title: 'Account limit reached' },
  balance_not_zero: { status: 409, title: 'Balance not zero' },
  webhook_limit_reached: { status: 409, title: 'Webhook limit reached' },
  idempotency_key_in_use: { status: 409, title: 'Idempotency key in use' },
  transaction_not_pending: { status: 409, title: 'Transaction not pending' },
  transaction_expired: { status: 409, title: 'Transaction expired' },
  credit_not_settled: { status: 409, title: 'Credit not settled yet' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  headers_too_large: { status: 431, title: 'Request headers too large' },
  insufficient_funds: { status: 422, title: 'Insufficient funds' },
  currency_mismatch: { status: 422, title: 'Currency mismatch' },
  same_account: { status: 422, title: 'Same account' },
  account_not_active: { status: 422, title: 'Account not active' },
  recipient_not_found: { status: 422, title: 'Recipient not found' },
  daily_limit_exceeded: { status: 422, title: 'Daily limit exceeded' },
  deposit_limit_exceeded: { status: 422, title: 'Daily deposit limit exceeded' },
  amount_exceeds_hold: { status: 422, title: 'Amount exceeds hold' },
  refund_exceeds_amount: { status: 422, title: 'Refund exceeds amount' },
  not_refundable: { status: 422, title: 'Not refundable' },
  reversal_exceeds_amount: { status: 422, title: 'Reversal exceeds amount' },
  not_reversible: { status: 422, title: 'Not reversible' },
  too_many_holds: { status: 422, title: 'Too many pending transfers' },
  batch_rejected: { status: 422, title: 'Batch rejected' },
  idempotency_key_reused: { status: 422, title: 'Idempotency key reused' },
  payee_limit_reached: { status: 409, title: 'Payee limit reached' },
  schedule_limit_reached: { status: 409, title: 'Scheduled transfer limit reached' },
  export_too_large: { status: 422, title: 'Export too large' },
  login_locked: { status: 429, title: 'Login locked' },
  login_throttled: { status: 429, title: 'Login slowed down' },
  reset_locked: { status: 429, title: 'Password reset locked' },
  verification_locked: { status: 429, title: 'Too many wrong passwords or codes' },
  rate_limited: { status: 429, title: 'Too many requests' },
  internal_error: { status: 500, title: 'Internal error' },
  service_unavailable: { status: 503, title: 'Service unavailable' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof errorCatalog;

export interface FieldError {
  path: string;
  message: string;
  /** A bulk payment's refused transfer: its index in the request's `transfers`. */
  index?: number;
  /** A bulk payment's refused transfer: why (`recipient_not_found`, `currency_mismatch`...). */
  code?: ErrorCode;
}

export class BankError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string;
  readonly errors?: FieldError[];
  /** Extra response headers, such as Retry-After. */
  readonly headers?: Record<string, string>;

  constructor(
    code: ErrorCode,
    detail?: string,
    extra: { errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail ?? errorCatalog[code].title);
    this.name = 'BankError';
    this.code = code;
    this.status = errorCatalog[code].status;
    this.detail = detail ?? errorCatalog[code].title;
    if (extra.errors) this.errors = extra.errors;
    if (extra.headers) this.headers = extra.headers;
  }
}

export const isBankError = (e: unknown): e is BankError => e instanceof BankError;

/**
 * A decline: the bank's rules refused a well-formed money movement. Declines are recorded with the
 * request's Idempotency-Key (a retry gets the same answer); other errors (404, 409 key in use, 503)
 * are not, so a retry may succeed.
 */
export const isDecline = (e: unknown): e is BankError =>
  isBankError(e) &&
  (e.status === 422 || e.code === 'transaction_not_pending' || e.code === 'transaction_expired');
