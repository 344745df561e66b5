/**
 * Reconciliation: recomputes every balance from the postings and checks the ledger's invariants.
 * Reads the whole table (a Scan), so it is an operator's tool, not a request path.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { sumsByCurrency } from '../domain/ledger.ts';
import type { Db } from './db.ts';

export interface LedgerReport {
  ok: boolean;
  accounts: number;
  systemShards: number;
  journals: number;
  postings: number;
  /** Per currency: customer money held, and the sum of all postings (must be 0). */
  currencies: Record<string, { customerBalance: number; postingSum: number }>;
  problems: string[];
}

export const verifyLedger = async (db: Db, table: string): Promise<LedgerReport> => {
  const accounts = new Map<string, { balance: number; currency: string; version: number }>();
  const shards = new Map<string, { balance: number; currency: string }>();
  const postingsBy = new Map<
    string,
    { amount: number; currency: string; seq?: number; balanceAfter?: number; sk: string }[]
  >();
  const journals = new Map<string, { amount: number; currency: string }[]>();
  let postings = 0;

  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    for (const item of page.Items ?? []) {
      if (item.entity === 'account') {
        accounts.set(item.id, { balance: item.balance, currency: item.currency, version: item.version });
      } else if (item.entity === 'system') {
        shards.set(String(item.pk).slice('SYSTEM#'.length), {
          balance: item.balance,
          currency: item.currency,
        });
      } else if (item.entity === 'posting') {
        postings++;
        const leg = {
          amount: item.amount,
          currency: item.currency,
          seq: item.seq,
          balanceAfter: item.balanceAfter,
          sk: item.sk,
        };
        postingsBy.set(item.accountId, [...(postingsBy.get(item.accountId) ?? []), leg]);
        const txId = item.journal?.txId as string;
        journals.set(txId, [...(journals.get(txId) ?? []), leg]);
      }
    }
    start = page.LastEvaluatedKey;
  } while (start);

  const problems: string[] = [];
  for (const [txId, legs] of journals) {
    for (const [currency, sum] of sumsByCurrency(legs)) {
      if (sum !== 0) problems.push(`journal ${txId} sums to ${sum} ${currency}`);
    }
    if (legs.length < 2) problems.push(`journal ${txId} has ${legs.length} posting(s)`);
  }
  const check = (id: string, balance: number, kind: string) => {
    const legs = postingsBy.get(id) ?? [];
    const sum = legs.reduce((s, l) => s + l.amount, 0);
    if (sum !== balance) problems.push(`${kind} ${id} balance ${balance} but its postings sum to ${sum}`);
    return legs;
  };
  for (const [id, a] of accounts) {
    if (a.balance < 0) problems.push(`account ${id} is negative: ${a.balance}`);
    // Each posting's balanceAfter must equal the running sum in version order, and the history's
    // order (the sort key, by time) must be that same order.
    let running = 0;
    let previousSk = '';
    for (const leg of check(id, a.balance, 'account').sort((x, y) => (x.seq ?? 0) - (y.seq ?? 0))) {
      running += leg.amount;
      if (leg.sk <= previousSk)
        problems.push(`account ${id} posting seq ${leg.seq} is listed before an earlier one`);
      previousSk = leg.sk;
      if (leg.balanceAfter !== running) {
        problems.push(
          `account ${id} posting seq ${leg.seq} says balanceAfter ${leg.balanceAfter}, running sum ${running}`,
        );
      }
    }
  }
  for (const [id, s] of shards) check(id, s.balance, 'system shard');
  for (const id of postingsBy.keys()) {
    if (!accounts.has(id) && !shards.has(id)) problems.push(`postings for unknown account ${id}`);
  }

  const currencies: LedgerReport['currencies'] = {};
  const all = [...postingsBy.values()].flat();
  for (const [currency, postingSum] of sumsByCurrency(all)) {
    const customerBalance = [...accounts.values()]
      .filter((a) => a.currency === currency)
      .reduce((s, a) => s + a.balance, 0);
    currencies[currency] = { customerBalance, postingSum };
    if (postingSum !== 0) problems.push(`postings in ${currency} sum to ${postingSum}`);
  }
  return {
    ok: problems.length === 0,
    accounts: accounts.size,
    systemShards: shards.size,
    journals: journals.size,
    postings,
    currencies,
    problems,
  };
};
