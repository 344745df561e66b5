/**
 * Admins for tests (issue 13). The admin guard (src/handlers/gate.ts) lets a caller through to an
 * `admin` route when the token's claims carry the group `admin` AND the bearer token was recorded as
 * coming from a TOTP login (src/store/sessions.ts `mfaToken`). These helpers satisfy both:
 *
 * - handler tests (in-process `call`, after `useHandlerEnv`): `const admin = await testAdmin();` then
 *   `adminCall('adminGetCustomer', admin, { params: { userId } })` (same input as `call`, minus the
 *   caller). `testAdmin({ mfa: false })` gives an admin the guard refuses with `mfa_required`.
 * - whole-stack tests (a gateway or `npm start`): `createAdmin` (src/local/admins.ts) registers a real
 *   user, adds them to the group and logs in with password and TOTP code.
 */
import { randomUUID } from 'node:crypto';
import { config } from '../src/config.ts';
import { SessionStore } from '../src/store/sessions.ts';
import { type CallInput, type CallResult, call } from './api.ts';
import { dynamoClients } from './harness.ts';

export interface TestAdmin {
  /** The admin's user id (claims `sub`). */
  sub: string;
  /** The opaque bearer token sent with each call (recorded as from a TOTP login, unless `mfa: false`). */
  token: string;
}

/** An admin in the handlers' table (TABLE_NAME): call after `useHandlerEnv`. */
export const testAdmin = async (opts: { sub?: string; mfa?: boolean } = {}): Promise<TestAdmin> => {
  const sub = opts.sub ?? randomUUID();
  const token = `test-admin-${randomUUID()}`;
  if (opts.mfa !== false) {
    await new SessionStore(dynamoClients().doc, config().tableName, 3600).mfaToken(
      token,
      sub,
      Math.floor(Date.now() / 1000) + 3600,
    );
  }
  return { sub, token };
};

/** `call` as `admin`: the group in the claims and their token as Bearer. */
export const adminCall = (
  op: Parameters<typeof call>[0],
  admin: TestAdmin,
  input: Omit<CallInput, 'user' | 'token' | 'groups'> = {},
): Promise<CallResult> =>
  call(op, {
    ...input,
    user: admin.sub,
    groups: ['admin'],
    headers: { ...input.headers, authorization: `Bearer ${admin.token}` },
  });
