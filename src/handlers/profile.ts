import { createHandler } from '../api/http.ts';
import { BankError } from '../domain/errors.ts';
import { users } from './context.ts';

export const handler = createHandler('profile', {
  me: async ({ caller }) => {
    const profile = await users().get(caller.sub);
    if (!profile) throw new BankError('not_found', 'No profile for this user');
    return { body: profile };
  },
});
