/**
 * An account's history as the API pages it: one code for the customer's route and bank staff's
 * (the cursor is bound to the caller, the account and the filters, so it cannot be replayed elsewhere).
 */
import type { output } from 'zod/v4/core';
import { logger } from '../api/logger.ts';
import { utcRange } from '../api/query-instants.ts';
import type { HistoryQuery } from '../api/schemas/transactions.ts';
import { historyEntryView } from '../api/transactions.ts';
import type { HistoryItem } from '../store/ledger-read.ts';
import { cursors, ledgerReader } from './context.ts';

/**
 * One page of `account`'s history (the caller has already been allowed to see the account, and read
 * it: a first page waits, briefly, for the history indexes to show its last posting; LedgerReader's
 * `postingsAfter`). `names` says what the caller calls the counterparties on the page (read only when
 * some are there).
 */
export const historyPage = async (
  caller: string,
  account: { id: string; lastPostedAt?: string | undefined; status?: string | undefined },
  query: output<typeof HistoryQuery>,
  names?: () => Promise<ReadonlyMap<string, string>>,
) => {
  const { from, to } = utcRange(query.from, query.to);
  const filter = [from ?? '', to ?? '', query.type ?? '', query.status ?? ''].join('|');
  const binding = { user: caller, account: account.id, filter };
  const codec = await cursors();
  const start = query.cursor ? codec.decode(query.cursor, binding) : undefined;
  const page = await ledgerReader().postingsAfter(account, {
    limit: query.limit ?? 25,
    from,
    to,
    start,
    type: query.type,
    status: query.status,
  });
  // Still without it after the retries: the page as it is (as a moment later it would be whole).
  if (page.behind)
    logger.warn('history index behind the account', {
      accountId: account.id,
      lastPostedAt: account.lastPostedAt,
    });
  const named =
    names && page.items.some((h: HistoryItem) => h.counterpartyNumber) ? await names() : undefined;
  return {
    body: {
      items: page.items.map((h) => historyEntryView(h, named)),
      nextCursor: page.last ? codec.encode(binding, page.last) : null,
    },
  };
};
