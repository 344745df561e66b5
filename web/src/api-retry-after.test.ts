/**
 * The API client's quick retries of a busy bank (503) wait 300 ms, then 1 s, whatever the answer's
 * Retry-After says: the bank answers 503 service_unavailable with `Retry-After: 1` (src/api/http.ts,
 * src/identity/cognito.ts), and is asked again after 300 ms, before the second it asked for.
 */
import { describe, expect, it } from 'vitest';
import { problem } from '../../src/api/problem.ts';
import { Api, type TokenSource } from './api.ts';

describe('Api.request and Retry-After', () => {
  it('a 503 with Retry-After: 1 is not asked again before that second', async () => {
    const answers = [
      new Response(JSON.stringify(problem('service_unavailable')), {
        status: 503,
        headers: { 'content-type': 'application/problem+json', 'retry-after': '1' },
      }),
      new Response(JSON.stringify({ id: 'tx' }), {
        status: 201,
        headers: { 'content-type': 'application/json' },
      }),
    ];
    const fetchFn = (async () => answers.shift() as Response) as typeof fetch;
    const tokens: TokenSource = { accessToken: () => 't', refresh: async () => true, expired: () => {} };
    const sleeps: number[] = [];
    const api = new Api({ baseUrl: '', tokens, fetch: fetchFn, sleep: async (ms) => void sleeps.push(ms) });
    await api.transfer(
      { fromAccountId: 'a', toAccountNumber: '0000000000', amount: 100, currency: 'USD' },
      'key-1',
    );
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThanOrEqual(1000);
  });
});

describe('Api.request and a Retry-After longer than a quick retry bears', () => {
  it('a 503 asking for 30 s is not waited for here: the caller hears it at once', async () => {
    let asked = 0;
    const fetchFn = (async () => {
      asked++;
      return new Response(JSON.stringify(problem('service_unavailable')), {
        status: 503,
        headers: { 'content-type': 'application/problem+json', 'retry-after': '30' },
      });
    }) as typeof fetch;
    const tokens: TokenSource = { accessToken: () => 't', refresh: async () => true, expired: () => {} };
    const sleeps: number[] = [];
    const api = new Api({ baseUrl: '', tokens, fetch: fetchFn, sleep: async (ms) => void sleeps.push(ms) });
    await expect(api.me()).rejects.toMatchObject({ status: 503, retryAfterSeconds: 30 });
    expect(asked).toBe(1);
    expect(sleeps).toEqual([]);
  });
});
