/**
 * Reconciliation: recomputes every balance from the postings and checks the ledger's invariants.
 * Reads the whole table (a Scan), so it is an operator's tool, not a request path.
 *
 * Checks:
 *   - every posted journal's postings sum to zero per currency, and its sides moved its amount;
 *   - every posted journal's postings are exactly what its kind and sides say (placesOf): one debit
 *     and one credit, each for its amount, in its currency, on its side's account or, where it has
 *     no customer side there, on a shard of the system account its kind uses; a side with a
 *     balanceAfter has its posting (a deferred credit not settled yet has none);
 *   - every posting is in its account's currency (a system shard's is in its id);
 *   - every account's balance equals the sum of its postings, and each posting's balanceAfter is the
 *     running sum in version order, listed in that order; each posting has its own seq (the account's
 *     version it made), none beyond the account's stored version (a freeze or close moves the
 *     version without a posting, so seqs may skip), and its numbered postings run 1, 2, 3 … in that
 *     order up to the account's `postingNo` (Party.postingNo: what history readers find gaps by); a
 *     system shard (append-only: no balance
 *     item, see LedgerStore.systemBalance) is the sum of its postings, reported per currency;
 *   - no account's balance or available is negative, and available = balance - held; a closed
 *     account's balance and held are 0;
 *   - an account's held equals the sum of its live pending transfers, and its holds map lists them,
 *     each for its transfer's held amount and until its expiry (what reads count, heldAt);
 *   - no journal's refunds and reversals together exceed it, and its refundedAmount, reversedAmount
 *     and refundable (what is left to give back) agree with them (a refund counts less what staff
 *     reversed of it);
 *   - no hold past its expiry is still counted more than two sweep intervals later;
 *   - every journal's status agrees with its postings and its sender's history entry, and each
 *     side's balanceAfter on a posted journal (the transaction's view) is its posting's;
 *   - deferred credits (hot recipients, ledger-settle.ts): a posted transfer marked `unsettled` has
 *     its sender's posting and exactly one credit item (for its amount, under its recipient), and one
 *     not so marked has none; postings and credit items together sum to zero per journal and per
 *     currency; an account's balance + its unsettled credits = the sum of its postings + the sum of its
 *     credit items (its balance is its postings' sum, its `incoming` its credits' sum); no credit is
 *     still unsettled two sweep intervals after it was written;
 *   - unclaimed funds (ledger-return.ts) paid out by staff (ledger-admin.ts `payUnclaimed`): a payout
 *     is a reversal of an unclaimed transfer, debited on the unclaimed shard the transfer's credit went
 *     to, crediting an account of the transfer's sender or, paid out of the bank (`payoutMethod`: a
 *     cheque, the state), a cash-out shard, for the whole amount; the transfer's
 *     `unclaimedPaidOut` names exactly one payout, and a transfer not so marked has none. A payout is
 *     not counted again as a reversal of the transfer (its amount is in `reversedAmount` already, as
 *     unclaimed). The unclaimed shards of a currency hold what its unclaimed transfers have not been
 *     paid out.
 */
import { type NativeAttributeValue, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Hold } from '../domain/account.ts';
import { isShardOf, type Journal, type Party, type SystemAccount, sumsByCurrency } from '../domain/ledger.ts';
import type { Db } from './db.ts';
import { sideEntries } from './history.ts';

export interface LedgerReport {
  ok: boolean;
  accounts: number;
  systemShards: number;
  journals: number;
  postings: number;
  /** Unsettled credits (hot recipients), not yet in their accounts' balances. */
  credits: number;
  /**
   * Per currency: customer money held (posted balances), money on its way to customers (unsettled
   * credits), funds held for former customers (the unclaimed shards' balances: ledger-return.ts, for
   * staff to pay out), and the sum of all postings and credits (must be 0).
   */
  currencies: Record<
    string,
    { customerBalance: number; incoming: number; unclaimed: number; postingSum: number }
  >;
  problems: string[];
}

export interface VerifyOptions {
  /** The instant the check is made at (tests inject one). */
  now?: Date;
  /** The sweeper's interval: a hold past expiry by more than two of them is a problem. */
  sweepSeconds?: number;
}

interface Leg {
  amount: number;
  currency: string;
  seq?: number;
  postingNo?: number;
  balanceAfter?: number;
  sk: string;
  accountId: string;
  journalId?: string;
}

/** Where one leg of a posted journal must be: a customer account, a shard of a system account, or a side it lacks. */
type Place = { account: string } | { system: SystemAccount } | { missing: 'from' | 'to' };

const placeName = (p: Place): string =>
  'account' in p ? p.account : 'system' in p ? `a ${p.system} shard` : `its ${p.missing} side`;

const isAt = (p: Place, accountId: string): boolean =>
  'account' in p ? accountId === p.account : 'system' in p && isShardOf(p.system, accountId);

/**
 * Where a posted journal's debit and its credit must be, as the writers make each kind
 * (ledger.ts, ledger-admin.ts, ledger-return.ts, ledger-settle.ts, ledger-batch.ts):
 *   - deposit, teller deposit: a cash-in shard -> `to`;
 *   - withdrawal, teller withdrawal: `from` -> a cash-out shard;
 *   - transfer (instant, in a batch, a pending one posted in full or in part, deferred: its credit
 *     item until settled, then its posting): `from` -> `to`; once returned (`returned`, its recipient
 *     closed) `from` -> a returns shard, or an unclaimed shard (`unclaimed`, its sender closed too);
 *   - refund: `from` (the refunder) -> `to` (the original's sender);
 *   - reversal: `from` (the side the original credited), or a cash-out shard (a withdrawal reversed)
 *     or a returns shard (a return, ledger-return.ts), or an unclaimed shard (a payout of unclaimed
 *     funds, ledger-admin.ts) -> `to` (the side it debited, or for a payout an account of its sender),
 *     or a cash-in shard (a deposit reversed), or a cash-out shard (a payout out of the bank).
 * `extra`: a side the kind never has.
 */
const placesOf = (
  j: Journal,
  original: Journal | undefined,
): { debit: Place; credit: Place; extra?: 'from' | 'to' } => {
  const side = (name: 'from' | 'to', p: Party | undefined): Place =>
    p ? { account: p.accountId } : { missing: name };
  switch (j.type) {
    case 'deposit':
      return { debit: { system: 'cash-in' }, credit: side('to', j.to), ...(j.from ? { extra: 'from' } : {}) };
    case 'withdrawal':
      return {
        debit: side('from', j.from),
        credit: { system: 'cash-out' },
        ...(j.to ? { extra: 'to' } : {}),
      };
    case 'reversal':
      return {
        debit: j.from
          ? side('from', j.from)
          : { system: original?.unclaimed ? 'unclaimed' : original?.returned ? 'returns' : 'cash-out' },
        credit: j.to ? side('to', j.to) : { system: original?.unclaimed ? 'cash-out' : 'cash-in' },
      };
    default:
      return {
        debit: side('from', j.from),
        credit:
          j.type === 'transfer' && j.returned
            ? { system: j.unclaimed ? 'unclaimed' : 'returns' }
            : side('to', j.to),
      };
  }
};

interface StoredAccount {
  version: number;
  postingNo: number;
  balance: number;
  held: number;
  available: number;
  currency: string;
  holds: Record<string, Hold>;
  closed: boolean;
}

export const verifyLedger = async (
  db: Db,
  table: string,
  opts: VerifyOptions = {},
): Promise<LedgerReport> => {
  const now = opts.now ?? new Date();
  const sweepMs = (opts.sweepSeconds ?? 5) * 1000;
  const accounts = new Map<string, StoredAccount>();
  /** System shards seen in postings (`system: true`), with their postings' sum. */
  const shards = new Map<string, { balance: number; currency: string }>();
  const postingsBy = new Map<string, Leg[]>();
  const legsOf = new Map<string, Leg[]>();
  const entries = new Map<string, { status: string; amount: number }>();
  /** Unsettled credits by journal id. */
  const credits = new Map<string, Leg & { createdAt: string }>();
  const journals = new Map<string, Journal & { refundable?: number }>();
  let postings = 0;
  const problems: string[] = [];

  /** A posting: a posting item, or a journal's side in a history index. */
  const posting = (item: Record<string, NativeAttributeValue>) => {
    postings++;
    const leg: Leg = {
      amount: item.amount,
      currency: item.currency,
      seq: item.seq,
      ...(typeof item.postingNo === 'number' ? { postingNo: item.postingNo } : {}),
      balanceAfter: item.balanceAfter,
      sk: item.sk,
      accountId: item.accountId,
      journalId: item.journalId,
    };
    postingsBy.set(item.accountId, [...(postingsBy.get(item.accountId) ?? []), leg]);
    if (item.system) {
      const shard = shards.get(item.accountId) ?? { balance: 0, currency: item.currency };
      shards.set(item.accountId, { ...shard, balance: shard.balance + item.amount });
    }
    legsOf.set(item.journalId, [...(legsOf.get(item.journalId) ?? []), leg]);
  };

  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    for (const item of page.Items ?? []) {
      if (item.entity === 'account') {
        accounts.set(item.id, {
          version: item.version ?? 0,
          postingNo: item.postingNo ?? 0,
          balance: item.balance,
          held: item.held ?? 0,
          available: item.available ?? item.balance,
          currency: item.currency,
          holds: item.holds ?? {},
          closed: item.status === 'closed',
        });
      } else if (item.entity === 'journal') {
        journals.set(item.id, item as Journal);
        // Its history entries in the indexes (store/history.ts), read off the item itself.
        for (const entry of sideEntries(item)) posting(entry);
      } else if (item.entity === 'credit') {
        if (credits.has(item.journalId)) problems.push(`journal ${item.journalId} has two credit items`);
        credits.set(item.journalId, {
          amount: item.amount,
          currency: item.currency,
          sk: item.sk,
          accountId: item.accountId,
          createdAt: item.createdAt,
        });
      } else if (item.entity === 'hold') {
        entries.set(item.journalId, { status: item.status, amount: item.amount });
      } else if (item.entity === 'posting') {
        posting(item);
      }
    }
    start = page.LastEvaluatedKey;
  } while (start);

  // Journals: status agrees with postings and history entries; posted ones balance.
  const liveHeld = new Map<string, Map<string, number>>();
  /** A transfer's refunds, by the transfer's id. */
  const refundsOf = new Map<string, Journal[]>();
  const reversals = new Map<string, number>();
  /** Payouts of unclaimed funds, by the transfer they pay out. */
  const payouts = new Map<string, Journal[]>();
  for (const [id, j] of journals) {
    const posted = legsOf.get(id) ?? [];
    const credit = credits.get(id);
    // An unsettled credit stands for its recipient's posting until the settler writes it.
    const legs = credit ? [...posted, credit] : posted;
    const entry = entries.get(id);
    if (j.unsettled) {
      if (!credit) problems.push(`journal ${id} is unsettled but has no credit item`);
      else if (credit.accountId !== j.to?.accountId)
        problems.push(
          `journal ${id} credits ${j.to?.accountId} but its credit item is under ${credit.accountId}`,
        );
      if (posted.length !== 1)
        problems.push(`journal ${id} is unsettled with ${posted.length} posting(s), not its sender's one`);
      if (j.to?.balanceAfter !== undefined)
        problems.push(`journal ${id} is unsettled but its recipient side has a balanceAfter`);
    } else if (credit) {
      problems.push(`journal ${id} is settled but its credit item is still there`);
    }
    if (credit && Date.parse(credit.createdAt) + 2 * sweepMs < now.getTime())
      problems.push(`journal ${id}'s credit of ${credit.createdAt} is still unsettled`);
    if (j.status === 'posted') {
      if (legs.length < 2) problems.push(`journal ${id} is posted with ${legs.length} posting(s)`);
      for (const [currency, sum] of sumsByCurrency(legs)) {
        if (sum !== 0) problems.push(`journal ${id} sums to ${sum} ${currency}`);
      }
      if (legs.length > 0) {
        // Its postings are exactly what its kind and its sides say: all its debits together moved its
        // amount, one debit and one credit, each where placesOf puts it, in the journal's currency.
        const moved = -legs.reduce((s, l) => s + Math.min(l.amount, 0), 0);
        if (moved !== j.amount) problems.push(`journal ${id} is for ${j.amount} but moved ${moved}`);
        const places = placesOf(j, j.reverses ? journals.get(j.reverses) : undefined);
        if (places.extra) problems.push(`journal ${id} is a ${j.type} with a ${places.extra} side`);
        if (j.type === 'reversal' && !j.from && !j.to && !j.payoutMethod)
          problems.push(`journal ${id} is a reversal with no customer side`);
        for (const [what, place, some] of [
          ['debit', places.debit, legs.filter((l) => l.amount < 0)],
          ['credit', places.credit, legs.filter((l) => l.amount > 0)],
        ] as const) {
          if ('missing' in place) {
            problems.push(`journal ${id} (${j.type}) has no ${place.missing} side for its ${what}`);
            continue;
          }
          if (some.length !== 1)
            problems.push(
              `journal ${id} (${j.type}) has ${some.length} ${what}s (${some.map((l) => `${l.amount} on ${l.accountId}`).join(', ')}), expected one on ${placeName(place)}`,
            );
          for (const l of some)
            if (!isAt(place, l.accountId))
              problems.push(
                `journal ${id} (${j.type}) ${what}s ${l.accountId}, expected ${placeName(place)}`,
              );
        }
        for (const l of legs) {
          if (l.amount === 0) problems.push(`journal ${id} has a posting of 0 on ${l.accountId}`);
          if (j.currency !== undefined && l.currency !== j.currency)
            problems.push(
              `journal ${id} is in ${j.currency} but its posting on ${l.accountId} is in ${l.currency}`,
            );
        }
      }
      if (entry) problems.push(`journal ${id} is posted but its pending history entry is still there`);
      // Each side's balanceAfter (what the API shows on the transaction) is its posting's.
      for (const [side, p] of [
        ['from', j.from],
        ['to', j.to],
      ] as const) {
        if (p?.balanceAfter === undefined) continue;
        const leg = posted.find((l) => l.accountId === p.accountId && l.amount < 0 === (side === 'from'));
        // A side that says what its balance became has the posting that made it (an unsettled
        // recipient's balanceAfter is reported above).
        if (!leg) {
          if (!(j.unsettled && side === 'to'))
            problems.push(
              `journal ${id} says ${side}.balanceAfter ${p.balanceAfter} but has no ${side === 'from' ? 'debit' : 'credit'} posting on ${p.accountId}`,
            );
        } else if (leg.balanceAfter !== p.balanceAfter)
          problems.push(
            `journal ${id} says ${side}.balanceAfter ${p.balanceAfter}, its posting ${leg.balanceAfter}`,
          );
      }
    } else {
      if (legs.length > 0) problems.push(`journal ${id} is ${j.status} but has ${legs.length} posting(s)`);
      if (!entry) problems.push(`journal ${id} is ${j.status} but its sender has no history entry for it`);
      else if (entry.status !== j.status)
        problems.push(`journal ${id} is ${j.status} but its history entry says ${entry.status}`);
    }
    if (j.status === 'pending' && j.from) {
      const held = liveHeld.get(j.from.accountId) ?? new Map<string, number>();
      held.set(id, j.heldAmount ?? j.amount);
      liveHeld.set(j.from.accountId, held);
      if (j.expiresAt && Date.parse(j.expiresAt) + 2 * sweepMs < now.getTime()) {
        problems.push(`journal ${id} expired at ${j.expiresAt} but its hold is still counted`);
      }
    }
    if (j.refundOf) refundsOf.set(j.refundOf, [...(refundsOf.get(j.refundOf) ?? []), j]);
    // A payout of unclaimed funds is checked against its transfer below, not summed as a reversal: the
    // transfer's reversedAmount already counts its whole amount as given back (to the unclaimed shard).
    if (j.reverses && j.type === 'reversal' && journals.get(j.reverses)?.unclaimed)
      payouts.set(j.reverses, [...(payouts.get(j.reverses) ?? []), j]);
    else {
      if (j.reverses) reversals.set(j.reverses, (reversals.get(j.reverses) ?? 0) + j.amount);
      if (j.payoutMethod) problems.push(`${j.type} ${id} says payoutMethod but pays out no unclaimed funds`);
    }
  }
  for (const id of legsOf.keys()) if (!journals.has(id)) problems.push(`postings for unknown journal ${id}`);
  for (const id of credits.keys())
    if (!journals.has(id)) problems.push(`credit item for unknown journal ${id}`);
  for (const id of entries.keys())
    if (!journals.has(id)) problems.push(`history entry for unknown journal ${id}`);

  // Refunds and reversals together never exceed their original.
  for (const [id, j] of journals) {
    if (j.status !== 'posted') continue;
    // What its refunds gave back, less what staff reversed of them (taken back from the sender again).
    const refunded = (refundsOf.get(id) ?? []).reduce(
      (sum, r) => sum + r.amount - (reversals.get(r.id) ?? 0),
      0,
    );
    // Unclaimed funds (ledger-return.ts) are given back whole, with no reversal journal: to an
    // unclaimed shard, for the sender.
    const reversed = (reversals.get(id) ?? 0) + (j.unclaimed ? j.amount : 0);
    if (refunded + reversed > j.amount)
      problems.push(
        `${j.type} ${id} of ${j.amount} was refunded ${refunded}${reversed ? ` and reversed ${reversed}` : ''}`,
      );
    if (j.type === 'transfer' && (j.refundedAmount ?? 0) !== refunded)
      problems.push(
        `transfer ${id} says refundedAmount ${j.refundedAmount ?? 0}, its refunds sum to ${refunded}`,
      );
    if ((j.reversedAmount ?? 0) !== reversed)
      problems.push(
        `${j.type} ${id} says reversedAmount ${j.reversedAmount ?? 0}, its reversals sum to ${reversed}`,
      );
    if (j.refundable !== undefined && j.refundable !== j.amount - refunded - reversed)
      problems.push(
        `${j.type} ${id} says refundable ${j.refundable}, expected ${j.amount - refunded - reversed}`,
      );
  }
  // Unclaimed funds are paid out whole, once, to their sender, from the shard that holds them.
  const unpaid = new Map<string, number>();
  for (const [id, j] of journals) {
    const paid = payouts.get(id) ?? [];
    if (j.unclaimedPaidOut !== undefined && !j.unclaimed)
      problems.push(`${j.type} ${id} says unclaimedPaidOut but is not unclaimed funds`);
    if (!j.unclaimed || j.status !== 'posted') continue;
    if (j.unclaimedPaidOut === undefined) {
      unpaid.set(j.currency, (unpaid.get(j.currency) ?? 0) + j.amount);
      for (const p of paid)
        problems.push(`unclaimed transfer ${id} is not marked paid out, but ${p.id} pays it`);
      continue;
    }
    const payout = paid.find((p) => p.id === j.unclaimedPaidOut);
    if (!payout)
      problems.push(`unclaimed transfer ${id} says paid out by ${j.unclaimedPaidOut}, no such payout`);
    for (const p of paid)
      if (p.id !== j.unclaimedPaidOut) problems.push(`unclaimed transfer ${id} is paid out again by ${p.id}`);
    if (!payout) continue;
    if (payout.status !== 'posted' || payout.amount !== j.amount)
      problems.push(
        `unclaimed transfer ${id} of ${j.amount} is paid out ${payout.amount} (${payout.status}) by ${payout.id}`,
      );
    // To an account of the sender, or out of the bank (a cheque, the state: placesOf puts its credit on
    // a cash-out shard), never both.
    if (payout.to ? payout.to.ownerId !== j.from?.ownerId || payout.payoutMethod : !payout.payoutMethod)
      problems.push(
        `unclaimed transfer ${id} of ${j.from?.ownerId} is paid out to ${payout.to?.ownerId ?? 'no one'}${payout.payoutMethod ? ` (${payout.payoutMethod})` : ''} by ${payout.id}`,
      );
    // The sender's view says how it left the bank: what the payout says.
    if (j.unclaimedPaidOutBy !== payout.payoutMethod)
      problems.push(
        `unclaimed transfer ${id} says paid out by ${j.unclaimedPaidOutBy ?? 'an account'}, but ${payout.id} pays ${payout.payoutMethod ?? 'an account'}`,
      );
    // From the shard that holds it: the shard the transfer's credit went to.
    const on = (legsOf.get(id) ?? []).find((l) => l.amount > 0)?.accountId;
    const from = (legsOf.get(payout.id) ?? []).find((l) => l.amount < 0)?.accountId;
    if (on !== from)
      problems.push(`unclaimed transfer ${id} is held on ${on} but paid out of ${from} by ${payout.id}`);
  }
  // What the unclaimed shards hold, per currency (also reported: `currencies.<cur>.unclaimed`).
  const unclaimedHeld = sumsByCurrency(
    [...shards]
      .filter(([id]) => isShardOf('unclaimed', id))
      .map(([, shard]) => ({ amount: shard.balance, currency: shard.currency })),
  );
  for (const currency of new Set([...unclaimedHeld.keys(), ...unpaid.keys()]))
    if ((unclaimedHeld.get(currency) ?? 0) !== (unpaid.get(currency) ?? 0))
      problems.push(
        `unclaimed shards hold ${unclaimedHeld.get(currency) ?? 0} ${currency}, unclaimed transfers not paid out ${unpaid.get(currency) ?? 0}`,
      );
  for (const original of refundsOf.keys())
    if (!journals.has(original)) problems.push(`refund of unknown transfer ${original}`);
  for (const original of reversals.keys())
    if (!journals.has(original)) problems.push(`reversal of unknown transaction ${original}`);

  const check = (id: string, balance: number, kind: string) => {
    const legs = postingsBy.get(id) ?? [];
    const sum = legs.reduce((s, l) => s + l.amount, 0);
    if (sum !== balance) problems.push(`${kind} ${id} balance ${balance} but its postings sum to ${sum}`);
    return legs;
  };
  for (const [id, a] of accounts) {
    if (a.balance < 0) problems.push(`account ${id} is negative: ${a.balance}`);
    // An account closes with nothing in it and takes nothing after (close, ledger-return.ts): money
    // in a closed one reaches no one.
    if (a.closed && (a.balance !== 0 || a.held !== 0))
      problems.push(
        `account ${id} is closed but holds ${a.balance} (held ${a.held}): money kept from its owner`,
      );
    if (a.available < 0) problems.push(`account ${id} available is negative: ${a.available}`);
    if (a.available !== a.balance - a.held)
      problems.push(`account ${id} available ${a.available} is not balance ${a.balance} - held ${a.held}`);
    const pending = liveHeld.get(id) ?? new Map<string, number>();
    const pendingSum = [...pending.values()].reduce((s, v) => s + v, 0);
    if (a.held !== pendingSum)
      problems.push(`account ${id} held ${a.held} but its pending transfers sum to ${pendingSum}`);
    const mapped = Object.keys(a.holds).sort().join(',');
    if (mapped !== [...pending.keys()].sort().join(','))
      problems.push(
        `account ${id} lists holds [${mapped}] but its pending transfers are [${[...pending.keys()].join(',')}]`,
      );
    // Reads count an account's holds from its map (heldAt: each hold's amount until its expiry), the
    // stored `held` and releases from the journals: the two must say the same.
    for (const [jid, h] of Object.entries(a.holds)) {
      const amount = pending.get(jid);
      if (amount !== undefined && h.amount !== amount)
        problems.push(`account ${id} holds ${h.amount} for ${jid}, its pending transfer ${amount}`);
      const expiresAt = journals.get(jid)?.expiresAt;
      if (amount !== undefined && h.expiresAt !== expiresAt)
        problems.push(
          `account ${id} holds ${jid} until ${h.expiresAt}, its pending transfer until ${expiresAt}`,
        );
    }
    // Each posting's balanceAfter must equal the running sum in version order, and the history's
    // order (the sort key, by time) must be that same order.
    let running = 0;
    let previousSk = '';
    let previousSeq = 0;
    let previousNo = 0;
    for (const leg of postingsBy.get(id) ?? [])
      if (leg.currency !== a.currency)
        problems.push(
          `account ${id} posting seq ${leg.seq} (journal ${leg.journalId}) is in ${leg.currency}, its account in ${a.currency}`,
        );
    // (Two postings with one seq, itself a problem, are taken in history order: the report does not
    // depend on the order the Scan met them in.)
    const inOrder = (x: Leg, y: Leg) =>
      (x.seq ?? 0) - (y.seq ?? 0) || (x.sk < y.sk ? -1 : x.sk > y.sk ? 1 : 0);
    for (const leg of check(id, a.balance, 'account').sort(inOrder)) {
      running += leg.amount;
      if (leg.seq === undefined) problems.push(`account ${id} has a posting without seq`);
      else if (leg.seq === previousSeq) problems.push(`account ${id} has two postings with seq ${leg.seq}`);
      previousSeq = leg.seq ?? previousSeq;
      // Numbered postings (those made since numbers were kept) run 1, 2, 3 … in version order.
      if (leg.postingNo !== undefined) {
        if (leg.postingNo !== previousNo + 1)
          problems.push(
            `account ${id} posting seq ${leg.seq} is numbered ${leg.postingNo}, after ${previousNo}`,
          );
        previousNo = leg.postingNo;
      }
      if (leg.sk <= previousSk)
        problems.push(`account ${id} posting seq ${leg.seq} is listed before an earlier one`);
      previousSk = leg.sk;
      if (leg.balanceAfter !== running) {
        problems.push(
          `account ${id} posting seq ${leg.seq} says balanceAfter ${leg.balanceAfter}, running sum ${running}`,
        );
      }
    }
    if (previousSeq > a.version)
      problems.push(`account ${id} has a posting seq ${previousSeq} beyond its version ${a.version}`);
    if (previousNo !== a.postingNo)
      problems.push(
        `account ${id} numbers its last posting ${a.postingNo}, its postings end at ${previousNo}`,
      );
  }
  for (const [id, legs] of postingsBy) {
    if (!accounts.has(id) && !shards.has(id)) problems.push(`postings for unknown account ${id}`);
    // A system shard's currency is in its id (systemShardId: `cash-in#USD#07`).
    if (!accounts.has(id) && shards.has(id))
      for (const leg of legs)
        if (leg.currency !== id.split('#')[1])
          problems.push(`system shard ${id} has a posting in ${leg.currency} (journal ${leg.journalId})`);
  }
  // A return (ledger-return.ts) puts the money on its returns shard and takes it off again in one
  // transaction: a returns shard that holds anything kept money that reached no one.
  for (const [id, shard] of shards)
    if (isShardOf('returns', id) && shard.balance !== 0)
      problems.push(`returns shard ${id} holds ${shard.balance}: money returned to no one`);
  for (const [id, c] of credits) {
    const a = accounts.get(c.accountId);
    if (!a) problems.push(`credit ${id} for unknown account ${c.accountId}`);
    else if (a.currency !== c.currency)
      problems.push(`credit ${id} is in ${c.currency}, its account ${c.accountId} in ${a.currency}`);
    if (c.amount <= 0) problems.push(`credit ${id} is for ${c.amount}`);
  }

  const currencies: LedgerReport['currencies'] = {};
  const pending = [...credits.values()];
  const all = [...[...postingsBy.values()].flat(), ...pending];
  for (const [currency, postingSum] of sumsByCurrency(all)) {
    const customerBalance = [...accounts.values()]
      .filter((a) => a.currency === currency)
      .reduce((s, a) => s + a.balance, 0);
    const incoming = pending.filter((c) => c.currency === currency).reduce((s, c) => s + c.amount, 0);
    currencies[currency] = {
      customerBalance,
      incoming,
      unclaimed: unclaimedHeld.get(currency) ?? 0,
      postingSum,
    };
    if (postingSum !== 0)
      problems.push(
        `postings in ${currency} sum to ${postingSum}${incoming ? ` (unsettled credits included)` : ''}`,
      );
  }
  return {
    ok: problems.length === 0,
    accounts: accounts.size,
    systemShards: shards.size,
    journals: journals.size,
    postings,
    credits: credits.size,
    currencies,
    problems,
  };
};
