/**
 * Bulk payments (the hot sender): one account pays up to MAX_BATCH_TRANSFERS recipients in ONE
 * TransactWriteItems, so the batch posts all or nothing, and the sender's account is written once
 * instead of once per transfer (transfers one by one would all serialize on it).
 *
 * Each transfer is a journal of its own (its own id, postings, history entries, refunds), built by
 * the ledger's own `instant()` against running copies of the accounts: the n-th transfer sees the
 * sender's balance and version after the n-1 before it, so every posting's `balanceAfter` and `seq`
 * are exact and its time follows the previous one (history order = version order, as verify-ledger
 * checks). The accounts are then written once each, with the batch's net change:
 *   - the sender: `available >= :total` (the no-overdraft rule on the stored attribute), its version
 *     read, and `status = active`; its version moves by the number of its postings;
 *   - each recipient credited at once: its version read and `status = active` (a frozen or closed
 *     account takes no money), its version moving by the number of its postings;
 *   - the sender's daily-limit counter takes the batch's total: `out#<day> <= limit - total`.
 * The idempotency record commits in the same transaction and holds the whole outcome for replay.
 *
 * Hot recipients (ledger-settle.ts): a recipient whose account item lost a race in an attempt (its
 * piece, `to:<accountId>`), or lost one lately, or every recipient with `deferCredits: 'always'`, is
 * credited through credit items: the batch is planned (again) with each transfer to it writing its
 * credit as an item of its own under the recipient instead of the recipient's account item, and the
 * settler folds them in. The other recipients keep their account update and its conditions. A
 * deferred recipient's status is checked as read, not by a condition at commit (ledger-settle.ts: a
 * credit settles into an account frozen meanwhile, and is returned from one closed meanwhile). The
 * sender's side is unchanged.
 *
 * Declines (recorded with the key, replayed as they were): a transfer the rules refuse makes the whole
 * batch `batch_rejected` with `errors: [{index, code}]` naming only those; the sender's own state and
 * the totals (`insufficient_funds`, `daily_limit_exceeded`, `account_not_active`, `currency_mismatch`)
 * are refused at the top level.
 */
import { randomUUID } from 'node:crypto';
import { MAX_BATCH_TRANSFERS } from '../domain/batch.ts';
import { BankError, isBankError, type Refusal } from '../domain/errors.ts';
import { assertFunds, type Change, type Journal, type Metadata, planTransfer } from '../domain/ledger.ts';
import { addMinor, type Currency } from '../domain/money.ts';
import { type AccountRecord, postingNoAfter, toRecord } from './accounts.ts';
import { busy, getMany, type ItemKey, type Piece } from './db.ts';
import type { BatchOutcome, StoredBatch } from './idempotency.ts';
import * as keys from './item-keys.ts';
import { type Keyed, LedgerWriter, type Name } from './ledger.ts';
import { assertNumbersLeft } from './rate-counter.ts';

export interface BatchTransfer {
  toAccountNumber: string;
  amount: number;
  description?: string | undefined;
  metadata?: Metadata | undefined;
}

export interface BatchRequest extends Keyed {
  fromAccountId: string;
  currency: Currency;
  transfers: readonly BatchTransfer[];
}

/** An account as it stands part-way through the batch: what the next transfer in it sees. */
interface Running {
  read: AccountRecord;
  now: AccountRecord;
  postings: number;
}

const advance = (r: Running, delta: number, at: string): void => {
  r.now = {
    ...r.now,
    balance: addMinor(r.now.balance, delta),
    available: addMinor(r.now.available, delta),
    version: r.now.version + 1,
    lastPostedAt: at,
    postingNo: postingNoAfter(r.now),
  };
  r.postings++;
};

/** The net change of a running account since it was read, as one account update. */
const netChange = (r: Running): Change => ({
  balance: r.now.balance - r.read.balance,
  held: 0,
  balanceAfter: r.now.balance,
});

export class BatchLedgerStore extends LedgerWriter {
  /** Posts every transfer of the batch in one transaction, or none of them. */
  transferBatch(req: BatchRequest): Promise<BatchOutcome> {
    // A rejected promise, as every other refusal of this method is, not a throw before it returns one.
    if (req.transfers.length === 0 || req.transfers.length > MAX_BATCH_TRANSFERS)
      return Promise.reject(
        new BankError('validation_failed', `A batch has 1 to ${MAX_BATCH_TRANSFERS} transfers`),
      );
    const batchId = randomUUID();
    const ids = req.transfers.map(() => randomUUID());
    return this.commit<StoredBatch>(req, async (now, contended) => {
      const [from, recipients, spent] = await Promise.all([
        this.debitable(req.user, req.fromAccountId, now),
        this.recipients(
          req.transfers.map((t) => t.toAccountNumber),
          now,
        ),
        this.numbersSpent(req, now),
      ]);
      // The sender itself: a frozen or closed account, or another currency, refuses the whole batch.
      if (from.status !== 'active')
        throw new BankError('account_not_active', 'The account is not active for this operation');
      if (from.currency !== req.currency)
        throw new BankError('currency_mismatch', 'Both accounts must be in the currency of the transfer');
      assertNumbersLeft(spent, req.user, recipients.values());
      // Each transfer by the single-transfer rules (recipient, currency, status, same account).
      const refusals: Refusal[] = [];
      req.transfers.forEach((t, index) => {
        const to = recipients.get(t.toAccountNumber);
        try {
          if (!to) throw new BankError('recipient_not_found', 'No account has that number');
          // The funds and the limit are the totals' to check (below), so here they are made to pass.
          planTransfer({ ...from, balance: t.amount, held: 0 }, to, t.amount, req.currency, t.amount);
        } catch (e) {
          if (!isBankError(e)) throw e;
          refusals.push({ index, code: e.code, message: e.detail });
        }
      });
      if (refusals.length > 0) {
        const unknown = new Set(
          refusals
            .filter((r) => r.code === 'recipient_not_found')
            .map((r) => req.transfers[r.index]?.toAccountNumber),
        );
        if (unknown.size > 0) await this.countUnknown(req, unknown.size, now);
        const which = refusals.map((r) => r.index).join(', ');
        throw new BankError('batch_rejected', `Nothing was posted: transfers ${which} were refused`, {
          refusals,
        });
      }
      // The totals: against what the sender may spend and against its daily limit.
      const total = req.transfers.reduce((s, t) => addMinor(s, t.amount), 0);
      assertFunds(from, total);
      if (total > this.room(from, 'out', now, [...recipients.values()]))
        throw new BankError('daily_limit_exceeded', 'This would exceed your daily outgoing limit');

      const deferred = this.deferredCredits(
        contended,
        [...new Set([...recipients.values()].map((a) => a.id))],
        now,
        from.limitHost,
      );
      const sender: Running = { read: from, now: from, postings: 0 };
      const running = new Map<string, Running>();
      const journals: Journal[] = [];
      const pieces: Piece<Name>[] = [];
      req.transfers.forEach((t, i) => {
        const to = recipients.get(t.toAccountNumber) as AccountRecord;
        const defer = deferred.has(to.id);
        let r = running.get(to.id);
        if (!r) {
          r = { read: to, now: to, postings: 0 };
          // A deferred credit leaves its recipient's account item alone: nothing to write there.
          if (!defer) running.set(to.id, r);
        }
        const plan = planTransfer(sender.now, r.now, t.amount, req.currency, this.opts.dailyLimit);
        const single = this.instant(
          ids[i] as string,
          plan,
          now,
          { ...req, amount: t.amount, description: t.description, metadata: t.metadata },
          { from: [sender.now, t.metadata], to: [r.now] },
          { batchId },
          defer,
        );
        // The journal (with its history entries) and its credit (deferred), each named by its transfer's
        // index (a transaction's cancellation reasons are mapped to its pieces by name); the accounts
        // and the limit are written once, below.
        for (const p of single.pieces)
          if (p.name === 'journal' || p.name === 'credit') pieces.push({ ...p, name: `${p.name}:${i}` });
        journals.push(single.journal);
        const at = single.journal.postedAt as string;
        advance(sender, -t.amount, at);
        if (!defer) advance(r, t.amount, at);
      });
      const last = (r: Running) => r.now.lastPostedAt;
      pieces.push(
        this.accountPiece('from', from, netChange(sender), last(sender), undefined, sender.postings),
      );
      for (const r of running.values())
        pieces.push(
          this.accountPiece(`to:${r.read.id}`, r.read, netChange(r), last(r), undefined, r.postings),
        );
      pieces.push(
        ...this.limitPieces(
          req.user,
          journals[0] as Journal,
          { type: 'transfer', postings: [], changes: new Map(), outgoing: total, released: 0, deposited: 0 },
          now,
          from,
        ),
      );
      return { outcome: { kind: 'batch', id: batchId, journals }, pieces };
    });
  }

  /**
   * The recipients' accounts by number (any owner), in two round trips at most instead of one or two
   * per number (AccountReader.findByNumber): the owners of numbers this instance has not looked up
   * before in one BatchGetItem, then the accounts in another, both strongly consistent. Unknown
   * numbers are absent from the map.
   */
  private async recipients(numbers: readonly string[], now: Date): Promise<Map<string, AccountRecord>> {
    // The owners are kept here, not read back from the instance's cache: the cache may be emptied
    // (it is bounded) by this lookup or by a concurrent request during the await.
    const owners = new Map<string, { ownerId: string; accountId: string }>();
    const unknown: string[] = [];
    for (const n of new Set(numbers)) {
      const o = this.accounts.ownerOf(n);
      if (o) owners.set(n, o);
      else unknown.push(n);
    }
    if (unknown.length > 0) {
      const byPk = new Map(unknown.map((n) => [keys.accountNumber(n).pk, n]));
      for (const item of await this.readAll(unknown.map(keys.accountNumber))) {
        const n = byPk.get(item.pk as string);
        if (!n) continue;
        const o = { ownerId: item.ownerId as string, accountId: item.accountId as string };
        owners.set(n, o);
        this.accounts.remember(n, o);
      }
    }
    const found = new Map<string, AccountRecord>();
    for (const item of await this.readAll(
      [...owners.values()].map((o) => keys.account(o.ownerId, o.accountId)),
    )) {
      // An account written before holds existed is upgraded once, by the single read.
      const a =
        item.available === undefined
          ? await this.accounts.get(item.ownerId as string, item.id as string)
          : toRecord(item, now);
      if (a) found.set(a.number, a);
    }
    return found;
  }

  private async readAll(keys: ItemKey[]): Promise<Record<string, unknown>[]> {
    const items = await getMany(this.db, this.table, keys);
    if (!items) throw busy('The accounts could not be read: retry with the same Idempotency-Key');
    return items;
  }
}
