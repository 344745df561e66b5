/** Monthly statements and exports: listed by `statements`, rendered by `statement-files` (issue 15). */
import * as z from 'zod/mini';
import { CalendarDate, CurrencyCode, doc, Id, Instant, str } from './primitives.ts';

export const StatementParams = z.strictObject({
  id: Id,
  period: doc(z.string().check(z.maxLength(7), z.regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be YYYY-MM')), {
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
export const StatementList = doc(z.object({ items: z.array(StatementSummary).check(z.maxLength(1200)) }), {
  id: 'StatementList',
});
export const DownloadLink = doc(
  z.object({
    url: doc(str(2048), { description: 'A presigned GET URL' }),
    expiresAt: Instant,
  }),
  { id: 'DownloadLink' },
);
