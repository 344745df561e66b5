/** Scheduled transfers: the `schedules-api` function's routes (issue 15). */
import * as z from 'zod/mini';
import { MAX_RUNS, RUNS_SHOWN } from '../../domain/schedule.ts';
import {
  AccountNumber,
  Amount,
  CalendarDate,
  CurrencyCode,
  Description,
  doc,
  Id,
  Instant,
  PageCursor,
  PageLimit,
  str,
} from './primitives.ts';

export const ScheduleBody = doc(
  z
    .strictObject({
      fromAccountId: Id,
      toAccountNumber: z.optional(AccountNumber),
      payeeId: z.optional(Id),
      amount: Amount,
      currency: CurrencyCode,
      description: z.optional(Description),
      startDate: CalendarDate,
      frequency: z.enum(['once', 'weekly', 'monthly']),
      endDate: z.optional(CalendarDate),
      count: z.optional(z.int().check(z.minimum(1), z.maximum(MAX_RUNS))),
    })
    .check(
      z.refine(
        (b: { toAccountNumber?: string | undefined; payeeId?: string | undefined }) =>
          (b.toAccountNumber === undefined) !== (b.payeeId === undefined),
        { message: 'give exactly one of toAccountNumber and payeeId', path: ['toAccountNumber'] },
      ),
    ),
  { id: 'ScheduledTransferRequest' },
);
export const ScheduleParams = z.strictObject({ id: Id });
export const ScheduleRun = doc(
  z.object({
    runDate: CalendarDate,
    outcome: z.enum(['succeeded', 'failed']),
    transactionId: z.optional(Id),
    errorCode: z.optional(str(2048)),
    at: Instant,
  }),
  { id: 'ScheduledTransferRun' },
);
export const Schedule = doc(
  z.object({
    id: Id,
    fromAccountId: Id,
    toAccountNumber: AccountNumber,
    payeeId: z.optional(Id),
    amount: z.int(),
    currency: CurrencyCode,
    description: str(2048),
    startDate: CalendarDate,
    frequency: z.enum(['once', 'weekly', 'monthly']),
    endDate: z.optional(CalendarDate),
    count: z.optional(z.int()),
    status: z.enum(['active', 'ended', 'cancelled']),
    nextRunDate: z.nullable(CalendarDate),
    runsDone: z.int(),
    endReason: doc(z.optional(z.enum(['completed', 'source_closed', 'recipient_closed'])), {
      description:
        'Why an ended schedule ended: its last run (`completed`), the account it pays from closed (`source_closed`: set by the close itself, or by the run due after it when the close left the schedule to the runner), or the account it pays closed (`recipient_closed`)',
    }),
    createdAt: Instant,
    openRun: doc(z.optional(CalendarDate), {
      description:
        'Cancelled while the run of this date was being paid, or on or after its day with no runner on it (a runner whose answer from the ledger was lost may have paid it): it may have been paid, or may still be, and shows in `runs` once settled (a run never paid is then fenced, and not shown)',
    }),
    runs: z.optional(z.array(ScheduleRun).check(z.maxLength(RUNS_SHOWN))),
  }),
  { id: 'ScheduledTransfer' },
);
/** Schedules on a page of the list by default; PageLimit's 100 at most. */
export const SCHEDULES_PAGE = 25;
export const ScheduleListQuery = z.strictObject({
  limit: PageLimit,
  cursor: doc(PageCursor, {
    description: 'The `nextCursor` of the page before: the schedules made before that page\u2019s last',
  }),
});
/** Where a page of the list ends, inside its signed cursor. */
export const ScheduleListPosition = z.object({ id: Id, createdAt: Instant });
export const ScheduleList = doc(
  z.object({
    items: z.array(Schedule).check(z.maxLength(100)),
    nextCursor: doc(z.nullable(str(2048)), {
      description: 'The `cursor` of the next page (older schedules): null on the last page',
    }),
  }),
  { id: 'ScheduledTransferList' },
);
