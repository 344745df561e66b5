import { createHmac, timingSafeEqual } from 'node:crypto';
import { BankError } from '../domain/errors.ts';

/**
 * Opaque, tamper-proof paging cursors: the position plus what it is bound to (user, account,
 * filter), signed with HMAC-SHA256. A cursor that was changed, or is used for another account,
 * filter or user, is refused with invalid_cursor.
 */
export interface CursorBinding {
  user: string;
  account: string;
  filter: string;
}

const invalid = () => new BankError('invalid_cursor', 'The cursor is not valid for this request');

export const createCursorCodec = (secret: string) => {
  if (!secret) throw new Error('BANK_CURSOR_SECRET is not set');
  const sign = (payload: string) => createHmac('sha256', secret).update(payload).digest();

  return {
    encode(binding: CursorBinding, position: Record<string, unknown>): string {
      const payload = Buffer.from(JSON.stringify({ ...binding, p: position })).toString('base64url');
      return `${payload}.${sign(payload).toString('base64url')}`;
    },
    decode(cursor: string, binding: CursorBinding): Record<string, unknown> {
      const [payload, mac, extra] = cursor.split('.');
      if (!payload || !mac || extra !== undefined) throw invalid();
      const given = Buffer.from(mac, 'base64url');
      const expected = sign(payload);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
      let data: CursorBinding & { p: Record<string, unknown> };
      try {
        data = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      } catch {
        throw invalid();
      }
      if (data.user !== binding.user || data.account !== binding.account || data.filter !== binding.filter) {
        throw invalid();
      }
      return data.p;
    },
  };
};
