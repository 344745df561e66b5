/**
 * POST /v1/me/mfa/totp answers a TotpEnrolment whose `otpauthUri` holds the customer's email
 * percent-encoded (src/handlers/profile.ts otpauthUri), and an email the API accepts (up to 254
 * characters, src/api/schemas/credentials.ts) encodes to up to three times its length: `+` is `%2B`.
 * Its bound (src/api/schemas/profile.ts) is the longest such URI, not 512 as it was (a review found it).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../test/api.ts';
import { createTestTable, createTestUserPool, useHandlerEnv } from '../../test/harness.ts';
import { Email } from '../api/schemas/credentials.ts';
import { TotpEnrolment } from '../api/schemas/profile.ts';
import { otpauthUri } from './profile.ts';

const PASSWORD = 'Correct-Horse-9-Battery';

beforeAll(async () => {
  const pool = await createTestUserPool('review-totp');
  useHandlerEnv({
    TABLE_NAME: await createTestTable('review-totp'),
    USER_POOL_ID: pool.userPoolId,
    USER_POOL_CLIENT_ID: pool.clientId,
    BANK_AUTO_CONFIRM: 'true',
    BANK_AUTH_FLOOR_MS: '0',
  });
});

describe('TOTP enrolment', () => {
  it('bounds the URI of the longest email and secret the schemas accept', () => {
    const email = `${'+'.repeat(246)}@bank.io`;
    expect(Email.safeParse(email).success && email.length).toBe(254);
    const uri = otpauthUri('A'.repeat(64), email);
    expect(TotpEnrolment.safeParse({ secret: 'A'.repeat(64), otpauthUri: uri }).error?.issues ?? []).toEqual(
      [],
    );
  });

  it('answers an otpauthUri within the bound its schema says, for an email the API accepted', async () => {
    // 200 characters (the API takes up to 254, 64 before the @ at registration, and the local stack's
    // Cognito signs it up).
    const email = `a${'+'.repeat(62)}z@${'b'.repeat(63)}.${'c'.repeat(63)}.t${'e'.repeat(6)}`;
    expect(email).toHaveLength(200);
    const reg = await call('register', { body: { email, password: PASSWORD, name: 'Ada' } });
    expect(reg.status, JSON.stringify(reg.body)).toBe(201);
    const login = await call('login', { body: { email, password: PASSWORD } });
    expect(login.status, JSON.stringify(login.body)).toBe(200);
    const r = await call('enrolTotp', { token: login.body.accessToken, body: { password: PASSWORD } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const parsed = TotpEnrolment.safeParse(r.body);
    expect(parsed.error?.issues ?? [], `otpauthUri of ${r.body.otpauthUri?.length} characters`).toEqual([]);
  });
});
