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

export interface Config {
  tableName: string;
  userPoolId: string;
  userPoolClientId: string;
  /** Confirm registrations without the emailed code (local development). */
  autoConfirm: boolean;
  /** Per user, per currency, per UTC day: withdrawals plus outgoing transfers, in minor units. */
  dailyLimit: number;
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
  /** HMAC key that makes history cursors tamper-proof. */
  cursorSecret: string;
  /** Idempotency records live at least this long (DynamoDB TTL). */
  idempotencyTtlSeconds: number;
}

export const loadConfig = (): Config => ({
  tableName: process.env.TABLE_NAME ?? 'bank',
  userPoolId: process.env.USER_POOL_ID ?? '',
  userPoolClientId: process.env.USER_POOL_CLIENT_ID ?? '',
  autoConfirm: process.env.BANK_AUTO_CONFIRM === 'true',
  dailyLimit: int('BANK_DAILY_LIMIT', 1_000_000),
  systemShards: Math.max(1, int('BANK_SYSTEM_SHARDS', 16)),
  loginMaxFailures: int('BANK_LOGIN_MAX_FAILURES', 10),
  loginLockSeconds: int('BANK_LOGIN_LOCK_SECONDS', 30 * 60),
  loginSlowAfter: int('BANK_LOGIN_SLOW_AFTER', 10),
  authFloorMs: int('BANK_AUTH_FLOOR_MS', 400),
  cursorSecret: process.env.BANK_CURSOR_SECRET ?? '',
  idempotencyTtlSeconds: int('BANK_IDEMPOTENCY_TTL_SECONDS', 48 * 3600),
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
