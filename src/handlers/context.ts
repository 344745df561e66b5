/**
 * What handlers share: configuration and SDK clients, created once per cold start on first use
 * (lazily, so a test can set the environment before the first request).
 */
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { config } from '../config.ts';
import { Identity } from '../identity/cognito.ts';
import { AccountStore } from '../store/accounts.ts';
import { createCursorCodec, cursorKeys } from '../store/cursor.ts';
import { createDocumentClient, type Db } from '../store/db.ts';
import { IdempotencyStore } from '../store/idempotency.ts';
import { LedgerStore } from '../store/ledger.ts';
import { LoginStore } from '../store/logins.ts';
import { UserStore } from '../store/users.ts';

const once = <T>(make: () => T): (() => T) => {
  let value: T | undefined;
  return () => {
    value ??= make();
    return value;
  };
};

export const db = /* @__PURE__ */ once((): Db => createDocumentClient());
export const users = /* @__PURE__ */ once(() => new UserStore(db(), config().tableName));
export const accounts = /* @__PURE__ */ once(() => new AccountStore(db(), config().tableName));
export const logins = /* @__PURE__ */ once(
  () =>
    new LoginStore(db(), config().tableName, {
      maxFailures: config().loginMaxFailures,
      lockSeconds: config().loginLockSeconds,
    }),
);
export const identity = /* @__PURE__ */ once(() => {
  const c = config();
  return new Identity(new CognitoIdentityProviderClient({}), {
    userPoolId: c.userPoolId,
    clientId: c.userPoolClientId,
    autoConfirm: c.autoConfirm,
  });
});

export const idempotency = /* @__PURE__ */ once(
  () => new IdempotencyStore(db(), config().tableName, config().idempotencyTtlSeconds),
);
export const ledger = /* @__PURE__ */ once(
  () =>
    new LedgerStore(db(), config().tableName, accounts(), idempotency(), {
      systemShards: config().systemShards,
      dailyLimit: config().dailyLimit,
      dailyDepositLimit: config().dailyDepositLimit,
    }),
);
export const cursors = async () => createCursorCodec(await cursorKeys(config().cursorSecretId));
