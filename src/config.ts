/**
 * Handler configuration, read once per cold start from the environment.
 * The same variables are set by the CDK app on AWS and by the local stack offline;
 * AWS endpoints come from the SDK's own AWS_ENDPOINT_URL_* variables, so no code differs.
 */
const int = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer`);
  return n;
};

/** A retry a day later must still find its record, or it would pass for a new request and post again. */
export const MIN_IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
export const DEFAULT_DAILY_DEPOSIT_LIMIT = 1_000_000;

const atLeast = (name: string, fallback: number, min: number): number => {
  const n = int(name, fallback);
  if (n < min) throw new Error(`${name} must be at least ${min}`);
  return n;
};

export interface Config {
  tableName: string;
  userPoolId: string;
  userPoolClientId: string;
  /** Confirm registrations without the emailed code (local development). */
  autoConfirm: boolean;
  /** Per user, per currency, per UTC day: withdrawals plus outgoing transfers, in minor units. */
  dailyLimit: number;
  /** Per user, per currency, per UTC day: self-service deposits, in minor units. */
  dailyDepositLimit: number;
  /** How often the sweeper releases expired holds (the local timer; on AWS a 1-minute schedule). */
  sweepSeconds: number;
  /** Shard items per system account (cash-in, cash-out). */
  systemShards: number;
  /** Failures per (email, source IP) before that pair is locked, and for how long. */
  loginMaxFailures: number;
  loginLockSeconds: number;
  /** Failures per email (all IPs) before attempts on it are slowed (1 s, 2 s ... 30 s apart). */
  loginSlowAfter: number;
  /**
   * The least time register, forgot-password and resend-code take, so a taken email cannot be told
   * from a new one by timing.
   */
  authFloorMs: number;
  /** The Secrets Manager secret holding the cursor keys (its ARN on AWS): the id, never the key. */
  cursorSecretId: string;
  /** Idempotency records live this long (DynamoDB TTL): at least 24 hours. */
  idempotencyTtlSeconds: number;
}

export const loadConfig = (): Config => ({
  tableName: process.env.TABLE_NAME ?? 'bank',
  userPoolId: process.env.USER_POOL_ID ?? '',
  userPoolClientId: process.env.USER_POOL_CLIENT_ID ?? '',
  autoConfirm: process.env.BANK_AUTO_CONFIRM === 'true',
  dailyLimit: int('BANK_DAILY_LIMIT', 1_000_000),
  dailyDepositLimit: int('BANK_DAILY_DEPOSIT_LIMIT', DEFAULT_DAILY_DEPOSIT_LIMIT),
  sweepSeconds: Math.max(1, int('BANK_SWEEP_SECONDS', 5)),
  systemShards: Math.max(1, int('BANK_SYSTEM_SHARDS', 16)),
  loginMaxFailures: int('BANK_LOGIN_MAX_FAILURES', 10),
  loginLockSeconds: int('BANK_LOGIN_LOCK_SECONDS', 30 * 60),
  loginSlowAfter: int('BANK_LOGIN_SLOW_AFTER', 10),
  authFloorMs: int('BANK_AUTH_FLOOR_MS', 400),
  cursorSecretId: process.env.BANK_CURSOR_SECRET_ID ?? '',
  idempotencyTtlSeconds: atLeast('BANK_IDEMPOTENCY_TTL_SECONDS', 48 * 3600, MIN_IDEMPOTENCY_TTL_SECONDS),
});

let cached: Config | undefined;
/** The configuration of this process, read on first use. */
export const config = (): Config => {
  cached ??= loadConfig();
  return cached;
};
/** For tests that change the environment. */
export const resetConfig = (): void => {
  cached = undefined;
};
