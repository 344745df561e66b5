/**
 * Synthesizes the template of every stage (dev, prod, dev with the API edge) into the directory given
 * as the first argument, without bundling the Lambda code: for template checks (scripts/cfn-lint.sh).
 * cdk-nag and cfn-guard run in each synth, as in `cdk synth`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBankApp } from '../infra/bank-app.ts';
import { repoRoot } from '../infra/bundling.ts';

const stages: Record<string, Record<string, string>> = {
  dev: { stage: 'dev' },
  prod: { stage: 'prod', sesIdentity: 'bank.example.org', supportContact: 'help@bank.example.org' },
  'dev-edge': { stage: 'dev', apiEdge: 'true' },
};

const outdir = process.argv[2];
if (!outdir) throw new Error('usage: tsx scripts/synth-stages.ts <outdir>');
const { context } = JSON.parse(readFileSync(join(repoRoot, 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};
for (const [name, extra] of Object.entries(stages)) {
  const { app } = buildBankApp({
    outdir: join(outdir, name),
    context: { ...context, ...extra, 'aws:cdk:bundling-stacks': [] },
  });
  app.synth();
}
