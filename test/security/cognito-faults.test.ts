/**
 * Cognito answers cognito-local cannot produce: Cognito refuses a SignUp password with leading or
 * trailing whitespace with InvalidParameterException ("Member must satisfy regular expression pattern:
 * ^[\S]+.*[\S]+$"), which cognito-local accepts. Our validation refuses such a password first, and any
 * InvalidParameterException that still reaches a handler must become a 4xx, never a 500. (The SDK is
 * mocked for that fault only, as the emulator cannot produce it.)
 */
import { randomUUID } from 'node:crypto';
import {
  CognitoIdentityProviderClient,
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

/** Cognito's InvalidParameterException for every `Command` whose input `refuses`. */
const cognitoRefuses = <C extends abstract new (...args: never[]) => { input: object }>(
  Command: C,
  refuses: (input: InstanceType<C>['input']) => boolean,
) => {
  const send = CognitoIdentityProviderClient.prototype.send;
  const spy = vi.spyOn(CognitoIdentityProviderClient.prototype, 'send').mockImplementation(function (
    this: CognitoIdentityProviderClient,
    command: unknown,
    ...rest: unknown[]
  ) {
    if (command instanceof Command && refuses((command as InstanceType<C>).input)) {
      const e = new Error(
        "1 validation error detected: Value at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\\S]+.*[\\S]+$",
      );
      e.name = 'InvalidParameterException';
      return Promise.reject(e);
    }
    return (send as (...a: unknown[]) => Promise<unknown>).call(this, command, ...rest);
  } as typeof send);
  return spy;
};

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
});
