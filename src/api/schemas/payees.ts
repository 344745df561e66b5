/** Saved payees: the `payees` function's routes (issue 15). */
import * as z from 'zod/mini';
import { AccountNumber, doc, Id, Instant, name, str } from './primitives.ts';

export const PayeeBody = doc(z.strictObject({ name: name(100), accountNumber: AccountNumber }), {
  id: 'PayeeRequest',
});
export const PayeeParams = z.strictObject({ id: Id });
const PayeeMatch = doc(z.enum(['exact', 'close', 'none']), {
  description: 'How the name compares with the account holder\u2019s',
});
export const Payee = doc(
  z.object({
    id: Id,
    name: str(2048),
    accountNumber: AccountNumber,
    match: PayeeMatch,
    holderName: doc(z.optional(str(2048)), {
      description: 'The holder\u2019s name, for a close match only',
    }),
    createdAt: Instant,
  }),
  { id: 'Payee' },
);
export const PayeeList = doc(z.object({ items: z.array(Payee).check(z.maxLength(100)) }), {
  id: 'PayeeList',
});
export const PayeeCheck = doc(
  z.object({
    match: PayeeMatch,
    name: doc(z.optional(str(2048)), { description: 'The holder\u2019s name, for a close match only' }),
  }),
  { id: 'PayeeCheck' },
);
