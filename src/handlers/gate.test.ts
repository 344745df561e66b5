/**
 * The customer functions' guard fails closed: a staff route given to it by mistake is refused before
 * anything is read (the staff rules themselves are tested through the admin handlers, admin.test.ts).
 * And it refuses access tokens the revocation marker revoked, to the second (`iat` has no finer
 * grain), with the exact times given here rather than left to the clock.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestTable, dynamoClients, useHandlerEnv } from '../../test/harness.ts';
import { routes } from '../api/routes.ts';
import { config } from '../config.ts';
import { SessionStore } from '../store/sessions.ts';
import { customerGuard, guard } from './gate.ts';

const caller = { sub: 'u1', username: 'u1', clientId: 'web', issuedAt: 0, groups: ['admin'] };

describe('customerGuard', () => {
  it('refuses a staff route, even for a caller in the admin group, without reading the table', async () => {
    await expect(
      customerGuard({
        route: { operationId: 'freezeAccount', ...routes.freezeAccount },
        caller,
        accessToken: 'token',
        requestId: 'r1',
        sourceIp: '203.0.113.9',
      }),
    ).rejects.toMatchObject({ code: 'forbidden' });
  });
});

describe('the revocation marker', () => {
  beforeAll(async () => {
    useHandlerEnv({ TABLE_NAME: await createTestTable('gate') });
  });
  const store = () => new SessionStore(dynamoClients().doc, config().tableName, 3600);
  // A marker half-way through a second: 1 700 000 000.5 s.
  const MARKER = 1_700_000_000_500;
  const SECOND = Math.floor(MARKER / 1000);
  const customer = async () => {
    const sub = randomUUID();
    await store().revokeAllBefore(sub, MARKER);
    return sub;
  };
  const input = (sub: string, issuedAt: number, accessToken = `token-${issuedAt}`) => ({
    route: { operationId: 'openAccount' as const, ...routes.openAccount },
    caller: { sub, username: sub, clientId: 'web', issuedAt, groups: [] },
    accessToken,
    requestId: 'r1',
    sourceIp: '203.0.113.9',
  });
  const staffInput = (sub: string, issuedAt: number) => ({
    ...input(sub, issuedAt),
    route: { operationId: 'listAccounts' as const, ...routes.listAccounts },
  });

  it('refuses a token of an earlier second, of the marker’s own second, and of the next (clock skew)', async () => {
    const sub = await customer();
    for (const iat of [SECOND - 60, SECOND, SECOND + 1]) {
      await expect(customerGuard(input(sub, iat)), String(iat)).rejects.toMatchObject({
        code: 'unauthorized',
      });
      // The staff functions' guard, on a customer route, the same.
      await expect(guard(staffInput(sub, iat)), String(iat)).rejects.toMatchObject({ code: 'unauthorized' });
    }
    await expect(customerGuard(input(sub, SECOND + 2))).resolves.toBeUndefined();
    await expect(guard(staffInput(sub, SECOND + 2))).resolves.toBeUndefined();
    // A token without `iat` predates any marker.
    await expect(customerGuard(input(sub, 0))).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('lets through a token of the margin that a login begun after the marker admitted, until the next marker', async () => {
    const sub = await customer();
    const fresh = input(sub, SECOND, 'fresh-token');
    expect(await store().admit(sub, 'fresh-token', MARKER)).toBe(true);
    await expect(customerGuard(fresh)).resolves.toBeUndefined();
    // Another token of the same second is not admitted by it.
    await expect(customerGuard(input(sub, SECOND, 'other-token'))).rejects.toMatchObject({
      code: 'unauthorized',
    });
    // Admitting under a marker that no longer stands does nothing.
    expect(await store().admit(sub, 'other-token', MARKER - 1)).toBe(false);
    await expect(customerGuard(input(sub, SECOND, 'other-token'))).rejects.toMatchObject({
      code: 'unauthorized',
    });
    // A later marker revokes the admitted token too.
    await store().revokeAllBefore(sub, MARKER + 400);
    await expect(customerGuard(fresh)).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('never moves back: an earlier marker written after a later one leaves the later standing', async () => {
    const sub = await customer();
    await store().revokeAllBefore(sub, MARKER + 5000);
    // A sign-out begun before that one, whose write (retried after a throttle, say) lands after it.
    await store().revokeAllBefore(sub, MARKER);
    await expect(customerGuard(input(sub, SECOND + 3))).rejects.toMatchObject({ code: 'unauthorized' });
    expect((await store().status(sub)).revokedBefore).toBe(MARKER + 5000);
  });

  it('a customer without a marker is let through whatever the token’s age', async () => {
    await expect(customerGuard(input(randomUUID(), 1))).resolves.toBeUndefined();
  });
});

describe('a login whose confirmation did not set its password', () => {
  beforeAll(async () => {
    useHandlerEnv({ TABLE_NAME: await createTestTable('gate-pending') });
  });
  const store = () => new SessionStore(dynamoClients().doc, config().tableName, 3600);
  const input = (sub: string) => ({
    route: { operationId: 'openAccount' as const, ...routes.openAccount },
    caller: { sub, username: sub, clientId: 'web', issuedAt: Math.floor(Date.now() / 1000), groups: [] },
    accessToken: 'token',
    requestId: 'r1',
    sourceIp: '203.0.113.9',
  });

  it('is refused on every token route, by both guards, until the hold is cleared', async () => {
    const sub = randomUUID();
    await store().holdPassword(sub);
    await expect(customerGuard(input(sub))).rejects.toMatchObject({ code: 'password_reset_required' });
    await expect(guard(input(sub))).rejects.toMatchObject({ code: 'password_reset_required' });
    await store().clearPasswordHolds(sub);
    await expect(customerGuard(input(sub))).resolves.toBeUndefined();
    await expect(guard(input(sub))).resolves.toBeUndefined();
  });
});
