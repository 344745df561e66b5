import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../test/api.ts';
import { deposit, expiredHold, newUser, openAccount } from '../../test/banking.ts';
import { createTestTable, useHandlerEnv } from '../../test/harness.ts';
import { utcDay, withinOnePeriod } from '../../test/periods.ts';

let table: string;
beforeAll(async () => {
  table = await createTestTable('expired-hold-reads');
  useHandlerEnv({ TABLE_NAME: table, BANK_DAILY_LIMIT: '500000' });
});

/**
 * A pending transfer past its expiry, before the sweeper has run (every minute on AWS; longer when it
 * fails): every read already shows it over, as the balance does (a review found the transaction, the
 * history and the limits still showing it live).
 */
describe('a pending transfer past its expiry, before the sweeper has run', () => {
  it('reads as expired everywhere, not as a pending debit beside a balance that no longer holds it', async () => {
    const u = await newUser(table);
    const a = await openAccount(u);
    const b = await openAccount(await newUser(table));
    await deposit(u, a.id, 300_000);
    // Placed ten minutes ago to expire after a minute; no sweep has run.
    const id = await expiredHold(u, a.id, b.number, 200_000);
    // The balance already leaves it out (held 0): the hold is over.
    const bal = await call('getBalance', { user: u, params: { id: a.id } });
    expect(bal.body).toMatchObject({ held: 0, available: 300_000 });
    // The transfer itself and the account's history should say so too.
    const tx = await call('getTransaction', { user: u, params: { id } });
    expect(Date.parse(tx.body.expiresAt)).toBeLessThan(Date.now());
    const history = await call('history', { user: u, params: { id: a.id } });
    const entry = history.body.items.find((i: { transactionId: string }) => i.transactionId === id);
    expect({ transaction: tx.body.status, historyEntry: entry?.status }).toEqual({
      transaction: 'expired',
      historyEntry: 'expired',
    });
    // A filter on the status finds it as shown.
    const only = async (status: string) =>
      (await call('history', { user: u, params: { id: a.id }, query: { status } })).body.items.map(
        (i: { transactionId: string }) => i.transactionId,
      );
    expect({ expired: await only('expired'), pending: await only('pending') }).toEqual({
      expired: [id],
      pending: [],
    });
  });

  it('does not count a hold that has expired, before the sweeper has run (as every other read)', async ({
    skip,
  }) =>
    withinOnePeriod(skip, utcDay, async () => {
      const u = await newUser(table);
      const a = await openAccount(u);
      const b = await openAccount(await newUser(table));
      await deposit(u, a.id, 300_000);
      // Placed ten minutes ago, expired nine minutes ago; no sweep has run.
      const ago = utcDay(new Date(Date.now() - 10 * 60_000));
      await expiredHold(u, a.id, b.number, 200_000);
      if (ago !== utcDay(new Date())) skip('the hold was placed yesterday (UTC): nothing of today to check');
      // The account's own read already leaves it out: available is the whole balance again.
      const bal = await call('getBalance', { user: u, params: { id: a.id } });
      expect(bal.body).toMatchObject({ balance: 300_000, held: 0, available: 300_000 });
      // The limit it took today is given back when it expires (the same UTC day), so the limits read
      // should not count it either: the customer may send the whole 500,000 today.
      const usd = (await call('getLimits', { user: u })).body.outgoing.find(
        (l: { currency: string }) => l.currency === 'USD',
      );
      expect(usd).toEqual({ currency: 'USD', limit: 500_000, used: 0, remaining: 500_000 });
    }));
});
