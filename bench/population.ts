/**
 * The bench's customers, made through the API as a user would: register, log in, open accounts and
 * fund one of them. Each customer has one sending account (funded) and receiving accounts that are
 * never debited, so senders and recipients are disjoint pools.
 */
import { decodeJwt } from 'jose';
import type { Account } from '../src/domain/account.ts';
import { type ApiClient, expectStatus } from './client.ts';

export interface BenchAccount extends Account {
  ownerId: string;
}

export interface Customer {
  email: string;
  token: string;
  sub: string;
  sending: BenchAccount;
  receiving: BenchAccount[];
}

export interface Population {
  customers: Customer[];
  /** Every receiving account of every customer. */
  recipients: BenchAccount[];
}

/** Runs `fn` over `items` with at most `parallel` at a time, keeping the order of results. */
export const mapPool = async <T, R>(
  items: readonly T[],
  parallel: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> => {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, lane));
  return out;
};

const PASSWORD = 'Bench-Marks-2026!';

export const createCustomer = async (
  api: ApiClient,
  opts: { runId: string; index: number; accounts: number; funding: number },
): Promise<Customer> => {
  const email = `bench-${opts.runId}-${opts.index}@example.com`;
  expectStatus(
    await api.send('POST', '/v1/auth/register', {
      body: { email, password: PASSWORD, name: `Bench ${opts.index}` },
    }),
    201,
    'register',
  );
  const login = expectStatus(
    await api.send('POST', '/v1/auth/login', { body: { email, password: PASSWORD } }),
    200,
    'login',
  );
  const token = login.body.accessToken as string;
  // Not verified here: the bench only needs to know who it is (the gateway verifies it).
  const sub = String(decodeJwt(token).sub);
  const accounts: BenchAccount[] = [];
  for (let i = 0; i < opts.accounts; i++) {
    const r = expectStatus(
      await api.send('POST', '/v1/accounts', { token, body: { type: 'checking', currency: 'USD' } }),
      201,
      'open account',
    );
    accounts.push({ ...(r.body as Account), ownerId: sub });
  }
  const [sending, ...receiving] = accounts as [BenchAccount, ...BenchAccount[]];
  const funded = expectStatus(
    await api.send('POST', `/v1/accounts/${sending.id}/deposits`, {
      token,
      body: { amount: opts.funding, description: 'bench funding' },
      headers: { 'idempotency-key': `fund-${sending.id}` },
    }),
    201,
    'fund',
  );
  sending.balance = funded.body.balanceAfter;
  return { email, token, sub, sending, receiving };
};

/** A fresh access token for the customer (the one from `createCustomer` lives 5 minutes). */
export const logInAgain = async (api: ApiClient, c: Customer): Promise<void> => {
  const login = expectStatus(
    await api.send('POST', '/v1/auth/login', { body: { email: c.email, password: PASSWORD } }),
    200,
    'login',
  );
  c.token = login.body.accessToken as string;
};

export const createPopulation = async (
  api: ApiClient,
  opts: { runId: string; customers: number; accountsPerCustomer: number; funding: number; parallel: number },
): Promise<Population> => {
  const customers = await mapPool(
    Array.from({ length: opts.customers }, (_, i) => i),
    opts.parallel,
    (index) =>
      createCustomer(api, {
        runId: opts.runId,
        index,
        accounts: opts.accountsPerCustomer,
        funding: opts.funding,
      }),
  );
  return { customers, recipients: customers.flatMap((c) => c.receiving) };
};
