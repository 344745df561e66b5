import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from './config.ts';

describe('runtime config', () => {
  it('reads the fields and defaults the idle timeout to 15 minutes', () => {
    expect(
      parseConfig({
        apiBaseUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/',
        region: 'eu-west-1',
        userPoolId: 'eu-west-1_x',
        userPoolClientId: 'c',
      }),
    ).toEqual({
      apiBaseUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com',
      region: 'eu-west-1',
      userPoolId: 'eu-west-1_x',
      userPoolClientId: 'c',
      idleTimeoutSeconds: 900,
      supportContact: '',
    });
    expect(parseConfig({ apiBaseUrl: '', idleTimeoutSeconds: 120 })).toMatchObject({
      apiBaseUrl: '',
      idleTimeoutSeconds: 120,
    });
    expect(parseConfig({ idleTimeoutSeconds: -1 }).idleTimeoutSeconds).toBe(900);
    expect(parseConfig({ apiBaseUrl: 'http://localhost:3000' }).apiBaseUrl).toBe('http://localhost:3000');
  });

  it('reads how to reach the bank as one line of text, or none', () => {
    const contact = (v: unknown) => parseConfig({ supportContact: v }).supportContact;
    expect(contact(' help@bank.example or +1 555 0100 ')).toBe('help@bank.example or +1 555 0100');
    expect([undefined, 42, 'two\nlines', 'bell\u0007'].map(contact)).toEqual(['', '', '', '']);
    expect(contact('x'.repeat(200))).toHaveLength(120);
  });

  it('keeps the idle timeout between a minute and 15 minutes, and refuses what is not a whole number of seconds', () => {
    const idle = (v: unknown) => parseConfig({ idleTimeoutSeconds: v }).idleTimeoutSeconds;
    expect([60, 61, 300, 899, 900].map(idle)).toEqual([60, 61, 300, 899, 900]);
    // Too short to read and answer the warning; longer than PCI DSS allows (and, past 2^31 ms, a
    // browser timer that fires at once).
    expect([1, 59].map(idle)).toEqual([60, 60]);
    expect([901, 3600, 2 ** 31, Number.MAX_SAFE_INTEGER, 1e300].map(idle)).toEqual([900, 900, 900, 900, 900]);
    // Refused: the default.
    for (const v of [0, -0, -60, Number.NaN, Number.POSITIVE_INFINITY, 120.5, '120', null, true, undefined])
      expect(idle(v)).toBe(900);
  });

  it('refuses an API base that is not https', () => {
    expect(() => parseConfig({ apiBaseUrl: 'http://api.example.com' })).toThrow(ConfigError);
    expect(() => parseConfig({ apiBaseUrl: 'javascript:alert(1)' })).toThrow(ConfigError);
    expect(() => parseConfig({ apiBaseUrl: 'not a url' })).toThrow(ConfigError);
    expect(() => parseConfig([])).toThrow(ConfigError);
  });

  it('fetches /config.json without caching', async () => {
    const calls: [string, RequestInit | undefined][] = [];
    const fetchFn = (async (url: string, init?: RequestInit) => {
      calls.push([url, init]);
      return new Response(JSON.stringify({ apiBaseUrl: '', idleTimeoutSeconds: 900 }));
    }) as typeof fetch;
    expect((await loadConfig(fetchFn)).idleTimeoutSeconds).toBe(900);
    expect(calls[0]?.[0]).toBe('/config.json');
    expect(calls[0]?.[1]?.cache).toBe('no-store');
    const missing = (async () => new Response('nope', { status: 404 })) as unknown as typeof fetch;
    await expect(loadConfig(missing)).rejects.toThrow(ConfigError);
  });
});
