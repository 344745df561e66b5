/**
 * What went wrong, in plain words. The API answers with problem+json and a stable `code`; the
 * customer sees a sentence chosen here, next to the field it concerns or to the action. Codes,
 * server details and stack traces are never shown.
 */
import type { ErrorCode } from '../../src/domain/errors.ts';

export interface FieldProblem {
  path: string;
  message: string;
  /** `batch_rejected`: the refused transfer's index in the request's `transfers`, and why. */
  index?: number;
  code?: string;
}

/** An HTTP error answer from the API. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fieldErrors: FieldProblem[];
  readonly retryAfterSeconds: number | undefined;

  constructor(status: number, code: string, fieldErrors: FieldProblem[] = [], retryAfterSeconds?: number) {
    super(`HTTP ${status} ${code}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fieldErrors = fieldErrors;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The request never got an answer: offline, DNS, connection reset. */
export class NetworkError extends Error {
  /** `timedOut`: the exchange went unanswered for `REQUEST_TIMEOUT_MS` and was given up. */
  constructor(readonly timedOut = false) {
    super(timedOut ? 'no answer in time' : 'network error');
    this.name = 'NetworkError';
  }
}

const codeFromStatus = (status: number): ErrorCode =>
  status === 401
    ? 'unauthorized'
    : status === 404
      ? 'not_found'
      : status === 429
        ? 'rate_limited'
        : status === 503
          ? 'service_unavailable'
          : 'internal_error';

/** Reads an error answer: problem+json, the gateway's `{"message":"Unauthorized"}`, or anything else. */
export const apiErrorFrom = (status: number, body: unknown, retryAfter?: string | null): ApiError => {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const code = typeof b.code === 'string' && /^[a-z_]+$/.test(b.code) ? b.code : codeFromStatus(status);
  const fieldErrors: FieldProblem[] = Array.isArray(b.errors)
    ? b.errors
        .filter(
          (e): e is FieldProblem =>
            !!e && typeof e === 'object' && typeof e.path === 'string' && typeof e.message === 'string',
        )
        .map((e) => ({
          path: e.path,
          message: e.message,
          ...(Number.isInteger(e.index) ? { index: e.index } : {}),
          ...(typeof e.code === 'string' ? { code: e.code } : {}),
        }))
    : [];
  const seconds = retryAfter ? Number(retryAfter) : Number.NaN;
  return new ApiError(status, code, fieldErrors, Number.isFinite(seconds) ? seconds : undefined);
};

const SOMETHING_WRONG = 'Something went wrong on our side. Please try again.';
export const OFFLINE = 'We could not reach the bank. Check your connection and try again.';

/** Every code the API can send, in plain words. */
export const MESSAGES: Record<ErrorCode, string> = {
  validation_failed: 'Some details are not valid. Check them and try again.',
  invalid_webhook_url: 'Use an https address on the public internet for webhooks.',
  webhook_limit_reached: 'You have the most webhooks allowed (5). Delete one to add another.',
  delivery_in_progress:
    'This delivery, or another to the same endpoint, is being sent right now. Try again in a moment.',
  payee_limit_reached: 'You have the most saved payees allowed (100). Delete one to add another.',
  schedule_limit_reached: 'You have the most scheduled transfers allowed. Cancel one to add another.',
  export_too_large: 'That range is too large to export at once. Choose a shorter range.',
  transaction_not_pending: 'This transfer is no longer pending.',
  transaction_expired: 'This pending transfer has expired.',
  credit_not_settled: 'This transfer is still settling into the account. Try again in a moment.',
  deposit_limit_exceeded: 'This would take you over today\u2019s deposit limit.',
  amount_exceeds_hold: 'The amount is more than the pending transfer holds.',
  refund_exceeds_amount: 'Refunds cannot add up to more than the original transfer.',
  not_refundable: 'Only a completed transfer you received can be refunded.',
  too_many_holds: 'This account has too many pending transfers. Wait for some to complete.',
  bad_request: SOMETHING_WRONG,
  headers_too_large: SOMETHING_WRONG,
  malformed_json: SOMETHING_WRONG,
  idempotency_key_required: SOMETHING_WRONG,
  invalid_cursor: 'We could not load more of the history. Reload the page to start again.',
  unauthorized: 'Your session has ended. Please log in again.',
  invalid_credentials: 'The email or password is not correct.',
  invalid_refresh_token: 'Your session has ended. Please log in again.',
  invalid_code: 'That code is not correct. Check it and try again.',
  weak_password: 'That password is too common and easy to guess. Choose a different one.',
  wrong_password: 'The password is not correct.',
  invalid_token: 'Your session has ended. Please log in again.',
  invalid_session: 'The sign-in took too long or the code was wrong too often. Please log in again.',
  mfa_already_enabled: 'Two-step verification is already on.',
  mfa_not_enabled: 'Two-step verification is not on.',
  login_throttled: 'There have been many failed attempts for this email. Wait a few seconds and try again.',
  reset_locked: 'Too many wrong codes. For your security, wait 15 minutes and ask for a new code.',
  verification_locked: 'Too many wrong passwords or codes. For your security, wait 15 minutes and try again.',
  user_not_confirmed: 'Please confirm your email address before you log in.',
  not_found: 'We could not find that. It may have been closed or removed.',
  method_not_allowed: SOMETHING_WRONG,
  user_exists: 'There is already a customer with this email. Try logging in instead.',
  account_limit_reached: 'You already have the most open accounts allowed. Close one to open another.',
  balance_not_zero: 'Only an account with a zero balance can be closed. Move the money out first.',
  idempotency_key_in_use: 'This payment is still being processed. Wait a moment, then try again.',
  payload_too_large: 'That is too much text. Please shorten it.',
  unsupported_media_type: SOMETHING_WRONG,
  insufficient_funds: 'There is not enough money in this account for that amount.',
  currency_mismatch: 'That account holds a different currency. You can only transfer in the same currency.',
  same_account: 'You cannot transfer money to the account it comes from.',
  account_not_active: 'This account is not active, so money cannot move in or out of it.',
  recipient_not_found: 'No account has that number. Check the number and try again.',
  daily_limit_exceeded: 'This would go over your daily limit. Try a smaller amount, or try again tomorrow.',
  idempotency_key_reused: 'This request clashes with an earlier one. Please start again.',
  login_locked: 'Too many failed attempts. For your security, logging in is paused for a while.',
  rate_limited: 'Too many requests at once. Wait a moment and try again.',
  internal_error: SOMETHING_WRONG,
  service_unavailable: 'The bank is busy right now. Please try again in a moment.',
  forbidden: 'This page is for bank staff only.',
  mfa_required:
    'The back office needs a login with your authenticator code. Turn on two-step verification in Settings, then log out and log in again with the code.',
  user_disabled: 'This login has been disabled. Please contact the bank.',
  password_reset_required:
    'Your email was confirmed, but your password was not saved. Choose a new one with “Forgot your password?”.',
  reversal_exceeds_amount: 'Reversals and refunds cannot add up to more than the original transaction.',
  not_reversible: 'Only a completed deposit, withdrawal, transfer or refund can be reversed.',
  batch_rejected: 'Some payments in this batch could not be made, so none were sent. Check the ones marked.',
  too_many_unknown_numbers:
    'More than 20 of these account numbers match no account, so none were sent. Check the numbers and try again.',
};

/** Problems that belong to one field of the form rather than to the action. */
const CODE_FIELD: Partial<Record<ErrorCode, string>> = {
  user_exists: 'email',
  invalid_code: 'code',
  weak_password: 'password',
  wrong_password: 'currentPassword',
  insufficient_funds: 'amount',
  daily_limit_exceeded: 'amount',
  deposit_limit_exceeded: 'amount',
  refund_exceeds_amount: 'amount',
  amount_exceeds_hold: 'amount',
  reversal_exceeds_amount: 'amount',
  recipient_not_found: 'toAccountNumber',
  same_account: 'toAccountNumber',
  currency_mismatch: 'toAccountNumber',
};

/** What to say about a field the server refused (its own words are written for developers). */
const FIELD_MESSAGES: Record<string, string> = {
  email: 'Enter a valid email address.',
  password: 'The password does not meet the rules below.',
  name: 'Enter your name (up to 100 characters).',
  code: 'Enter the code from the email: 4 to 8 digits.',
  amount: 'Enter an amount greater than zero.',
  toAccountNumber: 'Enter the 10-digit account number.',
  fromAccountId: 'Choose the account to send from.',
  description: 'Use up to 140 ordinary characters for the description.',
  note: 'Use up to 500 ordinary characters for your note.',
  nickname: 'Use up to 50 ordinary characters for the nickname.',
  type: 'Choose an account type.',
  currency: 'Choose a currency.',
};

/** The form field a refused path names: `body.amount` -> `amount`; a metadata value is a field of its own (`body.metadata.note` -> `note`). */
const fieldOf = (path: string): string => {
  const [first = '', key] = path.replace(/^body\./, '').split('.');
  return first === 'metadata' && key ? key : first;
};

export interface Explained {
  /** For the action (shown next to the submit button), when no field takes it. */
  message: string | undefined;
  /** Per field name. */
  fields: Record<string, string>;
}

const count = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** A wait the server gave (Retry-After) in words: seconds, minutes, or hours for the longest. */
const waitWords = (seconds: number): string =>
  seconds < 60
    ? count(Math.max(1, Math.ceil(seconds)), 'second')
    : seconds <= 3600
      ? count(Math.ceil(seconds / 60), 'minute')
      : `about ${count(Math.ceil(seconds / 3600), 'hour')}`;

/**
 * `verification_locked` as its Retry-After says. On a form of an emailed code (the email and the code
 * on it: Confirm), the code is spent by wrong tries: the way on is a new one (the bank's own count
 * says so with Retry-After: 1; Cognito's, with minutes to wait first). Elsewhere (wrong passwords or
 * codes in signed-in changes) the wait left.
 */
const lockedWords = (wait: number | undefined, emailedCode: boolean): string =>
  emailedCode
    ? wait && wait > 1
      ? `Too many wrong tries of the code. For your security, wait ${waitWords(wait)}, then ask for a new code.`
      : 'Too many wrong tries of this code, so it no longer works. Ask for a new code and enter that one.'
    : wait
      ? `Too many wrong passwords or codes. For your security, try again in ${waitWords(wait)}.`
      : MESSAGES.verification_locked;

const messageOf = (error: unknown, fields: ReadonlySet<string> = new Set()): string => {
  if (error instanceof NetworkError) return OFFLINE;
  if (!(error instanceof ApiError)) return SOMETHING_WRONG;
  const wait = error.retryAfterSeconds;
  if (error.code === 'verification_locked')
    return lockedWords(wait, fields.has('email') && fields.has('code'));
  if (error.code === 'login_locked' && wait)
    return `Too many failed attempts. For your security, try again in ${waitWords(wait)}.`;
  // The account-number checks' count (20 a minute, 200 a day) says when it opens again: the day's
  // count is hours away, where "a moment" would have the customer try again and again for nothing.
  if (error.code === 'rate_limited' && wait)
    return `Too many requests for now. Try again in ${waitWords(wait)}.`;
  return (MESSAGES as Record<string, string>)[error.code] ?? SOMETHING_WRONG;
};

/**
 * What the server says when the account being paid cannot take payments (closed or frozen: it does
 * not say which). Its `account_not_active` alone would read as the customer's own account.
 */
export const RECIPIENT_NOT_ACTIVE =
  'The account you want to pay cannot take payments. Check the details, or pay another account.';

/** `account_not_active` said of another's account, by the field error the server names it with. */
const refusalOfAccountAt =
  (path: string) =>
  (error: unknown): boolean =>
    error instanceof ApiError &&
    error.code === 'account_not_active' &&
    error.fieldErrors.some((fe) => fe.path === path);

/** A closed account's number refused by the payee check or a payee's save (here, on a bulk payment's row, on the payees screen). */
export const RECIPIENT_CLOSED =
  'That account is closed, so it cannot be paid. Check the number and try again.';

/**
 * A payee check or save refused for the number typed, in words for that number's field, or undefined
 * for any other refusal. Both name one account, the one to be paid: `account_not_active` is said only
 * when it is closed (src/store/payees.ts), and must not read as the customer's own account.
 */
export const numberRefusal = (error: unknown): string | undefined =>
  !(error instanceof ApiError)
    ? undefined
    : error.code === 'recipient_not_found'
      ? MESSAGES.recipient_not_found
      : error.code === 'account_not_active'
        ? RECIPIENT_CLOSED
        : undefined;

/** `account_not_active` about the recipient's account: the server names the number paid (src/domain/account.ts). */
export const isRecipientRefusal = refusalOfAccountAt('body.toAccountNumber');

/**
 * What the server says when a refund's payer (the account the refunded transfer came from) cannot
 * take payments. Its `account_not_active` alone would read as the refunder's own account.
 */
export const PAYER_NOT_ACTIVE =
  'The account this transfer came from cannot take payments now, so it cannot be refunded.';

/** `account_not_active` about a refund's payer: the server names the transaction (src/domain/account.ts). */
export const isPayerRefusal = refusalOfAccountAt('params.id');

/**
 * An error as plain words, placed on the form's `fields` where one fits and on the action otherwise.
 */
export const explain = (error: unknown, fields: readonly string[] = []): Explained => {
  const fieldSet = new Set(fields);
  const out: Explained = { message: undefined, fields: {} };
  if (isRecipientRefusal(error)) {
    // On the number when it is on screen; a saved payee's is not, so it is said for the whole form.
    if (fieldSet.has('toAccountNumber')) out.fields.toAccountNumber = RECIPIENT_NOT_ACTIVE;
    else out.message = RECIPIENT_NOT_ACTIVE;
    return out;
  }
  if (isPayerRefusal(error)) {
    out.message = PAYER_NOT_ACTIVE;
    return out;
  }
  if (error instanceof ApiError) {
    for (const fe of error.fieldErrors) {
      const name = fieldOf(fe.path);
      if (fieldSet.has(name) && !out.fields[name])
        out.fields[name] = FIELD_MESSAGES[name] ?? MESSAGES.validation_failed;
    }
    const field = CODE_FIELD[error.code as ErrorCode];
    if (field && fieldSet.has(field)) {
      out.fields[field] = messageOf(error);
      return out;
    }
    if (error.code === 'validation_failed' && Object.keys(out.fields).length > 0) return out;
  }
  out.message = messageOf(error, fieldSet);
  return out;
};
