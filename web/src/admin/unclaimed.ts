/**
 * Unclaimed funds on the back office's transaction page: a transfer both of whose accounts closed
 * before its credit settled. The bank holds its money for the sender (`from.ownerId`) until staff pay
 * it, whole and once, to an account the customer opens again, or out of the bank: by cheque, or to the
 * state (POST /v1/admin/transactions/{id}/unclaimed-payouts). Pure: what the page offers, the form's
 * checks and body, and the payout's refusals in words for this form (the codes are shared with
 * reversals and transfers, whose words would mislead here).
 */
import type { ErrorCode } from '../../../src/domain/errors.ts';
import type { UnclaimedPayoutBody } from '../admin-api.ts';
import { ApiError } from '../errors.ts';
import { referenceProblem } from './access.ts';

/** The parts of an AdminTransaction these rules read. */
interface Tx {
  type: string;
  status: string;
  unclaimed?: boolean | undefined;
  unclaimedPaidOut?: string | undefined;
}

/** Held for the sender and not paid out yet: the payout form is offered. */
export const canPayOut = (t: Tx): boolean => t.unclaimed === true && !t.unclaimedPaidOut;

/**
 * The Reverse form is offered for a posted transaction that is not a reversal, nor unclaimed funds:
 * the API refuses those (`not_reversible`), nothing being left to reverse.
 */
export const canReverse = (t: Tx): boolean => t.status === 'posted' && t.type !== 'reversal' && !t.unclaimed;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The account to pay into, as typed: an account id. Returns the problem, if any. */
export const payoutAccountProblem = (id: string): string | undefined => {
  const v = id.trim();
  if (!v) return 'Enter the id of the account to pay into.';
  if (!UUID.test(v)) return 'An account id looks like 3f9a2b1c-6a43-4c1e-9a55-5b7f0e2d8c11.';
  return undefined;
};

/** Where the funds go: into an account of the sender's, or out of the bank (the API's `method`). */
export type PayoutWay = 'account' | 'cheque' | 'escheat';

/** The form's choices, in order. */
export const PAYOUT_WAYS: readonly (readonly [PayoutWay, string])[] = [
  ['account', 'Into an account of theirs'],
  ['cheque', 'By cheque'],
  ['escheat', 'To the state (escheatment)'],
];

/** The reference each way out of the bank asks for. */
export const REFERENCE_OF = { cheque: 'the cheque number', escheat: 'the state\u2019s filing reference' };

/** What the payout form holds (useForm's values). */
export interface PayoutValues {
  way: string;
  toAccountId: string;
  reference: string;
}

const outOfBank = (way: string): way is 'cheque' | 'escheat' => way === 'cheque' || way === 'escheat';

/** The problem with the field the way chosen asks for: the account id, or the reference. */
export const payoutFieldProblems = (v: PayoutValues): { toAccountId?: string; reference?: string } =>
  outOfBank(v.way)
    ? { reference: referenceProblem(v.reference, REFERENCE_OF[v.way]) }
    : { toAccountId: payoutAccountProblem(v.toAccountId) };

/** The request's body for what the form holds (checked first): the way chosen's fields only. */
export const payoutBody = (v: PayoutValues, reason: string): UnclaimedPayoutBody =>
  outOfBank(v.way)
    ? { method: v.way, reference: v.reference.trim(), reason }
    : { toAccountId: v.toAccountId.trim().toLowerCase(), reason };

/** Where a payout went, in words: "to the account …", "by cheque …", "to the state (reference …)". */
export const payoutDestination = (p: {
  toAccountId?: string | undefined;
  method?: string | undefined;
  reference?: string | undefined;
}): string =>
  p.method === 'cheque'
    ? `by cheque ${p.reference ?? ''}`.trim()
    : p.method === 'escheat'
      ? `to the state${p.reference ? ` (reference ${p.reference})` : ''}`
      : `to the account ${p.toAccountId ?? ''}`.trim();

/** The payout's refusals, in words for this form. */
export const PAYOUT_REFUSALS: Partial<Record<ErrorCode, string>> = {
  not_reversible: 'This transaction is not unclaimed funds, so there is nothing to pay out.',
  reversal_exceeds_amount: 'These unclaimed funds were already paid out. Reload the page to see the payout.',
  recipient_not_found:
    'That account is not the sender\u2019s. Unclaimed funds are paid only to an account of the customer who sent them.',
  account_not_active: 'That account is not active (closed or frozen), so it cannot be paid.',
  currency_mismatch:
    'That account holds a different currency. Pay into an account in the transfer\u2019s currency.',
  not_found: 'No account has that id, or the transaction is gone. Check the id and try again.',
};

/** Refusals about the account typed: said on its field. */
const ON_ACCOUNT = new Set<string>(['recipient_not_found', 'account_not_active', 'currency_mismatch']);

/** The words for a refused payout, or undefined for any other error (the shared words then). */
export const payoutRefusal = (error: unknown): string | undefined =>
  error instanceof ApiError && Object.hasOwn(PAYOUT_REFUSALS, error.code)
    ? PAYOUT_REFUSALS[error.code as ErrorCode]
    : undefined;

/**
 * A refused payout as the form shows it (useForm's `show`): on the account's field when the account
 * is what was refused, for the whole form otherwise; undefined for an error this form has no words of
 * its own for.
 */
export const payoutProblem = (
  error: unknown,
): { fields: { toAccountId?: string }; message: string | undefined } | undefined => {
  const words = payoutRefusal(error);
  if (words === undefined) return undefined;
  return error instanceof ApiError && ON_ACCOUNT.has(error.code)
    ? { fields: { toAccountId: words }, message: undefined }
    : { fields: {}, message: words };
};
