/**
 * Item keys of payees, schedules and their rate limits (issue 15). Kept apart from keys.ts while the
 * ledger rewrite owns that file; the layout is in table.ts's comment style:
 *
 *   USER#<sub> / PAYEE#<id>                     a saved payee: name, account number, match at saving
 *   USER#<sub> / PAYEES                         the customer's payee count (at most 100)
 *   USER#<sub> / RATE#<name>#<window start>     a fixed-window rate-limit counter (TTL)
 *   USER#<sub> / SCHEDULE#<id>                  a scheduled transfer; while active, in gsi1 under
 *                                               SCHEDULES#<shard> / <nextRunDate>#<id> (sparse)
 *   USER#<sub> / SCHEDRUN#<id>#<runDate>        one run of a schedule: outcome, transaction or error
 */
export const paymentKeys = {
  payee: (sub: string, id: string) => ({ pk: `USER#${sub}`, sk: `PAYEE#${id}` }),
  payeesOf: (sub: string) => ({ pk: `USER#${sub}`, skPrefix: 'PAYEE#' }),
  payeeCount: (sub: string) => ({ pk: `USER#${sub}`, sk: 'PAYEES' }),
  rate: (sub: string, name: string, windowStart: number) => ({
    pk: `USER#${sub}`,
    sk: `RATE#${name}#${windowStart}`,
  }),
  schedule: (sub: string, id: string) => ({ pk: `USER#${sub}`, sk: `SCHEDULE#${id}` }),
  schedulesOf: (sub: string) => ({ pk: `USER#${sub}`, skPrefix: 'SCHEDULE#' }),
  run: (sub: string, id: string, runDate: string) => ({ pk: `USER#${sub}`, sk: `SCHEDRUN#${id}#${runDate}` }),
  runsOf: (sub: string, id: string) => ({ pk: `USER#${sub}`, skPrefix: `SCHEDRUN#${id}#` }),
  /** The sparse index of active schedules by next run date (gsi1), spread over shards. */
  dueShard: (shard: number) => `SCHEDULES#${String(shard).padStart(2, '0')}`,
} as const;

/** Shards of the due-schedules index: enough that no index partition is hot. */
export const DUE_SHARDS = 4;
