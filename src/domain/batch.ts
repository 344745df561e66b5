/**
 * Bulk payments: one sender pays many recipients in one journal set that commits atomically.
 *
 * How many transfers fit: one DynamoDB TransactWriteItems carries at most 100 items. A batch writes
 *   fixed:        the idempotency record, the sender's account, the sender's daily-limit counter = 3
 *                 (2 when the sender carries its owner's counters itself: store/accounts.ts limitHost;
 *                 counted as 3, the most)
 *   per transfer: its journal, which carries both sides' history entries (store/history.ts)     = 1
 *   per distinct recipient: its account, or per transfer its credit item when the recipient's
 *                 credits are deferred (store/ledger-settle.ts)                                   = 1
 * so at worst (every recipient distinct, or every credit deferred) 3 + 2n <= 100, n <= 48.
 */
export const MAX_BATCH_TRANSFERS = 48;
