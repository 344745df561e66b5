import { createHandler } from '../api/http.ts';
import { routes } from '../api/routes/schedules-api.ts';
import { SCHEDULES_PAGE, ScheduleListPosition } from '../api/schemas/schedules.ts';
import { scheduleReply } from '../api/transactions.ts';
import { config } from '../config.ts';
import { assertActive, recipientNotActive } from '../domain/account.ts';
import { BankError } from '../domain/errors.ts';
import { assertWithinLimit } from '../domain/ledger.ts';
import { dayOf, validateRule } from '../domain/schedule.ts';
import { assertNumbersLeft, NUMBER_CHECKS } from '../store/rate-counter.ts';
import { publicSchedule } from '../store/schedules.ts';
import { accounts, cursors, numberChecks } from './context.ts';
import { payees, schedules } from './context-payments.ts';
import { customerGuard } from './gate.ts';

/** A signed cursor's position, checked: one this function did not sign in this shape is no position. */
const positionOf = (p: Record<string, unknown>) => {
  const r = ScheduleListPosition.safeParse(p);
  if (!r.success) throw new BankError('invalid_cursor', 'The cursor is not valid for this request');
  return r.data;
};

export const handler = createHandler(
  routes,
  {
    createSchedule: async ({ caller, body, idempotencyKey, fingerprint }) => {
      const key = { key: idempotencyKey, fingerprint };
      // A repeat answers the schedule it made, whatever changed since (a payee deleted, an account frozen).
      const earlier = await schedules().replay(caller.sub, key);
      if (earlier) return scheduleReply(earlier);
      // One instant for the rule's "today" and the minute the account-number count is read and taken in.
      const now = new Date();
      validateRule(body, dayOf(now));
      const from = await accounts().mustGet(caller.sub, body.fromAccountId);
      assertActive(from);
      const toAccountNumber = body.payeeId
        ? (await payees().resolve(caller.sub, body.payeeId)).accountNumber
        : (body.toAccountNumber as string);
      const [to, spent] = await Promise.all([
        accounts().findByNumber(toAccountNumber),
        // A saved payee's number was counted when it was saved (TransferRequest.toSavedPayee).
        body.payeeId ? undefined : numberChecks().spent(caller.sub, NUMBER_CHECKS, now),
      ]);
      if (!to) {
        // Counted as a transfer's unknown number is, before the answer says so.
        await numberChecks().take(caller.sub, NUMBER_CHECKS, now);
        throw new BankError('recipient_not_found', 'No account has that number');
      }
      assertNumbersLeft(spent, caller.sub, [to]);
      if (to.id === from.id) throw new BankError('same_account', 'Choose a different account to transfer to');
      // No run could pay a closed account (its first would end the schedule): refused now, as a
      // transfer to it is. A frozen one may be unfrozen by the first run.
      if (to.status === 'closed') throw recipientNotActive();
      if (from.currency !== body.currency || to.currency !== body.currency)
        throw new BankError('currency_mismatch', 'Both accounts must be in the transfer\u2019s currency');
      // Each run is one transfer of the amount, which the ledger refuses above the daily limit whatever
      // else was sent that day: a schedule above it would fail every run (and tell its owner each time).
      // Refused now, as a transfer of it is, after the refusals a transfer would give first.
      assertWithinLimit(body.amount, config().dailyLimit);
      const created = await schedules().create(
        caller.sub,
        {
          fromAccountId: from.id,
          toAccountNumber,
          ...(body.payeeId ? { payeeId: body.payeeId } : {}),
          amount: body.amount,
          currency: body.currency,
          description: body.description ?? '',
          startDate: body.startDate,
          frequency: body.frequency,
          ...(body.endDate !== undefined ? { endDate: body.endDate } : {}),
          ...(body.count !== undefined ? { count: body.count } : {}),
        },
        key,
      );
      return scheduleReply(created);
    },
    listSchedules: async ({ caller, query }) => {
      // Bound to its caller: another customer's cursor is refused, and the page is read in the caller's
      // own partition whatever a cursor says.
      const binding = { user: caller.sub, account: '', filter: 'schedules' };
      const codec = await cursors();
      const after = query.cursor ? positionOf(codec.decode(query.cursor, binding)) : undefined;
      const page = await schedules().list(caller.sub, { limit: query.limit ?? SCHEDULES_PAGE, after });
      return {
        body: { items: page.items, nextCursor: page.last ? codec.encode(binding, { ...page.last }) : null },
      };
    },
    getSchedule: async ({ caller, params }) => {
      const { schedule, runs } = await schedules().withRuns(caller.sub, params.id);
      return { body: { ...publicSchedule(schedule as unknown as Record<string, unknown>), runs } };
    },
    cancelSchedule: async ({ caller, params }) => ({ body: await schedules().cancel(caller.sub, params.id) }),
  },
  { guard: customerGuard },
);
