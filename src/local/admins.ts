/**
 * Making an admin: a customer in the Cognito group `admin`, with TOTP MFA on (the admin guard,
 * src/handlers/gate.ts, refuses an admin whose token did not come from a TOTP login). Used by
 * `npm run admin:create` and by the tests that need a real admin.
 */
import {
  AdminAddUserToGroupCommand,
  type CognitoIdentityProviderClient,
  CreateGroupCommand,
  ListGroupsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { generateSync } from 'otplib';
import { ADMIN_GROUP } from '../handlers/gate.ts';
import { sendTotp } from './totp-code.ts';

const nameOf = (e: unknown): string => (e as { name?: string })?.name ?? '';

/**
 * Creates the group if need be (CDK creates it on AWS) and adds the user (by email) to it. The group
 * is looked up first (ListGroups; a pool holds few groups): cognito-local's CreateGroup never answers GroupExistsException, it replaces the
 * group and so drops every member already in it (the admins made before).
 */
export const addToAdminGroup = async (
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
  email: string,
): Promise<void> => {
  // ListGroups, not GetGroup: cognito-local answers GetGroup of a missing group with an UnknownError.
  const { Groups = [] } = await cognito.send(new ListGroupsCommand({ UserPoolId: userPoolId, Limit: 60 }));
  const exists = Groups.some((g) => g.GroupName === ADMIN_GROUP);
  if (!exists)
    try {
      await cognito.send(
        new CreateGroupCommand({
          UserPoolId: userPoolId,
          GroupName: ADMIN_GROUP,
          Description: 'Bank staff: the back office (/v1/admin/...)',
        }),
      );
    } catch (e) {
      if (nameOf(e) !== 'GroupExistsException') throw e;
    }
  await cognito.send(
    new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: email, GroupName: ADMIN_GROUP }),
  );
};

export interface AdminLogin {
  sub: string;
  accessToken: string;
  refreshToken: string;
  /** The TOTP secret (base32), when this call turned TOTP on. */
  secret?: string;
  otpauthUri?: string;
}

const api = async (base: string, method: string, path: string, body?: unknown, token?: string) => {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : undefined };
};

const subOf = (token: string): string =>
  String(JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')).sub ?? '');

/**
 * Through the API at `base`: registers the user (a repeat is harmless), lets `addToGroup` put them in
 * the admin group, turns TOTP on (with `secret` if TOTP is already on, to answer the challenge), and
 * logs in with password and code, so the tokens qualify for admin routes.
 */
export const createAdmin = async (
  base: string,
  who: { email: string; password: string; name?: string; secret?: string },
  addToGroup: (email: string) => Promise<void>,
): Promise<AdminLogin> => {
  const reg = await api(base, 'POST', '/v1/auth/register', {
    email: who.email,
    password: who.password,
    name: who.name ?? 'Bank Admin',
  });
  if (reg.status >= 300) throw new Error(`register: ${reg.status} ${JSON.stringify(reg.json)}`);
  await addToGroup(who.email);
  const first = await api(base, 'POST', '/v1/auth/login', { email: who.email, password: who.password });
  if (first.status !== 200) throw new Error(`login: ${first.status} ${JSON.stringify(first.json)}`);
  let secret = who.secret;
  let otpauthUri: string | undefined;
  let session = first.json.session as string | undefined;
  if (!session) {
    // Enrolment asks for the password again (a token alone must not add a second factor).
    const enrol = await api(
      base,
      'POST',
      '/v1/me/mfa/totp',
      { password: who.password },
      first.json.accessToken,
    );
    if (enrol.status !== 200)
      throw new Error(`TOTP enrolment: ${enrol.status} ${JSON.stringify(enrol.json)}`);
    secret = enrol.json.secret as string;
    otpauthUri = enrol.json.otpauthUri as string;
    // The last step's code, which Cognito's check (one step either side) still takes: the code that
    // turns TOTP on is taken (each is accepted once), and the login below answers with the current one,
    // so that the staff member's next login may use the next step's.
    const verify = await sendTotp(
      secret,
      -1,
      (code) => api(base, 'POST', '/v1/me/mfa/totp/verify', { code }, first.json.accessToken),
      (r) => r.status === 204,
    );
    if (verify.status !== 204)
      throw new Error(`TOTP verification: ${verify.status} ${JSON.stringify(verify.json)}`);
    const again = await api(base, 'POST', '/v1/auth/login', { email: who.email, password: who.password });
    session = again.json?.session;
  }
  if (!session || !secret) throw new Error('TOTP is on but no secret was given to answer the challenge');
  const mfa = await api(base, 'POST', '/v1/auth/login/mfa', { session, code: generateSync({ secret }) });
  if (mfa.status !== 200) throw new Error(`MFA login: ${mfa.status} ${JSON.stringify(mfa.json)}`);
  return {
    sub: subOf(mfa.json.accessToken),
    accessToken: mfa.json.accessToken,
    refreshToken: mfa.json.refreshToken,
    ...(otpauthUri ? { secret, otpauthUri } : {}),
  };
};
