/**
 * cdk-nag and cfn-guard: the AwsSolutions checks and our Guard rules (infra/guard) run as
 * policy-validation plugins at synth, so any unacknowledged finding or broken rule fails `cdk synth`. Findings on our own constructs are acknowledged where they are made,
 * each naming the rule (with its finding suffix) and the reason; this module holds the ones on the
 * helper the CDK itself provides for BucketDeployment.
 */
import { join } from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { type App, type CfnElement, DefaultStackSynthesizer, Stack, Token, Validations } from 'aws-cdk-lib';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** Our own CloudFormation Guard rules (one file, each rule with its reason). */
export const guardRules = join(import.meta.dirname, 'guard');

/**
 * cfn-guard with our rules only. The bundled Control Tower controls are off: they ask for things
 * this stack decides otherwise, each already argued in a cdk-nag acknowledgement (KMS on log groups,
 * X-Ray, custom certificates), and a second list of the same exceptions would drift.
 */
export const guardValidator = (): CfnGuardValidator =>
  new CfnGuardValidator({ controlTowerRulesEnabled: false, rules: [guardRules] });

export const applyNag = (app: App): AwsSolutionsChecks => {
  const checks = new AwsSolutionsChecks(app);
  Validations.of(app).addPlugins(checks, guardValidator());
  return checks;
};

/**
 * The CDK's BucketDeployment runs a singleton Lambda (created by the CDK, at stack level) that syncs
 * the asset into the destination bucket and invalidates CloudFront. Its role and runtime are the CDK's.
 */
export const acknowledgeBucketDeploymentProvider = (scope: IConstruct, destination: IBucket): void => {
  const stack = Stack.of(scope);
  const bucket = `<${stack.getLogicalId(destination.node.defaultChild as CfnElement)}.Arn>`;
  // cdk-nag names a finding by the resolved resource: pseudo parameters as <AWS::X> unless the env is known.
  const pseudo = (value: string, name: string): string =>
    Token.isUnresolved(value) ? `<AWS::${name}>` : value;
  const qualifier = stack.synthesizer.bootstrapQualifier ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER;
  const assets = `arn:${pseudo(stack.partition, 'Partition')}:s3:::cdk-${qualifier}-assets-${pseudo(stack.account, 'AccountId')}-${pseudo(stack.region, 'Region')}/*`;
  const provider = 'the CDK-provided BucketDeployment function';
  for (const child of stack.node.children) {
    if (!child.node.id.startsWith('Custom::CDKBucketDeployment')) continue;
    Validations.of(child).acknowledge(
      {
        id: 'AwsSolutions-L1',
        reason: `The runtime of ${provider} is chosen by aws-cdk-lib, not by this app.`,
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: `${provider} only writes its own logs with the basic execution policy.`,
      },
      ...['s3:GetBucket*', 's3:GetObject*', 's3:List*'].map((action) => ({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: `${provider} reads the web client asset (any object of the CDK asset bucket) and lists the web bucket to sync it.`,
      })),
      {
        id: `AwsSolutions-IAM5[Resource::${assets}]`,
        reason: `The asset object key is content-hashed, so ${provider} is granted the CDK bootstrap asset bucket's objects.`,
      },
      ...['s3:Abort*', 's3:DeleteObject*'].map((action) => ({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: `${provider} writes and replaces the web client's objects (aborting failed multipart uploads).`,
      })),
      {
        id: `AwsSolutions-IAM5[Resource::${bucket}/*]`,
        reason: `${provider} writes every object of the web bucket, and only that bucket.`,
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: `aws-cdk-lib grants ${provider} CloudFront invalidation on every distribution; an explicit Deny on every distribution but the web client's (infra/web.ts) leaves it that one, to invalidate index.html and config.json after a deploy.`,
      },
    );
  }
};
