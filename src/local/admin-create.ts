/**
 * `npm run admin:create -- --email x@y --password '...' [--name 'Ada Admin']`
 *
 * Locally (the running stack of BANK_DATA_DIR, default .data): registers the user if need be, adds
 * them to the Cognito group `admin`, turns TOTP MFA on and prints its secret and otpauth:// URI for an
 * authenticator app (admin routes refuse a token that did not come from a TOTP login).
 *
 * On AWS (`--user-pool-id <id>`, AWS credentials and region from the usual environment): adds an
 * existing, confirmed user to the group `admin` (no password needed); they turn TOTP on themselves
 * (Settings, or POST /v1/me/mfa/totp with their password) and log in again.
 */
import { parseArgs } from 'node:util';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { addToAdminGroup, createAdmin } from './admins.ts';
import { localClientConfig } from './bootstrap.ts';
import { readStackFile } from './stack-file.ts';

const { values } = parseArgs({
  options: {
    email: { type: 'string' },
    password: { type: 'string' },
    name: { type: 'string' },
    'user-pool-id': { type: 'string' },
  },
});
const email = values.email?.trim().toLowerCase();
if (!email) {
  console.error(
    'usage: npm run admin:create -- --email x@y --password ... [--name ...] [--user-pool-id <AWS pool>]',
  );
  process.exit(2);
}

if (values['user-pool-id']) {
  const cognito = new CognitoIdentityProviderClient({});
  await addToAdminGroup(cognito, values['user-pool-id'], email);
  console.log(`${email} is in the group admin of ${values['user-pool-id']}.`);
  console.log(
    'They must turn TOTP MFA on (Settings) and log in again with the code before admin routes answer.',
  );
  process.exit(0);
}

if (!values.password) {
  console.error('--password is required locally');
  process.exit(2);
}
const dataDir = process.env.BANK_DATA_DIR || '.data';
const stack = await readStackFile(dataDir);
if (!stack?.apiUrl || !stack.cognitoEndpoint || !stack.userPoolId) {
  console.error(`No running local stack in ${dataDir}: start it with npm start first.`);
  process.exit(1);
}
const cognito = new CognitoIdentityProviderClient(localClientConfig(stack.cognitoEndpoint));
const userPoolId = stack.userPoolId;
const admin = await createAdmin(stack.apiUrl, { email, password: values.password, name: values.name }, (e) =>
  addToAdminGroup(cognito, userPoolId, e),
);
console.log(`${email} (${admin.sub}) is an admin, with TOTP MFA on.`);
if (admin.secret) {
  console.log(`TOTP secret: ${admin.secret}`);
  console.log(`otpauth URI (add it to an authenticator app): ${admin.otpauthUri}`);
} else console.log('TOTP was already on: log in with the code from the authenticator app.');
console.log(
  'Log in (POST /v1/auth/login, then /v1/auth/login/mfa with the code) to use /v1/admin/... routes.',
);
cognito.destroy();
