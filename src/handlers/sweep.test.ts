/**
 * The scheduled sweep handler on DynamoDB Local, with a fault DynamoDB Local cannot produce injected
 * into the handlers' own client: a failure in the expiry pass must not stop the rest of it, nor the
 * settlement of credits, and the run must still fail so that the function's Errors alarm sees it.
 * The handler runs as the sweep function (`sweep()`: the offline IAM, src/local/iam.ts, as the local
 * stack's scheduler runs it), so a write outside its `writePartitions` (src/functions.ts) is refused
 * and fails its run here, as it would on AWS.
 */
import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestTable, dynamoClients, useHandlerEnv } from '../../test/harness.ts';
import { openedBeforeHosts } from '../../test/legacy.ts';
import { logger } from '../api/logger.ts';
import { config } from '../config.ts';
import { MAX_LIVE_HOLDS } from '../domain/account.ts';
import { runAs } from '../local/iam.ts';
import { AccountStore } from '../store/accounts.ts';
import { createDocumentClient, type Db } from '../store/db.ts';
import { IdempotencyStore } from '../store/idempotency.ts';
import { LedgerStore } from '../store/ledger.ts';
import { CREDIT_LEFT_UNSETTLED } from '../store/ledger-settle.ts';
import { verifyLedger } from '../store/verify.ts';
import { db as handlersDb, settler as handlersSettler } from './context.ts';
import { handler } from './sweep.ts';

let table: string;
let doc: Db;
beforeAll(async () => {
  table = await createTestTable('sweep');
  useHandlerEnv({ TABLE_NAME: table });
  doc = createDocumentClient(dynamoClients().client);
});
afterEach(() => {
  vi.restoreAllMocks();
});

const event = { id: 'test-sweep' } as ScheduledEvent;
/** One run of the handler as the sweep function, under its offline IAM. */
const sweep = () => runAs('sweep', () => handler(event));

/**
 * A payer with two pending transfers (10 and 20) whose time has passed, and a transfer of 30 to a
 * third account whose credit is deferred to the settler and was never settled: all written ten
 * minutes ago, so that the handler (on the real clock) finds them due.
 */
const due = async (opts: { beforeHosts?: boolean; past?: Date } = {}) => {
  const past = opts.past ?? new Date(Date.now() - 10 * 60_000);
  const accounts = new AccountStore(doc, table);
  const ledger = new LedgerStore(doc, table, accounts, new IdempotencyStore(doc, table, 48 * 3600), {
    systemShards: config().systemShards,
    dailyLimit: config().dailyLimit,
    deferCredits: 'always',
    now: () => past,
  });
  const owner = `payer-${randomUUID()}`;
  const open = (ownerId: string) => accounts.open({ ownerId, type: 'checking', currency: 'USD' });
  const [a, b, c] = [await open(owner), await open(`payee-${owner}`), await open(`credited-${owner}`)];
  // The payer's daily counter an item of its own, as for accounts opened before hosts.
  if (opts.beforeHosts) await openedBeforeHosts(doc, table, { ownerId: owner, id: a.id, currency: 'USD' });
  await ledger.deposit({ user: owner, idempotencyKey: 'd', fingerprint: 'd', accountId: a.id, amount: 100 });
  const move = async (to: string, amount: number, pending: boolean) => {
    const key = `${to}-${amount}`;
    const out = await ledger.transfer({
      user: owner,
      idempotencyKey: key,
      fingerprint: key,
      fromAccountId: a.id,
      toAccountNumber: to,
      currency: 'USD',
      amount,
      ...(pending ? { pending: true, expiresInSeconds: 60 } : {}),
    });
    if (out.kind !== 'journal') throw new Error(`declined: ${out.code}`);
    return out.journal.id;
  };
  const pending = [await move(b.number, 10, true), await move(b.number, 20, true)];
  await move(c.number, 30, false);
  expect((await accounts.mustGet(`credited-${owner}`, c.id)).balance).toBe(0);
  return {
    ledger,
    accounts,
    pending,
    payer: { owner, accountId: a.id },
    credited: () => accounts.mustGet(`credited-${owner}`, c.id),
  };
};

/** Makes the handlers' DynamoDB client throw `fault` for the first request `matches` picks. */
const failFirst = (matches: (command: { constructor: { name: string } }) => boolean, fault: () => Error) => {
  const client = handlersDb();
  const send = client.send.bind(client);
  let left = 1;
  vi.spyOn(client, 'send').mockImplementation((async (command: { constructor: { name: string } }) => {
    if (left > 0 && matches(command)) {
      left--;
      throw fault();
    }
    return send(command as never);
  }) as never);
};

const reset = () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });

describe('the sweep handler', () => {
  it('a pending transfer that fails to expire: the other still expires, credits still settle, the run fails', async () => {
    const { ledger, pending, credited } = await due();
    const errors = vi.spyOn(logger, 'error');
    failFirst((c) => c.constructor.name === 'TransactWriteCommand', reset);
    await expect(sweep()).rejects.toThrow('1 pending transfer(s) past their time could not be expired');
    const statuses = await Promise.all(pending.map(async (id) => (await ledger.getJournal(id))?.status));
    expect([...statuses].sort()).toEqual(['expired', 'pending']);
    const failedId = pending[statuses.indexOf('pending')];
    expect(errors).toHaveBeenCalledWith('pending transfer not expired', {
      journalId: failedId,
      error: 'read ECONNRESET',
    });
    expect((await credited()).balance).toBe(30);
    // The next run (the fault gone) expires the one left, and succeeds.
    vi.restoreAllMocks();
    expect(await sweep()).toEqual({ expired: 1, seen: 1, settled: 0 });
    expect((await ledger.getJournal(failedId as string))?.status).toBe('expired');
    expect((await verifyLedger(doc, table)).problems).toEqual([]);
  });

  it('a pending transfer whose expiry runs out of attempts is counted failed, not taken for one not due', async () => {
    const { accounts, pending } = await due();
    // Every transaction throttled: the expiry is retried (twice here) and gives up.
    const throttled = {
      send: (command: { constructor: { name: string } }) =>
        command.constructor.name === 'TransactWriteCommand'
          ? Promise.reject(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }))
          : doc.send(command as never),
    } as unknown as Db;
    const ledger = new LedgerStore(throttled, table, accounts, new IdempotencyStore(throttled, table, 3600), {
      systemShards: config().systemShards,
      dailyLimit: config().dailyLimit,
      retry: { maxAttempts: 2, baseMs: 1, capMs: 1 },
    });
    const r = await ledger.expireDue(new Date());
    expect(r.expired).toBe(0);
    expect(r.failed.map((f) => f.journalId).sort()).toEqual(expect.arrayContaining([...pending].sort()));
    expect(r.failed[0]?.error).toMatch(/could not be released/);
  });

  /** Whether a command is a transaction that expires a pending transfer (a release of its hold). */
  const expiring = (command: { constructor: { name: string }; input?: unknown }) =>
    command.constructor.name === 'TransactWriteCommand' &&
    JSON.stringify(command.input).includes('"expired"');

  /**
   * When `due()` writes and when the debits below run: ten minutes apart on one UTC day (a run just
   * after midnight moves both into the new day), so that the holds' daily limit is the debit's day.
   */
  const oneDay = () => {
    const now = Date.now();
    const past = Math.max(now - 10 * 60_000, now - (now % 86_400_000) + 60_000);
    return { past: new Date(past), later: new Date(past + 10 * 60_000) };
  };
  let clock = oneDay();

  /** A ledger (on `clock.later`) whose first `throttle.left` releases of expired holds are throttled. */
  const throttled = (
    accounts: AccountStore,
    throttle: { left: number },
    dailyLimit = config().dailyLimit,
  ) => {
    const flaky = {
      send: (command: { constructor: { name: string }; input?: unknown }) =>
        expiring(command) && throttle.left-- > 0
          ? Promise.reject(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }))
          : doc.send(command as never),
    } as unknown as Db;
    return new LedgerStore(flaky, table, accounts, new IdempotencyStore(flaky, table, 3600), {
      systemShards: config().systemShards,
      dailyLimit,
      retry: { maxAttempts: 2, baseMs: 1, capMs: 1 },
      now: () => clock.later,
    });
  };

  /** A withdrawal by the payer of `due()`, its fingerprint its amount. */
  const withdrawal = (
    payer: { owner: string; accountId: string },
    idempotencyKey: string,
    amount: number,
  ) => ({
    user: payer.owner,
    idempotencyKey,
    fingerprint: `w${amount}`,
    accountId: payer.accountId,
    amount,
  });

  it("a debit goes on when a release of the payer's expired hold keeps being throttled (the stored available is the rule)", async () => {
    clock = oneDay();
    const { accounts, payer } = await due({ past: clock.past });
    // The first two transactions (the release's two attempts) throttled, the rest let through.
    const throttle = { left: 2 };
    // 100 in, 30 paid, 30 held by the two expired pending transfers: 40 available as stored.
    const out = await throttled(accounts, throttle).withdraw(withdrawal(payer, 'w-throttled-release', 40));
    expect(out.kind).toBe('journal');
    expect(throttle.left).toBeLessThan(0);
  });

  // While the release keeps failing, a refusal that the expired holds cause is answered 503 and not
  // kept with the key; the same key pays once the holds are released.
  it.each<[string, { amount: number; dailyLimit?: number; beforeHosts?: boolean }]>([
    // 60 needs 20 of the 30 the expired holds still take from the stored available (40).
    ['for funds (the stored available is the rule)', { amount: 60 }],
    // A limit of 80: 30 paid and 30 held (expired) leave 20 as counted; 40 fits once the holds go.
    ['for the daily limit', { amount: 40, dailyLimit: 80 }],
    [
      "for the daily limit of an account opened before hosts (the counter item's condition)",
      { amount: 40, dailyLimit: 80, beforeHosts: true },
    ],
  ])('a refusal %s that an unreleased expired hold causes is not kept with the key', async (_, c) => {
    clock = oneDay();
    const { accounts, payer } = await due({ beforeHosts: c.beforeHosts, past: clock.past });
    const throttle = { left: Number.POSITIVE_INFINITY };
    const req = withdrawal(payer, 'w-held-back', c.amount);
    await expect(throttled(accounts, throttle, c.dailyLimit).withdraw(req)).rejects.toMatchObject({
      code: 'service_unavailable',
    });
    throttle.left = 0;
    const out = await throttled(accounts, throttle, c.dailyLimit).withdraw(req);
    expect(out).toMatchObject({ kind: 'journal', replayed: false, journal: { amount: c.amount } });
    expect((await accounts.mustGet(payer.owner, payer.accountId)).available).toBe(70 - c.amount);
  });

  it('a request already answered is replayed, not refused, while an expired hold it would need released cannot be', async () => {
    clock = oneDay();
    const { accounts, payer } = await due({ past: clock.past });
    // A limit of 80: 30 paid and 30 held (expired, unreleased) leave 20 as counted, which 20 takes.
    const throttle = { left: Number.POSITIVE_INFINITY };
    const req = withdrawal(payer, 'w-answer-lost', 20);
    const first = await throttled(accounts, throttle, 80).withdraw(req);
    expect(first).toMatchObject({ kind: 'journal', replayed: false });
    // Its answer lost, sent again while the release still fails: the key's answer, not a 503.
    expect(await throttled(accounts, throttle, 80).withdraw(req)).toMatchObject({
      kind: 'journal',
      replayed: true,
      journal: { id: first.kind === 'journal' ? first.journal.id : '' },
    });
    // Paid once: 100 in, 30 paid before, 20 now.
    expect((await accounts.mustGet(payer.owner, payer.accountId)).balance).toBe(50);
  });

  it(`a pending transfer refused for ${MAX_LIVE_HOLDS} holds, one of them expired and unreleased, is not kept with the key`, async () => {
    clock = oneDay();
    const accounts = new AccountStore(doc, table);
    const owner = `holder-${randomUUID()}`;
    const [a, b] = [
      await accounts.open({ ownerId: owner, type: 'checking', currency: 'USD' }),
      await accounts.open({ ownerId: `payee-${owner}`, type: 'checking', currency: 'USD' }),
    ];
    const earlier = new LedgerStore(doc, table, accounts, new IdempotencyStore(doc, table, 48 * 3600), {
      systemShards: config().systemShards,
      dailyLimit: config().dailyLimit,
      now: () => clock.past,
    });
    await earlier.deposit({
      user: owner,
      idempotencyKey: 'd',
      fingerprint: 'd',
      accountId: a.id,
      amount: 1000,
    });
    const hold = (ledger: LedgerStore, key: string, expiresInSeconds?: number) =>
      ledger.transfer({
        user: owner,
        idempotencyKey: key,
        fingerprint: key,
        fromAccountId: a.id,
        toAccountNumber: b.number,
        currency: 'USD',
        amount: 1,
        pending: true,
        ...(expiresInSeconds ? { expiresInSeconds } : {}),
      });
    // A full holds map, ten minutes ago: one hold that has expired since, the others live for days.
    expect((await hold(earlier, 'h-expiring', 60)).kind).toBe('journal');
    for (let i = 1; i < MAX_LIVE_HOLDS; i++) expect((await hold(earlier, `h${i}`)).kind).toBe('journal');
    // The expired hold's release keeps being throttled: the map still holds it, and the refusal it
    // causes is answered 503, not kept with the key.
    const throttle = { left: Number.POSITIVE_INFINITY };
    await expect(hold(throttled(accounts, throttle), 'h-new')).rejects.toMatchObject({
      code: 'service_unavailable',
    });
    // Once the hold is released, the same key puts its hold on.
    throttle.left = 0;
    expect(await hold(throttled(accounts, throttle), 'h-new')).toMatchObject({
      kind: 'journal',
      replayed: false,
      journal: { status: 'pending' },
    });
  });

  it('a refusal that the released holds would not lift is still kept with the key', async () => {
    clock = oneDay();
    const { accounts, payer } = await due({ past: clock.past });
    const throttle = { left: 0 };
    const req = withdrawal(payer, 'w-too-much', 80);
    expect(await throttled(accounts, throttle).withdraw(req)).toMatchObject({
      kind: 'declined',
      code: 'insufficient_funds',
    });
    expect(await throttled(accounts, throttle).withdraw(req)).toMatchObject({
      kind: 'declined',
      code: 'insufficient_funds',
      replayed: true,
    });
  });

  it("a closed account's credit whose sender cannot take it back is logged as the settler logs it, naming its journal; the run goes on", async () => {
    const left = {
      accountId: 'closed-account',
      journalId: 'journal-left',
      amount: 25,
      currency: 'USD',
      reason: 'sender_frozen',
    } as const;
    const busy = { accountId: 'busy-account', error: 'The account is busy settling credits' };
    vi.spyOn(handlersSettler(), 'settleDue').mockResolvedValue({
      settled: 0,
      accounts: 2,
      failed: [{ accountId: left.accountId, error: 'closed', credits: [left] }, busy],
    });
    const errors = vi.spyOn(logger, 'error');
    await expect(sweep()).resolves.toMatchObject({ settled: 0 });
    expect(errors).toHaveBeenCalledWith(CREDIT_LEFT_UNSETTLED, left);
    expect(errors).toHaveBeenCalledWith('credits not settled', busy);
    expect(errors).toHaveBeenCalledTimes(2);
  });

  it('when the pending transfers cannot even be listed, credits still settle and the run fails with that error', async () => {
    const { ledger, pending, credited } = await due();
    failFirst((c) => c.constructor.name === 'QueryCommand', reset);
    await expect(sweep()).rejects.toThrow('read ECONNRESET');
    expect((await credited()).balance).toBe(30);
    vi.restoreAllMocks();
    await expect(sweep()).resolves.toMatchObject({ expired: expect.any(Number) });
    for (const id of pending) expect((await ledger.getJournal(id))?.status).toBe('expired');
  });
});
