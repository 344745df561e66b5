import { describe, expect, it } from 'vitest';
import { IDLE_TIMEOUT_SECONDS, renewable, renewableUntil } from './session.ts';

describe('the idle timeout, held by the server', () => {
  it('lets a session renew until the idle timeout past its last access token’s expiry, to the second', () => {
    const exp = 1_800_000_000;
    const until = renewableUntil(exp);
    expect(until).toBe(exp + IDLE_TIMEOUT_SECONDS);
    expect(renewable(until, until * 1000)).toBe(true);
    expect(renewable(until, until * 1000 + 1)).toBe(false);
    expect(renewable(until, exp * 1000)).toBe(true);
    // A refresh token issued before the time was kept: renews, and is given one then.
    expect(renewable(undefined, until * 1000 + 1)).toBe(true);
  });
});
