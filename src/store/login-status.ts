/**
 * What the guard reads on every token route (src/handlers/gate.ts): a customer's login status (the
 * SECURITY item) and, on staff routes, whether the access token came from a TOTP login. Functions of
 * their own, so that the customer and staff functions carry them without the whole session store
 * (src/store/sessions.ts, whose other methods only the identity functions call).
 */
import { createHash } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from './db.ts';
import { auditKeys, keys } from './keys.ts';

/** Tokens are never stored: only their SHA-256. */
export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('base64url');

/** What the app keeps about a customer's login beside Cognito (the SECURITY item). */
export interface LoginStatus {
  /** Tokens issued before this time (epoch ms) are revoked; 0: none. */
  revokedBefore: number;
  /** Set while an admin has disabled the login. */
  disabled?: { at: string; reason: string };
}

/** The customer's login status: revocation marker and whether an admin disabled the login. */
export const readLoginStatus = async (db: Db, table: string, sub: string): Promise<LoginStatus> => {
  const r = await db.send(
    new GetCommand({ TableName: table, Key: keys.security(sub), ConsistentRead: true }),
  );
  const i = r.Item ?? {};
  return {
    revokedBefore: Number(i.tokensRevokedBefore ?? 0),
    ...(i.disabledAt
      ? { disabled: { at: String(i.disabledAt), reason: String(i.disabledReason ?? '') } }
      : {}),
  };
};

/** Whether `accessToken` is `sub`'s and came from a TOTP login (and has not expired). */
export const readMfaToken = async (
  db: Db,
  table: string,
  accessToken: string,
  sub: string,
  now = Date.now(),
): Promise<boolean> => {
  const r = await db.send(
    new GetCommand({
      TableName: table,
      Key: auditKeys.mfaToken(tokenHash(accessToken)),
      ConsistentRead: true,
    }),
  );
  return r.Item?.sub === sub && Number(r.Item?.expiresAt ?? 0) > now / 1000;
};
