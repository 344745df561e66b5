/**
 * Stage configuration: everything that differs between `--context stage=dev` and `stage=prod`,
 * plus the few knobs an operator may set with `--context key=value`.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { type Config, readSetting, type StageSettingName, stageSettings } from '../src/config.ts';

export type StageName = 'dev' | 'prod';

export interface Throttle {
  rateLimit: number;
  burstLimit: number;
}

export interface StageConfig {
  stage: StageName;
  /** RETAIN in prod (data outlives the stack), DESTROY in dev. */
  removalPolicy: RemovalPolicy;
  /** Table and user pool deletion protection. */
  deletionProtection: boolean;
  logRetention: RetentionDays;
  /** Confirm sign-ups without the emailed code: grants cognito-idp:AdminConfirmSignUp. Never in prod. */
  autoConfirm: boolean;
  /** HTTP API stage throttling: steady requests per second and burst, per route, shared by all callers. */
  throttle: Throttle;
  /**
   * Tighter per-route limits (HTTP API route settings), each never above the stage's: the public
   * sign-up and sign-in routes, which anyone can call (`-c signInRate=`, `-c signInBurst=`); the token
   * refresh, public too, which every signed-in tab calls every few minutes (`-c refreshRate=`,
   * `-c refreshBurst=`); and the money-moving routes (`-c moneyRate=`, `-c moneyBurst=`). AWS
   * throttles per route, for all callers together, never per caller: a route's limit is the bank's
   * capacity for it, which one client can use up (per-IP limits: `apiEdge`).
   */
  routeThrottle: { public: Throttle; refresh: Throttle; money: Throttle };
  /**
   * Put the API behind its own CloudFront distribution with an AWS WAF rate-based rule per source IP
   * (WAF cannot attach to an HTTP API). Off by default: WAF and CloudFront cost money per request.
   * The web ACL is CloudFront-scoped, so such a stack must be deployed in us-east-1.
   */
  apiEdge: boolean;
  /** The WAF rule's limit: requests per source IP in any 5-minute window. */
  apiEdgeRateLimit: number;
  /**
   * With `apiEdge`: the origin secret's version CloudFront's header is resolved from (context
   * `originSecretVersion`, the `VersionId` that `put-secret-value` answers). CloudFormation resolves a
   * dynamic reference only when the reference changes, so a rotation's deploy must name the new version;
   * unset, the reference is to the current version as of the deploy that last changed it.
   */
  originSecretVersion?: string;
  /** Powertools log level. */
  logLevel: string;
  /** Reserved concurrency per function, when set: caps what one function may take from the account. */
  reservedConcurrency?: number;
  /**
   * The notifier's reserved concurrency, when set (context `notifierConcurrency`, over
   * `reservedConcurrency`): how many of its invocations may send at once. One sends about 10 emails a
   * second; keep their sum under the account's SES sending rate (14 a second by default in production).
   */
  notifierConcurrency?: number;
  /** Where alarm notifications go, when set. */
  alarmEmail?: string;
  /**
   * The built web client to upload. Absent: the stack deploys no web content (only the bucket and
   * the distribution), which is what unit tests use; the app sets it when web/dist exists.
   */
  webDist?: string;
  /**
   * The SES identity emails are sent from (context `sesIdentity`): a domain (`bank.example.com`) or
   * an email address. Required in prod. `emailFrom` (context, default `no-reply@<domain>` or the
   * address itself) is the From address; the notifier may send from it only.
   */
  ses: { identity: string; from: string };
  /**
   * The bank settings a stage sets (src/config.ts `settings` with a `stage` audience): each from the
   * context key of its name, checked and defaulted as the handlers check and default it.
   */
  bank: Pick<Config, StageSettingName>;
  /** Access and id token lifetime (refresh tokens live longer). */
  accessTokenValidity: Duration;
  refreshTokenValidity: Duration;
}

/** Context values given on the command line arrive as strings; in tests they may be real values. */
const str = (node: Node, key: string): string | undefined => {
  const v: unknown = node.tryGetContext(key);
  return v === undefined || v === null || v === '' ? undefined : String(v);
};

const num = (node: Node, key: string, fallback: number, min = 0): number => {
  const raw = str(node, key);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`context ${key} must be a non-negative integer`);
  if (n < min) throw new Error(`context ${key} must be at least ${min}`);
  return n;
};

const bool = (node: Node, key: string, fallback: boolean): boolean => {
  const raw = str(node, key);
  if (raw === undefined) return fallback;
  if (raw !== 'true' && raw !== 'false') throw new Error(`context ${key} must be true or false`);
  return raw === 'true';
};

/** The stage configuration from the app's context. */
export const stageConfig = (node: Node): StageConfig => {
  const stage = str(node, 'stage') ?? 'dev';
  if (stage !== 'dev' && stage !== 'prod') throw new Error(`context stage must be dev or prod, not ${stage}`);
  const prod = stage === 'prod';
  const autoConfirm = bool(node, 'autoConfirm', false);
  if (prod && autoConfirm) throw new Error('autoConfirm is for development only: never in prod');
  const reserved = str(node, 'reservedConcurrency');
  const notifierReserved = str(node, 'notifierConcurrency');
  // 0 would hold every email back until its maximum age, and then drop it.
  if (notifierReserved !== undefined && num(node, 'notifierConcurrency', 1) < 1)
    throw new Error('context notifierConcurrency must be at least 1');
  const alarmEmail = str(node, 'alarmEmail');
  const webDist = str(node, 'webDist');
  const originSecretVersion = str(node, 'originSecretVersion');
  if (originSecretVersion !== undefined && !/^[A-Za-z0-9-]{1,64}$/.test(originSecretVersion))
    throw new Error("context originSecretVersion must be a secret version id (put-secret-value's VersionId)");
  const sesIdentity = str(node, 'sesIdentity') ?? (prod ? undefined : 'bank.example.com');
  if (!sesIdentity)
    throw new Error('context sesIdentity (the verified SES domain or address) is required in prod');
  const throttle: Throttle = {
    rateLimit: num(node, 'throttleRate', prod ? 200 : 50),
    burstLimit: num(node, 'throttleBurst', prod ? 400 : 100),
  };
  /** A route group's limit from its context knobs, never above the stage's. */
  const tighter = (group: string, rate: number, burst: number): Throttle => ({
    rateLimit: Math.min(num(node, `${group}Rate`, rate), throttle.rateLimit),
    burstLimit: Math.min(num(node, `${group}Burst`, burst), throttle.burstLimit),
  });
  const bank = Object.fromEntries(
    stageSettings.map((k) => [k, readSetting(k, node.tryGetContext(k), `context ${k}`)]),
  ) as StageConfig['bank'];
  // Customers are told to contact the bank (a password changed by someone else, a disabled login):
  // a stage they use says how.
  if (prod && !bank.supportContact)
    throw new Error('context supportContact (how customers reach the bank, one line) is required in prod');
  const emailFrom = readSetting(
    'emailFrom',
    str(node, 'emailFrom') ?? (sesIdentity.includes('@') ? sesIdentity : `no-reply@${sesIdentity}`),
    'context emailFrom',
  );
  return {
    stage,
    removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    deletionProtection: prod,
    logRetention: prod ? RetentionDays.ONE_YEAR : RetentionDays.ONE_WEEK,
    autoConfirm,
    throttle,
    routeThrottle: {
      public: tighter('signIn', prod ? 20 : 10, prod ? 40 : 20),
      // Cognito's InitiateAuth quota (120 a second by default) is shared by sign-in and refresh.
      refresh: tighter('refresh', prod ? 100 : 25, prod ? 200 : 50),
      money: tighter('money', prod ? 100 : 25, prod ? 200 : 50),
    },
    apiEdge: bool(node, 'apiEdge', false),
    // WAF's rate-based rule takes 10 or more requests per window: a lower one fails at deploy, not here.
    apiEdgeRateLimit: num(node, 'apiEdgeRateLimit', 1000, 10),
    ...(originSecretVersion === undefined ? {} : { originSecretVersion }),
    logLevel: str(node, 'logLevel') ?? (prod ? 'INFO' : 'DEBUG'),
    // 0 would stop every function (Lambda invokes none with no concurrency): the bank down, not capped.
    ...(reserved === undefined ? {} : { reservedConcurrency: num(node, 'reservedConcurrency', 1, 1) }),
    ...(notifierReserved === undefined ? {} : { notifierConcurrency: num(node, 'notifierConcurrency', 1) }),
    ...(alarmEmail === undefined ? {} : { alarmEmail }),
    ...(webDist === undefined ? {} : { webDist }),
    ses: { identity: sesIdentity, from: emailFrom },
    bank,
    // Cognito's minimum: a stolen access token is good for 5 minutes at most; the web client renews quietly.
    accessTokenValidity: Duration.minutes(5),
    refreshTokenValidity: Duration.hours(12),
  };
};
