/**
 * What the app keeps about sessions, beside Cognito:
 * - every refresh token it hands out (by hash: owner and issue time), so that logout revokes only the
 *   caller's own token and renewal can refuse tokens issued before a "sign out everywhere";
 * - the per-customer marker "tokens issued before T are revoked" (cognito-local has no GlobalSignOut;
 *   on AWS the marker stands beside it);
 * - logins waiting for their TOTP code: single use, three minutes, as Cognito's own session.
 * Tokens themselves are never stored: only their SHA-256.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type Db, isConditionFailure, type Piece } from './db.ts';
import * as keys from './item-keys.ts';
import { auditKeys } from './keys.ts';
import {
  admission,
  type LoginStatus,
  readLoginStatus,
  readMfaToken,
  revokeAllBefore,
  tokenHash,
} from './login-status.ts';

export { tokenHash } from './login-status.ts';

export interface IssuedRefreshToken {
  sub: string;
  issuedAt: number;
  revoked: boolean;
  /** The login that got it passed a TOTP challenge. */
  mfa: boolean;
  /** Until when it may renew (epoch seconds, src/domain/session.ts `renewableUntil`); absent on one issued before 2026-12-07. */
  renewableUntil?: number;
}

export type { LoginStatus } from './login-status.ts';

export interface PendingMfaLogin {
  email: string;
  /** Cognito's challenge session. */
  session: string;
  /** The password was a common one (src/handlers/auth.ts refuses it for a login that has no profile). */
  commonPassword?: boolean;
  /** When the password step began (epoch ms): a sign-out, reset or disable since ends the sign-in. */
  startedAt?: number;
}

export const MFA_SESSION_SECONDS = 180;
/** Wrong codes allowed per waiting login (each also counts toward the login lockout). */
export const MFA_TRIES = 3;

export class SessionStore {
  constructor(
    private readonly db: Db,
    private readonly table: string,
    /** How long refresh tokens live (the registry keeps them as long). */
    private readonly refreshSeconds: number,
  ) {}

  async issued(
    refreshToken: string,
    sub: string,
    now = Date.now(),
    opts: { mfa?: boolean; renewableUntil?: number } = {},
  ): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.refreshToken(tokenHash(refreshToken)),
        UpdateExpression: `SET #sub = :sub, issuedAt = :now, expiresAt = :exp, mfa = :mfa${opts.renewableUntil !== undefined ? ', renewableUntil = :until' : ''}`,
        ExpressionAttributeNames: { '#sub': 'sub' },
        ExpressionAttributeValues: {
          ':sub': sub,
          ':now': now,
          ':exp': Math.floor(now / 1000) + this.refreshSeconds,
          ':mfa': opts.mfa === true,
          ...(opts.renewableUntil !== undefined ? { ':until': opts.renewableUntil } : {}),
        },
      }),
    );
  }

  /**
   * A renewal by `refreshToken`: it may renew until `until` (epoch seconds, `renewableUntil`), never
   * less than a renewal beside it allowed (two tabs of one session). Nothing for a token not
   * registered, or revoked.
   */
  async renewed(refreshToken: string, until: number): Promise<void> {
    await this.db
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.refreshToken(tokenHash(refreshToken)),
          UpdateExpression: 'SET renewableUntil = :until',
          ConditionExpression:
            'attribute_exists(pk) AND attribute_not_exists(revokedAt) AND (attribute_not_exists(renewableUntil) OR renewableUntil < :until)',
          ExpressionAttributeValues: { ':until': until },
        }),
      )
      .catch((e) => {
        if (!isConditionFailure(e)) throw e;
      });
  }

  /**
   * Marks an access token as one that came from a password+TOTP login (or from refreshing the refresh
   * token of one), until it expires (`exp`, epoch seconds). The admin guard asks `isMfaToken`.
   */
  async mfaToken(accessToken: string, sub: string, exp: number): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...auditKeys.mfaToken(tokenHash(accessToken)), sub, expiresAt: exp },
      }),
    );
  }

  /** Whether `accessToken` is `sub`'s and came from a TOTP login (and has not expired). */
  isMfaToken(accessToken: string, sub: string, now = Date.now()): Promise<boolean> {
    return readMfaToken(this.db, this.table, accessToken, sub, now);
  }

  /** The customer's login status: revocation marker and whether an admin disabled the login. */
  status(sub: string): Promise<LoginStatus> {
    return readLoginStatus(this.db, this.table, sub);
  }

  /**
   * Ends every hold on the login (`holdPassword`; LoginStatus `passwordPending`: the login is refused
   * while one stands): a confirmation that set the password, or a reset.
   */
  async clearPasswordHolds(sub: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.security(sub),
        UpdateExpression: 'REMOVE passwordPendingSince, passwordPendingHolds',
      }),
    );
  }

  /**
   * Holds the login (`passwordPending`) for one confirmation under way, and returns the hold's own
   * token (kept in the set `passwordPendingHolds`) for `liftPasswordHold`. Two confirmations of the
   * same sign-up at once hold it each: one refused lifts only its own hold, never the other's.
   */
  async holdPassword(sub: string, now = new Date()): Promise<string> {
    const token = randomUUID();
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.security(sub),
        UpdateExpression:
          'SET passwordPendingSince = if_not_exists(passwordPendingSince, :now) ADD passwordPendingHolds :token',
        ExpressionAttributeValues: { ':now': now.toISOString(), ':token': new Set([token]) },
      }),
    );
    return token;
  }

  /**
   * Takes back the hold `token` (`holdPassword`) of a confirmation Cognito refused for certain: the
   * login is held no more when it was the only hold, and stays held for any other. A hold already
   * gone (a confirmation that set the password, or a reset, ended them all) is left so. Each write is
   * conditioned on what it read; should the holds keep changing under it, it gives up and the login
   * stays held (fail closed: a reset ends it).
   */
  async liftPasswordHold(sub: string, token: string): Promise<void> {
    const mine = new Set([token]);
    for (let round = 0; round < 3; round++) {
      const r = await this.db.send(
        new GetCommand({ TableName: this.table, Key: keys.security(sub), ConsistentRead: true }),
      );
      const holds = r.Item?.passwordPendingHolds;
      if (!(holds instanceof Set) || !holds.has(token)) return;
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: keys.security(sub),
            ...(holds.size === 1
              ? {
                  UpdateExpression: 'REMOVE passwordPendingSince, passwordPendingHolds',
                  ConditionExpression:
                    'contains(passwordPendingHolds, :token) AND size(passwordPendingHolds) = :one',
                  ExpressionAttributeValues: { ':token': token, ':one': 1 },
                }
              : {
                  UpdateExpression: 'DELETE passwordPendingHolds :mine',
                  ConditionExpression:
                    'contains(passwordPendingHolds, :token) AND size(passwordPendingHolds) > :one',
                  ExpressionAttributeValues: { ':token': token, ':mine': mine, ':one': 1 },
                }),
          }),
        );
        return;
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
      }
    }
  }

  /**
   * The piece that disables a login (and revokes every token issued until now), or enables it again,
   * for a transaction with its audit record.
   *
   * The disable's revocation marker never moves back, as `revokeAllBefore`'s: its piece holds only
   * while no later marker stands (a sign-out everywhere, a password change or a reset committed in
   * the meantime), and cancelled on that, it is built again with `laterMarker`, which leaves the later
   * marker (and the tokens admitted under it) as they are, on the condition that it still stands.
   */
  statusPiece(
    sub: string,
    change: { disable: { at: string; reason: string }; laterMarker?: boolean } | { enable: true },
  ): Piece<'status'> {
    const item =
      'disable' in change
        ? {
            UpdateExpression: change.laterMarker
              ? 'SET disabledAt = :at, disabledReason = :reason'
              : 'SET disabledAt = :at, disabledReason = :reason, tokensRevokedBefore = :ms REMOVE admittedTokens',
            ConditionExpression: change.laterMarker
              ? 'tokensRevokedBefore > :ms'
              : 'attribute_not_exists(tokensRevokedBefore) OR tokensRevokedBefore <= :ms',
            ExpressionAttributeValues: {
              ':at': change.disable.at,
              ':reason': change.disable.reason,
              ':ms': Date.parse(change.disable.at),
            },
          }
        : { UpdateExpression: 'REMOVE disabledAt, disabledReason' };
    return { name: 'status', item: { Update: { TableName: this.table, Key: keys.security(sub), ...item } } };
  }

  async refreshToken(refreshToken: string): Promise<IssuedRefreshToken | undefined> {
    const r = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: keys.refreshToken(tokenHash(refreshToken)),
        ConsistentRead: true,
      }),
    );
    if (!r.Item) return undefined;
    return {
      sub: String(r.Item.sub),
      issuedAt: Number(r.Item.issuedAt),
      revoked: r.Item.revokedAt !== undefined,
      mfa: r.Item.mfa === true,
      ...(typeof r.Item.renewableUntil === 'number' ? { renewableUntil: r.Item.renewableUntil } : {}),
    };
  }

  async revoked(refreshToken: string, now = Date.now()): Promise<void> {
    await this.db
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.refreshToken(tokenHash(refreshToken)),
          UpdateExpression: 'SET revokedAt = :now',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':now': now },
        }),
      )
      .catch((e) => {
        if (!isConditionFailure(e)) throw e;
      });
  }

  /** Every token of `sub` issued before `at` is revoked (login-status.ts `revokeAllBefore`). */
  revokeAllBefore(sub: string, at = Date.now()): Promise<void> {
    return revokeAllBefore(this.db, this.table, sub, at);
  }

  /**
   * Admits an access token whose `iat` falls in the margin of the marker `revokedBefore` although the
   * login (or renewal) that got it began after the marker was set (see login-status.ts `isRevoked`).
   * Only while that marker stands: false when a newer one replaced it (the token predates that one).
   */
  async admit(sub: string, accessToken: string, revokedBefore: number): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.security(sub),
          UpdateExpression: 'ADD admittedTokens :token',
          ConditionExpression: 'tokensRevokedBefore = :marker',
          ExpressionAttributeValues: {
            ':token': new Set([admission(revokedBefore, accessToken)]),
            ':marker': revokedBefore,
          },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  async pendingMfa(id: string, login: PendingMfaLogin, now = Date.now()): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.mfaSession(tokenHash(id)),
        UpdateExpression:
          'SET email = :email, cognitoSession = :session, commonPassword = :common, startedAt = :started, expiresAt = :exp',
        ExpressionAttributeValues: {
          ':email': login.email,
          ':session': login.session,
          ':common': login.commonPassword === true,
          ':started': login.startedAt ?? now,
          ':exp': Math.floor(now / 1000) + MFA_SESSION_SECONDS,
        },
      }),
    );
  }

  /**
   * Takes a waiting login for one try of its code: at most `MFA_TRIES` tries, within its three
   * minutes, and never after it succeeded. Undefined when it may not be tried.
   */
  async tryMfa(id: string, now = Date.now()): Promise<PendingMfaLogin | undefined> {
    try {
      const r = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.mfaSession(tokenHash(id)),
          UpdateExpression: 'SET tries = if_not_exists(tries, :zero) + :one',
          ConditionExpression:
            'attribute_exists(pk) AND attribute_not_exists(usedAt) AND expiresAt > :nowSeconds AND (attribute_not_exists(tries) OR tries < :max)',
          ExpressionAttributeValues: {
            ':zero': 0,
            ':one': 1,
            ':max': MFA_TRIES,
            ':nowSeconds': Math.floor(now / 1000),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return {
        email: String(r.Attributes?.email),
        session: String(r.Attributes?.cognitoSession),
        commonPassword: r.Attributes?.commonPassword === true,
        ...(r.Attributes?.startedAt !== undefined ? { startedAt: Number(r.Attributes.startedAt) } : {}),
      };
    } catch (e) {
      if (isConditionFailure(e)) return undefined;
      throw e;
    }
  }

  /** The waiting login succeeded: it can never be used again. */
  async mfaDone(id: string, now = Date.now()): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.mfaSession(tokenHash(id)),
        UpdateExpression: 'SET usedAt = :now',
        ExpressionAttributeValues: { ':now': now },
      }),
    );
  }
}
