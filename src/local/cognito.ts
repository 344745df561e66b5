/**
 * Cognito's refusal of a disabled user, offline. On AWS, AdminDisableUser stops the user's sign-in at
 * once: InitiateAuth answers `NotAuthorizedException` ("User is disabled."), before and whatever the
 * password, exactly as it answers a wrong one. cognito-local records the flag (AdminGetUser shows
 * `Enabled: false`) but signs the user in anyway, so code that relies on seeing Cognito's tokens first
 * works offline and not on AWS. This middleware, on every Cognito client of the local stack and the
 * tests (`onEveryClient`), reads the flag before a password sign-in and answers as Cognito does.
 */
import {
  AdminGetUserCommand,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { config } from '../config.ts';
import { onEveryClient, outsideFunctions } from './iam.ts';

const COGNITO_DISABLED_MIDDLEWARE = 'localCognitoDisabledUsers';

type Input = { AuthFlow?: string; AuthParameters?: Record<string, string> };

/** Cognito's answer to a disabled user's sign-in. */
const userDisabled = (): Error =>
  Object.assign(new Error('User is disabled.'), {
    name: 'NotAuthorizedException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
  });

const install = (client: Pick<CognitoIdentityProviderClient, 'middlewareStack'>): void => {
  client.middlewareStack.add(
    ((next: (args: unknown) => Promise<unknown>, context: { commandName?: string; clientName?: string }) =>
      async (args: { input: Input }) => {
        const username = args.input.AuthParameters?.USERNAME;
        if (
          context.clientName === 'CognitoIdentityProviderClient' &&
          context.commandName === 'InitiateAuthCommand' &&
          username !== undefined
        ) {
          const user = await outsideFunctions(() =>
            (client as CognitoIdentityProviderClient)
              .send(new AdminGetUserCommand({ UserPoolId: config().userPoolId, Username: username }))
              .catch(() => undefined),
          );
          if (user?.Enabled === false) throw userDisabled();
        }
        return next(args);
      }) as never,
    { step: 'initialize', name: COGNITO_DISABLED_MIDDLEWARE, override: true },
  );
};

/** Cognito's refusal of disabled users, on every Cognito client (offline only; idempotent). */
export const emulateCognitoDisabledUsers = (): void => onEveryClient(install as never);
