/**
 * The one place scheduled transfers touch the ledger: how a run is paid and how its outcome reads.
 * `ledger().transfer(...)` answers a domain outcome, first time and on replay alike: a journal, or a
 * decline with its code. What the ledger refuses before any money moves (an unknown or closed
 * recipient, a currency mismatch) is thrown as a 422 and is a failed run too.
 */
import { createHash } from 'node:crypto';
import { isBankError } from '../domain/errors.ts';
import type { Outcome } from '../store/idempotency.ts';
import type { ScheduleRecord } from '../store/schedules.ts';
import { ledger } from './context.ts';

export type RunResult = { transactionId: string } | { errorCode: string };

export const idempotencyKeyOf = (id: string, runDate: string): string => `sched:${id}:${runDate}`;

/** What a ledger outcome says about a run. */
export const resultOf = (outcome: Outcome): RunResult =>
  outcome.kind === 'journal' ? { transactionId: outcome.journal.id } : { errorCode: outcome.code };

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
