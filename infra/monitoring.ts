/**
 * CloudWatch alarms (API 5xx, Lambda errors and throttles, DynamoDB throttles, dead-letter queue depth
 * (the failed stream batches' notices included), stream iterator age and failed-batch deliveries, asynchronous invocations' event age and dropped events, alarming log lines) to an
 * encrypted SNS topic, and one small dashboard.
 */
import { Aws, Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IRule } from 'aws-cdk-lib/aws-events';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, type ILogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FAILED_BATCH_RETENTION_DAYS } from './data.ts';
import { EMAIL_METRIC_DIMENSION, FAILED_STREAM_BATCHES, SCHEDULE_TARGETS_DLQ } from './functions.ts';
import type { StageConfig } from './stage.ts';

/** A stream function falling this far behind the table's changes is alarming (events, emails late). */
export const ITERATOR_AGE_ALARM_MS = 5 * 60 * 1000;

/**
 * An asynchronous invocation's event waiting this long is alarming (emails late): Lambda's two retries
 * come about 1 and 2 minutes after a failure, so an event still queued after 5 minutes is stuck.
 */
export const ASYNC_EVENT_AGE_ALARM_MS = 5 * 60 * 1000;

/**
 * A stream function's failed batch is an object in the failed-batches bucket, its records in it (the
 * invocation record's `payload`), kept FAILED_BATCH_RETENTION_DAYS; the queue holds S3's notice of each.
 * The alarm says where to look and that it stays on until the notices are deleted.
 */
export const failedStreamBatchesDescription = `Stream functions: a stream batch failed after its retries. Lambda wrote it, its records included (payload), to the failed-batches bucket (stack output FailedStreamBatchesBucket), kept ${FAILED_BATCH_RETENTION_DAYS} days. Each message in this queue is S3's Object Created event naming the object (detail.object.key: aws/lambda/<mapping id>/<shard>/...); the object's requestContext.functionArn names the function. Delete the messages once handled: the alarm stays on while any waits`;

/**
 * Lambda could not write a failed batch's record to the failed-batches bucket (its metric
 * DestinationDeliveryFailures): no object, so no notice; the records stay in the table's stream 24
 * hours after their write, and nowhere else.
 */
export const failedBatchDeliveryDescription = (name: string): string =>
  `${name}: Lambda could not write a failed stream batch to the failed-batches bucket (its role, the bucket): read the batch's records from the table's stream within 24 hours of their write, after which DynamoDB Streams drops them`;

/** The metric filter's pattern for an alarming log line (`alarmOnLog`): Powertools writes it at `message`. */
export const logLinePattern = (message: string) => FilterPattern.stringValue('$.message', '=', message);

/** The metric an alarming log line's filters count into: one per message, whichever functions log it. */
export const logLineMetric = (message: string): string => `LogLine-${message.replace(/[^A-Za-z0-9]+/g, '-')}`;

/**
 * The schedule rules' targets' queue holds scheduled events, not failed runs: each one a run that never
 * started. Nothing redrives them (the next run picks up what was due); the alarm is for the cause.
 */
export const scheduleTargetsDeadLetterDescription =
  "Schedule rules: EventBridge could not deliver a scheduled event to its function after its retries (the run never started). Each message's RULE_ARN, ERROR_CODE and ERROR_MESSAGE attributes name the schedule and why; the next run picks up what was due, so nothing needs redriving, only the cause fixing";

export interface MonitoringProps {
  cfg: StageConfig;
  api: HttpApi;
  functions: Record<string, IFunction>;
  table: Table;
  /** The table's global secondary indexes: their throttled reads and writes are alarmed on too. */
  indexNames?: string[];
  /** Dead-letter queues by function: any message in one is alarming. */
  deadLetterQueues?: Record<string, IQueue>;
  /** The functions fed by the table's stream: their iterator age and failed-batch deliveries are watched. */
  streamFunctions?: string[];
  /**
   * The functions invoked asynchronously: their events' age in Lambda's queue and the events it dropped
   * (past their retries or maximum age; those sent to the on-failure queue are counted too) are watched.
   */
  asyncFunctions?: string[];
  /**
   * The schedule functions' EventBridge rules: an invocation EventBridge could not make (after its
   * retries) never reaches the function, so neither its errors nor its dead-letter queue show it.
   */
  scheduleRules?: Record<string, IRule>;
  /**
   * The SES configuration set the bank's emails go through (its name): an email that bounced or drew a
   * complaint is alarming, since the customer was not told what it said.
   */
  emailConfigurationSet?: string;
  /** Log lines that are alarming, by function (`alarmOnLog`): any line with `message`. */
  logAlarms?: { name: string; logGroup: ILogGroup; message: string; description: string }[];
}

const period = Duration.minutes(5);
/** Metric options: 5-minute sums for counts, p99 for latencies. */
const sum = { period, statistic: 'Sum' };
const p99 = { period, statistic: 'p99' };

export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { cfg, api, functions, table } = props;

    const key = new Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the alarm topic',
      enableKeyRotation: true,
      removalPolicy: cfg.removalPolicy,
    });
    // CloudWatch publishes alarm notifications to the encrypted topic: for this account's alarms only
    // (as the topic policy below), so no other account's alarms may use the key through CloudWatch.
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarms',
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    this.topic = new Topic(this, 'AlarmTopic', {
      displayName: `Serverless Bank alarms (${cfg.stage})`,
      masterKey: key,
      enforceSSL: true,
    });
    // enforceSSL makes the CDK write a topic policy holding only its Deny, which replaces SNS's default
    // policy: without this Allow, CloudWatch could never publish and no alarm would ever notify.
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarms',
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    if (cfg.alarmEmail) this.topic.addSubscription(new EmailSubscription(cfg.alarmEmail));
    const action = new SnsAction(this.topic);

    const alarm = (
      name: string,
      metric: IMetric,
      threshold: number,
      description: string,
      treatMissingData = TreatMissingData.NOT_BREACHING,
    ): void => {
      const a = new Alarm(this, name, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData,
        alarmDescription: description,
      });
      a.addAlarmAction(action);
      a.addOkAction(action);
      this.alarms.push(a);
    };

    const api5xx = api.metricServerError(sum);
    alarm('Api5xx', api5xx, 5, 'The HTTP API answered 5 or more 5xx responses in 5 minutes');

    for (const [name, fn] of Object.entries(functions)) {
      alarm(`${name}-Errors`, fn.metricErrors(sum), 1, `${name}: a Lambda invocation failed`);
      // The notifier's concurrency, when reserved (notifierConcurrency), is a cap it is meant to meet:
      // its throttled invocations wait in Lambda's queue, and its AsyncEventAge alarm (below) tells a
      // backlog that matters. A throttles alarm would fire at every burst of events.
      if (name === 'notifier' && cfg.notifierConcurrency !== undefined) continue;
      alarm(`${name}-Throttles`, fn.metricThrottles(sum), 1, `${name}: Lambda throttled`);
    }

    for (const [name, queue] of Object.entries(props.deadLetterQueues ?? {})) {
      alarm(
        `${name}-DeadLetters`,
        queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
        1,
        name === FAILED_STREAM_BATCHES
          ? failedStreamBatchesDescription
          : name === SCHEDULE_TARGETS_DLQ
            ? scheduleTargetsDeadLetterDescription
            : `${name}: messages in its dead-letter queue (failed invocations)`,
        // A queue's depth with no data point is no proof it is empty: SQS publishes its metrics only
        // while it counts the queue active. An alarm keeps its state through a gap rather than turn OK
        // (and notify "OK") over messages nobody has read.
        TreatMissingData.IGNORE,
      );
    }
    for (const name of props.streamFunctions ?? []) {
      const fn = functions[name];
      if (!fn) continue;
      alarm(
        `${name}-IteratorAge`,
        fn.metric('IteratorAge', { period, statistic: 'Maximum' }),
        ITERATOR_AGE_ALARM_MS,
        `${name}: more than 5 minutes behind the table's stream`,
      );
      alarm(
        `${name}-DestinationDeliveryFailures`,
        fn.metric('DestinationDeliveryFailures', sum),
        1,
        failedBatchDeliveryDescription(name),
      );
    }

    for (const name of props.asyncFunctions ?? []) {
      const fn = functions[name];
      if (!fn) continue;
      alarm(
        `${name}-AsyncEventAge`,
        fn.metric('AsyncEventAge', { period, statistic: 'Maximum' }),
        ASYNC_EVENT_AGE_ALARM_MS,
        `${name}: an asynchronous invocation's event waited more than 5 minutes`,
      );
      alarm(
        `${name}-AsyncEventsDropped`,
        fn.metric('AsyncEventsDropped', sum),
        1,
        `${name}: Lambda dropped asynchronous invocations' events (see its dead-letter queue)`,
      );
    }

    if (props.emailConfigurationSet) {
      const ses = (metricName: string) =>
        new Metric({
          namespace: 'AWS/SES',
          metricName,
          dimensionsMap: { [EMAIL_METRIC_DIMENSION]: props.emailConfigurationSet as string },
          ...sum,
        });
      alarm(
        'EmailBounces',
        ses('Bounce'),
        1,
        'An email to a customer bounced: they were not told what it said, and SES now suppresses their address (its suppression list says which)',
      );
      alarm(
        'EmailComplaints',
        ses('Complaint'),
        1,
        'A customer marked an email of the bank as spam: SES now suppresses their address (its suppression list says which)',
      );
    }

    for (const [name, rule] of Object.entries(props.scheduleRules ?? {})) {
      alarm(
        `${name}-ScheduleFailedInvocations`,
        new Metric({
          namespace: 'AWS/Events',
          metricName: 'FailedInvocations',
          dimensionsMap: { RuleName: rule.ruleName },
          ...sum,
        }),
        1,
        `${name}: EventBridge could not invoke it on its schedule (the run never started)`,
      );
    }

    // Alarming log lines (the registry's `alarmOnLog`): each function's lines counted by a metric filter
    // on its log group (Powertools writes JSON, the text at `message`), into one metric per message, so
    // a message that several functions log (the settler's and the sweeper's credit left unsettled) has
    // one alarm.
    // A function's first message keeps the ids it had when a function had one; each other is named by
    // its message too.
    const ids = new Set<string>();
    const idFor = (id: string, message: string) => {
      const unique = ids.has(id) ? `${id}-${message.replace(/[^A-Za-z0-9]+/g, '-')}` : id;
      ids.add(unique);
      return unique;
    };
    const byMessage = new Map<string, { names: string[]; description: string; filter?: MetricFilter }>();
    for (const { name, logGroup, message, description } of props.logAlarms ?? []) {
      const line = byMessage.get(message) ?? { names: [], description };
      line.names.push(name);
      line.filter = new MetricFilter(this, idFor(`${name}-LogFilter`, message), {
        logGroup,
        filterPattern: logLinePattern(message),
        metricNamespace: `ServerlessBank/${cfg.stage}`,
        metricName: logLineMetric(message),
        metricValue: '1',
      });
      byMessage.set(message, line);
    }
    for (const [message, { names, description, filter }] of byMessage)
      if (filter)
        alarm(
          idFor(`${names.join('-')}-LogLine`, message),
          filter.metric(sum),
          1,
          `${names.join(', ')}: ${description}`,
        );

    // The table's own throttle metrics (dimension TableName alone) leave out its indexes' (TableName and
    // GlobalSecondaryIndexName), and a write an index throttles fails on the table: a hot history
    // partition (hist1, hist2) would refuse postings unseen. Each is filled with 0 where it has no
    // data point, so that one series without a point in a period does not blank the sum.
    const throttleMetrics: Record<string, IMetric> = {};
    for (const [i, index] of [undefined, ...(props.indexNames ?? [])].entries()) {
      const dimensionsMap = {
        TableName: table.tableName,
        ...(index === undefined ? {} : { GlobalSecondaryIndexName: index }),
      };
      throttleMetrics[`reads${i}`] = table.metric('ReadThrottleEvents', { ...sum, dimensionsMap });
      throttleMetrics[`writes${i}`] = table.metric('WriteThrottleEvents', { ...sum, dimensionsMap });
    }
    const ddbThrottles = new MathExpression({
      expression: Object.keys(throttleMetrics)
        .map((id) => `FILL(${id}, 0)`)
        .join(' + '),
      usingMetrics: throttleMetrics,
      period,
      label: 'Throttled events',
    });
    alarm(
      'TableThrottles',
      ddbThrottles,
      1,
      'DynamoDB throttled reads or writes on the bank table or one of its indexes',
    );

    const fnMetrics = (f: (fn: IFunction, label: string) => IMetric): IMetric[] =>
      Object.entries(functions).map(([name, fn]) => f(fn, name));
    const dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    const graph = (title: string, left: IMetric[]): GraphWidget => new GraphWidget({ title, left });
    dashboard.addWidgets(
      graph('API requests and errors', [api.metricCount(sum), api.metricClientError(sum), api5xx]),
      graph('API latency p99 (ms)', [api.metricLatency(p99), api.metricIntegrationLatency(p99)]),
      graph(
        'Lambda errors',
        fnMetrics((fn, label) => fn.metricErrors({ ...sum, label })),
      ),
      graph(
        'Lambda duration p99 (ms)',
        fnMetrics((fn, label) => fn.metricDuration({ ...p99, label })),
      ),
      graph('DynamoDB consumed capacity', [
        table.metricConsumedReadCapacityUnits(sum),
        table.metricConsumedWriteCapacityUnits(sum),
      ]),
      graph('DynamoDB throttles and transaction conflicts', [
        ddbThrottles,
        table.metric('TransactionConflict', sum),
      ]),
    );
  }
}
