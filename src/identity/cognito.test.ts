/**
 * The Cognito adapter's answers to what only AWS's Cognito says (cognito-local has no lockout), with a
 * client that answers as Cognito does.
 */
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, it } from 'vitest';
import { Identity } from './cognito.ts';

const refusing = (message: string) =>
  new Identity(
    {
      send: async () => {
        throw Object.assign(new Error(message), { name: 'NotAuthorizedException' });
      },
    } as unknown as CognitoIdentityProviderClient,
    { userPoolId: 'pool', clientId: 'client', autoConfirm: false },
  );

describe('Identity.login on what Cognito refuses', () => {
  it("answers Cognito's own lockout 429 login_locked, not a wrong password", async () => {
    await expect(refusing('Password attempts exceeded').login('a@example.com', 'pw')).rejects.toMatchObject({
      code: 'login_locked',
      headers: { 'retry-after': '60' },
    });
    await expect(
      refusing('Incorrect username or password.').login('a@example.com', 'pw'),
    ).rejects.toMatchObject({
      code: 'invalid_credentials',
    });
  });
});
