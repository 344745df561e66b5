import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AdminConfirmSignUpCommand,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestUserPool, type TestUserPool } from '../../test/harness.ts';
import { ACCESS_TOKEN_SCOPE, bearerToken, createJwtVerifier, scopesOf, TokenError } from './jwt.ts';

const ISSUER = 'http://127.0.0.1:1/local_pool';
const CLIENT = 'client-a';
const KID = 'key-1';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
let key: KeyPair;
let otherKey: KeyPair;
let server: Server;
let jwksUrl: string;

beforeAll(async () => {
  key = await generateKeyPair('RS256');
  otherKey = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(key.publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
  server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/local_pool/.well-known/jwks.json`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const accessClaims = (): JWTPayload => ({
  sub: 'user-1',
  client_id: CLIENT,
  token_use: 'access',
  username: 'user-1',
  scope: 'aws.cognito.signin.user.admin',
});

const sign = (
  claims: JWTPayload = accessClaims(),
  opts: { signWith?: KeyPair; issuer?: string; expiresIn?: string | number } = {},
) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: KID })
    .setIssuer(opts.issuer ?? ISSUER)
    .setIssuedAt()
    .setExpirationTime(opts.expiresIn ?? '15m')
    .sign((opts.signWith ?? key).privateKey);

const verifier = () => createJwtVerifier({ issuer: ISSUER, jwksUrl, clientIds: [CLIENT, 'client-b'] });
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('createJwtVerifier', () => {
  it('accepts a valid access token and returns its claims', async () => {
    const claims = await verifier().verify(await sign());
    expect(claims).toMatchObject({ sub: 'user-1', client_id: CLIENT, token_use: 'access', iss: ISSUER });
  });

  it('rejects alg none', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...accessClaims(), iss: ISSUER, exp: now + 600 })}.`;
    await expect(verifier().verify(token)).rejects.toBeInstanceOf(TokenError);
  });

  it('rejects an HMAC token whose secret is the public key (algorithm confusion)', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(await exportJWK(key.publicKey)));
    const token = await new SignJWT(accessClaims())
      .setProtectedHeader({ alg: 'HS256', kid: KID })
      .setIssuer(ISSUER)
      .setExpirationTime('15m')
      .sign(secret);
    await expect(verifier().verify(token)).rejects.toBeInstanceOf(TokenError);
  });

  it('rejects a tampered payload', async () => {
    const [header, , signature] = (await sign()).split('.');
    const forged = b64({ ...accessClaims(), sub: 'someone-else', iss: ISSUER, exp: 4_000_000_000 });
    await expect(verifier().verify(`${header}.${forged}.${signature}`)).rejects.toThrow(/signature/i);
  });

  it('rejects a token signed by another key with the same kid', async () => {
    await expect(verifier().verify(await sign(accessClaims(), { signWith: otherKey }))).rejects.toThrow(
      /signature/i,
    );
  });

  it('rejects another issuer', async () => {
    const token = await sign(accessClaims(), { issuer: 'http://127.0.0.1:1/other_pool' });
    await expect(verifier().verify(token)).rejects.toThrow(/iss/);
  });

  it('rejects an expired token', async () => {
    const token = await sign(accessClaims(), { expiresIn: Math.floor(Date.now() / 1000) - 1 });
    await expect(verifier().verify(token)).rejects.toThrow(/exp/);
  });

  it('rejects a token issued to another client', async () => {
    const token = await sign({ ...accessClaims(), client_id: 'client-z' });
    await expect(verifier().verify(token)).rejects.toThrow('Token issued to another client');
  });

  it('accepts an id token for the client, which carries no scope (the gateway answers it 403)', async () => {
    const { client_id: _c, scope: _s, ...rest } = accessClaims();
    const claims = await verifier().verify(await sign({ ...rest, token_use: 'id', aud: CLIENT }));
    expect(scopesOf(claims)).not.toContain(ACCESS_TOKEN_SCOPE);
    await expect(
      verifier().verify(await sign({ ...rest, token_use: 'id', aud: 'client-z' })),
    ).rejects.toThrow('Token issued to another client');
  });

  it('rejects a token without kid, even when the JWKS has only one key', async () => {
    const token = await new SignJWT(accessClaims())
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime('15m')
      .sign(key.privateKey);
    await expect(verifier().verify(token)).rejects.toThrow(/kid/);
  });

  it('rejects a token issued in the future, and one without iat', async () => {
    const now = Math.floor(Date.now() / 1000);
    const future = await new SignJWT(accessClaims())
      .setProtectedHeader({ alg: 'RS256', kid: KID })
      .setIssuer(ISSUER)
      .setIssuedAt(now + 120)
      .setExpirationTime(now + 900)
      .sign(key.privateKey);
    await expect(verifier().verify(future)).rejects.toThrow(/iat|future/);
    const noIat = await new SignJWT(accessClaims())
      .setProtectedHeader({ alg: 'RS256', kid: KID })
      .setIssuer(ISSUER)
      .setExpirationTime(now + 900)
      .sign(key.privateKey);
    await expect(verifier().verify(noIat)).rejects.toThrow(/iat/);
  });

  it('rejects garbage', async () => {
    await expect(verifier().verify('not-a-jwt')).rejects.toBeInstanceOf(TokenError);
  });
});

describe('bearerToken', () => {
  it('takes the token after `Bearer `, or a bare token, as the JWT authorizer does', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('abc.def.ghi')).toBe('abc.def.ghi');
  });

  it('takes no other prefix: another case of Bearer, more or other whitespace (401 on AWS)', () => {
    expect(bearerToken('bearer abc')).toBeUndefined();
    expect(bearerToken('BEARER abc')).toBeUndefined();
    expect(bearerToken('bearer   abc')).toBeUndefined();
    expect(bearerToken('Bearer  abc')).toBeUndefined();
    expect(bearerToken('Bearer\tabc')).toBeUndefined();
    expect(bearerToken('Bearer abc def')).toBeUndefined();
  });

  it('finds nothing in an empty or malformed header', () => {
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken('  ')).toBeUndefined();
    expect(bearerToken('Basic dXNlcjpwYXNz extra')).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
  });
});

describe.skipIf(!inject('emulators'))('with real cognito-local tokens', () => {
  const login = async (pool: TestUserPool) => {
    const email = `jwt-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
    const password = 'Jwt-Test-Password-1!';
    await pool.cognito.send(
      new SignUpCommand({ ClientId: pool.clientId, Username: email, Password: password }),
    );
    await pool.cognito.send(new AdminConfirmSignUpCommand({ UserPoolId: pool.userPoolId, Username: email }));
    const r = await pool.cognito.send(
      new InitiateAuthCommand({
        ClientId: pool.clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: email, PASSWORD: password },
      }),
    );
    return r.AuthenticationResult ?? {};
  };

  it('accepts its access tokens (with the scope) and id tokens (without), refuses tokens of another pool', async () => {
    const pool = await createTestUserPool('jwt');
    const other = await createTestUserPool('jwt-other');
    const verify = createJwtVerifier({
      issuer: pool.issuer,
      jwksUrl: pool.jwksUrl,
      clientIds: [pool.clientId],
    });
    const mine = await login(pool);
    const claims = await verify.verify(mine.AccessToken ?? '');
    expect(claims).toMatchObject({ token_use: 'access', client_id: pool.clientId, iss: pool.issuer });
    expect(claims.sub).toMatch(/^[0-9a-f-]{36}$/);
    // Its id token is a valid token without the access-token scope: the gateway answers it 403.
    expect(scopesOf(await verify.verify(mine.IdToken ?? ''))).not.toContain(ACCESS_TOKEN_SCOPE);
    // cognito-local signs every pool's tokens with one key: only the issuer and client tell them apart.
    const theirs = await login(other);
    await expect(verify.verify(theirs.AccessToken ?? '')).rejects.toThrow(/iss/);
  });
});
