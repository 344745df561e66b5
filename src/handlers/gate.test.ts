/**
 * The customer functions' guard fails closed: a staff route given to it by mistake is refused before
 * anything is read (the staff rules themselves are tested through the admin handlers, admin.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { routes } from '../api/routes.ts';
import { customerGuard } from './gate.ts';

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
