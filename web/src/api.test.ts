import { describe, expect, it, vi } from 'vitest';
import { problem } from '../../src/api/problem.ts';
import { errorCatalog } from '../../src/domain/errors.ts';
import {
  type Account,
  Api,
  type OpenAccountBody,
  outcomeUnknown,
  REQUEST_TIMEOUT_MS,
  send,
  type TokenSource,
  type Transaction,
  type TransferBody,
} from './api.ts';
import { ApiError, NetworkError } from './errors.ts';
import { createIntent } from './idempotency.ts';

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A fetch that answers from a script of responses (or throws for `'offline'`). */
const scripted = (answers: (Response | 'offline')[]) => {
  const seen: Seen[] = [];
  const fetchFn = (async (url: string, init: RequestInit = {}) => {
    seen.push({
      method: String(init.method),
      url,
      headers: init.headers as Record<string, string>,
      body: init.body ? JSON.parse(String(init.body)) : undefined,
    });
    const next = answers.shift();
    if (!next) throw new Error('no more answers');
    if (next === 'offline') throw new TypeError('Failed to fetch');
    return next;
  }) as typeof fetch;
  return { fetchFn, seen };
};

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const problemRes = (code: Parameters<typeof problem>[0], status: number) =>
  new Response(JSON.stringify(problem(code)), {
    status,
    headers: { 'content-type': 'application/problem+json' },
  });

const tokens = (over: Partial<TokenSource> = {}) => {
  const log: string[] = [];
  let token = 'token-1';
  const source: TokenSource = {
    accessToken: () => token,
    refresh: async () => {
      log.push('refresh');
      token = 'token-2';
      return true;
    },
    expired: (reason?: string) => log.push(reason && reason !== 'expired' ? `expired ${reason}` : 'expired'),
    ...over,
  };
  return { source, log };
};

const noSleep = async () => {};

describe('send', () => {
  it('sends JSON with the token and the idempotency key, and reads JSON back', async () => {
    const { fetchFn, seen } = scripted([json(201, { id: 'tx' })]);
    const out = await send(fetchFn, 'https://api.example.com', {
      method: 'POST',
      path: '/v1/transfers',
      body: { amount: 5 },
      token: 't',
      idempotencyKey: 'k',
    });
    expect(out).toEqual({ id: 'tx' });
    expect(seen[0]).toEqual({
      method: 'POST',
      url: 'https://api.example.com/v1/transfers',
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        authorization: 'Bearer t',
        'idempotency-key': 'k',
      },
      body: { amount: 5 },
    });
  });

  it('returns nothing for 204 and throws typed errors', async () => {
    const { fetchFn } = scripted([
      new Response(null, { status: 204 }),
      problemRes('insufficient_funds', 422),
      'offline',
      new Response('<html>bad gateway</html>', { status: 502 }),
    ]);
    const o = { method: 'POST', path: '/x' } as const;
    expect(await send(fetchFn, '', o)).toBeUndefined();
    await expect(send(fetchFn, '', o)).rejects.toMatchObject({ status: 422, code: 'insufficient_funds' });
    await expect(send(fetchFn, '', o)).rejects.toBeInstanceOf(NetworkError);
    await expect(send(fetchFn, '', o)).rejects.toMatchObject({ status: 502, code: 'internal_error' });
  });

  it('takes a success whose body is cut mid-way, not JSON, or empty as no answer (NetworkError), never as done', async () => {
    // The stream breaks after half of the JSON has arrived.
    const cutMidway = () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(new TextEncoder().encode('{"id":"tx","amou'));
            c.error(new TypeError('network error'));
          },
        }),
        { status: 201, headers: { 'content-type': 'application/json' } },
      );
    const { fetchFn } = scripted([
      cutMidway(),
      new Response('{"id":"tx","amou', { status: 201 }),
      new Response('<html>welcome to the hotel wifi</html>', { status: 200 }),
      new Response('', { status: 201 }),
    ]);
    const o = { method: 'POST', path: '/x', idempotencyKey: 'k' } as const;
    for (let i = 0; i < 4; i++) await expect(send(fetchFn, '', o)).rejects.toBeInstanceOf(NetworkError);
  });
});

describe('Api', () => {
  it('renews the session once on a 401 and retries with the new token', async () => {
    const { fetchFn, seen } = scripted([json(401, { message: 'Unauthorized' }), json(200, { items: [] })]);
    const t = tokens();
    const api = new Api({ baseUrl: '', tokens: t.source, fetch: fetchFn, sleep: noSleep });
    expect(await api.me()).toEqual({ items: [] });
    expect(t.log).toEqual(['refresh']);
    expect(seen.map((s) => s.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
  });

  it('ends the session when the 401 cannot be cured', async () => {
    const { fetchFn } = scripted([json(401, { message: 'Unauthorized' })]);
    const t = tokens({ refresh: async () => false });
    const api = new Api({ baseUrl: '', tokens: t.source, fetch: fetchFn, sleep: noSleep });
    await expect(api.me()).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    expect(t.log).toEqual(['expired']);

    const again = scripted([json(401, { message: 'Unauthorized' }), json(401, { message: 'Unauthorized' })]);
    const t2 = tokens();
    const api2 = new Api({ baseUrl: '', tokens: t2.source, fetch: again.fetchFn, sleep: noSleep });
    await expect(api2.me()).rejects.toBeInstanceOf(ApiError);
    expect(t2.log).toEqual(['refresh', 'expired']);
  });

  it('keeps the session when the renewal after a 401 cannot reach the bank, and says so instead', async () => {
    // A GET is retried (the renewal is asked again each time); a POST without a key is not.
    const { fetchFn, seen } = scripted([
      json(401, { message: 'Unauthorized' }),
      json(401, { message: 'Unauthorized' }),
      json(401, { message: 'Unauthorized' }),
      json(401, { message: 'Unauthorized' }),
    ]);
    const sleeps: number[] = [];
    const t = tokens({
      refresh: async () => {
        t.log.push('refresh');
        throw new NetworkError();
      },
    });
    const api = new Api({
      baseUrl: '',
      tokens: t.source,
      fetch: fetchFn,
      sleep: async (ms) => void sleeps.push(ms),
    });
    await expect(api.me()).rejects.toBeInstanceOf(NetworkError);
    expect(t.log).toEqual(['refresh', 'refresh', 'refresh']);
    expect(sleeps).toEqual([300, 1000]);
    expect(seen).toHaveLength(3);
    await expect(api.openAccount({ type: 'checking', currency: 'USD' })).rejects.toBeInstanceOf(NetworkError);
    // Never 'expired': the customer stays signed in and may try again.
    expect(t.log).toEqual(['refresh', 'refresh', 'refresh', 'refresh']);
  });

  it('ends the session, saying why, when the bank has disabled the login (403 user_disabled)', async () => {
    const { fetchFn, seen } = scripted([problemRes('user_disabled', 403)]);
    const t = tokens();
    const api = new Api({ baseUrl: '', tokens: t.source, fetch: fetchFn, sleep: noSleep });
    await expect(api.me()).rejects.toMatchObject({ status: 403, code: 'user_disabled' });
    expect(t.log).toEqual(['expired disabled']);
    expect(seen).toHaveLength(1);
  });

  it('sends nothing without a token', async () => {
    const { fetchFn, seen } = scripted([]);
    const t = tokens({ accessToken: () => undefined });
    const api = new Api({ baseUrl: '', tokens: t.source, fetch: fetchFn, sleep: noSleep });
    await expect(api.me()).rejects.toMatchObject({ code: 'unauthorized' });
    expect(seen).toEqual([]);
    expect(t.log).toEqual(['expired']);
  });

  it('retries a money movement on a lost connection with the same key', async () => {
    const { fetchFn, seen } = scripted([
      'offline',
      problemRes('idempotency_key_in_use', 409),
      json(201, { id: 'tx' }),
    ]);
    const sleeps: number[] = [];
    const api = new Api({
      baseUrl: '',
      tokens: tokens().source,
      fetch: fetchFn,
      sleep: async (ms) => void sleeps.push(ms),
    });
    const body = { fromAccountId: 'a', toAccountNumber: '0000000000', amount: 5, currency: 'USD' as const };
    expect(await api.transfer(body, 'key-1')).toEqual({ id: 'tx' });
    expect(seen.map((s) => s.headers['idempotency-key'])).toEqual(['key-1', 'key-1', 'key-1']);
    expect(sleeps).toEqual([300, 1000]);
  });

  it('asks a money movement whose answer came cut again with the same key, and the intent keeps it until then', async () => {
    const { fetchFn, seen } = scripted([
      new Response('{"id":"tx","amou', { status: 201 }),
      new Response('{"id":"tx","amou', { status: 201 }),
      new Response('{"id":"tx","amou', { status: 201 }),
      json(201, { id: 'tx', amount: -500 }),
    ]);
    const api = new Api({ baseUrl: '', tokens: tokens().source, fetch: fetchFn, sleep: noSleep });
    let n = 0;
    const intent = createIntent<TransferBody, Transaction>({
      isRetryable: outcomeUnknown,
      newKey: () => `key-${++n}`,
    });
    const body = { fromAccountId: 'a', toAccountNumber: '0000000000', amount: 5, currency: 'USD' as const };
    // Three cut answers: the outcome is unknown (never a success with nothing in it), the key still held.
    await expect(intent.submit(body, (key) => api.transfer(body, key))).rejects.toBeInstanceOf(NetworkError);
    expect(intent.held?.key).toBe('key-1');
    expect(intent.settled).toBeUndefined();
    // Asked again: the same key, and the bank's replayed answer settles it.
    expect(await intent.submit(body, (key) => api.transfer(body, key))).toEqual({ id: 'tx', amount: -500 });
    expect(seen.map((s) => s.headers['idempotency-key'])).toEqual(['key-1', 'key-1', 'key-1', 'key-1']);
    expect(intent.held).toBeUndefined();
  });

  it('gives up on an answer that never comes (a connection gone quiet): unknown, the key kept, not retried at once', async () => {
    vi.useFakeTimers();
    try {
      const keys: string[] = [];
      // Connected, and then nothing: neither an answer nor an error, until the request is aborted.
      const quiet = ((_url: string, init: RequestInit = {}) => {
        keys.push((init.headers as Record<string, string>)['idempotency-key'] ?? '');
        return new Promise((_resolve, reject) =>
          init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))),
        );
      }) as typeof fetch;
      const api = new Api({ baseUrl: '', tokens: tokens().source, fetch: quiet, sleep: noSleep });
      const body = { fromAccountId: 'a', toAccountNumber: '0000000000', amount: 5, currency: 'USD' as const };
      let outcome: unknown = 'still sending';
      void api.transfer(body, 'k1').catch((e: unknown) => {
        outcome = e;
      });
      await vi.advanceTimersByTimeAsync(REQUEST_TIMEOUT_MS - 1);
      expect(outcome).toBe('still sending');
      // Past API Gateway's own timeout, no answer can come: the attempt gives up, the key kept, and is
      // not tried again at once (the screen asks once more; quick retries would each wait as long).
      await vi.advanceTimersByTimeAsync(1);
      expect(outcome).toBeInstanceOf(NetworkError);
      expect((outcome as NetworkError).timedOut).toBe(true);
      expect(outcomeUnknown(outcome)).toBe(true);
      expect(keys).toEqual(['k1']);
      // A connection refused outright is still retried quickly (the test below): only a timeout is not.
      expect(new NetworkError().timedOut).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it('opens an account with its submission\u2019s key: asked again with it after a lost answer, a new submission a new key', async () => {
    const { fetchFn, seen } = scripted([
      'offline',
      problemRes('idempotency_key_in_use', 409),
      json(201, { id: 'a1' }),
      json(201, { id: 'a2' }),
    ]);
    const api = new Api({ baseUrl: '', tokens: tokens().source, fetch: fetchFn, sleep: noSleep });
    let n = 0;
    // As the open-account form holds it (useHeldIntent).
    const intent = createIntent<OpenAccountBody, Account>({
      isRetryable: outcomeUnknown,
      newKey: () => `key-${++n}`,
    });
    const body = { type: 'checking', currency: 'USD' } as const;
    const open = () => intent.submit(body, (key) => api.openAccount(body, key));
    expect(await open()).toEqual({ id: 'a1' });
    // Answered: the same details again are another account, under a key of their own.
    expect(await open()).toEqual({ id: 'a2' });
    expect(seen.map((s) => [s.method, s.url, s.headers['idempotency-key']])).toEqual([
      ['POST', '/v1/accounts', 'key-1'],
      ['POST', '/v1/accounts', 'key-1'],
      ['POST', '/v1/accounts', 'key-1'],
      ['POST', '/v1/accounts', 'key-2'],
    ]);
  });

  it('gives up after three attempts, and never repeats a request without a key', async () => {
    const three = scripted(['offline', 'offline', 'offline']);
    const api = new Api({ baseUrl: '', tokens: tokens().source, fetch: three.fetchFn, sleep: noSleep });
    await expect(api.history('id', 'c1', 10)).rejects.toBeInstanceOf(NetworkError);
    expect(three.seen).toHaveLength(3);
    expect(three.seen[0]?.url).toBe('/v1/accounts/id/transactions?limit=10&cursor=c1');

    const once = scripted(['offline']);
    const api2 = new Api({ baseUrl: '', tokens: tokens().source, fetch: once.fetchFn, sleep: noSleep });
    await expect(api2.openAccount({ type: 'checking', currency: 'USD' })).rejects.toBeInstanceOf(
      NetworkError,
    );
    expect(once.seen).toHaveLength(1);
  });

  it('does not retry a definite refusal', async () => {
    const { fetchFn, seen } = scripted([problemRes('insufficient_funds', 422)]);
    const api = new Api({ baseUrl: '', tokens: tokens().source, fetch: fetchFn, sleep: noSleep });
    const err = await api.withdraw('a', { amount: 5 }, 'k').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'insufficient_funds' });
    expect(seen).toHaveLength(1);
    expect(outcomeUnknown(err)).toBe(false);
    expect(outcomeUnknown(new NetworkError())).toBe(true);
    expect(outcomeUnknown(new ApiError(409, 'idempotency_key_in_use'))).toBe(true);
    expect(outcomeUnknown(new ApiError(409, 'internal_error'))).toBe(true);
    // A pending transfer no longer pending (or expired) is a decline: definite, nothing moved.
    expect(outcomeUnknown(new ApiError(409, 'transaction_not_pending'))).toBe(false);
    expect(outcomeUnknown(new ApiError(409, 'transaction_expired'))).toBe(false);
    expect(outcomeUnknown(new ApiError(500, 'internal_error'))).toBe(true);
  });

  it('takes every conflict the bank can answer as definite, but a key still in use', () => {
    // A schedule or webhook over its limit was not made (nothing is recorded under its key): "We don't
    // know yet" would have the customer check again and again for an answer already given.
    expect(outcomeUnknown(new ApiError(409, 'schedule_limit_reached'))).toBe(false);
    expect(outcomeUnknown(new ApiError(409, 'webhook_limit_reached'))).toBe(false);
    for (const [code, { status }] of Object.entries(errorCatalog)) {
      if (status !== 409) continue;
      expect(outcomeUnknown(new ApiError(409, code)), code).toBe(code === 'idempotency_key_in_use');
    }
    // A code this page does not know may yet move.
    expect(outcomeUnknown(new ApiError(409, 'brand_new_conflict'))).toBe(true);
  });

  it('takes a 429 as a refusal of its own attempt: definite, unless an earlier attempt went unanswered', async () => {
    const limited = () =>
      new Response(JSON.stringify(problem('rate_limited')), {
        status: 429,
        headers: { 'content-type': 'application/problem+json', 'retry-after': '42' },
      });
    expect(outcomeUnknown(new ApiError(429, 'rate_limited'))).toBe(false);
    expect(outcomeUnknown(new ApiError(429, 'rate_limited'), true)).toBe(true);
    const body = { fromAccountId: 'a', toAccountNumber: '0000000000', amount: 5, currency: 'USD' as const };
    // Refused at its first attempt: settled as refused (nothing done), with its wait, never asked again.
    {
      const { fetchFn, seen } = scripted([limited()]);
      const api = new Api({ baseUrl: '', tokens: tokens().source, fetch: fetchFn, sleep: noSleep });
      const intent = createIntent<TransferBody, Transaction>({ isRetryable: outcomeUnknown });
      const err = await intent.submit(body, (key) => api.transfer(body, key)).catch((e: unknown) => e);
      expect(err).toMatchObject({ status: 429, code: 'rate_limited', retryAfterSeconds: 42 });
      expect(seen).toHaveLength(1);
      expect(intent.held).toBeUndefined();
      expect(intent.settled?.outcome.ok).toBe(false);
    }
    // A first attempt unanswered (it may have gone through), then a 429: still unknown, the key kept,
    // and not to be asked again on its own before the wait the bank gave.
    {
      const { fetchFn, seen } = scripted(['offline', 'offline', 'offline', limited()]);
      const api = new Api({ baseUrl: '', tokens: tokens().source, fetch: fetchFn, sleep: noSleep });
      const intent = createIntent<TransferBody, Transaction>({
        isRetryable: outcomeUnknown,
        waitOf: (e) => (e instanceof ApiError ? e.retryAfterSeconds : undefined),
        newKey: () => 'key-1',
        now: () => 1_000,
      });
      await expect(intent.submit(body, (key) => api.transfer(body, key))).rejects.toBeInstanceOf(
        NetworkError,
      );
      expect(intent.held?.lost).toBe(true);
      await expect(intent.submit(body, (key) => api.transfer(body, key))).rejects.toMatchObject({
        status: 429,
      });
      expect(intent.held).toMatchObject({ key: 'key-1', lost: true, notBefore: 43_000 });
      expect(intent.settled).toBeUndefined();
      expect(seen.map((s) => s.headers['idempotency-key'])).toEqual(['key-1', 'key-1', 'key-1', 'key-1']);
    }
  });
});
