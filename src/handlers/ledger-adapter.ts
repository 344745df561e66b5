/**
 * The one place scheduled transfers touch the ledger: how a run is paid and how its outcome reads.
 * `ledger().transfer(...)` answers a domain outcome, first time and on replay alike: a journal, or a
 * decline with its code. What the ledger refuses before any money moves (an unknown or closed
 * recipient, a currency mismatch) is thrown as a 422 and is a failed run too.
 */
import { createHash } from 'node:crypto';
import { BankError, isBankError } from '../domain/errors.ts';
import type { Outcome } from '../store/idempotency.ts';
import type { ScheduleRecord } from '../store/schedules.ts';
import { idempotency, ledger } from './context.ts';

export type RunResult = { transactionId: string } | { errorCode: string };

export const idempotencyKeyOf = (id: string, runDate: string): string => `sched:${id}:${runDate}`;

/** What a ledger outcome says about a run. */
export const resultOf = (outcome: Outcome): RunResult =>
  outcome.kind === 'journal' ? { transactionId: outcome.journal.id } : { errorCode: outcome.code };

/** The run's request, as a fingerprint: the same for every attempt at one run. */
const fingerprintOf = (s: ScheduleRecord, runDate: string): string =>
  createHash('sha256')
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
    .digest('base64url');

/**
 * What the ledger answered this run before (paid, or declined), read and not posted; undefined if it
 * never reached the ledger. For a runner that will not pay (source closed, owner disabled): a runner
 * that died after paying must not leave the run recorded as failed.
 */
export const earlierRun = async (s: ScheduleRecord, runDate: string): Promise<RunResult | undefined> => {
  const earlier = await idempotency().replay(
    s.ownerId,
    idempotencyKeyOf(s.id, runDate),
    fingerprintOf(s, runDate),
  );
  return earlier ? resultOf(earlier) : undefined;
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
        fingerprint: fingerprintOf(s, runDate),
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

/**
 * Records under the run's key that the bank refused it (the owner's login disabled), so that every
 * later attempt at this run gets the same answer, also once the login is enabled again: a runner whose
 * record of the run fails leaves its claim to run out, and the runner after it must not pay what this
 * one refused. A run its key already answered (a runner that paid it and died) answers that instead.
 */
export const declineRun = async (
  s: ScheduleRecord,
  runDate: string,
  code: 'user_disabled' | typeof FENCED,
): Promise<RunResult> =>
  resultOf(
    await idempotency().recordDecline(
      s.ownerId,
      idempotencyKeyOf(s.id, runDate),
      fingerprintOf(s, runDate),
      code === FENCED
        ? new BankError(FENCED, 'The scheduled transfer was cancelled before this run reached the ledger')
        : new BankError(code),
    ),
  );

/**
 * The refusal a cancelled schedule's open run is fenced with when its key is free (settleOpenRun in
 * scheduled-transfers.ts): a runner whose claim ran out while its payment was still on its way to the
 * ledger then gets this refusal replayed instead of paying a run that nothing records. No ledger
 * decline has this code (it is not in DECLINE_CODES), so a run whose key holds it never reached the
 * ledger and is not recorded.
 */
export const FENCED = 'not_found' as const;
