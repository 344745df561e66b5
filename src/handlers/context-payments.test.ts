/** The statement functions' bucket: named by STATEMENTS_BUCKET, and refused when it is not set. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resetConfig } from '../config.ts';
import { statementsBucket } from './context-payments.ts';

afterEach(() => {
  vi.unstubAllEnvs();
  resetConfig();
});

describe('statementsBucket', () => {
  it('is the bucket STATEMENTS_BUCKET names', () => {
    vi.stubEnv('STATEMENTS_BUCKET', 'bank-statements');
    resetConfig();
    expect(statementsBucket()).toBe('bank-statements');
  });

  it('refuses to go on without one, rather than name no bucket', () => {
    vi.stubEnv('STATEMENTS_BUCKET', '');
    resetConfig();
    expect(() => statementsBucket()).toThrow('STATEMENTS_BUCKET is not set');
  });
});
