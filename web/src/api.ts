/**
 * The API client. Responses are typed from the server's own zod schemas (types only: no zod in the
 * bundle). Requests that are safe to repeat (reads, and money movements with their Idempotency-Key)
 * are retried on a lost connection or a busy server; a 401 renews the session once and retries.
 */
import type { z } from 'zod';
import { HTTP_API_TIMEOUT_MS } from '../../src/api/limits.ts';
import type * as s from '../../src/api/schemas.ts';
import { ApiError, apiErrorFrom, NetworkError } from './errors.ts';

export type Account = z.infer<typeof s.Account>;
export type Transaction = z.infer<typeof s.Transaction>;
export type HistoryEntry = z.infer<typeof s.HistoryEntry>;
export type HistoryPage = z.infer<typeof s.HistoryPage>;
export type Me = z.infer<typeof s.Me>;
export type Tokens = z.infer<typeof s.Tokens>;
export type Registration = z.infer<typeof s.Registration>;
export type MfaChallenge = z.infer<typeof s.MfaChallenge>;
export type LoginResult = Tokens | MfaChallenge;
export type TotpEnrolment = z.infer<typeof s.TotpEnrolment>;
export type MfaStatus = z.infer<typeof s.MfaStatus>;
export type ResetPasswordBody = z.input<typeof s.ResetPasswordBody>;
export type ChangePasswordBody = z.input<typeof s.ChangePasswordBody>;
export type EnrolTotpBody = z.input<typeof s.EnrolTotpBody>;
export type DisableTotpBody = z.input<typeof s.DisableTotpBody>;
export type OpenAccountBody = z.input<typeof s.OpenAccountBody>;
export type MoneyBody = z.input<typeof s.MoneyBody>;
export type TransferBody = z.input<typeof s.TransferBody>;
export type RegisterBody = z.input<typeof s.RegisterBody>;
export type ConfirmBody = z.input<typeof s.ConfirmBody>;

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface SendOptions {
  method: Method;
  path: string;
  body?: unknown;
  token?: string | undefined;
  idempotencyKey?: string | undefined;
}

/**
 * How long an exchange may go unanswered. API Gateway answers 503 itself once its integration timeout
 * has passed, so after that (and a margin for the way there and back) no answer is coming: a
 * connection gone quiet (a phone between networks) would otherwise leave a payment "Sending…" for
 * good. It is a lost answer, but not one for `Api.request`'s quick retries: a quiet connection says
 * "we don't know yet" after one such wait, not three (a money movement's screen then asks once more,
 * with its key).
 */
export const REQUEST_TIMEOUT_MS = HTTP_API_TIMEOUT_MS + 5_000;

/** One HTTP exchange: JSON in and out, errors as ApiError or NetworkError. */
export const send = async <T>(fetchFn: typeof fetch, baseUrl: string, o: SendOptions): Promise<T> => {
  const quiet = new AbortController();
  const timer = setTimeout(() => quiet.abort(), REQUEST_TIMEOUT_MS);
  try {
    return await exchange<T>(fetchFn, baseUrl, o, quiet.signal);
  } finally {
    clearTimeout(timer);
  }
};

const exchange = async <T>(
  fetchFn: typeof fetch,
  baseUrl: string,
  o: SendOptions,
  signal: AbortSignal,
): Promise<T> => {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  if (o.idempotencyKey) headers['idempotency-key'] = o.idempotencyKey;
  let res: Response;
  try {
    res = await fetchFn(baseUrl + o.path, {
      method: o.method,
      headers,
      credentials: 'omit',
      cache: 'no-store',
      signal,
      ...(o.body === undefined ? {} : { body: JSON.stringify(o.body) }),
    });
  } catch {
    throw new NetworkError(signal.aborted);
  }
  if (!res.ok) {
    const text = await res.text().catch(() => '');
    let data: unknown;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = text;
    }
    throw apiErrorFrom(res.status, data, res.headers.get('retry-after'));
  }
  if (res.status === 204) return undefined as T;
  // A success whose answer did not arrive whole (the connection cut mid-body, a proxy's page in its
  // place) says the bank did something, not what: the outcome is unknown, as if no answer had come, so
  // a money movement is asked again with its key (the server replays it) and never taken as done.
  try {
    return JSON.parse(await res.text()) as T;
  } catch {
    throw new NetworkError(signal.aborted);
  }
};

/** Where the client gets its access token, and what it does when the session cannot go on. */
export interface TokenSource {
  accessToken(): string | undefined;
  /**
   * Renews the access token; false when the session is over. Throws when the renewal got no answer
   * about the session (the bank unreachable or failing): the session goes on, and the call may be tried again.
   */
  refresh(): Promise<boolean>;
  /**
   * The session is over: back to the login screen (`disabled`: the bank disabled the login). `token`:
   * the access token the refused call carried; a session that no longer holds it (a logout, another
   * login since the call set out) is not the one that ended, and goes on.
   */
  expired(reason?: 'expired' | 'disabled', token?: string): void;
}

const RETRY_DELAYS_MS = [300, 1000];

/**
 * The longest wait a quick retry takes for a Retry-After (the bank's 503s ask for 1 s): a customer
 * waits on "Sending…" meanwhile. An answer asking for longer is not retried here; the screen says it
 * (a money movement's "we don't know yet", with its key, or the refusal with its wait).
 */
export const MAX_RETRY_WAIT_MS = 3_000;

/** The wait before the next quick retry: the policy's, or longer when the answer asks (Retry-After). */
const retryWait = (e: unknown, delay: number): number | undefined => {
  const asked = e instanceof ApiError && e.retryAfterSeconds !== undefined ? e.retryAfterSeconds * 1000 : 0;
  if (asked > MAX_RETRY_WAIT_MS) return undefined;
  return Math.max(delay, asked);
};

const isTransient = (e: unknown): boolean =>
  e instanceof NetworkError ||
  (e instanceof ApiError && ([502, 503, 504].includes(e.status) || e.code === 'idempotency_key_in_use'));

export interface ApiOptions {
  baseUrl: string;
  tokens: TokenSource;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

export class Api {
  readonly #baseUrl: string;
  readonly #tokens: TokenSource;
  readonly #fetch: typeof fetch;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(o: ApiOptions) {
    this.#baseUrl = o.baseUrl;
    this.#tokens = o.tokens;
    this.#fetch = o.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** An authenticated call. */
  async request<T>(method: Method, path: string, body?: unknown, idempotencyKey?: string): Promise<T> {
    const repeatable = method === 'GET' || idempotencyKey !== undefined;
    let renewed = false;
    for (let attempt = 0; ; attempt++) {
      const token = this.#tokens.accessToken();
      try {
        if (!token) throw new ApiError(401, 'unauthorized');
        return await send<T>(this.#fetch, this.#baseUrl, { method, path, body, token, idempotencyKey });
      } catch (caught) {
        let e = caught;
        if (e instanceof ApiError && e.status === 401) {
          // Only a refresh token the bank refuses ends the session. A renewal that could not reach the
          // bank says nothing about it: its failure is this call's, retried below like any other.
          const renewal = !renewed && token ? await this.#tokens.refresh().catch((r: unknown) => r) : false;
          if (renewal === true) {
            renewed = true;
            attempt--;
            continue;
          }
          if (renewal === false) {
            this.#tokens.expired('expired', token);
            throw e;
          }
          e = renewal;
        }
        // A login the bank disabled is refused on every call (403): the session cannot go on.
        if (e instanceof ApiError && e.code === 'user_disabled') {
          this.#tokens.expired('disabled', token);
          throw e;
        }
        // An exchange that went unanswered for REQUEST_TIMEOUT_MS is not tried again here: the next
        // would most likely wait as long, and the customer would wait minutes to hear "we don't know
        // yet" (a money movement's screen says so, then asks once more with its key).
        const policy = RETRY_DELAYS_MS[attempt];
        const delay = policy === undefined ? undefined : retryWait(e, policy);
        if (
          !repeatable ||
          delay === undefined ||
          !isTransient(e) ||
          (e instanceof NetworkError && e.timedOut)
        )
          throw e;
        await this.#sleep(delay);
      }
    }
  }

  #public = <T>(path: string, body: unknown) =>
    send<T>(this.#fetch, this.#baseUrl, { method: 'POST', path, body });

  register = (body: RegisterBody) => this.#public<Registration>('/v1/auth/register', body);
  confirm = (body: ConfirmBody) => this.#public<void>('/v1/auth/confirm', body);
  resendConfirmation = (email: string) => this.#public<void>('/v1/auth/confirm/resend', { email });
  forgotPassword = (email: string) => this.#public<void>('/v1/auth/password/forgot', { email });
  resetPassword = (body: ResetPasswordBody) => this.#public<void>('/v1/auth/password/reset', body);

  changePassword = (body: ChangePasswordBody) => this.request<void>('POST', '/v1/me/password', body);
  mfaStatus = () => this.request<MfaStatus>('GET', '/v1/me/mfa');
  enrolTotp = (body: EnrolTotpBody) => this.request<TotpEnrolment>('POST', '/v1/me/mfa/totp', body);
  verifyTotp = (code: string) => this.request<void>('POST', '/v1/me/mfa/totp/verify', { code });
  disableTotp = (body: DisableTotpBody) => this.request<void>('DELETE', '/v1/me/mfa/totp', body);
  revokeAllSessions = () => this.request<void>('POST', '/v1/me/sessions/revoke-all');

  me = () => this.request<Me>('GET', '/v1/me');
  /** The open accounts (at most 10, one page) and the 100 most recent closed ones. */
  accounts = async (): Promise<{ items: Account[] }> => {
    const [open, closed] = await Promise.all([
      this.request<{ items: Account[] }>('GET', '/v1/accounts?limit=100'),
      this.request<{ items: Account[] }>('GET', '/v1/accounts?status=closed&limit=100'),
    ]);
    return { items: [...open.items, ...closed.items] };
  };
  account = (id: string) => this.request<Account>('GET', `/v1/accounts/${encodeURIComponent(id)}`);
  /**
   * Opens an account. With `key` (the open-account form's intent: useHeldIntent), opened once per key,
   * so a lost answer may be asked again, and is retried here like a money movement; without one, it
   * is sent once.
   */
  openAccount = (body: OpenAccountBody, key?: string) =>
    this.request<Account>('POST', '/v1/accounts', body, key);
  closeAccount = (id: string) => this.request<Account>('DELETE', `/v1/accounts/${encodeURIComponent(id)}`);

  history = (id: string, cursor?: string | null, limit = 20) => {
    const q = new URLSearchParams({ limit: String(limit) });
    if (cursor) q.set('cursor', cursor);
    return this.request<HistoryPage>('GET', `/v1/accounts/${encodeURIComponent(id)}/transactions?${q}`);
  };

  deposit = (id: string, body: MoneyBody, key: string) =>
    this.request<Transaction>('POST', `/v1/accounts/${encodeURIComponent(id)}/deposits`, body, key);
  withdraw = (id: string, body: MoneyBody, key: string) =>
    this.request<Transaction>('POST', `/v1/accounts/${encodeURIComponent(id)}/withdrawals`, body, key);
  transfer = (body: TransferBody, key: string) =>
    this.request<Transaction>('POST', '/v1/transfers', body, key);
}

/**
 * Conflicts that are the bank's definite answer: nothing moved or was made. The declines of a pending
 * transfer are recorded with the key, so asking again gets the same. A limit reached (a schedule or a
 * webhook made in the same transaction as its key's record, which a retry of one made replays) means
 * nothing is recorded under the key: it was not made. Every other 409, a key still in use above all, or
 * a code this page does not know, may yet move.
 */
const DEFINITE_CONFLICTS: ReadonlySet<string> = new Set([
  'transaction_not_pending',
  'transaction_expired',
  'credit_not_settled',
  'schedule_limit_reached',
  'webhook_limit_reached',
  'payee_limit_reached',
  'account_limit_reached',
  'balance_not_zero',
  'user_exists',
  'mfa_already_enabled',
  'mfa_not_enabled',
  'delivery_in_progress',
]);

/**
 * Whether a failed money movement may have happened, so a retry must reuse its key: no answer, a 5xx,
 * a conflict that is no decline (a key still in use), or a session that ended on the way (it is asked
 * again with its key once the customer is back). Any other 4xx is the bank's refusal: nothing was
 * done. A 429 (`rate_limited`, a throttle: nothing is recorded under the key) is a refusal of this
 * attempt alone: after an earlier attempt that went unanswered (`lost`), that one may still have
 * gone through, and the outcome stays unknown.
 */
export const outcomeUnknown = (e: unknown, lost = false): boolean =>
  e instanceof NetworkError ||
  (e instanceof ApiError &&
    (e.status >= 500 ||
      e.status === 401 ||
      (e.status === 429 && lost) ||
      (e.status === 409 && !DEFINITE_CONFLICTS.has(e.code))));

// ---------- settings and statements (web-settings) ----------

export type NotificationPreferences = z.infer<typeof s.NotificationPreferences>;
export type Webhook = z.infer<typeof s.Webhook>;
export type WebhookCreated = z.infer<typeof s.WebhookCreated>;
export type WebhookBody = z.input<typeof s.WebhookBody>;
export type Delivery = z.infer<typeof s.Delivery>;
export type DeliveryPage = z.infer<typeof s.DeliveryPage>;
export type StatementSummary = z.infer<typeof s.StatementSummary>;
export type DownloadLink = z.infer<typeof s.DownloadLink>;

const enc = encodeURIComponent;

/** The calls of the settings and statements screens, on the app's authenticated client. */
export const settingsApi = (api: Api) => ({
  notifications: () => api.request<NotificationPreferences>('GET', '/v1/me/notifications'),
  setNotifications: (p: NotificationPreferences) =>
    api.request<NotificationPreferences>('PUT', '/v1/me/notifications', p),
  webhooks: () => api.request<{ items: Webhook[] }>('GET', '/v1/webhooks'),
  webhook: (id: string) => api.request<Webhook>('GET', `/v1/webhooks/${enc(id)}`),
  /** Registered once per key: a repeat with the same key answers the same endpoint and secret. */
  createWebhook: (body: WebhookBody, key: string) =>
    api.request<WebhookCreated>('POST', '/v1/webhooks', body, key),
  deleteWebhook: (id: string) => api.request<void>('DELETE', `/v1/webhooks/${enc(id)}`),
  deliveries: (id: string, cursor?: string | null) =>
    api.request<DeliveryPage>(
      'GET',
      `/v1/webhooks/${enc(id)}/deliveries?${new URLSearchParams({ limit: '20', ...(cursor ? { cursor } : {}) })}`,
    ),
  retryDelivery: (id: string, deliveryId: string) =>
    api.request<Delivery>('POST', `/v1/webhooks/${enc(id)}/deliveries/${enc(deliveryId)}/retry`),
  /** A page of months, newest first: 12, then the months `before` the last page's `nextCursor`. */
  statements: (accountId: string, before?: string | null) =>
    api.request<{ items: StatementSummary[]; nextCursor: string | null }>(
      'GET',
      `/v1/accounts/${enc(accountId)}/statements?${new URLSearchParams(before ? { before } : {})}`,
    ),
  statementLink: (accountId: string, period: string, format: 'pdf' | 'csv') =>
    api.request<DownloadLink>(
      'GET',
      `/v1/accounts/${enc(accountId)}/statements/${enc(period)}?format=${format}`,
    ),
});
export type SettingsApi = ReturnType<typeof settingsApi>;
