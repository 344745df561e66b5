/**
 * The load scenarios. Workers never share a sending account (worker w of c sends from the customers
 * i with i % c == w, in turn), so the only contention is the one a scenario means to create:
 *   uniform        transfers to receiving accounts drawn at random from the whole pool
 *   hot-recipient  transfers all into one receiving account
 *   deposits       deposits into the workers' own accounts: all meet on the cash-in system shards
 * The raw ceiling (raw.ts) picks the same accounts in the same way.
 */
import type { Db } from '../src/store/db.ts';
import type { ApiClient, Reply } from './client.ts';
import type { Operation, OpResult } from './load.ts';
import type { BenchAccount, Customer, Population } from './population.ts';
import { RAW_TABLE, rawTransfer } from './raw.ts';
import type { Posted } from './settlement.ts';
import { seededRandom } from './stats.ts';

export type Scenario = 'uniform' | 'hot-recipient' | 'deposits';

/** The customers worker `w` of `c` sends from. */
export const sendersOf = (customers: readonly Customer[], w: number, c: number): Customer[] =>
  customers.filter((_, i) => i % c === w);

interface Pick {
  sender: Customer;
  recipient: BenchAccount;
  amount: number;
}

/** For each worker, a seeded sequence of (sender, recipient, amount). */
export const picker = (pop: Population, scenario: Scenario, concurrency: number, seed: number) => {
  if (pop.customers.length < concurrency) {
    throw new Error(`${concurrency} workers need at least ${concurrency} customers`);
  }
  const own = Array.from({ length: concurrency }, (_, w) => sendersOf(pop.customers, w, concurrency));
  const random = Array.from({ length: concurrency }, (_, w) => seededRandom(seed * 1000 + w));
  return (w: number, seq: number): Pick => {
    const mine = own[w] as Customer[];
    const rand = random[w] as () => number;
    const sender = mine[seq % mine.length] as Customer;
    const recipient =
      scenario === 'hot-recipient'
        ? (pop.recipients[0] as BenchAccount)
        : (pop.recipients[Math.floor(rand() * pop.recipients.length)] as BenchAccount);
    return { sender, recipient, amount: 1 + Math.floor(rand() * 100) };
  };
};

/** 201 is success; a 422 is an allowed decline; anything else is an error. */
export const outcomeOf = (r: Reply): OpResult => {
  const code = typeof r.body === 'object' && r.body ? (r.body.code ?? r.body.message) : undefined;
  const outcome = code ? `${r.status} ${code}` : String(r.status);
  if (r.status === 201) return { ok: true, outcome };
  return { ok: false, outcome, expected: r.status === 422 };
};

/** The scenario through the local gateway: JWT, validation, idempotency and the ledger. */
export const stackOperation = (
  api: ApiClient,
  pop: Population,
  scenario: Scenario,
  concurrency: number,
  keyPrefix: string,
  seed: number,
  /** Receives each transfer posted (201) and when its answer arrived, when given. */
  posted?: Posted[],
): Operation => {
  const next = picker(pop, scenario, concurrency, seed);
  return async (w, seq) => {
    const { sender, recipient, amount } = next(w, seq);
    const headers = { 'idempotency-key': `${keyPrefix}-${w}-${seq}` };
    const r =
      scenario === 'deposits'
        ? await api.send('POST', `/v1/accounts/${sender.sending.id}/deposits`, {
            token: sender.token,
            body: { amount },
            headers,
          })
        : await api.send('POST', '/v1/transfers', {
            token: sender.token,
            body: {
              fromAccountId: sender.sending.id,
              toAccountNumber: recipient.number,
              amount,
              currency: sender.sending.currency,
            },
            headers,
          });
    if (r.status === 201 && typeof r.body?.id === 'string')
      posted?.push({ id: r.body.id, answeredAt: Date.now() });
    return outcomeOf(r);
  };
};

/** The same transfers as raw TransactWriteItems from this process. */
export const rawOperation = (
  doc: Db,
  pop: Population,
  scenario: Exclude<Scenario, 'deposits'>,
  concurrency: number,
  seed: number,
): Operation => {
  const next = picker(pop, scenario, concurrency, seed);
  return (w, seq) => {
    const { sender, recipient, amount } = next(w, seq);
    return rawTransfer(doc, RAW_TABLE, sender.sending, recipient, amount);
  };
};

/** The handler's own durations (its `request` log lines) for a route, from a slice of the stack's log. */
export const handlerDurations = (log: string, route: string): number[] =>
  logEntries(log, 'request')
    .filter((e) => e.route === route && typeof e.durationMs === 'number')
    .map((e) => e.durationMs as number);

/** The JSON log lines (Powertools') of a slice of the stack's output whose message is `message`, in order. */
export const logEntries = (log: string, message: string): Record<string, unknown>[] => {
  const out: Record<string, unknown>[] = [];
  for (const line of log.split('\n')) {
    if (!line.startsWith('{') || !line.includes(`"${message}"`)) continue;
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry.message === message) out.push(entry);
    } catch {
      // not a log line of ours
    }
  }
  return out;
};

/** Bulk payments measured: how many transfers a batch carries (the "bulk payment of 20"). */
export const BULK_SIZE = 20;

/**
 * One sender (the first customer) paying the first BULK_SIZE receiving accounts: as one bulk payment
 * per operation (`batch`), or one single transfer per operation, to each recipient in turn (`single`).
 */
export const bulkOperation = (
  api: ApiClient,
  pop: Population,
  mode: 'batch' | 'single',
  keyPrefix: string,
): Operation => {
  const sender = pop.customers[0] as Customer;
  const recipients = pop.recipients.slice(0, BULK_SIZE);
  return async (w, seq) => {
    const headers = { 'idempotency-key': `${keyPrefix}-${w}-${seq}` };
    const base = { fromAccountId: sender.sending.id, currency: sender.sending.currency };
    const r =
      mode === 'batch'
        ? await api.send('POST', '/v1/transfers/batch', {
            token: sender.token,
            body: { ...base, transfers: recipients.map((to) => ({ toAccountNumber: to.number, amount: 1 })) },
            headers,
          })
        : await api.send('POST', '/v1/transfers', {
            token: sender.token,
            body: {
              ...base,
              toAccountNumber: (recipients[seq % recipients.length] as BenchAccount).number,
              amount: 1,
            },
            headers,
          });
    return outcomeOf(r);
  };
};
