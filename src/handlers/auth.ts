import { createHandler } from '../api/http.ts';
import { BankError, isBankError } from '../domain/errors.ts';
import { identity, logins, users } from './context.ts';

const locked = (seconds: number) =>
  new BankError('login_locked', 'Too many failed logins: try again later', {
    headers: { 'retry-after': String(seconds) },
  });

export const handler = createHandler('auth', {
  register: async ({ body }) => {
    const { userId, confirmed } = await identity().signUp(body.email, body.password, body.name);
    await users().create({ userId, email: body.email, name: body.name, createdAt: new Date().toISOString() });
    return { body: { userId, email: body.email, confirmed } };
  },

  confirm: async ({ body }) => {
    await identity().confirm(body.email, body.code);
    return {};
  },

  login: async ({ body }) => {
    const status = await logins().status(body.email);
    if (status.lockedForSeconds > 0) throw locked(status.lockedForSeconds);
    try {
      const tokens = await identity().login(body.email, body.password);
      if (status.hasFailures) await logins().reset(body.email);
      return { body: tokens };
    } catch (e) {
      if (isBankError(e) && e.code === 'invalid_credentials') await logins().recordFailure(body.email);
      throw e;
    }
  },

  refresh: async ({ body }) => ({ body: await identity().refresh(body.refreshToken) }),

  logout: async ({ body }) => {
    await identity().revoke(body.refreshToken);
    return {};
  },
});
