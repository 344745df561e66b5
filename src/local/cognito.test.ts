/**
 * Cognito's refusal of a disabled user, emulated offline (src/local/cognito.ts): cognito-local keeps
 * the flag but signs the user in; with the emulation, InitiateAuth answers as Cognito does on AWS.
 */
import {
  AdminConfirmSignUpCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestUserPool, type TestUserPool, useHandlerEnv } from '../../test/harness.ts';
import { emulateCognitoDisabledUsers } from './cognito.ts';

let pool: TestUserPool;
let restore: () => void;
const email = 'disabled-user@example.com';
const password = 'A long enough passphrase 1!';

beforeAll(async () => {
  pool = await createTestUserPool('disabled');
  restore = useHandlerEnv({ USER_POOL_ID: pool.userPoolId, USER_POOL_CLIENT_ID: pool.clientId });
  emulateCognitoDisabledUsers();
  await pool.cognito.send(
    new SignUpCommand({ ClientId: pool.clientId, Username: email, Password: password }),
  );
  await pool.cognito.send(new AdminConfirmSignUpCommand({ UserPoolId: pool.userPoolId, Username: email }));
});
afterAll(() => restore?.());

const login = (pw = password) =>
  pool.cognito.send(
    new InitiateAuthCommand({
      ClientId: pool.clientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: email, PASSWORD: pw },
    }),
  );

describe('a disabled Cognito user, offline', () => {
  it('cannot sign in, whatever the password, until enabled again', async () => {
    expect((await login()).AuthenticationResult?.AccessToken).toBeTruthy();
    const user = { UserPoolId: pool.userPoolId, Username: email };
    await pool.cognito.send(new AdminDisableUserCommand(user));
    const refused = { name: 'NotAuthorizedException', message: 'User is disabled.' };
    await expect(login()).rejects.toMatchObject(refused);
    await expect(login('wrong')).rejects.toMatchObject(refused);
    await pool.cognito.send(new AdminEnableUserCommand(user));
    expect((await login()).AuthenticationResult?.AccessToken).toBeTruthy();
  });
});
