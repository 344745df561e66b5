import { createHandler } from '../api/http.ts';
import { logger } from '../api/logger.ts';
import { routes } from '../api/routes/accounts-write.ts';
import { accountReply } from '../api/transactions.ts';
import { config } from '../config.ts';
import { dayOf } from '../domain/schedule.ts';
import { ScheduleStore } from '../store/schedules.ts';
import { accounts, db, once } from './context.ts';
import { customerGuard } from './gate.ts';

/** The schedules a close ends (no creations: no idempotency store). */
const schedules = /* @__PURE__ */ once(() => new ScheduleStore(db(), config().tableName));

const NOT_ENDED = 'closed account: its schedules were not ended, the runner will';

/**
 * Ends the closed account's outgoing schedules (ScheduleStore.endPayingFrom), after the close: not in
 * its transaction, so that a close never fails, nor waits, because of schedules (up to 50 more items
 * in it, each one a runner may be writing at that moment, which would cancel the whole close), and a
 * schedule a runner holds is left to that runner. What this does not end (a fault here, a crash before
 * it, a claimed or due schedule) the runner ends at its next run, as it did before (`source_closed`,
 * the run recorded as it went); a repeat of the close (answered as it is) tries them again.
 */
const endSchedules = async (sub: string, accountId: string): Promise<void> => {
  try {
    const { left, failed } = await schedules().endPayingFrom(sub, accountId, dayOf(new Date()));
    if (left.length > 0) logger.info('closed account: schedules left to the runner', { accountId, left });
    if (failed.length > 0) logger.error(NOT_ENDED, { accountId, failed });
  } catch (e) {
    logger.error(NOT_ENDED, {
      accountId,
      error: (e as Error).message,
    });
  }
};

export const handler = createHandler(
  routes,
  {
    openAccount: async ({ caller, body, idempotencyKey, fingerprint }) => {
      const input = { ownerId: caller.sub, ...body };
      // Without a key (optional: not taken before), every request opens an account.
      if (idempotencyKey === undefined) return { body: await accounts().open(input) };
      return accountReply(await accounts().openOnce(input, { key: idempotencyKey, fingerprint }));
    },
    closeAccount: async ({ caller, params }) => {
      const account = await accounts().close(caller.sub, params.id);
      await endSchedules(caller.sub, account.id);
      return { body: account };
    },
  },
  { guard: customerGuard },
);
