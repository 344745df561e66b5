/**
 * What the guard reads on every token route (src/handlers/gate.ts): a customer's login status (the
 * SECURITY item) and, on staff routes, whether the access token came from a TOTP login. Functions of
 * their own, so that the customer and staff functions carry them without the whole session store
 * (src/store/sessions.ts, whose other methods only the identity functions call).
 */
import { createHash } from 'node:crypto';
import { GetCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { BankError } from '../domain/errors.ts';
import { busy, type Db, isConditionFailure } from './db.ts';
import * as keys from './item-keys.ts';
import { auditKeys } from './keys.ts';
import { again, done, isTransient, retry } from './retry.ts';

/** A login whose confirmation did not finish setting its password (LoginStatus `passwordPending`). */
/** A login the bank disabled: refused by every guard, renewal and issue of tokens. */
export const userDisabled = (): BankError =>
  new BankError('user_disabled', 'This login has been disabled by the bank');

export const passwordResetRequired = (): BankError =>
  new BankError(
    'password_reset_required',
    'This login needs a new password: reset it with a code sent to your email',
  );

/** Tokens are never stored: only their SHA-256. */
export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('base64url');

/** What the app keeps about a customer's login beside Cognito (the SECURITY item). */
export interface LoginStatus {
  /** Tokens issued before this time (epoch ms) are revoked; 0: none. */
  revokedBefore: number;
  /**
   * Access tokens issued after the marker but within its margin (`mayPredate`), which their login or
   * renewal admitted (`admission`): only those of the current marker count.
   */
  admitted: ReadonlySet<string>;
  /** Set while an admin has disabled the login. */
  disabled?: { at: string; reason: string };
  /**
   * Set from just before a confirmation until the password its confirmer gave is set (src/handlers/auth.ts,
   * confirm): while set, the login is refused everywhere (403 `password_reset_required`), so a failure
   * in between leaves no working password of whoever signed up with the address. A reset clears it.
   */
  passwordPending?: boolean;
  /**
   * When TOTP was last turned off through the bank (epoch ms; 0: never): sessions begun before it are
   * not TOTP logins any more (`totpTurnedOff`).
   */
  totpOffAt: number;
}

/**
 * How far a token's `iat` may lie after the marker and still be from before it: `iat` is in whole
 * seconds (a token issued in the marker's own second reads as issued at its start), and Cognito's
 * clock, which sets it, may run somewhat ahead of the function's, which sets the marker.
 */
export const REVOCATION_MARGIN_MS = 1000;

/** Whether an access token issued at `iat` (epoch seconds; 0 if unknown) may predate the marker. */
export const mayPredate = (iat: number, revokedBefore: number): boolean =>
  revokedBefore > 0 && iat * 1000 <= revokedBefore + REVOCATION_MARGIN_MS;

/**
 * What an access token is admitted under when its login (or renewal) began after the marker but its
 * `iat` falls within the margin: the marker and the token's hash, so that a later marker voids it.
 */
export const admission = (revokedBefore: number, accessToken: string): string =>
  `${revokedBefore}:${tokenHash(accessToken)}`;

/**
 * Whether "sign out everywhere", a password reset or a disable (the marker) revoked this access
 * token: issued before the marker, or in its margin and not admitted.
 */
export const isRevoked = (status: LoginStatus, iat: number, accessToken: string | undefined): boolean =>
  mayPredate(iat, status.revokedBefore) &&
  !(accessToken && status.admitted.has(admission(status.revokedBefore, accessToken)));

/**
 * How long a password change or reset may be under way (`beginPasswordChange`) before it is taken for
 * one whose function died between Cognito's new password and the end of every session: longer than
 * the `auth` and `profile` functions' timeouts (10 s), with room.
 */
export const PASSWORD_CHANGE_MS = 60_000;

/**
 * The customer's login status: revocation marker and whether an admin disabled the login. A password
 * change or reset begun more than PASSWORD_CHANGE_MS ago and neither refused nor followed by a marker
 * (`passwordChangeAt` above the marker: its function died, or failed, after Cognito may have taken the
 * new password and before every session was ended) counts as a marker at its start: the sessions it
 * was to end end, late, instead of never. None is admitted under it.
 */
export const readLoginStatus = async (
  db: Db,
  table: string,
  sub: string,
  now = Date.now(),
): Promise<LoginStatus> => {
  const r = await db.send(
    new GetCommand({ TableName: table, Key: keys.security(sub), ConsistentRead: true }),
  );
  const i = r.Item ?? {};
  const marker = Number(i.tokensRevokedBefore ?? 0);
  const changeAt = Number(i.passwordChangeAt ?? 0);
  const unfinished = changeAt > marker && now - changeAt > PASSWORD_CHANGE_MS;
  return {
    revokedBefore: unfinished ? changeAt : marker,
    admitted: !unfinished && i.admittedTokens instanceof Set ? (i.admittedTokens as Set<string>) : new Set(),
    totpOffAt: Number(i.totpOffAt ?? 0),
    ...(i.disabledAt
      ? { disabled: { at: String(i.disabledAt), reason: String(i.disabledReason ?? '') } }
      : {}),
    ...(i.passwordPendingSince ? { passwordPending: true } : {}),
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

/**
 * One conditioned write of the SECURITY item, tried again while throttled (the Lambda's time allowing):
 * whether its condition held. 503 (`busy`) only when time runs out.
 */
const writeSecurity = async (
  db: Db,
  table: string,
  sub: string,
  update: Pick<
    UpdateCommandInput,
    'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
  >,
  busyMessage: string,
): Promise<boolean> => {
  const held = await retry(async () => {
    try {
      await db.send(new UpdateCommand({ TableName: table, Key: keys.security(sub), ...update }));
      return done(true);
    } catch (e) {
      if (isConditionFailure(e)) return done(false);
      if (isTransient(e, undefined)) return again;
      throw e;
    }
  });
  if (held === undefined) throw busy(busyMessage);
  return held;
};

/**
 * Sets a marker of the SECURITY item to `at`, never back: a write of an earlier time landing after a
 * later one (a retry after a throttle, two at once) would undo what the later one did between the two.
 * A later marker standing already does all this one would.
 */
const raiseMarker = async (
  db: Db,
  table: string,
  sub: string,
  marker: 'tokensRevokedBefore' | 'totpOffAt',
  at: number,
  opts: { remove?: string; busy: string },
): Promise<void> => {
  await writeSecurity(
    db,
    table,
    sub,
    {
      UpdateExpression: `SET #marker = :at${opts.remove ? ` REMOVE ${opts.remove}` : ''}`,
      ConditionExpression: 'attribute_not_exists(#marker) OR #marker <= :at',
      ExpressionAttributeNames: { '#marker': marker },
      ExpressionAttributeValues: { ':at': at },
    },
    opts.busy,
  );
};

/**
 * Every token of `sub` issued before `at` is revoked (and none admitted under an older marker): the
 * marker a password change or reset and "sign out everywhere" set (a disable sets its own, inside the
 * disable's transaction: sessions.ts `statusPiece`). Tried again while throttled (a password already
 * changed must not leave the sessions it should end). A function of its own, as the reads above, so
 * that the profile function carries it without the session store.
 */
export const revokeAllBefore = (db: Db, table: string, sub: string, at = Date.now()): Promise<void> =>
  raiseMarker(db, table, sub, 'tokensRevokedBefore', at, {
    remove: 'admittedTokens',
    busy: 'Signing out every session did not go through: try again',
  });

/**
 * A password change or reset is about to ask Cognito for the new password: the SECURITY item keeps
 * when (`passwordChangeAt`, epoch ms, returned), and the marker that ends every session after it
 * supersedes it. Refused definitely (a wrong password or code, a weak password), it is taken back
 * (`passwordChangeRefused`); left otherwise (the function died, or Cognito's answer was unknown), it
 * ends those sessions once stale (readLoginStatus). An earlier change not superseded yet (one under way,
 * or one that died) stands: this one's time is not written over it, and undefined is returned (its
 * refusal has nothing to take back), so that a refused try after a change that died cannot erase the
 * mark of the one that did. Throttled, tried again; 503 when time runs out.
 */
export const beginPasswordChange = async (
  db: Db,
  table: string,
  sub: string,
  at = Date.now(),
): Promise<number | undefined> =>
  (await writeSecurity(
    db,
    table,
    sub,
    {
      UpdateExpression: 'SET passwordChangeAt = :at',
      ConditionExpression:
        'attribute_not_exists(passwordChangeAt) OR passwordChangeAt <= tokensRevokedBefore',
      ExpressionAttributeValues: { ':at': at },
    },
    'Changing the password did not go through: try again',
  ))
    ? at
    : undefined;

/** The change begun at `at` changed nothing (a definite refusal): its mark goes, unless a later one stands. */
export const passwordChangeRefused = async (
  db: Db,
  table: string,
  sub: string,
  at: number,
): Promise<void> => {
  try {
    await db.send(
      new UpdateCommand({
        TableName: table,
        Key: keys.security(sub),
        UpdateExpression: 'REMOVE passwordChangeAt',
        ConditionExpression: 'passwordChangeAt = :at',
        ExpressionAttributeValues: { ':at': at },
      }),
    );
  } catch (e) {
    if (!isConditionFailure(e)) throw e;
  }
};

/**
 * TOTP was turned off at `at`: no session begun before it counts as a TOTP login any more (LoginStatus
 * `totpOffAt`). The staff guard refuses an access token issued before it, and a renewal of a TOTP
 * login's refresh token from before it no longer marks what it renews.
 */
export const totpTurnedOff = (db: Db, table: string, sub: string, at = Date.now()): Promise<void> =>
  raiseMarker(db, table, sub, 'totpOffAt', at, { busy: 'Turning TOTP off did not go through: try again' });
