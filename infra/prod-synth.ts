/**
 * The prod stage as the app synthesizes it, without bundling: for tests of what prod deploys (no
 * web client content).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { type BankApp, buildBankApp } from './bank-app.ts';
import { repoRoot } from './bundling.ts';

const cdkContext = (
  JSON.parse(readFileSync(join(repoRoot, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }
).context;

export const synthProd = (): { built: BankApp; template: Template } => {
  const built = buildBankApp({
    context: {
      ...cdkContext,
      'aws:cdk:bundling-stacks': [],
      stage: 'prod',
      sesIdentity: 'bank.example.com',
      supportContact: 'help@bank.example.com',
    },
    builtinCloudFormationValidation: false,
  });
  return { built, template: Template.fromStack(built.stack) };
};
