/**
 * The back office (issue 13) through the real handlers on the emulators: the admin guard (group,
 * TOTP login, signed out, refusals audited: OWASP API5 over every admin route of the table), the customer routes
 * (find, view, unlock, disable, enable), the audit list and the customer's own activity.
 */
import { randomUUID } from 'node:crypto';
import {
  AdminConfirmSignUpCommand,
  AdminDeleteUserCommand,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt } from 'jose';
import { generateSync } from 'otplib';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { adminCall, type TestAdmin, testAdmin } from '../../test/admin.ts';
import { call } from '../../test/api.ts';
import { createTestTable, createTestUserPool, dynamoClients, useHandlerEnv } from '../../test/harness.ts';
import { holdCalls } from '../../test/hold.ts';
import { routeKey, routeList } from '../api/routes.ts';
import { config } from '../config.ts';
import { ANONYMOUS } from '../domain/audit.ts';
import { addToAdminGroup } from '../local/admins.ts';
import { unusedTotpCode } from '../local/totp-code.ts';
import { AuditStore, auditEntry, verifyAudit } from '../store/audit.ts';
import { revokeAllBefore, totpTurnedOff } from '../store/login-status.ts';
import { SessionStore } from '../store/sessions.ts';
import { UserStore } from '../store/users.ts';
import { audit, directory } from './context.ts';

const PASSWORD = 'Correct-Horse-9-Battery';
let pool: Awaited<ReturnType<typeof createTestUserPool>>;
let admin: TestAdmin;
const trail = () => new AuditStore(dynamoClients().doc, config().tableName);

beforeAll(async () => {
  pool = await createTestUserPool('admin');
  useHandlerEnv({
    TABLE_NAME: await createTestTable('admin'),
    USER_POOL_ID: pool.userPoolId,
    USER_POOL_CLIENT_ID: pool.clientId,
    BANK_AUTO_CONFIRM: 'true',
    BANK_LOGIN_MAX_FAILURES: '2',
    BANK_AUTH_FLOOR_MS: '0',
  });
  admin = await testAdmin();
});

interface Customer {
  email: string;
  sub: string;
  accessToken: string;
  refreshToken: string;
}

const login = (email: string, password = PASSWORD, sourceIp?: string) =>
  call('login', { body: { email, password }, ...(sourceIp ? { sourceIp } : {}) });

const customer = async (): Promise<Customer> => {
  const email = `c-${randomUUID()}@example.com`;
  expect(
    (await call('register', { body: { email, password: PASSWORD, name: 'Cora Customer' } })).status,
  ).toBe(201);
  const r = await login(email);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return { email, sub: String(decodeJwt(r.body.accessToken).sub), ...r.body };
};

/** A sign-up made in the pool itself, past the register route (the app client is public), not confirmed. */
const signUpAtCognito = (email: string, name?: string) =>
  pool.cognito.send(
    new SignUpCommand({
      ClientId: pool.clientId,
      Username: email,
      Password: PASSWORD,
      UserAttributes: [{ Name: 'email', Value: email }, ...(name ? [{ Name: 'name', Value: name }] : [])],
    }),
  );

const adminRoutes = routeList.filter((r) => r.role === 'admin');
const paramsOf = (path: string) =>
  Object.fromEntries([...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => [name as string, randomUUID()]));

describe('the admin guard', () => {
  it('OWASP API5: a customer token on every admin route gets 403 forbidden, and each refusal is audited', async () => {
    expect(adminRoutes.length).toBeGreaterThanOrEqual(6);
    const c = await customer();
    for (const r of adminRoutes) {
      const res = await call(r.operationId, { token: c.accessToken, params: paramsOf(r.path) });
      expect(res.status, routeKey(r)).toBe(403);
      expect(res.body.code, routeKey(r)).toBe('forbidden');
    }
    const records = (await trail().bySubject(c.sub, { limit: 100 })).items.filter(
      (x) => x.action === 'admin_route_refused',
    );
    expect(records.map((x) => x.reason).sort()).toEqual(
      adminRoutes.map((r) => `forbidden: ${routeKey(r)}`).sort(),
    );
    for (const x of records) {
      expect(x.actor).toEqual({ userId: c.sub, role: 'customer', sourceIp: '127.0.0.1' });
      expect(x.outcome).toBe('refused');
    }
  });

  it('an admin whose token did not come from a TOTP login gets 403 mfa_required on every admin route, audited', async () => {
    const noMfa = await testAdmin({ mfa: false });
    for (const r of adminRoutes) {
      const res = await adminCall(r.operationId, noMfa, { params: paramsOf(r.path) });
      expect(res.status, routeKey(r)).toBe(403);
      expect(res.body.code, routeKey(r)).toBe('mfa_required');
    }
    const records = (await trail().bySubject(noMfa.sub, { limit: 100 })).items;
    expect(records).toHaveLength(adminRoutes.length);
    expect(records.every((x) => x.actor.role === 'admin' && x.reason?.startsWith('mfa_required: '))).toBe(
      true,
    );
    // Another admin's MFA token does not lend itself to this one.
    const borrowed = await adminCall(
      'adminFindCustomers',
      { sub: noMfa.sub, token: admin.token },
      {
        query: { email: 'x@example.com' },
      },
    );
    expect(borrowed.body.code).toBe('mfa_required');
  });

  it('a signed-out staff token, or a staff login pending a password reset, is refused on a staff route, audited', async () => {
    // "Sign out everywhere" (or a password reset) revoked the token; someone who kept a copy of it (a
    // stolen token) tries a staff route. Until 2026-12-07 only forbidden and mfa_required were recorded.
    const revoked = await testAdmin();
    await revokeAllBefore(dynamoClients().doc, config().tableName, revoked.sub);
    const r = await adminCall('adminFindCustomers', revoked, { query: { email: 'x@example.com' } });
    expect(r.status).toBe(401);
    const records = (await trail().bySubject(revoked.sub, { limit: 10 })).items;
    expect(records.map((x) => [x.action, x.outcome, x.reason])).toEqual([
      ['admin_route_refused', 'refused', 'unauthorized: GET /v1/admin/customers'],
    ]);
    expect(records[0]?.actor).toEqual({ userId: revoked.sub, role: 'admin', sourceIp: '127.0.0.1' });

    const pending = await testAdmin();
    await new SessionStore(dynamoClients().doc, config().tableName, 3600).holdPassword(pending.sub);
    const p = await adminCall('adminFindCustomers', pending, { query: { email: 'x@example.com' } });
    expect(p.body.code).toBe('password_reset_required');
    expect((await trail().bySubject(pending.sub, { limit: 10 })).items.map((x) => x.reason)).toEqual([
      'password_reset_required: GET /v1/admin/customers',
    ]);

    // A customer route refuses the same token as before, with no record (customer routes audit no refusal).
    expect((await adminCall('listAccounts', revoked)).status).toBe(401);
    expect((await trail().bySubject(revoked.sub, { limit: 10 })).items).toHaveLength(1);
  });

  it('with real Cognito tokens: a token from before TOTP was on never qualifies; a TOTP login and its refreshes do', async () => {
    const c = await customer();
    await addToAdminGroup(pool.cognito, pool.userPoolId, c.email);
    const plain = await login(c.email);
    expect(decodeJwt(plain.body.accessToken)['cognito:groups']).toEqual(['admin']);
    const find = (token: string) => call('adminFindCustomers', { token, query: { email: c.email } });
    expect((await find(plain.body.accessToken)).body.code).toBe('mfa_required');

    const { secret } = (
      await call('enrolTotp', { token: plain.body.accessToken, body: { password: PASSWORD } })
    ).body;
    const enrolCode = generateSync({ secret });
    expect(
      (await call('verifyTotp', { token: plain.body.accessToken, body: { code: enrolCode } })).status,
    ).toBe(204);
    // The same token, issued before TOTP was turned on: still refused.
    expect((await find(plain.body.accessToken)).body.code).toBe('mfa_required');
    // Nor does refreshing a pre-TOTP session make it a TOTP one.
    const renewed = await call('refresh', { body: { refreshToken: plain.body.refreshToken } });
    expect((await find(renewed.body.accessToken)).body.code).toBe('mfa_required');

    const challenge = await login(c.email);
    // The next step's code: the enrolment took the current one (a code is accepted once).
    const loginCode = generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });
    const mfa = await call('loginMfa', { body: { session: challenge.body.session, code: loginCode } });
    expect(mfa.status, JSON.stringify(mfa.body)).toBe(200);
    const ok = await find(mfa.body.accessToken);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.items[0].userId).toBe(c.sub);
    // A refresh of a TOTP login's refresh token passes the mark on. (cognito-local does not store the
    // refresh tokens RespondToAuthChallenge issues, so it cannot renew them: the README's local-vs-AWS
    // table. Here a refresh token it can renew is registered as a TOTP login's, as loginMfa does.)
    const registry = new SessionStore(dynamoClients().doc, config().tableName, 3600);
    const other = await login(c.email);
    expect(other.body.session).toBeDefined();
    await registry.issued(plain.body.refreshToken, c.sub, Date.now(), { mfa: true });
    const refreshed = await call('refresh', { body: { refreshToken: plain.body.refreshToken } });
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
    expect((await find(refreshed.body.accessToken)).status).toBe(200);

    // TOTP turned off: the TOTP login's token no longer qualifies, nor does what its refresh token renews.
    const off = await call('disableTotp', {
      token: mfa.body.accessToken,
      body: { password: PASSWORD, code: unusedTotpCode(secret, [enrolCode, loginCode]) },
    });
    expect(off.status, JSON.stringify(off.body)).toBe(204);
    expect((await find(mfa.body.accessToken)).body.code).toBe('mfa_required');
    expect((await find(refreshed.body.accessToken)).body.code).toBe('mfa_required');
    const after = await call('refresh', { body: { refreshToken: plain.body.refreshToken } });
    expect(after.status, JSON.stringify(after.body)).toBe(200);
    expect((await find(after.body.accessToken)).body.code).toBe('mfa_required');
  });

  it("a TOTP login's refresh token renews TOTP tokens only while TOTP was not turned off since that login began", async () => {
    const c = await customer();
    await addToAdminGroup(pool.cognito, pool.userPoolId, c.email);
    const t = await login(c.email);
    const find = (token: string) => call('adminFindCustomers', { token, query: { email: c.email } });
    const registry = new SessionStore(dynamoClients().doc, config().tableName, 3600);
    const now = Date.now();
    // Turned off 5 s ago (past the guard's margin for the tokens renewed here).
    await totpTurnedOff(dynamoClients().doc, config().tableName, c.sub, now - 5_000);
    // A TOTP login begun before that: what its refresh token renews is not a TOTP login's.
    await registry.issued(t.body.refreshToken, c.sub, now - 10_000, { mfa: true });
    const before = await call('refresh', { body: { refreshToken: t.body.refreshToken } });
    expect(before.status, JSON.stringify(before.body)).toBe(200);
    expect((await find(before.body.accessToken)).body.code).toBe('mfa_required');
    // One begun after it (TOTP on again since): it is.
    await registry.issued(t.body.refreshToken, c.sub, now - 1_000, { mfa: true });
    const since = await call('refresh', { body: { refreshToken: t.body.refreshToken } });
    expect(since.status, JSON.stringify(since.body)).toBe(200);
    expect((await find(since.body.accessToken)).status).toBe(200);
  });

  it('an admin calling customer routes acts only as themselves', async () => {
    const c = await customer();
    const opened = await call('openAccount', {
      token: c.accessToken,
      body: { type: 'checking', currency: 'USD' },
    });
    const theirs = await adminCall('getAccount', admin, { params: { id: opened.body.id } });
    expect(theirs.status).toBe(404);
    expect((await adminCall('listAccounts', admin)).body.items).toEqual([]);
  });
});

describe('customers in the back office', () => {
  it('finds a customer by exact email, and shows profile, login status and accounts', async () => {
    const c = await customer();
    const opened = await call('openAccount', {
      token: c.accessToken,
      body: { type: 'savings', currency: 'EUR' },
    });
    const found = await adminCall('adminFindCustomers', admin, { query: { email: c.email.toUpperCase() } });
    expect(found.body).toEqual({
      items: [{ userId: c.sub, email: c.email, name: 'Cora Customer', createdAt: expect.any(String) }],
    });
    expect(
      (await adminCall('adminFindCustomers', admin, { query: { email: `x${c.email}` } })).body.items,
    ).toEqual([]);
    const view = await adminCall('adminGetCustomer', admin, { params: { userId: c.sub } });
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({
      userId: c.sub,
      email: c.email,
      login: {
        enabled: true,
        cognitoEnabled: true,
        disabledAt: null,
        disabledReason: null,
        lockedUntil: null,
        slowedUntil: null,
      },
    });
    expect(view.body.accounts.map((a: { id: string }) => a.id)).toEqual([opened.body.id]);
    expect((await adminCall('adminGetCustomer', admin, { params: { userId: randomUUID() } })).status).toBe(
      404,
    );
  });

  it('disable: login, refresh and every handler refuse the customer; enable: they log in again', async () => {
    const c = await customer();
    const reason = 'Phone reported stolen (ticket 4411)';
    const off = await adminCall('adminDisableCustomer', admin, {
      params: { userId: c.sub },
      body: { reason },
    });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    expect(off.body).toMatchObject({ enabled: false, cognitoEnabled: false, disabledReason: reason });
    expect(
      (await adminCall('adminDisableCustomer', admin, { params: { userId: c.sub }, body: {} })).body.code,
    ).toBe('validation_failed');

    for (const [op, input] of [
      ['me', {}],
      ['listAccounts', {}],
      ['openAccount', { body: { type: 'checking', currency: 'USD' } }],
      ['myActivity', {}],
    ] as const) {
      const r = await call(op, { token: c.accessToken, ...input });
      expect(r.status, op).toBe(403);
      expect(r.body.code, op).toBe('user_disabled');
    }
    // Cognito refuses a disabled user's sign-in before the password, as a wrong one (offline too:
    // src/local/cognito.ts): the password is unknown, so the login answers as for a wrong password, the
    // same as for an email nobody has, and tells no one that this customer was disabled.
    const l = await login(c.email);
    const nobody = await login(`nobody-${randomUUID()}@example.com`);
    expect(l.status).toBe(401);
    expect(l.body).toEqual(nobody.body);
    const rf = await call('refresh', { body: { refreshToken: c.refreshToken } });
    expect(rf.status).toBe(403);
    expect(rf.body.code).toBe('user_disabled');

    const on = await adminCall('adminEnableCustomer', admin, { params: { userId: c.sub }, body: {} });
    expect(on.body).toMatchObject({ enabled: true, cognitoEnabled: true, disabledAt: null });
    const again = await login(c.email);
    expect(again.status).toBe(200);
    // What was issued before the disable stays revoked: the refresh token, and the access token on
    // every route (Cognito's global sign-out does not reach the JWT authorizer).
    expect((await call('refresh', { body: { refreshToken: c.refreshToken } })).body.code).toBe(
      'invalid_refresh_token',
    );
    for (const [op, input] of [
      ['me', {}],
      ['listAccounts', {}],
      ['openAccount', { body: { type: 'checking', currency: 'USD' } }],
    ] as const) {
      const old = await call(op, { token: c.accessToken, ...input });
      expect(old.status, op).toBe(401);
      expect(old.body.code, op).toBe('unauthorized');
      // The login after the enable (as a rule within the second of the disable's marker) works.
      expect((await call(op, { token: again.body.accessToken, ...input })).status, op).toBeLessThan(300);
    }

    const audit = await adminCall('adminListAudit', admin, { query: { subjectId: c.sub } });
    const actions = audit.body.items.map((x: { action: string }) => x.action);
    // The refused login is one event, its own (a second, beside a failed login's, was one more write
    // that a wrong password's refusal did not make, and its timing could tell a disabled login apart).
    expect(actions.slice(0, 4)).toEqual([
      'login_succeeded',
      'customer_enabled',
      'login_refused_disabled',
      'customer_disabled',
    ]);
    // Whoever tried the disabled login is unknown (Cognito refused it before the password): it is
    // not put down to the customer, whose own activity would show it as theirs.
    const refused = audit.body.items.find((x: { action: string }) => x.action === 'login_refused_disabled');
    expect(refused).toMatchObject({
      actor: { userId: ANONYMOUS },
      subject: { type: 'user', id: c.sub },
      outcome: 'refused',
      // Counted as a failed login is (the lock's count).
      reason: 'failure 1 for this email',
    });
    const disabled = audit.body.items.find((x: { action: string }) => x.action === 'customer_disabled');
    expect(disabled).toMatchObject({
      actor: { userId: admin.sub, role: 'admin' },
      subject: { type: 'user', id: c.sub },
      reason,
      outcome: 'succeeded',
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('disable leaves a later revocation marker where it is (a sign-out everywhere committed meanwhile), and moves an earlier one up to its time', async () => {
    const sessions = new SessionStore(dynamoClients().doc, config().tableName, 3600);
    const c = await customer();
    // A sign-out everywhere whose marker is later than the disable's own time.
    const later = Date.now() + 60_000;
    await sessions.revokeAllBefore(c.sub, later);
    const off = await adminCall('adminDisableCustomer', admin, {
      params: { userId: c.sub },
      body: { reason: 'Fraud team hold' },
    });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    const after = await sessions.status(c.sub);
    expect(after.revokedBefore).toBe(later);
    expect(after.disabled).toMatchObject({ reason: 'Fraud team hold' });
    const actions = (
      await adminCall('adminListAudit', admin, { query: { subjectId: c.sub } })
    ).body.items.map((x: { action: string }) => x.action);
    expect(actions.filter((a: string) => a === 'customer_disabled')).toHaveLength(1);

    // An earlier marker is moved up to the disable's time.
    const d = await customer();
    await sessions.revokeAllBefore(d.sub, Date.now() - 60_000);
    const before = Date.now();
    expect(
      (
        await adminCall('adminDisableCustomer', admin, {
          params: { userId: d.sub },
          body: { reason: 'Hold' },
        })
      ).status,
    ).toBe(200);
    expect((await sessions.status(d.sub)).revokedBefore).toBeGreaterThanOrEqual(before - 1000);
  });

  // The customer's own sign-out everywhere writes a later marker, then appends sessions_revoked to the
  // same chain; either may land after the disable read the chain's head, alone or both together.
  // Until 2026-12-07 both together (on any attempt) failed the disable with 500, the customer enabled.
  it.each([
    ['both after the first read', [['marker', 'event']]],
    ['the event, then both after the next read', [['event'], ['marker', 'event']]],
    ['the marker, then the event', [['marker'], ['event']]],
    ['the event, then the marker', [['event'], ['marker']]],
  ])(
    'a disable racing a sign-out everywhere (%s) disables the customer, recorded once',
    async (_, landings) => {
      const sessions = new SessionStore(dynamoClients().doc, config().tableName, 3600);
      const c = await customer();
      const later = Date.now() + 60_000;
      const store = audit();
      const piece = store.piece.bind(store);
      const due = [...landings];
      vi.spyOn(store, 'piece').mockImplementation(async (entry) => {
        const built = await piece(entry);
        const now = entry.action === 'customer_disabled' ? (due.shift() ?? []) : [];
        if (now.includes('marker')) await sessions.revokeAllBefore(c.sub, later);
        if (now.includes('event'))
          await store.append(
            auditEntry({
              actor: { userId: c.sub, role: 'customer', sourceIp: '203.0.113.9' },
              action: 'sessions_revoked',
              subject: { type: 'user', id: c.sub },
              outcome: 'succeeded',
              requestId: 'sign-out',
            }),
          );
        return built;
      });
      const off = await adminCall('adminDisableCustomer', admin, {
        params: { userId: c.sub },
        body: { reason: 'Customer reported a stolen phone' },
      });
      expect(off.status, JSON.stringify(off.body)).toBe(200);
      expect(due).toEqual([]);
      const after = await sessions.status(c.sub);
      expect(after.disabled).toMatchObject({ reason: 'Customer reported a stolen phone' });
      expect(after.revokedBefore).toBe(later);
      const actions = (await trail().bySubject(c.sub, { limit: 20 })).items.map((x) => x.action);
      expect(actions.filter((a) => a === 'customer_disabled')).toHaveLength(1);
      expect(actions.filter((a) => a === 'sessions_revoked')).toHaveLength(
        landings.filter((l) => l.includes('event')).length,
      );
      expect((await verifyAudit(dynamoClients().doc, config().tableName)).problems).toEqual([]);
    },
  );

  it('finds, shows and disables a user who signed up at Cognito directly and never logged in through the bank', async () => {
    const email = `d-${randomUUID()}@example.com`;
    const signUp = await signUpAtCognito(email, 'Dan Direct');
    await pool.cognito.send(new AdminConfirmSignUpCommand({ UserPoolId: pool.userPoolId, Username: email }));
    const sub = String(signUp.UserSub);
    // Tokens straight from Cognito (the public client id): the JWT authorizer takes them, and no
    // login of the bank's ever saw this user, so no profile exists.
    const auth = await pool.cognito.send(
      new InitiateAuthCommand({
        ClientId: pool.clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: email, PASSWORD },
      }),
    );
    const token = String(auth.AuthenticationResult?.AccessToken);
    expect((await call('listAccounts', { token })).status).toBe(200);

    const summary = { userId: sub, email, name: 'Dan Direct', createdAt: expect.any(String) };
    const found = await adminCall('adminFindCustomers', admin, { query: { email } });
    expect(found.body.items).toEqual([summary]);
    const view = await adminCall('adminGetCustomer', admin, { params: { userId: sub } });
    expect(view.status, JSON.stringify(view.body)).toBe(200);
    expect(view.body).toMatchObject({ ...summary, login: { enabled: true }, accounts: [] });
    const off = await adminCall('adminDisableCustomer', admin, {
      params: { userId: sub },
      body: { reason: 'Signed up outside our registration' },
    });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    expect(off.body).toMatchObject({ enabled: false, cognitoEnabled: false });
    expect((await call('listAccounts', { token })).body.code).toBe('user_disabled');
  });

  it('disables and unlocks only the user it names: a profile left by a replaced sign-up does not reach who holds its email now', async () => {
    // An unconfirmed sign-up with its profile (what registering writes where sign-ups wait for their
    // code), replaced a day later by a registration of the same address (src/handlers/auth.ts deletes
    // the stale Cognito user and signs up afresh; the old profile stays).
    const email = `r-${randomUUID()}@example.com`;
    const stale = await signUpAtCognito(email);
    const staleSub = String(stale.UserSub);
    await new UserStore(dynamoClients().doc, config().tableName).create({
      userId: staleSub,
      email,
      name: 'Sam Squatter',
      createdAt: new Date().toISOString(),
    });
    await pool.cognito.send(new AdminDeleteUserCommand({ UserPoolId: pool.userPoolId, Username: email }));
    expect(
      (await call('register', { body: { email, password: PASSWORD, name: 'Olive Owner' } })).status,
    ).toBe(201);
    const owner = await login(email);
    expect(owner.status).toBe(200);
    const ownerSub = String(decodeJwt(owner.body.accessToken).sub);
    expect(ownerSub).not.toBe(staleSub);

    const off = await adminCall('adminDisableCustomer', admin, {
      params: { userId: staleSub },
      body: { reason: 'Stale sign-up' },
    });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    expect(off.body).toMatchObject({ enabled: false, cognitoEnabled: false });
    // The address's holder now is untouched: still enabled at Cognito, still signed in, and logs in.
    const view = await adminCall('adminGetCustomer', admin, { params: { userId: ownerSub } });
    expect(view.body.login).toMatchObject({ enabled: true, cognitoEnabled: true });
    expect((await call('refresh', { body: { refreshToken: owner.body.refreshToken } })).status).toBe(200);
    expect((await login(email)).status).toBe(200);

    // Nor does unlocking it lift the holder's locks (the email's): 404, and the lock stands.
    for (let i = 0; i < 2; i++)
      expect((await login(email, 'Wrong-Password-1!', '10.5.5.5')).status).toBe(401);
    expect((await login(email, PASSWORD, '10.5.5.5')).body.code).toBe('login_locked');
    const unlock = await adminCall('adminUnlockCustomer', admin, { params: { userId: staleSub }, body: {} });
    expect(unlock.status, JSON.stringify(unlock.body)).toBe(404);
    expect((await login(email, PASSWORD, '10.5.5.5')).body.code).toBe('login_locked');
    // The lock is shown on its holder, not on the stale profile that keeps the address.
    const [holderView, staleView] = await Promise.all(
      [ownerSub, staleSub].map((userId) => adminCall('adminGetCustomer', admin, { params: { userId } })),
    );
    expect(holderView?.body.login.lockedUntil).toEqual(expect.any(String));
    expect(staleView?.body.login).toMatchObject({ lockedUntil: null, slowedUntil: null });
  });

  /** Unlock, disable and enable of `subject` by `actor`: each 403, recorded as refused, nothing changed. */
  const refusedOnLogin = async (actor: TestAdmin, subject: Customer, reason: string) => {
    for (const op of ['adminUnlockCustomer', 'adminDisableCustomer', 'adminEnableCustomer'] as const) {
      const r = await adminCall(op, actor, { params: { userId: subject.sub }, body: { reason } });
      expect([r.status, r.body.code], op).toEqual([403, 'forbidden']);
    }
    const view = await adminCall('adminGetCustomer', admin, { params: { userId: subject.sub } });
    expect(view.body.login).toMatchObject({ enabled: true, cognitoEnabled: true, disabledAt: null });
    expect((await call('me', { token: subject.accessToken })).status).toBe(200);
    const head = (await trail().bySubject(subject.sub, { limit: 3 })).items.map((x) => [
      x.action,
      x.outcome,
      x.actor.userId,
      x.reason,
    ]);
    expect(head).toEqual(
      ['customer_enabled', 'customer_disabled', 'customer_unlocked'].map((action) => [
        action,
        'refused',
        actor.sub,
        `forbidden: ${reason}`,
      ]),
    );
  };

  it('refuses staff their own login (403, recorded as refused): no unlock, disable or enable of themselves', async () => {
    const c = await customer();
    await refusedOnLogin(await testAdmin({ sub: c.sub }), c, 'mine');
    // A colleague may.
    const off = await adminCall('adminDisableCustomer', admin, {
      params: { userId: c.sub },
      body: { reason: 'Left the bank' },
    });
    expect(off.status).toBe(200);
  });

  it("refuses staff a colleague's login (403, recorded as refused): staff logins are the AWS account owner's", async () => {
    const colleague = await customer();
    await addToAdminGroup(pool.cognito, pool.userPoolId, colleague.email);
    await refusedOnLogin(admin, colleague, 'Rogue');
  });

  it('unlock clears the login locks of every IP', async () => {
    const c = await customer();
    for (let i = 0; i < 2; i++)
      expect((await login(c.email, 'Wrong-Password-1!', '198.51.100.9')).status).toBe(401);
    expect((await login(c.email, PASSWORD, '198.51.100.9')).body.code).toBe('login_locked');
    const before = await adminCall('adminGetCustomer', admin, { params: { userId: c.sub } });
    expect(Date.parse(before.body.login.lockedUntil)).toBeGreaterThan(Date.now());
    const unlocked = await adminCall('adminUnlockCustomer', admin, {
      params: { userId: c.sub },
      body: { reason: 'Verified by phone' },
    });
    expect(unlocked.status).toBe(200);
    expect(unlocked.body.lockedUntil).toBeNull();
    expect((await login(c.email, PASSWORD, '198.51.100.9')).status).toBe(200);
    // The pair's old lock is seen lifted at the next login (login_unlocked).
    const head = (await trail().bySubject(c.sub, { limit: 3 })).items.map((x) => x.action);
    expect(head).toEqual(['login_succeeded', 'login_unlocked', 'customer_unlocked']);
  });
});

describe('the audit list and the customer\u2019s activity', () => {
  it('lists by subject or actor, newest first, paged with a cursor bound to its filter', async () => {
    expect((await adminCall('adminListAudit', admin)).body.code).toBe('validation_failed');
    const c = await customer();
    await adminCall('adminUnlockCustomer', admin, { params: { userId: c.sub }, body: {} });
    await adminCall('adminUnlockCustomer', admin, { params: { userId: c.sub }, body: {} });
    const first = await adminCall('adminListAudit', admin, {
      query: { actorId: admin.sub, subjectId: c.sub, limit: '1' },
    });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.items).toHaveLength(1);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await adminCall('adminListAudit', admin, {
      query: { actorId: admin.sub, subjectId: c.sub, limit: '1', cursor: first.body.nextCursor },
    });
    expect(second.body.items).toHaveLength(1);
    expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
    expect(second.body.items[0].at <= first.body.items[0].at).toBe(true);
    const foreign = await adminCall('adminListAudit', admin, {
      query: { subjectId: c.sub, limit: '1', cursor: first.body.nextCursor },
    });
    expect(foreign.body.code).toBe('invalid_cursor');
    const future = await adminCall('adminListAudit', admin, {
      query: { subjectId: c.sub, from: '2999-01-01T00:00:00+02:00' },
    });
    expect(future.body.items).toEqual([]);
  });

  it('refuses a range DynamoDB could not take (to before from, past the year 9999 in UTC) with 400, not 500', async () => {
    // Until 2026-12-07 these reached the actor index's BETWEEN, which DynamoDB refuses: a 500.
    const ranges: [Record<string, string>, string][] = [
      [{ from: '2026-12-02T00:00:00Z', to: '2026-12-01T00:00:00Z' }, 'query.from'],
      [{ to: '9999-12-31T23:30:00-01:00' }, 'query.to'],
      [{ from: '0000-01-01T00:30:00+01:00' }, 'query.from'],
    ];
    const whos: Record<string, string>[] = [{ actorId: admin.sub }, { subjectId: admin.sub }];
    for (const [range, path] of ranges)
      for (const who of whos) {
        const r = await adminCall('adminListAudit', admin, { query: { ...who, ...range } });
        expect(r.status, JSON.stringify([who, range, r.body])).toBe(400);
        expect(r.body).toMatchObject({ code: 'validation_failed', errors: [{ path }] });
      }
  });

  it('matches subjectId and actorId case-insensitively, as every id of the staff routes (stored lower-case)', async () => {
    // Until 2026-12-07 an id pasted in upper case answered 200 with no records, as if nothing was done.
    const c = await customer();
    const upper = c.sub.toUpperCase();
    expect(upper).not.toBe(c.sub);
    expect((await adminCall('adminGetCustomer', admin, { params: { userId: upper } })).status).toBe(200);
    await adminCall('adminUnlockCustomer', admin, { params: { userId: upper }, body: {} });
    await adminCall('adminUnlockCustomer', admin, { params: { userId: upper }, body: {} });
    const actions = (r: { body: { items: { action: string }[] } }) => r.body.items.map((x) => x.action);
    const bySubject = await adminCall('adminListAudit', admin, { query: { subjectId: upper } });
    expect(bySubject.status).toBe(200);
    expect(actions(bySubject)).toEqual(
      actions(await adminCall('adminListAudit', admin, { query: { subjectId: c.sub } })),
    );
    expect(actions(bySubject).filter((a) => a === 'customer_unlocked')).toHaveLength(2);
    const byActor = await adminCall('adminListAudit', admin, {
      query: { actorId: admin.sub.toUpperCase(), subjectId: upper, limit: '1' },
    });
    expect(actions(byActor)).toEqual(['customer_unlocked']);
    // The cursor is bound to the filter as matched: the same filter in lower case takes it.
    const next = await adminCall('adminListAudit', admin, {
      query: { actorId: admin.sub, subjectId: c.sub, limit: '1', cursor: byActor.body.nextCursor },
    });
    expect(actions(next)).toEqual(['customer_unlocked']);
  });

  it('GET /v1/me/activity: the customer\u2019s own security events, newest first, paged, no staff named', async () => {
    const c = await customer();
    expect((await login(c.email, 'Wrong-Password-1!', '192.0.2.44')).status).toBe(401);
    await adminCall('adminUnlockCustomer', admin, {
      params: { userId: c.sub },
      body: { reason: 'internal note' },
    });
    const all = await call('myActivity', { token: c.accessToken });
    expect(all.status).toBe(200);
    expect(all.body.items.map((x: { action: string }) => x.action)).toEqual([
      'customer_unlocked',
      'login_failed',
      'login_succeeded',
      'registration_started',
    ]);
    expect(all.body.items[0]).toEqual({
      id: expect.any(String),
      at: expect.any(String),
      action: 'customer_unlocked',
      outcome: 'succeeded',
      by: 'bank',
      sourceIp: null,
    });
    expect(all.body.items[1]).toMatchObject({ by: 'unknown', sourceIp: '192.0.2.44', outcome: 'failed' });
    expect(all.body.items[2]).toMatchObject({ by: 'you', outcome: 'succeeded' });
    expect(JSON.stringify(all.body)).not.toContain(admin.sub);
    expect(JSON.stringify(all.body)).not.toContain('internal note');
    const page = await call('myActivity', { token: c.accessToken, query: { limit: '3' } });
    expect(page.body.items).toHaveLength(3);
    const rest = await call('myActivity', {
      token: c.accessToken,
      query: { limit: '3', cursor: page.body.nextCursor },
    });
    expect(rest.body.items.map((x: { action: string }) => x.action)).toEqual(['registration_started']);
    expect(rest.body.nextCursor).toBeNull();
    // Another customer's activity is their own.
    const other = await customer();
    expect(
      (await call('myActivity', { token: other.accessToken })).body.items.map(
        (x: { action: string }) => x.action,
      ),
    ).toEqual(['login_succeeded', 'registration_started']);
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('disable vs enable by two members of staff', () => {
  it('a disable whose Cognito call lands after a later enable: Cognito follows the app, enabled', async () => {
    const email = `c-${randomUUID()}@example.com`;
    expect((await call('register', { body: { email, password: PASSWORD, name: 'Cora' } })).status).toBe(201);
    const first = await call('login', { body: { email, password: PASSWORD } });
    const userId = String(decodeJwt(first.body.accessToken).sub);
    const [a, b] = [await testAdmin(), await testAdmin()];

    // A's disable: its app status committed, its Cognito call slow.
    const held = holdCalls(directory(), 'setEnabled', (_who, enabled) => !enabled);
    const disable = adminCall('adminDisableCustomer', a, { params: { userId }, body: { reason: 'fraud?' } });
    await held.reached;
    // B enables meanwhile, to the end.
    const enable = await adminCall('adminEnableCustomer', b, {
      params: { userId },
      body: { reason: 'checked, all fine' },
    });
    expect(enable.status, JSON.stringify(enable.body)).toBe(200);
    held.release();
    expect((await disable).status).toBe(200);

    const seen = (await adminCall('adminGetCustomer', b, { params: { userId } })).body.login;
    // The last action committed (and recorded) is the enable: the app says enabled.
    expect(seen.enabled).toBe(true);
    // The rule: the app's status and Cognito's flag agree, and an enabled customer can log in.
    expect(seen.cognitoEnabled).toBe(true);
    expect((await call('login', { body: { email, password: PASSWORD } })).status).toBe(200);
  });
});
