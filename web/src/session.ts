/**
 * The session. The access token lives in memory only; the refresh token is kept in sessionStorage
 * (this tab; never localStorage) so that a reload can renew the session. The access
 * token is renewed quietly a minute before it expires (access tokens live 5 minutes on AWS), and
 * whenever the API answers 401.
 *
 * The time of the last activity is kept beside the refresh token, so a reload after the idle timeout
 * does not bring an idle session back; and the time the page was left, so that only a reload renews
 * it, not a closed tab reopened later (`RELOAD_WITHIN_MS`).
 */
import { type LoginResult, type MfaChallenge, send, type TokenSource, type Tokens } from './api.ts';
import type { Clock } from './clock.ts';
import { ApiError, NetworkError } from './errors.ts';

/**
 * A JWT's payload as read here, never trusted (the server verifies every token and checks every rule),
 * or nothing if it cannot be read: what the page shows or keeps apart (the back office, whose intents).
 */
export const tokenClaims = (token: string | undefined): Record<string, unknown> => {
  const payload = token?.split('.')[1];
  if (!payload) return {};
  try {
    const b64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const json: unknown = JSON.parse(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)));
    return json && typeof json === 'object' ? (json as Record<string, unknown>) : {};
  } catch {
    return {};
  }
};

/**
 * The email, name and password just registered with, kept in this tab's memory (never stored) for the
 * confirmation step, which sets the name and password: the customer need not type them twice. Given
 * for that email only. Forgotten once confirmed, and whenever a session starts or ends in this tab (a
 * login, a logout, the idle timeout, a session the bank ended: Session below): a password typed once
 * does not wait in the tab for whoever uses it next.
 */
export interface Registered {
  email: string;
  name: string;
  password: string;
}

let registered: Registered | undefined;

export const rememberRegistration = (r: Registered): void => {
  registered = r;
};

/** What was registered with `email`, if that is the registration remembered. */
export const registrationFor = (email: string): Registered | undefined =>
  registered?.email === email ? registered : undefined;

export const forgetRegistration = (): void => {
  registered = undefined;
};

export const REFRESH_KEY = 'bank.refreshToken';
export const ACTIVITY_KEY = 'bank.lastActivity';
/** When the page holding the session was last left (pagehide): see `RELOAD_WITHIN_MS`. */
export const LEFT_KEY = 'bank.leftAt';
/**
 * A page left at most this long before the next one loads is taken for a reload (or a navigation of
 * the app's own), and its session is renewed. A tab closed and reopened later ("Reopen closed tab"),
 * or brought back with the browser's session, gets its sessionStorage back, refresh token and all:
 * on a shared computer the next person would find the session, so it is ended instead.
 */
export const RELOAD_WITHIN_MS = 30_000;

/**
 * The page is being left (pagehide): a page loaded within `RELOAD_WITHIN_MS` renews the session.
 * Written only where a session is held. Called from the page's first moment (web/src/main.tsx), before
 * anything it waits for, so that a page that could not start still counts as left.
 */
export const recordLeaving = (storage: Pick<Storage, 'getItem' | 'setItem'>, at: number): void => {
  if (storage.getItem(REFRESH_KEY) !== null) storage.setItem(LEFT_KEY, String(at));
};

/**
 * Why a session ended, shown on the login screen: `logged_out`, `signed_out_everywhere` (every
 * session, from the Security settings) and `password_changed` are the customer's own doing.
 */
export type EndReason =
  | 'logged_out'
  | 'signed_out_everywhere'
  | 'password_changed'
  | 'expired'
  | 'idle'
  | 'left'
  | 'disabled';

export type SessionState = { signedIn: true } | { signedIn: false; reason?: EndReason };

export interface SessionOptions {
  baseUrl: string;
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
  clock: Clock;
  idleTimeoutMs: number;
  fetch?: typeof fetch;
  onChange?: (state: SessionState) => void;
}

const RENEW_BEFORE_MS = 60_000;
const RENEW_RETRY_MS = 15_000;
/** A held access token that lapses within this is not used to log out (see `end`): one is renewed for it. */
const LOGOUT_MARGIN_MS = 30_000;

export class Session implements TokenSource {
  readonly #o: SessionOptions;
  readonly #fetch: typeof fetch;
  #access: { token: string; expiresAt: number } | undefined;
  #refreshing: Promise<boolean> | undefined;
  #timer: unknown;
  /**
   * Which session this is: moved on when one starts or ends. A renewal that set out in an earlier one
   * (a logout while it was in flight) brings nothing back when it lands.
   */
  #epoch = 0;

  constructor(o: SessionOptions) {
    this.#o = o;
    this.#fetch = o.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  get signedIn(): boolean {
    return this.#access !== undefined;
  }

  accessToken(): string | undefined {
    return this.#access?.token;
  }

  /** The last activity recorded before this page loaded, if any. */
  lastActivity(): number | undefined {
    const t = Number(this.#o.storage.getItem(ACTIVITY_KEY));
    return Number.isFinite(t) && t > 0 ? t : undefined;
  }

  recordActivity(at: number): void {
    if (this.signedIn) this.#o.storage.setItem(ACTIVITY_KEY, String(at));
  }

  /**
   * Logs in. With MFA on, the API answers a challenge instead of tokens: this returns it, and
   * `completeMfa` finishes the login with the code from the authenticator app.
   */
  async login(email: string, password: string): Promise<MfaChallenge | undefined> {
    const r = await send<LoginResult>(this.#fetch, this.#o.baseUrl, {
      method: 'POST',
      path: '/v1/auth/login',
      body: { email, password },
    });
    if ('challenge' in r) return r;
    this.#start(r);
    return undefined;
  }

  async completeMfa(session: string, code: string): Promise<void> {
    this.#start(
      await send<Tokens>(this.#fetch, this.#o.baseUrl, {
        method: 'POST',
        path: '/v1/auth/login/mfa',
        body: { session, code },
      }),
    );
  }

  #start(tokens: Tokens): void {
    forgetRegistration();
    this.#epoch++;
    this.#refreshing = undefined;
    if (tokens.refreshToken) this.#o.storage.setItem(REFRESH_KEY, tokens.refreshToken);
    this.#o.storage.setItem(ACTIVITY_KEY, String(this.#o.clock.now()));
    this.#accept(tokens);
    this.#o.onChange?.({ signedIn: true });
  }

  /**
   * After a reload: renews the session from the stored refresh token, unless it has been idle too
   * long, or this page is not a reload (`RELOAD_WITHIN_MS`). Returns whether the customer is signed in.
   * `discarded`: the browser discarded the page to save memory and now loads it again (Chrome's
   * `document.wasDiscarded`): it was never left, so the idle rule alone applies.
   */
  async restore(opts: { discarded?: boolean } = {}): Promise<boolean> {
    // Read once: this page's own leaving writes it again.
    const left = Number(this.#o.storage.getItem(LEFT_KEY));
    this.#o.storage.removeItem(LEFT_KEY);
    if (!this.#o.storage.getItem(REFRESH_KEY)) return false;
    const now = this.#o.clock.now();
    const last = this.lastActivity();
    if (last === undefined || now - last >= this.#o.idleTimeoutMs) {
      await this.end('idle');
      return false;
    }
    if (!opts.discarded) {
      if (!(left > 0)) {
        // No time at all: a duplicated tab (its original took the time when it loaded, and holds the
        // same refresh token, which revoking would end for it too), or a tab that crashed. Forgotten
        // here, not revoked.
        this.expired('left');
        return false;
      }
      // Left too long ago: a tab closed and reopened, or restored with the browser's session.
      if (!(now - left >= 0 && now - left <= RELOAD_WITHIN_MS)) {
        await this.end('left');
        return false;
      }
    }
    // The bank out of reach: not signed in for now, and the refresh token kept for the next reload.
    const ok = await this.refresh().catch(() => false);
    if (ok) this.#o.onChange?.({ signedIn: true });
    return ok;
  }

  /**
   * Renews the access token; concurrent callers share one request. True once renewed, false when the
   * bank refused the refresh token (the session is over, and has been ended); a failure that is no
   * answer about the session (the bank unreachable, failing or throttling: 429) is thrown, and the session kept.
   */
  refresh(): Promise<boolean> {
    if (this.#refreshing) return this.#refreshing;
    const renewing = this.#renew().finally(() => {
      if (this.#refreshing === renewing) this.#refreshing = undefined;
    });
    this.#refreshing = renewing;
    return renewing;
  }

  async #renew(): Promise<boolean> {
    const refreshToken = this.#o.storage.getItem(REFRESH_KEY);
    if (!refreshToken) return false;
    const epoch = this.#epoch;
    try {
      const tokens = await this.#exchange(refreshToken);
      // Logged out (or another login) while it was in flight: those tokens belong to a session gone.
      if (epoch !== this.#epoch) return false;
      this.#accept(tokens);
      return true;
    } catch (e) {
      if (epoch !== this.#epoch) return false;
      if (e instanceof NetworkError || (e instanceof ApiError && (e.status >= 500 || e.status === 429))) {
        // Not an answer about the session (the bank unreachable, failing, or throttling the public
        // refresh route, which every signed-in tab shares): keep it, and try again soon.
        if (this.#access) this.#schedule(RENEW_RETRY_MS);
        throw e;
      }
      // The bank disabled this login (403 user_disabled): the customer is told so, not "session ended".
      this.expired(e instanceof ApiError && e.code === 'user_disabled' ? 'disabled' : 'expired');
      return false;
    }
  }

  #exchange(refreshToken: string): Promise<Tokens> {
    return send<Tokens>(this.#fetch, this.#o.baseUrl, {
      method: 'POST',
      path: '/v1/auth/refresh',
      body: { refreshToken },
    });
  }

  #accept(tokens: Tokens): void {
    const ttl = tokens.expiresIn * 1000;
    this.#access = { token: tokens.accessToken, expiresAt: this.#o.clock.now() + ttl };
    this.#schedule(Math.max(ttl - RENEW_BEFORE_MS, ttl / 2));
  }

  #schedule(ms: number): void {
    this.#o.clock.clearTimeout(this.#timer);
    // A renewal that could not reach the bank has already scheduled the next try.
    this.#timer = this.#o.clock.setTimeout(() => void this.refresh().catch(() => undefined), ms);
  }

  #clear(): void {
    // A password just registered with (rememberRegistration) does not outlive a session's start or end.
    forgetRegistration();
    this.#epoch++;
    this.#refreshing = undefined;
    this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#access = undefined;
    this.#o.storage.removeItem(REFRESH_KEY);
    this.#o.storage.removeItem(ACTIVITY_KEY);
  }

  /**
   * The API refused the token and it could not be renewed (or the bank disabled the login). With the
   * `token` the refused call carried: only if this session still holds it, so that a call (or its
   * renewal) that set out before a logout and a new login cannot end the new customer's session.
   */
  expired(reason: 'expired' | 'disabled' | 'left' = 'expired', token?: string): void {
    if (token !== undefined && token !== this.#access?.token) return;
    const was = this.signedIn || this.#o.storage.getItem(REFRESH_KEY) !== null;
    this.#clear();
    if (was) this.#o.onChange?.({ signedIn: false, reason });
  }

  /** Logs out: revokes the refresh token (best effort) and forgets every token. */
  async end(reason: EndReason = 'logged_out'): Promise<void> {
    const refreshToken = this.#o.storage.getItem(REFRESH_KEY);
    const access = this.#access;
    this.#clear();
    // The page is told at once: the revocation below may first wait for a renewal (up to the request's
    // timeout on a quiet connection), and an idle or chosen end must not leave the accounts on screen meanwhile.
    this.#o.onChange?.({ signedIn: false, reason });
    // Revoking needs an access token the API still takes: after a reload there is none yet, and one
    // about to lapse or lapsed (a laptop waking: the idle check ends the session before the overdue
    // renewal runs) would be refused with a 401, leaving the refresh token alive. So get a fresh one.
    const fresh = () =>
      refreshToken
        ? this.#exchange(refreshToken).then(
            (t) => t.accessToken,
            () => undefined,
          )
        : Promise.resolve(undefined);
    const held =
      access && access.expiresAt - this.#o.clock.now() > LOGOUT_MARGIN_MS ? access.token : undefined;
    const token = held ?? (await fresh());
    if (!refreshToken || !token) return;
    const logout = (t: string) =>
      send(this.#fetch, this.#o.baseUrl, {
        method: 'POST',
        path: '/v1/auth/logout',
        body: { refreshToken },
        token: t,
      });
    try {
      await logout(token);
    } catch (e) {
      // The held token refused after all (a clock out of step, a token revoked): renew once and ask again.
      if (!(e instanceof ApiError && e.status === 401) || token !== held) return;
      const renewed = await fresh();
      if (renewed) await logout(renewed).catch(() => undefined);
    }
  }
}
