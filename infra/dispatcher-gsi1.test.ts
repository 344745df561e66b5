/**
 * The README says the dispatcher (it talks to customers' URLs) reads only in its declared
 * partitions (USER#, WEBHOOK#), "so neither may read a journal, a login's counters, an MFA proof or the
 * audit trail". Until 2026-12-07 it could Query gsi1 with no condition at all, and gsi1 projects ALL
 * attributes of the pending journals (HOLDS#<shard>) and of every audit record (AUDITBY#<actorId>): a
 * Query of gsi1pk = AUDITBY#<staff id> read the audit trail, HOLDS#<n> the pending journals (an infra
 * review found it). Its due deliveries are now in an index of their own (dlv), the only one it may query.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { tableIndexes } from '../src/store/table.ts';
import { buildBankApp } from './bank-app.ts';
import { repoRoot } from './bundling.ts';

type Json = Record<string, unknown>;
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}
const cdkContext = (JSON.parse(readFileSync(join(repoRoot, 'cdk.json'), 'utf8')) as { context: Json })
  .context;

describe('the dispatcher reads no journal and no audit record', () => {
  it('gsi1 holds whole journals and audit records (projection ALL), and the dispatcher may not Query it unbounded', () => {
    expect(tableIndexes.find((i) => i.indexName === 'gsi1')?.projection).toBe('ALL');
    const built = buildBankApp({
      context: { ...cdkContext, 'aws:cdk:bundling-stacks': [] },
      builtinCloudFormationValidation: false,
    });
    const template = Template.fromStack(built.stack);
    const role = built.stack.functions.byName.dispatcher.role as { node: { defaultChild: unknown } };
    const roleId = built.stack.getLogicalId(role.node.defaultChild as never);
    const statements = (
      Object.values(
        template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }),
      ) as { Properties: { PolicyDocument: { Statement: Statement[] } } }[]
    ).flatMap((p) => p.Properties.PolicyDocument.Statement);
    const unbounded = statements.filter(
      (s) =>
        s.Effect === 'Allow' &&
        (Array.isArray(s.Action) ? s.Action : [s.Action]).includes('dynamodb:Query') &&
        JSON.stringify(s.Resource).includes('/index/gsi1') &&
        s.Condition === undefined,
    );
    expect(unbounded).toEqual([]);
  });
});
