import { describe, expect, it } from 'vitest';
import { keyed } from '../../../src/api/route-def.ts';
import { routes } from '../../../src/api/routes/admin-money.ts';
import { UnclaimedPayoutBody } from '../../../src/api/schemas/back-office.ts';
import { ApiError, explain, NetworkError } from '../errors.ts';
import {
  canPayOut,
  canReverse,
  PAYOUT_REFUSALS,
  PAYOUT_WAYS,
  payoutAccountProblem,
  payoutBody,
  payoutDestination,
  payoutFieldProblems,
  payoutProblem,
  payoutRefusal,
} from './unclaimed.ts';

const ID = '0b6f1c7e-3a52-4c1e-9d59-2f1a3b4c5d6e';
const transfer = { type: 'transfer', status: 'posted' };

describe('what the transaction page offers', () => {
  it('offers the payout for unclaimed funds not paid out yet, and only then', () => {
    expect(canPayOut({ ...transfer, unclaimed: true })).toBe(true);
    expect(canPayOut({ ...transfer, unclaimed: true, unclaimedPaidOut: ID })).toBe(false);
    expect(canPayOut(transfer)).toBe(false);
  });

  it('offers no Reverse for unclaimed funds (the API refuses: nothing is left to reverse), paid out or not', () => {
    expect(canReverse({ ...transfer, unclaimed: true })).toBe(false);
    expect(canReverse({ ...transfer, unclaimed: true, unclaimedPaidOut: ID })).toBe(false);
  });

  it('still offers Reverse for a posted transaction that is not a reversal', () => {
    expect(canReverse(transfer)).toBe(true);
    expect(canReverse({ type: 'deposit', status: 'posted' })).toBe(true);
    expect(canReverse({ type: 'reversal', status: 'posted' })).toBe(false);
    expect(canReverse({ type: 'transfer', status: 'pending' })).toBe(false);
  });
});

describe('payoutAccountProblem: the account id typed', () => {
  it('takes an account id, spaces around it and capitals too', () => {
    expect(payoutAccountProblem(ID)).toBeUndefined();
    expect(payoutAccountProblem(`  ${ID.toUpperCase()} `)).toBeUndefined();
  });

  it('asks for one when empty, and says what one looks like otherwise', () => {
    expect(payoutAccountProblem('  ')).toBe('Enter the id of the account to pay into.');
    expect(payoutAccountProblem('1234567890')).toMatch(/^An account id looks like/);
    expect(payoutAccountProblem(`${ID}0`)).toMatch(/^An account id looks like/);
    expect(payoutAccountProblem(ID.replace(/-/g, ''))).toMatch(/^An account id looks like/);
  });
});

describe('the way the funds go: an account of the sender, by cheque, to the state', () => {
  const typed = { toAccountId: ` ${ID.toUpperCase()} `, reference: ' CHQ-004711 ' };

  it('offers the three ways, the account first', () => {
    expect(PAYOUT_WAYS.map(([way]) => way)).toEqual(['account', 'cheque', 'escheat']);
  });

  it('checks the field the way asks for, and only that one', () => {
    expect(payoutFieldProblems({ way: 'account', toAccountId: '', reference: '' })).toEqual({
      toAccountId: 'Enter the id of the account to pay into.',
    });
    expect(payoutFieldProblems({ way: 'account', ...typed, reference: '' })).toEqual({
      toAccountId: undefined,
    });
    expect(payoutFieldProblems({ way: 'cheque', toAccountId: '', reference: ' ' })).toEqual({
      reference: 'Enter the cheque number.',
    });
    expect(payoutFieldProblems({ way: 'escheat', toAccountId: 'x', reference: '' }).reference).toBe(
      'Enter the state\u2019s filing reference.',
    );
    expect(
      payoutFieldProblems({ way: 'escheat', toAccountId: 'x', reference: 'x'.repeat(65) }).reference,
    ).toMatch(/64/);
    expect(payoutFieldProblems({ way: 'cheque', toAccountId: '', reference: 'CHQ-1' })).toEqual({
      reference: undefined,
    });
  });

  it("sends the way's fields alone, as the server's schema takes them", () => {
    const bodies = [
      [payoutBody({ way: 'account', ...typed }, 'Came back'), { toAccountId: ID, reason: 'Came back' }],
      [
        payoutBody({ way: 'cheque', ...typed }, 'Asked for a cheque'),
        { method: 'cheque', reference: 'CHQ-004711', reason: 'Asked for a cheque' },
      ],
      [
        payoutBody({ way: 'escheat', ...typed }, 'Dormant'),
        { method: 'escheat', reference: 'CHQ-004711', reason: 'Dormant' },
      ],
    ] as const;
    for (const [body, expected] of bodies) {
      expect(body).toEqual(expected);
      expect(UnclaimedPayoutBody.safeParse(body).success, JSON.stringify(body)).toBe(true);
    }
  });

  it('says where a payout went', () => {
    expect(payoutDestination({ toAccountId: ID })).toBe(`to the account ${ID}`);
    expect(payoutDestination({ method: 'cheque', reference: 'CHQ-1' })).toBe('by cheque CHQ-1');
    expect(payoutDestination({ method: 'escheat', reference: 'NY-42' })).toBe(
      'to the state (reference NY-42)',
    );
    expect(payoutDestination({ method: 'escheat' })).toBe('to the state');
  });
});

describe('payoutRefusal / payoutProblem: the refusals in words for this form', () => {
  const refused = (code: string, status = 422) => new ApiError(status, code);

  // The route's own refusals (src/api/routes/admin-money.ts), beyond those of every keyed request, and
  // `account_not_active`, which every keyed route may answer and this one answers for the account paid.
  const own = [
    ...(routes.payUnclaimed.errors as readonly string[]).filter((c) => !(keyed as string[]).includes(c)),
    'account_not_active',
  ];

  it('has words of its own for every refusal the route names, not the transfer or reversal words', () => {
    expect(own).toEqual(
      expect.arrayContaining([
        'not_reversible',
        'reversal_exceeds_amount',
        'recipient_not_found',
        'account_not_active',
        'currency_mismatch',
      ]),
    );
    for (const code of own.filter((c) => c !== 'not_found' && c !== 'service_unavailable')) {
      const words = payoutRefusal(refused(code));
      expect(words, code).toBeTruthy();
      // The shared words speak of transfers and reversals ("No account has that number"...).
      expect(words, code).not.toBe(explain(refused(code)).message);
    }
    expect(payoutRefusal(refused('not_found', 404))).toBe(PAYOUT_REFUSALS.not_found);
  });

  it('says an account refusal on the account field, the others for the whole form', () => {
    expect(payoutProblem(refused('recipient_not_found'))).toEqual({
      fields: { toAccountId: PAYOUT_REFUSALS.recipient_not_found },
      message: undefined,
    });
    expect(payoutProblem(refused('account_not_active'))?.fields.toAccountId).toBe(
      PAYOUT_REFUSALS.account_not_active,
    );
    expect(payoutProblem(refused('currency_mismatch'))?.fields.toAccountId).toBe(
      PAYOUT_REFUSALS.currency_mismatch,
    );
    expect(payoutProblem(refused('reversal_exceeds_amount'))).toEqual({
      fields: {},
      message: PAYOUT_REFUSALS.reversal_exceeds_amount,
    });
    expect(payoutProblem(refused('not_reversible'))?.message).toBe(PAYOUT_REFUSALS.not_reversible);
  });

  it('leaves any other error to the shared words (undefined), an inherited property name included', () => {
    expect(payoutRefusal(refused('forbidden', 403))).toBeUndefined();
    expect(payoutRefusal(refused('constructor'))).toBeUndefined();
    expect(payoutRefusal(new NetworkError())).toBeUndefined();
    expect(payoutProblem(refused('mfa_required', 403))).toBeUndefined();
    expect(payoutProblem(new Error('boom'))).toBeUndefined();
  });
});
