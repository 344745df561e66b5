/**
 * Cognito answers cognito-local cannot produce: Cognito refuses a SignUp password with leading or
 * trailing whitespace with InvalidParameterException ("Member must satisfy regular expression pattern:
 * ^[\S]+.*[\S]+$"), which cognito-local accepts. Our validation refuses such a password first, and any
 * InvalidParameterException that still reaches a handler must become a 4xx, never a 500. Nor does
 * cognito-local lock confirmation or reset codes (TooManyFailedAttemptsException) or refuse an email
 * another user holds (AliasExistsException). (The
 * SDK is mocked for those faults only, as the emulator cannot produce them.)
 */
import { randomUUID } from 'node:crypto';
import {
  CognitoIdentityProviderClient,
  ConfirmForgotPasswordCommand,
  ConfirmSignUpCommand,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { call } from '../api.ts';
import { createTestTable, createTestUserPool, useHandlerEnv } from '../harness.ts';
import { PASSWORD } from './client.ts';

beforeAll(async () => {
  const pool = await createTestUserPool('faults');
  useHandlerEnv({
    TABLE_NAME: await createTestTable('faults'),
    USER_POOL_ID: pool.userPoolId,
    USER_POOL_CLIENT_ID: pool.clientId,
    BANK_AUTO_CONFIRM: 'true',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** Cognito's exception `name` for every `Command` whose input `fails` (the rest reach cognito-local). */
const cognitoFails = <C extends abstract new (...args: never[]) => { input: object }>(
  Command: C,
  fails: (input: InstanceType<C>['input']) => boolean,
  name: string,
  message = `${name} (injected)`,
) => {
  const send = CognitoIdentityProviderClient.prototype.send;
  const spy = vi.spyOn(CognitoIdentityProviderClient.prototype, 'send').mockImplementation(function (
    this: CognitoIdentityProviderClient,
    command: unknown,
    ...rest: unknown[]
  ) {
    if (command instanceof Command && fails((command as InstanceType<C>).input)) {
      const e = new Error(message);
      e.name = name;
      return Promise.reject(e);
    }
    return (send as (...a: unknown[]) => Promise<unknown>).call(this, command, ...rest);
  } as typeof send);
  return spy;
};

/** Cognito's InvalidParameterException for every `Command` whose input `refuses`. */
const cognitoRefuses = <C extends abstract new (...args: never[]) => { input: object }>(
  Command: C,
  refuses: (input: InstanceType<C>['input']) => boolean,
) =>
  cognitoFails(
    Command,
    refuses,
    'InvalidParameterException',
    "1 validation error detected: Value at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\\S]+.*[\\S]+$",
  );

const email = () => `faults-${randomUUID().slice(0, 8)}@example.com`;

describe('Cognito faults the emulator cannot produce', () => {
  it.each([` ${PASSWORD}`, `${PASSWORD} `, `\t${PASSWORD}`])(
    'a password Cognito would refuse (%j) is a 400 validation_failed before Cognito is asked',
    async (password) => {
      const spy = cognitoRefuses(SignUpCommand, (i) => /^\s|\s$/.test(i.Password ?? ''));
      const r = await call('register', { body: { email: email(), password, name: 'Space' } });
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.code).toBe('validation_failed');
      expect(spy).not.toHaveBeenCalled();
    },
  );

  it('an InvalidParameterException from SignUp is a 400, not a 500', async () => {
    const spy = cognitoRefuses(SignUpCommand, () => true);
    const r = await call('register', { body: { email: email(), password: PASSWORD, name: 'X' } });
    expect(spy).toHaveBeenCalled();
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(r.body.code).toBe('validation_failed');
  });

  it('an InvalidParameterException from InitiateAuth is a 401 invalid_credentials, not a 500', async () => {
    const e = email();
    expect((await call('register', { body: { email: e, password: PASSWORD, name: 'X' } })).status).toBe(201);
    const spy = cognitoRefuses(InitiateAuthCommand, () => true);
    const r = await call('login', { body: { email: e, password: PASSWORD } });
    expect(spy).toHaveBeenCalled();
    expect(r.status, JSON.stringify(r.body)).toBe(401);
    expect(r.body.code).toBe('invalid_credentials');
  });

  const confirmSignUp = {
    Command: ConfirmSignUpCommand,
    call: (e: string) =>
      call('confirm', { body: { email: e, code: '123456', password: 'Brand-New-Secret-42' } }),
  };
  const confirmForgot = {
    Command: ConfirmForgotPasswordCommand,
    call: (e: string) =>
      call('resetPassword', { body: { email: e, code: '123456', newPassword: 'Brand-New-Secret-42' } }),
  };
  it.each([
    ['ConfirmSignUp', 'TooManyFailedAttemptsException', 429, 'verification_locked', confirmSignUp],
    ['ConfirmSignUp', 'AliasExistsException', 409, 'user_exists', confirmSignUp],
    ['ConfirmForgotPassword', 'TooManyFailedAttemptsException', 429, 'verification_locked', confirmForgot],
  ] as const)(
    '%s answering %s is a %i %s problem, not a 500',
    async (_op, exception, status, code, route) => {
      const spy = cognitoFails(route.Command, () => true, exception);
      const r = await route.call(email());
      expect(spy).toHaveBeenCalled();
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(r.body).toMatchObject({ status, code });
      if (status === 429) expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    },
  );
});
