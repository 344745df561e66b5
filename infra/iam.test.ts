/**
 * IAM simulation (@cloud-copilot/iam-simulate) of each function's synthesized role against the SDK
 * actions its code calls (`sdkActions` in the function registry, src/functions.ts): every listed call
 * is allowed on the resource it touches, and calls the function must never make are denied.
 *
 * Audit items (`AUDIT#...`, src/store/audit.ts) are append-only: no role may update or delete them, and
 * only the functions with `audit:write` may put one (an explicit Deny on their leading key, whatever
 * the role's table grants). Beyond them, no function may delete items outside the partitions it
 * declares, which keeps journals (the history of every movement) and system shards undeletable.
 * IAM's LeadingKeys sees the partition only, so a function that deletes in `USER#` or `ACCOUNT#` may
 * delete any item there (src/functions.ts `table:delete`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type FunctionDef,
  type FunctionName,
  functionNames,
  functions,
  indexKeyWriteActions,
  type SdkAction,
  tableActions,
} from '../src/functions.ts';
import { guardedIndexAttributes, tableIndexes } from '../src/store/table.ts';
import { buildBankApp } from './bank-app.ts';
import { repoRoot } from './bundling.ts';
import { pagesWithCursors } from './functions.ts';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const arns = {
  table: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/bank`,
  index: (name: string) => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/bank/index/${name}`,
  secret: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:cursor-AbCdEf`,
  otherSecret: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:other-GhIjKl`,
  userPool: `arn:aws:cognito-idp:${REGION}:${ACCOUNT}:userpool/${REGION}_Pool`,
  statementsBucket: 'arn:aws:s3:::bank-statements',
  statementsKey: `arn:aws:kms:${REGION}:${ACCOUNT}:key/0f8fad5b-d9cb-469f-a165-70867728950e`,
  /** A Lambda function, by its logical id. */
  fn: (id: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${id}`,
};

type Json = Record<string, unknown>;
type Policy = { Version: string; Statement: Json[] };

interface Synth {
  policies: Record<FunctionName, Policy>;
  /** The statements bucket key's policy. */
  keyPolicy: Policy;
  /** Each function's ARN. */
  functionArns: Record<FunctionName, string>;
  /** The failed stream batches' bucket's ARN. */
  failedBatchesBucket: string;
}

const cdkContext = (JSON.parse(readFileSync(join(repoRoot, 'cdk.json'), 'utf8')) as { context: Json })
  .context;

/** Replaces the template's references with concrete ARNs, as CloudFormation would. */
const resolver = (template: Template) => {
  const byType = (type: string) => Object.keys(template.findResources(type));
  const known: Record<string, string> = {};
  for (const id of byType('AWS::DynamoDB::Table')) known[id] = arns.table;
  for (const id of byType('AWS::SecretsManager::Secret')) known[id] = arns.secret;
  for (const id of byType('AWS::Cognito::UserPool')) known[id] = arns.userPool;
  for (const id of byType('AWS::S3::Bucket'))
    known[id] = /Statements/.test(id) ? arns.statementsBucket : `arn:aws:s3:::${id.toLowerCase()}`;
  for (const id of byType('AWS::KMS::Key'))
    known[id] = /Statements/.test(id) ? arns.statementsKey : `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`;
  for (const id of byType('AWS::Lambda::Function')) known[id] = arns.fn(id);
  for (const id of byType('AWS::Logs::LogGroup'))
    known[id] = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${id}:*`;
  const pseudo: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::Region': REGION,
    'AWS::AccountId': ACCOUNT,
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const resolve = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(resolve);
    if (v && typeof v === 'object') {
      const o = v as Json;
      if ('Ref' in o) return pseudo[o.Ref as string] ?? known[o.Ref as string] ?? `unresolved:${o.Ref}`;
      if ('Fn::GetAtt' in o) {
        const [id] = o['Fn::GetAtt'] as [string, string];
        return known[id] ?? `unresolved:${id}`;
      }
      if ('Fn::Join' in o) {
        const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
        return (resolve(parts) as string[]).join(sep);
      }
      return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, resolve(x)]));
    }
    return v;
  };
  return resolve;
};

const synth = (context: Json = {}): Synth => {
  const { stack } = buildBankApp({
    context: { ...cdkContext, 'aws:cdk:bundling-stacks': [], ...context },
    builtinCloudFormationValidation: false,
  });
  const template = Template.fromStack(stack);
  const resolve = resolver(template);
  const policies = Object.fromEntries(
    functionNames.map((fn) => {
      const role = stack.functions.byName[fn].role;
      if (!role) throw new Error(`${fn} has no role`);
      const roleId = stack.resolve((role.node.defaultChild as unknown as { ref: string }).ref) as {
        Ref: string;
      };
      const statements = Object.values(
        template.findResources('AWS::IAM::Policy', { Properties: { Roles: [roleId] } }),
      ).flatMap(
        (p) =>
          (p as { Properties: { PolicyDocument: { Statement: Json[] } } }).Properties.PolicyDocument
            .Statement,
      );
      return [fn, { Version: '2012-10-17', Statement: resolve(statements) as Json[] }];
    }),
  ) as Record<FunctionName, Policy>;
  // KMS needs its key policy to allow the account before any identity policy counts (as on AWS).
  const keys = Object.entries(template.findResources('AWS::KMS::Key')).filter(([id]) =>
    /Statements/.test(id),
  );
  const keyPolicy = resolve(
    (keys[0]?.[1] as { Properties: { KeyPolicy: Json } } | undefined)?.Properties.KeyPolicy,
  ) as Policy;
  const functionArns = Object.fromEntries(
    functionNames.map((fn) => [
      fn,
      arns.fn(stack.getLogicalId(stack.functions.byName[fn].node.defaultChild as CfnElement)),
    ]),
  ) as Record<FunctionName, string>;
  const failedBatchesBucket = resolve({
    'Fn::GetAtt': [stack.getLogicalId(stack.data.failedStreamBatches.node.defaultChild as CfnElement), 'Arn'],
  }) as string;
  return { policies, keyPolicy, functionArns, failedBatchesBucket };
};

/** The function a lambda:InvokeFunction is simulated on, unless given: the first one any function invokes. */
let invoked: string | undefined;

const resourceOf = (action: SdkAction): string => {
  const [name, where] = action.split('@');
  if (name?.startsWith('lambda:')) return invoked ?? 'no invoked function';
  if (where) return arns.index(where);
  if (name?.startsWith('dynamodb:')) return arns.table;
  if (name?.startsWith('secretsmanager:')) return arns.secret;
  if (name?.startsWith('s3:')) return `${arns.statementsBucket}/statements/0f8fad5b/2026-01.pdf`;
  if (name?.startsWith('kms:')) return arns.statementsKey;
  if (name?.startsWith('ses:')) return `arn:aws:ses:${REGION}:${ACCOUNT}:identity/bank.example.com`;
  return arns.userPool;
};

/** What DynamoDB puts in the request context: the partition keys the call touches. */
const leadingKeysOf = (leadingKey?: string): Record<string, string | string[]> =>
  leadingKey ? { 'dynamodb:LeadingKeys': [leadingKey] } : {};
/** S3's calls to KMS for the statements bucket carry the service they came through. */
const S3_VIA = `s3.${REGION}.amazonaws.com`;
/**
 * SES puts the message's From address in the request context; KMS the service a call came through
 * (`kmsVia`: S3's, as the functions' calls reach KMS; null for a call made to KMS directly).
 */
const contextOf = (
  action: SdkAction,
  leadingKey?: string,
  attributes?: string[],
  kmsVia: string | null = S3_VIA,
): Record<string, string | string[]> => ({
  ...leadingKeysOf(leadingKey),
  ...(attributes ? { 'dynamodb:Attributes': attributes } : {}),
  ...(action.startsWith('ses:') ? { 'ses:FromAddress': 'no-reply@bank.example.com' } : {}),
  ...(action.startsWith('kms:') && kmsVia ? { 'kms:ViaService': kmsVia } : {}),
});

let keyPolicy: Policy | undefined;

const simulate = async (
  policy: Policy,
  action: SdkAction,
  resource = resourceOf(action),
  leadingKey?: string,
  /** A write's top-level attribute names (dynamodb:Attributes). */
  attributes?: string[],
  /** The service a KMS call came through (contextOf). */
  kmsVia?: string | null,
) => {
  const r = await runSimulation(
    {
      identityPolicies: [{ name: 'role', policy }],
      ...(action.startsWith('kms:') && keyPolicy ? { resourcePolicy: keyPolicy } : {}),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: {
        action: action.split('@')[0] as string,
        principal: `arn:aws:sts::${ACCOUNT}:assumed-role/fn/session`,
        resource: { accountId: ACCOUNT, resource },
        contextVariables: contextOf(action, leadingKey, attributes, kmsVia),
      },
    },
    {},
  );
  if (r.resultType === 'error') throw new Error(`${action}: ${JSON.stringify(r.errors)}`);
  return r.overallResult;
};

const sdkActionsOf = (fn: FunctionName): readonly SdkAction[] => functions[fn].sdkActions;
const TABLE_WRITES: readonly SdkAction[] = tableActions.write;
/** Reads of the table itself (not of an index): what `readPartitions` scopes. */
const TABLE_READS: readonly SdkAction[] = [...tableActions.read, 'dynamodb:BatchGetItem'];
/** The functions that read only in the partitions they declare (readPartitions), in registry order. */
const SCOPED_READERS: FunctionName[] = [
  'auth',
  'profile',
  'accounts-read',
  'accounts-write',
  'money',
  'sweep',
  'statements',
  'statement-files',
  'payees',
  'schedules-api',
  'scheduled-transfers',
  'events-api',
  'webhooks-api',
  'stream',
  'dispatcher',
  'notifier',
  'admin',
  'admin-accounts',
  'admin-money',
  'settler',
];
/** What no function may ever do. */
const NEVER: SdkAction[] = [
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:Scan',
  'dynamodb:DeleteTable',
  'dynamodb:UpdateTable',
  'dynamodb:DeleteItem@gsi1',
  'dynamodb:DeleteItem@hist1',
  'secretsmanager:PutSecretValue',
  'secretsmanager:DeleteSecret',
];

describe('IAM simulation of each function role (auto-confirm on: every listed call is granted)', () => {
  let s: Synth;
  beforeAll(() => {
    s = synth({ autoConfirm: 'true' });
    keyPolicy = s.keyPolicy;
    const first = functionNames.flatMap((fn) => (functions[fn] as FunctionDef).invokes ?? [])[0];
    invoked = first ? s.functionArns[first as FunctionName] : undefined;
  });

  it.each(functionNames)('%s: every SDK call its code makes is allowed', async (fn) => {
    for (const action of sdkActionsOf(fn)) {
      // A delete is made in the function's own partitions (the request carries its leading key); a
      // function that writes with audit:write alone writes audit items.
      const auditOnly =
        TABLE_WRITES.includes(action) &&
        !(functions[fn].permissions as readonly string[]).includes('table:write');
      const marksOnly =
        auditOnly && (functions[fn].permissions as readonly string[]).includes('table:file-marks');
      const writeIn = (functions[fn] as FunctionDef).writePartitions;
      const readIn = (functions[fn] as FunctionDef).readPartitions;
      const key =
        TABLE_READS.includes(action) && readIn
          ? `${readIn[0]}0f8fad5b`
          : action === 'dynamodb:DeleteItem'
            ? `${(functions[fn] as FunctionDef).deletePartitions?.[0]}0f8fad5b`
            : marksOnly
              ? 'STMTFILE#statements/0f8fad5b/2026-10.v2.pdf'
              : auditOnly
                ? 'AUDIT#0f8fad5b'
                : TABLE_WRITES.includes(action) && writeIn
                  ? `${writeIn[0]}0f8fad5b`
                  : undefined;
      expect(await simulate(s.policies[fn], action, undefined, key), `${fn} ${action}`).toBe('Allowed');
    }
  });

  it('notifier: SendEmail is allowed on a recipient’s identity too (the SES sandbox authorises each recipient)', async () => {
    const recipient = `arn:aws:ses:${REGION}:${ACCOUNT}:identity/customer@example.org`;
    expect(await simulate(s.policies.notifier, 'ses:SendEmail', recipient)).toBe('Allowed');
    // Nobody else sends email.
    expect(await simulate(s.policies.money, 'ses:SendEmail', recipient)).not.toBe('Allowed');
  });

  it('statement-files uses the statements key through S3 alone, never by calling KMS itself', async () => {
    for (const action of ['kms:Decrypt', 'kms:GenerateDataKey'] as const) {
      expect(await simulate(s.policies['statement-files'], action), `${action} via S3`).toBe('Allowed');
      // Directly (stolen credentials calling KMS), or through another service.
      for (const via of [null, `sqs.${REGION}.amazonaws.com`])
        expect(
          await simulate(s.policies['statement-files'], action, undefined, undefined, undefined, via),
          `${action} via ${via}`,
        ).not.toBe('Allowed');
    }
  });

  it.each(functionNames)(
    '%s: never deletes items, scans, changes the table, secrets or users',
    async (fn) => {
      for (const action of NEVER) {
        expect(await simulate(s.policies[fn], action), `${fn} ${action}`).not.toBe('Allowed');
      }
    },
  );

  // Grants follow the registry's coarse permissions (table:read, table:write), so a function that
  // writes may hold a write action it does not call (auth: PutItem, ConditionCheckItem); one without
  // table:write holds none (admin-accounts, with audit:write, puts audit items only: above).
  it.each(
    functionNames.filter((fn) => !(functions[fn].permissions as readonly string[]).includes('table:write')),
  )('%s: without table:write, it cannot write the table', async (fn) => {
    for (const action of TABLE_WRITES) {
      expect(await simulate(s.policies[fn], action), `${fn} ${action}`).not.toBe('Allowed');
    }
  });

  it('statement-files puts statement files\u2019 marks and nothing else: no other item, no update', async () => {
    const policy = s.policies['statement-files'];
    const mark = 'STMTFILE#exports/statements/a-1/2026-12/2026-12-05/0f8fad5b.csv';
    expect(await simulate(policy, 'dynamodb:PutItem', arns.table, mark)).toBe('Allowed');
    for (const key of ['ACCOUNT#a-1', 'USER#u-1', 'JOURNAL#j-1', 'AUDIT#a-1', 'SYSTEM#cash-in#USD#00'])
      expect(await simulate(policy, 'dynamodb:PutItem', arns.table, key), key).not.toBe('Allowed');
    for (const action of [
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:ConditionCheckItem',
    ] as const)
      expect(await simulate(policy, action, arns.table, mark), action).not.toBe('Allowed');
    // It asks the table, not S3, whether a file exists: it may not list the bucket's keys.
    expect(await simulate(policy, 's3:ListBucket', arns.statementsBucket)).not.toBe('Allowed');
    // Nobody else holds the permission.
    expect(
      functionNames.filter((fn) =>
        (functions[fn].permissions as readonly string[]).includes('table:file-marks'),
      ),
    ).toEqual(['statement-files']);
  });

  it('lets a function that declares its read partitions read only there: the two that talk to the outside world, and every other function whose reads are traced', async () => {
    const scoped = functionNames.filter((fn) => (functions[fn] as FunctionDef).readPartitions);
    expect(scoped).toEqual(SCOPED_READERS);
    const partitions = [
      'USER#u-1',
      'WEBHOOK#w-1',
      'EMAIL#e-1',
      'JOURNAL#j-1',
      'ACCOUNT#a-1',
      'CREDIT#a-1',
      'ACCTNUM#12345678',
      'ACCTID#a-1',
      'LOGIN#a@example.com',
      'MFAAUTH#0f8fad5b',
      'MFA#0f8fad5b',
      'REFRESH#0f8fad5b',
      'AUDIT#u-1',
      'IDEM#u-1#k',
      'SYSTEM#cash-in#USD#00',
      'MONTHSUM#a-1',
      'STMTFILE#statements/a-1/2026-10.v2.pdf',
    ];
    for (const fn of scoped) {
      const readIn = (functions[fn] as FunctionDef).readPartitions ?? [];
      const reads = sdkActionsOf(fn).filter((a) => TABLE_READS.includes(a));
      expect(reads.length, fn).toBeGreaterThan(0);
      for (const action of reads) {
        for (const key of partitions)
          expect(await simulate(s.policies[fn], action, arns.table, key), `${fn} ${action} ${key}`).toBe(
            readIn.some((p) => key.startsWith(p)) ? 'Allowed' : 'ImplicitlyDenied',
          );
        // A request whose partition IAM cannot see (no LeadingKeys) is no read in its partitions.
        expect(await simulate(s.policies[fn], action, arns.table), `${fn} ${action} unkeyed`).not.toBe(
          'Allowed',
        );
      }
      // No Scan, nor a Query of the table itself when it declares none (the dispatcher, the notifier).
      for (const action of (['dynamodb:Query', 'dynamodb:Scan'] as const).filter((a) => !reads.includes(a)))
        expect(
          await simulate(s.policies[fn], action, arns.table, `${readIn[0]}0f8fad5b`),
          `${fn} ${action}`,
        ).not.toBe('Allowed');
    }
  });

  it('lets a function that declares its write partitions put and update only there', async () => {
    const partitions = [
      'USER#u-1',
      'WEBHOOK#w-1',
      'EMAIL#e-1',
      'JOURNAL#j-1',
      'ACCOUNT#a-1',
      'LOGIN#a@example.com',
      'MFAAUTH#0f8fad5b',
      'MFA#0f8fad5b',
      'REFRESH#0f8fad5b',
      'CREDIT#a-1',
      'ACCTNUM#12345678',
      'ACCTID#a-1',
      'IDEM#u-1#k',
      'SYSTEM#cash-in#USD#00',
      'MONTHSUM#a-1',
    ];
    const scoped = functionNames.filter((fn) => (functions[fn] as FunctionDef).writePartitions);
    expect(scoped).toEqual([
      'auth',
      'profile',
      'accounts-write',
      'money',
      'sweep',
      'statements',
      'payees',
      'schedules-api',
      'scheduled-transfers',
      'events-api',
      'webhooks-api',
      'stream',
      'dispatcher',
      'notifier',
      'admin',
      'admin-money',
      'settler',
    ]);
    // Every function that may write the table declares where: none writes table-wide.
    expect(
      functionNames.filter(
        (fn) =>
          (functions[fn].permissions as readonly string[]).includes('table:write') &&
          !(functions[fn] as FunctionDef).writePartitions,
      ),
    ).toEqual([]);
    for (const fn of scoped) {
      const declared = (functions[fn] as FunctionDef).writePartitions ?? [];
      for (const action of (functions[fn].sdkActions as readonly SdkAction[]).filter((a) =>
        TABLE_WRITES.includes(a),
      ))
        for (const key of partitions) {
          const r = await simulate(s.policies[fn], action, arns.table, key);
          expect(r, `${fn} ${action} ${key}`).toBe(
            declared.some((p) => key.startsWith(p)) ? 'Allowed' : 'ImplicitlyDenied',
          );
        }
      // A write that names no partition is refused too.
      expect(await simulate(s.policies[fn], 'dynamodb:PutItem'), fn).not.toBe('Allowed');
    }
  });

  it.each([
    ['statements', 'MONTHSUM#a-1'],
    ['statement-files', 'STMTFILE#statements/a-1/2026-10.v2.pdf'],
    ['notifier', 'EMAIL#e-1'],
    ['events-api', 'USER#u-1'],
  ] as const)(
    'lets %s put its own items with their own attributes only, never an index key',
    async (fn, key) => {
      const policy = s.policies[fn];
      const own = (functions[fn] as FunctionDef).writeAttributes ?? [];
      expect(own.length).toBeGreaterThan(0);
      expect(await simulate(policy, 'dynamodb:PutItem', arns.table, key, [...own]), 'own').toBe('Allowed');
      // An index's keys would put the item in another partition of that index: a posting in a
      // customer's history (h1/h2), a record in staff's audit trail (gsi1).
      // (The history indexes' keys are also denied explicitly, as to every role that posts no journal.)
      for (const index of ['h1pk', 'h2pk', 'gsi1pk', 'gsi1sk'])
        expect(await simulate(policy, 'dynamodb:PutItem', arns.table, key, [...own, index]), index).toMatch(
          /^(Implicitly|Explicitly)Denied$/,
        );
    },
  );

  it("no role puts or updates an item carrying a guarded index's attributes unless its function writes that index (indexWrites: history, deliveries, gsi1)", async () => {
    const writesOf = (fn: FunctionName): readonly string[] =>
      (functions[fn] as FunctionDef).indexWrites ?? [];
    const posters = functionNames.filter((fn) => writesOf(fn).includes('hist1'));
    expect(posters).toEqual(['money', 'sweep', 'scheduled-transfers', 'admin-money', 'settler']);
    expect(functionNames.filter((fn) => writesOf(fn).includes('hist2'))).toEqual(posters);
    // The delivery index: the stream's fan-out, a manual retry, the dispatcher, and the sweep's move.
    expect(functionNames.filter((fn) => writesOf(fn).includes('dlv'))).toEqual([
      'sweep',
      'webhooks-api',
      'stream',
      'dispatcher',
    ]);
    // gsi1: audit records by actor, due schedules, the ledger's holds and credits, deliveries due there
    // before 2026-12-07 (a manual retry's, and the sweep's move). Not `payees` or `stream`, which write
    // customers' partitions (USER#): a due schedule they put there would be paid from that customer's
    // account by the runner. Nor the dispatcher, which talks to customers' URLs: what it claims is due
    // in the delivery index alone.
    expect(functionNames.filter((fn) => writesOf(fn).includes('gsi1'))).toEqual([
      'auth',
      'profile',
      'accounts-write',
      'money',
      'sweep',
      'schedules-api',
      'scheduled-transfers',
      'webhooks-api',
      'admin',
      'admin-accounts',
      'admin-money',
      'settler',
    ]);
    const guarded = Object.entries(guardedIndexAttributes).flatMap(([index, attributes]) =>
      attributes.map((attribute) => ({ index, attribute })),
    );
    expect(guarded.map((g) => g.attribute)).toEqual(
      expect.arrayContaining([
        'h1pk',
        'h1sk',
        'h1seq',
        'h2pk',
        'h2sk',
        'h2seq',
        'dlvpk',
        'dlvsk',
        'gsi1pk',
        'gsi1sk',
      ]),
    );
    let writers = 0;
    for (const fn of functionNames) {
      const def = functions[fn] as FunctionDef;
      const perms = def.permissions as readonly string[];
      // Where it writes: its own partition, and an audit record (audit:write) or a mark (file-marks).
      const keys = [
        ...(perms.includes('table:write') ? [`${def.writePartitions?.[0]}0f8fad5b`] : []),
        ...(perms.includes('audit:write') ? ['AUDIT#0f8fad5b'] : []),
        ...(perms.includes('table:file-marks') ? ['STMTFILE#statements/0f8fad5b/2026-10.v2.pdf'] : []),
      ];
      const own = def.writeAttributes ?? ['pk', 'sk', 'entity', 'version'];
      for (const action of indexKeyWriteActions.filter((a) => sdkActionsOf(fn).includes(a)))
        for (const key of keys) {
          if (action === 'dynamodb:UpdateItem' && !perms.includes('table:write')) continue;
          if (key.startsWith('AUDIT#') && action === 'dynamodb:UpdateItem') continue;
          writers++;
          const policy = s.policies[fn];
          expect(await simulate(policy, action, arns.table, key, [...own]), `${fn} ${action} ${key}`).toBe(
            'Allowed',
          );
          for (const { index, attribute } of guarded)
            expect(
              await simulate(policy, action, arns.table, key, [...own, attribute]),
              `${fn} ${action} ${key} ${attribute}`,
            ).toBe(writesOf(fn).includes(index) ? 'Allowed' : 'ExplicitlyDenied');
        }
    }
    expect(writers).toBeGreaterThan(20);
  });

  it('lets a function delete only in the partitions it declares, never a journal, system shard or record', async () => {
    const partitions = [
      'ACCOUNT#a-1',
      'CREDIT#a-1',
      'USER#u-1',
      'EMAIL#e-1',
      // A journal, and an idempotency record (at the journal id its key names: src/store/item-keys.ts).
      'JOURNAL#j-1',
      'SYSTEM#cash-in#USD#00',
    ];
    for (const fn of functionNames) {
      const declared: readonly string[] = (functions[fn] as FunctionDef).deletePartitions ?? [];
      for (const key of partitions) {
        const r = await simulate(s.policies[fn], 'dynamodb:DeleteItem', arns.table, key);
        const mine = declared.some((p) => key.startsWith(p));
        expect(r, `${fn} ${key}`).toBe(mine ? 'Allowed' : 'ImplicitlyDenied');
      }
    }
    expect(functionNames.filter((fn) => (functions[fn] as FunctionDef).deletePartitions)).toEqual([
      'money',
      'sweep',
      'payees',
      'webhooks-api',
      'notifier',
      'settler',
    ]);
    // The functions that settle credits may delete a credit, never a posting or an account.
    for (const fn of ['settler', 'sweep'] as const) {
      expect(await simulate(s.policies[fn], 'dynamodb:DeleteItem', arns.table, 'CREDIT#a-1'), fn).toBe(
        'Allowed',
      );
      expect(await simulate(s.policies[fn], 'dynamodb:DeleteItem', arns.table, 'ACCOUNT#a-1'), fn).toBe(
        'ImplicitlyDenied',
      );
    }
  });

  it('audit items are append-only: no role updates or deletes one; only audit writers put one', async () => {
    const writers = functionNames.filter((fn) =>
      (functions[fn].permissions as readonly string[]).includes('audit:write'),
    );
    expect(writers).toEqual(['auth', 'profile', 'admin', 'admin-accounts', 'admin-money']);
    for (const fn of functionNames) {
      for (const action of [
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:BatchWriteItem',
      ] as const) {
        const r = await simulate(
          s.policies[fn],
          action,
          arns.table,
          'AUDIT#0f8fad5b-d9cb-469f-a165-70867728950e',
        );
        expect(r, `${fn} ${action} on an audit item`).not.toBe('Allowed');
      }
      const put = await simulate(s.policies[fn], 'dynamodb:PutItem', arns.table, 'AUDIT#0f8fad5b');
      if (writers.includes(fn)) expect(put, `${fn} PutItem on an audit item`).toBe('Allowed');
      else expect(put, `${fn} PutItem on an audit item`).not.toBe('Allowed');
      // The Deny is on audit items only: a writer still updates its own items (in its own partitions).
      const own = `${(functions[fn] as FunctionDef).writePartitions?.[0] ?? 'USER#'}u-1`;
      if ((functions[fn].sdkActions as readonly string[]).includes('dynamodb:UpdateItem'))
        expect(await simulate(s.policies[fn], 'dynamodb:UpdateItem', arns.table, own), fn).toBe('Allowed');
    }
  });

  it('only the back office may disable or enable a user', async () => {
    for (const fn of functionNames) {
      for (const action of ['cognito-idp:AdminDisableUser', 'cognito-idp:AdminEnableUser'] as const) {
        expect(await simulate(s.policies[fn], action), `${fn} ${action}`).toBe(
          fn === 'admin' ? 'Allowed' : 'ImplicitlyDenied',
        );
      }
    }
  });

  it('no role may make a table call its code does not make (the index included)', async () => {
    const tableCalls: SdkAction[] = [
      ...tableActions.read,
      ...tableActions.write,
      ...tableIndexes.map((i): SdkAction => `dynamodb:Query@${i.indexName}`),
      'dynamodb:BatchGetItem',
    ];
    let denied = 0;
    for (const fn of functionNames)
      for (const action of tableCalls.filter((a) => !sdkActionsOf(fn).includes(a))) {
        expect(await simulate(s.policies[fn], action), `${fn} ${action}`).toBe('ImplicitlyDenied');
        denied++;
      }
    expect(denied).toBeGreaterThan(0);
    // Say, the notifier puts and deletes its marks and reads: it may not update an account's balance;
    // only the functions that query the index may read it (it holds audit records and deliveries).
    expect(await simulate(s.policies.notifier, 'dynamodb:UpdateItem')).toBe('ImplicitlyDenied');
    expect(await simulate(s.policies.auth, 'dynamodb:Query@gsi1')).toBe('ImplicitlyDenied');
    expect(await simulate(s.policies.money, 'dynamodb:Query@hist1')).toBe('ImplicitlyDenied');
  });

  it('the dispatcher queries its delivery index alone, never gsi1 (pending journals, due schedules, audit records by actor); nobody else queries the delivery index', async () => {
    expect(await simulate(s.policies.dispatcher, 'dynamodb:Query@dlv')).toBe('Allowed');
    expect(await simulate(s.policies.dispatcher, 'dynamodb:Query@gsi1')).toBe('ImplicitlyDenied');
    for (const index of tableIndexes.filter((i) => i.indexName !== 'dlv'))
      expect(
        await simulate(s.policies.dispatcher, `dynamodb:Query@${index.indexName}`),
        index.indexName,
      ).toBe('ImplicitlyDenied');
    for (const fn of functionNames)
      expect(await simulate(s.policies[fn], 'dynamodb:Query@dlv'), fn).toBe(
        fn === 'dispatcher' ? 'Allowed' : 'ImplicitlyDenied',
      );
  });

  it('only the functions whose code reads items in batches (money: bulk payments; stream: event counters; notifier: owners’ preferences and profiles) may BatchGetItem', async () => {
    for (const fn of functionNames) {
      // In the function's read partitions, when it declares them (the notifier's owners: USER#).
      const readIn = (functions[fn] as FunctionDef).readPartitions;
      const r = await simulate(
        s.policies[fn],
        'dynamodb:BatchGetItem',
        undefined,
        readIn ? `${readIn[0]}0f8fad5b` : undefined,
      );
      expect(r, fn).toBe(sdkActionsOf(fn).includes('dynamodb:BatchGetItem') ? 'Allowed' : 'ImplicitlyDenied');
    }
    expect(functionNames.filter((fn) => sdkActionsOf(fn).includes('dynamodb:BatchGetItem')).sort()).toEqual([
      'money',
      'notifier',
      'stream',
    ]);
  });

  it.each(['cognito-idp:AdminDeleteUser', 'cognito-idp:AdminSetUserPassword'] as const)(
    'only auth may %s (a stale unconfirmed sign-up; the password its confirmer gives)',
    async (action) => {
      for (const fn of functionNames) {
        const r = await simulate(s.policies[fn], action);
        expect(r, fn).toBe(fn === 'auth' ? 'Allowed' : 'ImplicitlyDenied');
      }
    },
  );

  it('accounts-read cannot write; only the functions that page with cursors read the cursor secret, and no other secret', async () => {
    for (const action of TABLE_WRITES) {
      expect(await simulate(s.policies['accounts-read'], action), action).not.toBe('Allowed');
    }
    for (const fn of functionNames) {
      const reads = await simulate(s.policies[fn], 'secretsmanager:GetSecretValue');
      expect(reads, fn).toBe(pagesWithCursors(fn) ? 'Allowed' : 'ImplicitlyDenied');
      // Its value only: no function's code describes a secret (rotation, versions, tags).
      expect(await simulate(s.policies[fn], 'secretsmanager:DescribeSecret'), fn).toBe('ImplicitlyDenied');
    }
    expect(
      await simulate(s.policies['accounts-read'], 'secretsmanager:GetSecretValue', arns.otherSecret),
    ).not.toBe('Allowed');
  });

  it('a function may invoke the functions of its `invokes` and no other; no other function may invoke any', async () => {
    for (const fn of functionNames) {
      const invokes: readonly string[] = (functions[fn] as FunctionDef).invokes ?? [];
      for (const target of functionNames) {
        const r = await simulate(s.policies[fn], 'lambda:InvokeFunction', s.functionArns[target]);
        expect(r, `${fn} invokes ${target}`).toBe(invokes.includes(target) ? 'Allowed' : 'ImplicitlyDenied');
      }
      // Not a version or alias of it either (the grant names the function's ARN alone).
      for (const target of invokes) {
        const version = `${s.functionArns[target as FunctionName]}:1`;
        expect(await simulate(s.policies[fn], 'lambda:InvokeFunction', version), `${fn} ${version}`).not.toBe(
          'Allowed',
        );
      }
    }
    expect(functionNames.filter((fn) => (functions[fn] as FunctionDef).invokes?.length)).toEqual(['stream']);
  });

  it("only the stream functions may write failed batches to their bucket (put and list, as Lambda's S3 destination needs), and may not read or delete them", async () => {
    const streamFns = functionNames.filter((fn) => functions[fn].trigger.type === 'stream');
    expect(streamFns).toEqual(['stream', 'settler']);
    const bucket = s.failedBatchesBucket;
    expect(bucket).toMatch(/^arn:aws:s3:::datafailedstreambatches/);
    const object = `${bucket}/aws/lambda/0f8fad5b-d9cb-469f-a165-70867728950e/shardId-1/2026/12/07/2026-12-07T00.13.49-9b2f1c3e-5a7f-4b8c-9d0e-1f2a3b4c5d6e`;
    for (const fn of functionNames) {
      const mine = streamFns.includes(fn);
      expect(await simulate(s.policies[fn], 's3:PutObject', object), `${fn} PutObject`).toBe(
        mine ? 'Allowed' : 'ImplicitlyDenied',
      );
      expect(await simulate(s.policies[fn], 's3:ListBucket', bucket), `${fn} ListBucket`).toBe(
        mine ? 'Allowed' : 'ImplicitlyDenied',
      );
      for (const action of ['s3:GetObject', 's3:DeleteObject', 's3:PutObjectAcl'] as const)
        expect(await simulate(s.policies[fn], action, object), `${fn} ${action}`).toBe('ImplicitlyDenied');
    }
    // Not the statements bucket either.
    for (const fn of streamFns)
      expect(
        await simulate(s.policies[fn], 's3:PutObject', `${arns.statementsBucket}/statements/a/2026-01.pdf`),
        fn,
      ).toBe('ImplicitlyDenied');
  });

  it('the health check can do nothing at all', async () => {
    for (const action of new Set(functionNames.flatMap(sdkActionsOf))) {
      expect(await simulate(s.policies.health, action), action).not.toBe('Allowed');
    }
  });
});

describe('IAM simulation with auto-confirm off (every prod stack)', () => {
  it('no function may confirm sign-ups itself', async () => {
    const s = synth({
      stage: 'prod',
      sesIdentity: 'bank.example.org',
      supportContact: 'help@bank.example.org',
    });
    for (const fn of functionNames) {
      expect(await simulate(s.policies[fn], 'cognito-idp:AdminConfirmSignUp'), fn).not.toBe('Allowed');
    }
  });
});
