import { createHandler } from '../api/http.ts';
import { isBankError } from '../domain/errors.ts';
import { identity, logins, users } from './context.ts';

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
    await logins().reserve(body.email);
    try {
      const tokens = await identity().login(body.email, body.password);
      await logins().succeeded(body.email);
      return { body: tokens };
    } catch (e) {
      if (isBankError(e) && e.code === 'invalid_credentials') await logins().failed(body.email);
      else await logins().release(body.email);
      throw e;
    }
  },

  refresh: async ({ body }) => ({ body: await identity().refresh(body.refreshToken) }),

  logout: async ({ body }) => {
    await identity().revoke(body.refreshToken);
    return {};
  },
});
