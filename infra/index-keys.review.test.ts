/**
 * Review: a function whose writes are kept out of the ledger's partitions (writePartitions, as
 * dynamodb:LeadingKeys) must not be able to put an item carrying the history indexes' keys either:
 * LeadingKeys sees the table's partition key alone, so a put under USER#... or AUDIT#... with `h2pk`
 * set to any account stands in that account's history (hist2: a credit), its statements and
 * balanceAt, as a journal would. The README says `auth` (reached by anyone, before a token) writes
 * "never a journal, a posting, a credit", and uses `writeAttributes` (dynamodb:Attributes) for exactly
 * this reason elsewhere.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { historyIndexes } from '../src/store/table.ts';
import { buildBankApp } from './bank-app.ts';
import { repoRoot } from './bundling.ts';

type Json = Record<string, unknown>;
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const cdkContext = (JSON.parse(readFileSync(join(repoRoot, 'cdk.json'), 'utf8')) as { context: Json })
  .context;

const historyKeys: string[] = historyIndexes.flatMap((h) => [h.partitionKey, h.sortKey]);
const WRITES = ['dynamodb:PutItem', 'dynamodb:UpdateItem'];

describe('review: index keys outside the ledger writers', () => {
  let stack: Stack & { functions: { byName: Record<string, { role?: unknown }> } };
  let template: Template;
  beforeAll(() => {
    const built = buildBankApp({
      context: { ...cdkContext, 'aws:cdk:bundling-stacks': [] },
      builtinCloudFormationValidation: false,
    });
    stack = built.stack as never;
    template = Template.fromStack(built.stack);
  });

  /** The Allow statements that let the role put or update table items, and whether each is attribute-bound. */
  const writeAllows = (fn: string): Statement[] => {
    const role = stack.functions.byName[fn]?.role as { node: { defaultChild: unknown } };
    const roleId = stack.getLogicalId(role.node.defaultChild as never);
    const policies = Object.values(
      template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }),
    ) as { Properties: { PolicyDocument: { Statement: Statement[] } } }[];
    return policies
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter(
        (s) =>
          s.Effect === 'Allow' &&
          (Array.isArray(s.Action) ? s.Action : [s.Action]).some((a) => WRITES.includes(a)),
      );
  };

  /** The attributes a statement lets a write carry, or 'any' when it sets no dynamodb:Attributes bound. */
  const allowedAttributes = (s: Statement): string[] | 'any' => {
    const attrs = s.Condition?.['ForAllValues:StringEquals']?.['dynamodb:Attributes'];
    return Array.isArray(attrs) ? (attrs as string[]) : 'any';
  };

  for (const fn of ['auth', 'profile']) {
    it(`${fn} (never a journal) cannot put or update an item carrying a history index's keys`, () => {
      const allows = writeAllows(fn);
      expect(allows.length).toBeGreaterThan(0);
      const open = allows
        .filter((s) => {
          const attrs = allowedAttributes(s);
          return attrs === 'any' || attrs.some((a) => historyKeys.includes(a));
        })
        .map((s) => ({ Action: s.Action, Condition: s.Condition }));
      expect(open).toEqual([]);
    });
  }
});
