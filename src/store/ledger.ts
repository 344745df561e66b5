/**
 * The ledger in the single table. Every movement is one TransactWriteItems built from named pieces:
 * the idempotency record (a movement's new journal is its own record; otherwise an item holding the
 * domain outcome: idempotency.ts), the journal item (with its status and version), the accounts it
 * changes, the daily-limit counters, system shards, and history entries.
 * The rules are condition expressions on stored attributes inside that transaction:
 *   - no overdraft: `available >= :debit` on the debited account (`available = balance - held` is
 *     stored and kept in every update, because a condition cannot add two attributes); the version
 *     check on top keeps each posting's running balance exact, but the money rule does not need it;
 *   - post / void / expiry: `status = pending AND version = :v` on the journal, and the hold must be
 *     in the account's `holds` map: exactly one of them wins, and the hold is released once;
 *   - refunds: `refundable >= :amount` on the original transfer;
 *   - daily limits: `out#<day> <= :room` on the host account's item (or `spent <= :room` on a counter item).
 * Cancellation reasons are mapped back to the pieces by name (see db.ts `transact`).
 *
 * Items and round trips per movement (reads before the one TransactWriteItems; `journal*`: the new
 * journal, which is the movement's idempotency record; `idem`: a record item):
 *   deposit          journal*, account (+ deposit counter), 2 postings                 = 4; 1 read
 *   withdrawal       journal*, account (+ limit counter), 2 postings                   = 4; 1 read
 * (A system shard gets its posting only: system accounts are append-only, see systemBalance.)
 *   transfer         journal*, 2 accounts (sender + limit counter), 2 postings         = 5; 2-3 reads
 *   deferred transfer journal*, sender (+ limit counter), sender's posting, credit     = 4; 2-3 reads
 *                    (`deferCredits`: the recipient's side is settled later, see ledger-settle.ts)
 *   pending transfer journal*, sender (+ limit counter), sender's history entry        = 3; 2-3 reads
 *   post             idem, journal, 2 accounts, [limit], history entry (delete), 2 postings = 7-8; 3 reads
 *   void             idem, journal, sender, [limit], history entry                     = 4-5; 1 read
 *   expiry           journal, sender, [limit], history entry                           = 3-4; 1 read
 *   refund           refund journal*, original journal, 2 accounts, 2 postings         = 6; 3 reads
 * ([limit]: the unposted rest is given back to the daily limit when it is still the same UTC day; in
 * the sender's own update when the sender carries the counter, so not an item more.)
 * (+ counter): the owner's daily counter, in the account's own update when the account is its owner's
 * limit host (accounts.ts limitHost: its first account in the currency); from another account, or one
 * opened before hosts, the counter is an item more (the host's, or a counter item of its own).
 *
 * Here: the customer's movements (LedgerWriter), on the engine that commits them (ledger-engine.ts,
 * which the back office's StaffLedger shares), and LedgerStore, the whole ledger: the movements, the
 * reads of ledger-read.ts's LedgerReader (history, balances, limits used) and the sweeper. Each
 * function takes the side it needs, so a read-only bundle carries no write path, the money function's
 * no history reads and admin-money's no customer movements (infra/bundling.test.ts).
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { MAX_LIVE_HOLDS } from '../domain/account.ts';
import { BankError, noSuchTransaction } from '../domain/errors.ts';
import {
  assertRefundable,
  type Change,
  type Journal,
  MAX_HOLD_SECONDS,
  type Metadata,
  type Party,
  planDeposit,
  planPost,
  planRefund,
  planTransfer,
  planWithdrawal,
  type SystemAccount,
  shardOf,
  systemShardId,
  utcDay,
  visibleTo,
} from '../domain/ledger.ts';
import type { Currency } from '../domain/money.ts';
import { postingNoAfter } from './accounts.ts';
import type { Outcome } from './idempotency.ts';
import * as keys from './item-keys.ts';
import { journalIdFor } from './item-keys.ts';
import { type Keyed, LedgerEngine, type MovementRequest, party } from './ledger-engine.ts';
import type { StoredJournal } from './ledger-journal.ts';
import { type HistoryPage, type HistoryPageQuery, LedgerReader } from './ledger-read.ts';
import { assertNumbersLeft } from './rate-counter.ts';

export {
  type Attempt,
  type DeferCredits,
  HOT_RECIPIENT_MS,
  type Keyed,
  type LedgerOptions,
  type MovementRequest,
  type Name,
} from './ledger-engine.ts';
export type { HistoryItem } from './ledger-read.ts';

export interface TransferRequest extends MovementRequest {
  fromAccountId: string;
  toAccountNumber: string;
  currency: Currency;
  pending?: boolean | undefined;
  expiresInSeconds?: number | undefined;
  /**
   * The number is one of the caller's saved payees, counted when it was saved: paying it tells them
   * nothing new, so it is not refused once their account-number checks are spent (assertNumbersLeft).
   */
  toSavedPayee?: boolean | undefined;
}

/**
 * The write side of the ledger: every customer movement on the engine. The money function uses it
 * (through BatchLedgerStore); neither it nor the engine carries the history and balance reads
 * (ledger-read.ts).
 */
export class LedgerWriter extends LedgerEngine {
  deposit(req: MovementRequest & { accountId: string }): Promise<Outcome> {
    const id = journalIdFor(req.user, req.idempotencyKey);
    return this.commit(req, async (now) => {
      const to = await this.accounts.mustGet(req.user, req.accountId);
      const shard = systemShardId('cash-in', to.currency, shardOf(id, this.opts.systemShards));
      const plan = planDeposit(to, req.amount, shard, this.room(to, 'in', now));
      return this.instant(id, plan, now, req, { to: [to, req.metadata] });
    });
  }

  withdraw(req: MovementRequest & { accountId: string }): Promise<Outcome> {
    const id = journalIdFor(req.user, req.idempotencyKey);
    return this.commit(req, async (now) => {
      const from = await this.debitable(req.user, req.accountId, now);
      const shard = systemShardId('cash-out', from.currency, shardOf(id, this.opts.systemShards));
      const plan = planWithdrawal(from, req.amount, shard, this.room(from, 'out', now));
      return this.instant(id, plan, now, req, { from: [from, req.metadata] });
    });
  }

  /** A transfer: posted at once, or (`pending`) a hold on the sender until it is posted, voided or expires. */
  transfer(req: TransferRequest): Promise<Outcome> {
    const id = journalIdFor(req.user, req.idempotencyKey);
    return this.commit(req, async (now, contended) => {
      const [from, to, spent] = await Promise.all([
        this.debitable(req.user, req.fromAccountId, now),
        this.accounts.findByNumber(req.toAccountNumber),
        req.toSavedPayee ? undefined : this.numbersSpent(req, now),
      ]);
      if (!to) {
        await this.countUnknown(req, 1, now);
        throw new BankError('recipient_not_found', 'No account has that number');
      }
      assertNumbersLeft(spent, req.user, [to]);
      const plan = planTransfer(from, to, req.amount, req.currency, this.room(from, 'out', now, [to]), {
        pending: req.pending === true,
      });
      if (!req.pending)
        return this.instant(
          id,
          plan,
          now,
          req,
          { from: [from, req.metadata], to: [to] },
          {},
          this.deferredCredits(contended, [to.id], now, from.limitHost).has(to.id),
        );
      if (Object.keys(from.holds).length >= MAX_LIVE_HOLDS) {
        throw new BankError(
          'too_many_holds',
          `An account may have at most ${MAX_LIVE_HOLDS} pending transfers`,
        );
      }
      const expiresAt = new Date(
        now.getTime() + (req.expiresInSeconds ?? MAX_HOLD_SECONDS) * 1000,
      ).toISOString();
      const journal: Journal = {
        id,
        type: 'transfer',
        status: 'pending',
        amount: req.amount,
        heldAmount: req.amount,
        currency: req.currency,
        description: req.description ?? '',
        createdAt: now.toISOString(),
        expiresAt,
        limitDay: utcDay(now),
        ...(from.limitHost ? { limitHost: from.limitHost } : {}),
        from: party(from, req.metadata),
        to: party(to),
      };
      const shard = shardOf(id, this.opts.systemShards);
      return {
        journal,
        pieces: [
          this.journalPut(journal, 1, undefined, {
            gsi1pk: keys.pendingShard(shard),
            gsi1sk: `${expiresAt}#${id}`,
          }),
          this.accountPiece('from', from, plan.changes.get(from.id) as Change, now.toISOString(), {
            id,
            set: { amount: req.amount, expiresAt },
          }),
          ...this.limitPieces(req.user, journal, plan, now, from),
          {
            name: 'entry',
            item: {
              Put: {
                TableName: this.table,
                Item: {
                  ...keys.posting(from.id, journal.createdAt, id),
                  entity: 'hold',
                  accountId: from.id,
                  ownerId: from.ownerId,
                  amount: -req.amount,
                  currency: req.currency,
                  journalId: id,
                  type: 'transfer',
                  status: 'pending',
                  // When it shows expired (statusAt), before the sweeper marks it so.
                  expiresAt,
                  description: journal.description,
                  counterpartyNumber: to.number,
                  createdAt: journal.createdAt,
                },
              },
            },
          },
        ],
      };
    });
  }

  /** Posts a pending transfer (all of it, or `amount` of it): only its sender may. */
  post(req: Keyed & { journalId: string; amount?: number | undefined }): Promise<Outcome> {
    return this.commit(req, async (now) => {
      const j = await this.ownPending(req.user, req.journalId);
      const jFrom = j.from as Party;
      const jTo = j.to as Party;
      // The sender is debited: a malformed holds map refuses it loudly (CorruptAccount), as every
      // debit is. The recipient is credited, which is not refused.
      const [from, to] = await Promise.all([
        this.soundAccount(jFrom.ownerId, jFrom.accountId),
        this.accounts.mustGet(jTo.ownerId, jTo.accountId),
      ]);
      const plan = planPost(j, from, to, req.amount, now);
      // After the hold's own history entry too (the posting replaces it).
      const at = this.postingTime(new Date(Math.max(now.getTime(), Date.parse(j.createdAt) + 1)), [from, to]);
      const fromChange = plan.changes.get(from.id) as Change;
      const toChange = plan.changes.get(to.id) as Change;
      const amount = -(plan.postings[0]?.amount ?? 0);
      const { version, fingerprint, ...rest } = j;
      const journal: Journal = {
        ...rest,
        status: 'posted',
        amount,
        postedAt: at,
        refundedAmount: 0,
        from: { ...jFrom, balanceAfter: fromChange.balanceAfter, postingNo: postingNoAfter(from) },
        to: { ...jTo, balanceAfter: toChange.balanceAfter, postingNo: postingNoAfter(to) },
      };
      return {
        journal,
        pieces: [
          this.journalPut(
            journal,
            version + 1,
            { version, now, fingerprint },
            this.historySides(plan, at, journal, [from, to]),
          ),
          this.accountPiece('from', from, fromChange, at, { id: j.id, remove: true }),
          this.accountPiece(`to:${to.id}`, to, toChange, at),
          ...this.limitPieces(req.user, journal, plan, now),
          {
            name: 'entry',
            item: { Delete: { TableName: this.table, Key: keys.posting(from.id, j.createdAt, j.id) } },
          },
        ],
      };
    });
  }

  /**
   * Voids a pending transfer: only its sender may. The hold is released and given back to the daily
   * limit. Nothing is planned on the sender's holds map (the journal says what is released), but its
   * update needs the hold in the map: once it failed, the map is read, and a malformed one is refused
   * loudly (CorruptAccount) rather than tried again to a 503.
   */
  void(req: Keyed & { journalId: string }): Promise<Outcome> {
    return this.commit(req, async (now, contended) => {
      const j = await this.ownPending(req.user, req.journalId);
      if (contended.has('from') && j.status === 'pending')
        await this.soundAccount(req.user, (j.from as Party).accountId);
      return this.release(j, now, false);
    });
  }

  /** Refunds part or all of a posted transfer: only the owner of the account it credited may. */
  refund(
    req: Keyed & {
      journalId: string;
      amount?: number | undefined;
      description?: string | undefined;
      metadata?: Metadata | undefined;
    },
  ): Promise<Outcome> {
    const id = journalIdFor(req.user, req.idempotencyKey);
    return this.commit(req, async (now) => {
      const original = await this.getJournal(req.journalId);
      // Only the recipient refunds, and only what they can see (a pending transfer to them is a 404).
      if (!original?.to || original.to.ownerId !== req.user || !visibleTo(original, req.user))
        throw noSuchTransaction();
      assertRefundable(original);
      if (!original.from) throw noSuchTransaction();
      const [refunder, sender] = await Promise.all([
        this.debitable(original.to.ownerId, original.to.accountId, now),
        this.accounts.mustGet(original.from.ownerId, original.from.accountId),
      ]);
      const plan = planRefund(original, refunder, sender, req.amount);
      const amount = plan.postings[1]?.amount ?? 0;
      const attempt = this.instant(
        id,
        plan,
        now,
        { ...req, amount },
        { from: [refunder, req.metadata], to: [sender] },
        { refundOf: original.id },
      );
      attempt.pieces.push(this.givenBack(original.id, 'refundedAmount', amount));
      return attempt;
    });
  }

  /** The caller's own pending-transfer journal (as sender); anyone else's is not found. */
  private async ownPending(user: string, journalId: string): Promise<StoredJournal> {
    const j = await this.storedJournal(journalId);
    if (j?.type !== 'transfer' || j.from?.ownerId !== user || !j.to) throw noSuchTransaction();
    return j;
  }
}

/**
 * The whole ledger: the write side, the reads of LedgerReader (one code for both) and the sweeper.
 * Tests, scripts, the bench and the functions that need more than one side (sweep, scheduled
 * transfers) use it; a function that needs one side only takes that side, for a smaller bundle.
 */
export class LedgerStore extends LedgerWriter {
  private readonly reads = new LedgerReader(this.db, this.table, this.opts);

  /** One page of an account's history, newest first (LedgerReader.postings). */
  postings(accountId: string, opts: HistoryPageQuery): Promise<HistoryPage> {
    return this.reads.postings(accountId, opts);
  }

  /** The posted balance of an account as of an instant (LedgerReader.balanceAt). */
  balanceAt(accountId: string, at: string): Promise<number> {
    return this.reads.balanceAt(accountId, at);
  }

  /** A system account's balance in one currency (LedgerReader.systemBalance). */
  systemBalance(name: SystemAccount, currency: Currency): Promise<number> {
    return this.reads.systemBalance(name, currency);
  }

  /** What the owner's outgoing movements took of the daily limit on `day` (LedgerReader.outgoingOn). */
  outgoingOn(owner: string, day: string): Promise<Map<string, number>> {
    return this.reads.outgoingOn(owner, day);
  }

  /** The daily outgoing limit (the same in every currency). */
  get dailyLimit(): number {
    return this.opts.dailyLimit;
  }

  /**
   * The sweeper: expires every pending journal whose time has passed (found through the sparse
   * index, which may lag; each expiry re-reads the journal and is conditional). Returns how many
   * expired, how many were seen, and the ones that failed with an error that is not a lost race or a
   * throttle (those `expire` retries or leaves): one failing journal does not hold up the others, and
   * the caller reports the failures (the sweep handler logs them and fails its run). A failed one
   * stays pending, its hold counted out by reads (heldAt), for the next run.
   */
  async expireDue(
    now = this.now(),
  ): Promise<{ expired: number; seen: number; failed: { journalId: string; error: string }[] }> {
    let expired = 0;
    let seen = 0;
    const failed: { journalId: string; error: string }[] = [];
    for (let shard = 0; shard < this.opts.systemShards; shard++) {
      let start: Record<string, unknown> | undefined;
      do {
        const r = await this.db.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk < :bound',
            ExpressionAttributeValues: {
              ':pk': keys.pendingShard(shard),
              ':bound': `${now.toISOString()}#\uffff`,
            },
            ExclusiveStartKey: start,
          }),
        );
        for (const item of r.Items ?? []) {
          seen++;
          const journalId = String(item.id);
          try {
            if (await this.expire(journalId, now)) expired++;
          } catch (e) {
            failed.push({ journalId, error: e instanceof Error ? e.message : String(e) });
          }
        }
        start = r.LastEvaluatedKey;
      } while (start);
    }
    return { expired, seen, failed };
  }
}
