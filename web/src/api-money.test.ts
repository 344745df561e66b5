/** The money calls' bodies, as the API reads them. */
import { describe, expect, it } from 'vitest';
import type { Api } from './api.ts';
import { moneyApi } from './api-money.ts';

const recording = () => {
  const calls: unknown[][] = [];
  const api = {
    request: async (...args: unknown[]) => {
      calls.push(args);
      return {};
    },
  } as unknown as Api;
  return { m: moneyApi(api), calls };
};

describe('posting a pending transfer', () => {
  it('sends no amount for the whole hold, and any amount given as given, 0 included', async () => {
    const { m, calls } = recording();
    await m.postTransfer('t-1', undefined, 'k1');
    await m.postTransfer('t-1', 250, 'k2');
    // An amount of 0 is the API's to refuse: read as "none", it posted the whole hold.
    await m.postTransfer('t-1', 0, 'k3');
    expect(calls.map((c) => c[2])).toEqual([{}, { amount: 250 }, { amount: 0 }]);
    expect(calls.map((c) => c[1])).toEqual(Array(3).fill('/v1/transfers/t-1/post'));
  });
});

describe('saving a payee', () => {
  it('sends the key it is given, so a retry of a lost answer saves the payee once', async () => {
    const { m, calls } = recording();
    await m.createPayee({ name: 'Ann Lee', accountNumber: '1234567897' }, 'payee-key-1');
    expect(calls).toEqual([
      ['POST', '/v1/payees', { name: 'Ann Lee', accountNumber: '1234567897' }, 'payee-key-1'],
    ]);
  });
});
