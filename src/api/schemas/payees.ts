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
const payeeFields = {
  id: Id,
  name: str(2048),
  accountNumber: AccountNumber,
  match: PayeeMatch,
  createdAt: Instant,
};
/** A saved payee as the list reads it: the holder's name is not kept with it (see `Payee`). */
export const ListedPayee = doc(z.object(payeeFields), { id: 'ListedPayee' });
/**
 * A payee as its saving (POST /v1/payees) answers it, with the holder's name on a close match that
 * names it. The list and GET /v1/payees/{id} answer `ListedPayee` (src/api/routes/payees.ts).
 */
export const Payee = doc(
  z.object({
    ...payeeFields,
    holderName: doc(z.optional(str(2048)), {
      // Literals alone: the bundles leave every schema's description out (infra/bundling.ts DOC_DESCRIPTION).
      description:
        'The holder\u2019s name, for a close match whose name has every word of it (whole, with a typo, or in another order); never for initials or a word left out. ' +
        'Only in the answer to the payee\u2019s saving (POST /v1/payees): not kept with the payee, so GET /v1/payees/{id} and the list never have it',
    }),
  }),
  { id: 'Payee' },
);
export const PayeeList = doc(z.object({ items: z.array(ListedPayee).check(z.maxLength(100)) }), {
  id: 'PayeeList',
});
export const PayeeCheck = doc(
  z.object({
    match: PayeeMatch,
    name: doc(z.optional(str(2048)), {
      description:
        'The holder\u2019s name, for a close match whose name has every word of it (whole, with a typo, or in another order); never for initials or a word left out',
    }),
  }),
  { id: 'PayeeCheck' },
);
