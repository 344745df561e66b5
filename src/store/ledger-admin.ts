/**
 * The back office's ledger (issue 13): accounts found by id or number alone, freeze and unfreeze,
 * teller cash and reversals. It is the customer ledger's engine (LedgerEngine: the idempotency record in
 * the same transaction, contention retries, declines recorded for replay) with staff's rules on top
 * (src/domain/ledger-admin.ts).
 *
 * Every action that changes the table takes `extra`: named pieces appended to its own transaction
 * (say, the audit record of the action), so they commit with it or not at all. If one of them fails
 * its condition the action is tried again on fresh data (a chained record's head moved), up to the
 * usual retry bound. A keyed action (teller cash, a reversal) also takes `declined`: pieces to commit
 * with the record of its decline (the audit record of the refusal), in the same way.
 *
 * The stored rules:
 *   - freeze / unfreeze: `status = :from AND version = :v` on the account; the freeze bumps the
 *     version, so a movement planned before it fails its own version condition, and every movement
 *     after it fails `status = active` (which every posting and new hold already carries);
 *   - teller cash: the customer ledger's account conditions (no overdraft, active); no daily counter;
 *   - reversal: `refundable >= :amount` on the original (shared with refunds: see `givenBack`), and
 *     the no-overdraft condition on the customer account debited;
 *   - payout of unclaimed funds: `unclaimed = true AND attribute_not_exists(unclaimedPaidOut)` on the
 *     original (marked paid out with the payout's id in the same transaction: two payouts cannot both
 *     commit), and the credited account's own conditions (its version as read, `active`); a payout out
 *     of the bank (cheque, state) credits a cash-out shard, append-only, with no condition of its own.
 *
 * Items per action: freeze 1 (+extra); teller cash those of a customer deposit or withdrawal, without
 * the daily counter; a reversal those of a movement between its two sides, plus the original journal
 * (its `reversedAmount`). System accounts are append-only (their postings only, no balance item).
 */
import type { Account } from '../domain/account.ts';
import { noSuchAccount, noSuchTransaction } from '../domain/errors.ts';
import { assertSettled, isShardOf, type PayoutMethod, shardOf, systemShardId } from '../domain/ledger.ts';
import {
  assertNotOwn,
  assertReversible,
  planReversal,
  planTellerDeposit,
  planTellerWithdrawal,
  planUnclaimedPayout,
  statusChange,
} from '../domain/ledger-admin.ts';
import { clip } from '../domain/text.ts';
import { type AccountReader, type AccountRecord, publicAccount } from './accounts.ts';
import { AlreadyCommitted, busy, conditionFailed, type Piece, transact } from './db.ts';
import type { DeclineExtra, Outcome } from './idempotency.ts';
import * as keys from './item-keys.ts';
import { journalIdFor } from './item-keys.ts';
import type { Keyed } from './ledger.ts';
import { LedgerEngine, type Name } from './ledger-engine.ts';
import { readJournalCreditedOn } from './ledger-journal.ts';
import { again, done, isTransient, retry } from './retry.ts';

/**
 * Pieces to commit with an action (its audit record, say): given as is, or built again for each
 * attempt (a chained record must link after the head it reads, which may move between attempts).
 */
export type Extra = readonly Piece[] | (() => Promise<readonly Piece[]>);
const piecesOf = async (extra: Extra): Promise<readonly Piece[]> =>
  typeof extra === 'function' ? extra() : extra;

/** An account as staff see it: the customer's view and whose it is. */
export type AdminAccount = Account & { ownerId: string };

export const adminAccount = (a: AccountRecord): AdminAccount => ({ ...publicAccount(a), ownerId: a.ownerId });

/**
 * Any customer's account by its id: staff's read (admin-accounts) and the start of their actions. A
 * function, not only a method, so the read-only function's bundle leaves StaffLedger out.
 */
export const anyAccount = async (accounts: AccountReader, accountId: string): Promise<AccountRecord> => {
  const a = await accounts.findById(accountId);
  if (!a) throw noSuchAccount();
  return a;
};

/** Any customer's account by its number (bank staff). */
export const anyAccountByNumber = async (accounts: AccountReader, number: string): Promise<AccountRecord> => {
  const a = await accounts.findByNumber(number);
  if (!a) throw noSuchAccount();
  return a;
};

/** A teller's cash movement: `user` is the member of staff (its id is recorded on the journal). */
export interface TellerRequest extends Keyed {
  accountId: string;
  amount: number;
  description?: string | undefined;
  reference?: string | undefined;
}

/** A reversal: `user` is the member of staff; `amount` defaults to all that is left. */
export interface ReversalRequest extends Keyed {
  journalId: string;
  amount?: number | undefined;
  reason: string;
}

/**
 * A payout of unclaimed funds: `user` is the member of staff; always the whole amount. Into an account
 * of the sender (`toAccountId`), or out of the bank (`method`, with the cheque's number or the state's
 * filing `reference`).
 */
export type PayoutRequest = Keyed & { journalId: string; reason: string } & (
    | { toAccountId: string }
    | { method: PayoutMethod; reference: string }
  );

export interface StatusRequest {
  /** The member of staff. */
  admin: string;
  accountId: string;
  reason: string;
}

/**
 * The back office's actions on the ledger's engine, without the customer's movements: the admin-money
 * function uses it.
 */
export class StaffLedger extends LedgerEngine {
  /** Any customer's account by its id. */
  account(accountId: string): Promise<AccountRecord> {
    return anyAccount(this.accounts, accountId);
  }

  /** Any customer's account by its number. */
  accountByNumber(number: string): Promise<AccountRecord> {
    return anyAccountByNumber(this.accounts, number);
  }

  /**
   * Freezes an account: from its 200 on, every movement in or out of it is refused (422
   * account_not_active), but for a deferred credit (ledger-settle.ts): a transfer to a hot recipient
   * that read it active before the freeze may commit after it, and settles. Freezing a frozen account changes nothing (`changed: false`; `extra` still
   * commits, conditioned on the account being frozen). A closed account cannot be frozen.
   */
  freeze(req: StatusRequest, extra: Extra = []): Promise<{ account: AdminAccount; changed: boolean }> {
    return this.setStatus(req, 'freeze', extra);
  }

  /** Unfreezes an account (back to `active`); unfreezing an active one changes nothing. */
  unfreeze(req: StatusRequest, extra: Extra = []): Promise<{ account: AdminAccount; changed: boolean }> {
    return this.setStatus(req, 'unfreeze', extra);
  }

  /** Cash paid in at a counter: no daily deposit limit. Exactly once per Idempotency-Key. */
  tellerDeposit(req: TellerRequest, extra: Extra = [], declined?: DeclineExtra): Promise<Outcome> {
    const id = journalIdFor(req.user, req.idempotencyKey);
    return this.commit(
      req,
      async (now) => {
        const to = await this.account(req.accountId);
        assertNotOwn(req.user, to.ownerId);
        const shard = systemShardId('cash-in', to.currency, shardOf(id, this.opts.systemShards));
        const plan = planTellerDeposit(to, req.amount, shard);
        return {
          ...this.instant(id, plan, now, req, { to: [to] }, this.teller(req)),
          extra: await piecesOf(extra),
        };
      },
      declined,
    );
  }

  /** Cash paid out at a counter: no daily limit, never more than the account has available. */
  tellerWithdraw(req: TellerRequest, extra: Extra = [], declined?: DeclineExtra): Promise<Outcome> {
    const id = journalIdFor(req.user, req.idempotencyKey);
    return this.commit(
      req,
      async (now) => {
        const found = await this.account(req.accountId);
        assertNotOwn(req.user, found.ownerId);
        const from = await this.debitable(found.ownerId, found.id, now);
        const shard = systemShardId('cash-out', from.currency, shardOf(id, this.opts.systemShards));
        const plan = planTellerWithdrawal(from, req.amount, shard);
        return {
          ...this.instant(id, plan, now, req, { from: [from] }, this.teller(req)),
          extra: await piecesOf(extra),
        };
      },
      declined,
    );
  }

  /**
   * Reverses all or part of a posted deposit, withdrawal, transfer or refund: a `reversal` journal
   * (`reverses` the original) moves the money back, and the original's `reversedAmount` grows.
   */
  reverse(req: ReversalRequest, extra: Extra = [], declined?: DeclineExtra): Promise<Outcome> {
    const id = journalIdFor(req.user, req.idempotencyKey);
    return this.commit(
      req,
      async (now) => {
        const original = await this.original(req.journalId);
        assertNotOwn(req.user, original.from?.ownerId, original.to?.ownerId);
        assertReversible(original);
        assertSettled(original);
        const shard = shardOf(id, this.opts.systemShards);
        // The side the original credited gives the money back to the side it debited.
        const [debited, credited] = await Promise.all([
          original.to ? this.debitable(original.to.ownerId, original.to.accountId, now) : undefined,
          original.from ? this.accounts.mustGet(original.from.ownerId, original.from.accountId) : undefined,
        ]);
        const plan = planReversal(
          original,
          {
            debit: debited ?? { system: systemShardId('cash-out', original.currency, shard) },
            credit: credited ?? { system: systemShardId('cash-in', original.currency, shard) },
          },
          req.amount,
          { evenFrozen: true },
        );
        const amount = plan.postings[1]?.amount ?? 0;
        const attempt = this.instant(
          id,
          plan,
          now,
          {
            ...req,
            amount,
            description: clip(`Reversal of ${original.description || original.type}`, 140),
          },
          { ...(debited ? { from: [debited] } : {}), ...(credited ? { to: [credited] } : {}) },
          { reverses: original.id, tellerId: req.user, reason: req.reason },
        );
        attempt.pieces.push(this.givenBack(original.id, 'reversedAmount', amount));
        // A refund reversed is given back no more: its transfer may be refunded or reversed by as
        // much again (a review found a transfer whose refund staff had reversed capped short for good).
        if (original.refundOf) attempt.pieces.push(this.refundTakenBack(original.refundOf, amount));
        return { ...attempt, extra: await piecesOf(extra) };
      },
      declined,
    );
  }

  /**
   * Pays out unclaimed funds (ledger-return.ts `unclaim`) to an account of the transfer's sender, or
   * out of the bank (a cheque, or to the state: `method`) on a cash-out shard in its currency, as a
   * withdrawal: a `reversal` journal (`reverses` the transfer) from the unclaimed shard the transfer's
   * credit went to onto the account, posted as any credit (exact balanceAfter, version, posting number,
   * history), or onto the cash-out shard (no customer side: no one's account moves, no one is told),
   * and the transfer marked `unclaimedPaidOut` with the payout's id, on the condition that it is
   * unclaimed and not paid out yet. Whole, once.
   */
  payUnclaimed(req: PayoutRequest, extra: Extra = [], declined?: DeclineExtra): Promise<Outcome> {
    const id = journalIdFor(req.user, req.idempotencyKey);
    return this.commit(
      req,
      async (now) => {
        const read = await readJournalCreditedOn(this.db, this.table, req.journalId);
        if (!read) throw noSuchTransaction();
        const original = read.journal;
        // Both sides, as a reversal's: the money was meant for the recipient (a review found staff
        // paying out, to a cheque of their choosing, unclaimed funds sent to an account of theirs).
        assertNotOwn(req.user, original.from?.ownerId, original.to?.ownerId);
        const to = 'toAccountId' in req ? await this.account(req.toAccountId) : undefined;
        if (to) assertNotOwn(req.user, to.ownerId);
        // The shard the transfer's credit was posted to (ledger-return.ts `unclaim`), as its history
        // entry names it: the shard count may have been raised since, which would name another
        // (a review found the payout debiting a shard that never held the funds).
        const shard =
          original.unclaimed && read.creditedOn && isShardOf('unclaimed', read.creditedOn)
            ? read.creditedOn
            : systemShardId('unclaimed', original.currency, shardOf(original.id, this.opts.systemShards));
        const plan = planUnclaimedPayout(
          original,
          to ?? { system: systemShardId('cash-out', original.currency, shardOf(id, this.opts.systemShards)) },
          shard,
        );
        const attempt = this.instant(
          id,
          plan,
          now,
          {
            ...req,
            amount: original.amount,
            description: clip(`Unclaimed funds: ${original.description || 'transfer'}`, 140),
          },
          to ? { to: [to] } : {},
          {
            reverses: original.id,
            tellerId: req.user,
            reason: req.reason,
            ...('method' in req ? { payoutMethod: req.method, reference: req.reference } : {}),
          },
        );
        // The account's rules as stored conditions too, beside its version and `status = active`: its
        // owner is the transfer's sender and its currency the transfer's.
        for (const p of attempt.pieces) {
          const u = to && p.name === `to:${to.id}` ? p.item.Update : undefined;
          if (!u) continue;
          u.ConditionExpression = `${u.ConditionExpression} AND #owner = :sender AND #currency = :currency`;
          u.ExpressionAttributeNames = {
            ...u.ExpressionAttributeNames,
            '#owner': 'ownerId',
            '#currency': 'currency',
          };
          u.ExpressionAttributeValues = {
            ...u.ExpressionAttributeValues,
            ':sender': original.from?.ownerId,
            ':currency': original.currency,
          };
        }
        attempt.pieces.push({
          name: 'original',
          item: {
            Update: {
              TableName: this.table,
              Key: keys.journal(original.id),
              // Out of the bank, also how: the sender's view says so, where the payout is no one's to read.
              UpdateExpression: `SET unclaimedPaidOut = :payout, ${'method' in req ? 'unclaimedPaidOutBy = :by, ' : ''}version = version + :one`,
              ConditionExpression: 'unclaimed = :true AND attribute_not_exists(unclaimedPaidOut)',
              ExpressionAttributeValues: {
                ':payout': id,
                ':one': 1,
                ':true': true,
                ...('method' in req ? { ':by': req.method } : {}),
              },
            },
          },
        });
        return { ...attempt, extra: await piecesOf(extra) };
      },
      declined,
    );
  }

  /**
   * The update of the transfer a reversed refund refunded: its `refundedAmount` goes down by `amount`,
   * and what is left of it to give back (`refundable`) up, on the condition that its refunds cover it.
   */
  private refundTakenBack(transferId: string, amount: number): Piece<Name> {
    return {
      name: 'refunded',
      item: {
        Update: {
          TableName: this.table,
          Key: keys.journal(transferId),
          UpdateExpression:
            'SET refundable = refundable + :amount, refundedAmount = refundedAmount - :amount, version = version + :one',
          ConditionExpression: 'attribute_exists(refundable) AND refundedAmount >= :amount',
          ExpressionAttributeValues: { ':amount': amount, ':one': 1 },
        },
      },
    };
  }

  /** The journal a staff action acts on (a reversal, a payout), or 404. */
  private async original(journalId: string) {
    const original = await this.getJournal(journalId);
    if (!original) throw noSuchTransaction();
    return original;
  }

  private teller(req: TellerRequest) {
    return { tellerId: req.user, ...(req.reference ? { reference: req.reference } : {}) };
  }

  private async setStatus(
    req: StatusRequest,
    action: 'freeze' | 'unfreeze',
    extra: Extra,
  ): Promise<{ account: AdminAccount; changed: boolean }> {
    const out = await retry(async () => {
      const a = await this.account(req.accountId);
      assertNotOwn(req.admin, a.ownerId);
      const { to, changed } = statusChange(a.status, action);
      const key = keys.account(a.ownerId, a.id);
      const now = new Date().toISOString();
      const piece: Piece = changed
        ? {
            name: 'account',
            item: {
              Update: {
                TableName: this.table,
                Key: key,
                UpdateExpression:
                  'SET #status = :to, version = version + :one, updatedAt = :now, statusReason = :reason, statusChangedBy = :admin',
                ConditionExpression: '#status = :from AND version = :v',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':to': to,
                  ':from': a.status,
                  ':v': a.version,
                  ':one': 1,
                  ':now': now,
                  ':reason': req.reason,
                  ':admin': req.admin,
                },
              },
            },
          }
        : {
            name: 'account',
            item: {
              ConditionCheck: {
                TableName: this.table,
                Key: key,
                ConditionExpression: '#status = :to',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':to': to },
              },
            },
          };
      const account = adminAccount({ ...a, status: to, version: a.version + (changed ? 1 : 0) });
      let more: readonly Piece[];
      try {
        more = await piecesOf(extra);
      } catch (e) {
        // An earlier attempt committed (its audit record is written) and lost its answer: done, and
        // not done again, whatever happened to the account since. The account as it stands.
        if (e instanceof AlreadyCommitted) return done({ account: adminAccount(a), changed: true });
        throw e;
      }
      if (!changed && more.length === 0) return done({ account, changed });
      const r = await transact(this.db, [piece, ...more]);
      if (r.ok) return done({ account, changed });
      // The account moved (a posting, another status change) or a piece of `extra` found its item
      // changed: decide again on fresh data.
      if (conditionFailed(r.failed).length > 0 || isTransient(r.error, r.codes)) return again;
      throw r.error;
    }, this.policy);
    if (!out) throw busy('The account is busy: try again');
    return out;
  }
}
