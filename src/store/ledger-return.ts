/**
 * Returns to its sender a deferred credit (ledger-settle.ts) whose recipient's account was closed
 * before it settled.
 *
 * A transfer to a hot recipient reads the recipient (active) and writes its credit as an item of its
 * own, with no ConditionCheck on the recipient's account item (on AWS that would bring the hot item's
 * conflicts back). An account closed between that read and the credit's write (its close saw no
 * credit yet) can then never take the credit: settling into a closed account would leave money where
 * nothing can move it. So the settler returns it, as a bank returns a payment to a closed account,
 * in ONE transaction:
 *   - the credit item is deleted on `attribute_exists` (returned once, never also settled);
 *   - the transfer's recipient side lands on a `returns` system shard (the journal still sums to zero:
 *     the sender's debit, the shard's credit) and the journal is marked `returned`, with the amount
 *     in `reversedAmount` (nothing is left to refund or reverse) and `unsettled` removed, on the
 *     condition that it is still unsettled;
 *   - a `reversal` journal (`reverses` the transfer) moves it from the shard back to the sender's
 *     account: the sender's balance, version and history as any posting makes them (exact
 *     `balanceAfter`), the account `active` (a frozen sender leaves the credit where it is until it is
 *     unfrozen: verify-ledger flags it, and the settler's and the sweeper's log line names it, which
 *     the stack alarms on; a closed sender's goes to unclaimed funds instead, `unclaim` below);
 *   - the sender's daily outgoing limit gets the amount back if the transfer took it the same UTC day,
 *     as a voided hold's does (the money came back: the customer may send it again today).
 * The sender hears of it through the reversal's `transaction.posted`; the recipient never saw the
 * money arrive and gets no event.
 */
import { randomUUID } from 'node:crypto';
import { type Journal, shardOf, systemShardId } from '../domain/ledger.ts';
import { planReversal } from '../domain/ledger-admin.ts';
import { clip } from '../domain/text.ts';
import { type Committed, conditionFailed, type Piece, transact } from './db.ts';
import { foldUpdates } from './fold.ts';
import { LedgerEngine } from './ledger-engine.ts';
import { type Credit, creditDelete, type ReturnOutcome } from './ledger-settle.ts';
import { isTransient } from './retry.ts';
import { historyIndexes, sideAttributes, sideUpdate } from './table.ts';

/** Why the bank gave a transfer back (shown to staff with the reversal, and to the sender as its description). */
export const RETURNED_REASON = 'The recipient account was closed before the transfer reached it';

/** Why a transfer's money is held as unclaimed funds (shown to staff on the transfer). */
export const UNCLAIMED_REASON =
  "The recipient account was closed before the transfer reached it, and the sender's account was closed too: held as unclaimed funds for the sender";

export class CreditReturns extends LedgerEngine {
  /**
   * Returns one credit of a closed account to its sender: `returned` once this call returned it, `gone`
   * when another (a settler racing this one) already settled or returned it and nothing is left to do,
   * `raced` when it lost a race and should be tried again on a fresh read, `unclaimed` when the sender's
   * account is closed too and it went to unclaimed funds (`unclaim`), `sender_frozen` when the sender's
   * account cannot take it back now (nothing is written: the credit stays a credit item, and the
   * settler names it in its refusal).
   */
  async returnCredit(credit: Credit, now: Date): Promise<ReturnOutcome> {
    const original = await this.getJournal(credit.journalId);
    if (!original?.unsettled || !original.from) return 'gone';
    const sender = await this.accounts.mustGet(original.from.ownerId, original.from.accountId);
    // The reversal credits only an active account (planReversal): said here as the reason it stays.
    if (sender.status === 'frozen') return 'sender_frozen';
    if (sender.status === 'closed') return this.unclaim(credit, original, now);
    const id = randomUUID();
    const shard = systemShardId('returns', original.currency, shardOf(original.id, this.opts.systemShards));
    const plan = planReversal(original, { debit: { system: shard }, credit: sender }, credit.amount);
    const reversal = this.instant(
      id,
      plan,
      now,
      {
        user: original.from.ownerId,
        idempotencyKey: '',
        fingerprint: '',
        amount: credit.amount,
        description: clip(`Returned: ${original.description || 'transfer'}`, 140),
      },
      { to: [sender] },
      { reverses: original.id, reason: RETURNED_REASON },
    );
    // The sender's history names the account the money came back from, as the transfer's did: the
    // reversal has no other customer side to name, so its credited side names it (store/history.ts).
    const h2 = historyIndexes[1];
    for (const p of reversal.pieces)
      if (p.name === 'journal' && p.item.Put && original.to)
        p.item.Put.Item = { ...p.item.Put.Item, [h2.counterparty]: original.to.number };
    const at = reversal.journal.postedAt as string;
    // The transfer's recipient side, on the returns shard instead of the closed account: its entry in
    // hist2 (a system shard's, with no owner or balance after).
    const side = sideUpdate(sideAttributes(h2, shard, at, original.id));
    const pieces: Piece[] = [
      creditDelete(this.table, credit),
      this.givenBack(original.id, 'reversedAmount', credit.amount, {
        set: `settledAt = :at, returned = :true, ${side.set}`,
        remove: 'unsettled',
        condition: 'unsettled = :true',
        values: { ':at': at, ':true': true, ...side.values },
      }),
      ...reversal.pieces,
    ];
    // The sender's daily outgoing limit gets the amount back, as for a released hold, if the transfer
    // took it today. Its counter may sit on the sender's own account item (its limit host), which the
    // reversal credits: one action on that item (foldUpdates).
    const release = this.limitRelease(original.from.ownerId, original, credit.amount, now);
    if (release) pieces.push(release);
    return this.outcomeOf(await transact(this.db, foldUpdates(pieces)), 'returned');
  }

  /**
   * A credit neither side's account can take any more (the recipient's and the sender's both closed):
   * in one transaction its credit item is deleted (on `attribute_exists`) and the transfer's recipient
   * side is posted to an `unclaimed` system shard, the journal marked `returned` and `unclaimed` with
   * the amount in `reversedAmount` (nothing left to refund or reverse) and why in `reason` (shown to
   * staff), on the condition that it is still unsettled. The bank holds the funds for the sender, for
   * staff to pay out; verify-ledger counts them. No customer account is touched, so no event is told.
   */
  private async unclaim(credit: Credit, original: Journal, now: Date): Promise<ReturnOutcome> {
    const at = now.toISOString();
    const shard = systemShardId('unclaimed', original.currency, shardOf(original.id, this.opts.systemShards));
    const side = sideUpdate(sideAttributes(historyIndexes[1], shard, at, original.id));
    const pieces: Piece[] = [
      creditDelete(this.table, credit),
      this.givenBack(original.id, 'reversedAmount', credit.amount, {
        set: `settledAt = :at, returned = :true, unclaimed = :true, reason = :reason, ${side.set}`,
        remove: 'unsettled',
        condition: 'unsettled = :true',
        values: { ':at': at, ':true': true, ':reason': UNCLAIMED_REASON, ...side.values },
      }),
    ];
    return this.outcomeOf(await transact(this.db, pieces), 'unclaimed');
  }

  private outcomeOf(r: Committed<string>, ok: 'returned' | 'unclaimed'): ReturnOutcome {
    if (r.ok) return ok;
    if (conditionFailed(r.failed).length > 0 || isTransient(r.error, r.codes)) return 'raced';
    throw r.error;
  }
}
