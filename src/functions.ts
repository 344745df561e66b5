/**
 * The function registry: every Lambda function of the bank, with its trigger, its permissions and
 * its limits. The CDK app (infra/functions.ts) and the local stack (src/local) are both built from
 * it, so a function declared here runs the same way offline and on AWS:
 *
 * - `http`: a route group; its routes are the route table's entries whose `fn` names it
 *   (src/api/routes.ts). On AWS: API Gateway HTTP API integrations. Offline: the local gateway.
 * - `schedule`: on AWS an EventBridge rule at the given rate; offline, `npm start` invokes the same
 *   handler with a ScheduledEvent every BANK_SWEEP_SECONDS (default 5).
 * - `stream`: the table's DynamoDB stream. On AWS an event source mapping with bisect-on-error,
 *   bounded retries and an S3 on-failure destination (the failed-batches bucket: each failed batch
 *   with its records); offline, a poller of DynamoDB Local's stream, which writes a failed batch to
 *   s3rver's bucket of the same name.
 * - `invoke`: invoked asynchronously (Lambda `Invoke`, InvocationType `Event`) by the functions that
 *   name it in their `invokes`. On AWS an async invoke config (retries, max event age, an SQS
 *   on-failure destination); offline, the local Invoke endpoint (src/local/async-invoke.ts).
 *
 * It is data only, so that a handler bundle importing it stays small.
 */
import { AUDIT_CHANGED } from './domain/audit.ts';
import { CREDIT_LEFT_UNSETTLED, CREDIT_UNCLAIMED } from './domain/ledger.ts';
import { SIGN_UP_CODE_NOT_SENT } from './domain/session.ts';
import { MONTH_TOTALS_PREFIX, STATEMENT_FILE_PREFIX } from './store/item-keys.ts';
import type { GuardedIndex } from './store/table.ts';

/** What a function may do in AWS. The CDK app turns each into least-privilege IAM statements. */
export type Permission =
  | 'table:read'
  | 'table:write'
  /**
   * DeleteItem, only on items whose partition key starts with one of the function's
   * `deletePartitions` (IAM's dynamodb:LeadingKeys): never a journal, a record or a system shard.
   * LeadingKeys sees the partition key alone, so within a partition it allows every item: `USER#`
   * (payees, webhook endpoints) also covers the customer's account items, and `ACCOUNT#` (money's hold
   * entries) any posting item written before history moved into the indexes. Those functions' PutItem
   * and UpdateItem (`table:write`) reach those items anyway (`payees` and `webhooks-api` write in
   * `USER#` too; `money` table-wide); partitions of their own for payees and endpoints would narrow
   * both (README, security: not done).
   */
  | 'table:delete'
  /**
   * PutItem on statement files' marks (`STMTFILE#` items) alone, as dynamodb:LeadingKeys: the marks of
   * the files it wrote to S3 (src/store/statement-links.ts), with no other write to the table.
   */
  | 'table:file-marks'
  | 'cognito:public'
  | 'cognito:admin'
  /**
   * Look up, delete (a stale unconfirmed sign-up), set the password of (the one its confirmer gives,
   * once the emailed code proves the mailbox) and globally sign out users.
   */
  | 'cognito:users'
  /**
   * Sign the caller out everywhere by their username (AdminUserGlobalSignOut) when Cognito refuses
   * their own access token for GlobalSignOut: the profile's "sign out everywhere" and password change.
   */
  | 'cognito:sign-out'
  /** Read and write statement files in the statements bucket (and use its KMS key). */
  | 's3:statements'
  /** Send email through SES v2 from the stage's verified identity. */
  | 'ses:send'
  /**
   * Append audit records: PutItem on `AUDIT#` items only (dynamodb:LeadingKeys). No function may
   * update or delete an audit item, and one without this permission may not put one either.
   */
  | 'audit:write'
  /**
   * Disable and enable users (AdminDisableUser, AdminEnableUser), look them up and read their groups
   * (staff's logins are not the back office's to change): the back office.
   */
  | 'cognito:manage'
  /** Invoke (lambda:InvokeFunction) the functions named in its `invokes`, and no other. */
  | 'lambda:invoke';

/** Stream record kinds, as DynamoDB Streams names them. */
export type StreamEventName = 'INSERT' | 'MODIFY' | 'REMOVE';

/**
 * Records of these kinds whose new image's `entity` (or the old image's, with `image: 'OldImage'`: what
 * a change or a delete was made to) is one of these.
 */
export interface StreamFilter {
  eventNames: readonly StreamEventName[];
  entities: readonly string[];
  /** When given, only items whose `action` (an audit record's) is one of these. */
  actions?: readonly string[];
  image?: 'NewImage' | 'OldImage';
}

export type Trigger =
  | { type: 'http' }
  /** Every `minutes` minutes on AWS (EventBridge); every BANK_SWEEP_SECONDS offline. */
  | { type: 'schedule'; minutes: number }
  | {
      type: 'stream';
      /** Records per invocation. */
      batchSize: number;
      /**
       * Retries of a failing batch (halved each time by bisect-on-error) before it goes to the
       * on-failure destination (the failed-batches bucket).
       */
      retryAttempts: number;
      /**
       * How long the event source mapping gathers records before it invokes (AWS's
       * MaximumBatchingWindowInSeconds; 0: as soon as a poll finds some, about 4 polls a second).
       * Offline the poller delivers what each read finds at once (README, local vs AWS).
       */
      batchingWindowSeconds: number;
      /**
       * Which records the function is given: those that match any of these (on AWS, the event source
       * mapping's filter criteria, whose filters are ORed; offline, the poller's filter).
       */
      filters: readonly StreamFilter[];
    }
  /**
   * Invoked asynchronously by the functions that name it in their `invokes`: Lambda queues the event,
   * retries a failed invocation `retryAttempts` times (about 1 and 2 minutes later on AWS), drops an
   * event older than `maxEventAgeSeconds`, and sends what failed or was dropped to the on-failure
   * destination (an SQS queue on AWS; the log offline).
   */
  | { type: 'invoke'; retryAttempts: 0 | 1 | 2; maxEventAgeSeconds: number };

export interface FunctionDef {
  /** The handler module, relative to the repository root; it exports `handler`. */
  entry: string;
  description: string;
  trigger: Trigger;
  permissions: readonly Permission[];
  /** Lambda timeout. The local gateway enforces the same limit on http functions. */
  timeoutSeconds: number;
  memoryMb: number;
  /**
   * Every AWS API action the function's code calls (IAM action names; a TransactWriteItems is
   * authorised per item, so its Put/Update/ConditionCheck are listed). `@<index name>` marks a call
   * on one of the table's indexes (`dynamodb:Query@gsi1`; the history indexes hist1 and hist2). infra/iam.test.ts simulates each against the synthesized role: each must be
   * allowed, and calls not listed are checked to be denied. Cognito's public APIs (SignUp,
   * InitiateAuth...) need no IAM and are not listed.
   */
  sdkActions: readonly SdkAction[];
  /** With `table:delete`: the partition key prefixes (IAM dynamodb:LeadingKeys) it may delete in. */
  deletePartitions?: readonly string[];
  /**
   * With `table:write`: the partition key prefixes (IAM dynamodb:LeadingKeys) its puts, updates and
   * condition checks are limited to; none given, the whole table. Every function that writes in a few
   * partitions only declares them, above all those that talk to the outside world (the dispatcher
   * sends to URLs customers choose, the notifier sends email): code running in them may not rewrite a
   * journal, a login's counters or an MFA proof. (IAM sees the partition key only, so `USER#` still
   * covers a customer's accounts.)
   */
  writePartitions?: readonly string[];
  /**
   * The partition key prefixes (IAM dynamodb:LeadingKeys) its reads of the table (GetItem,
   * BatchGetItem, Query) are limited to; none given, the whole table. The functions that talk to the
   * outside world declare them (the dispatcher sends to URLs customers choose, the notifier sends
   * email), and so does every other function, each read traced (each with `USER#`, for the guard's
   * SECURITY item or the accounts): code running in them may not read a pending MFA login, a refresh
   * token (`REFRESH#`: `auth` alone), a login's counters (`LOGIN#`: `auth` and the back office's `admin`)
   * or the audit trail (`AUDIT#`: the back office's, and `auth` and `profile`, which append security
   * events to it). A Query's partition is the one its
   * key condition sets `pk` equal to (offline, src/local/iam.ts queryPartitionOf). Queries of an index
   * are not covered (LeadingKeys sees the table's partition key), and `USER#` still covers a customer's
   * accounts and profile.
   */
  readPartitions?: readonly string[];
  /**
   * The only attributes the function's table writes may carry (IAM's `dynamodb:Attributes`, on its
   * write statements). LeadingKeys sees the table's partition key alone: without this, a put in the
   * function's own partition could carry an index's keys (`h2pk`, `gsi1pk`...) and so stand in any
   * partition of that index (a posting in a customer's history, a record in staff's audit trail).
   */
  writeAttributes?: readonly string[];
  /**
   * The guarded indexes (src/store/table.ts guardedIndexAttributes: the history indexes, the delivery
   * index and gsi1) whose keys its table writes carry: `hist1` and `hist2` for the functions that post
   * journals (a journal's item carries its two history entries), `dlv` for those that write webhook
   * deliveries due (the stream's fan-out, the dispatcher's retries, a manual retry, the sweep's move of
   * deliveries still due in gsi1), `gsi1` for those that put or remove an entry there (audit records by
   * actor, due schedules, pending journals, deferred credits, deliveries due there before 2026-12-07).
   * A role with table writes is denied (an explicit Deny on
   * `dynamodb:Attributes`) a put or an update carrying the attributes of any guarded index its
   * function does not name here: LeadingKeys sees the table's partition key alone, so without it an
   * item put in the function's own partition could stand in any account's history and statements.
   */
  indexWrites?: readonly GuardedIndex[];
  /**
   * With `lambda:invoke`: the functions (`invoke` triggers) it invokes asynchronously; its role may
   * invoke those and no other, and each one's name reaches it through config (src/config.ts).
   */
  invokes?: readonly string[];
  /**
   * Alarms on log lines of the function: any line with one of these `message`s (a CloudWatch Logs
   * metric filter on its log group, per message) in 5 minutes, with its description.
   */
  alarmOnLog?: readonly { message: string; description: string }[];
}

/**
 * An IAM action the code calls, on the table unless marked `@<index name>` (one of its indexes). DeleteItem is called
 * only in the function's `deletePartitions`.
 */
export type SdkAction =
  `${'dynamodb' | 'secretsmanager' | 'cognito-idp' | 's3' | 'kms' | 'ses' | 'lambda'}:${string}`;

/**
 * The DynamoDB actions behind each table permission (infra/functions.ts builds the roles from them;
 * src/local/iam.ts emulates them offline). No wildcard: every action is named.
 */
export const tableActions = {
  read: ['dynamodb:GetItem', 'dynamodb:Query'],
  /** TransactWriteItems is authorised per item action, so these cover the ledger's transactions. */
  write: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'],
  delete: ['dynamodb:DeleteItem'],
} as const satisfies Record<string, readonly SdkAction[]>;

/** What no role may do to an audit item, whatever else it may write (an explicit Deny). */
export const auditNeverActions = [
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
] as const satisfies readonly SdkAction[];

/**
 * The writes the Deny on guarded indexes' attributes covers (`indexWrites`): those that carry an item's
 * attributes. TransactWriteItems' Put and Update are authorised as these, per item.
 */
export const indexKeyWriteActions = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
] as const satisfies readonly SdkAction[];

/**
 * A journal's item carries its two history entries (src/store/table.ts historyIndexes), and a posting
 * may write gsi1: a pending journal's entry by expiry (`HOLDS#`), a deferred credit's (`CREDITS#`: every
 * ledger defers under `deferCredits`, a setting of them all).
 */
const postsJournals = ['hist1', 'hist2', 'gsi1'] as const satisfies readonly GuardedIndex[];

/** An account's history is read from the table and from the two history indexes (store/history.ts). */
const historyQueries = [
  'dynamodb:Query@hist1',
  'dynamodb:Query@hist2',
] as const satisfies readonly SdkAction[];

const http = { type: 'http' } as const;
const defaults = { timeoutSeconds: 10, memoryMb: 512 } as const;

/**
 * The settler's and the sweeper's line for a closed account's credit its sender's account (frozen)
 * cannot take back: money no customer can reach. Both log it, so both alarm on it (one alarm:
 * infra/monitoring.ts counts a message's lines from every function that logs it into one metric).
 */
const creditLeftAlarm = {
  message: CREDIT_LEFT_UNSETTLED,
  description:
    "A closed account's credit could not go back to its sender (frozen) and stays unsettled: the line names its account, journal, amount, currency and reason. The sweep logs it every run until the sender is unfrozen (then it is returned)",
} as const;
/**
 * The stream function's line for a transfer whose credit was moved to unclaimed funds (its recipient's
 * and its sender's accounts both closed: src/store/ledger-return.ts), for staff to pay the former
 * customer. Logged from the journal's committed change (src/handlers/stream.ts `reportUnclaimed`), not
 * by the settler or the sweep that moved it: their line was lost when the move's answer was, or when
 * they died right after it (a review found it), and nothing later would see the credit again.
 */
const creditUnclaimedAlarm = {
  message: CREDIT_UNCLAIMED,
  description:
    "A closed account's credit whose sender's account is closed too was moved to unclaimed funds: the line names the account it was for, the journal (whose sender the bank now owes it), amount and currency. Logged when the change reaches the stream (again if its batch is retried); staff pay it out",
} as const;
const signUpCodeAlarm = {
  message: SIGN_UP_CODE_NOT_SENT,
  description:
    "Cognito sent no code for a sign-up (its daily email quota spent, or a delivery that failed): the customer was answered as usual and gets no code. Give the user pool its own SES sending, or wait for the quota's day to end",
} as const;
const fn = <const F extends FunctionDef>(f: F): F => f;

export const functions = {
  health: fn({
    ...defaults,
    entry: 'src/handlers/health.ts',
    description: 'Liveness',
    trigger: http,
    permissions: [],
    sdkActions: [],
  }),
  auth: fn({
    ...defaults,
    entry: 'src/handlers/auth.ts',
    description: 'Register, confirm, login (with MFA), refresh, logout, password reset',
    trigger: http,
    permissions: ['cognito:admin', 'cognito:public', 'cognito:users', 'table:write', 'audit:write'],
    // Its audit records, listed by their actor in gsi1 (AUDITBY#).
    indexWrites: ['gsi1'],
    // Reached by anyone, before any token: its writes stay in the login's own partitions (profiles and
    // security status under USER#<sub>, locks and codes under LOGIN#<email>, refresh tokens, MFA
    // sessions and MFA proofs), never a journal, a posting, a credit, a system shard or a record of
    // another function's. Its audit records go through audit:write (AUDIT#, PutItem only).
    writePartitions: ['USER#', 'LOGIN#', 'REFRESH#', 'MFA#', 'MFAAUTH#'],
    // Its reads: a login's profile and SECURITY item (USER#<sub>), its locks, codes and known IPs
    // (LOGIN#<email>), a refresh token's registration (REFRESH#<hash>), and the head of the customer's
    // audit chain a security event follows (AUDIT#: the Query of src/store/audit.ts, which would also let
    // it read other customers' trails). Never a journal, an account's postings, a credit, a lookup item,
    // an idempotency record, an MFA proof or a webhook: MFA# and MFAAUTH# it only writes (the TOTP step
    // takes its session by a conditioned UpdateItem).
    readPartitions: ['USER#', 'LOGIN#', 'REFRESH#', 'AUDIT#'],
    sdkActions: [
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
      // Security events: the audit chain's head, then the new record (src/store/audit.ts).
      'dynamodb:Query',
      'dynamodb:PutItem',
      'cognito-idp:AdminConfirmSignUp',
      'cognito-idp:AdminGetUser',
      'cognito-idp:AdminDeleteUser',
      'cognito-idp:AdminSetUserPassword',
      'cognito-idp:AdminUserGlobalSignOut',
    ],
    alarmOnLog: [signUpCodeAlarm],
  }),
  profile: fn({
    ...defaults,
    entry: 'src/handlers/profile.ts',
    description: 'The caller\u2019s profile and security: password, TOTP MFA, sessions',
    trigger: http,
    permissions: ['cognito:public', 'cognito:sign-out', 'table:write', 'audit:write'],
    // Its audit records, listed by their actor in gsi1 (AUDITBY#).
    indexWrites: ['gsi1'],
    // The caller's own items (USER#<sub>: the profile, the verification counter, the SECURITY item's
    // revocation and TOTP-off markers) and the TOTP codes already used (LOGIN#<email>/TOTP#<code>,
    // src/store/totp-codes.ts); its security events go through audit:write (AUDIT#, PutItem only).
    writePartitions: ['USER#', 'LOGIN#'],
    // Its reads: the caller's profile, SECURITY item and verification counter (USER#<sub>), and its audit
    // chain (AUDIT#: the head a security event follows, and the caller's activity, by subject; which
    // would also let it read another customer's trail). The TOTP codes it takes once (LOGIN#) it only
    // writes, by a conditioned UpdateItem.
    readPartitions: ['USER#', 'AUDIT#'],
    // Query and PutItem: security events into the audit trail, and the caller's activity.
    sdkActions: [
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
      'dynamodb:Query',
      'dynamodb:PutItem',
      'secretsmanager:GetSecretValue',
      // Sign out everywhere when Cognito refuses the caller's own token (src/identity/cognito.ts).
      'cognito-idp:AdminUserGlobalSignOut',
    ],
  }),
  'accounts-read': fn({
    ...defaults,
    entry: 'src/handlers/accounts-read.ts',
    description: 'Accounts, balances and history',
    trigger: http,
    permissions: ['table:read'],
    sdkActions: ['dynamodb:GetItem', 'dynamodb:Query', ...historyQueries, 'secretsmanager:GetSecretValue'],
    // The guard's SECURITY item, the caller's accounts, daily counters and payees (USER#<sub>), an
    // account's posting items (ACCOUNT#<id>, beside the history indexes) and unsettled credits
    // (CREDIT#<id>), and a transaction's journal (JOURNAL#): never a login, an MFA proof or the audit trail.
    readPartitions: ['USER#', 'ACCOUNT#', 'CREDIT#', 'JOURNAL#'],
  }),
  'accounts-write': fn({
    ...defaults,
    entry: 'src/handlers/accounts-write.ts',
    description: 'Open and close accounts',
    trigger: http,
    permissions: ['table:write'],
    // A close ends the schedules paying from the account: out of gsi1's due schedules (SCHEDULES#).
    indexWrites: ['gsi1'],
    // An opening's account and profile (USER#<sub>), a keyed opening's idempotency record (USER#<sub>,
    // keys.ownIdempotency), its number's and id's lookup items (ACCTNUM#, ACCTID#), and a closing's
    // account (src/store/accounts.ts) and the schedules it ends with their count (USER#<sub>, in one
    // transaction each): never a posting, a journal, a credit or a system shard.
    writePartitions: ['USER#', 'ACCTNUM#', 'ACCTID#'],
    // The guard's SECURITY item, the caller's profile (its account counts and limit hosts), accounts and
    // a keyed opening's record (USER#<sub>, keys.ownIdempotency: no record at JOURNAL# or IDEM#), a
    // close's schedules paying from the account (USER#<sub>) and its look for credits not settled yet
    // (CREDIT#<accountId>). A new number's or id's lookup item
    // is only put (on attribute_not_exists), never read.
    readPartitions: ['USER#', 'CREDIT#'],
    // Query: a close first looks for credits not settled yet (hot recipients), then for the owner's
    // schedules.
    sdkActions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  }),
  money: fn({
    ...defaults,
    entry: 'src/handlers/money.ts',
    description: 'Deposits, withdrawals, transfers (instant or pending), posts, voids and refunds',
    trigger: http,
    permissions: ['table:write', 'table:delete'],
    // A posted hold replaces the sender's pending history entry.
    deletePartitions: ['ACCOUNT#'],
    // The ledger's items (src/store/ledger*.ts): accounts and daily counters (USER#<sub>), journals and
    // idempotency records (JOURNAL#), pending transfers' history entries (ACCOUNT#<id>) and a hot
    // recipient's deferred credit (CREDIT#<accountId>): never a login, an MFA proof, a lookup item, a
    // webhook delivery or an email mark.
    writePartitions: ['USER#', 'JOURNAL#', 'ACCOUNT#', 'CREDIT#'],
    indexWrites: postsJournals,
    // The guard's SECURITY item, the caller's accounts, daily counters, payees and number-check counters,
    // and a recipient's account (USER#<sub>); a recipient's number (ACCTNUM#, one by one or a bulk
    // payment's in a BatchGetItem); the journal a post, void or refund acts on, the payer's expired holds'
    // journals and a keyed request's record (JOURNAL#), and, while upgrading
    // (BANK_LEGACY_IDEMPOTENCY_UNTIL), a record kept at IDEM#<sub>#<key>. Its credits, hold entries and
    // system shards' sides it only writes.
    readPartitions: ['USER#', 'JOURNAL#', 'IDEM#', 'ACCTNUM#'],
    sdkActions: [
      'dynamodb:GetItem',
      // A bulk payment's recipients, read together (BatchLedgerStore.recipients, src/store/ledger-batch.ts).
      'dynamodb:BatchGetItem',
      'dynamodb:Query',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    ],
  }),
  sweep: fn({
    ...defaults,
    entry: 'src/handlers/sweep.ts',
    description:
      'Expires pending transfers past their time and releases their holds; settles credits left behind',
    trigger: { type: 'schedule', minutes: 1 },
    timeoutSeconds: 60,
    permissions: ['table:write', 'table:delete'],
    alarmOnLog: [creditLeftAlarm],
    // A credit the settler missed is settled (its item deleted, CREDIT#<accountId>/IN#...).
    deletePartitions: ['CREDIT#'],
    // An expiry (ledger-engine.ts expire) writes the pending transfer's journal (JOURNAL#), the sender's
    // account and daily counter (USER#<sub>) and its history entry (ACCOUNT#<id>); a missed credit's
    // settlement (ledger-settle.ts) the recipient's account and the journal, and a closed recipient's
    // credit returned (ledger-return.ts) a reversal journal and the sender's account and counter: never
    // a login, an MFA proof, a lookup item or an email mark. And, while deployed tables may hold webhook
    // deliveries due in gsi1 (as all were until 2026-12-07), it moves them to the delivery index, a few
    // each run (src/store/webhooks.ts moveLegacyDueDeliveries): their items (WEBHOOK#<id>/DELIVERY#<id>)
    // it updates, nothing else there.
    writePartitions: ['USER#', 'JOURNAL#', 'ACCOUNT#', 'WEBHOOK#'],
    indexWrites: [...postsJournals, 'dlv'],
    // An expiry's pending journal and its sender's account (ledger-engine.ts expire); a missed credit's
    // account and credits (USER#<sub>, CREDIT#<accountId>), and for a closed recipient's credit the
    // transfer's journal and its sender's account (ledger-return.ts). What is due it finds in gsi1.
    readPartitions: ['USER#', 'JOURNAL#', 'CREDIT#'],
    sdkActions: [
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:Query@gsi1',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    ],
  }),
  statements: fn({
    entry: 'src/handlers/statements.ts',
    description: 'Statement list and CSV exports',
    trigger: http,
    permissions: ['table:read', 'table:write'],
    sdkActions: [
      'dynamodb:GetItem',
      'dynamodb:Query',
      ...historyQueries,
      // A final month's totals, kept once read (src/store/month-totals.ts).
      'dynamodb:PutItem',
    ],
    // Its kept month totals (MONTHSUM#<account id>) only, and their own attributes only.
    writePartitions: [MONTH_TOTALS_PREFIX],
    // The guard's SECURITY item and the caller's account (USER#<sub>), the account's posting items
    // (ACCOUNT#<id>, beside the history indexes) and its kept month totals (MONTHSUM#<account id>).
    readPartitions: ['USER#', 'ACCOUNT#', MONTH_TOTALS_PREFIX],
    writeAttributes: [
      'pk',
      'sk',
      'entity',
      'openingBalance',
      'closingBalance',
      'totalIn',
      'totalOut',
      'count',
      'keptAt',
    ],
    // A year's export is CPU work: more memory is more CPU on Lambda.
    timeoutSeconds: 29,
    memoryMb: 1024,
  }),
  'statement-files': fn({
    entry: 'src/handlers/statement-files.ts',
    description: 'Statement files (PDF and CSV in S3) behind presigned URLs',
    trigger: http,
    permissions: ['table:read', 'table:file-marks', 's3:statements'],
    sdkActions: [
      'dynamodb:GetItem',
      'dynamodb:Query',
      // A file's mark, once S3 holds the file (table:file-marks: STMTFILE# items only).
      'dynamodb:PutItem',
      ...historyQueries,
      's3:GetObject',
      's3:PutObject',
      'kms:GenerateDataKey',
      'kms:Decrypt',
    ],
    // The guard's SECURITY item, the caller's account and profile (its name on the statement: USER#<sub>),
    // the account's posting items (ACCOUNT#<id>, beside the history indexes) and the marks of files
    // already written (STMTFILE#).
    readPartitions: ['USER#', 'ACCOUNT#', STATEMENT_FILE_PREFIX],
    // A mark's own attributes only (src/store/statement-links.ts StatementFileMarks.record).
    writeAttributes: ['pk', 'sk', 'entity', 'writtenAt', 'expiresAt'],
    timeoutSeconds: 29,
    memoryMb: 1024,
  }),
  payees: fn({
    ...defaults,
    entry: 'src/handlers/payees.ts',
    description: 'Saved payees and confirmation of payee',
    trigger: http,
    permissions: ['table:write', 'table:delete'],
    // Deleting a saved payee (USER#<sub>/PAYEE#<id>).
    deletePartitions: ['USER#'],
    // The caller's own items (USER#<sub>): its payees, their count and the number-check counters
    // (RATE#...); a saving's idempotency record, which sits at the journal id its key names (JOURNAL#,
    // src/store/item-keys.ts idempotency); the accounts it confirms names against (ACCTNUM#, a holder's
    // profile) it only reads.
    writePartitions: ['USER#', 'JOURNAL#'],
    // The guard's SECURITY item and the caller's payees (USER#<sub>), confirmation of payee's number
    // (ACCTNUM#<number>), its holder's profile and account status (USER#<owner>), and a saving's
    // idempotency record (JOURNAL#; while upgrading, BANK_LEGACY_IDEMPOTENCY_UNTIL, one kept at
    // IDEM#<sub>#<key> too).
    readPartitions: ['USER#', 'ACCTNUM#', 'JOURNAL#', 'IDEM#'],
    sdkActions: [
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'dynamodb:PutItem',
      'dynamodb:DeleteItem',
    ],
  }),
  'schedules-api': fn({
    ...defaults,
    entry: 'src/handlers/schedules-api.ts',
    description: 'Scheduled and recurring transfers',
    trigger: http,
    permissions: ['table:write'],
    // A schedule is due in gsi1 (SCHEDULES#) until it ends or is cancelled.
    indexWrites: ['gsi1'],
    // The caller's schedules, their count and number-check counters (USER#<sub>), and a creation's
    // idempotency record, which sits at the journal id its key names (JOURNAL#, src/store/item-keys.ts
    // idempotency): never an account's balance, a posting, a credit or a system shard.
    writePartitions: ['USER#', 'JOURNAL#'],
    // The guard's SECURITY item, the caller's schedules, runs, payees, account and number-check counters
    // (USER#<sub>), a creation's idempotency record (JOURNAL#; while upgrading, BANK_LEGACY_IDEMPOTENCY_UNTIL,
    // one kept at IDEM#<sub>#<key> too), and the recipient's number and account (ACCTNUM#, USER#<owner>).
    readPartitions: ['USER#', 'JOURNAL#', 'IDEM#', 'ACCTNUM#'],
    sdkActions: [
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'dynamodb:PutItem',
      // The list's cursor key (src/store/cursor.ts).
      'secretsmanager:GetSecretValue',
    ],
  }),
  'scheduled-transfers': fn({
    entry: 'src/handlers/scheduled-transfers.ts',
    description: 'Runs the scheduled transfers that are due',
    trigger: { type: 'schedule', minutes: 15 },
    permissions: ['table:write'],
    // A run's claim and record, the schedule's next date and its owner's active count (USER#<sub>); its
    // payment, a ledger transfer (ledger.ts): the accounts and daily counter (USER#<sub>), the journal,
    // which is the run's idempotency record, or a refusal's record (JOURNAL#), a hot recipient's deferred
    // credit (CREDIT#<accountId>), and the payer's expired holds released on the way (ledger-engine.ts
    // debitable: their journals, accounts and history entries, ACCOUNT#<id>). Never a login, an MFA
    // proof, a lookup item, a webhook delivery or an email mark.
    writePartitions: ['USER#', 'JOURNAL#', 'ACCOUNT#', 'CREDIT#'],
    indexWrites: postsJournals,
    // A due schedule, its runs and its owner's login status, accounts and daily counters (USER#<sub>;
    // which schedules are due it finds in gsi1); the recipient's number (ACCTNUM#, whose account is in
    // USER#); the run's idempotency record and the journals of the payer's expired holds released on
    // the way (JOURNAL#), and, while upgrading (BANK_LEGACY_IDEMPOTENCY_UNTIL), a record kept at
    // IDEM#<sub>#<key>.
    readPartitions: ['USER#', 'JOURNAL#', 'IDEM#', 'ACCTNUM#'],
    sdkActions: [
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:Query@gsi1',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ],
    timeoutSeconds: 300,
    memoryMb: 512,
  }),
  'events-api': fn({
    ...defaults,
    entry: 'src/handlers/events-api.ts',
    description: 'The customer\u2019s events and email notification preferences',
    trigger: http,
    permissions: ['table:write'],
    sdkActions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'secretsmanager:GetSecretValue'],
    // Notification preferences (USER#<sub>/NOTIFICATIONS), with their own attributes only
    // (src/store/webhooks.ts setPreferences).
    writePartitions: ['USER#'],
    writeAttributes: ['pk', 'sk', 'entity', 'email'],
    // The guard's SECURITY item, the caller's events and preferences: its own partition (USER#<sub>).
    readPartitions: ['USER#'],
  }),
  'webhooks-api': fn({
    ...defaults,
    // A manual retry sends a delivery within the request: up to 10 s for the endpoint to answer.
    timeoutSeconds: 15,
    entry: 'src/handlers/webhooks-api.ts',
    description: 'Webhook endpoints, their deliveries and manual retries',
    trigger: http,
    permissions: ['table:write', 'table:delete'],
    sdkActions: [
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'secretsmanager:GetSecretValue',
    ],
    // Deleting an endpoint (USER#<sub>/WEBHOOK#<id>).
    deletePartitions: ['USER#'],
    // The caller's endpoints and their count (USER#<sub>), a registration's idempotency record (at the
    // journal id its key names: JOURNAL#, src/store/item-keys.ts idempotency) and a manual retry's claim
    // and outcome of a delivery (WEBHOOK#<id>/DELIVERY#<id>): never a balance, a posting or a shard.
    writePartitions: ['USER#', 'JOURNAL#', 'WEBHOOK#'],
    // A manual retry that fails leaves its delivery due (in the delivery index) as it was.
    // A delivery still due in gsi1 (`DUE#`, where one made before 2026-12-07 may be) leaves it when a
    // manual retry records its outcome.
    indexWrites: ['dlv', 'gsi1'],
    // The guard's SECURITY item and the caller's endpoints (USER#<sub>), a registration's idempotency
    // record (JOURNAL#; while upgrading, BANK_LEGACY_IDEMPOTENCY_UNTIL, one kept at IDEM#<sub>#<key>
    // too) and an endpoint's deliveries (WEBHOOK#<id>).
    readPartitions: ['USER#', 'JOURNAL#', 'IDEM#', 'WEBHOOK#'],
  }),
  stream: fn({
    ...defaults,
    timeoutSeconds: 30,
    entry: 'src/handlers/stream.ts',
    description: 'Turns table changes into customers\u2019 events and webhook deliveries',
    trigger: {
      type: 'stream',
      batchSize: 100,
      retryAttempts: 10,
      // Events and webhook deliveries may wait a second: fewer, fuller invocations.
      batchingWindowSeconds: 1,
      filters: [
        {
          eventNames: ['INSERT', 'MODIFY'],
          // Postings give no event (the journal speaks for them: src/domain/events.ts), so they are not
          // delivered: a transfer's two postings would only be invocations that store nothing.
          entities: ['account', 'journal', 'scheduleRun'],
        },
        // An audit record changed or deleted, which nothing of the bank's does: logged at ERROR and
        // alarmed on (`alarmOnLog`; src/handlers/audit-changes.ts). Here rather than in a function of
        // its own: each function on the stream is one more reader of its shards, and AWS advises at
        // most two (README, "Stream readers").
        { eventNames: ['MODIFY', 'REMOVE'], entities: ['audit'], image: 'OldImage' },
        // An audit record appended of a security event whose owner is emailed (a password changed, MFA
        // turned off...: src/domain/security-notices.ts securityNoticeTypes, which a test holds equal):
        // it gives a notice to the notifier. No other audit record (every login's) reaches the function.
        {
          eventNames: ['INSERT'],
          entities: ['audit'],
          actions: [
            'password_changed',
            'password_reset',
            'mfa_disabled',
            'mfa_enabled',
            'registration_repeated',
          ],
        },
      ],
    },
    alarmOnLog: [
      {
        message: AUDIT_CHANGED,
        description: 'An audit record was changed or deleted: see the stream function\u2019s log',
      },
      creditUnclaimedAlarm,
    ],
    permissions: ['table:write', 'lambda:invoke'],
    // A batch's stored events that may be emailed go to the notifier (src/handlers/notify.ts).
    invokes: ['notifier'],
    sdkActions: [
      'dynamodb:GetItem',
      // A batch's customers' event counters, read ahead at once (src/store/events.ts readAhead).
      'dynamodb:BatchGetItem',
      // The customer's webhook endpoints, once per customer and batch (src/store/events.ts readAhead).
      'dynamodb:Query',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'lambda:InvokeFunction',
    ],
    // A customer's events, their marks and counter (USER#<sub>), and webhook deliveries (WEBHOOK#<id>),
    // each due in the delivery index.
    writePartitions: ['USER#', 'WEBHOOK#'],
    indexWrites: ['dlv'],
    // A batch's customers' event counters and webhook endpoints (USER#<sub>): what it stores comes from
    // the records' images, so it reads no journal, account or delivery.
    readPartitions: ['USER#'],
  }),
  dispatcher: fn({
    ...defaults,
    timeoutSeconds: 60,
    entry: 'src/handlers/dispatcher.ts',
    description: 'Delivers due webhook deliveries, signed, with retries',
    trigger: { type: 'schedule', minutes: 1 },
    permissions: ['table:write'],
    // Its due deliveries from their own index (`dlv`, deliveries alone: src/store/table.ts deliveryIndex),
    // never gsi1 (pending journals, due schedules, audit records by actor).
    sdkActions: ['dynamodb:GetItem', 'dynamodb:Query@dlv', 'dynamodb:UpdateItem'],
    // Deliveries (WEBHOOK#<id>/DELIVERY#<id>): claims and outcomes, due again in `dlv`.
    writePartitions: ['WEBHOOK#'],
    // No gsi1: what it claims is due in `dlv`, and never in gsi1 too (src/store/webhooks.ts dueInGsi1).
    indexWrites: ['dlv'],
    // Its endpoints (USER#<sub>/WEBHOOK#<id>) and deliveries (WEBHOOK#<id>/DELIVERY#<id>) only.
    readPartitions: ['USER#', 'WEBHOOK#'],
  }),
  notifier: fn({
    ...defaults,
    timeoutSeconds: 30,
    entry: 'src/handlers/notifier.ts',
    description: 'Emails customers about the events they asked to hear of',
    // Invoked by the stream function with the events it stored (not a third reader of the table's
    // stream: README, "Stream readers"). Lambda's two retries come about 1 and 2 minutes later; an
    // event not handled within 6 hours (Lambda's longest) goes to the on-failure queue.
    trigger: { type: 'invoke', retryAttempts: 2, maxEventAgeSeconds: 6 * 3600 },
    permissions: ['table:write', 'table:delete', 'ses:send'],
    sdkActions: [
      'dynamodb:GetItem',
      // A batch's owners' preferences and profiles, read at once (src/handlers/notifier.ts readOwners).
      'dynamodb:BatchGetItem',
      'dynamodb:PutItem',
      'dynamodb:DeleteItem',
      'ses:SendEmail',
    ],
    // An email's send mark is removed when the send fails (EMAIL#<eventId>).
    deletePartitions: ['EMAIL#'],
    // Its send marks and its hourly counts of emails of money received only, with their own
    // attributes only (src/store/email-marks.ts).
    writePartitions: ['EMAIL#'],
    // Owners' preferences and profiles (USER#<sub>/NOTIFICATIONS, /PROFILE), and its marks (EMAIL#).
    readPartitions: ['USER#', 'EMAIL#'],
    writeAttributes: [
      'pk',
      'sk',
      'entity',
      'status',
      'token',
      'leaseUntil',
      'claimedAt',
      'sentAt',
      'expiresAt',
      'events',
      'version',
    ],
  }),
  admin: fn({
    ...defaults,
    entry: 'src/handlers/admin.ts',
    description: 'Back office: find and view customers, unlock, disable and enable logins, the audit trail',
    trigger: http,
    permissions: ['table:write', 'audit:write', 'cognito:manage'],
    // Its audit records, listed by their actor in gsi1 (AUDITBY#).
    indexWrites: ['gsi1'],
    // A customer's SECURITY item (USER#<sub>: a disable's or an enable's status) and login locks
    // (LOGIN#<email>: an unlock), each in its audit record's transaction (audit:write, AUDIT# only).
    writePartitions: ['USER#', 'LOGIN#'],
    // The guard's: the caller's SECURITY item (USER#<sub>) and the proof that its token came from a TOTP
    // login (MFAAUTH#); a customer's profile, status and accounts (USER#<sub>), their login's locks
    // (LOGIN#<email>), and a subject's audit chain (AUDIT#: the trail by subject, and the head an action's
    // record follows; by actor it is read in gsi1). Never a refresh token, a pending MFA login, a
    // journal or an idempotency record.
    readPartitions: ['USER#', 'MFAAUTH#', 'LOGIN#', 'AUDIT#'],
    sdkActions: [
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:Query@gsi1',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'secretsmanager:GetSecretValue',
      'cognito-idp:AdminGetUser',
      'cognito-idp:AdminDisableUser',
      'cognito-idp:AdminEnableUser',
      'cognito-idp:AdminUserGlobalSignOut',
      'cognito-idp:AdminListGroupsForUser',
    ],
  }),
  // Back office (issue 13): staff's routes live in their own functions, with their own roles.
  'admin-accounts': fn({
    ...defaults,
    entry: 'src/handlers/admin-accounts.ts',
    description: 'Bank staff: any customer\u2019s account by id or number, its history, a transaction',
    trigger: http,
    // A refused caller (not staff, or no MFA) is an audit record (src/handlers/gate.ts): the chain's
    // head (Query), then the record (PutItem, on AUDIT#... only: audit:write without table:write).
    permissions: ['table:read', 'audit:write'],
    // Its audit records, listed by their actor in gsi1 (AUDITBY#).
    indexWrites: ['gsi1'],
    sdkActions: [
      'dynamodb:GetItem',
      'dynamodb:Query',
      ...historyQueries,
      'dynamodb:PutItem',
      'secretsmanager:GetSecretValue',
    ],
    // The guard's: the caller's SECURITY item (USER#<sub>) and the proof that its token came from a TOTP
    // login (MFAAUTH#); an account by its id or number (ACCTID#, ACCTNUM#, then USER#<owner>), its posting
    // items beside the history indexes (ACCOUNT#<id>) and unsettled credits (CREDIT#<id>), a transaction
    // (JOURNAL#), and a refused caller's audit chain head (AUDIT#). Never a login's counters, a refresh
    // token, a pending MFA login or an idempotency record.
    readPartitions: ['USER#', 'MFAAUTH#', 'ACCTID#', 'ACCTNUM#', 'ACCOUNT#', 'CREDIT#', 'JOURNAL#', 'AUDIT#'],
  }),
  'admin-money': fn({
    ...defaults,
    entry: 'src/handlers/admin-money.ts',
    description: 'Bank staff: freeze and unfreeze accounts, teller cash, reversals',
    trigger: http,
    // No delete: teller cash and reversals post at once (a hold's expiry on the way updates its entry).
    // Each action's audit record is put in its own transaction, after its subject's chain head (Query).
    permissions: ['table:write', 'audit:write'],
    // A freeze's or an unfreeze's account (USER#<sub>: updated, or checked when unchanged); teller cash
    // and reversals on the ledger's engine (ledger-admin.ts): the accounts (USER#<sub>), the journal that
    // is the request's idempotency record, a decline's record and a reversal's original (JOURNAL#), and
    // the customer's expired holds released before a debit (their journals, accounts and history
    // entries, ACCOUNT#<id>). Its audit records go through audit:write (AUDIT#, PutItem only). Never a
    // login, an MFA proof, a lookup item, a credit, a webhook delivery or an email mark.
    writePartitions: ['USER#', 'JOURNAL#', 'ACCOUNT#'],
    indexWrites: postsJournals,
    // The guard's: the caller's SECURITY item (USER#<sub>) and the proof that its token came from a TOTP
    // login (MFAAUTH#). An account by its id (ACCTID#, then USER#<owner>: the account and the owner's
    // accounts and daily counters); a reversal's original, expired holds' journals and a keyed action's
    // record (JOURNAL#), and, while upgrading (BANK_LEGACY_IDEMPOTENCY_UNTIL), a record kept at
    // IDEM#<sub>#<key>; the head of its subject's audit chain, to append after (AUDIT#, the Query of
    // src/store/audit.ts). Never a login's counters, a refresh token, a pending MFA login or a delivery.
    readPartitions: ['USER#', 'MFAAUTH#', 'ACCTID#', 'JOURNAL#', 'IDEM#', 'AUDIT#'],
    sdkActions: [
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:ConditionCheckItem',
    ],
  }),
  // Hot recipients (issue 11): deferred credits folded into their accounts (src/store/ledger-settle.ts).
  settler: fn({
    ...defaults,
    timeoutSeconds: 30,
    entry: 'src/handlers/settler.ts',
    alarmOnLog: [creditLeftAlarm],
    description: 'Settles transfers\u2019 credits into their recipients\u2019 accounts, many in one write',
    trigger: {
      type: 'stream',
      batchSize: 100,
      retryAttempts: 10,
      // No window: the recipient's balance waits for the settlement, so credits settle as soon as a
      // poll finds them; under a hot recipient the records that arrive between polls still settle
      // together, one settlement per account per invocation.
      batchingWindowSeconds: 0,
      filters: [{ eventNames: ['INSERT'], entities: ['credit'] }],
    },
    permissions: ['table:write', 'table:delete'],
    // A settled credit item is deleted (CREDIT#<accountId>/IN#...) in the settlement's transaction:
    // credits have a partition of their own, so neither may delete a posting or an account.
    deletePartitions: ['CREDIT#'],
    // The recipient's account and, for a closed one's credit returned to its sender, the sender's account
    // and daily counter (USER#<sub>), and the transfer's journal and a return's (JOURNAL#): never a
    // login, an MFA proof, a lookup item or a history entry.
    writePartitions: ['USER#', 'JOURNAL#'],
    indexWrites: postsJournals,
    // The recipient's account and, for a closed one's credit returned, the sender's (USER#<sub>), the
    // account's unsettled credits (CREDIT#<accountId>) and the transfer's journal that a return gives
    // back (JOURNAL#): never a login, an MFA proof or the audit trail.
    readPartitions: ['USER#', 'CREDIT#', 'JOURNAL#'],
    sdkActions: [
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    ],
  }),
} as const satisfies Record<string, FunctionDef>;

export type Functions = typeof functions;
export type FunctionName = keyof Functions;
/** The functions behind the HTTP API: the route table's `fn` values. */
export type HttpFunctionName = {
  [K in FunctionName]: Functions[K]['trigger']['type'] extends 'http' ? K : never;
}[FunctionName];

export const functionNames = Object.keys(functions) as FunctionName[];

export const functionsWith = <T extends Trigger['type']>(
  type: T,
): { name: FunctionName; def: FunctionDef & { trigger: Extract<Trigger, { type: T }> } }[] =>
  functionNames
    .map((name) => ({ name, def: functions[name] as FunctionDef }))
    .filter(
      (f): f is { name: FunctionName; def: FunctionDef & { trigger: Extract<Trigger, { type: T }> } } =>
        f.def.trigger.type === type,
    );

/** A function's permissions, sorted: what its IAM role is granted. */
export const permissionsOf = (name: FunctionName): Permission[] =>
  [...(functions[name] as FunctionDef).permissions].sort();
