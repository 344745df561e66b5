import { describe, expect, it } from 'vitest';
import { BankError, type ErrorCode, errorCatalog } from './errors.ts';

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
