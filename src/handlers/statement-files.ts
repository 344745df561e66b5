/**
 * Statement files: its own function, so pdf-lib and the S3 client stay out of the other bundles.
 * A closed month is generated once and served from S3 after that; it runs to the month's last instant.
 * The current month runs "to date" (to now) and is generated again when a posting landed since or on a
 * new UTC day (its object is keyed by the last posting and the day it prints), so it always says today.
 *
 * A file already written is found by its mark in the table and served by a presigned URL, neither of
 * which needs the S3 client (src/store/statement-links.ts); only a file to write loads the writer
 * (./statement-writer.ts: the S3 client, and pdf-lib for a PDF), a chunk of its own.
 */
import { createHandler } from '../api/http.ts';
import { routes } from '../api/routes/statement-files.ts';
import { BankError } from '../domain/errors.ts';
import {
  BANK_NAME,
  isClosed,
  type Period,
  periodOf,
  periodRange,
  type Statement,
  statementSpan,
} from '../domain/statements.ts';
import type { AccountRecord } from '../store/accounts.ts';
import { guardPassed } from '../store/guard-gate.ts';
import { objectKey, type StatementFormat } from '../store/statement-links.ts';
import { caughtUp } from '../store/statement-source.ts';
import { accountReader, users } from './context.ts';
import { statementFileMarks, statementLinks, statementSource } from './context-payments.ts';
import { customerGuard } from './gate.ts';

let clock: () => Date = () => new Date();
/**
 * Replaces the clock statements are made by (tests: a later day of the month, with the S3 client still
 * on the real clock); returns a function that puts the previous one back.
 */
export const useStatementClock = (now: () => Date): (() => void) => {
  const previous = clock;
  clock = now;
  return () => {
    clock = previous;
  };
};

const build = async (a: AccountRecord, sub: string, period: Period, now: Date) => {
  const { start, end } = periodRange(period);
  const [{ opening, lines, totals }, profile] = await Promise.all([
    statementSource().span(a, start, end),
    users().get(sub),
  ]);
  const last = lines[lines.length - 1];
  const statement: Statement = {
    bank: BANK_NAME,
    customerName: profile?.name ?? '',
    accountNumber: a.number,
    currency: a.currency,
    period,
    // `to` is the last instant covered: a closed month's last millisecond, else now (statementSpan).
    ...statementSpan(period, now, last?.date),
    lines,
    ...totals,
  };
  const version = last ? `${last.date}#${last.txId}` : opening.lastKey;
  return { statement, version };
};

/** The S3 client and the renderers: loaded at an instance's first file to write (see the top). */
const writer = () => import('./statement-writer.ts');

/** Renders and writes the file (unless another request wrote it first), then marks it written. */
const write = async (key: string, statement: Statement, format: StatementFormat, now: Date) => {
  // Rendering a file (a PDF above all) costs this function CPU: not for a caller the guard refuses.
  await guardPassed();
  await (await writer()).writeStatementFile(key, statement, format, now);
  await statementFileMarks().record(key, now);
};

export const handler = createHandler(
  routes,
  {
    getStatement: async ({ caller, params, query }) => {
      const now = clock();
      const a = await accountReader().mustGet(caller.sub, params.id);
      const period = params.period;
      if (period < periodOf(a.createdAt) || period > periodOf(now))
        throw new BankError('not_found', 'No statement for that month');
      const format: StatementFormat = query.format ?? 'pdf';
      const marks = statementFileMarks();
      const link = (key: string) =>
        statementLinks().presign(key, `statement-${a.number}-${period}.${format}`, now);
      if (isClosed(period, now)) {
        const key = objectKey(a.id, period, format);
        if (await marks.has(key, now)) return { body: await link(key) };
        const { statement } = await caughtUp(() => build(a, caller.sub, period, now));
        // Written once: a request that made it meanwhile wrote the file every link serves.
        await write(key, statement, format, now);
        return { body: await link(key) };
      }
      const { statement, version } = await caughtUp(() => build(a, caller.sub, period, now));
      // Keyed by the day it prints as well as the last posting: a file made on the 3rd is not served
      // on the 20th still saying "to date, the 3rd".
      const key = objectKey(a.id, period, format, { lastPostingKey: version, asOf: statement.to });
      if (!(await marks.has(key, now))) await write(key, statement, format, now);
      return { body: await link(key) };
    },
  },
  { guard: customerGuard },
);
