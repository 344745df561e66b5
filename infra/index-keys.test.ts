/**
 * A function whose writes are kept out of the ledger's partitions (writePartitions, as
 * dynamodb:LeadingKeys) must not be able to put an item carrying the history indexes' keys either:
 * LeadingKeys sees the table's partition key alone, so a put under USER#... or AUDIT#... with `h2pk`
 * set to any account stands in that account's history (hist2: a credit), its statements and
 * balanceAt, as a journal would. The README says `auth` (reached by anyone, before a token) writes
 * "never a journal, a posting, a credit", and uses `writeAttributes` (dynamodb:Attributes) for exactly
 * this reason elsewhere.
 *
 * The fix (2026-12-07) closes it with an explicit Deny on the history indexes' attributes
 * (ForAnyValue:StringEquals dynamodb:Attributes) for every role whose function posts no journal,
 * rather than an allow-list of attributes per role: so a write Allow counts as closed when it is
 * attribute-bound without those keys, or when such a Deny covers each of its write actions. The
 * simulation of the same (infra/iam.test.ts) shows the Deny refuses the put and the update.
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

describe('index keys outside the ledger writers', () => {
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

  const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
  const statementsOf = (fn: string): Statement[] => {
    const role = stack.functions.byName[fn]?.role as { node: { defaultChild: unknown } };
    const roleId = stack.getLogicalId(role.node.defaultChild as never);
    const policies = Object.values(
      template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }),
    ) as { Properties: { PolicyDocument: { Statement: Statement[] } } }[];
    return policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
  };
  /** The Allow statements that let the role put or update table items, and whether each is attribute-bound. */
  const writeAllows = (fn: string): Statement[] =>
    statementsOf(fn).filter((s) => s.Effect === 'Allow' && actionsOf(s).some((a) => WRITES.includes(a)));
  /** The write actions an unconditional-but-for-attributes Deny refuses whenever any history key is written. */
  const deniedWithHistoryKeys = (fn: string): string[] =>
    statementsOf(fn)
      .filter((s) => {
        const condition = s.Condition ?? {};
        const attrs = condition['ForAnyValue:StringEquals']?.['dynamodb:Attributes'];
        return (
          s.Effect === 'Deny' &&
          Object.keys(condition).length === 1 &&
          Object.keys(condition['ForAnyValue:StringEquals'] ?? {}).length === 1 &&
          Array.isArray(attrs) &&
          historyKeys.every((k) => (attrs as string[]).includes(k))
        );
      })
      .flatMap(actionsOf);

  /** The attributes a statement lets a write carry, or 'any' when it sets no dynamodb:Attributes bound. */
  const allowedAttributes = (s: Statement): string[] | 'any' => {
    const attrs = s.Condition?.['ForAllValues:StringEquals']?.['dynamodb:Attributes'];
    return Array.isArray(attrs) ? (attrs as string[]) : 'any';
  };

  // The roles the README named (the back office's `admin` included), and every other that posts no journal.
  for (const fn of [
    'auth',
    'profile',
    'payees',
    'schedules-api',
    'webhooks-api',
    'accounts-write',
    'admin',
    'stream',
    'dispatcher',
    'admin-accounts',
  ]) {
    it(`${fn} (never a journal) cannot put or update an item carrying a history index's keys`, () => {
      const allows = writeAllows(fn);
      expect(allows.length).toBeGreaterThan(0);
      const denied = deniedWithHistoryKeys(fn);
      const open = allows
        .filter((s) => {
          const attrs = allowedAttributes(s);
          const unbound = attrs === 'any' || attrs.some((a) => historyKeys.includes(a));
          return unbound && !actionsOf(s).every((a) => !WRITES.includes(a) || denied.includes(a));
        })
        .map((s) => ({ Action: s.Action, Condition: s.Condition }));
      expect(open).toEqual([]);
    });
  }
});
