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
  AdminConfirmSignUpCommand,
  AdminSetUserPasswordCommand,
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

let pool: Awaited<ReturnType<typeof createTestUserPool>>;
beforeAll(async () => {
  pool = await createTestUserPool('faults');
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

type Sent = (command: unknown) => Promise<unknown>;

/** What each `Command` answers instead of cognito-local (the rest reach it); `send` reaches it too. */
const cognitoAnswers = (
  answers: [
    abstract new (...args: never[]) => { input: object },
    (input: never, send: Sent) => Promise<unknown>,
  ][],
) => {
  const send = CognitoIdentityProviderClient.prototype.send;
  return vi.spyOn(CognitoIdentityProviderClient.prototype, 'send').mockImplementation(function (
    this: CognitoIdentityProviderClient,
    command: unknown,
    ...rest: unknown[]
  ) {
    const real = (c: unknown) => (send as (...a: unknown[]) => Promise<unknown>).call(this, c, ...rest);
    for (const [Command, answer] of answers)
      if (command instanceof Command) return answer((command as { input: never }).input, real);
    return real(command);
  } as typeof send);
};

const injected = (name: string, message = `${name} (injected)`) => {
  const e = new Error(message);
  e.name = name;
  return Promise.reject(e);
};

/** Cognito's exception `name` for every `Command` whose input `fails` (the rest reach cognito-local). */
const cognitoFails = <C extends abstract new (...args: never[]) => { input: object }>(
  Command: C,
  fails: (input: InstanceType<C>['input']) => boolean,
  name: string,
  message = `${name} (injected)`,
) =>
  cognitoAnswers([
    [
      Command,
      (input: InstanceType<C>['input'], send) =>
        fails(input)
          ? injected(name, message)
          : send(new (Command as never as new (i: object) => unknown)(input)),
    ],
  ]);

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

/** A sign-up waiting for its code, made at Cognito (the handlers here confirm at once). */
const pendingSignUp = async (password: string): Promise<string> => {
  const e = email();
  await pool.cognito.send(
    new SignUpCommand({
      ClientId: pool.clientId,
      Username: e,
      Password: password,
      UserAttributes: [
        { Name: 'email', Value: e },
        { Name: 'name', Value: 'Pending' },
      ],
    }),
  );
  return e;
};

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
      call('confirm', {
        body: { email: e, code: '123456', password: 'Brand-New-Secret-42', name: 'Ada Lovelace' },
      }),
  };
  const confirmForgot = {
    Command: ConfirmForgotPasswordCommand,
    // A confirmed login: a sign-up not confirmed has no password to reset (auth.ts refuses its code
    // before Cognito sees it).
    user: async () => {
      const e = await pendingSignUp(PASSWORD);
      await pool.cognito.send(new AdminConfirmSignUpCommand({ UserPoolId: pool.userPoolId, Username: e }));
      return e;
    },
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
      const r = await route.call(await ('user' in route ? route.user() : pendingSignUp(PASSWORD)));
      expect(spy).toHaveBeenCalled();
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(r.body).toMatchObject({ status, code });
      if (status === 429) expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    },
  );

  it("a confirmation whose password cannot be set holds the login until a reset: the sign-up's password opens nothing", async () => {
    const signUpPassword = 'Squatter-Knows-2026!';
    const e = await pendingSignUp(signUpPassword);
    // The code is right (cognito-local's codes are not known here: an admin confirmation stands in),
    // and Cognito then fails to set the password.
    const spy = cognitoAnswers([
      [
        ConfirmSignUpCommand,
        (i: { Username?: string }, send) =>
          send(new AdminConfirmSignUpCommand({ UserPoolId: pool.userPoolId, Username: i.Username })),
      ],
      [AdminSetUserPasswordCommand, () => injected('InternalErrorException')],
    ]);
    const r = await call('confirm', {
      body: { email: e, code: '123456', password: 'Owner-Chose-This-2026!', name: 'Ada Lovelace' },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(403);
    expect(r.body.code).toBe('password_reset_required');
    spy.mockRestore();

    const login = await call('login', { body: { email: e, password: signUpPassword } });
    expect(login.status, JSON.stringify(login.body)).toBe(403);
    expect(login.body.code).toBe('password_reset_required');
    // Sending the confirmation again cannot set it: the login is confirmed, and the code spent.
    const again = await call('confirm', {
      body: { email: e, code: '123456', password: 'Owner-Chose-This-2026!', name: 'Ada Lovelace' },
    });
    expect(again.body.code).toBe('invalid_code');

    // A password reset lets the mailbox's holder in (the reset's code is taken as right here).
    cognitoAnswers([[ConfirmForgotPasswordCommand, () => Promise.resolve({})]]);
    const reset = await call('resetPassword', {
      body: { email: e, code: '123456', newPassword: 'Brand-New-Secret-42' },
    });
    expect(reset.status, JSON.stringify(reset.body)).toBe(204);
    expect((await call('login', { body: { email: e, password: signUpPassword } })).status).toBe(200);
  });
});
