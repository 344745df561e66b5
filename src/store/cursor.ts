import { createHmac, timingSafeEqual } from 'node:crypto';
import type { BaseProvider } from '@aws-lambda-powertools/parameters/base';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { BankError } from '../domain/errors.ts';
import { withoutSdkLogger } from './db.ts';

/**
 * Opaque, tamper-proof paging cursors: the position plus what it is bound to (user, account,
 * filter), signed with HMAC-SHA256. A cursor that was changed, or is used for another account,
 * filter or user, is refused with invalid_cursor.
 *
 * The key is never in the environment or the template: it is read at run time from Secrets Manager
 * (Powertools Parameters, cached for CURSOR_KEY_TTL_SECONDS). The secret is JSON
 * `{"current": "...", "previous": "..."}`; cursors are signed with `current`, and a cursor signed with
 * `previous` is still accepted, so a rotation (previous := current, current := new) breaks no page a
 * customer holds, and takes effect within the TTL without a redeploy.
 */
export interface CursorBinding {
  user: string;
  account: string;
  filter: string;
}

export interface CursorKeys {
  current: string;
  previous?: string;
}

/** How long a fetched key is used before Secrets Manager is asked again. */
export const CURSOR_KEY_TTL_SECONDS = 300;

const invalid = () => new BankError('invalid_cursor', 'The cursor is not valid for this request');

const macOf = (key: string, payload: string) => createHmac('sha256', key).update(payload).digest();

export const createCursorCodec = (keys: CursorKeys) => {
  if (!keys.current) throw new Error('the cursor key is empty');
  const accepted = [keys.current, ...(keys.previous ? [keys.previous] : [])];

  return {
    encode(binding: CursorBinding, position: Record<string, unknown>): string {
      const payload = Buffer.from(JSON.stringify({ ...binding, p: position })).toString('base64url');
      return `${payload}.${macOf(keys.current, payload).toString('base64url')}`;
    },
    decode(cursor: string, binding: CursorBinding): Record<string, unknown> {
      const [payload, mac, extra] = cursor.split('.');
      if (!payload || !mac || extra !== undefined) throw invalid();
      const given = Buffer.from(mac, 'base64url');
      const signedByUs = accepted.some((key) => {
        const expected = macOf(key, payload);
        return given.length === expected.length && timingSafeEqual(given, expected);
      });
      if (!signedByUs) throw invalid();
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
export type CursorCodec = ReturnType<typeof createCursorCodec>;

/** The secret's JSON, checked: a wrong shape is a deployment error, never a silently weak key. */
export const parseCursorKeys = (value: unknown): CursorKeys => {
  const v = value as Partial<CursorKeys> | null;
  if (typeof v?.current !== 'string' || v.current.length < 32) {
    throw new Error('the cursor secret must be JSON with a "current" key of at least 32 characters');
  }
  if (v.previous !== undefined && typeof v.previous !== 'string') {
    throw new Error('the cursor secret\u2019s "previous" key must be a string');
  }
  return { current: v.current, ...(v.previous ? { previous: v.previous } : {}) };
};

let provider: BaseProvider | undefined;

/**
 * Where the key comes from. On AWS: Secrets Manager. Offline there is no Secrets Manager emulator,
 * so the local stack (and the tests) inject a provider of their own (src/local/secrets.ts) before
 * the first request; handlers do not know the difference.
 */
export const useCursorKeyProvider = (p: BaseProvider | undefined): void => {
  provider = p;
};

/** The Secrets Manager client the provider reads with (exported for its test: no SDK logger). */
export const secretsClient = (): SecretsManagerClient =>
  withoutSdkLogger(
    new SecretsManagerClient({
      requestHandler: { connectionTimeout: 1000, requestTimeout: 2000, throwOnRequestTimeout: true },
    }),
  );

const secretsProvider = (): BaseProvider => new SecretsProvider({ awsSdkV3Client: secretsClient() });

/** The current and previous cursor keys of secret `secretId`, from the provider's TTL cache. */
export const cursorKeys = async (secretId: string): Promise<CursorKeys> => {
  if (!secretId) throw new Error('BANK_CURSOR_SECRET_ID is not set');
  provider ??= secretsProvider();
  return parseCursorKeys(await provider.get(secretId, { maxAge: CURSOR_KEY_TTL_SECONDS, transform: 'json' }));
};
