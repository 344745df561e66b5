/**
 * A scheduled transfer's failed runs and end, in plain words. A run fails with one of the API's error
 * codes (the ledger's decline, in MESSAGES) or with one the runner gives itself
 * (src/handlers/scheduled-transfers.ts): those are here.
 */
import type { Schedule } from './api-money.ts';
import { MESSAGES } from './errors.ts';

/** The codes the runner records of its own (not answers of the API). */
export const RUN_FAILURES: Record<string, string> = {
  account_closed: 'The account it pays from is closed.',
  recipient_closed: 'The account it pays is closed.',
  recipient_frozen: 'The account it pays cannot receive payments at the moment.',
};

/** Why a run failed: the runner's own code, else the API's, else a general sentence. */
export const runFailureText = (code: string): string =>
  RUN_FAILURES[code] ?? (MESSAGES as Record<string, string>)[code] ?? 'It could not be sent.';

/** Why an ended schedule ended. */
export const ENDED: Record<NonNullable<Schedule['endReason']>, string> = {
  completed: 'All its transfers are done.',
  source_closed: 'The account it pays from was closed.',
  recipient_closed: 'The account it pays was closed.',
};
