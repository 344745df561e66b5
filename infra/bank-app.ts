/**
 * Builds the CDK app: the stage's stack with the AwsSolutions checks applied.
 * infra/app.ts runs it for the CLI; the tests build it with bundling skipped.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { App, type AppProps } from 'aws-cdk-lib';
import { BankStack } from './bank-stack.ts';
import { repoRoot } from './bundling.ts';
import { applyNag } from './nag.ts';
import { type StageConfig, stageConfig } from './stage.ts';

export interface BankApp {
  app: App;
  stack: BankStack;
  cfg: StageConfig;
}

/** The built web client, when `npm run build:web` has produced it. */
export const builtWebDist = (): string | undefined => {
  const dist = join(repoRoot, 'web', 'dist');
  return existsSync(join(dist, 'index.html')) ? dist : undefined;
};

export const stackName = (cfg: StageConfig): string => `ServerlessBank-${cfg.stage}`;

export const buildBankApp = (props: AppProps = {}, options: { webDist?: string } = {}): BankApp => {
  const app = new App(props);
  if (options.webDist && app.node.tryGetContext('webDist') === undefined) {
    app.node.setContext('webDist', options.webDist);
  }
  applyNag(app);
  const cfg = stageConfig(app.node);
  const stack = new BankStack(app, stackName(cfg), cfg, {
    // Environment-agnostic unless the CLI knows the account and region (it does on deploy).
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  return { app, stack, cfg };
};
