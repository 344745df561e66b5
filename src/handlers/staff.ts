/**
 * Defence in depth for staff routes: the admin guard in createHandler (role `admin`: the `admin` group
 * and MFA, 403 and audited) answers first; should a staff route ever be reached without it, a caller
 * outside the `admin` group finds nothing there (404), never a customer's data.
 */
import type { Caller } from '../api/http.ts';
import { BankError } from '../domain/errors.ts';
import { ADMIN_GROUP } from './gate.ts';

export const assertStaff = (caller: Pick<Caller, 'groups'>): void => {
  if (!caller.groups.includes(ADMIN_GROUP)) throw new BankError('not_found', 'No such route');
};

/** A route group's operations, each checking `assertStaff` before it runs. */
export const staffOnly = <T extends object>(operations: T): T =>
  Object.fromEntries(
    Object.entries(operations).map(([name, op]) => [
      name,
      (req: { caller: Pick<Caller, 'groups'> }) => {
        assertStaff(req.caller);
        return (op as (r: typeof req) => unknown)(req);
      },
    ]),
  ) as T;
