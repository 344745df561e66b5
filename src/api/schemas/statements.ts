/** Monthly statements and exports: listed by `statements`, rendered by `statement-files` (issue 15). */
import * as z from 'zod/mini';
import { CalendarDate, CurrencyCode, digits, doc, Id, Instant, str } from './primitives.ts';

/** A calendar month, `YYYY-MM` (UTC). */
const Month = z.string().check(z.maxLength(7), z.regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be YYYY-MM'));

export const StatementParams = z.strictObject({
  id: Id,
  period: doc(Month, { example: '2027-01' }),
});

/** Months on one page of the statement list by default, and at most. */
export const STATEMENTS_PAGE = 12;
export const STATEMENTS_PAGE_MAX = 60;

export const StatementListQuery = z.strictObject({
  limit: doc(z.optional(digits(1, STATEMENTS_PAGE_MAX)), {
    description: `Months on the page: 1 to ${STATEMENTS_PAGE_MAX}, default ${STATEMENTS_PAGE}`,
  }),
  // Not `cursor`: a month, not a signed cursor (infra/functions.ts grants the cursor key to routes with one).
  before: doc(z.optional(Month), {
    description: 'The `nextCursor` of the page before (a month, YYYY-MM): the months before it',
    example: '2027-01',
  }),
});
export const StatementQuery = z.strictObject({
  format: doc(z.optional(z.enum(['pdf', 'csv'])), { description: 'pdf (default) or csv' }),
});
export const ExportQuery = z.strictObject({
  from: doc(z.optional(CalendarDate), {
    description: 'First day (UTC), default 29 days before `to` (the 30 days ending on `to`)',
  }),
  to: doc(z.optional(CalendarDate), { description: 'Last day (UTC), included, default today' }),
});
export const StatementSummary = doc(
  z.object({
    period: str(2048),
    currency: CurrencyCode,
    toDate: doc(z.boolean(), { description: 'The current month, up to now' }),
    openingBalance: z.int(),
    closingBalance: z.int(),
    totalIn: z.int(),
    totalOut: z.int(),
    count: z.int(),
  }),
  { id: 'StatementSummary' },
);
export const StatementList = doc(
  z.object({
    items: z.array(StatementSummary).check(z.maxLength(STATEMENTS_PAGE_MAX)),
    nextCursor: doc(z.nullable(str(2048)), {
      description:
        'The month to ask `before` for the next page (older months): null on the page with the month the account opened',
    }),
  }),
  { id: 'StatementList' },
);
export const DownloadLink = doc(
  z.object({
    url: doc(str(2048), { description: 'A presigned GET URL' }),
    expiresAt: Instant,
  }),
  { id: 'DownloadLink' },
);
