/**
 * The one place scheduled transfers touch the ledger: how a run is paid and how its outcome reads.
 *
 * Relies on `ledger().transfer({user, idempotencyKey, fingerprint, fromAccountId, toAccountNumber,
 * amount, currency, description})` answering an idempotent outcome, first time and on replay, in one
 * of two shapes:
 * - today's ledger: `{status: 201, body: {id}}`, or a decline as `{status: 422, body: {code}}` on
 *   replay (the first decline is thrown as a 422 BankError);
 * - the ledger v2 (issue 10): `{kind: 'journal', journal: {id}}` or `{kind: 'declined', code}`.
 * Once v2 has landed, the first shape (and the thrown decline) can go.
 */
import { createHash } from 'node:crypto';
import { isBankError } from '../domain/errors.ts';
import type { ScheduleRecord } from '../store/schedules.ts';
import { ledger } from './context.ts';

export type RunResult = { transactionId: string } | { errorCode: string };

export const idempotencyKeyOf = (id: string, runDate: string): string => `sched:${id}:${runDate}`;

/** What a ledger outcome says about a run. */
export const resultOf = (outcome: unknown): RunResult => {
  const o = outcome as {
    kind?: string;
    journal?: { id: string };
    code?: string;
    status?: number;
    body?: { id?: string; code?: string };
  };
  if (o.kind === 'journal' && o.journal) return { transactionId: o.journal.id };
  if (o.kind === 'declined') return { errorCode: o.code ?? 'declined' };
  if (o.status === 201 && o.body?.id) return { transactionId: o.body.id };
  return { errorCode: o.body?.code ?? 'declined' };
};

/**
 * Pays one run: the same request every time (key and fingerprint from the schedule and the date), so
 * a repeat is a replay. A decline is a result; any other failure is thrown (retry later).
 */
export const payRun = async (s: ScheduleRecord, runDate: string): Promise<RunResult> => {
  try {
    return resultOf(
      await ledger().transfer({
        user: s.ownerId,
        idempotencyKey: idempotencyKeyOf(s.id, runDate),
        fingerprint: createHash('sha256')
          .update(
            JSON.stringify([
              'scheduled-transfer',
              s.id,
              runDate,
              s.fromAccountId,
              s.toAccountNumber,
              s.amount,
              s.currency,
            ]),
          )
          .digest('base64url'),
        fromAccountId: s.fromAccountId,
        toAccountNumber: s.toAccountNumber,
        amount: s.amount,
        currency: s.currency,
        description: s.description,
      }),
    );
  } catch (e) {
    if (isBankError(e) && e.status === 422) return { errorCode: e.code };
    throw e;
  }
};
