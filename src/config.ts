/**
 * The handlers' configuration: one schema, `settings`, read once per cold start from the environment.
 * Each setting names its environment variable, how it is checked (zod), its default and, for those a
 * stage may set, which functions get it. The CDK app (infra/stage.ts reads a stage's values from the
 * app's context with these same checks and defaults; infra/functions.ts gives each function the
 * variables src/function-env.ts names for it) and the local stack (src/local/main.ts; each running
 * function sees only those of its own, src/local/function-env.ts) are both built from it, and the README's configuration table is tested against it. AWS endpoints come from the SDK's own
 * AWS_ENDPOINT_URL_* variables, so no code differs.
 */
import * as z from 'zod/mini';
import { UNSAFE_TEXT } from './domain/text.ts';

/** A retry a day later must still find its record, or it would pass for a new request and post again. */
export const MIN_IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

// zod/mini carries no locale, so each check says what it wants in its own words.
const number = () => z.coerce.number({ error: 'must be a number' });
const atLeast = (min: number) =>
  number().check(
    z.int({ error: 'must be a whole number' }),
    z.minimum(min, { error: `must be at least ${min}` }),
  );
const count = atLeast(0);
const positive = number().check(z.positive({ error: 'must be more than 0' }));
const scale = number().check(z.minimum(0, { error: 'must be at least 0' }));
const flag = z.pipe(
  z.enum(['true', 'false'], { error: 'must be true or false' }),
  z.transform((v) => v === 'true'),
);
const text = z.string();
/**
 * An address alone, no display name: SES matches a sender's `ses:FromAddress` (the IAM condition on
 * the sending role) against the bare address, so `Bank <no-reply@...>` would have every send refused.
 */
const address = z.email({ error: 'must be an email address alone (no display name)' });
const instant = z
  .string()
  .check(
    z.refine(
      (v) =>
        /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v) &&
        !Number.isNaN(Date.parse(v)),
      { error: 'must be an ISO 8601 date and time with Z or an offset' },
    ),
  );

/** One line of plain text, said to customers as it is (an email's footer, the web client's screens). */
const oneLine = z.string().check(
  z.maxLength(120, { error: 'must be at most 120 characters' }),
  z.refine((v) => !UNSAFE_TEXT.test(v), {
    error: 'must be one line, with no control characters',
  }),
);

/** Which functions a stage setting goes to: those with any table permission, or those that send email. */
export type SettingAudience = 'table' | 'ses';

interface Setting<T> {
  env: string;
  schema: z.ZodMiniType<T>;
  default: T;
  /** Set per stage by the CDK app (context key = the setting's name), for these functions. */
  stage?: SettingAudience;
}

const setting = <T>(s: Setting<T>): Setting<T> => s;

export const settings = {
  tableName: setting({ env: 'TABLE_NAME', schema: text, default: 'bank' }),
  userPoolId: setting({ env: 'USER_POOL_ID', schema: text, default: '' }),
  userPoolClientId: setting({ env: 'USER_POOL_CLIENT_ID', schema: text, default: '' }),
  /** Confirm registrations without the emailed code (local development). */
  autoConfirm: setting({ env: 'BANK_AUTO_CONFIRM', schema: flag, default: false }),
  /** Per user, per currency, per UTC day: withdrawals plus outgoing transfers, in minor units. */
  dailyLimit: setting({ env: 'BANK_DAILY_LIMIT', schema: count, default: 1_000_000, stage: 'table' }),
  /** Per user, per currency, per UTC day: self-service deposits, in minor units. */
  dailyDepositLimit: setting({
    env: 'BANK_DAILY_DEPOSIT_LIMIT',
    schema: count,
    default: 1_000_000,
    stage: 'table',
  }),
  /** How often the sweeper releases expired holds (the local timer; on AWS a 1-minute schedule). */
  sweepSeconds: setting({ env: 'BANK_SWEEP_SECONDS', schema: positive, default: 5 }),
  /** Shard items per system account (cash-in, cash-out). */
  systemShards: setting({ env: 'BANK_SYSTEM_SHARDS', schema: atLeast(1), default: 16, stage: 'table' }),
  /**
   * Hot recipients (issue 11): a deferred transfer writes its credit as an item of its own, settled into
   * the recipient's account by the `settler` stream function (src/store/ledger-settle.ts), so concurrent
   * credits to one account never conflict on AWS; the recipient's balance shows it a moment later.
   * `contended` (the default) credits the account at once and defers only a transfer whose attempt lost
   * a race on the recipient's account item; `always` defers every transfer; `off` never does.
   */
  deferCredits: setting({
    env: 'BANK_DEFER_CREDITS',
    schema: z.enum(['off', 'contended', 'always'], { error: 'must be off, contended or always' }),
    default: 'contended' as const,
    stage: 'table',
  }),
  /** Failures per (email, source IP) before that pair is locked, and for how long. */
  loginMaxFailures: setting({ env: 'BANK_LOGIN_MAX_FAILURES', schema: count, default: 10, stage: 'table' }),
  loginLockSeconds: setting({
    env: 'BANK_LOGIN_LOCK_SECONDS',
    schema: count,
    default: 30 * 60,
    stage: 'table',
  }),
  /** Failures per email (all IPs) before attempts on it are slowed (1 s, 2 s ... 30 s apart). */
  loginSlowAfter: setting({ env: 'BANK_LOGIN_SLOW_AFTER', schema: count, default: 10, stage: 'table' }),
  /**
   * The least time register, forgot-password and resend-code take, so a taken email cannot be told
   * from a new one by timing.
   */
  authFloorMs: setting({ env: 'BANK_AUTH_FLOOR_MS', schema: count, default: 400 }),
  /** The Secrets Manager secret holding the cursor keys (its ARN on AWS): the id, never the key. */
  cursorSecretId: setting({ env: 'BANK_CURSOR_SECRET_ID', schema: text, default: '' }),
  /**
   * With the API edge on (`apiEdge`), the Secrets Manager secret (its ARN) holding the origin header's
   * value that CloudFront sends: a request without it is refused (src/api/edge.ts). Empty: no edge.
   */
  originSecretId: setting({ env: 'BANK_ORIGIN_SECRET_ID', schema: text, default: '' }),
  /** Idempotency records of declines and of schedule and webhook creation live this long (DynamoDB TTL): at least 24 hours. A movement's record is kept for good. */
  idempotencyTtlSeconds: setting({
    env: 'BANK_IDEMPOTENCY_TTL_SECONDS',
    schema: atLeast(MIN_IDEMPOTENCY_TTL_SECONDS),
    default: 48 * 3600,
    stage: 'table',
  }),
  /**
   * Upgrading a table written before a movement's journal became its idempotency record
   * (src/store/idempotency.ts): until this instant (ISO 8601), a keyed request also looks for a record
   * item where that layout kept it (`IDEM#<sub>#<key>`) and answers it, so a retry of a request
   * answered before the upgrade is still a repeat. Set it to the upgrade's time plus the records' TTL;
   * empty (the default): no such table, no extra read.
   */
  legacyIdempotencyUntil: setting({
    env: 'BANK_LEGACY_IDEMPOTENCY_UNTIL',
    schema: instant,
    default: '',
    stage: 'table',
  }),
  /** Multiplies every webhook retry delay (offline tests use 0.001 or less). */
  webhookRetryScale: setting({ env: 'BANK_WEBHOOK_RETRY_SCALE', schema: scale, default: 1 }),
  /** Offline only: http://127.0.0.1:<port> webhook endpoints are allowed. */
  webhookAllowLoopback: setting({ env: 'BANK_WEBHOOK_ALLOW_LOOPBACK', schema: flag, default: false }),
  /** Withdrawals above this many minor units are emailed. */
  notifyWithdrawalOver: setting({
    env: 'BANK_NOTIFY_WITHDRAWAL_OVER',
    schema: count,
    default: 50_000,
    stage: 'ses',
  }),
  /**
   * The notifier's function name, which the stream function invokes with the events it stored (set by
   * the CDK app; `notifier` offline, where the local Invoke endpoint knows the registry's names). Unset:
   * no function is invoked and no email is sent (handler tests without the notifier).
   */
  notifierFunction: setting({ env: 'BANK_NOTIFIER_FUNCTION', schema: text, default: '' }),
  /** The statements bucket (set by the CDK app and the local stack for the functions that use it). */
  statementsBucket: setting({ env: 'STATEMENTS_BUCKET', schema: text, default: '' }),
  /**
   * Offline only: s3rver's address. The SDK's own variable, which the S3 client reads itself; the
   * presigned statement links (src/store/statement-links.ts), made without the S3 client, read it here.
   * Unset on AWS: the bucket's regional endpoint.
   */
  s3Endpoint: setting({ env: 'AWS_ENDPOINT_URL_S3', schema: text, default: '' }),
  /** Offline only: s3rver wants path-style addresses. */
  s3PathStyle: setting({ env: 'BANK_S3_PATH_STYLE', schema: flag, default: false }),
  /**
   * How a customer reaches the bank (an address, a phone number, a web page), as one line: every email
   * ends with it, and the web client says it where it tells a customer to contact the bank (its
   * config.json carries the stage's value). Empty: those say "contact us" with no way to; a stage
   * that customers use should set it.
   */
  supportContact: setting({ env: 'BANK_SUPPORT_CONTACT', schema: oneLine, default: '', stage: 'ses' }),
  /** The verified SES identity emails come from (on AWS, the stage's). */
  emailFrom: setting({ env: 'BANK_EMAIL_FROM', schema: address, default: 'no-reply@bank.local' }),
};

export type SettingName = keyof typeof settings;
export const DEFAULT_DAILY_DEPOSIT_LIMIT = settings.dailyDepositLimit.default;
export type Config = { [K in SettingName]: (typeof settings)[K]['default'] };

/** The names of the settings a stage sets. */
export const stageSettings = (Object.keys(settings) as SettingName[]).filter((k) => settings[k].stage);
export type StageSettingName = (typeof stageSettings)[number];

/**
 * One setting from a raw value (an environment variable, a CDK context value): its default when
 * unset or empty, else the checked value; a bad value throws, naming where it came from.
 */
export const readSetting = <K extends SettingName>(name: K, raw: unknown, where: string): Config[K] => {
  const s = settings[name] as Setting<Config[K]>;
  if (raw === undefined || raw === null || raw === '') return s.default;
  const r = z.safeParse(s.schema, String(raw));
  if (!r.success)
    throw new Error(`${where} ${r.error.issues.map((i) => i.message).join(', ')}, not ${String(raw)}`);
  return r.data;
};

export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Config =>
  Object.fromEntries(
    (Object.keys(settings) as SettingName[]).map((k) => [
      k,
      readSetting(k, env[settings[k].env], settings[k].env),
    ]),
  ) as Config;

/** The environment that gives these values (the CDK app and the local stack set it). */
export const settingsEnv = (values: Partial<Config>): Record<string, string> =>
  Object.fromEntries(
    (Object.entries(values) as [SettingName, unknown][]).map(([k, v]) => [settings[k].env, String(v)]),
  );

/**
 * Which function's environment a call reads, when one process runs several functions: the local stack
 * registers one (src/local/function-env.ts: the running function and the environment Lambda would give
 * it). Unset, or `undefined` (on Lambda; offline outside any function): the process's own.
 */
export type EnvironmentSource = () => { fn: string; env: NodeJS.ProcessEnv } | undefined;
let source: EnvironmentSource = () => undefined;
export const setEnvironmentSource = (s: EnvironmentSource): void => {
  source = s;
  cached.clear();
};

/** Per function (offline); `undefined`: the process's own. */
const cached = new Map<string | undefined, Config>();
/** The configuration of this process (of the running function, offline), read on first use. */
export const config = (): Config => {
  const running = source();
  let c = cached.get(running?.fn);
  if (!c) {
    c = loadConfig(running?.env ?? process.env);
    cached.set(running?.fn, c);
  }
  return c;
};
/** For tests that change the environment. */
export const resetConfig = (): void => {
  cached.clear();
};
