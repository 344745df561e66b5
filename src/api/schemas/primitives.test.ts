import { describe, expect, it } from 'vitest';
import { luhnDigit } from '../../domain/account.ts';
import { currencyCodes, MAX_AMOUNT } from '../../domain/money.ts';
import { AccountNumber, Amount, CurrencyCode, IdempotencyKey } from './primitives.ts';

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
