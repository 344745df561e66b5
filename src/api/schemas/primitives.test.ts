import { describe, expect, it } from 'vitest';
import { luhnDigit } from '../../domain/account.ts';
import { MAX_BATCH_TRANSFERS } from '../../domain/batch.ts';
import { currencyCodes, MAX_AMOUNT } from '../../domain/money.ts';
import { MAX_RUNS } from '../../domain/schedule.ts';
import { OpenAccountBody } from './accounts.ts';
import { AuditQuery, DisableCustomerBody } from './admin.ts';
import { EmailBody, MfaLoginBody, RefreshBody, RegisterBody } from './auth.ts';
import { ReasonBody, TellerBody } from './back-office.ts';
import { ConfirmationCode, CurrentPassword, Password, TotpCode } from './credentials.ts';
import { EventsQuery } from './events.ts';
import { BatchTransferBody } from './money.ts';
import { PayeeBody } from './payees.ts';
import { AccountNumber, Amount, CurrencyCode, IdempotencyKey, PageCursor } from './primitives.ts';
import { ScheduleBody } from './schedules.ts';
import { StatementParams } from './statements.ts';
import { WebhookBody } from './webhooks.ts';

/** The first message a schema gives `value`, or 'ok'. */
const said = (
  schema: { safeParse: (v: unknown) => { success: boolean; error?: unknown } },
  value: unknown,
) => {
  const r = schema.safeParse(value);
  return r.success ? 'ok' : ((r.error as { issues: { message: string }[] }).issues[0]?.message ?? 'refused');
};
const ok = (schema: Parameters<typeof said>[0], value: unknown) => said(schema, value) === 'ok';

describe('the request primitives', () => {
  it('an amount is a whole number of minor units from 1 to MAX_AMOUNT', () => {
    for (const good of [1, MAX_AMOUNT]) expect(ok(Amount, good), `${good}`).toBe(true);
    for (const bad of [0, -1, 1.5, MAX_AMOUNT + 1, '100']) expect(ok(Amount, bad), `${bad}`).toBe(false);
  });

  it('a currency is one the bank keeps, spelled as ISO 4217 does', () => {
    for (const code of currencyCodes) expect(ok(CurrencyCode, code), code).toBe(true);
    for (const bad of ['usd', 'XXX', 'US', '']) expect(ok(CurrencyCode, bad), bad).toBe(false);
  });

  it('an idempotency key is 1 to 255 printable ASCII characters, and none of the bank’s own sched: keys', () => {
    for (const good of ['k', 'k'.repeat(255), ' ~', 'schedule:1', 'a-sched:b'])
      expect(ok(IdempotencyKey, good), good).toBe(true);
    for (const bad of ['', 'k'.repeat(256), 'a\u007fb', 'tab\there', 'clé', 'sched:', 'sched:s1:2027-01-01'])
      expect(ok(IdempotencyKey, bad), JSON.stringify(bad)).toBe(false);
  });

  it('an account number is 10 digits whose last checks the first nine, and says which is wrong', () => {
    const body = '482019375';
    const good = body + luhnDigit(body);
    expect(said(AccountNumber, good)).toBe('ok');
    const typo = body + String((Number(luhnDigit(body)) + 1) % 10);
    expect(said(AccountNumber, typo)).toBe('is not an account number: check its digits');
    for (const bad of ['12345678', '48201937a5', `${good}0`])
      expect(said(AccountNumber, bad), bad).not.toBe('ok');
    expect(said(AccountNumber, '12345678')).toBe('must be 10 digits');
  });
});

describe('request bodies’ bounds', () => {
  const number = () => {
    const body = '482019375';
    return body + luhnDigit(body);
  };
  const id = '3f9a2b1c-6a43-4c1e-9a55-5b7f0e2d8c11';

  it('an account’s nickname is 1 to 50 characters; a payee’s name 1 to 100', () => {
    const open = (nickname: string) => ({ type: 'checking', currency: 'USD', nickname });
    expect(ok(OpenAccountBody, open('n'.repeat(50)))).toBe(true);
    expect(ok(OpenAccountBody, open('n'.repeat(51)))).toBe(false);
    expect(ok(OpenAccountBody, open('  '))).toBe(false);
    const payee = (name: string) => ({ name, accountNumber: number() });
    expect(ok(PayeeBody, payee('n'.repeat(100)))).toBe(true);
    expect(ok(PayeeBody, payee('n'.repeat(101)))).toBe(false);
  });

  it(`a bulk payment holds 1 to ${MAX_BATCH_TRANSFERS} transfers; a schedule runs 1 to ${MAX_RUNS} times`, () => {
    const batch = (n: number) => ({
      fromAccountId: id,
      currency: 'USD',
      transfers: Array.from({ length: n }, () => ({ toAccountNumber: number(), amount: 1 })),
    });
    expect(ok(BatchTransferBody, batch(MAX_BATCH_TRANSFERS))).toBe(true);
    for (const bad of [0, MAX_BATCH_TRANSFERS + 1])
      expect(ok(BatchTransferBody, batch(bad)), `${bad}`).toBe(false);
    const schedule = (count: number) => ({
      fromAccountId: id,
      toAccountNumber: number(),
      amount: 1,
      currency: 'USD',
      startDate: '2027-01-31',
      frequency: 'monthly',
      count,
    });
    for (const good of [1, MAX_RUNS]) expect(ok(ScheduleBody, schedule(good)), `${good}`).toBe(true);
    for (const bad of [0, MAX_RUNS + 1]) expect(ok(ScheduleBody, schedule(bad)), `${bad}`).toBe(false);
    expect(MAX_RUNS).toBe(240);
  });

  it('a webhook’s URL is at most 2048 characters; a counter’s slip reference 1 to 64', () => {
    const hook = (url: string) => ({ url, events: ['transaction.posted'] });
    const url = (n: number) => `https://example.com/${'p'.repeat(n - 'https://example.com/'.length)}`;
    expect(ok(WebhookBody, hook(url(2048)))).toBe(true);
    expect(ok(WebhookBody, hook(url(2049)))).toBe(false);
    const teller = (reference: string) => ({ amount: 1, reference });
    expect(ok(TellerBody, teller('r'.repeat(64)))).toBe(true);
    expect(ok(TellerBody, teller('r'.repeat(65)))).toBe(false);
  });

  it('a reason staff give for disabling a customer is at least 3 characters after trimming', () => {
    expect(ok(DisableCustomerBody, { reason: 'abc' })).toBe(true);
    expect(ok(DisableCustomerBody, { reason: ' ab ' })).toBe(false);
  });
});

describe('credentials’, statements’ and webhooks’ bounds', () => {
  const id = '3f9a2b1c-6a43-4c1e-9a55-5b7f0e2d8c11';

  it('an emailed code is 4 to 8 digits; an authenticator’s code 6', () => {
    for (const good of ['1234', '12345678']) expect(ok(ConfirmationCode, good), good).toBe(true);
    for (const bad of ['123', '123456789', '12a4']) expect(ok(ConfirmationCode, bad), bad).toBe(false);
    expect(ok(TotpCode, '123456')).toBe(true);
    for (const bad of ['12345', '1234567']) expect(ok(TotpCode, bad), bad).toBe(false);
  });

  it('a new login’s email is within RFC 5321’s limits (64 before the @, 63 a domain label); a login made before still signs in', () => {
    const register = (email: string) => ok(RegisterBody, { email, password: 'Aa1!aaaaaaaa', name: 'Ada' });
    expect(register(`${'a'.repeat(64)}@example.com`)).toBe(true);
    expect(register(`${'a'.repeat(65)}@example.com`)).toBe(false);
    expect(register(`ada@${'b'.repeat(63)}.com`)).toBe(true);
    expect(register(`ada@${'b'.repeat(64)}.com`)).toBe(false);
    expect(register(`ada@example.${'c'.repeat(64)}`)).toBe(false);
    // Trimmed and lower-cased first, as before.
    expect(
      RegisterBody.safeParse({ email: ' Ada@Example.com ', password: 'Aa1!aaaaaaaa', name: 'Ada' }).data
        ?.email,
    ).toBe('ada@example.com');
    // Any other use of an email (a login made before the limits) takes it as it was.
    expect(ok(EmailBody, { email: `${'a'.repeat(65)}@example.com` })).toBe(true);
  });

  it('a password, new or current, is at most 256 characters', () => {
    const long = (n: number) => `Aa1!${'x'.repeat(n - 4)}`;
    expect(ok(Password, long(256))).toBe(true);
    expect(ok(Password, long(257))).toBe(false);
    expect(ok(CurrentPassword, long(256))).toBe(true);
    expect(ok(CurrentPassword, long(257))).toBe(false);
  });

  it('a statement’s period is a month from 01 to 12', () => {
    for (const good of ['2027-01', '2027-12'])
      expect(ok(StatementParams, { id, period: good }), good).toBe(true);
    for (const bad of ['2027-00', '2027-13'])
      expect(ok(StatementParams, { id, period: bad }), bad).toBe(false);
  });

  it('a webhook subscribes to at least one event', () => {
    expect(ok(WebhookBody, { url: 'https://example.com/hook', events: ['transaction.posted'] })).toBe(true);
    expect(ok(WebhookBody, { url: 'https://example.com/hook', events: [] })).toBe(false);
  });

  it('a reason staff give for a freeze or an unfreeze is 1 to 500 characters', () => {
    expect(ok(ReasonBody, { reason: 'r'.repeat(500) })).toBe(true);
    expect(ok(ReasonBody, { reason: 'r'.repeat(501) })).toBe(false);
  });
});

describe('emails’, tokens’, cursors’ and the audit query’s bounds', () => {
  /** An email of exactly `n` characters (a 64-character local part, labels of at most 63). */
  const emailOf = (n: number) => {
    const tld = '.example.com';
    const labels: string[] = [];
    for (let left = n - 65 - tld.length; left > 0; left -= 64) labels.push('d'.repeat(Math.min(63, left)));
    const e = `${'a'.repeat(64)}@${labels.join('.')}${tld}`;
    expect(e).toHaveLength(n);
    return e;
  };

  it('an email is at most 254 characters, counted after trimming', () => {
    expect(ok(EmailBody, { email: emailOf(254) })).toBe(true);
    expect(ok(EmailBody, { email: ` ${emailOf(254)} ` })).toBe(true);
    expect(ok(EmailBody, { email: emailOf(255) })).toBe(false);
  });

  it('an MFA session and a refresh token are 1 to 4096 characters', () => {
    const mfa = (session: string) => ({ session, code: '123456' });
    expect(ok(MfaLoginBody, mfa('s'.repeat(4096)))).toBe(true);
    for (const bad of ['', 's'.repeat(4097)]) expect(ok(MfaLoginBody, mfa(bad)), `${bad.length}`).toBe(false);
    expect(ok(RefreshBody, { refreshToken: 't'.repeat(4096) })).toBe(true);
    for (const bad of ['', 't'.repeat(4097)])
      expect(ok(RefreshBody, { refreshToken: bad }), `${bad.length}`).toBe(false);
  });

  it('a page cursor, and the event feed’s `after`, are at most 2048 characters', () => {
    expect(ok(PageCursor, 'c'.repeat(2048))).toBe(true);
    expect(ok(PageCursor, 'c'.repeat(2049))).toBe(false);
    expect(ok(EventsQuery, { after: 'c'.repeat(2048) })).toBe(true);
    expect(ok(EventsQuery, { after: 'c'.repeat(2049) })).toBe(false);
  });

  it('the audit query: a subject of 1 to 254 characters, an actor of 1 to 64 (lower-cased), instants, a cursor, nothing else', () => {
    for (const good of [{ subjectId: 's'.repeat(254) }, { actorId: 'a'.repeat(64) }])
      expect(ok(AuditQuery, good), JSON.stringify(good).slice(0, 20)).toBe(true);
    for (const bad of [
      { subjectId: '' },
      { subjectId: 's'.repeat(255) },
      { actorId: '' },
      { actorId: 'a'.repeat(65) },
    ])
      expect(ok(AuditQuery, bad), JSON.stringify(bad).slice(0, 20)).toBe(false);
    const at = '2027-01-31T10:00:00.000Z';
    expect(ok(AuditQuery, { actorId: 'a', from: at, to: at, cursor: 'c'.repeat(2048) })).toBe(true);
    for (const bad of [
      { from: '2027-01-31' },
      { to: 'yesterday' },
      { cursor: 'c'.repeat(2049) },
      { other: 'x' },
    ])
      expect(ok(AuditQuery, { actorId: 'a', ...bad }), JSON.stringify(bad).slice(0, 20)).toBe(false);
    // Ids are stored lower-case: both filters are matched case-insensitively.
    expect(AuditQuery.parse({ subjectId: 'AB-Cd@Example.COM', actorId: 'F00D-BEEF' })).toEqual({
      subjectId: 'ab-cd@example.com',
      actorId: 'f00d-beef',
    });
  });
});
