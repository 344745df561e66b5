import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe('config', () => {
  it('refuses an idempotency TTL under 24 hours (a late retry would post again)', () => {
    process.env.BANK_IDEMPOTENCY_TTL_SECONDS = '0';
    expect(() => loadConfig()).toThrow(/at least 86400/);
    process.env.BANK_IDEMPOTENCY_TTL_SECONDS = '86400';
    expect(loadConfig().idempotencyTtlSeconds).toBe(86400);
  });

  it('reads the deposit cap and the sweep interval, with their defaults', () => {
    delete process.env.BANK_DAILY_DEPOSIT_LIMIT;
    delete process.env.BANK_SWEEP_SECONDS;
    expect(loadConfig()).toMatchObject({ dailyDepositLimit: 1_000_000, sweepSeconds: 5 });
    process.env.BANK_DAILY_DEPOSIT_LIMIT = '250';
    process.env.BANK_SWEEP_SECONDS = '30';
    expect(loadConfig()).toMatchObject({ dailyDepositLimit: 250, sweepSeconds: 30 });
  });
});
