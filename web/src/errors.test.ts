import { describe, expect, it } from 'vitest';
import { problem, problemOf } from '../../src/api/problem.ts';
import { payerNotActive, recipientNotActive } from '../../src/domain/account.ts';
import { type ErrorCode, errorCatalog } from '../../src/domain/errors.ts';
import {
  ApiError,
  apiErrorFrom,
  explain,
  MESSAGES,
  NetworkError,
  numberRefusal,
  OFFLINE,
  PAYER_NOT_ACTIVE,
  RECIPIENT_CLOSED,
  RECIPIENT_NOT_ACTIVE,
} from './errors.ts';

const codes = Object.keys(errorCatalog) as ErrorCode[];

describe('plain-words errors', () => {
  it('has a sentence for every code, and never shows the code itself', () => {
    for (const code of codes) {
      const e = apiErrorFrom(errorCatalog[code].status, problem(code, 'internal detail at Foo.bar (x.ts:1)'));
      const { message, fields } = explain(e);
      expect(Object.keys(fields)).toEqual([]);
      expect(message, code).toBe(MESSAGES[code]);
      expect(message).toMatch(/^[A-Z].*\.$/);
      expect(message).not.toContain(code);
      expect(message).not.toContain('_');
      expect(message).not.toContain('internal detail');
    }
  });

  it('reads the gateway 401 and answers that are not problem+json', () => {
    expect(apiErrorFrom(401, { message: 'Unauthorized' }).code).toBe('unauthorized');
    expect(apiErrorFrom(502, 'Bad gateway').code).toBe('internal_error');
    expect(apiErrorFrom(503, null).code).toBe('service_unavailable');
    expect(explain(apiErrorFrom(500, { code: 'Some Weird Thing' })).message).toBe(MESSAGES.internal_error);
    expect(explain(apiErrorFrom(418, { code: 'brand_new_code' })).message).toBe(MESSAGES.internal_error);
  });

  it('puts a refusal next to the field it concerns when the form has it', () => {
    const e = apiErrorFrom(422, problem('insufficient_funds'));
    expect(explain(e, ['amount', 'description'])).toEqual({
      message: undefined,
      fields: { amount: MESSAGES.insufficient_funds },
    });
    expect(explain(e, [])).toEqual({ message: MESSAGES.insufficient_funds, fields: {} });
    expect(explain(apiErrorFrom(422, problem('recipient_not_found')), ['toAccountNumber', 'amount'])).toEqual(
      {
        message: undefined,
        fields: { toAccountNumber: MESSAGES.recipient_not_found },
      },
    );
  });

  it('puts a refusal of the amount on the amount: a deposit over the day, a refund or reversal over what is left', () => {
    for (const code of [
      'deposit_limit_exceeded',
      'refund_exceeds_amount',
      'amount_exceeds_hold',
      'reversal_exceeds_amount',
    ] as const) {
      expect(explain(apiErrorFrom(422, problem(code)), ['amount', 'description']), code).toEqual({
        message: undefined,
        fields: { amount: MESSAGES[code] },
      });
    }
  });

  it("says a recipient's account that cannot take payments is the recipient's, not the customer's own", () => {
    // The server's own refusal (src/domain/account.ts), as HTTP.
    const e = apiErrorFrom(422, problemOf(recipientNotActive()));
    expect(explain(e, ['toAccountNumber', 'amount'])).toEqual({
      message: undefined,
      fields: { toAccountNumber: RECIPIENT_NOT_ACTIVE },
    });
    // A saved payee's number is not on screen: said for the form.
    expect(explain(e, ['amount'])).toEqual({ message: RECIPIENT_NOT_ACTIVE, fields: {} });
    // The customer's own account (no field named): the code's own words.
    expect(explain(apiErrorFrom(422, problem('account_not_active')), ['toAccountNumber'])).toEqual({
      message: MESSAGES.account_not_active,
      fields: {},
    });
  });

  it("says a refund's payer whose account cannot take payments is the payer's, not the refunder's own", () => {
    // The server's own refusal (src/domain/account.ts), as HTTP.
    const e = apiErrorFrom(422, problemOf(payerNotActive()));
    expect(explain(e, ['amount', 'description'])).toEqual({ message: PAYER_NOT_ACTIVE, fields: {} });
    expect(explain(e, [])).toEqual({ message: PAYER_NOT_ACTIVE, fields: {} });
  });

  it("words a payee check's or save's refusal of the number for that number's field", () => {
    expect(numberRefusal(apiErrorFrom(422, problem('recipient_not_found')))).toBe(
      MESSAGES.recipient_not_found,
    );
    // The one account these name is the one to be paid: closed, never "this account is not active".
    expect(numberRefusal(apiErrorFrom(422, problem('account_not_active')))).toBe(RECIPIENT_CLOSED);
    expect(numberRefusal(apiErrorFrom(429, problem('rate_limited')))).toBeUndefined();
    expect(numberRefusal(new NetworkError())).toBeUndefined();
  });

  it('maps validation errors to fields in plain words', () => {
    const e = apiErrorFrom(
      400,
      problem('validation_failed', 'The request is not valid', [
        { path: 'body.amount', message: 'Too small: expected number to be >=1' },
        { path: 'body.amount', message: 'Invalid input: expected int' },
        { path: 'body.nickname', message: 'must not contain control characters' },
      ]),
    );
    expect(explain(e, ['amount', 'nickname'])).toEqual({
      message: undefined,
      fields: {
        amount: 'Enter an amount greater than zero.',
        nickname: 'Use up to 50 ordinary characters for the nickname.',
      },
    });
    expect(explain(e, ['email'])).toEqual({ message: MESSAGES.validation_failed, fields: {} });
    // A metadata value the form has as a field of its own: the transfer's note.
    const note = apiErrorFrom(
      400,
      problem('validation_failed', 'The request is not valid', [
        { path: 'body.metadata.note', message: 'must not contain control characters' },
      ]),
    );
    expect(explain(note, ['amount', 'note'])).toEqual({
      message: undefined,
      fields: { note: 'Use up to 500 ordinary characters for your note.' },
    });
  });

  it('says how long a login lock lasts when the server says so', () => {
    const e = apiErrorFrom(429, problem('login_locked'), '1800');
    expect(explain(e).message).toBe('Too many failed attempts. For your security, try again in 30 minutes.');
  });

  it('says when to try again after a rate limit, from Retry-After', () => {
    const waitingFor = (seconds: string) =>
      explain(apiErrorFrom(429, problem('rate_limited'), seconds)).message;
    // The minute's account-number checks spent.
    expect(waitingFor('42')).toBe('Too many requests for now. Try again in 42 seconds.');
    expect(waitingFor('1')).toBe('Too many requests for now. Try again in 1 second.');
    expect(waitingFor('90')).toBe('Too many requests for now. Try again in 2 minutes.');
    // The day's spent: until the next UTC midnight, not "a moment".
    expect(waitingFor('18000')).toBe('Too many requests for now. Try again in about 5 hours.');
    // No Retry-After (a gateway's 429): the plain words.
    expect(explain(apiErrorFrom(429, problem('rate_limited'))).message).toBe(MESSAGES.rate_limited);
  });

  it('speaks of the connection when there was no answer, and hides anything else', () => {
    expect(explain(new NetworkError()).message).toBe(OFFLINE);
    const { message } = explain(new TypeError("Cannot read properties of undefined (reading 'x')"));
    expect(message).toBe(MESSAGES.internal_error);
    expect(new ApiError(400, 'x').fieldErrors).toEqual([]);
  });
});
