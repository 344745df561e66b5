import { describe, expect, it } from 'vitest';
import { problem } from '../../src/api/problem.ts';
import { Api } from './api.ts';
import { NetworkError } from './errors.ts';
import { fakeClock } from './fake-clock.ts';
import {
  ACTIVITY_KEY,
  LEFT_KEY,
  REFRESH_KEY,
  RELOAD_WITHIN_MS,
  recordLeaving,
  registrationFor,
  rememberRegistration,
  Session,
  type SessionState,
  tokenClaims,
} from './session.ts';

const MIN = 60_000;

/**
 * An in-memory auth API: issues numbered access tokens valid for `expiresIn` seconds (an hour), and
 * refuses a logout whose access token has lapsed by its clock (`now`) or is in `refusedAccess`.
 */
const fakeAuth = (o: { expiresIn?: number; now?: () => number } = {}) => {
  const calls: string[] = [];
  const revoked = new Set<string>();
  const refusedAccess = new Set<string>();
  const expiry = new Map<string, number>();
  const now = o.now ?? (() => 0);
  const expiresIn = o.expiresIn ?? 3600;
  let n = 0;
  let mode: 'ok' | 'offline' | 'down' | 'disabled' | 'throttled' = 'ok';
  const fetchFn = (async (url: string, init: RequestInit = {}) => {
    const body = init.body ? JSON.parse(String(init.body)) : {};
    const auth = (init.headers as Record<string, string>).authorization ?? '';
    calls.push(`${url} ${auth}`.trim());
    if (mode === 'offline') throw new TypeError('Failed to fetch');
    if (mode === 'down') return new Response('', { status: 503 });
    // API Gateway's throttle of a public route, or the local gateway's per-IP limit.
    if (mode === 'throttled')
      return Response.json(problem('rate_limited'), { status: 429, headers: { 'retry-after': '1' } });
    const tokens = (refresh: boolean) => {
      expiry.set(`access-${++n}`, now() + expiresIn * 1000);
      return Response.json({
        accessToken: `access-${n}`,
        idToken: 'id',
        ...(refresh ? { refreshToken: `refresh-${n}` } : {}),
        expiresIn,
        tokenType: 'Bearer',
      });
    };
    if (url === '/v1/auth/login') {
      if (body.email === 'mfa@example.com' && body.password === 'right')
        return Response.json({ challenge: 'totp', session: 'pending-1' });
      if (body.password !== 'right') return Response.json(problem('invalid_credentials'), { status: 401 });
      return tokens(true);
    }
    if (url === '/v1/auth/login/mfa') {
      if (body.session !== 'pending-1' || body.code !== '123456')
        return Response.json(problem('invalid_code'), { status: 400 });
      return tokens(true);
    }
    if (url === '/v1/auth/refresh') {
      if (mode === 'disabled') return Response.json(problem('user_disabled'), { status: 403 });
      if (revoked.has(body.refreshToken))
        return Response.json(problem('invalid_refresh_token'), { status: 401 });
      return tokens(false);
    }
    if (url === '/v1/auth/logout') {
      const access = auth.replace(/^Bearer /, '');
      if (refusedAccess.has(access) || (expiry.get(access) ?? 0) <= now())
        return Response.json(problem('unauthorized'), { status: 401 });
      revoked.add(body.refreshToken);
      return new Response(null, { status: 204 });
    }
    return new Response('', { status: 404 });
  }) as typeof fetch;
  return {
    fetchFn,
    calls,
    revoked,
    refusedAccess,
    setMode: (m: typeof mode) => {
      mode = m;
    },
  };
};

const memoryStorage = () => {
  const m = new Map<string, string>();
  return {
    map: m,
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    removeItem: (k: string) => void m.delete(k),
  };
};

const setup = (shared?: {
  storage?: ReturnType<typeof memoryStorage>;
  clock?: ReturnType<typeof fakeClock>;
  /** The access tokens' life in seconds (an hour). */
  expiresIn?: number;
}) => {
  const clock = shared?.clock ?? fakeClock();
  const auth = fakeAuth({ now: clock.now, ...(shared?.expiresIn ? { expiresIn: shared.expiresIn } : {}) });
  const storage = shared?.storage ?? memoryStorage();
  const states: SessionState[] = [];
  const session = new Session({
    baseUrl: '',
    storage,
    clock,
    idleTimeoutMs: 15 * MIN,
    fetch: auth.fetchFn,
    onChange: (s) => states.push(s),
  });
  return { auth, storage, clock, states, session };
};

describe('tokenClaims', () => {
  const jwt = (payload: unknown) =>
    `h.${btoa(JSON.stringify(payload)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}.s`;

  it("reads a token's payload, base64url without padding included", () => {
    expect(tokenClaims(jwt({ sub: 'a-b', 'cognito:groups': ['admin'], n: '??>>' }))).toEqual({
      sub: 'a-b',
      'cognito:groups': ['admin'],
      n: '??>>',
    });
  });

  it('reads nothing from no token, a broken one, or one whose payload is not an object', () => {
    expect(tokenClaims(undefined)).toEqual({});
    expect(tokenClaims('not-a-jwt')).toEqual({});
    expect(tokenClaims('h.%%%.s')).toEqual({});
    expect(tokenClaims(jwt('just a string'))).toEqual({});
  });
});

describe('Session', () => {
  it('keeps the access token in memory and only the refresh token in sessionStorage', async () => {
    const { session, storage, states } = setup();
    await session.login('ada@example.com', 'right');
    expect(session.accessToken()).toBe('access-1');
    expect([...storage.map.keys()].sort()).toEqual([ACTIVITY_KEY, REFRESH_KEY]);
    expect(storage.map.get(REFRESH_KEY)).toBe('refresh-1');
    expect([...storage.map.values()].join()).not.toContain('access-');
    expect(states).toEqual([{ signedIn: true }]);
  });

  it('with MFA on, signs in only after the TOTP step', async () => {
    const { session, storage, states } = setup();
    expect(await session.login('mfa@example.com', 'right')).toEqual({
      challenge: 'totp',
      session: 'pending-1',
    });
    expect(session.signedIn).toBe(false);
    expect(storage.map.size).toBe(0);
    await expect(session.completeMfa('pending-1', '000000')).rejects.toMatchObject({ code: 'invalid_code' });
    expect(session.signedIn).toBe(false);
    await session.completeMfa('pending-1', '123456');
    expect(session.accessToken()).toBe('access-1');
    expect(storage.map.get(REFRESH_KEY)).toBe('refresh-1');
    expect(states).toEqual([{ signedIn: true }]);
  });

  it('does not sign in on wrong credentials', async () => {
    const { session, storage } = setup();
    await expect(session.login('ada@example.com', 'wrong')).rejects.toMatchObject({
      code: 'invalid_credentials',
    });
    expect(session.signedIn).toBe(false);
    expect(storage.map.size).toBe(0);
  });

  it('renews the access token a minute before it expires', async () => {
    const { session, clock, auth } = setup();
    await session.login('ada@example.com', 'right');
    clock.advance(59 * MIN - 1);
    expect(auth.calls).toEqual(['/v1/auth/login']);
    clock.advance(1);
    await session.refresh();
    expect(session.accessToken()).toBe('access-2');
    expect(auth.calls).toEqual(['/v1/auth/login', '/v1/auth/refresh']);
  });

  it('shares one renewal between concurrent callers', async () => {
    const { session, auth } = setup();
    await session.login('ada@example.com', 'right');
    expect(await Promise.all([session.refresh(), session.refresh(), session.refresh()])).toEqual([
      true,
      true,
      true,
    ]);
    expect(auth.calls.filter((c) => c === '/v1/auth/refresh')).toHaveLength(1);
  });

  it('renews the session after a reload from the stored refresh token', async () => {
    const first = setup();
    await first.session.login('ada@example.com', 'right');
    first.clock.advance(5 * MIN);
    first.session.recordActivity(first.clock.now());
    first.clock.advance(9 * MIN);
    recordLeaving(first.storage, first.clock.now());
    first.clock.advance(RELOAD_WITHIN_MS);
    const reloaded = setup({ storage: first.storage, clock: first.clock });
    expect(reloaded.session.signedIn).toBe(false);
    expect(await reloaded.session.restore()).toBe(true);
    // Read once: a page loaded later again, without this one being left, is not a reload.
    expect(first.storage.map.has(LEFT_KEY)).toBe(false);
    expect(reloaded.session.accessToken()).toBe('access-1');
    expect(reloaded.states).toEqual([{ signedIn: true }]);
  });

  it('does not bring back a session idle for 15 minutes, and revokes it', async () => {
    const first = setup();
    await first.session.login('ada@example.com', 'right');
    first.clock.advance(15 * MIN);
    const reloaded = setup({ storage: first.storage, clock: first.clock });
    expect(await reloaded.session.restore()).toBe(false);
    expect(reloaded.states).toEqual([{ signedIn: false, reason: 'idle' }]);
    expect(reloaded.auth.calls).toEqual(['/v1/auth/refresh', '/v1/auth/logout Bearer access-1']);
    expect(reloaded.auth.revoked).toEqual(new Set(['refresh-1']));
    expect(first.storage.map.size).toBe(0);
  });

  it('does not bring back the session of a tab closed and reopened later, or restored with the browser, and revokes it', async () => {
    const first = setup();
    await first.session.login('ada@example.com', 'right');
    first.session.recordActivity(first.clock.now());
    recordLeaving(first.storage, first.clock.now());
    // Reopened a minute later ("Reopen closed tab" brings sessionStorage back): well within the idle time.
    first.clock.advance(RELOAD_WITHIN_MS + 1);
    const reopened = setup({ storage: first.storage, clock: first.clock });
    expect(await reopened.session.restore()).toBe(false);
    expect(reopened.states).toEqual([{ signedIn: false, reason: 'left' }]);
    expect(reopened.auth.revoked).toEqual(new Set(['refresh-1']));
    expect(first.storage.map.size).toBe(0);
  });

  it('a page that finds no time of leaving (a duplicated tab, a crashed one) forgets the session without revoking it: the original tab keeps it', async () => {
    for (const left of [undefined, 'garbage']) {
      const first = setup();
      await first.session.login('ada@example.com', 'right');
      // "Duplicate tab" copies sessionStorage: the copy loads with the original's refresh token.
      const copied = memoryStorage();
      for (const [k, v] of first.storage.map) copied.setItem(k, v);
      if (left !== undefined) copied.setItem(LEFT_KEY, left);
      const copy = setup({ storage: copied, clock: first.clock });
      expect(await copy.session.restore(), String(left)).toBe(false);
      expect(copy.states, String(left)).toEqual([{ signedIn: false, reason: 'left' }]);
      expect(copy.auth.calls, String(left)).toEqual([]);
      expect(copied.map.size, String(left)).toBe(0);
      // The original renews as before.
      first.clock.advance(5 * MIN);
      expect(await first.session.refresh(), String(left)).toBe(true);
    }
  });

  it('a time of leaving ahead of the clock is no reload: ended and revoked', async () => {
    const first = setup();
    await first.session.login('ada@example.com', 'right');
    first.storage.setItem(LEFT_KEY, String(first.clock.now() + 60_000));
    const reloaded = setup({ storage: first.storage, clock: first.clock });
    expect(await reloaded.session.restore()).toBe(false);
    expect(reloaded.states).toEqual([{ signedIn: false, reason: 'left' }]);
    expect(reloaded.auth.revoked).toEqual(new Set(['refresh-1']));
  });

  it('a page the browser discarded and loads again (never left) keeps its session, within the idle time', async () => {
    const first = setup();
    await first.session.login('ada@example.com', 'right');
    first.clock.advance(10 * MIN);
    const reloaded = setup({ storage: first.storage, clock: first.clock });
    expect(await reloaded.session.restore({ discarded: true })).toBe(true);
    first.clock.advance(15 * MIN);
    const idle = setup({ storage: first.storage, clock: first.clock });
    expect(await idle.session.restore({ discarded: true })).toBe(false);
    expect(idle.states).toEqual([{ signedIn: false, reason: 'idle' }]);
    // Nothing is written for a page with no session.
    const none = setup();
    recordLeaving(none.storage, none.clock.now());
    expect(none.storage.map.size).toBe(0);
  });

  it('reports an expired session when the refresh token is refused', async () => {
    const { session, states, storage, auth } = setup();
    await session.login('ada@example.com', 'right');
    auth.revoked.add('refresh-1');
    expect(await session.refresh()).toBe(false);
    expect(session.signedIn).toBe(false);
    expect(storage.map.size).toBe(0);
    expect(states).toEqual([{ signedIn: true }, { signedIn: false, reason: 'expired' }]);
    session.expired();
    expect(states).toHaveLength(2);
  });

  it('says the login was disabled when the renewal is refused for that', async () => {
    const { session, states, storage, auth } = setup();
    await session.login('ada@example.com', 'right');
    auth.setMode('disabled');
    expect(await session.refresh()).toBe(false);
    expect(session.signedIn).toBe(false);
    expect(storage.map.size).toBe(0);
    expect(states).toEqual([{ signedIn: true }, { signedIn: false, reason: 'disabled' }]);
  });

  it('keeps the session through a network failure and tries again', async () => {
    const { session, clock, auth, states } = setup();
    await session.login('ada@example.com', 'right');
    auth.setMode('offline');
    clock.advance(59 * MIN);
    // No answer about the session: thrown for the caller to show, the session kept.
    await expect(session.refresh()).rejects.toBeInstanceOf(NetworkError);
    expect(session.accessToken()).toBe('access-1');
    expect(states).toEqual([{ signedIn: true }]);
    auth.setMode('ok');
    clock.advance(15_000);
    await session.refresh();
    expect(session.accessToken()).toBe('access-2');
  });

  it('keeps the session, and the refresh token across a reload, when the renewal is throttled (429)', async () => {
    const { session, clock, auth, states, storage } = setup();
    await session.login('ada@example.com', 'right');
    auth.setMode('throttled');
    // A reload now: not signed in for the moment, the refresh token kept for the next try.
    recordLeaving(storage, clock.now());
    const reloaded = new Session({
      baseUrl: '',
      storage,
      clock,
      idleTimeoutMs: 15 * MIN,
      fetch: auth.fetchFn,
    });
    expect(await reloaded.restore()).toBe(false);
    expect(storage.map.get(REFRESH_KEY)).toBe('refresh-1');
    // A 429 says nothing about the session, as a 503 does not: thrown, the session kept.
    clock.advance(59 * MIN);
    await expect(session.refresh()).rejects.toMatchObject({ status: 429 });
    expect(session.accessToken()).toBe('access-1');
    expect(states).toEqual([{ signedIn: true }]);
    auth.setMode('ok');
    clock.advance(15_000);
    await session.refresh();
    expect(session.accessToken()).toBe('access-2');
  });

  it('keeps the customer signed in when a 401 is followed by a renewal the bank cannot answer', async () => {
    const auth = fakeAuth();
    let refreshDown = true;
    // Every call is refused (the access token was revoked server-side, say); the renewal fails on the way.
    const fetchFn = (async (url: string, init?: RequestInit) => {
      if (url === '/v1/me') return Response.json(problem('unauthorized'), { status: 401 });
      if (url === '/v1/auth/refresh' && refreshDown) throw new TypeError('Failed to fetch');
      return auth.fetchFn(url, init);
    }) as typeof fetch;
    const states: SessionState[] = [];
    const storage = memoryStorage();
    const session = new Session({
      baseUrl: '',
      storage,
      clock: fakeClock(),
      idleTimeoutMs: 15 * MIN,
      fetch: fetchFn,
      onChange: (s) => states.push(s),
    });
    const api = new Api({ baseUrl: '', tokens: session, fetch: fetchFn, sleep: async () => {} });
    await session.login('ada@example.com', 'right');
    await expect(api.me()).rejects.toBeInstanceOf(NetworkError);
    expect(session.signedIn).toBe(true);
    expect(storage.map.get(REFRESH_KEY)).toBe('refresh-1');
    expect(states).toEqual([{ signedIn: true }]);
    // A definite refusal of the refresh token does end it.
    refreshDown = false;
    auth.revoked.add('refresh-1');
    await expect(api.me()).rejects.toMatchObject({ status: 401 });
    expect(session.signedIn).toBe(false);
    expect(states).toEqual([{ signedIn: true }, { signedIn: false, reason: 'expired' }]);
  });

  it('brings nothing back from a renewal that lands after logout', async () => {
    const auth = fakeAuth();
    // The renewal's answer (new tokens) waits until the test lets it through.
    let release: () => void = () => {};
    let reached: () => void = () => {};
    const inFlight = new Promise<void>((r) => {
      reached = r;
    });
    let held = false;
    const fetchFn = (async (url: string, init?: RequestInit) => {
      const answer = await auth.fetchFn(url, init);
      if (url !== '/v1/auth/refresh' || held) return answer;
      held = true;
      reached();
      return new Promise<Response>((resolve) => {
        release = () => resolve(answer);
      });
    }) as typeof fetch;
    const states: SessionState[] = [];
    const first = memoryStorage();
    const clock = fakeClock();
    const make = () =>
      new Session({
        baseUrl: '',
        storage: first,
        clock,
        idleTimeoutMs: 15 * MIN,
        fetch: fetchFn,
        onChange: (s) => states.push(s),
      });
    const before = make();
    await before.login('ada@example.com', 'right');
    // A reload: the session is being restored when the customer logs out.
    recordLeaving(first, clock.now());
    const session = make();
    const restoring = session.restore();
    await inFlight;
    await session.end();
    release();
    expect(await restoring).toBe(false);
    expect(session.accessToken()).toBeUndefined();
    expect(session.signedIn).toBe(false);
    expect(states.slice(1)).toEqual([{ signedIn: false, reason: 'logged_out' }]);
  });

  it('a renewal that lands after a logout and another login ends nothing of the new session', async () => {
    const auth = fakeAuth();
    // The first customer's call is refused (its token lapsed); the renewal it asks for waits.
    let release: () => void = () => {};
    let reached: () => void = () => {};
    const inFlight = new Promise<void>((r) => {
      reached = r;
    });
    let refreshes = 0;
    const fetchFn = (async (url: string, init?: RequestInit) => {
      if (url === '/v1/me') return Response.json(problem('unauthorized'), { status: 401 });
      const answer = await auth.fetchFn(url, init);
      if (url !== '/v1/auth/refresh' || refreshes++ > 0) return answer;
      reached();
      return new Promise<Response>((resolve) => {
        release = () => resolve(answer);
      });
    }) as typeof fetch;
    const states: SessionState[] = [];
    const session = new Session({
      baseUrl: '',
      storage: memoryStorage(),
      clock: fakeClock(),
      idleTimeoutMs: 15 * MIN,
      fetch: fetchFn,
      onChange: (s) => states.push(s),
    });
    const api = new Api({ baseUrl: '', tokens: session, fetch: fetchFn, sleep: async () => {} });
    await session.login('ada@example.com', 'right');
    const call = api.me();
    await inFlight;
    await session.end();
    await session.login('bea@example.com', 'right');
    const bea = session.accessToken();
    release();
    await expect(call).rejects.toMatchObject({ status: 401 });
    // Bea is still signed in, with her own token: Ada's late renewal neither ended nor replaced it.
    expect(session.signedIn).toBe(true);
    expect(session.accessToken()).toBe(bea);
    expect(states).toEqual([
      { signedIn: true },
      { signedIn: false, reason: 'logged_out' },
      { signedIn: true },
    ]);
  });

  it('logs out: revokes the refresh token and forgets everything', async () => {
    const { session, storage, states, auth } = setup();
    await session.login('ada@example.com', 'right');
    auth.setMode('ok');
    await session.end();
    expect(session.signedIn).toBe(false);
    expect(storage.map.size).toBe(0);
    expect(auth.revoked).toEqual(new Set(['refresh-1']));
    expect(auth.calls.at(-1)).toBe('/v1/auth/logout Bearer access-1');
    expect(states.at(-1)).toEqual({ signedIn: false, reason: 'logged_out' });
  });

  /** A session whose timers never run (a laptop asleep), its clock moved by hand, tokens of 5 minutes. */
  const asleep = async () => {
    const clock: ReturnType<typeof fakeClock> = {
      ...fakeClock(),
      setTimeout: () => 0,
      clearTimeout: () => {},
    };
    const s = setup({ clock, expiresIn: 300 });
    await s.session.login('ada@example.com', 'right');
    return s;
  };

  it('revokes the refresh token on an idle end after a sleep, when the held access token has lapsed', async () => {
    // The laptop wakes after 20 minutes: the renewal is overdue, and the idle check ends the session
    // first, holding an access token that lapsed 15 minutes ago.
    const { clock, auth, storage, session } = await asleep();
    clock.advance(20 * MIN);
    await session.end('idle');
    expect(auth.revoked).toEqual(new Set(['refresh-1']));
    expect(auth.calls).toEqual(['/v1/auth/login', '/v1/auth/refresh', '/v1/auth/logout Bearer access-2']);
    expect(storage.map.size).toBe(0);
  });

  it('tells the page the session ended at once, not when the renewal for the revocation answers', async () => {
    // The laptop wakes on a connection gone quiet: the renewal that the revocation needs hangs (until
    // the request's 35 s timeout). The idle end must clear the screen now, not after it.
    const { clock, auth, states } = await asleep();
    let reached: () => void = () => {};
    const inFlight = new Promise<void>((r) => {
      reached = r;
    });
    let release: () => void = () => {};
    const quiet = (async (url: string, init?: RequestInit) => {
      if (url !== '/v1/auth/refresh') return auth.fetchFn(url, init);
      reached();
      await new Promise<void>((r) => {
        release = r;
      });
      return auth.fetchFn(url, init);
    }) as typeof fetch;
    const s = new Session({
      baseUrl: '',
      storage: memoryStorage(),
      clock,
      idleTimeoutMs: 15 * MIN,
      fetch: quiet,
      onChange: (st) => states.push(st),
    });
    await s.login('bea@example.com', 'right');
    clock.advance(20 * MIN);
    states.length = 0;
    const ending = s.end('idle');
    await inFlight;
    expect(states).toEqual([{ signedIn: false, reason: 'idle' }]);
    release();
    await ending;
    expect(states).toEqual([{ signedIn: false, reason: 'idle' }]);
    expect(auth.revoked).toContain('refresh-2');
  });

  it('renews an access token that lapses within 30 seconds before logging out with it', async () => {
    const { clock, auth, session } = await asleep();
    clock.advance(5 * MIN - 15_000);
    await session.end();
    expect(auth.revoked).toEqual(new Set(['refresh-1']));
    expect(auth.calls).toEqual(['/v1/auth/login', '/v1/auth/refresh', '/v1/auth/logout Bearer access-2']);
  });

  it('renews once and logs out again when the bank refuses the held access token (401)', async () => {
    const { session, auth, storage } = setup();
    await session.login('ada@example.com', 'right');
    auth.refusedAccess.add('access-1');
    await session.end();
    expect(auth.revoked).toEqual(new Set(['refresh-1']));
    expect(auth.calls).toEqual([
      '/v1/auth/login',
      '/v1/auth/logout Bearer access-1',
      '/v1/auth/refresh',
      '/v1/auth/logout Bearer access-2',
    ]);
    expect(storage.map.size).toBe(0);
  });

  it('logs out locally even when the server cannot be reached', async () => {
    const { session, storage, auth } = setup();
    await session.login('ada@example.com', 'right');
    auth.setMode('down');
    await session.end();
    expect(session.signedIn).toBe(false);
    expect(storage.map.size).toBe(0);
  });
});

describe('a password just registered with (rememberRegistration) does not outlive a session', () => {
  const typed = { email: 'new@example.com', name: 'New Customer', password: 'Correct-Horse-9' };

  it('is given to the confirmation of its email, and to no other', () => {
    rememberRegistration(typed);
    expect(registrationFor('new@example.com')).toEqual(typed);
    expect(registrationFor('other@example.com')).toBeUndefined();
  });

  it('is forgotten when a session starts (a login), or ends by logout, by the bank, or idle', async () => {
    const { session, auth, clock, storage } = setup();
    rememberRegistration(typed);
    await session.login('ada@example.com', 'right');
    expect(registrationFor(typed.email)).toBeUndefined();

    rememberRegistration(typed);
    await session.end('logged_out');
    expect(registrationFor(typed.email)).toBeUndefined();

    await session.login('ada@example.com', 'right');
    rememberRegistration(typed);
    auth.revoked.add('refresh-2');
    expect(await session.refresh()).toBe(false);
    expect(registrationFor(typed.email)).toBeUndefined();

    await session.login('ada@example.com', 'right');
    rememberRegistration(typed);
    clock.advance(15 * MIN);
    const reloaded = setup({ storage, clock });
    expect(await reloaded.session.restore()).toBe(false);
    expect(registrationFor(typed.email)).toBeUndefined();
  });
});
