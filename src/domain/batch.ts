/**
 * Bulk payments: one sender pays many recipients in one journal set that commits atomically.
 *
 * How many transfers fit: one DynamoDB TransactWriteItems carries at most 100 items. A batch writes
 *   fixed:        the idempotency record, the sender's account, the sender's daily-limit counter = 3
 *                 (2 when the sender carries its owner's counters itself: store/accounts.ts limitHost;
 *                 counted as 3, the most)
 *   per transfer: its journal, the sender's posting, the recipient's posting                    = 3
 *   per distinct recipient: its account                                                          = 1
 * so at worst (every recipient distinct) 3 + 4n <= 100, n <= 24.
 */
export const MAX_BATCH_TRANSFERS = 24;

/** The items one batch of `transfers` transfers to `recipients` distinct accounts writes. */
export const batchItems = (transfers: number, recipients: number): number => 3 + 3 * transfers + recipients;
