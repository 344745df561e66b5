/**
 * One Lambda function per entry of the function registry (src/functions.ts). Each gets its own role
 * holding only the grants its permissions name, its own log group, only the environment its
 * permissions need, and its trigger: http functions are integrated by infra/api.ts; schedule
 * functions get an EventBridge rule and an SQS dead-letter queue for failed invocations here; stream
 * functions get an event source mapping on the table's stream (filter criteria, batch size,
 * bisect-on-error, bounded retries, partial batch responses) with the failed-batches bucket as their
 * on-failure destination (Lambda writes each failed batch there with its records; S3 tells EventBridge,
 * whose rule puts a notice in a queue that is alarmed on); invoke functions get an async invoke config (retries, maximum event age, an SQS on-failure
 * destination), and each function that invokes them (`invokes`) lambda:InvokeFunction on them alone
 * and their names in its environment.
 */
import { Aws, type CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { UserPool, UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  Architecture,
  FilterCriteria,
  FilterRule,
  type IEventSourceDlq,
  type IFunction,
  Function as LambdaFn,
  ParamsAndSecretsLayerVersion,
  ParamsAndSecretsLogLevel,
  ParamsAndSecretsVersions,
  Runtime,
  StartingPosition,
} from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import {
  CloudWatchDimensionSource,
  ConfigurationSet,
  ConfigurationSetTlsPolicy,
  EmailIdentity,
  EmailSendingEvent,
  EventDestination,
  Identity,
  SuppressionReasons,
} from 'aws-cdk-lib/aws-ses';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ORIGIN_EXTENSION_TTL_SECONDS } from '../src/api/edge.ts';
import { type Config, settingsEnv, stageSettings } from '../src/config.ts';
import { functionSettings, invokedNameSettings, pagesWithCursors } from '../src/function-env.ts';
import {
  auditNeverActions,
  type FunctionDef,
  type FunctionName,
  functionNames,
  functions,
  indexKeyWriteActions,
  type Permission,
  permissionsOf,
  type SdkAction,
  tableActions,
} from '../src/functions.ts';
import { STATEMENT_FILE_PREFIX } from '../src/store/item-keys.ts';
import { AUDIT_PREFIX } from '../src/store/keys.ts';
import { deniedIndexAttributes, tableIndexes } from '../src/store/table.ts';
import { lambdaCode, sourceMapEnvironment } from './bundling.ts';
import type { StageConfig } from './stage.ts';

// Which settings each function gets lives beside it (the local stack gives each function the same).
export { invokedNameSettings, pagesWithCursors } from '../src/function-env.ts';
// The table permissions' actions live with the registry (the offline IAM, src/local/iam.ts, reads them too).
export { auditNeverActions, tableActions } from '../src/functions.ts';

/**
 * BatchGetItem, only to a function whose code calls it (declared in its `sdkActions`): the money
 * function, for a bulk payment's recipients (BatchLedgerStore.recipients, src/store/ledger-batch.ts),
 * the stream function, for a batch's customers' event counters (EventStore.readAhead), and the
 * notifier, for a batch's owners' preferences and profiles (readOwners, src/handlers/notifier.ts).
 */
export const batchReads = (def: Pick<FunctionDef, 'sdkActions'>): string[] =>
  def.sdkActions.includes('dynamodb:BatchGetItem') ? ['dynamodb:BatchGetItem'] : [];

/**
 * Of a permission's family of table actions, those the function's code calls (its `sdkActions`): a
 * role is granted no action its function does not make (a notifier that only puts and deletes marks
 * may not update an item; its puts are limited to its marks by `writePartitions`), and the index only
 * to the functions that query it.
 */
export const declaredOf = (def: Pick<FunctionDef, 'sdkActions'>, family: readonly SdkAction[]): SdkAction[] =>
  family.filter((a) => def.sdkActions.includes(a));

/**
 * What `s3:statements` grants: objects under the statement prefixes only (get and put, no delete), and
 * the bucket key's data-key and decrypt actions (SSE-KMS writes and reads, and presigned GETs signed
 * with the function's credentials). No ListBucket: the function never asks S3 whether a file exists
 * (it reads the file's mark in the table, src/store/statement-links.ts), so it never needs S3's 404
 * for a missing key, and may not list the bucket's keys.
 */
export const statementActions = {
  objects: ['s3:GetObject', 's3:PutObject'],
  prefixes: ['statements/*', 'exports/statements/*'],
  key: ['kms:Decrypt', 'kms:GenerateDataKey'],
} as const;

/**
 * What a stream function's role needs for its mapping's on-failure destination, the failed-batches
 * bucket, as Lambda documents it for an S3 destination: PutObject on its objects (the mapping writes a
 * failed batch's record with the function's role) and ListBucket on the bucket. Nothing else of it: no
 * read, no delete. The bucket uses S3-managed keys, so no KMS action.
 */
export const failedBatchActions = {
  objects: ['s3:PutObject'],
  bucket: ['s3:ListBucket'],
} as const;

/**
 * A stream mapping's on-failure destination in an S3 bucket, granting the function's role only
 * `failedBatchActions` (aws-cdk-lib's S3OnFailureDestination grants read and write: get, list, delete).
 */
export class FailedBatchesBucket implements IEventSourceDlq {
  constructor(private readonly bucket: IBucket) {}

  bind(_target: unknown, fn: IFunction): { destination: string } {
    fn.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: [...failedBatchActions.objects],
        resources: [this.bucket.arnForObjects('*')],
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: [...failedBatchActions.bucket],
        resources: [this.bucket.bucketArn],
      }),
    );
    const bucket = `<${Stack.of(this.bucket).getLogicalId(this.bucket.node.defaultChild as CfnElement)}.Arn>`;
    if (fn.role)
      Validations.of(fn.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${bucket}/*]`,
        reason:
          "Lambda names each failed batch's object itself (aws/lambda/<mapping id>/<shard>/<date>-<uuid>), in a bucket that holds nothing else: put only, no read or delete.",
      });
    return { destination: this.bucket.bucketArn };
  }
}

/** What an event source mapping needs on the table's stream (and nothing else of it). */
export const streamActions = [
  'dynamodb:DescribeStream',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:ListStreams',
] as const;

/** Cognito actions that need IAM. The public ones (SignUp, ConfirmSignUp, InitiateAuth, RevokeToken) need none. */
export const cognitoAdminActions = ['cognito-idp:AdminConfirmSignUp'] as const;
/**
 * `cognito:users`: look up a user (registration without enumeration, reset), delete a stale
 * unconfirmed sign-up, set the password its confirmer gives, and sign a user out everywhere after a
 * password reset or a confirmation.
 */
export const cognitoUserActions = [
  'cognito-idp:AdminGetUser',
  'cognito-idp:AdminDeleteUser',
  'cognito-idp:AdminSetUserPassword',
  'cognito-idp:AdminUserGlobalSignOut',
] as const;

/**
 * `cognito:sign-out`: sign the caller out everywhere by username, when Cognito refuses their own
 * access token for GlobalSignOut (the profile function).
 */
export const cognitoSignOutActions = ['cognito-idp:AdminUserGlobalSignOut'] as const;

/**
 * `cognito:manage`: the back office disables and enables logins, looks users up, and signs a
 * disabled user out everywhere.
 */
export const cognitoManageActions = [
  'cognito-idp:AdminGetUser',
  'cognito-idp:AdminDisableUser',
  'cognito-idp:AdminEnableUser',
  'cognito-idp:AdminUserGlobalSignOut',
  'cognito-idp:AdminListGroupsForUser',
] as const;

/** The CloudWatch dimension SES counts the configuration set's undelivered emails by (its auto tag). */
export const EMAIL_METRIC_DIMENSION = 'ses:configuration-set';

/** The audit trail's partition-key prefix, as IAM's dynamodb:LeadingKeys sees it (src/store/keys.ts). */
export const auditLeadingKeys = [`${AUDIT_PREFIX}*`];
/** Statement files' marks' partition-key prefix, as dynamodb:LeadingKeys sees it (`table:file-marks`). */
export const fileMarkLeadingKeys = [`${STATEMENT_FILE_PREFIX}*`];

export interface FunctionsProps {
  cfg: StageConfig;
  table: ITable;
  userPool: UserPool;
  client: UserPoolClient;
  /** The statements bucket (KMS-encrypted), for functions with `s3:statements`. */
  statements: IBucket;
  /** The stream functions' on-failure destination (infra/data.ts). */
  failedStreamBatches: IBucket;
}

/**
 * Reading a secret's value, and nothing else of it: `Secret.grantRead` adds DescribeSecret (its
 * rotation, versions and tags), which no function calls (Powertools Parameters and the Parameters and
 * Secrets extension call GetSecretValue alone). The secrets use Secrets Manager's own key: no KMS grant.
 */
export const secretReadActions = ['secretsmanager:GetSecretValue'] as const;
const grantSecretValue = (secret: Secret, role: Role): void => {
  role.addToPolicy(
    new PolicyStatement({
      effect: Effect.ALLOW,
      actions: [...secretReadActions],
      resources: [secret.secretArn],
    }),
  );
};

/** IAM descriptions accept Latin-1 only. */
const latin1 = (s: string): string =>
  s.replace(/[\u2018\u2019]/g, "'").replace(/[^\t\n\r\x20-\x7E\xA1-\xFF]/g, '');

const pascal = (s: string): string =>
  s
    .split(/[^A-Za-z0-9]+/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

/**
 * The key, in `deadLetterQueues`, of the queue the schedule rules' targets share: the scheduled events
 * EventBridge could not deliver after its retries (a function's own failed runs go to its own queue).
 */
export const SCHEDULE_TARGETS_DLQ = 'schedule-targets';

/**
 * The key, in `deadLetterQueues`, of the queue that holds a notice of each failed stream batch: S3's
 * Object Created event for its object in the failed-batches bucket (the batch itself is the object).
 */
export const FAILED_STREAM_BATCHES = 'failed-stream-batches';

export class Functions extends Construct {
  readonly byName: Record<FunctionName, LambdaFn>;
  /** Each function's log group (the alarms on log lines read them: `alarmOnLog`). */
  readonly logGroups = {} as Record<FunctionName, LogGroup>;
  /** The HMAC key for history cursors, generated by Secrets Manager. */
  readonly cursorSecret: Secret;
  /**
   * With the API edge on: the value CloudFront sends in `X-Origin-Verify`, which every HTTP function
   * checks (src/api/edge.ts), generated by Secrets Manager.
   */
  readonly originSecret?: Secret;
  /**
   * The SQS dead-letter queue (on-failure destination) of each invoke and schedule function, the
   * schedule rules' targets' one (SCHEDULE_TARGETS_DLQ), and the failed stream batches' notices
   * (FAILED_STREAM_BATCHES): any message in one is alarming.
   */
  readonly deadLetterQueues: Partial<
    Record<FunctionName | typeof SCHEDULE_TARGETS_DLQ | typeof FAILED_STREAM_BATCHES, Queue>
  > = {};
  /** The rule that notices each failed stream batch's object (FAILED_STREAM_BATCHES). */
  failedBatchRule?: Rule;
  /** The EventBridge rule of each schedule function (its failed invocations are alarmed on). */
  readonly scheduleRules: Partial<Record<FunctionName, Rule>> = {};
  /** The verified identity emails are sent from (a stage context value). */
  readonly emailIdentity: EmailIdentity;
  /** The identity's default configuration set: what SES could not deliver is counted there (Monitoring). */
  readonly emailConfigurationSet: ConfigurationSet;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const { cfg, table, userPool, client, statements, failedStreamBatches } = props;

    /**
     * A key generated by Secrets Manager as JSON with a `current` key, read at run time; how each one
     * rotates (by hand, readers accepting the keys around `current`) is its acknowledgement's reason.
     */
    const keySecret = (name: string, description: string, rotation: string): Secret => {
      const secret = new Secret(this, name, {
        description,
        generateSecretString: {
          secretStringTemplate: '{}',
          generateStringKey: 'current',
          passwordLength: 64,
          excludePunctuation: true,
          includeSpace: false,
        },
        removalPolicy: cfg.removalPolicy,
      });
      Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: rotation });
      return secret;
    };
    this.cursorSecret = keySecret(
      'CursorSecret',
      'HMAC keys that make paging cursors tamper-proof: JSON {"current","previous"}, read at run time (src/store/cursor.ts)',
      'The cursor HMAC key is rotated by writing {"current": new, "previous": old} (put-secret-value); functions read it at run time with a 5-minute cache and accept both keys, so no rotation Lambda is needed.',
    );
    if (cfg.apiEdge) {
      this.originSecret = keySecret(
        'OriginSecret',
        'The API edge\'s origin header value: JSON {"current","previous","next"}; CloudFront sends current, the HTTP functions accept all three (src/api/edge.ts)',
        'Rotated in two steps by put-secret-value ({"current": old, "next": new}, then after 10 minutes {"current": new, "previous": old} and a deploy with -c originSecretVersion=<its VersionId>, which gives CloudFront the new value); the functions accept all three keys, so no rotation Lambda is needed.',
      );
    }
    const originSecret = this.originSecret;
    /** The extension the HTTP functions read the origin secret through: its own cache, no SDK client. */
    const paramsAndSecrets = ParamsAndSecretsLayerVersion.fromVersion(ParamsAndSecretsVersions.V1_0_103, {
      logLevel: ParamsAndSecretsLogLevel.WARN,
      // Counted in the rotation's wait (ORIGIN_ROTATION_WAIT_SECONDS), on top of each instance's own cache.
      secretsManagerTtl: Duration.seconds(ORIGIN_EXTENSION_TTL_SECONDS),
    });

    // Every email the identity sends goes through this configuration set (the identity's default, so the
    // notifier names none): delivered over TLS only (an email carries amounts and account numbers); SES
    // suppresses an address that bounced or complained; and each bounce, complaint and rejection is
    // counted in CloudWatch (AWS/SES, by configuration set), where Monitoring alarms on them. Until
    // 2026-12-07 an email SES accepted and then could not deliver was lost unseen (a review found it).
    this.emailConfigurationSet = new ConfigurationSet(this, 'EmailConfigurationSet', {
      tlsPolicy: ConfigurationSetTlsPolicy.REQUIRE,
      reputationMetrics: true,
      suppressionReasons: SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    this.emailConfigurationSet.addEventDestination('Undelivered', {
      events: [EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT, EmailSendingEvent.REJECT],
      destination: EventDestination.cloudWatchDimensions([
        {
          // SES tags every email with its configuration set's name.
          name: EMAIL_METRIC_DIMENSION,
          source: CloudWatchDimensionSource.MESSAGE_TAG,
          defaultValue: 'none',
        },
      ]),
    });
    this.emailIdentity = new EmailIdentity(this, 'EmailIdentity', {
      identity: cfg.ses.identity.includes('@')
        ? Identity.email(cfg.ses.identity)
        : Identity.domain(cfg.ses.identity),
      configurationSet: this.emailConfigurationSet,
    });

    /**
     * The value of each setting a function may be given; each function gets those of
     * `functionSettings` (src/function-env.ts), as the local stack does. The invoked functions' names
     * (`invokedNameSettings`) are added once those functions exist (below).
     */
    const values: Partial<Config> = {
      tableName: table.tableName,
      ...Object.fromEntries(stageSettings.map((k) => [k, cfg.bank[k]])),
      statementsBucket: statements.bucketName,
      userPoolId: userPool.userPoolId,
      userPoolClientId: client.userPoolClientId,
      autoConfirm: cfg.autoConfirm,
      emailFrom: cfg.ses.from,
      // The secrets' ARNs, not their values: the keys are fetched at run time (never in the template or env).
      cursorSecretId: this.cursorSecret.secretArn,
      ...(originSecret ? { originSecretId: originSecret.secretArn } : {}),
    };
    const invokedNames = new Set(Object.values(invokedNameSettings));
    const settingsOf = (fn: FunctionName): Partial<Config> =>
      Object.fromEntries(
        functionSettings(fn, { edge: originSecret !== undefined })
          .filter((k) => !invokedNames.has(k))
          .map((k) => {
            if (!(k in values)) throw new Error(`${fn}: no value for the setting ${k}`);
            return [k, values[k]];
          }),
      );

    /**
     * A dead-letter queue: encrypted, TLS only, kept 14 days for someone to look at and redrive, and
     * retained with the stage's other data (prod), so deleting the stack does not drop what it holds.
     */
    const deadLetterQueue = (name: string, description: string, isOnFailureDestination: boolean): Queue => {
      const q = new Queue(this, `${name}Dlq`, {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
        removalPolicy: cfg.removalPolicy,
      });
      // cdk-nag knows a function's dead-letter queue, not an event source mapping's on-failure destination.
      if (isOnFailureDestination) {
        Validations.of(q).acknowledge({
          id: 'AwsSolutions-SQS3',
          reason: `This queue is itself the dead-letter queue (${description}); nothing redrives out of it automatically.`,
        });
      }
      return q;
    };

    const roles = {} as Record<FunctionName, Role>;
    const entries = functionNames.map((fn) => {
      const def: FunctionDef = functions[fn];
      const perms = permissionsOf(fn);
      const name = pascal(fn);
      const role = new Role(this, `${name}Role`, {
        assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
        description: latin1(`${def.description}: ${perms.join(', ') || 'no data access'}`),
      });
      roles[fn] = role;
      const logGroup = new LogGroup(this, `${name}Logs`, {
        retention: cfg.logRetention,
        removalPolicy: cfg.removalPolicy,
      });
      logGroup.grantWrite(role);
      this.logGroups[fn] = logGroup;

      const trigger = def.trigger;
      // A stream function's failed batches go to the failed-batches bucket instead (below).
      const dlq =
        trigger.type === 'http' || trigger.type === 'stream'
          ? undefined
          : deadLetterQueue(
              name,
              trigger.type === 'invoke'
                ? `${fn}: asynchronous invocations that failed after Lambda's retries or grew too old`
                : `${fn}: scheduled invocations that failed after Lambda's retries`,
              trigger.type === 'invoke',
            );
      if (dlq) this.deadLetterQueues[fn] = dlq;

      const f = new LambdaFn(this, name, {
        code: lambdaCode(fn),
        handler: 'index.handler',
        runtime: Runtime.NODEJS_22_X,
        architecture: Architecture.ARM_64,
        memorySize: def.memoryMb,
        timeout: Duration.seconds(def.timeoutSeconds),
        description: latin1(def.description),
        role,
        logGroup,
        // Failed asynchronous invocations (the schedule's) go to the queue after Lambda's two retries.
        ...(trigger.type === 'schedule' && dlq ? { deadLetterQueue: dlq, retryAttempts: 2 } : {}),
        // The notifier's own (notifierConcurrency) over every function's (reservedConcurrency): each
        // stream batch invokes it, so without a cap its invocations run side by side and together send
        // faster than SES's sending rate. Throttled, an event waits in Lambda's queue (up to its maximum
        // age) without spending its retries.
        ...(fn === 'notifier' && cfg.notifierConcurrency !== undefined
          ? { reservedConcurrentExecutions: cfg.notifierConcurrency }
          : cfg.reservedConcurrency === undefined
            ? {}
            : { reservedConcurrentExecutions: cfg.reservedConcurrency }),
        environment: {
          POWERTOOLS_SERVICE_NAME: 'serverless-bank',
          POWERTOOLS_LOG_LEVEL: cfg.logLevel,
          ...sourceMapEnvironment,
          ...settingsEnv(settingsOf(fn)),
        },
        ...(originSecret && trigger.type === 'http' ? { paramsAndSecrets } : {}),
      });
      Validations.of(f).acknowledge({
        id: 'AwsSolutions-L1',
        reason:
          'Node.js 22 is the project\u2019s pinned Lambda runtime (esbuild targets node22); moving to 24 is a deliberate upgrade, not a drift fix.',
      });
      this.grant(role, perms, { cfg, table, userPool, statements }, def);
      if (pagesWithCursors(fn)) grantSecretValue(this.cursorSecret, role);
      if (originSecret && trigger.type === 'http') grantSecretValue(originSecret, role);
      if (trigger.type === 'schedule') {
        // An event EventBridge could not deliver to the function after its retries (the run never
        // started: throttled, the function missing or its invoke refused) goes to one queue shared by
        // the schedule rules, not dropped: each message names its rule (its RULE_ARN attribute) and
        // the error, and one queue is one alarm. The target adds the queue policy's Allow for this
        // rule alone (events.amazonaws.com, aws:SourceArn), beside the queue's TLS-only Deny.
        const targetDlq =
          this.deadLetterQueues[SCHEDULE_TARGETS_DLQ] ??
          deadLetterQueue(
            'ScheduleTargets',
            "the schedule rules' targets: scheduled events EventBridge could not deliver after its retries",
            true,
          );
        this.deadLetterQueues[SCHEDULE_TARGETS_DLQ] = targetDlq;
        this.scheduleRules[fn] = new Rule(this, `${name}Schedule`, {
          description: latin1(`${def.description}: every ${trigger.minutes} min`),
          schedule: Schedule.rate(Duration.minutes(trigger.minutes)),
          targets: [new LambdaFunction(f, { retryAttempts: 2, deadLetterQueue: targetDlq })],
        });
      }
      if (trigger.type === 'stream') {
        const streamArn = table.tableStreamArn;
        if (!streamArn) throw new Error(`${fn}: the table has no stream`);
        // Exactly this table's stream, no wildcard (the mapping reads it with the function's role).
        role.addToPolicy(
          new PolicyStatement({ effect: Effect.ALLOW, actions: [...streamActions], resources: [streamArn] }),
        );
        f.addEventSourceMapping(`${name}Stream`, {
          eventSourceArn: streamArn,
          startingPosition: StartingPosition.TRIM_HORIZON,
          batchSize: trigger.batchSize,
          maxBatchingWindow: Duration.seconds(trigger.batchingWindowSeconds),
          bisectBatchOnError: true,
          retryAttempts: trigger.retryAttempts,
          reportBatchItemFailures: true,
          // The batch's record with its records (an SQS destination kept the shard and sequence
          // numbers alone, and the stream drops the records 24 hours after their write).
          onFailure: new FailedBatchesBucket(failedStreamBatches),
          filters: trigger.filters.map((filter) =>
            FilterCriteria.filter({
              eventName: FilterRule.or(...filter.eventNames),
              dynamodb: {
                [filter.image ?? 'NewImage']: {
                  entity: { S: FilterRule.or(...filter.entities) },
                  ...(filter.actions ? { action: { S: FilterRule.or(...filter.actions) } } : {}),
                },
              },
            }),
          ),
        });
      }
      if (trigger.type === 'invoke' && dlq) {
        // Lambda's own queue for the events it is given: retried, aged out, then the on-failure queue.
        f.configureAsyncInvoke({
          retryAttempts: trigger.retryAttempts,
          maxEventAge: Duration.seconds(trigger.maxEventAgeSeconds),
          onFailure: new SqsDestination(dlq),
        });
      }
      return [fn, f] as const;
    });
    if (functionNames.some((fn) => functions[fn].trigger.type === 'stream')) {
      // Each failed batch's object is noticed: S3's Object Created event (the bucket sends its events to
      // EventBridge) goes to a queue whose depth is alarmed on, as the dead-letter queues' is. The
      // alarm stays on until someone deletes the notices, each naming its object (detail.object.key).
      const notices = deadLetterQueue(
        'FailedStreamBatches',
        "the failed stream batches' notices: S3's Object Created events for the failed-batches bucket",
        true,
      );
      this.deadLetterQueues[FAILED_STREAM_BATCHES] = notices;
      this.failedBatchRule = new Rule(this, 'FailedStreamBatchesRule', {
        description: 'A stream batch failed after its retries: its object in the failed-batches bucket',
        eventPattern: {
          source: ['aws.s3'],
          detailType: ['Object Created'],
          detail: { bucket: { name: [failedStreamBatches.bucketName] } },
        },
        targets: [new SqsQueue(notices)],
      });
    }
    this.byName = Object.fromEntries(entries) as Record<FunctionName, LambdaFn>;
    // lambda:InvokeFunction on the functions each one invokes, by their ARNs (no version, no wildcard),
    // and their names in its environment.
    for (const fn of functionNames) {
      const def: FunctionDef = functions[fn];
      const invokes = (def.invokes ?? []) as FunctionName[];
      if (invokes.length === 0) continue;
      if (!def.permissions.includes('lambda:invoke')) throw new Error(`${fn}: invokes without lambda:invoke`);
      roles[fn].addToPolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['lambda:InvokeFunction'],
          resources: invokes.map((target) => this.byName[target].functionArn),
        }),
      );
      for (const target of invokes) {
        const setting = invokedNameSettings[target];
        if (!setting || functions[target].trigger.type !== 'invoke')
          throw new Error(`${fn} invokes ${target}, which is not an invoke function with a name setting`);
        for (const [k, v] of Object.entries(settingsEnv({ [setting]: this.byName[target].functionName })))
          this.byName[fn].addEnvironment(k, v);
      }
    }
  }

  /** The IAM statements for a function's permissions. */
  private grant(
    role: Role,
    perms: readonly Permission[],
    { cfg, table, userPool, statements }: Pick<FunctionsProps, 'cfg' | 'table' | 'userPool' | 'statements'>,
    def: FunctionDef,
  ): void {
    if (perms.includes('s3:statements')) {
      role.addToPolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: [...statementActions.objects],
          resources: statementActions.prefixes.map((p) => statements.arnForObjects(p)),
        }),
      );
      const bucket = `<${Stack.of(statements).getLogicalId(statements.node.defaultChild as CfnElement)}.Arn>`;
      Validations.of(role).acknowledge(
        ...statementActions.prefixes.map((p) => ({
          id: `AwsSolutions-IAM5[Resource::${bucket}/${p}]`,
          reason:
            'Statement files are keyed by account and month (or by the last posting for the current month), so the function gets the objects under its two prefixes: get and put only, no delete.',
        })),
      );
      if (statements.encryptionKey) {
        role.addToPolicy(
          new PolicyStatement({
            effect: Effect.ALLOW,
            actions: [...statementActions.key],
            resources: [statements.encryptionKey.keyArn],
            // Through S3 alone (the bucket's SSE-KMS): the function's credentials cannot call KMS
            // directly, to decrypt or make data keys outside S3.
            conditions: { StringEquals: { 'kms:ViaService': `s3.${Aws.REGION}.amazonaws.com` } },
          }),
        );
      }
    }
    const canRead = perms.includes('table:read') || perms.includes('table:write');
    const reads = [...declaredOf(def, tableActions.read), ...batchReads(def)];
    // Query on each index the code reads (`dynamodb:Query@<index name>`), on that index only.
    const indexArns = tableIndexes
      .filter((i) => (def.sdkActions as readonly string[]).includes(`dynamodb:Query@${i.indexName}`))
      .map((i) => `${table.tableArn}/index/${i.indexName}`);
    if (canRead && indexArns.length > 0) {
      role.addToPolicy(
        new PolicyStatement({ effect: Effect.ALLOW, actions: ['dynamodb:Query'], resources: indexArns }),
      );
    }
    /** `actions` on the table's items whose partition key matches one of `leadingKeys` only (and no request without one). */
    const inPartitions = (actions: string[], leadingKeys: string[], attributes?: readonly string[]) =>
      role.addToPolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions,
          resources: [table.tableArn],
          conditions: {
            'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': leadingKeys },
            Null: { 'dynamodb:LeadingKeys': 'false' },
            // Only these attributes (writeAttributes): no index key that would put the item in another
            // partition of an index.
            ...(attributes
              ? { 'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...attributes] } }
              : {}),
          },
        }),
      );
    if (canRead && reads.length > 0) {
      // In the partitions the function declares (readPartitions), or else the whole table.
      if (def.readPartitions)
        inPartitions(
          reads,
          def.readPartitions.map((p) => `${p}*`),
        );
      else
        role.addToPolicy(
          new PolicyStatement({ effect: Effect.ALLOW, actions: reads, resources: [table.tableArn] }),
        );
    }
    const writes = declaredOf(def, tableActions.write);
    if (perms.includes('table:write') && writes.length > 0) {
      // In the partitions the function declares (writePartitions), or else the whole table.
      if (def.writePartitions)
        inPartitions(
          writes,
          def.writePartitions.map((p) => `${p}*`),
          def.writeAttributes,
        );
      else
        role.addToPolicy(
          new PolicyStatement({ effect: Effect.ALLOW, actions: writes, resources: [table.tableArn] }),
        );
    }
    // DeleteItem only in the partitions the function declares (dynamodb:LeadingKeys): never a
    // journal, a balance or a record.
    if (perms.includes('table:delete'))
      inPartitions(
        [...tableActions.delete],
        (def.deletePartitions ?? []).map((p) => `${p}*`),
      );
    // Statement files' marks (STMTFILE#...): PutItem on them alone, for a function that writes
    // nothing else to the table (statement-files).
    if (perms.includes('table:file-marks'))
      inPartitions(['dynamodb:PutItem'], fileMarkLeadingKeys, def.writeAttributes);
    // Audit items (AUDIT#...) are append-only: the writer may put them (a new record, conditioned on
    // attribute_not_exists in the code), no role may update or delete them, and a role without
    // audit:write may not put one either. Explicit Denies, so no later Allow can widen them.
    if (perms.includes('audit:write')) inPartitions(['dynamodb:PutItem'], auditLeadingKeys);
    if (perms.includes('table:write') || perms.includes('table:delete') || perms.includes('audit:write')) {
      role.addToPolicy(
        new PolicyStatement({
          effect: Effect.DENY,
          actions: [...auditNeverActions, ...(perms.includes('audit:write') ? [] : ['dynamodb:PutItem'])],
          resources: [table.tableArn],
          conditions: { 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': auditLeadingKeys } },
        }),
      );
    }
    // The guarded indexes' attributes (the history indexes', the delivery index's and gsi1's keys) on an
    // item the function puts or updates, unless it writes that index (`indexWrites`): an explicit Deny,
    // whatever its Allows (LeadingKeys sees the table's partition key alone, so an item in its own
    // partition, or an audit record, could otherwise stand in any account's history, or be a due
    // schedule or delivery, or a record in a staff member's trail by actor).
    const deniedAttributes = deniedIndexAttributes(def.indexWrites);
    const putsItems = ['table:write', 'audit:write', 'table:file-marks'].some((p) =>
      perms.includes(p as Permission),
    );
    if (putsItems && deniedAttributes.length > 0) {
      role.addToPolicy(
        new PolicyStatement({
          effect: Effect.DENY,
          actions: [...indexKeyWriteActions],
          resources: [table.tableArn],
          conditions: { 'ForAnyValue:StringEquals': { 'dynamodb:Attributes': deniedAttributes } },
        }),
      );
    }
    // SendEmail only with the stage's configured From address (an identity it verifies). The resource
    // is every identity of the account: in the SES sandbox (a new account's, and a dev stage's) SES
    // authorises the call against each recipient's identity as well as the sender's, so a role
    // scoped to the sender's identity alone is refused every email, even to verified recipients.
    if (perms.includes('ses:send')) {
      const identities = `arn:${Aws.PARTITION}:ses:${Aws.REGION}:${Aws.ACCOUNT_ID}:identity/*`;
      role.addToPolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['ses:SendEmail'],
          resources: [identities],
          conditions: { StringEquals: { 'ses:FromAddress': cfg.ses.from } },
        }),
      );
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*]',
        reason:
          "SendEmail is authorised against the recipients' identities too in the SES sandbox; the ses:FromAddress condition keeps the sender to the stage's own address.",
      });
    }
    // cognito:public needs no IAM grant at all; cognito:admin only while auto-confirm is on (never in prod).
    // Each Cognito permission's actions, on this pool only; cognito:admin only while auto-confirm is on.
    const cognitoGrants: [Permission, readonly string[]][] = [
      ['cognito:manage', cognitoManageActions],
      ['cognito:users', cognitoUserActions],
      ['cognito:sign-out', cognitoSignOutActions],
      ...(cfg.autoConfirm ? [['cognito:admin', cognitoAdminActions] as [Permission, readonly string[]]] : []),
    ];
    for (const [perm, actions] of cognitoGrants) {
      if (!perms.includes(perm)) continue;
      role.addToPolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: [...actions],
          resources: [userPool.userPoolArn],
        }),
      );
    }
  }
}
