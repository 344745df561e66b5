/** A saved payee for unit tests: Jane Doe, an exact match, with a fresh valid account number. */
import { newAccountNumber } from '../../src/domain/account.ts';
import type { Payee } from './api-money.ts';

export const fakePayee = (): Payee => ({
  id: '6d1e0c3a-0b7e-4a52-8f1d-2c9b8a7e6f54',
  name: 'Jane Doe',
  accountNumber: newAccountNumber(),
  match: 'exact',
  createdAt: '2026-12-01T00:00:00.000Z',
});
