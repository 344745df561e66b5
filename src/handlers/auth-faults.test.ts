/**
 * Identity routes under Cognito answers cognito-local cannot give (the SDK answered here for those
 * calls only, as test/security/cognito-faults.test.ts does): each case a review found once broken.
 */
import { randomUUID } from 'node:crypto';
import {
  AdminConfirmSignUpCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
  ConfirmForgotPasswordCommand,
  ConfirmSignUpCommand,
  ForgotPasswordCommand,
  InitiateAuthCommand,
  ResendConfirmationCodeCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { decodeJwt } from 'jose';
import { generateSync } from 'otplib';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { call } from '../../test/api.ts';
import { createTestTable, createTestUserPool, dynamoClients, useHandlerEnv } from '../../test/harness.ts';
import { holdCalls } from '../../test/hold.ts';
import { ANONYMOUS } from '../domain/audit.ts';
import { COGNITO_ATTEMPTS } from '../identity/cognito.ts';
import { addToAdminGroup } from '../local/admins.ts';
import { unusedTotpCode } from '../local/totp-code.ts';
import { AuditStore } from '../store/audit.ts';
import * as keys from '../store/item-keys.ts';
import { PASSWORD_CHANGE_MS, tokenHash } from '../store/login-status.ts';
import { cognito as cognitoClient, db, securitySettings } from './context.ts';

const PASSWORD = 'Correct-Horse-9-Battery';
let pool: Awaited<ReturnType<typeof createTestUserPool>>;
let table: string;
beforeAll(async () => {
  pool = await createTestUserPool('authfaults');
  table = await createTestTable('authfaults');
  useHandlerEnv({
    TABLE_NAME: table,
    USER_POOL_ID: pool.userPoolId,
    USER_POOL_CLIENT_ID: pool.clientId,
    BANK_AUTO_CONFIRM: 'true',
    BANK_AUTH_FLOOR_MS: '0',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

const email = () => `faults-${randomUUID().slice(0, 8)}@example.com`;
const registered = async () => {
  const e = email();
  expect((await call('register', { body: { email: e, password: PASSWORD, name: 'A' } })).status).toBe(201);
  return e;
};
/** A sign-up waiting for its code, made in the pool itself (not through the register route). */
const pendingSignUp = async (name?: string) => {
  const e = email();
  await pool.cognito.send(
    new SignUpCommand({
      ClientId: pool.clientId,
      Username: e,
      Password: PASSWORD,
      UserAttributes: [
        { Name: 'email', Value: e },
        ...(name === undefined ? [] : [{ Name: 'name', Value: name }]),
      ],
    }),
  );
  return e;
};
const injected = (name: string) => Promise.reject(Object.assign(new Error(`${name} (injected)`), { name }));

/** Commands answered here instead of cognito-local; `real` reaches it. */
const cognito = (
  answer: (command: unknown, real: (c: unknown) => Promise<unknown>) => Promise<unknown> | undefined,
) => {
  const send = CognitoIdentityProviderClient.prototype.send;
  return vi.spyOn(CognitoIdentityProviderClient.prototype, 'send').mockImplementation(function (
    this: CognitoIdentityProviderClient,
    command: unknown,
    ...rest: unknown[]
  ) {
    const real = (c: unknown) => (send as (...a: unknown[]) => Promise<unknown>).call(this, c, ...rest);
    return answer(command, real) ?? real(command);
  } as typeof send);
};

describe('password reset ends every session', () => {
  it('a throttled user look-up fails the reset before the password changes; the retry ends every session', async () => {
    const e = await registered();
    const old = (await call('login', { body: { email: e, password: PASSWORD } })).body;
    expect(old.refreshToken).toEqual(expect.any(String));
    expect((await call('forgotPassword', { body: { email: e } })).status).toBe(202);
    let resets = 0;
    let throttle = true;
    cognito((c) => {
      // Cognito accepts the code (cognito-local's is unknown here) and sets the new password.
      if (c instanceof ConfirmForgotPasswordCommand) {
        resets++;
        return Promise.resolve({});
      }
      // One throttled AdminGetUser (its quota is low on AWS). Read after the password changed, it once
      // answered 503 with the code spent and the old sessions still running.
      if (c instanceof AdminGetUserCommand && throttle) {
        throttle = false;
        return injected('TooManyRequestsException');
      }
      return undefined;
    });
    const body = { email: e, code: '123456', newPassword: 'Brand-New-Secret-42' };
    expect((await call('resetPassword', { body })).status).toBe(503);
    expect(resets).toBe(0);
    expect((await call('resetPassword', { body })).status).toBe(204);
    vi.restoreAllMocks();
    expect(resets).toBe(1);
    expect((await call('refresh', { body: { refreshToken: old.refreshToken } })).status).toBe(401);
    expect((await call('me', { token: old.accessToken })).status).toBe(401);
  });
});

describe('wrong reset codes: a forgot-password request that sends no code opens no fresh count', () => {
  it('Cognito refusing to send (LimitExceededException, quiet: 202) gives no new guesses at the spent code', async () => {
    const e = await registered();
    expect((await call('forgotPassword', { body: { email: e } })).status).toBe(202);
    for (let i = 0; i < 5; i++)
      expect(
        (
          await call('resetPassword', {
            body: { email: e, code: '000000', newPassword: 'Brand-New-Secret-42' },
          })
        ).body.code,
      ).toBe('invalid_code');
    const spent = await call('resetPassword', {
      body: { email: e, code: '000001', newPassword: 'Brand-New-Secret-42' },
    });
    expect(spent.body.code).toBe('reset_locked');
    // The attacker asks again; Cognito sends nothing (its per-user limit on codes): the old code stands.
    cognito((c) => (c instanceof ForgotPasswordCommand ? injected('LimitExceededException') : undefined));
    expect((await call('forgotPassword', { body: { email: e } })).status).toBe(202);
    vi.restoreAllMocks();
    const guesses: string[] = [];
    for (let i = 0; i < 5; i++)
      guesses.push(
        (
          await call('resetPassword', {
            body: { email: e, code: String(200000 + i), newPassword: 'Brand-New-Secret-42' },
          })
        ).body.code,
      );
    // Still the spent code: refused here, never reaching Cognito.
    expect(guesses).toEqual(Array(5).fill('reset_locked'));
  });
});

describe('wrong confirmation codes: registering again sends no code past Cognito\u2019s limit, and opens no fresh count', () => {
  it('5 wrong codes spend the code; a repeated registration that Cognito sends no code for leaves it spent', async () => {
    const restore = useHandlerEnv({
      TABLE_NAME: table,
      USER_POOL_ID: pool.userPoolId,
      USER_POOL_CLIENT_ID: pool.clientId,
      BANK_AUTO_CONFIRM: 'false',
      BANK_AUTH_FLOOR_MS: '0',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    try {
      // A sign-up waiting for its code, made in the pool itself (the identity adapter of this file may
      // confirm sign-ups it makes); registering it again sends its code again and opens its count.
      const e = await pendingSignUp();
      const register = () => call('register', { body: { email: e, password: PASSWORD, name: 'A' } });
      expect((await register()).status).toBe(202);
      // Every code is wrong (cognito-local's is unknown here), and Cognito sends no more codes.
      cognito((c) =>
        c instanceof ConfirmSignUpCommand
          ? injected('CodeMismatchException')
          : c instanceof ResendConfirmationCodeCommand
            ? injected('LimitExceededException')
            : undefined,
      );
      const confirm = async (code: string) =>
        (await call('confirm', { body: { email: e, code, password: PASSWORD, name: 'A' } })).body.code;
      for (let i = 0; i < 5; i++) expect(await confirm(`00000${i}`)).toBe('invalid_code');
      expect(await confirm('000009')).toBe('verification_locked');
      // The guesser registers the address again: Cognito sends nothing, so the code stays spent.
      expect((await register()).status).toBe(202);
      expect(await confirm('000010')).toBe('verification_locked');
    } finally {
      vi.restoreAllMocks();
      restore();
    }
  });
});

describe('a refresh that races "sign out everywhere"', () => {
  it('hands out nothing when the sign-out lands while Cognito renews the tokens', async () => {
    const e = await registered();
    const session = (await call('login', { body: { email: e, password: PASSWORD } })).body;
    let signedOut = 0;
    cognito((c, real) => {
      if (!(c instanceof InitiateAuthCommand) || c.input.AuthFlow !== 'REFRESH_TOKEN_AUTH') return undefined;
      // The owner signs out everywhere (from another device) while Cognito works on the refresh.
      return call('revokeSessions', { token: session.accessToken }).then((r) => {
        expect(r.status).toBe(204);
        signedOut++;
        return real(c);
      });
    });
    const r = await call('refresh', { body: { refreshToken: session.refreshToken } });
    vi.restoreAllMocks();
    expect(signedOut).toBe(1);
    expect(r.status).toBe(401);
    expect(r.body.code).toBe('invalid_refresh_token');
    expect(r.body.accessToken).toBeUndefined();
  });
});

describe('a login attempt left unsettled', () => {
  it('the pair lock still ends after its 30 minutes when the 10th failure met a throttled look-up', async () => {
    const e = await registered();
    const ip = '10.77.0.1';
    for (let i = 0; i < 9; i++)
      expect(
        (await call('login', { body: { email: e, password: 'Wrong-Password-1!' }, sourceIp: ip })).status,
      ).toBe(401);
    // The 10th wrong password: Cognito refuses it, then the user look-up is throttled (503).
    let refused = false;
    cognito((c) => {
      if (c instanceof AdminGetUserCommand && refused) return injected('TooManyRequestsException');
      if ((c as { input?: { AuthFlow?: string } }).input?.AuthFlow === 'USER_PASSWORD_AUTH') refused = true;
      return undefined;
    });
    const tenth = await call('login', { body: { email: e, password: 'Wrong-Password-1!' }, sourceIp: ip });
    vi.restoreAllMocks();
    expect(tenth.status).toBe(503);
    // 31 minutes later (past the documented 30-minute lock), the owner's right password from that IP.
    const now = Date.now();
    vi.spyOn(Date, 'now').mockReturnValue(now + 31 * 60 * 1000);
    const later = await call('login', { body: { email: e, password: PASSWORD }, sourceIp: ip });
    vi.restoreAllMocks();
    expect({ status: later.status, code: later.body?.code }).toEqual({ status: 200, code: undefined });
  });
});

describe('Cognito\u2019s own lockout (AWS)', () => {
  it('a sign-in it refuses is recorded on the customer\u2019s trail', async () => {
    const e = await registered();
    const ok = await call('login', { body: { email: e, password: PASSWORD } });
    const sub = String(decodeJwt(ok.body.accessToken).sub);
    cognito((c) =>
      (c as { input?: { AuthFlow?: string } }).input?.AuthFlow === 'USER_PASSWORD_AUTH'
        ? Promise.reject(
            Object.assign(new Error('Password attempts exceeded'), { name: 'NotAuthorizedException' }),
          )
        : undefined,
    );
    const refused = await call('login', { body: { email: e, password: PASSWORD }, sourceIp: '10.78.0.1' });
    vi.restoreAllMocks();
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('login_locked');
    const trail = await new AuditStore(dynamoClients().doc, table).bySubject(sub, { limit: 1 });
    expect(trail.items[0]).toMatchObject({
      action: 'login_refused_locked',
      outcome: 'refused',
      actor: { userId: ANONYMOUS, sourceIp: '10.78.0.1' },
    });
  });
});

describe('a sign-up not confirmed has no password to reset', () => {
  it('its confirmation code is refused on the reset route, without reaching Cognito (cognito-local would confirm it)', async () => {
    const e = await pendingSignUp();
    const sent: unknown[] = [];
    cognito((c) => {
      if (c instanceof ConfirmForgotPasswordCommand) sent.push(c);
      return undefined;
    });
    const r = await call('resetPassword', {
      body: { email: e, code: '123456', newPassword: 'Brand-New-Secret-42' },
    });
    vi.restoreAllMocks();
    expect(r.body.code).toBe('invalid_code');
    expect(sent).toEqual([]);
  });
});

/*
 * A password change or reset is two writes that cannot be one transaction: Cognito's new password,
 * then the revocation marker that ends every other session. A function that dies between them (a
 * Lambda timeout, a crash, a fault on the marker's write) had changed the password and ended nothing:
 * the stolen session the customer changed the password to shut out went on working and renewing, and
 * no retry could finish the job (the old password is wrong by then; a reset's code is spent). Found by
 * a review of races (2026-12-07). The change is now marked under way before Cognito is asked
 * (sign-out.ts `changingPassword`), and a mark left longer than PASSWORD_CHANGE_MS counts as a marker
 * (login-status.ts `readLoginStatus`). Time passing is the clock set forward, never a sleep.
 */
const login = async (e: string, password = PASSWORD) => {
  const r = await call('login', { body: { email: e, password } });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body as { accessToken: string; refreshToken: string };
};

const subOf = (accessToken: string): string =>
  JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString()).sub as string;
const securityOf = async (sub: string) =>
  (await db().send(new GetCommand({ TableName: table, Key: keys.security(sub), ConsistentRead: true })))
    .Item ?? {};
/**
 * The time a change may take passes: the clock (Date alone; timers stay real) moves past its mark by
 * PASSWORD_CHANGE_MS and a second, for what the test does next (afterEach puts it back).
 */
const changeGoesStale = async (sub: string) => {
  const at = Number((await securityOf(sub)).passwordChangeAt);
  expect(at).toBeGreaterThan(0);
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(at + PASSWORD_CHANGE_MS + 1000);
};

/** The function dies on the revocation marker's write (nothing after it runs). */
const dieOnMarker = () => {
  const d = db();
  const send = d.send.bind(d);
  let died = 0;
  vi.spyOn(d, 'send').mockImplementation(((command: unknown, ...rest: unknown[]) => {
    if (
      command instanceof UpdateCommand &&
      String(command.input.UpdateExpression).includes('#marker') &&
      command.input.ExpressionAttributeNames?.['#marker'] === 'tokensRevokedBefore'
    ) {
      died++;
      return Promise.reject(Object.assign(new Error('Task timed out (injected)'), { name: 'Crash' }));
    }
    return (send as (...a: unknown[]) => Promise<unknown>)(command, ...rest);
  }) as typeof d.send);
  return () => died;
};

describe('a password change or reset whose function dies after Cognito took the new password', () => {
  it('a change: the sessions it was to end end once it is stale, a refused retry notwithstanding', async () => {
    const e = await registered();
    const thief = await login(e);
    const owner = await login(e);
    const died = dieOnMarker();
    const r = await call('changePassword', {
      token: owner.accessToken,
      body: { currentPassword: PASSWORD, newPassword: 'Brand-New-Secret-42' },
    });
    vi.restoreAllMocks();
    expect(died()).toBe(1);
    expect(r.status).toBeGreaterThanOrEqual(500);
    // The password did change: the old one no longer logs in, so the same request cannot be retried.
    expect((await call('login', { body: { email: e, password: PASSWORD } })).status).toBe(401);
    const retried = await call('changePassword', {
      token: owner.accessToken,
      body: { currentPassword: PASSWORD, newPassword: 'Brand-New-Secret-42' },
    });
    expect(retried.body.code).toBe('wrong_password');
    // While it may still be under way, nothing changes. The refused retry left the mark of the change
    // that died (its own time is not written over it): once stale, every session from before it ends.
    expect((await call('me', { token: thief.accessToken })).status).toBe(200);
    await changeGoesStale(subOf(thief.accessToken));
    expect((await call('me', { token: thief.accessToken })).status).toBe(401);
    expect((await call('refresh', { body: { refreshToken: thief.refreshToken } })).status).toBe(401);
  });

  it('a reset: every old session ends once it is stale (the code is spent)', async () => {
    const e = await registered();
    const thief = await login(e);
    expect((await call('forgotPassword', { body: { email: e } })).status).toBe(202);
    // Cognito accepts the code (cognito-local's is unknown here) and sets the new password.
    let resets = 0;
    cognito((c) => {
      if (!(c instanceof ConfirmForgotPasswordCommand)) return undefined;
      resets++;
      return Promise.resolve({});
    });
    const died = dieOnMarker();
    const r = await call('resetPassword', {
      body: { email: e, code: '123456', newPassword: 'Brand-New-Secret-42' },
    });
    vi.restoreAllMocks();
    expect(resets).toBe(1);
    expect(died()).toBe(1);
    expect(r.status).toBeGreaterThanOrEqual(500);
    await changeGoesStale(subOf(thief.accessToken));
    expect((await call('me', { token: thief.accessToken })).status).toBe(401);
    expect((await call('refresh', { body: { refreshToken: thief.refreshToken } })).status).toBe(401);
  });

  it('a change refused (a wrong password) takes its mark back: no session ends, then or later', async () => {
    const e = await registered();
    const mine = await login(e);
    const r = await call('changePassword', {
      token: mine.accessToken,
      body: { currentPassword: 'Wrong-Horse-9-Battery', newPassword: 'Brand-New-Secret-42' },
    });
    expect(r.body.code).toBe('wrong_password');
    expect((await securityOf(subOf(mine.accessToken))).passwordChangeAt).toBeUndefined();
    expect((await call('me', { token: mine.accessToken })).status).toBe(200);
  });

  it('a change that finishes: its marker supersedes the mark, and a login after it keeps working', async () => {
    const e = await registered();
    const old = await login(e);
    const r = await call('changePassword', {
      token: old.accessToken,
      body: { currentPassword: PASSWORD, newPassword: 'Brand-New-Secret-42' },
    });
    expect(r.status).toBe(204);
    const fresh = await login(e, 'Brand-New-Secret-42');
    await changeGoesStale(subOf(fresh.accessToken));
    expect((await call('me', { token: fresh.accessToken })).status).toBe(200);
    expect((await call('me', { token: old.accessToken })).status).toBe(401);
  });
});

/**
 * Cognito's answers to one command, attempt by attempt, below the SDK's retries (the handlers' own
 * client, `cognito()`): `answer` gets the attempt's number and the real call. Returns the count of
 * attempts; `done()` takes it out.
 */
const attemptsOf = (
  commandName: string,
  answer: (attempt: number, real: () => Promise<unknown>) => Promise<unknown>,
) => {
  const stack = cognitoClient().middlewareStack;
  let n = 0;
  stack.add(
    ((next: (a: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) =>
      context.commandName === commandName ? answer(++n, () => next(args)) : next(args)) as never,
    { step: 'deserialize', name: 'attemptsOf', override: true },
  );
  return { count: () => n, done: () => stack.remove('attemptsOf') };
};
const cognitoError = (name: string) =>
  Object.assign(new Error(`${name} (injected)`), {
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
  });
/** The answer that did not come: the SDK's request timeout, after Cognito did (or did not do) the call. */
const lostAnswer = () => Object.assign(new Error('Request timed out (injected)'), { name: 'TimeoutError' });

describe('Cognito\u2019s retries: a password call is sent again only after a throttle', () => {
  it('a change whose answer is lost is not sent again: 503, and the sessions from before end once it is stale', async () => {
    const e = await registered();
    const thief = await login(e);
    const owner = await login(e);
    // Cognito takes the new password; its answer is lost. Sent again, it would refuse the old password
    // (the API answered wrong_password and took the mark back: the stolen session went on).
    const change = attemptsOf('ChangePasswordCommand', async (n, real) => {
      if (n === 1) await real();
      throw n === 1 ? lostAnswer() : cognitoError('NotAuthorizedException');
    });
    const r = await call('changePassword', {
      token: owner.accessToken,
      body: { currentPassword: PASSWORD, newPassword: 'Brand-New-Secret-42' },
    });
    change.done();
    expect(change.count()).toBe(1);
    expect(r.status, JSON.stringify(r.body)).toBe(503);
    await login(e, 'Brand-New-Secret-42');
    await changeGoesStale(subOf(thief.accessToken));
    expect((await call('me', { token: thief.accessToken })).status).toBe(401);
    expect((await call('refresh', { body: { refreshToken: thief.refreshToken } })).status).toBe(401);
  });

  it('a reset whose answer is lost is not sent again: 503, not invalid_code, and the sessions from before end once it is stale', async () => {
    const e = await registered();
    const thief = await login(e);
    expect((await call('forgotPassword', { body: { email: e } })).status).toBe(202);
    // Cognito accepts the code and sets the new password (cognito-local's code is unknown here); its
    // answer is lost. Sent again, the code is spent.
    const reset = attemptsOf('ConfirmForgotPasswordCommand', async (n) => {
      throw n === 1 ? lostAnswer() : cognitoError('CodeMismatchException');
    });
    const r = await call('resetPassword', {
      body: { email: e, code: '123456', newPassword: 'Brand-New-Secret-42' },
    });
    reset.done();
    expect(reset.count()).toBe(1);
    expect(r.status, JSON.stringify(r.body)).toBe(503);
    await changeGoesStale(subOf(thief.accessToken));
    expect((await call('me', { token: thief.accessToken })).status).toBe(401);
  });

  it('a reset Cognito throttles at every attempt changed nothing: its mark is taken back, and no session ends', async () => {
    const e = await registered();
    const mine = await login(e);
    expect((await call('forgotPassword', { body: { email: e } })).status).toBe(202);
    const reset = attemptsOf('ConfirmForgotPasswordCommand', async () => {
      throw cognitoError('TooManyRequestsException');
    });
    const r = await call('resetPassword', {
      body: { email: e, code: '123456', newPassword: 'Brand-New-Secret-42' },
    });
    reset.done();
    // The SDK's attempts, each throttled before Cognito did anything.
    expect(reset.count()).toBe(COGNITO_ATTEMPTS);
    expect(r.status).toBe(503);
    expect((await securityOf(subOf(mine.accessToken))).passwordChangeAt).toBeUndefined();
    expect((await call('me', { token: mine.accessToken })).status).toBe(200);
  });
});

/*
 * Turning TOTP off vs a TOTP sign-in under way (a review of races): disableTotp sets the bank's mark
 * first, then turns TOTP off at Cognito, which takes a code in between; a sign-in whose password step
 * began before the off must not come out as a TOTP login (what the staff guard asks for), as a renewal
 * of one from before does not.
 */
const signIn = (email: string) => call('login', { body: { email, password: PASSWORD } });

describe('TOTP off vs a TOTP login under way', () => {
  it('a sign-in begun before TOTP was turned off is not a TOTP login for the staff guard', async () => {
    const email = `t-${randomUUID()}@example.com`;
    expect((await call('register', { body: { email, password: PASSWORD, name: 'Ad Min' } })).status).toBe(
      201,
    );
    await addToAdminGroup(pool.cognito, pool.userPoolId, email);
    const plain = (await signIn(email)).body;
    const sub = String(decodeJwt(plain.accessToken).sub);
    const { secret } = (await call('enrolTotp', { token: plain.accessToken, body: { password: PASSWORD } }))
      .body;
    const enrolCode = generateSync({ secret });
    expect((await call('verifyTotp', { token: plain.accessToken, body: { code: enrolCode } })).status).toBe(
      204,
    );

    // A sign-in's password step (its code step comes later).
    const challenge = await signIn(email);
    expect(challenge.body.challenge).toBe('totp');

    // The owner turns TOTP off; held after the marker is set, before Cognito turns it off.
    const held = holdCalls(securitySettings(), 'setTotp', (_who, enabled) => !enabled);
    const offCode = unusedTotpCode(secret, [enrolCode]);
    const off = call('disableTotp', {
      token: plain.accessToken,
      body: { password: PASSWORD, code: offCode },
    });
    await held.reached;

    // The timeline, in whole seconds past the guard's 1 s margin (no sleeping): the sign-in began 10 s
    // ago, TOTP was turned off 3 s ago, its code step is now.
    const now = Date.now();
    const doc = dynamoClients().doc;
    await doc.send(
      new UpdateCommand({
        TableName: table,
        Key: keys.security(sub),
        UpdateExpression: 'SET totpOffAt = :at',
        ExpressionAttributeValues: { ':at': now - 3_000 },
      }),
    );
    await doc.send(
      new UpdateCommand({
        TableName: table,
        Key: keys.mfaSession(tokenHash(challenge.body.session)),
        UpdateExpression: 'SET startedAt = :at',
        ExpressionAttributeValues: { ':at': now - 10_000 },
      }),
    );
    const mfa = await call('loginMfa', {
      body: { session: challenge.body.session, code: unusedTotpCode(secret, [enrolCode, offCode]) },
    });
    expect(mfa.status, JSON.stringify(mfa.body)).toBe(200);
    held.release();
    expect((await off).status).toBe(204);

    // The rule: begun before TOTP was turned off, it is not a TOTP login (as its refresh token's
    // renewals are not). Here the staff guard takes it.
    const find = await call('adminFindCustomers', { token: mfa.body.accessToken, query: { email } });
    expect(find.body.code).toBe('mfa_required');
  });
});

describe('review: a Cognito call safe to send again, after one transient fault', () => {
  it('a logout whose RevokeToken meets one 5xx is retried and signs the refresh token out', async () => {
    const e = await registered();
    const t = await login(e);
    // Cognito's one-off 500 (InternalErrorException, a server fault the SDK retries by default).
    // Revoking a refresh token twice is harmless (a token already revoked is ignored: cognito.ts revoke).
    const revoke = attemptsOf('RevokeTokenCommand', async (n, real) => {
      if (n === 1)
        throw Object.assign(new Error('InternalErrorException (injected)'), {
          name: 'InternalErrorException',
          $fault: 'server',
          $metadata: { httpStatusCode: 500 },
        });
      return real();
    });
    const out = await call('logout', { token: t.accessToken, body: { refreshToken: t.refreshToken } });
    revoke.done();
    // Today: the SDK no longer retries anything but a throttle (cognitoRetries), so the logout ends
    // at its first attempt, 503, and the refresh token the customer meant to end goes on working.
    expect({ status: out.status, attempts: revoke.count() }).toEqual({ status: 204, attempts: 2 });
    expect((await call('refresh', { body: { refreshToken: t.refreshToken } })).status).toBe(401);
  });
});

describe('review: nothingDone on a throttle after a Cognito call that went through', () => {
  it('a TOTP enrolment whose code Cognito verified keeps the code taken when turning TOTP on is throttled', async () => {
    const e = await registered();
    const t = await login(e);
    const { secret } = (await call('enrolTotp', { token: t.accessToken, body: { password: PASSWORD } })).body;
    const code = generateSync({ secret });
    // VerifySoftwareToken accepts the code (the real pool); SetUserMFAPreference, the second call of
    // enableTotp, is throttled at every attempt: that call did nothing, but the code was used.
    const prefs = attemptsOf('SetUserMFAPreferenceCommand', async () => {
      throw cognitoError('TooManyRequestsException');
    });
    const first = await call('verifyTotp', { token: t.accessToken, body: { code } });
    prefs.done();
    expect(first.status).toBe(503);
    // Today busy()'s nothingDone reaches totp-codes useOnce as a definite refusal of the whole check,
    // and the code Cognito accepted is given back: it works again (here, a second enrolment with it),
    // against RFC 6238 §5.2 as profile.ts verifyTotp states it (whoever watched the enrolment may use
    // its code). Taken, it is refused as used.
    const again = await call('verifyTotp', { token: t.accessToken, body: { code } });
    expect(again.status, JSON.stringify(again.body)).toBe(400);
  });
});

/*
 * A review (2026-12): ConfirmSignUp is not sent again after a timeout, a 5xx or a dropped connection
 * (cognito.ts SPENDING), and Cognito may have confirmed the sign-up before its answer was lost. The
 * confirm route lifted its hold (passwordPending) on any error, so the login came out confirmed with
 * the sign-up's password (a squatter's, say) and nothing held; and the lift was unconditional, so a
 * wrong code sent meanwhile lifted the owner's hold too. Nor were attempts at a code whose answer was
 * lost counted: a right guess may have confirmed the sign-up or changed the password.
 */
describe('review: a confirmation whose answer is lost', () => {
  const OWNER_PASSWORD = 'Owner-Chose-This-2026!';
  const confirmBody = (e: string, code = '123456') => ({
    email: e,
    code,
    password: OWNER_PASSWORD,
    name: 'Ada Lovelace',
  });
  const confirmed = (e: string) =>
    pool.cognito.send(new AdminConfirmSignUpCommand({ UserPoolId: pool.userPoolId, Username: e }));

  it("holds the login: the owner is told to reset, the sign-up's password opens nothing, and a reset lets the owner in", async () => {
    // A squatter's sign-up (its password: PASSWORD); the owner confirms with the code from the mailbox.
    const e = await pendingSignUp('Sam Squatter');
    // Cognito takes the code (cognito-local's is unknown here: an admin confirmation stands in) and
    // confirms the sign-up; its answer is lost.
    const confirm = attemptsOf('ConfirmSignUpCommand', async () => {
      await confirmed(e);
      throw lostAnswer();
    });
    const r = await call('confirm', { body: confirmBody(e) });
    confirm.done();
    expect(confirm.count()).toBe(1);
    // Found confirmed after the lost answer: the owner is told to choose the password by a reset (a
    // retry would answer a wrong code, the code being spent).
    expect(r.status, JSON.stringify(r.body)).toBe(403);
    expect(r.body.code).toBe('password_reset_required');

    // The squatter's password is Cognito's now, but the login is held: no tokens.
    const squatter = await call('login', { body: { email: e, password: PASSWORD } });
    expect(squatter.status, JSON.stringify(squatter.body)).toBe(403);
    expect(squatter.body.code).toBe('password_reset_required');
    expect(squatter.body.accessToken).toBeUndefined();
    // The owner's way forward: the retry finds the sign-up confirmed (a wrong code, as for any confirmed
    // login), and the owner's password was never set; a reset sets it and ends the hold.
    expect((await call('confirm', { body: confirmBody(e) })).body.code).toBe('invalid_code');
    expect((await call('login', { body: { email: e, password: OWNER_PASSWORD } })).status).toBe(401);
    expect((await call('forgotPassword', { body: { email: e } })).status).toBe(202);
    // The reset's code is taken as right here, and the password set as Cognito would.
    cognito((c) =>
      c instanceof ConfirmForgotPasswordCommand
        ? pool.cognito
            .send(
              new AdminSetUserPasswordCommand({
                UserPoolId: pool.userPoolId,
                Username: e,
                Password: OWNER_PASSWORD,
                Permanent: true,
              }),
            )
            .then(() => ({}))
        : undefined,
    );
    const reset = await call('resetPassword', {
      body: { email: e, code: '123456', newPassword: OWNER_PASSWORD },
    });
    vi.restoreAllMocks();
    expect(reset.status, JSON.stringify(reset.body)).toBe(204);
    expect((await call('login', { body: { email: e, password: OWNER_PASSWORD } })).status).toBe(200);
    expect((await call('login', { body: { email: e, password: PASSWORD } })).status).toBe(401);
  });

  it('a lost answer that did not confirm: 503, and the retry confirms with the owner\u2019s password', async () => {
    const e = await pendingSignUp('Sam Squatter');
    const confirm = attemptsOf('ConfirmSignUpCommand', async () => {
      throw lostAnswer();
    });
    const r = await call('confirm', { body: confirmBody(e) });
    confirm.done();
    expect(r.status, JSON.stringify(r.body)).toBe(503);
    // Not confirmed: the sign-up's password opens nothing (and the login is held besides).
    expect((await call('login', { body: { email: e, password: PASSWORD } })).body.code).toBe(
      'user_not_confirmed',
    );
    // The retry reaches Cognito, which confirms now (an admin confirmation stands in for the code).
    cognito((c) => (c instanceof ConfirmSignUpCommand ? confirmed(e).then(() => ({})) : undefined));
    const again = await call('confirm', { body: confirmBody(e) });
    vi.restoreAllMocks();
    expect(again.status, JSON.stringify(again.body)).toBe(204);
    expect((await call('login', { body: { email: e, password: OWNER_PASSWORD } })).status).toBe(200);
    expect((await call('login', { body: { email: e, password: PASSWORD } })).status).toBe(401);
  });

  it("a wrong code sent while the owner's confirmation is under way lifts its own hold, not the owner's", async () => {
    const e = await pendingSignUp('Sam Squatter');
    let ownerAtCognito!: () => void;
    const reached = new Promise<void>((r) => {
      ownerAtCognito = r;
    });
    let goOn!: () => void;
    const gate = new Promise<void>((r) => {
      goOn = r;
    });
    cognito((c) => {
      if (c instanceof ConfirmSignUpCommand) {
        // Any code but the owner's is wrong; the owner's is held at Cognito until the wrong one is done.
        if (c.input.ConfirmationCode !== '111111') return injected('CodeMismatchException');
        return (async () => {
          ownerAtCognito();
          await gate;
          await confirmed(e);
          return {};
        })();
      }
      // Then setting the owner's password fails: the login waits, held, for a reset.
      if (c instanceof AdminSetUserPasswordCommand) return injected('InternalErrorException');
      return undefined;
    });
    const owner = call('confirm', { body: confirmBody(e, '111111') });
    await reached;
    const wrong = await call('confirm', { body: confirmBody(e, '000000') });
    expect(wrong.body.code).toBe('invalid_code');
    goOn();
    const r = await owner;
    vi.restoreAllMocks();
    expect(r.status, JSON.stringify(r.body)).toBe(403);
    expect(r.body.code).toBe('password_reset_required');
    // The sign-up's password, Cognito's, opens nothing: the owner's hold stood through the wrong code.
    const squatter = await call('login', { body: { email: e, password: PASSWORD } });
    expect(squatter.status, JSON.stringify(squatter.body)).toBe(403);
    expect(squatter.body.code).toBe('password_reset_required');
  });

  /** Cognito answers every attempt of `commandName`: its answer lost, or throttled (nothing done). */
  const answers = (commandName: string, answer: 'lost' | 'throttled') =>
    attemptsOf(commandName, async () => {
      throw answer === 'lost' ? lostAnswer() : cognitoError('TooManyRequestsException');
    });
  it.each([
    {
      route: 'confirm' as const,
      command: 'ConfirmSignUpCommand',
      spent: 'verification_locked',
      user: () => pendingSignUp('Pat Pending'),
      body: (e: string, code: string) => confirmBody(e, code),
    },
    {
      route: 'resetPassword' as const,
      command: 'ConfirmForgotPasswordCommand',
      spent: 'reset_locked',
      user: async () => {
        const e = await registered();
        expect((await call('forgotPassword', { body: { email: e } })).status).toBe(202);
        return e;
      },
      body: (e: string, code: string) => ({ email: e, code, newPassword: 'Brand-New-Secret-42' }),
    },
  ])(
    '$route: a try whose answer was lost stays counted; one Cognito throttled at every attempt is given back',
    async ({ route, command, spent, user, body }) => {
      const e = await user();
      const seen: unknown[] = [];
      const attempt = async (answer: 'lost' | 'throttled', i: number) => {
        const cognitoAnswers = answers(command, answer);
        const r = await call(route, { body: body(e, String(100000 + i)) });
        cognitoAnswers.done();
        // Cognito saw it (a lost answer is not sent again; a throttle is, at every attempt), or not (spent).
        seen.push(r.status === 429 ? r.body.code : [r.status, cognitoAnswers.count()]);
      };
      // Four lost, one throttled (given back), a fifth lost: the code's five tries are used.
      for (let i = 0; i < 4; i++) await attempt('lost', i);
      await attempt('throttled', 4);
      await attempt('lost', 5);
      await attempt('lost', 6);
      const lost = [503, 1];
      expect(seen).toEqual([lost, lost, lost, lost, [503, COGNITO_ATTEMPTS], lost, spent]);
    },
  );
});

/*
 * A review (2026-12): the first login of a user with no profile (signed up at Cognito directly) took the
 * name Cognito holds as it was, past the registration's check: bidi overrides and control characters
 * reached the profile's name, which confirmation of payee shows payers and statements print.
 */
describe('review: the name of a profile made at a first login', () => {
  const direct = async (name: string) => {
    const e = await pendingSignUp(name);
    await pool.cognito.send(new AdminConfirmSignUpCommand({ UserPoolId: pool.userPoolId, Username: e }));
    return e;
  };
  const nameOf = async (accessToken: string) => (await call('me', { token: accessToken })).body.name;

  it.each([
    ['a right-to-left override', '\u202EAda\u202C Lovelace', 'Ada Lovelace'],
    ['control characters', '\u0007Ada\u0000 Lovelace\n', 'Ada Lovelace'],
    ['bidi marks and isolates around it', '\u200F\u2067 Ada Lovelace \u2069', 'Ada Lovelace'],
    [
      'a name as registration takes it',
      'Zo\u00eb \u05e9\u05dc\u05d5\u05dd',
      'Zo\u00eb \u05e9\u05dc\u05d5\u05dd',
    ],
  ])('%s: kept without its control and bidi characters', async (_what, cognitoName, stored) => {
    const e = await direct(cognitoName);
    expect(await nameOf((await login(e)).accessToken)).toBe(stored);
  });

  it('a name with nothing left is refused as a common password is (no tokens, no profile) until Cognito holds another', async () => {
    const e = await direct('\u202E\u0007 \u202C');
    const r = await call('login', { body: { email: e, password: PASSWORD } });
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(r.body.code).toBe('validation_failed');
    expect(r.body.accessToken).toBeUndefined();
    const cognitoUser = await pool.cognito.send(
      new AdminGetUserCommand({ UserPoolId: pool.userPoolId, Username: e }),
    );
    const sub = String(cognitoUser.UserAttributes?.find((a) => a.Name === 'sub')?.Value);
    const profile = await db().send(new GetCommand({ TableName: table, Key: keys.profile(sub) }));
    expect(profile.Item).toBeUndefined();
    // The customer gives Cognito a name (the app client may write `name`: UpdateUserAttributes).
    await pool.cognito.send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: pool.userPoolId,
        Username: e,
        UserAttributes: [{ Name: 'name', Value: 'Ada Lovelace' }],
      }),
    );
    expect(await nameOf((await login(e)).accessToken)).toBe('Ada Lovelace');
  });
});
