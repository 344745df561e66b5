import { describe, expect, it } from 'vitest';
import { createCursorCodec } from './cursor.ts';

const codec = createCursorCodec('test-secret');
const binding = { user: 'u1', account: 'a1', filter: '|' };
const position = { pk: 'ACCOUNT#a1', sk: 'TX#2026-11-24T00:00:00.000Z#t1' };

describe('history cursors', () => {
  it('round-trip for the same user, account and filter', () => {
    expect(codec.decode(codec.encode(binding, position), binding)).toEqual(position);
  });

  it.each([
    ['another user', { ...binding, user: 'u2' }],
    ['another account', { ...binding, account: 'a2' }],
    ['another filter', { ...binding, filter: '2026-01-01T00:00:00.000Z|' }],
  ])('are refused for %s', (_, other) => {
    expect(() => codec.decode(codec.encode(binding, position), other)).toThrow(
      expect.objectContaining({ code: 'invalid_cursor' }),
    );
  });

  it('are refused when tampered with or forged', () => {
    const c = codec.encode(binding, position);
    const [payload, mac] = c.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ ...binding, p: { ...position, sk: 'TX#9' } })).toString(
      'base64url',
    );
    for (const bad of [`${forged}.${mac}`, `${payload}.x${mac.slice(1)}`, payload, `${c}.x`, 'garbage', '']) {
      expect(() => codec.decode(bad, binding)).toThrow(expect.objectContaining({ code: 'invalid_cursor' }));
    }
    const otherKey = createCursorCodec('another-secret').encode(binding, position);
    expect(() => codec.decode(otherKey, binding)).toThrow(
      expect.objectContaining({ code: 'invalid_cursor' }),
    );
  });
});
