/**
 * What is left of a transfer received to refund: its amount less what was refunded and what the bank
 * reversed of it, as the bank counts it (`unreversed` in src/domain/ledger.ts): refunds and reversals
 * share the transfer's amount.
 */
import type { Transaction } from './api.ts';

export const refundLeft = (tx: Pick<Transaction, 'amount' | 'refundedAmount' | 'reversedAmount'>): number =>
  tx.amount - (tx.refundedAmount ?? 0) - (tx.reversedAmount ?? 0);
