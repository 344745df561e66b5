/**
 * IAM offline, for the table. On AWS each function's role allows only what its registry entry grants
 * (infra/functions.ts), and infra/iam.test.ts proves that the role allows every action the entry
 * declares in `sdkActions`. Offline there is no IAM: a call a function makes without declaring it
 * would pass every test here and fail on AWS. So the local stack runs each function's invocations
 * as that function (an AsyncLocalStorage scope, `runAs`) and refuses, with AWS's
 * `AccessDeniedException`, every DynamoDB call the running function does not declare:
 *   - the action (a transaction is authorised per item, as on AWS: Put, Update, Delete and
 *     ConditionCheck as PutItem, UpdateItem, DeleteItem and ConditionCheckItem; a Query or Scan on
 *     the GSI as `<action>@index`);
 *   - a DeleteItem outside the function's `deletePartitions` (IAM's dynamodb:LeadingKeys);
 *   - audit items (`AUDIT#...`) updated or deleted by anyone, or put by a function without
 *     `audit:write` (the roles' explicit Denies); any other item written by a function without
 *     `table:write` (one with `audit:write` alone may put audit items only).
 * Stricter than AWS where a role grants more than the code declares (a permission grants a family of
 * actions): declared ⊆ allowed is proved by infra/iam.test.ts, called ⊆ declared here, so every call
 * the tests make is one the role allows. Calls made outside any function (bootstrap, the tests' own
 * setup) are not checked. Other services (Cognito, SES, S3) are not checked offline.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { auditNeverActions, type FunctionDef, functions, tableActions } from '../functions.ts';
import { AUDIT_PREFIX } from '../store/keys.ts';

export const IAM_MIDDLEWARE = 'localIamEmulation';

const running = new AsyncLocalStorage<string>();

/** Runs `f` as registry function `fn`: its DynamoDB calls are checked against its declarations. */
export const runAs = <T>(fn: string, f: () => T): T => running.run(fn, f);

/** The function running in this async context, if any. */
export const runningFunction = (): string | undefined => running.getStore();

type Key = Record<string, unknown> | undefined;
/** One authorisation: the IAM action and the item's partition key (for LeadingKeys), when one. */
interface Request {
  action: string;
  pk?: string;
}

const pkOf = (key: Key): string | undefined => {
  const pk = key?.pk as { S?: string } | string | undefined;
  return typeof pk === 'string' ? pk : pk?.S;
};

type Input = {
  IndexName?: string;
  Key?: Key;
  Item?: Key;
  TransactItems?: {
    Put?: { Item?: Key };
    Update?: { Key?: Key };
    Delete?: { Key?: Key };
    ConditionCheck?: { Key?: Key };
  }[];
};

/** What a DynamoDB command asks IAM for, per item where IAM checks per item. */
export const requestsOf = (commandName: string, input: Input): Request[] => {
  const op = commandName.replace(/Command$/, '');
  const index = input.IndexName ? '@index' : '';
  switch (op) {
    case 'Query':
    case 'Scan':
      return [{ action: `dynamodb:${op}${index}` }];
    case 'GetItem':
    case 'UpdateItem':
    case 'DeleteItem':
      return [{ action: `dynamodb:${op}`, ...withPk(input.Key) }];
    case 'PutItem':
      return [{ action: 'dynamodb:PutItem', ...withPk(input.Item) }];
    case 'TransactWriteItems':
      return (input.TransactItems ?? []).map((i) => {
        if (i.Put) return { action: 'dynamodb:PutItem', ...withPk(i.Put.Item) };
        if (i.Update) return { action: 'dynamodb:UpdateItem', ...withPk(i.Update.Key) };
        if (i.Delete) return { action: 'dynamodb:DeleteItem', ...withPk(i.Delete.Key) };
        return { action: 'dynamodb:ConditionCheckItem', ...withPk(i.ConditionCheck?.Key) };
      });
    default:
      return [{ action: `dynamodb:${op}` }];
  }
};

const withPk = (key: Key): { pk?: string } => {
  const pk = pkOf(key);
  return pk === undefined ? {} : { pk };
};

/** Why `fn` may not make `r`, or undefined when it may. */
export const refusal = (fn: string, r: Request): string | undefined => {
  const def = (functions as Record<string, FunctionDef>)[fn];
  if (!def) return `${fn} is not a registry function`;
  const audit = r.pk?.startsWith(AUDIT_PREFIX) ?? false;
  if (audit && (auditNeverActions as readonly string[]).includes(r.action))
    return `audit items are append-only: no role may ${r.action} them`;
  if (audit && r.action === 'dynamodb:PutItem' && !def.permissions.includes('audit:write'))
    return `${fn} has no audit:write`;
  if (!(def.sdkActions as readonly string[]).includes(r.action))
    return `${fn} does not declare ${r.action} in its sdkActions`;
  // audit:write alone puts audit items only (IAM: PutItem on AUDIT#* leading keys).
  if (
    !audit &&
    (tableActions.write as readonly string[]).includes(r.action) &&
    !def.permissions.includes('table:write')
  )
    return `${fn} has no table:write: it may put audit items only`;
  if (r.action === 'dynamodb:DeleteItem') {
    const allowed = def.deletePartitions ?? [];
    if (r.pk === undefined || !allowed.some((p) => r.pk?.startsWith(p)))
      return `${fn} may delete only in ${allowed.join(', ') || 'no partition'}`;
  }
  return undefined;
};

/** AWS's answer to a call no policy allows. */
export const accessDenied = (fn: string, action: string, why: string): Error =>
  Object.assign(
    new Error(
      `User: arn:aws:sts::000000000000:assumed-role/${fn}/${fn} is not authorized to perform: ${action} (offline IAM: ${why})`,
    ),
    { name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 400 } },
  );

/**
 * Checks every command the client sends from inside a function (`runAs`) before it is sent, as IAM
 * does before DynamoDB runs it. A DocumentClient shares its base client's stack: either may be given.
 */
export const emulateIam = (client: Pick<DynamoDBClient, 'middlewareStack'>): void => {
  client.middlewareStack.add(
    ((next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
      async (args: { input: Input }) => {
        const fn = running.getStore();
        if (fn !== undefined) {
          for (const r of requestsOf(context.commandName ?? '', args.input)) {
            const why = refusal(fn, r);
            if (why) throw accessDenied(fn, r.action, why);
          }
        }
        return next(args);
      }) as never,
    { step: 'initialize', name: IAM_MIDDLEWARE, override: true },
  );
};
