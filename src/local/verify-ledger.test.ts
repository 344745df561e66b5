/** `npm run verify-ledger` judges holds and credits overdue against the sweeper of the table it checks. */
import { describe, expect, it } from 'vitest';
import { verifyTarget } from './verify-ledger.ts';

describe('the table verify-ledger checks', () => {
  it('a deployed table: its sweeper runs on the registry schedule (every minute), not every 5 s', () => {
    const t = verifyTarget({ TABLE_NAME: 'bank-prod' });
    expect(t).toMatchObject({ table: 'bank-prod', sweepSeconds: 60 });
    t.client.destroy();
  });

  it('BANK_SWEEP_SECONDS overrides it', () => {
    const t = verifyTarget({ TABLE_NAME: 'bank-prod', BANK_SWEEP_SECONDS: '120' });
    expect(t.sweepSeconds).toBe(120);
    t.client.destroy();
  });
});
