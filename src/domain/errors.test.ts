import { describe, expect, it } from 'vitest';
import { BankError, DECLINE_CODES, type ErrorCode, errorCatalog, isDecline } from './errors.ts';

describe('the error catalog', () => {
  it('titles a code by its words unless it has a title of its own', () => {
    expect(errorCatalog.balance_not_zero).toEqual({ status: 409, title: 'Balance not zero' });
    expect(errorCatalog.insufficient_funds).toEqual({ status: 422, title: 'Insufficient funds' });
    expect(errorCatalog.malformed_json).toEqual({ status: 400, title: 'Malformed JSON' });
    expect(errorCatalog.delivery_in_progress).toEqual({ status: 409, title: 'Delivery being attempted' });
    for (const [code, { status, title }] of Object.entries(errorCatalog)) {
      expect(title, code).toMatch(/^[A-Z][^_]*$/);
      expect(status, code).toBeGreaterThanOrEqual(400);
    }
  });

  it("gives a BankError the code's status, and its title when it has no detail", () => {
    const e = new BankError('webhook_limit_reached' satisfies ErrorCode);
    expect(e).toMatchObject({
      status: 409,
      detail: 'Webhook limit reached',
      message: 'Webhook limit reached',
    });
  });
});

describe('declines', () => {
  it('are the rule refusals of a movement, named one by one; no other error is recorded as one', () => {
    const declines = (Object.keys(errorCatalog) as ErrorCode[]).filter((c) => isDecline(new BankError(c)));
    expect(declines.sort()).toEqual([...DECLINE_CODES].sort());
    // 422 but not declines: a key reused for another request, an export over its size.
    expect(isDecline(new BankError('idempotency_key_reused'))).toBe(false);
    expect(isDecline(new BankError('export_too_large'))).toBe(false);
    // A decline whatever its status: a post or void of a transfer that is no longer pending (409).
    expect(isDecline(new BankError('transaction_not_pending'))).toBe(true);
    expect(isDecline(new BankError('transaction_expired'))).toBe(true);
    expect(isDecline(new BankError('credit_not_settled'))).toBe(false);
    expect(isDecline(new Error('insufficient_funds'))).toBe(false);
    // Every other 422 is a decline.
    for (const [code, { status }] of Object.entries(errorCatalog))
      if (status === 422 && code !== 'idempotency_key_reused' && code !== 'export_too_large')
        expect(DECLINE_CODES as readonly string[], code).toContain(code);
  });
});

describe('a decline’s status', () => {
  it('is 422 (the request was understood, a rule refused it), but 409 for a transfer that is no longer pending', () => {
    const conflicts = ['transaction_not_pending', 'transaction_expired'];
    for (const code of DECLINE_CODES)
      expect(errorCatalog[code].status, code).toBe(conflicts.includes(code) ? 409 : 422);
    expect(errorCatalog.too_many_holds).toEqual({ status: 422, title: 'Too many pending transfers' });
  });
});
