import { describe, expect, it, vi } from 'vitest';
import { LocalSecretsProvider } from '../local/secrets.ts';
import {
  CURSOR_KEY_TTL_SECONDS,
  createCursorCodec,
  cursorKeys,
  parseCursorKeys,
  useCursorKeyProvider,
} from './cursor.ts';

const codec = createCursorCodec({ current: 'test-secret' });
const binding = { user: 'u1', account: 'a1', filter: '|' };
const position = { pk: 'ACCOUNT#a1', sk: 'TX#2026-11-24T00:00:00.000Z#t1' };
const invalidCursor = expect.objectContaining({ code: 'invalid_cursor' });

describe('history cursors', () => {
  it('round-trip for the same user, account and filter', () => {
    expect(codec.decode(codec.encode(binding, position), binding)).toEqual(position);
  });

  it.each([
    ['another user', { ...binding, user: 'u2' }],
    ['another account', { ...binding, account: 'a2' }],
    ['another filter', { ...binding, filter: '2026-01-01T00:00:00.000Z|' }],
  ])('are refused for %s', (_, other) => {
    expect(() => codec.decode(codec.encode(binding, position), other)).toThrow(invalidCursor);
  });

  it('are refused when tampered with or forged', () => {
    const c = codec.encode(binding, position);
    const [payload, mac] = c.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ ...binding, p: { ...position, sk: 'TX#9' } })).toString(
      'base64url',
    );
    for (const bad of [`${forged}.${mac}`, `${payload}.x${mac.slice(1)}`, payload, `${c}.x`, 'garbage', '']) {
      expect(() => codec.decode(bad, binding)).toThrow(invalidCursor);
    }
    const otherKey = createCursorCodec({ current: 'another-secret' }).encode(binding, position);
    expect(() => codec.decode(otherKey, binding)).toThrow(invalidCursor);
  });
});

describe('cursor key rotation', () => {
  const before = createCursorCodec({ current: 'key-1' });
  const after = createCursorCodec({ current: 'key-2', previous: 'key-1' });
  const twoLater = createCursorCodec({ current: 'key-3', previous: 'key-2' });

  it('accepts a cursor signed with the previous key, and signs new ones with the current key', () => {
    const old = before.encode(binding, position);
    expect(after.decode(old, binding)).toEqual(position);
    const fresh = after.encode(binding, position);
    expect(() => before.decode(fresh, binding)).toThrow(invalidCursor);
  });

  it('refuses a cursor two rotations old', () => {
    expect(() => twoLater.decode(before.encode(binding, position), binding)).toThrow(invalidCursor);
  });
});

describe('the cursor key from the secret', () => {
  const key = (c: string) => c.repeat(40);

  it('is read through the injected provider, JSON {current, previous}, and cached for the TTL', async () => {
    let now = Date.parse('2026-11-30T00:00:00Z');
    vi.useFakeTimers({ toFake: ['Date'], now });
    try {
      const secrets = new LocalSecretsProvider({ s: JSON.stringify({ current: key('a') }) });
      useCursorKeyProvider(secrets);
      expect(await cursorKeys('s')).toEqual({ current: key('a') });
      secrets.put('s', JSON.stringify({ current: key('b'), previous: key('a') }));
      // Within the TTL the cached key is used: no fetch per request.
      now += (CURSOR_KEY_TTL_SECONDS - 1) * 1000;
      vi.setSystemTime(now);
      expect(await cursorKeys('s')).toEqual({ current: key('a') });
      // After it, the rotated secret takes effect without a redeploy.
      now += 2000;
      vi.setSystemTime(now);
      expect(await cursorKeys('s')).toEqual({ current: key('b'), previous: key('a') });
    } finally {
      vi.useRealTimers();
      useCursorKeyProvider(undefined);
    }
  });

  it('refuses a secret that is not the expected JSON, or a short key', () => {
    for (const bad of [null, 'plain', {}, { current: 'short' }, { current: key('a'), previous: 7 }]) {
      expect(() => parseCursorKeys(bad), JSON.stringify(bad)).toThrow();
    }
    expect(parseCursorKeys({ current: key('a'), previous: '' })).toEqual({ current: key('a') });
  });

  it('needs the secret id', async () => {
    await expect(cursorKeys('')).rejects.toThrow(/BANK_CURSOR_SECRET_ID/);
  });
});
