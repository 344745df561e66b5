import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestTable, dynamoClients } from '../../test/harness.ts';
import { BankError } from '../domain/errors.ts';
import { AccountStore } from './accounts.ts';
import { createDocumentClient, type Db } from './db.ts';
import { IdempotencyStore, type Outcome } from './idempotency.ts';
import { LedgerStore } from './ledger.ts';
import { verifyLedger } from './verify.ts';

const DAILY_LIMIT = 1_000_000;

const storesFor = (db: Db, table: string, opts: { maxAttempts?: number; ledgerDb?: Db } = {}) => {
  const accounts = new AccountStore(db, table);
  const ledgerDb = opts.ledgerDb ?? db;
  const idem = new IdempotencyStore(ledgerDb, table, 3600);
  const ledger = new LedgerStore(ledgerDb, table, accounts, idem, {
    systemShards: 4,
    dailyLimit: DAILY_LIMIT,
    ...(opts.maxAttempts ? { maxAttempts: opts.maxAttempts } : {}),
  });
  return { accounts, ledger };
};

/** A DocumentClient that fails the first `n` TransactWriteItems with `fault`, then behaves. */
const faulty = (db: Db, n: number, fault: () => Error): Db & { injected: number } => {
  let left = n;
  const wrapped = Object.create(db) as Db & { injected: number };
  wrapped.injected = 0;
  wrapped.send = (async (command: { constructor: { name: string } }) => {
    if (command.constructor.name === 'TransactWriteCommand' && left > 0) {
      left--;
      wrapped.injected++;
      throw fault();
    }
    return db.send(command as never);
  }) as Db['send'];
  return wrapped;
};

const cancelled = (reason: string) =>
  Object.assign(new Error('Transaction cancelled'), {
    name: 'TransactionCanceledException',
    CancellationReasons: [{ Code: 'None' }, { Code: reason }, { Code: 'None' }],
  });

let db: Db;
beforeAll(() => {
  db = createDocumentClient(dynamoClients().client);
});

describe('retries (faults DynamoDB Local cannot produce, injected)', () => {
  it.each([
    ['TransactionConflict', () => cancelled('TransactionConflict')],
    ['a throttled item', () => cancelled('ThrottlingError')],
    ['ThrottlingException', () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })],
  ])('retries %s and posts once', async (_, fault) => {
    const table = await createTestTable('retry');
    const flaky = faulty(db, 3, fault);
    const { accounts, ledger } = storesFor(db, table, { ledgerDb: flaky });
    const a = await accounts.open({ ownerId: 'u', type: 'checking', currency: 'USD' });
    const out = await ledger.deposit({
      user: 'u',
      idempotencyKey: 'k',
      fingerprint: 'f',
      accountId: a.id,
      amount: 5,
    });
    expect(out.status).toBe(201);
    expect(flaky.injected).toBe(3);
    expect((await accounts.get('u', a.id))?.balance).toBe(5);
    expect((await verifyLedger(db, table)).journals).toBe(1);
  });

  it('gives up after a bounded number of attempts with 503 and Retry-After, having posted nothing', async () => {
    const table = await createTestTable('retry');
    const flaky = faulty(db, 1000, () => cancelled('TransactionConflict'));
    const { accounts, ledger } = storesFor(db, table, { ledgerDb: flaky, maxAttempts: 4 });
    const a = await accounts.open({ ownerId: 'u', type: 'checking', currency: 'USD' });
    const err = await ledger
      .deposit({ user: 'u', idempotencyKey: 'k', fingerprint: 'f', accountId: a.id, amount: 5 })
      .catch((e: BankError) => e);
    expect(err).toBeInstanceOf(BankError);
    expect((err as BankError).code).toBe('service_unavailable');
    expect((err as BankError).headers?.['retry-after']).toBe('1');
    expect(flaky.injected).toBe(4);
    expect((await accounts.get('u', a.id))?.balance).toBe(0);
  });

  it('does not retry an error that is not transient', async () => {
    const table = await createTestTable('retry');
    const flaky = faulty(db, 1, () => Object.assign(new Error('bad'), { name: 'ValidationException' }));
    const { accounts, ledger } = storesFor(db, table, { ledgerDb: flaky });
    const a = await accounts.open({ ownerId: 'u', type: 'checking', currency: 'USD' });
    await expect(
      ledger.deposit({ user: 'u', idempotencyKey: 'k', fingerprint: 'f', accountId: a.id, amount: 5 }),
    ).rejects.toThrow('bad');
  });
});

// ---------- model-based test ----------

interface Model {
  balances: number[];
  /** key -> fingerprint of the request that first used it */
  keys: Map<string, string>;
  journals: number;
}
interface Real {
  ledger: LedgerStore;
  accounts: AccountStore;
  ids: string[];
  numbers: string[];
  table: string;
}

type Op =
  | { kind: 'deposit'; acct: number; amount: number; key: string }
  | { kind: 'withdraw'; acct: number; amount: number; key: string }
  | { kind: 'transfer'; acct: number; to: number; amount: number; key: string };

const fingerprint = (op: Op) => JSON.stringify({ ...op, key: undefined });

const run = async (r: Real, op: Op): Promise<Outcome | BankError> => {
  const base = { user: 'owner', idempotencyKey: op.key, fingerprint: fingerprint(op), amount: op.amount };
  try {
    if (op.kind === 'deposit')
      return await r.ledger.deposit({ ...base, accountId: r.ids[op.acct] as string });
    if (op.kind === 'withdraw')
      return await r.ledger.withdraw({ ...base, accountId: r.ids[op.acct] as string });
    return await r.ledger.transfer({
      ...base,
      fromAccountId: r.ids[op.acct] as string,
      toAccountNumber: r.numbers[op.to] as string,
      currency: 'USD',
    });
  } catch (e) {
    if (e instanceof BankError) return e;
    throw e;
  }
};

/** Applies a real outcome to the model, checking it was allowed. */
const apply = (m: Model, op: Op, out: Outcome | BankError) => {
  const known = m.keys.get(op.key);
  if (known !== undefined && known !== fingerprint(op)) {
    expect((out as BankError).code).toBe('idempotency_key_reused');
    return;
  }
  if (known !== undefined) {
    // A repeat: must be a replay, never a second posting.
    if (!(out instanceof BankError)) expect(out.replayed).toBe(true);
    return;
  }
  m.keys.set(op.key, fingerprint(op));
  const status = out instanceof BankError ? out.status : out.status;
  if (status !== 201) {
    if (op.kind !== 'deposit') {
      const from = m.balances[op.acct] as number;
      // A decline is only allowed when the model agrees the money was not there (or it is the same account).
      if (op.kind === 'transfer' && op.acct === op.to) return;
      expect(from).toBeLessThan(op.amount);
    }
    return;
  }
  m.journals++;
  if (op.kind === 'deposit') m.balances[op.acct] = (m.balances[op.acct] as number) + op.amount;
  else m.balances[op.acct] = (m.balances[op.acct] as number) - op.amount;
  if (op.kind === 'transfer') m.balances[op.to] = (m.balances[op.to] as number) + op.amount;
};

const check = async (m: Model, r: Real) => {
  for (let i = 0; i < r.ids.length; i++) {
    const a = await r.accounts.get('owner', r.ids[i] as string);
    expect(a?.balance).toBe(m.balances[i]);
    expect(a?.balance).toBeGreaterThanOrEqual(0);
  }
  const report = await verifyLedger(db, r.table);
  expect(report.problems).toEqual([]);
  expect(report.journals).toBe(m.journals);
};

const N = 3;
const acct = fc.integer({ min: 0, max: N - 1 });
const amount = fc.integer({ min: 1, max: 400 });
const keyArb = fc.constantFrom('k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9', 'k10', 'k11', 'k12');
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('deposit' as const), acct, amount, key: keyArb }),
  fc.record({ kind: fc.constant('withdraw' as const), acct, amount, key: keyArb }),
  fc.record({ kind: fc.constant('transfer' as const), acct, to: acct, amount, key: keyArb }),
);

class Single implements fc.AsyncCommand<Model, Real> {
  constructor(readonly op: Op) {}
  check = () => true;
  async run(m: Model, r: Real) {
    apply(m, this.op, await run(r, this.op));
    await check(m, r);
  }
  toString = () => JSON.stringify(this.op);
}

class Batch implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ops: Op[]) {}
  check = () => true;
  async run(m: Model, r: Real) {
    // Distinct keys inside one batch: concurrent duplicates are covered by the key-replay test above.
    const ops = this.ops.map((op, i) => ({ ...op, key: `${op.key}-b${i}-${randomUUID()}` }));
    const outs = await Promise.all(ops.map((op) => run(r, op)));
    // Successes commute, so the model applies them in any order; a decline depends on the order the
    // race took, so it is not judged here: the balance checks below catch any wrong one.
    ops.forEach((op, i) => {
      const out = outs[i] as Outcome | BankError;
      if (!(out instanceof BankError) && out.status === 201) apply(m, op, out);
    });
    ops.forEach((op, i) => {
      const out = outs[i] as Outcome | BankError;
      if (out instanceof BankError || out.status !== 201) m.keys.set(op.key, fingerprint(op));
    });
    await check(m, r);
  }
  toString = () => `batch(${this.ops.map((o) => JSON.stringify(o)).join(', ')})`;
}

class Repeat implements fc.AsyncCommand<Model, Real> {
  constructor(readonly op: Op) {}
  check = (m: Readonly<Model>) => m.keys.has(this.op.key);
  async run(m: Model, r: Real) {
    apply(m, this.op, await run(r, this.op));
    await check(m, r);
  }
  toString = () => `repeat(${JSON.stringify(this.op)})`;
}

describe('model-based: random deposits, withdrawals, transfers, repeats and concurrent batches', () => {
  it('keeps balances equal to the model, journals balanced, nothing negative, each key posted once', async () => {
    const commands = [
      opArb.map((op) => new Single(op)),
      opArb.map((op) => new Repeat(op)),
      fc.array(opArb, { minLength: 2, maxLength: 6 }).map((ops) => new Batch(ops)),
    ];
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 12 }), async (cmds) => {
        const table = await createTestTable('model');
        const stores = storesFor(db, table);
        const opened = [];
        for (let i = 0; i < N; i++)
          opened.push(await stores.accounts.open({ ownerId: 'owner', type: 'checking', currency: 'USD' }));
        const real: Real = {
          ...stores,
          ids: opened.map((a) => a.id),
          numbers: opened.map((a) => a.number),
          table,
        };
        const model: Model = { balances: Array(N).fill(0), keys: new Map(), journals: 0 };
        await fc.asyncModelRun(() => ({ model, real }), cmds);
      }),
      { seed: 20261124, numRuns: 12, endOnFailure: true },
    );
  });
});
