/**
 * What handlers share: configuration and SDK clients, created once per cold start on first use
 * (lazily, so a test can set the environment before the first request).
 */
import { randomUUID } from 'node:crypto';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { logger } from '../api/logger.ts';
import { config } from '../config.ts';
import { BankError } from '../domain/errors.ts';
import {
  cognitoRetries,
  Identity,
  markSpendingCalls,
  SecuritySettings,
  SignIn,
  StaffDirectory,
  UserDirectory,
} from '../identity/cognito.ts';
import { auditSecurityEvents, type SecurityEvents } from '../identity/security-events.ts';
import { AccountReader, AccountStore } from '../store/accounts.ts';
import { AuditStore } from '../store/audit.ts';
import { createCursorCodec, cursorKeys } from '../store/cursor.ts';
import { createDocumentClient, type Db, DYNAMODB_TIMEOUTS, forHandlers } from '../store/db.ts';
import { IdempotencyStore } from '../store/idempotency.ts';
import * as keys from '../store/item-keys.ts';
import { type LedgerOptions, LedgerStore } from '../store/ledger.ts';
import { BatchLedgerStore } from '../store/ledger-batch.ts';
import { LedgerReader } from '../store/ledger-read.ts';
import { CreditReturns } from '../store/ledger-return.ts';
import { CreditSettler } from '../store/ledger-settle.ts';
import { type LoginStatus, readLoginStatus, readMfaToken, totpTurnedOff } from '../store/login-status.ts';
import { EmailedCodeCounter, FailureCounter, LoginGuard } from '../store/logins.ts';
import { numberCheckHooks, RateCounter } from '../store/rate-counter.ts';
import { SessionStore } from '../store/sessions.ts';
import { TotpCodes } from '../store/totp-codes.ts';
import { UserStore } from '../store/users.ts';

/** A value made on first use, then kept for the life of the process (a cold start). */
export const once = <T>(make: () => T): (() => T) => {
  let value: T | undefined;
  return () => {
    value ??= make();
    return value;
  };
};

export const db = /* @__PURE__ */ once((): Db => createDocumentClient());
export const users = /* @__PURE__ */ once(() => new UserStore(db(), config().tableName));
/** Openings taken with an Idempotency-Key are recorded in the owner's partition (keys.ownIdempotency). */
export const accounts = /* @__PURE__ */ once(
  () =>
    new AccountStore(
      db(),
      config().tableName,
      undefined,
      new IdempotencyStore(db(), config().tableName, config().idempotencyTtlSeconds, '', keys.ownIdempotency),
    ),
);
/** The account reads alone (the account readers: their bundles carry no opening or closing). */
export const accountReader = /* @__PURE__ */ once(() => new AccountReader(db(), config().tableName));
export const logins = /* @__PURE__ */ once(
  () =>
    new LoginGuard(db(), config().tableName, {
      maxFailures: config().loginMaxFailures,
      lockSeconds: config().loginLockSeconds,
      slowAfter: config().loginSlowAfter,
      maxDelaySeconds: 30,
      windowSeconds: config().loginLockSeconds,
      knownIpDays: 90,
    }),
);
/** 5 wrong answers lock for 15 minutes (Retry-After), with the given error code. */
const fiveInFifteen = (code: 'verification_locked', detail: string) =>
  new FailureCounter(
    db(),
    config().tableName,
    { maxFailures: 5, lockSeconds: 15 * 60 },
    (s) => new BankError(code, detail, { retryAfter: s }),
  );
/**
 * Wrong password-reset codes, per issued code: 5 spend it, and the owner asks for a new one (an
 * attacker's guesses, with no code asked for, lock nothing).
 */
export const resetAttempts = /* @__PURE__ */ once(
  () =>
    new EmailedCodeCounter(
      db(),
      config().tableName,
      { maxFailures: 5, codeSeconds: 3600 },
      () =>
        new BankError('reset_locked', 'Too many wrong tries of this code: ask for a new code', {
          retryAfter: 1,
        }),
    ),
);
/**
 * Wrong confirmation codes, per code sent (a registration, a resend): 5 spend it, as Cognito locks a
 * code after wrong tries (cognito-local does not), and a confirmation sets the login's password.
 * Cognito's confirmation codes last 24 hours.
 */
export const confirmAttempts = /* @__PURE__ */ once(
  () =>
    new EmailedCodeCounter(
      db(),
      config().tableName,
      { maxFailures: 5, codeSeconds: 24 * 3600 },
      () =>
        new BankError('verification_locked', 'Too many wrong tries of this code: ask for a new code', {
          retryAfter: 1,
        }),
      keys.confirmationCode,
    ),
);
/** Wrong passwords or codes in signed-in changes (password, MFA off), per customer. */
export const verifyAttempts = /* @__PURE__ */ once(() =>
  fiveInFifteen('verification_locked', 'Too many wrong passwords or codes: try again in a few minutes'),
);
/** Refresh-token registry, revocation markers and logins waiting for their TOTP code. */
export const sessions = /* @__PURE__ */ once(
  () => new SessionStore(db(), config().tableName, 30 * 24 * 3600),
);
/** TOTP codes accepted once: by a login's TOTP step, or by turning TOTP off. */
export const totpCodes = /* @__PURE__ */ once(() => new TotpCodes(db(), config().tableName));
/** A customer's login status alone (what every guard reads), without the session store's other methods. */
export const loginStatus = (sub: string): Promise<LoginStatus> =>
  readLoginStatus(db(), config().tableName, sub);
/** TOTP turned off now: sessions begun before no longer count as TOTP logins (login-status.ts). */
export const markTotpOff = (sub: string): Promise<void> => totpTurnedOff(db(), config().tableName, sub);
/** Whether the access token came from a TOTP login (the staff guard's question). */
export const isMfaToken = (accessToken: string, sub: string): Promise<boolean> =>
  readMfaToken(db(), config().tableName, accessToken, sub);
// Cognito's calls hash passwords (hundreds of ms on AWS): 5 s before an attempt is given up, so that a
// call abandoned at the deadline does not hold a socket for good. The SDK sends a call that spends
// something (a code, a session, the current password) again only when Cognito throttled it
// (src/identity/cognito.ts `cognitoRetries`): a second try after a timeout or a 5xx would answer about
// the first one's effect (a reset that went through answered "wrong code"). Other calls keep the
// SDK's retries.
export const cognito = /* @__PURE__ */ once(() =>
  forHandlers(
    markSpendingCalls(
      new CognitoIdentityProviderClient({
        requestHandler: { ...DYNAMODB_TIMEOUTS, requestTimeout: 5_000 },
        retryStrategy: cognitoRetries(),
      }),
    ),
  ),
);
const identityConfig = () => {
  const c = config();
  return { userPoolId: c.userPoolId, clientId: c.userPoolClientId, autoConfirm: c.autoConfirm };
};
/** The Cognito adapter: sign-up, log-in, tokens, password resets and the user look-ups (the auth function). */
export const identity = /* @__PURE__ */ once(() => new Identity(cognito(), identityConfig()));
/** Log-in (with TOTP), renewal and revocation alone (the profile function proves a password with them). */
export const signIn = /* @__PURE__ */ once(() => new SignIn(cognito(), identityConfig()));
/** The user look-ups alone: a user by email, signing them out everywhere (src/handlers/sign-out.ts, security events). */
export const userDirectory = /* @__PURE__ */ once(() => new UserDirectory(cognito(), identityConfig()));
/** A signed-in customer's password change and TOTP MFA, with their access token (the profile function). */
export const securitySettings = /* @__PURE__ */ once(() => new SecuritySettings(cognito()));
/** The user look-ups and switches alone (the admin function: its bundle carries no sign-in). */
export const directory = /* @__PURE__ */ once(() => new StaffDirectory(cognito(), identityConfig()));
/** The audit trail (src/store/audit.ts). */
export const audit = /* @__PURE__ */ once(() => new AuditStore(db(), config().tableName));
/** Security events: a log line and an audit record each (subject: the customer, found by email if need be). */
export const securityEvents: SecurityEvents = /* @__PURE__ */ auditSecurityEvents(
  audit,
  async (email) => (await userDirectory().user(email))?.sub,
  randomUUID,
);

export const idempotency = /* @__PURE__ */ once(
  () =>
    new IdempotencyStore(
      db(),
      config().tableName,
      config().idempotencyTtlSeconds,
      config().legacyIdempotencyUntil,
    ),
);
/** Account numbers that matched no account count as name checks do (rate-counter.ts NUMBER_CHECKS). */
export const numberChecks = /* @__PURE__ */ once(() => new RateCounter(db(), config().tableName));
const ledgerOptions = (): LedgerOptions => ({
  systemShards: config().systemShards,
  dailyLimit: config().dailyLimit,
  dailyDepositLimit: config().dailyDepositLimit,
  deferCredits: config().deferCredits,
});
/**
 * The whole ledger (writes, reads and the sweeper): the sweep and scheduled-transfer functions use it.
 * The others take only the side they need (below), so their bundles leave the rest out. A scheduled
 * run pays the number its customer gave when the schedule was made (counted then, if it matched no
 * account): the runs are neither counted against nor held by the customer's account-number checks.
 */
export const ledger = /* @__PURE__ */ once(
  () => new LedgerStore(db(), config().tableName, accounts(), idempotency(), ledgerOptions()),
);
/**
 * The money function's ledger: every customer movement and bulk payments, none of the history reads.
 * The customer's account numbers are counted (rate-counter.ts NUMBER_CHECKS).
 */
export const moneyLedger = /* @__PURE__ */ once(
  () =>
    new BatchLedgerStore(db(), config().tableName, accounts(), idempotency(), {
      ...ledgerOptions(),
      ...numberCheckHooks(numberChecks()),
    }),
);
/** The read side alone (journals, history, balances, limits used): the read-only functions use it. */
export const ledgerReader = /* @__PURE__ */ once(
  () =>
    new LedgerReader(db(), config().tableName, {
      systemShards: config().systemShards,
      dailyLimit: config().dailyLimit,
    }),
);
/** The settler of deferred credits (hot recipients): the settler and sweep functions use it. */
export const settler = /* @__PURE__ */ once(
  () =>
    new CreditSettler(db(), config().tableName, accounts(), {
      systemShards: config().systemShards,
      // A credit whose account was closed before it settled goes back to its sender.
      returns: new CreditReturns(db(), config().tableName, accounts(), idempotency(), ledgerOptions()),
      // A line as each settlement commits, the stream's and the sweeper's, with the account's version
      // after it (the bench times a credit's way into the balance by it: bench/settlement.ts), its
      // attempts, its reads' and transaction's ms and its oldest credit's wait (ledger-settle.ts `Settled`).
      onSettled: (s) => logger.info('settled', s),
      // A credit moved to unclaimed funds is told to staff by the stream function, from the journal's
      // change (src/handlers/stream.ts `reportUnclaimed`), not here: a lost answer or a crash right
      // after the move would leave it untold.
    }),
);
export const cursors = async () => createCursorCodec(await cursorKeys(config().cursorSecretId));
