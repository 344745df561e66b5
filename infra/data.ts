/**
 * Data at rest: the single DynamoDB table (shape from src/store/table.ts), the private bucket for
 * statements and exports, the bucket that keeps the stream functions' failed batches, and the bucket
 * that collects S3 server access logs and CloudFront logs.
 */
import { CfnResource, Duration, RemovalPolicy, type Stack } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type BucketProps,
  type CfnBucket,
  ObjectOwnership,
  StorageClass,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { streamSpecification, tableIndexes, tableKeys, ttlAttribute } from '../src/store/table.ts';
import type { StageConfig } from './stage.ts';

/** What every bucket of the stack has: no public access, TLS only, versioned, encrypted, stage removal. */
export const privateBucketProps = (cfg: StageConfig): BucketProps => ({
  blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
  enforceSSL: true,
  versioned: true,
  encryption: BucketEncryption.S3_MANAGED,
  removalPolicy: cfg.removalPolicy,
  // In dev, `cdk destroy` empties the buckets so they can go; in prod they are retained with their data.
  autoDeleteObjects: cfg.removalPolicy === RemovalPolicy.DESTROY,
});

/**
 * How long a failed stream batch's record stays in its bucket: a quarter, long enough for whoever the
 * alarm pages to read the records, find the cause and replay what must be, through holidays; not for
 * good, since each is a copy of customers' items outside the table (whose own deletions and TTL never
 * reach it).
 */
export const FAILED_BATCH_RETENTION_DAYS = 90;

/** The stack-level singleton that `autoDeleteObjects` adds (aws-cdk-lib's AutoDeleteObjectsProvider). */
export const AUTO_DELETE_PROVIDER = 'Custom::S3AutoDeleteObjectsCustomResourceProvider';

/**
 * The CDK's auto-delete helper (a Lambda function of its own, at stack level, that empties the dev
 * buckets before they are deleted) writes to a log group of ours, with the stage's retention and
 * removal: left to itself, Lambda makes `/aws/lambda/<name>` at its first run, kept forever and left
 * behind by `cdk destroy`. The function takes no logging options (a CfnResource the CDK builds), so its
 * LoggingConfig is set on the resource; it refers to the group, so CloudFormation makes the group
 * before the function and deletes it after the function's last run (emptying the buckets). Called
 * once every bucket is made; a stack without the helper (prod) gets nothing.
 */
export const logAutoDeleteProvider = (stack: Stack, cfg: StageConfig): LogGroup | undefined => {
  const handler = stack.node.tryFindChild(AUTO_DELETE_PROVIDER)?.node.tryFindChild('Handler');
  if (!handler || !CfnResource.isCfnResource(handler)) return undefined;
  const logGroup = new LogGroup(stack, 'AutoDeleteObjectsLogs', {
    retention: cfg.logRetention,
    removalPolicy: cfg.removalPolicy,
  });
  handler.addPropertyOverride('LoggingConfig', { LogGroup: logGroup.logGroupName });
  return logGroup;
};

export class Data extends Construct {
  readonly table: Table;
  /** Statements and exports: private, KMS-encrypted, with lifecycle rules; the statements function writes it. */
  readonly statements: Bucket;
  /** Server access logs of the other buckets and CloudFront's standard logs. */
  readonly accessLogs: Bucket;
  /**
   * The stream functions' on-failure destination: Lambda writes each batch that still fails after its
   * retries here, its records with it (`aws/lambda/<mapping id>/<shard>/...`), and S3 tells EventBridge
   * of each new object (the alarm's path: infra/functions.ts).
   */
  readonly failedStreamBatches: Bucket;

  constructor(scope: Construct, id: string, cfg: StageConfig) {
    super(scope, id);

    this.table = new Table(this, 'Table', {
      partitionKey: { name: tableKeys.partitionKey, type: AttributeType.STRING },
      sortKey: { name: tableKeys.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: ttlAttribute,
      // The stream functions of the registry (events, emails) read it; same view type as offline.
      stream: StreamViewType[streamSpecification.StreamViewType],
      deletionProtection: cfg.deletionProtection,
      removalPolicy: cfg.removalPolicy,
    });
    // gsi1, and the history indexes (a journal's two sides: src/store/history.ts). CloudFormation
    // creates one index per update of an existing table: see the README's "history through indexes".
    for (const i of tableIndexes)
      this.table.addGlobalSecondaryIndex({
        indexName: i.indexName,
        partitionKey: { name: i.partitionKey, type: AttributeType.STRING },
        sortKey: { name: i.sortKey, type: AttributeType.STRING },
        ...(i.projection === 'ALL'
          ? { projectionType: ProjectionType.ALL }
          : { projectionType: ProjectionType.INCLUDE, nonKeyAttributes: [...i.projection] }),
      });

    this.accessLogs = new Bucket(this, 'AccessLogs', {
      ...privateBucketProps(cfg),
      // CloudFront's standard logging writes with ACLs, so this one bucket keeps object-writer ownership.
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [
        {
          expiration: Duration.days(cfg.stage === 'prod' ? 365 : 30),
          noncurrentVersionExpiration: Duration.days(7),
        },
      ],
    });

    // S3-managed keys, as the stack's other buckets (the statements bucket aside): the records are the
    // table's items, which the table keeps under an AWS-managed key, so a key of our own would add no
    // control the table lacks, and Lambda's writes need no KMS grant.
    this.failedStreamBatches = new Bucket(this, 'FailedStreamBatches', {
      ...privateBucketProps(cfg),
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'failed-stream-batches/',
      lifecycleRules: [
        {
          id: 'expire-failed-batches',
          expiration: Duration.days(FAILED_BATCH_RETENTION_DAYS),
          noncurrentVersionExpiration: Duration.days(7),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    // Object Created events to EventBridge (the bucket's own setting, on the L1: the CDK's bucket
    // notifications would add a custom-resource Lambda function of their own).
    (this.failedStreamBatches.node.defaultChild as CfnBucket).notificationConfiguration = {
      eventBridgeConfiguration: { eventBridgeEnabled: true },
    };

    const key = new Key(this, 'StatementsKey', {
      description: 'Encrypts customer statements and exports',
      enableKeyRotation: true,
      removalPolicy: cfg.removalPolicy,
    });
    this.statements = new Bucket(this, 'Statements', {
      ...privateBucketProps(cfg),
      encryption: BucketEncryption.KMS,
      encryptionKey: key,
      bucketKeyEnabled: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'statements/',
      lifecycleRules: [
        // Exports are generated on request and downloaded soon after.
        { id: 'expire-exports', prefix: 'exports/', expiration: Duration.days(7) },
        // Statements are kept (the retention the bank owes), moving to cheaper storage as they age.
        {
          id: 'age-statements',
          prefix: 'statements/',
          transitions: [
            { storageClass: StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(90) },
            { storageClass: StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(365) },
          ],
        },
        // An issued statement overwritten or deleted stays as a noncurrent version, never expired: the
        // copy a customer was given (until 2026-12-07 a rule for the whole bucket expired noncurrent
        // versions after 30 days, statements/ included: a review found it). Exports' go.
        { id: 'tidy-exports', prefix: 'exports/', noncurrentVersionExpiration: Duration.days(30) },
        { id: 'tidy-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
  }
}
