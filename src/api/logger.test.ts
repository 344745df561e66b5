import { describe, expect, it } from 'vitest';
import { captureLogs } from '../../test/logs.ts';
import { logger, redact } from './logger.ts';

describe('log redaction', () => {
  it('redacts secret-looking keys at any depth', async () => {
    const { logs } = await captureLogs(async () =>
      logger.info('x', {
        body: { email: 'a@b.c', password: 'Sup3r$ecretPass', refreshToken: 'rt-123' },
        headers: { Authorization: 'Bearer abc.def.ghi', cookie: 'sid=1' },
        tokens: { accessToken: 'at-1', idToken: 'id-1' },
        code: '123456',
      }),
    );
    for (const secret of ['Sup3r$ecretPass', 'rt-123', 'abc.def.ghi', 'sid=1', 'at-1', 'id-1', '123456']) {
      expect(logs).not.toContain(secret);
    }
    expect(logs).toContain('a@b.c');
    expect(logs).toContain('[redacted]');
  });

  it('keeps ordinary values', () => {
    expect(redact('amount', 5)).toBe(5);
    expect(redact('status', 'ok')).toBe('ok');
    expect(redact('password', undefined)).toBeUndefined();
  });
});
