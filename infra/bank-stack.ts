/**
 * The Serverless Bank stack: data, identity, functions, API, web client and monitoring.
 * Everything stage-dependent comes from StageConfig (context `stage=dev|prod`).
 */
import { Aws, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { IDLE_TIMEOUT_SECONDS } from '../src/domain/session.ts';
import { type FunctionDef, functionNames, functions, functionsWith } from '../src/functions.ts';
import { tableIndexes } from '../src/store/table.ts';
import { Api } from './api.ts';
import { Data, logAutoDeleteProvider } from './data.ts';
import { Functions } from './functions.ts';
import { Identity } from './identity.ts';
import { Monitoring } from './monitoring.ts';
import type { StageConfig } from './stage.ts';
import { Web } from './web.ts';

export class BankStack extends Stack {
  readonly data: Data;
  readonly identity: Identity;
  readonly functions: Functions;
  readonly api: Api;
  readonly web: Web;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, cfg: StageConfig, props?: StackProps) {
    super(scope, id, {
      description: `Serverless Bank (${cfg.stage}): HTTP API, Lambda, DynamoDB, Cognito, web client`,
      // A prod stack cannot be deleted until someone turns this off on purpose.
      terminationProtection: cfg.stage === 'prod',
      ...props,
    });

    this.data = new Data(this, 'Data', cfg);
    this.identity = new Identity(this, 'Identity', cfg);
    this.functions = new Functions(this, 'Functions', {
      cfg,
      table: this.data.table,
      userPool: this.identity.userPool,
      client: this.identity.client,
      statements: this.data.statements,
      failedStreamBatches: this.data.failedStreamBatches,
    });
    // The distribution comes first: the API's CORS allows exactly its origin.
    this.web = new Web(this, 'Web', { cfg, accessLogs: this.data.accessLogs });
    this.api = new Api(this, 'Api', {
      cfg,
      functions: this.functions.byName,
      userPool: this.identity.userPool,
      client: this.identity.client,
      webOrigin: this.web.origin,
      ...(this.functions.originSecret ? { originSecret: this.functions.originSecret } : {}),
      accessLogs: this.data.accessLogs,
    });
    if (cfg.webDist) {
      this.web.deployContent(cfg.webDist, {
        apiBaseUrl: this.api.url,
        region: Aws.REGION,
        userPoolId: this.identity.userPool.userPoolId,
        userPoolClientId: this.identity.client.userPoolClientId,
        idleTimeoutSeconds: IDLE_TIMEOUT_SECONDS,
        supportContact: cfg.bank.supportContact,
      });
    }
    // Every bucket is made: the CDK's auto-delete helper (dev) gets its log group.
    logAutoDeleteProvider(this, cfg);
    this.monitoring = new Monitoring(this, 'Monitoring', {
      cfg,
      api: this.api.httpApi,
      functions: this.functions.byName,
      table: this.data.table,
      indexNames: tableIndexes.map((i) => i.indexName),
      deadLetterQueues: this.functions.deadLetterQueues,
      scheduleRules: this.functions.scheduleRules,
      emailConfigurationSet: this.functions.emailConfigurationSet.configurationSetName,
      streamFunctions: functionsWith('stream').map((f) => f.name),
      asyncFunctions: functionsWith('invoke').map((f) => f.name),
      logAlarms: functionNames.flatMap((name) =>
        ((functions[name] as FunctionDef).alarmOnLog ?? []).map((alarm) => ({
          name,
          logGroup: this.functions.logGroups[name],
          ...alarm,
        })),
      ),
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'HTTP API base URL' });
    new CfnOutput(this, 'WebUrl', { value: this.web.origin, description: 'Web client (CloudFront)' });
    new CfnOutput(this, 'UserPoolId', { value: this.identity.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.identity.client.userPoolClientId });
    new CfnOutput(this, 'TableName', { value: this.data.table.tableName });
    new CfnOutput(this, 'StatementsBucket', { value: this.data.statements.bucketName });
    new CfnOutput(this, 'FailedStreamBatchesBucket', {
      value: this.data.failedStreamBatches.bucketName,
      description: "The stream functions' failed batches, with their records (aws/lambda/<mapping id>/...)",
    });
    new CfnOutput(this, 'AlarmTopic', { value: this.monitoring.topic.topicArn });
    new CfnOutput(this, 'EmailIdentity', {
      value: this.functions.emailIdentity.emailIdentityName,
      description: 'The SES identity emails come from (verify it: DKIM records or the emailed link)',
    });
  }
}
