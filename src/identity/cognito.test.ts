/**
 * The Cognito adapter's answers to what only AWS's Cognito says (cognito-local has no lockout), with a
 * client that answers as Cognito does.
 */
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, it } from 'vitest';
import { Identity, SecuritySettings } from './cognito.ts';

/** A client whose every call Cognito refuses with NotAuthorizedException and `message`. */
const refusingClient = (message: string) =>
  ({
    send: async () => {
      throw Object.assign(new Error(message), { name: 'NotAuthorizedException' });
    },
  }) as unknown as CognitoIdentityProviderClient;

const refusing = (message: string) =>
  new Identity(refusingClient(message), { userPoolId: 'pool', clientId: 'client', autoConfirm: false });

describe('Identity.login on what Cognito refuses', () => {
  it("answers Cognito's own lockout 429 login_locked, not a wrong password", async () => {
    await expect(refusing('Password attempts exceeded').login('a@example.com', 'pw')).rejects.toMatchObject({
      code: 'login_locked',
      retryAfter: 60,
    });
    await expect(
      refusing('Incorrect username or password.').login('a@example.com', 'pw'),
    ).rejects.toMatchObject({
      code: 'invalid_credentials',
    });
  });
});

describe("calls with the customer's access token, when Cognito refuses the token", () => {
  // RevokeToken (a log-out) revokes the access tokens of that refresh token at Cognito, which API
  // Gateway still admits until they expire; Cognito's messages for a refused token.
  const refused = ['Access Token has been revoked', 'Access Token has expired', 'Invalid Access Token'];

  it('answer 401 unauthorized, not a 500, nor a wrong password or code that counts towards the lock', async () => {
    for (const message of refused) {
      const settings = new SecuritySettings(refusingClient(message));
      const signedOut = { code: 'unauthorized' };
      await expect(settings.totpEnabled('t'), message).rejects.toMatchObject(signedOut);
      await expect(settings.associateTotp('t'), message).rejects.toMatchObject(signedOut);
      await expect(settings.setTotp('t', false), message).rejects.toMatchObject(signedOut);
      await expect(settings.enableTotp('t', '123456'), message).rejects.toMatchObject(signedOut);
      await expect(settings.changePassword('t', 'old', 'new'), message).rejects.toMatchObject(signedOut);
    }
  });

  it('still answer a wrong current password or code as such', async () => {
    const settings = new SecuritySettings(refusingClient('Incorrect username or password.'));
    await expect(settings.changePassword('t', 'old', 'new')).rejects.toMatchObject({
      code: 'wrong_password',
    });
    await expect(settings.enableTotp('t', '123456')).rejects.toMatchObject({ code: 'invalid_code' });
  });

  it('sign out everywhere with a refused token signs the caller out by their sub (their username) instead', async () => {
    const sent: { command: string; input: unknown }[] = [];
    const client = {
      send: async (c: { constructor: { name: string }; input: unknown }) => {
        sent.push({ command: c.constructor.name, input: c.input });
        if (c.constructor.name === 'GlobalSignOutCommand')
          throw Object.assign(new Error(refused[0]), { name: 'NotAuthorizedException' });
        return {};
      },
    } as unknown as CognitoIdentityProviderClient;
    const identity = new Identity(client, { userPoolId: 'pool', clientId: 'client', autoConfirm: false });
    expect(await identity.signOutEverywhere({ accessToken: 't', sub: 'sub-1' })).toBe(true);
    expect(sent).toEqual([
      { command: 'GlobalSignOutCommand', input: { AccessToken: 't' } },
      { command: 'AdminUserGlobalSignOutCommand', input: { UserPoolId: 'pool', Username: 'sub-1' } },
    ]);
  });

  it('sign out everywhere leaves it to the revocation marker, and still fails on anything else', async () => {
    expect(await refusing(refused[0] as string).signOutEverywhere({ accessToken: 't' })).toBe(false);
    const broken = new Identity(
      {
        send: async () => {
          throw Object.assign(new Error('boom'), { name: 'InternalErrorException' });
        },
      } as unknown as CognitoIdentityProviderClient,
      { userPoolId: 'pool', clientId: 'client', autoConfirm: false },
    );
    await expect(broken.signOutEverywhere({ accessToken: 't' })).rejects.toThrow('boom');
  });
});
