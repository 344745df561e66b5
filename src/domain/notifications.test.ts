import { describe, expect, it } from 'vitest';
import { type BankEvent, eventTypes } from './events.ts';
import {
  buildEmail,
  emailedTypes,
  emailFor,
  formatAmount,
  maskAccount,
  withContact,
} from './notifications.ts';

const all = { incoming: true, withdrawals: true, holds: true };
const opts = { withdrawalOver: 50_000 };
const event = (type: BankEvent['type'], data: Record<string, unknown>): BankEvent => ({
  id: 'evt_1',
  type,
  createdAt: '2026-11-30T10:00:00.000Z',
  data,
});
const incoming = event('transaction.posted', {
  type: 'transfer',
  amount: 123456,
  currency: 'EUR',
  toAccountId: 'b1',
  toAccountNumber: '5550001112',
  fromAccountNumber: '4820193757',
  description: 'Click https://evil.example to claim',
});

describe('emails', () => {
  it('formats amounts in the currency, with its own decimals', () => {
    expect(formatAmount(123456, 'EUR')).toBe('€1,234.56');
    expect(formatAmount(5, 'USD')).toBe('$0.05');
    expect(formatAmount(1500, 'JPY')).toBe('¥1,500');
    expect(maskAccount('4820193757')).toBe('••••3757');
  });

  it('an incoming transfer: the amount and the last 4 digits, nothing the sender typed, text and HTML', () => {
    const e = emailFor(incoming, all, opts);
    expect(e?.subject).toBe('You received €1,234.56');
    for (const body of [e?.text, e?.html]) {
      expect(body).toContain('€1,234.56');
      expect(body).toContain('••••1112');
      expect(body).not.toContain('5550001112');
      expect(body).not.toContain('482019');
      expect(body).not.toContain('evil');
    }
    expect(e?.html).toMatch(/^<!doctype html>/);
  });

  it('follows the preferences and the withdrawal threshold', () => {
    expect(emailFor(incoming, { ...all, incoming: false }, opts)).toBeUndefined();
    const w = (amount: number) =>
      event('transaction.posted', {
        type: 'withdrawal',
        amount,
        currency: 'USD',
        fromAccountId: 'a1',
        fromAccountNumber: '4820193757',
      });
    expect(emailFor(w(50_000), all, opts)).toBeUndefined();
    expect(emailFor(w(50_001), all, opts)?.text).toContain('$500.01');
    expect(emailFor(w(50_001), { ...all, withdrawals: false }, opts)).toBeUndefined();
    const expired = event('transaction.expired', {
      type: 'transfer',
      amount: 700,
      currency: 'USD',
      fromAccountNumber: '4820193757',
    });
    expect(emailFor(expired, all, opts)?.text).toContain('••••3757');
    expect(emailFor(expired, { ...all, holds: false }, opts)).toBeUndefined();
    const closed = event('account.closed', { type: 'savings', number: '4820193757', currency: 'GBP' });
    expect(emailFor(closed, { incoming: false, withdrawals: false, holds: false }, opts)?.subject).toContain(
      '••••3757',
    );
  });

  it('the sender of a transfer, a deposit, and a transfer between one’s own accounts get no incoming email', () => {
    const out = event('transaction.posted', {
      type: 'transfer',
      amount: 1,
      currency: 'USD',
      fromAccountId: 'a1',
    });
    const own = event('transaction.posted', {
      type: 'transfer',
      amount: 1,
      currency: 'USD',
      fromAccountId: 'a1',
      toAccountId: 'a2',
    });
    const dep = event('transaction.posted', {
      type: 'deposit',
      amount: 1,
      currency: 'USD',
      toAccountId: 'a1',
    });
    for (const e of [out, own, dep]) expect(emailFor(e, all, opts)).toBeUndefined();
  });

  it('a reversal by the bank (a transfer returned from a closed account) is always told, either way, without the description', () => {
    const none = { incoming: false, withdrawals: false, holds: false };
    const back = emailFor(
      event('transaction.posted', {
        type: 'reversal',
        amount: 4000,
        currency: 'USD',
        toAccountId: 'a1',
        toAccountNumber: '4820193757',
        description: 'Returned: Click https://evil.example',
        reverses: 'j1',
      }),
      none,
      opts,
    );
    expect(back?.subject).toBe('$40.00 was returned to your account');
    expect(back?.text).toContain('returned $40.00 to your account ••••3757');
    const taken = emailFor(
      event('transaction.posted', {
        type: 'reversal',
        amount: 2550,
        currency: 'USD',
        fromAccountId: 'a1',
        fromAccountNumber: '4820193757',
        description: 'Reversal of Cash deposit',
        reverses: 'd1',
      }),
      none,
      opts,
    );
    expect(taken?.subject).toBe('The bank reversed $25.50 from your account');
    expect(taken?.text).toContain('took $25.50 back from your account ••••3757');
    for (const body of [back?.text, back?.html, taken?.text, taken?.html]) {
      expect(body).not.toContain('evil');
      expect(body).not.toContain('Cash deposit');
    }
  });

  it('a failed scheduled run is always told, in plain words, without the error code', () => {
    const run = event('schedule.run_failed', {
      scheduleId: 's1',
      runDate: '2026-12-01',
      errorCode: 'daily_limit_exceeded',
      amount: 2500,
      currency: 'USD',
    });
    const none = { incoming: false, withdrawals: false, holds: false };
    const e = emailFor(run, none, opts);
    expect(e?.subject).toBe('Your scheduled transfer of $25.00 was not paid');
    expect(e?.text).toContain(
      'due on 2026-12-01 (UTC) was not paid: it would have gone over your daily limit.',
    );
    expect(e?.text).not.toContain('daily_limit_exceeded');
    const odd = emailFor({ ...run, data: { ...run.data, errorCode: 'something_new' } }, none, opts);
    expect(odd?.text).toContain('the bank could not make the payment');
  });

  it("a failed scheduled run's notice says what became of the schedule: on to its next date, ended and why, or cancelled", () => {
    const none = { incoming: false, withdrawals: false, holds: false };
    const text = (data: Record<string, unknown>) =>
      emailFor(
        event('schedule.run_failed', {
          scheduleId: 's1',
          runDate: '2026-12-01',
          amount: 2500,
          currency: 'USD',
          errorCode: 'insufficient_funds',
          ...data,
        }),
        none,
        opts,
      )?.text ?? '';
    const goesOn = 'The schedule goes on';
    const on = text({ scheduleStatus: 'active', nextRunDate: '2027-01-01' });
    expect(on).toContain('The schedule goes on: its next transfer is due on 2027-01-01 (UTC).');
    // A run caught up after an outage: the next one is already due and is being made now.
    const late = text({
      scheduleStatus: 'active',
      nextRunDate: '2026-12-08',
      at: '2026-12-15T06:00:00.000Z',
    });
    expect(late).toContain('its next transfer, due on 2026-12-08 (UTC), was missed while we could not make');
    expect(late).not.toContain('is due on 2026-12-08');
    const onTime = text({
      scheduleStatus: 'active',
      nextRunDate: '2027-01-01',
      at: '2026-12-01T06:00:00.000Z',
    });
    expect(onTime).toContain('its next transfer is due on 2027-01-01 (UTC).');
    const closedTo = text({
      errorCode: 'recipient_closed',
      scheduleStatus: 'ended',
      endReason: 'recipient_closed',
    });
    expect(closedTo).toContain('was not paid: the account it pays is closed.');
    expect(closedTo).toContain('The account it pays is closed, so the schedule has ended');
    const closedFrom = text({
      errorCode: 'account_closed',
      scheduleStatus: 'ended',
      endReason: 'source_closed',
    });
    expect(closedFrom).toContain('was not paid: the account it pays from is closed.');
    expect(closedFrom).toContain('The account it pays from is closed, so the schedule has ended.');
    const last = text({ scheduleStatus: 'ended', endReason: 'completed' });
    expect(last).toContain("This was the schedule's last transfer, so it has ended.");
    const cancelled = text({ scheduleStatus: 'cancelled' });
    expect(cancelled).toContain('The schedule was cancelled');
    // Only a schedule that goes on says so; a run recorded before the schedule's state was kept says neither.
    for (const t of [closedTo, closedFrom, last, cancelled, text({})]) expect(t).not.toContain(goesOn);
    expect(
      text({ errorCode: 'recipient_frozen', scheduleStatus: 'active', nextRunDate: '2027-01-01' }),
    ).toContain('the account it pays cannot receive payments at the moment');
  });

  it('escapes what it prints in the HTML body (&, <, >, quotes), and leaves the text body as it is', () => {
    const odd = `<img src=x onerror="alert('1')">&`;
    const e = emailFor(
      event('account.closed', { type: odd, number: '4820193757', currency: 'GBP' }),
      all,
      opts,
    );
    expect(e?.html).toContain('&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;');
    expect(e?.html).not.toContain('<img');
    expect(e?.text).toContain(odd);
  });
});

describe('unclaimed funds', () => {
  it('are always told to the sender: the amount, the last 4 digits, how to get it back; nothing anyone typed', () => {
    const none = { incoming: false, withdrawals: false, holds: false };
    const held = event('transaction.unclaimed', {
      type: 'transfer',
      status: 'posted',
      amount: 12000,
      currency: 'GBP',
      fromAccountId: 'a1',
      fromAccountNumber: '4820193757',
      toAccountNumber: '5550001112',
      description: 'Click https://evil.example',
      reversedAmount: 12000,
      unclaimed: true,
    });
    for (const prefs of [none, all]) {
      const e = emailFor(held, prefs, opts);
      expect(e?.subject).toBe('Your transfer of £120.00 was returned, and we are holding it for you');
      for (const body of [e?.text, e?.html]) {
        expect(body).toContain('from your account ••••3757');
        expect(body).toContain('we are holding the £120.00 for you');
        expect(body).toContain('Contact us');
        expect(body).not.toContain('evil');
        expect(body).not.toContain('4820193757');
        expect(body).not.toContain('5550001112');
      }
    }
  });
});

describe('unclaimed funds paid out of the bank', () => {
  it('by cheque, or to the state: always told how, with nothing anyone typed', () => {
    const none = { incoming: false, withdrawals: false, holds: false };
    const paid = (unclaimedPaidOutBy: string) =>
      emailFor(
        event('transaction.unclaimed', {
          type: 'transfer',
          amount: 12000,
          currency: 'GBP',
          fromAccountNumber: '4820193757',
          description: 'Click https://evil.example',
          unclaimed: true,
          unclaimedPaidOutBy,
        }),
        none,
        opts,
      );
    const cheque = paid('cheque');
    expect(cheque?.subject).toBe('We have sent you a cheque for £120.00');
    expect(cheque?.text).toContain('your account ••••3757');
    const state = paid('escheat');
    expect(state?.subject).toBe('Your unclaimed £120.00 was handed to the state');
    expect(state?.text).toContain('claim it from the state’s unclaimed property office');
    for (const e of [cheque, state]) expect(`${e?.text}${e?.html}`).not.toContain('evil');
  });
});

describe('emailedTypes', () => {
  it('names every type that can give an email: no other type gives one, whatever its data, with every preference on', () => {
    const all = { incoming: true, withdrawals: true, holds: true };
    const shapes: Record<string, unknown>[] = [
      'transfer',
      'withdrawal',
      'deposit',
      'reversal',
      'refund',
    ].flatMap((type) => [
      { type, toAccountId: 'a', amount: 100, currency: 'EUR' },
      { type, fromAccountId: 'b', amount: 100, currency: 'EUR' },
      { type, toAccountId: 'a', fromAccountId: 'b', amount: 100, currency: 'EUR' },
    ]);
    const emails = (type: BankEvent['type']) =>
      shapes.filter(
        (data) =>
          emailFor({ id: 'e', type, createdAt: '2026-01-01T00:00:00.000Z', data }, all, {
            withdrawalOver: -1,
          }) !== undefined,
      ).length;
    for (const type of eventTypes) {
      if (emailedTypes.includes(type)) expect(emails(type), type).toBeGreaterThan(0);
      else expect(emails(type), type).toBe(0);
    }
  });
});

describe('how to reach the bank', () => {
  const email = buildEmail('Your password was changed', [
    'It was changed.',
    'If it was not you, contact us.',
  ]);

  it('is said in every email above its signature, in the text and the HTML, escaped', () => {
    const c = withContact(email, 'help@bank.example or +1 <555> 0100');
    expect(c.subject).toBe(email.subject);
    expect(c.text).toBe(
      'It was changed.\n\nIf it was not you, contact us.\n\nContact us: help@bank.example or +1 <555> 0100\n\nServerless Bank\n',
    );
    expect(c.html).toContain(
      '<p>If it was not you, contact us.</p><p>Contact us: help@bank.example or +1 &lt;555&gt; 0100</p><p>Serverless Bank</p></body></html>',
    );
  });

  it('leaves the email as it is when the stage sets no contact', () => {
    expect(withContact(email, '')).toEqual(email);
  });

  it('refuses what buildEmail did not make, rather than put the line somewhere wrong', () => {
    expect(() => withContact({ ...email, text: 'hand-made' }, 'help@bank.example')).toThrow(/buildEmail/);
  });
});
