import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { failingTransactions, timeout, withoutVersionChecks } from '../../test/faults.ts';
import { createTestTable, dynamoClients } from '../../test/harness.ts';
import { BankError } from '../domain/errors.ts';
import { type Journal, shardOf } from '../domain/ledger.ts';
import { type AccountRecord, AccountStore } from './accounts.ts';
import { AuditStore, auditEntry } from './audit.ts';
import { createDocumentClient, type Db, type Piece } from './db.ts';
import { type Declined, type DeclineExtra, IdempotencyStore, type Outcome } from './idempotency.ts';
import * as keys from './item-keys.ts';
import { journalIdFor } from './item-keys.ts';
import { LedgerStore, LedgerWriter } from './ledger.ts';
import {
  type AdminAccount,
  type Extra,
  type PayoutRequest,
  type ReversalRequest,
  StaffLedger,
  type StatusRequest,
  type TellerRequest,
} from './ledger-admin.ts';
import { CreditReturns } from './ledger-return.ts';
import { CreditSettler } from './ledger-settle.ts';
import { verifyLedger } from './verify.ts';

/**
 * The back office's actions beside the customer's movements, on one ledger (StaffLedger's code, one
 * code for both): these tests set up and check both sides through one store. (Production runs
 * StaffLedger alone, in admin-money.)
 */
class AdminLedgerStore extends LedgerWriter {
  private readonly staff = new StaffLedger(this.db, this.table, this.accounts, this.idempotency, this.opts);

  /** Any customer's account by its id. */
  account(accountId: string): Promise<AccountRecord> {
    return this.staff.account(accountId);
  }

  /** Any customer's account by its number. */
  accountByNumber(number: string): Promise<AccountRecord> {
    return this.staff.accountByNumber(number);
  }

  /** StaffLedger.freeze. */
  freeze(req: StatusRequest, extra: Extra = []): Promise<{ account: AdminAccount; changed: boolean }> {
    return this.staff.freeze(req, extra);
  }

  /** StaffLedger.unfreeze. */
  unfreeze(req: StatusRequest, extra: Extra = []): Promise<{ account: AdminAccount; changed: boolean }> {
    return this.staff.unfreeze(req, extra);
  }

  /** StaffLedger.tellerDeposit. */
  tellerDeposit(req: TellerRequest, extra: Extra = [], declined?: DeclineExtra): Promise<Outcome> {
    return this.staff.tellerDeposit(req, extra, declined);
  }

  /** StaffLedger.tellerWithdraw. */
  tellerWithdraw(req: TellerRequest, extra: Extra = [], declined?: DeclineExtra): Promise<Outcome> {
    return this.staff.tellerWithdraw(req, extra, declined);
  }

  /** StaffLedger.payUnclaimed. */
  payUnclaimed(req: PayoutRequest, extra: Extra = [], declined?: DeclineExtra): Promise<Outcome> {
    return this.staff.payUnclaimed(req, extra, declined);
  }

  /** StaffLedger.reverse. */
  reverse(req: ReversalRequest, extra: Extra = [], declined?: DeclineExtra): Promise<Outcome> {
    return this.staff.reverse(req, extra, declined);
  }
}

const DAILY_LIMIT = 1_000;
const DEPOSIT_LIMIT = 1_000;

let db: Db;
beforeAll(() => {
  db = createDocumentClient(dynamoClients().client);
});

const setup = async (ledgerDb?: Db, maxAttempts?: number) => {
  const table = await createTestTable('admin-ledger');
  const accounts = new AccountStore(db, table);
  const ledgerAt = ledgerDb ?? db;
  const ledger = new AdminLedgerStore(
    ledgerAt,
    table,
    accounts,
    new IdempotencyStore(ledgerAt, table, 48 * 3600),
    {
      systemShards: 4,
      dailyLimit: DAILY_LIMIT,
      dailyDepositLimit: DEPOSIT_LIMIT,
      ...(maxAttempts ? { retry: { maxAttempts } } : {}),
    },
  );
  const open = (owner: string) => accounts.open({ ownerId: owner, type: 'checking', currency: 'USD' });
  const k = (user: string) => ({ user, idempotencyKey: randomUUID(), fingerprint: randomUUID() });
  const clean = async () => expect((await verifyLedger(db, table)).problems).toEqual([]);
  return { table, accounts, ledger, open, k, clean };
};

const code = (o: Outcome) => (o.kind === 'declined' ? o.code : 'posted');
const journal = (o: Outcome): Journal => {
  if (o.kind !== 'journal') throw new Error(`declined: ${o.code}`);
  return o.journal;
};
const ADMIN = 'staff-1';

/** A customer's transfer (pending with `pending`). */
const pay = (
  ledger: AdminLedgerStore,
  user: string,
  from: string,
  to: string,
  amount: number,
  pending = false,
) =>
  ledger.transfer({
    user,
    idempotencyKey: randomUUID(),
    fingerprint: randomUUID(),
    fromAccountId: from,
    toAccountNumber: to,
    currency: 'USD',
    amount,
    pending,
  });

describe('teller cash', () => {
  it('deposits above the customer daily deposit limit, records the teller, and posts once per key', async () => {
    const { ledger, accounts, open, k, clean } = await setup();
    const a = await open('u');
    const req = { user: ADMIN, idempotencyKey: 'cash-1', fingerprint: 'f', accountId: a.id, amount: 5_000 };
    const first = journal(await ledger.tellerDeposit({ ...req, description: 'Cash', reference: 'slip-7' }));
    expect(first).toMatchObject({ type: 'deposit', amount: 5_000, tellerId: ADMIN, reference: 'slip-7' });
    expect(first.to?.balanceAfter).toBe(5_000);
    const again = await ledger.tellerDeposit({ ...req, description: 'Cash', reference: 'slip-7' });
    expect(again).toMatchObject({ kind: 'journal', replayed: true, journal: { id: first.id } });
    expect((await accounts.get('u', a.id))?.balance).toBe(5_000);
    // Again past the limit, by the same member of staff: no daily counter anywhere.
    expect(code(await ledger.tellerDeposit({ ...k(ADMIN), accountId: a.id, amount: 5_000 }))).toBe('posted');
    expect((await accounts.get('u', a.id))?.balance).toBe(10_000);
    await clean();
  });

  it('withdraws above the daily limit but never more than is available', async () => {
    const { ledger, accounts, open, k, clean } = await setup();
    const a = await open('u');
    await ledger.tellerDeposit({ ...k(ADMIN), accountId: a.id, amount: 3_000 });
    expect(code(await ledger.tellerWithdraw({ ...k(ADMIN), accountId: a.id, amount: 3_001 }))).toBe(
      'insufficient_funds',
    );
    const w = journal(await ledger.tellerWithdraw({ ...k(ADMIN), accountId: a.id, amount: 2_500 }));
    expect(w).toMatchObject({ type: 'withdrawal', tellerId: ADMIN, from: { balanceAfter: 500 } });
    expect((await accounts.get('u', a.id))?.balance).toBe(500);
    // Again past the daily limit, by the same member of staff.
    await ledger.tellerDeposit({ ...k(ADMIN), accountId: a.id, amount: 2_000 });
    expect(code(await ledger.tellerWithdraw({ ...k(ADMIN), accountId: a.id, amount: 2_500 }))).toBe('posted');
    await clean();
  });

  it('refuses an account that does not exist with 404 (not recorded)', async () => {
    const { ledger, k } = await setup();
    await expect(ledger.tellerDeposit({ ...k(ADMIN), accountId: randomUUID(), amount: 1 })).rejects.toThrow(
      'No such account',
    );
  });
});

describe('freeze', () => {
  it('refuses every movement in and out, and unfreezing restores them', async () => {
    const { ledger, accounts, open, k, clean } = await setup();
    const a = await open('u');
    const b = await open('v');
    await ledger.tellerDeposit({ ...k(ADMIN), accountId: a.id, amount: 500 });
    await ledger.tellerDeposit({ ...k(ADMIN), accountId: b.id, amount: 500 });
    const received = journal(await pay(ledger, 'v', b.id, a.number, 50));
    const pending = journal(await pay(ledger, 'u', a.id, b.number, 20, true));
    const pending2 = journal(await pay(ledger, 'u', a.id, b.number, 10, true));
    const frozen = await ledger.freeze({ admin: ADMIN, accountId: a.id, reason: 'investigation' });
    expect(frozen).toMatchObject({
      changed: true,
      account: { id: a.id, status: 'frozen', ownerId: 'u', balance: 550 },
    });

    const refused = [
      await ledger.deposit({ ...k('u'), accountId: a.id, amount: 1 }),
      await ledger.withdraw({ ...k('u'), accountId: a.id, amount: 1 }),
      await pay(ledger, 'u', a.id, b.number, 1),
      await pay(ledger, 'v', b.id, a.number, 1),
      await pay(ledger, 'u', a.id, b.number, 1, true),
      await ledger.post({ ...k('u'), journalId: pending.id }),
      await ledger.refund({ ...k('u'), journalId: received.id, amount: 5 }),
      await ledger.tellerDeposit({ ...k(ADMIN), accountId: a.id, amount: 1 }),
      await ledger.tellerWithdraw({ ...k(ADMIN), accountId: a.id, amount: 1 }),
    ];
    expect(refused.map(code)).toEqual(Array(refused.length).fill('account_not_active'));
    // Staff take money back out of it without unfreezing it (when its owner could move it): a
    // reversal of what it received posts, by the stored condition `status IN (active, frozen)`.
    expect(
      code(await ledger.reverse({ ...k(ADMIN), journalId: received.id, amount: 20, reason: 'fraud' })),
    ).toBe('posted');
    expect(await accounts.get('u', a.id)).toMatchObject({ status: 'frozen', balance: 530 });
    expect(await accounts.get('v', b.id)).toMatchObject({ balance: 470 });
    // Releasing a hold moves nothing: the owner may still void.
    expect(journal(await ledger.void({ ...k('u'), journalId: pending2.id })).status).toBe('voided');
    // Still the owner's, with its status; and it cannot be closed while frozen.
    expect((await accounts.get('u', a.id))?.status).toBe('frozen');
    await expect(accounts.close('u', a.id)).rejects.toThrow('not active');

    // Freezing again changes nothing.
    expect((await ledger.freeze({ admin: ADMIN, accountId: a.id, reason: 'again' })).changed).toBe(false);
    const un = await ledger.unfreeze({ admin: ADMIN, accountId: a.id, reason: 'cleared' });
    expect(un).toMatchObject({ changed: true, account: { status: 'active' } });
    expect(code(await ledger.post({ ...k('u'), journalId: pending.id }))).toBe('posted');
    expect(code(await ledger.deposit({ ...k('u'), accountId: a.id, amount: 1 }))).toBe('posted');
    await clean();
  });

  it('a reversal never moves a closed account\u2019s money, nor into it', async () => {
    const { ledger, accounts, open, k, clean } = await setup();
    const a = await open('u');
    const b = await open('v');
    await ledger.tellerDeposit({ ...k(ADMIN), accountId: a.id, amount: 300 });
    const t = journal(await pay(ledger, 'u', a.id, b.number, 100));
    // The sender empties and closes its account: the money cannot go back into it.
    await ledger.withdraw({ ...k('u'), accountId: a.id, amount: 200 });
    await accounts.close('u', a.id);
    expect(code(await ledger.reverse({ ...k(ADMIN), journalId: t.id, reason: 'error' }))).toBe(
      'account_not_active',
    );
    expect(await accounts.get('v', b.id)).toMatchObject({ balance: 100 });
    await clean();
  });

  it('cannot freeze a closed account, nor one that does not exist', async () => {
    const { ledger, accounts, open } = await setup();
    const a = await open('u');
    await accounts.close('u', a.id);
    await expect(ledger.freeze({ admin: ADMIN, accountId: a.id, reason: 'x' })).rejects.toThrow('closed');
    await expect(ledger.freeze({ admin: ADMIN, accountId: randomUUID(), reason: 'x' })).rejects.toThrow(
      'No such account',
    );
  });

  it('commits extra pieces in its own transaction, or not at all', async () => {
    const { ledger, open, table, k } = await setup(undefined, 4);
    const a = await open('u');
    const extra = (id: string): Piece => ({
      name: 'audit',
      item: {
        Put: {
          TableName: table,
          Item: { pk: `TEST#${id}`, sk: 'TEST', entity: 'test' },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    });
    // Teller cash and reversals: the extra piece commits with the journal.
    const cash = await ledger.tellerDeposit({ ...k(ADMIN), accountId: a.id, amount: 10 }, [extra('cash')]);
    expect(cash.kind).toBe('journal');
    const cashed = await db.send(new GetCommand({ TableName: table, Key: { pk: 'TEST#cash', sk: 'TEST' } }));
    expect(cashed.Item).toBeDefined();
    // An extra piece that always fails: nothing posts (503, retry with the same key).
    await expect(
      ledger.reverse({ ...k(ADMIN), journalId: journal(cash).id, reason: 'x' }, [extra('cash')]),
    ).rejects.toMatchObject({ code: 'service_unavailable' });
    expect((await ledger.getJournal(journal(cash).id))?.reversedAmount).toBeUndefined();
    await ledger.freeze({ admin: ADMIN, accountId: a.id, reason: 'x' }, [extra('one')]);
    const got = await db.send(new GetCommand({ TableName: table, Key: { pk: 'TEST#one', sk: 'TEST' } }));
    expect(got.Item).toBeDefined();
    // An extra piece that always fails: the action retries, gives up, and changes nothing.
    await expect(
      ledger.unfreeze({ admin: ADMIN, accountId: a.id, reason: 'x' }, [extra('one')]),
    ).rejects.toMatchObject({ code: 'service_unavailable' });
    expect((await ledger.account(a.id)).status).toBe('frozen');
  });
});

describe('audit records after a lost answer', () => {
  const staffEntry = (action: string, accountId: string, reason: string) =>
    auditEntry({
      actor: { userId: ADMIN, role: 'admin', sourceIp: '203.0.113.9' },
      action,
      subject: { type: 'account', id: accountId },
      reason,
      outcome: 'succeeded',
      requestId: 'req-1',
    });
  const trail = async (table: string, accountId: string) =>
    (await new AuditStore(db, table).bySubject(accountId, { limit: 20 })).items.map((r) => [
      r.action,
      r.outcome,
      r.reason,
    ]);

  it('a freeze whose transaction committed but lost its answer is recorded once', async () => {
    const lossy = failingTransactions(db, 1, timeout, 'after');
    const { ledger, open, table } = await setup(lossy);
    const a = await open('u');
    const audit = new AuditStore(lossy, table);
    const entry = staffEntry('account_frozen', a.id, 'fraud');
    const r = await ledger.freeze({ admin: ADMIN, accountId: a.id, reason: 'fraud' }, async () => [
      await audit.piece(entry),
    ]);
    expect(lossy.injected).toBe(1);
    expect(r.account.status).toBe('frozen');
    expect(await trail(table, a.id)).toEqual([['account_frozen', 'succeeded', 'fraud']]);
  });

  it('teller cash whose transaction committed but lost its answer posts once and is recorded once', async () => {
    const lossy = failingTransactions(db, 1, timeout, 'after');
    const { ledger, accounts, open, table, k, clean } = await setup(lossy);
    const a = await open('u');
    const audit = new AuditStore(lossy, table);
    const entry = staffEntry('teller_deposit', a.id, 'slip-3');
    const r = await ledger.tellerDeposit({ ...k(ADMIN), accountId: a.id, amount: 700 }, async () => [
      await audit.piece(entry),
    ]);
    expect(lossy.injected).toBe(1);
    expect(r).toMatchObject({ kind: 'journal', replayed: true, journal: { amount: 700 } });
    expect((await accounts.get('u', a.id))?.balance).toBe(700);
    expect(await trail(table, a.id)).toEqual([['teller_deposit', 'succeeded', 'slip-3']]);
    await clean();
  });

  it('a freeze whose answer was lost is not done again by its retry, though another unfroze the account meanwhile', async () => {
    // The freeze commits, another member of staff unfreezes, then the freeze's answer is lost.
    let unfreezeBetween: () => Promise<unknown> = async () => undefined;
    let left = 1;
    const raced = Object.create(db) as Db;
    raced.send = (async (command: { constructor: { name: string } }) => {
      if (command.constructor.name !== 'TransactWriteCommand' || left <= 0) return db.send(command as never);
      left--;
      await db.send(command as never);
      await unfreezeBetween();
      throw timeout();
    }) as Db['send'];
    const { ledger, open, table } = await setup(raced);
    const a = await open('u');
    const audit = new AuditStore(db, table);
    const colleague = staffEntry('account_unfrozen', a.id, 'cleared');
    unfreezeBetween = () =>
      new StaffLedger(db, table, new AccountStore(db, table), new IdempotencyStore(db, table, 3600), {
        systemShards: 4,
        dailyLimit: DAILY_LIMIT,
        dailyDepositLimit: DEPOSIT_LIMIT,
      }).unfreeze({ admin: 'staff-2', accountId: a.id, reason: 'cleared' }, async () => [
        await audit.piece({ ...colleague, actor: { ...colleague.actor, userId: 'staff-2' } }),
      ]);
    const entry = staffEntry('account_frozen', a.id, 'fraud');
    const r = await ledger.freeze({ admin: ADMIN, accountId: a.id, reason: 'fraud' }, async () => [
      await audit.piece(entry),
    ]);
    expect(left).toBe(0);
    // The freeze is answered as done; the account is as the colleague left it, and the trail says so.
    expect(r.account.status).toBe('active');
    expect((await ledger.account(a.id)).status).toBe('active');
    expect(await trail(table, a.id)).toEqual([
      ['account_unfrozen', 'succeeded', 'cleared'],
      ['account_frozen', 'succeeded', 'fraud'],
    ]);
  });

  it('a declined withdrawal commits its refusal record with the decline: once, after a lost answer and on replay', async () => {
    const lossy = failingTransactions(db, 1, timeout, 'after');
    const { ledger, open, table, k, clean } = await setup(lossy);
    const a = await open('u');
    const audit = new AuditStore(lossy, table);
    const entry = staffEntry('teller_withdrawal', a.id, 'slip-9');
    const refusedPiece = async (d: Declined) => [
      await audit.piece({ ...entry, outcome: 'refused', reason: `${d.code}: slip-9` }),
    ];
    const req = { ...k(ADMIN), accountId: a.id, amount: 1 };
    // Nothing to withdraw: declined; the decline's own write loses its answer.
    const first = await ledger.tellerWithdraw(req, async () => [await audit.piece(entry)], refusedPiece);
    expect(lossy.injected).toBe(1);
    expect(code(first)).toBe('insufficient_funds');
    // Its own retry found the decline recorded: it answers it, as a repeat of the key.
    expect(first.replayed).toBe(true);
    expect(await trail(table, a.id)).toEqual([
      ['teller_withdrawal', 'refused', 'insufficient_funds: slip-9'],
    ]);
    // The member of staff sends it again with the key: the same decline, recorded nothing more.
    const again = await ledger.tellerWithdraw(
      req,
      async () => [await audit.piece(entry)],
      async (d) => [await audit.piece({ ...entry, id: randomUUID(), outcome: 'refused', reason: d.code })],
    );
    expect(again).toMatchObject({ kind: 'declined', code: 'insufficient_funds', replayed: true });
    expect(await trail(table, a.id)).toHaveLength(1);
    await clean();
  });
});

describe('freeze against transfers, raced', () => {
  it('20 races: nothing moves after the freeze commits, even with the version checks stripped', async () => {
    // The transfers' own account-version checks are removed, so only the stored `status = active`
    // condition can stop a transfer planned before the freeze from committing after it.
    const { ledger, accounts, open, k } = await setup(withoutVersionChecks(db));
    for (let race = 0; race < 20; race++) {
      const a = await open(`u${race}`);
      const b = await open(`v${race}`);
      await ledger.tellerDeposit({ ...k(ADMIN), accountId: a.id, amount: 1_000 });
      await ledger.tellerDeposit({ ...k(ADMIN), accountId: b.id, amount: 1_000 });
      // Freeze the sender in even races, the recipient in odd ones.
      const target = race % 2 === 0 ? a : b;
      const transfers = Array.from({ length: 4 }, (_, i) =>
        i % 2 === 0
          ? pay(ledger, `u${race}`, a.id, b.number, 10)
          : pay(ledger, `v${race}`, b.id, a.number, 7),
      );
      const frozen = await ledger.freeze({ admin: ADMIN, accountId: target.id, reason: 'race' });
      // The balance as the freeze left it, read once it committed: nothing can commit on the account
      // in between (that is the rule). Not the freeze's 200: with the version checks stripped, two
      // transfers planned on one read both set the same next version, so the freeze's own version
      // check can pass on a read that a transfer committed after, and its answer's balance be that
      // read's (with the checks in place, as deployed, a version is never reused).
      const atFreeze = await accounts.get(frozen.account.ownerId, target.id);
      expect(atFreeze?.status).toBe('frozen');
      const outs = await Promise.all(transfers);
      const after = await accounts.get(frozen.account.ownerId, target.id);
      expect(after?.balance, `race ${race}`).toBe(atFreeze?.balance);
      for (const o of outs) expect(['posted', 'account_not_active']).toContain(code(o));
    }
    // (No verify here: without their version checks, concurrent postings' running balances interleave.)
  }, 120_000);
});

describe('reversals', () => {
  it('reverses a deposit in full and a withdrawal in part, linked both ways', async () => {
    const { ledger, accounts, open, k, clean } = await setup();
    const a = await open('u');
    const dep = journal(await ledger.deposit({ ...k('u'), accountId: a.id, amount: 800 }));
    const rev = journal(await ledger.reverse({ ...k(ADMIN), journalId: dep.id, reason: 'bounced' }));
    expect(rev).toMatchObject({
      type: 'reversal',
      amount: 800,
      reverses: dep.id,
      tellerId: ADMIN,
      reason: 'bounced',
    });
    expect((await ledger.getJournal(dep.id))?.reversedAmount).toBe(800);
    expect((await accounts.get('u', a.id))?.balance).toBe(0);
    expect(code(await ledger.reverse({ ...k(ADMIN), journalId: dep.id, amount: 1, reason: 'x' }))).toBe(
      'reversal_exceeds_amount',
    );
    await ledger.tellerDeposit({ ...k(ADMIN), accountId: a.id, amount: 100 });
    const w = journal(await ledger.withdraw({ ...k('u'), accountId: a.id, amount: 60 }));
    journal(await ledger.reverse({ ...k(ADMIN), journalId: w.id, amount: 25, reason: 'atm fault' }));
    expect((await accounts.get('u', a.id))?.balance).toBe(65);
    await clean();
  });

  it('refunds and reversals share the cap; a reversal never overdraws; reversals are not reversed', async () => {
    const { ledger, open, k, clean } = await setup();
    const a = await open('u');
    const b = await open('v');
    await ledger.tellerDeposit({ ...k(ADMIN), accountId: a.id, amount: 1_000 });
    const t = journal(await pay(ledger, 'u', a.id, b.number, 100));
    journal(await ledger.refund({ ...k('v'), journalId: t.id, amount: 30 }));
    const rev = journal(await ledger.reverse({ ...k(ADMIN), journalId: t.id, amount: 50, reason: 'error' }));
    expect(rev.from?.accountId).toBe(b.id);
    expect(rev.to?.accountId).toBe(a.id);
    expect(code(await ledger.reverse({ ...k(ADMIN), journalId: t.id, amount: 21, reason: 'x' }))).toBe(
      'reversal_exceeds_amount',
    );
    expect(code(await ledger.refund({ ...k('v'), journalId: t.id, amount: 21 }))).toBe(
      'refund_exceeds_amount',
    );
    expect(code(await ledger.reverse({ ...k(ADMIN), journalId: rev.id, reason: 'x' }))).toBe(
      'not_reversible',
    );
    // b spends what it received: the rest cannot be taken back.
    await ledger.withdraw({ ...k('v'), accountId: b.id, amount: 15 });
    expect(code(await ledger.reverse({ ...k(ADMIN), journalId: t.id, reason: 'x' }))).toBe(
      'insufficient_funds',
    );
    expect(code(await ledger.reverse({ ...k(ADMIN), journalId: t.id, amount: 5, reason: 'x' }))).toBe(
      'posted',
    );
    const original = await ledger.getJournal(t.id);
    expect(original).toMatchObject({ refundedAmount: 30, reversedAmount: 55 });
    await clean();
  });

  it('a refund staff reverse is given back no more: its transfer can then be reversed whole', async () => {
    const { ledger, accounts, open, k, clean } = await setup();
    const a = await open('u');
    const b = await open('v');
    await ledger.tellerDeposit({ ...k(ADMIN), accountId: a.id, amount: 100 });
    // u pays v 100; v refunds 40; staff reverse part of that refund, then the rest (it was a mistake).
    const t = journal(await pay(ledger, 'u', a.id, b.number, 100));
    const r = journal(await ledger.refund({ ...k('v'), journalId: t.id, amount: 40 }));
    journal(
      await ledger.reverse({ ...k(ADMIN), journalId: r.id, amount: 15, reason: 'refund made in error' }),
    );
    expect(await ledger.getJournal(t.id)).toMatchObject({ refundedAmount: 25 });
    await clean(); // verify-ledger checks the stored refundable too: 75 left to give back
    journal(await ledger.reverse({ ...k(ADMIN), journalId: r.id, reason: 'refund made in error' }));
    expect(await ledger.getJournal(t.id)).toMatchObject({ refundedAmount: 0 });
    expect((await accounts.mustGet('v', b.id)).balance).toBe(100);
    await clean();
    // The transfer turns out to be fraud: all of it goes back to u (a review found 40 of it kept by v
    // for good: the reversed refund still counted as given back).
    expect(code(await ledger.reverse({ ...k(ADMIN), journalId: t.id, amount: 100, reason: 'fraud' }))).toBe(
      'posted',
    );
    expect((await accounts.mustGet('u', a.id)).balance).toBe(100);
    expect((await accounts.mustGet('v', b.id)).balance).toBe(0);
    expect(await ledger.getJournal(t.id)).toMatchObject({ refundedAmount: 0, reversedAmount: 100 });
    await clean();
  });

  it('a pending transfer is not reversible; an unknown one is not found', async () => {
    const { ledger, open, k } = await setup();
    const a = await open('u');
    const b = await open('v');
    await ledger.tellerDeposit({ ...k(ADMIN), accountId: a.id, amount: 100 });
    const p = journal(await pay(ledger, 'u', a.id, b.number, 10, true));
    expect(code(await ledger.reverse({ ...k(ADMIN), journalId: p.id, reason: 'x' }))).toBe('not_reversible');
    await expect(
      ledger.reverse({ ...k(ADMIN), journalId: randomUUID(), reason: 'x' }),
    ).rejects.toBeInstanceOf(BankError);
  });

  it('pays nothing into an account closed after the reversal read it frozen: the status is a stored condition', async () => {
    // Just before the reversal's transaction is sent, its recipient is unfrozen and closed. The
    // account-version checks are removed, so only the stored status condition can refuse it.
    let race: (() => Promise<unknown>) | undefined;
    const racing = Object.create(db) as Db;
    racing.send = (async (command: { constructor: { name: string } }) => {
      const before = command.constructor.name === 'TransactWriteCommand' ? race : undefined;
      race = before ? undefined : race;
      await before?.();
      return db.send(command as never);
    }) as Db['send'];
    const { ledger, accounts, open, k } = await setup(withoutVersionChecks(racing));
    const a = await open('u');
    const b = await open('v');
    await ledger.tellerDeposit({ ...k(ADMIN), accountId: a.id, amount: 100 });
    const t = journal(await pay(ledger, 'u', a.id, b.number, 100));
    await ledger.freeze({ admin: ADMIN, accountId: a.id, reason: 'fraud' });
    race = async () => {
      await ledger.unfreeze({ admin: ADMIN, accountId: a.id, reason: 'cleared' });
      await accounts.close('u', a.id);
    };
    expect(code(await ledger.reverse({ ...k(ADMIN), journalId: t.id, reason: 'error' }))).toBe(
      'account_not_active',
    );
    expect(await accounts.get('u', a.id)).toMatchObject({ status: 'closed', balance: 0 });
    expect(await accounts.get('v', b.id)).toMatchObject({ balance: 100 });
  });

  it('the cap is a stored condition: a reversal planned on a stale journal does not commit past it', async () => {
    const { ledger, open, k, table, clean } = await setup();
    const a = await open('u');
    const dep = journal(await ledger.deposit({ ...k('u'), accountId: a.id, amount: 100 }));
    const stale = (await db.send(new GetCommand({ TableName: table, Key: keys.journal(dep.id) }))).Item;
    journal(await ledger.reverse({ ...k(ADMIN), journalId: dep.id, amount: 60, reason: 'first' }));
    await ledger.deposit({ ...k('u'), accountId: a.id, amount: 500 });
    // The next reversal reads the journal as it was before the first (room 100, not 40).
    const staleLedger = new AdminLedgerStore(
      staleOnce(db, keys.journal(dep.id).pk, stale ?? {}),
      table,
      new AccountStore(db, table),
      new IdempotencyStore(db, table, 48 * 3600),
      { systemShards: 4, dailyLimit: DAILY_LIMIT },
    );
    expect(
      code(await staleLedger.reverse({ ...k(ADMIN), journalId: dep.id, amount: 60, reason: 'second' })),
    ).toBe('reversal_exceeds_amount');
    expect((await ledger.getJournal(dep.id))?.reversedAmount).toBe(60);
    await clean();
  });
});

describe('teller deposit, customer transfer, admin reversal', () => {
  it('leaves a clean ledger', async () => {
    const { ledger, accounts, open, k, clean, table } = await setup();
    const a = await open('u');
    const b = await open('v');
    journal(await ledger.tellerDeposit({ ...k(ADMIN), accountId: a.id, amount: 2_000, reference: 'r1' }));
    const t = journal(await pay(ledger, 'u', a.id, b.number, 700));
    journal(await ledger.reverse({ ...k(ADMIN), journalId: t.id, reason: 'sent in error' }));
    expect((await accounts.get('u', a.id))?.balance).toBe(2_000);
    expect((await accounts.get('v', b.id))?.balance).toBe(0);
    await clean();
    // And verify catches a reversal total past the original (written behind the ledger's back).
    await db.send(
      new PutCommand({
        TableName: table,
        Item: {
          ...keys.journal(randomUUID()),
          entity: 'journal',
          id: 'forged',
          type: 'reversal',
          status: 'voided',
          amount: 1,
          reverses: t.id,
        },
      }),
    );
    expect((await verifyLedger(db, table)).problems.join('\n')).toMatch(/reversals sum to 701/);
  });
});

/** Sets an account's status behind the stores' backs (closing one that is empty, as close requires). */
const setStatus = (table: string, owner: string, id: string, status: string) =>
  db.send(
    new UpdateCommand({
      TableName: table,
      Key: keys.account(owner, id),
      UpdateExpression: 'SET #s = :s, version = version + :one',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':s': status, ':one': 1 },
    }),
  );

/**
 * Unclaimed funds (ledger-return.ts): `owner` pays all it has (`amount`) to a hot recipient, and both
 * accounts close before the credit settles; the settler moves it to an unclaimed shard.
 */
const unclaimedFunds = async (
  s: Awaited<ReturnType<typeof setup>>,
  owner: string,
  amount = 25,
  idempotencyKey = randomUUID(),
) => {
  const opts = { systemShards: 4, dailyLimit: DAILY_LIMIT };
  const idempotency = new IdempotencyStore(db, s.table, 48 * 3600);
  const deferring = new LedgerStore(db, s.table, s.accounts, idempotency, {
    ...opts,
    deferCredits: 'always',
  });
  const returns = new CreditReturns(db, s.table, s.accounts, idempotency, opts);
  const settler = new CreditSettler(db, s.table, s.accounts, { systemShards: 4, returns });
  const from = await s.open(owner);
  const to = await s.open(`${owner}-r`);
  await s.ledger.tellerDeposit({ ...s.k(ADMIN), accountId: from.id, amount });
  const t = journal(
    await deferring.transfer({
      ...s.k(owner),
      idempotencyKey,
      fromAccountId: from.id,
      toAccountNumber: to.number,
      amount,
      currency: 'USD',
      description: 'Rent',
    }),
  );
  await setStatus(s.table, `${owner}-r`, to.id, 'closed');
  await setStatus(s.table, owner, from.id, 'closed');
  expect(await settler.settle(`${owner}-r`, to.id)).toBe(1);
  expect(await s.ledger.getJournal(t.id)).toMatchObject({ unclaimed: true, reversedAmount: amount });
  return t;
};

describe('payout of unclaimed funds', () => {
  const held = async (table: string) => (await verifyLedger(db, table)).currencies.USD?.unclaimed;

  it('pays out of the shard the funds went to after BANK_SYSTEM_SHARDS was raised (4 to 16: a review found it debiting another)', async () => {
    const s = await setup();
    // A transfer whose id the two counts put on different shards (3 keys in 4).
    let key = randomUUID();
    while (shardOf(journalIdFor('gone', key), 4) === shardOf(journalIdFor('gone', key), 16))
      key = randomUUID();
    const t = await unclaimedFunds(s, 'gone', 25, key);
    const raised = new StaffLedger(db, s.table, s.accounts, new IdempotencyStore(db, s.table, 48 * 3600), {
      systemShards: 16,
      dailyLimit: DAILY_LIMIT,
    });
    const fresh = await s.open('gone');
    const p = journal(
      await raised.payUnclaimed({ ...s.k(ADMIN), journalId: t.id, toAccountId: fresh.id, reason: 'Asked' }),
    );
    expect(p.amount).toBe(25);
    expect(await held(s.table)).toBe(0);
    await s.clean();
  });

  it("pays the whole amount once to the sender's new account, exact balances; a replay answers the same; a second payout is refused", async () => {
    const s = await setup();
    const { ledger, accounts, open, k, table, clean } = s;
    const t = await unclaimedFunds(s, 'gone');
    expect(await held(table)).toBe(25);
    const fresh = await open('gone');
    await ledger.tellerDeposit({ ...k(ADMIN), accountId: fresh.id, amount: 40 });
    const before = await accounts.mustGet('gone', fresh.id);
    const req = {
      user: ADMIN,
      idempotencyKey: 'payout-1',
      fingerprint: 'f',
      journalId: t.id,
      toAccountId: fresh.id,
      reason: 'Former customer asked',
    };
    const first = await ledger.payUnclaimed(req);
    const p = journal(first);
    expect(p).toMatchObject({
      type: 'reversal',
      status: 'posted',
      amount: 25,
      currency: 'USD',
      reverses: t.id,
      tellerId: ADMIN,
      reason: 'Former customer asked',
      to: { accountId: fresh.id, ownerId: 'gone', balanceAfter: 65, postingNo: (before.postingNo ?? 0) + 1 },
    });
    expect(p.from).toBeUndefined();
    expect(await accounts.mustGet('gone', fresh.id)).toMatchObject({
      balance: 65,
      available: 65,
      version: before.version + 1,
      postingNo: (before.postingNo ?? 0) + 1,
    });
    expect(await ledger.getJournal(t.id)).toMatchObject({ unclaimedPaidOut: p.id, reversedAmount: 25 });
    expect(await held(table)).toBe(0);
    // The same request again: the same answer, nothing more moves.
    expect(await ledger.payUnclaimed(req)).toMatchObject({
      kind: 'journal',
      replayed: true,
      journal: { id: p.id },
    });
    // The key reused for another request is refused.
    await expect(ledger.payUnclaimed({ ...req, fingerprint: 'other' })).rejects.toMatchObject({
      code: 'idempotency_key_reused',
    });
    // Another payout of the same funds, with a key of its own: refused, and recorded as such.
    const again = { ...k(ADMIN), journalId: t.id, toAccountId: fresh.id, reason: 'twice' };
    expect(code(await ledger.payUnclaimed(again))).toBe('reversal_exceeds_amount');
    expect(await ledger.payUnclaimed(again)).toMatchObject({ kind: 'declined', replayed: true });
    expect((await accounts.mustGet('gone', fresh.id)).balance).toBe(65);
    await clean();
  });

  it("refuses another customer's account, a frozen or closed one, another currency, and a journal that is not unclaimed funds; nothing moves", async () => {
    const s = await setup();
    const { ledger, accounts, open, k, table, clean } = s;
    const t = await unclaimedFunds(s, 'left');
    const other = await open('stranger');
    const frozen = await open('left');
    await setStatus(table, 'left', frozen.id, 'frozen');
    const closed = await open('left');
    await setStatus(table, 'left', closed.id, 'closed');
    const euro = await accounts.open({ ownerId: 'left', type: 'checking', currency: 'EUR' });
    const good = await open('left');
    const payOut = (journalId: string, toAccountId: string) =>
      ledger.payUnclaimed({ ...k(ADMIN), journalId, toAccountId, reason: 'test' });
    expect(code(await payOut(t.id, other.id))).toBe('recipient_not_found');
    expect(code(await payOut(t.id, frozen.id))).toBe('account_not_active');
    expect(code(await payOut(t.id, closed.id))).toBe('account_not_active');
    expect(code(await payOut(t.id, euro.id))).toBe('currency_mismatch');
    // A transfer that reached its recipient is not unclaimed funds.
    await ledger.tellerDeposit({ ...k(ADMIN), accountId: good.id, amount: 10 });
    const plain = journal(await pay(ledger, 'left', good.id, other.number, 5));
    expect(code(await payOut(plain.id, good.id))).toBe('not_reversible');
    await expect(payOut(randomUUID(), good.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(payOut(t.id, randomUUID())).rejects.toMatchObject({ code: 'not_found' });
    // Staff do not pay funds into an account of their own.
    const mine = await open(ADMIN);
    await expect(payOut(t.id, mine.id)).rejects.toMatchObject({ code: 'forbidden' });
    // Nor, by cheque, funds of a transfer with a side of theirs: its sender's, or its recipient's, for
    // whom the money was meant (a review found that side unchecked).
    for (const side of ['left', 'left-r'])
      await expect(
        ledger.payUnclaimed({
          ...k(side),
          journalId: t.id,
          method: 'cheque',
          reference: 'CHQ-1',
          reason: 'test',
        }),
      ).rejects.toMatchObject({ code: 'forbidden' });
    // Nothing moved: the funds are still held, unpaid.
    expect(await held(table)).toBe(25);
    expect((await ledger.getJournal(t.id))?.unclaimedPaidOut).toBeUndefined();
    for (const [owner, a] of [
      ['stranger', other],
      ['left', frozen],
      ['left', euro],
    ] as const)
      expect((await accounts.mustGet(owner, a.id)).balance).toBe(owner === 'stranger' ? 5 : 0);
    expect(code(await payOut(t.id, good.id))).toBe('posted');
    await clean();
  });

  it('the paid-out mark is a stored condition: a payout planned on a stale journal does not pay twice', async () => {
    const s = await setup();
    const { ledger, accounts, open, k, table, clean } = s;
    const t = await unclaimedFunds(s, 'twice');
    const stale = (await db.send(new GetCommand({ TableName: table, Key: keys.journal(t.id) }))).Item;
    const a = await open('twice');
    const b = await open('twice');
    journal(await ledger.payUnclaimed({ ...k(ADMIN), journalId: t.id, toAccountId: a.id, reason: 'first' }));
    // The next payout reads the transfer as it was before the first (not paid out), as a concurrent
    // payout would.
    const staleLedger = new AdminLedgerStore(
      staleOnce(db, keys.journal(t.id).pk, stale ?? {}),
      table,
      new AccountStore(db, table),
      new IdempotencyStore(db, table, 48 * 3600),
      { systemShards: 4, dailyLimit: DAILY_LIMIT },
    );
    expect(
      code(
        await staleLedger.payUnclaimed({ ...k(ADMIN), journalId: t.id, toAccountId: b.id, reason: 'second' }),
      ),
    ).toBe('reversal_exceeds_amount');
    expect((await accounts.mustGet('twice', a.id)).balance).toBe(25);
    expect((await accounts.mustGet('twice', b.id)).balance).toBe(0);
    await clean();
  });
});

/** A DocumentClient whose first read of the item in partition `pk` answers `item` (a stale read). */
function staleOnce(inner: Db, pk: string, item: Record<string, unknown>): Db {
  let left = 1;
  const wrapped = Object.create(inner) as Db;
  wrapped.send = (async (command: { constructor: { name: string }; input: { Key?: { pk?: string } } }) => {
    if (command.constructor.name === 'GetCommand' && command.input.Key?.pk === pk && left > 0) {
      left--;
      return { Item: item };
    }
    return inner.send(command as never);
  }) as Db['send'];
  return wrapped;
}
