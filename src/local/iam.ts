/**
 * IAM offline, for the table. On AWS each function's role allows only what its registry entry grants
 * (infra/functions.ts), and infra/iam.test.ts proves that the role allows every action the entry
 * declares in `sdkActions`. Offline there is no IAM: a call a function makes without declaring it
 * would pass every test here and fail on AWS. So the local stack runs each function's invocations
 * as that function (an AsyncLocalStorage scope, `runAs`) and refuses, with AWS's
 * `AccessDeniedException`, every DynamoDB call the running function does not declare:
 *   - the action (a transaction is authorised per item, as on AWS: Put, Update, Delete and
 *     ConditionCheck as PutItem, UpdateItem, DeleteItem and ConditionCheckItem; a Query or Scan on
 *     an index as `<action>@<index name>`, e.g. `dynamodb:Query@gsi1`);
 *   - a DeleteItem outside the function's `deletePartitions` (IAM's dynamodb:LeadingKeys);
 *   - a PutItem, UpdateItem or ConditionCheckItem outside its `writePartitions`, when it declares them;
 *   - a GetItem, BatchGetItem (per key) or Query of the table outside its `readPartitions`, when it
 *     declares them (a Query's partition is read from its key condition, `queryPartitionOf`: the value
 *     it sets `pk` equal to; one this cannot read for certain is refused, stricter than AWS);
 *   - audit items (`AUDIT#...`) updated or deleted by anyone, or put by a function without
 *     `audit:write` (the roles' explicit Denies);
 *   - a PutItem or UpdateItem (in a transaction too) carrying an attribute of a guarded index (the
 *     history indexes', the delivery index's and gsi1's keys, src/store/table.ts
 *     guardedIndexAttributes) that the function does not
 *     write (`indexWrites`), by a function that writes items (the roles' explicit Deny on
 *     dynamodb:Attributes): a put's attributes are its item's names, an update's every top-level name
 *     its UpdateExpression and ConditionExpression use (`#name` placeholders resolved), the key's too,
 *     a superset of what AWS counts; one whose names this cannot read for certain is refused;
 *   - any other item written by a function without
 *     `table:write` (one with `audit:write` alone may put audit items only; one with
 *     `table:file-marks`, statement files' marks, `STMTFILE#...`, only).
 * The other services a function calls are checked by action alone: Cognito's IAM-authorised
 * operations (`cognito-idp:Admin...`; its public ones, called with the app client's id or the user's
 * own token, need no IAM, as on AWS), S3 (HeadObject as s3:GetObject; and a missing key is 403, not
 * 404, to a function without s3:ListBucket, as S3 answers it), SES v2, and Secrets Manager
 * (offline a provider of our own, src/local/secrets.ts, asks `authorize`), and Lambda's Invoke, on the
 * functions of the caller's `invokes` alone (the local Invoke endpoint, src/local/async-invoke.ts,
 * runs what it is given). `emulateIamEverywhere`
 * puts the check on every SDK client a function creates, so a client added later is covered too.
 * Stricter than AWS where a role grants more than the code declares (a permission grants a family of
 * actions): declared ⊆ allowed is proved by infra/iam.test.ts, called ⊆ declared here, so every call
 * the tests make is one the role allows. Calls made outside any function (bootstrap, the tests' own
 * setup) are not checked. Not modelled: resource scoping other than the table's and Lambda's (which
 * pool, bucket prefix or secret; the CDK grants each on its one resource).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Client } from '@smithy/core/client';
import {
  auditNeverActions,
  type FunctionDef,
  functions,
  indexKeyWriteActions,
  tableActions,
} from '../functions.ts';
import { STATEMENT_FILE_PREFIX } from '../store/item-keys.ts';
import { AUDIT_PREFIX } from '../store/keys.ts';
import { deniedIndexAttributes, tableKeys } from '../store/table.ts';
import { installFunctionEnvironments } from './function-env.ts';

export const IAM_MIDDLEWARE = 'localIamEmulation';

const running = new AsyncLocalStorage<string>();

/**
 * Runs `f` as registry function `fn`: its DynamoDB calls are checked against its declarations, and it
 * sees only its own environment, as on Lambda (src/local/function-env.ts).
 */
export const runAs = <T>(fn: string, f: () => T): T => {
  installFunctionEnvironments(runningFunction);
  return running.run(fn, f);
};

/** The function running in this async context, if any. */
export const runningFunction = (): string | undefined => running.getStore();

type Key = Record<string, unknown> | undefined;
/**
 * One authorisation: the IAM action and the item's partition key (for LeadingKeys), or the partition a
 * Query of the table reads (queryPartitionOf), when one; for lambda:InvokeFunction, the function
 * invoked (`target`).
 */
interface Request {
  action: string;
  pk?: string;
  /**
   * A put's or an update's top-level attribute names (IAM's dynamodb:Attributes), when known: a put's
   * item's, an update's read from its expressions (updateAttributesOf).
   */
  attributes?: string[];
  /** Invoke's target function, by name (Lambda's resource). */
  target?: string;
}

const pkOf = (key: Key): string | undefined => {
  const pk = key?.pk as { S?: string } | string | undefined;
  return typeof pk === 'string' ? pk : pk?.S;
};

/** An update, alone or in a transaction: what names the attributes it writes (updateAttributesOf). */
type UpdateInput = {
  Key?: Key;
  UpdateExpression?: string;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  /** The legacy form: each attribute's update by name. */
  AttributeUpdates?: Record<string, unknown>;
  /** The legacy condition, by name. */
  Expected?: Record<string, unknown>;
};

type Input = UpdateInput & {
  /** A Query's key condition, with its names and values (queryPartitionOf). */
  KeyConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
  /** Lambda's Invoke: a function's name or ARN. */
  FunctionName?: string;
  /** Lambda's Invoke: a version or alias. */
  Qualifier?: string;
  IndexName?: string;
  Key?: Key;
  Item?: Key;
  /** BatchGetItem: each table's keys. */
  RequestItems?: Record<string, { Keys?: Key[] }>;
  TransactItems?: {
    Put?: { Item?: Key };
    Update?: UpdateInput;
    Delete?: { Key?: Key };
    ConditionCheck?: { Key?: Key };
  }[];
};

/** The IAM service of each SDK client a function may use (the middleware context's `clientName`). */
const SERVICES: Record<string, string> = {
  DynamoDBClient: 'dynamodb',
  DynamoDBDocumentClient: 'dynamodb',
  CognitoIdentityProviderClient: 'cognito-idp',
  S3Client: 's3',
  SESv2Client: 'ses',
  SecretsManagerClient: 'secretsmanager',
  LambdaClient: 'lambda',
};

/**
 * Cognito's operations that IAM does not authorise: the public API, called with the app client's id
 * (sign-up, sign-in, codes) or with the user's own access token. Every other operation is IAM's.
 */
const COGNITO_PUBLIC = new Set([
  'SignUp',
  'ConfirmSignUp',
  'ResendConfirmationCode',
  'InitiateAuth',
  'RespondToAuthChallenge',
  'ForgotPassword',
  'ConfirmForgotPassword',
  'ChangePassword',
  'GetUser',
  'AssociateSoftwareToken',
  'VerifySoftwareToken',
  'SetUserMFAPreference',
  'GlobalSignOut',
  'RevokeToken',
]);

/** S3 operations authorised under another action's name. */
const S3_ACTIONS: Record<string, string> = { HeadObject: 'GetObject', ListObjectsV2: 'ListBucket' };

/**
 * What a command asks IAM for, per item where IAM checks per item (DynamoDB's transactions). A client
 * not in SERVICES asks for an action no function declares, so it is refused inside a function.
 */
export const requestsOf = (commandName: string, input: Input, clientName = 'DynamoDBClient'): Request[] => {
  const op = commandName.replace(/Command$/, '');
  const service = SERVICES[clientName];
  if (service === undefined) return [{ action: `${clientName}:${op}` }];
  if (service === 'cognito-idp') return COGNITO_PUBLIC.has(op) ? [] : [{ action: `cognito-idp:${op}` }];
  if (service === 's3') return [{ action: `s3:${S3_ACTIONS[op] ?? op}` }];
  if (service === 'lambda' && op === 'Invoke')
    return [
      { action: 'lambda:InvokeFunction', target: invokeTargetOf(input.FunctionName ?? '', input.Qualifier) },
    ];
  if (service !== 'dynamodb') return [{ action: `${service}:${op}` }];
  const index = input.IndexName ? `@${input.IndexName}` : '';
  switch (op) {
    case 'Query':
      // A Query of the table reads one partition, its key condition's (IAM's dynamodb:LeadingKeys); one
      // of an index reads the index's, which no readPartitions covers.
      return [{ action: `dynamodb:Query${index}`, ...(index ? {} : withPartition(queryPartitionOf(input))) }];
    case 'Scan':
      return [{ action: `dynamodb:Scan${index}` }];
    case 'GetItem':
    case 'DeleteItem':
      return [{ action: `dynamodb:${op}`, ...withPk(input.Key) }];
    case 'UpdateItem':
      return [{ action: 'dynamodb:UpdateItem', ...withPk(input.Key), ...updateAttributesOf(input) }];
    case 'PutItem':
      return [{ action: 'dynamodb:PutItem', ...withPk(input.Item), ...attributesOf(input.Item) }];
    case 'BatchGetItem': {
      // IAM checks every key's partition (dynamodb:LeadingKeys holds them all).
      const keys = Object.values(input.RequestItems ?? {}).flatMap((t) => t.Keys ?? []);
      return keys.length === 0
        ? [{ action: 'dynamodb:BatchGetItem' }]
        : keys.map((k) => ({ action: 'dynamodb:BatchGetItem', ...withPk(k) }));
    }
    case 'TransactWriteItems':
      return (input.TransactItems ?? []).map((i) => {
        if (i.Put) return { action: 'dynamodb:PutItem', ...withPk(i.Put.Item), ...attributesOf(i.Put.Item) };
        if (i.Update)
          return { action: 'dynamodb:UpdateItem', ...withPk(i.Update.Key), ...updateAttributesOf(i.Update) };
        if (i.Delete) return { action: 'dynamodb:DeleteItem', ...withPk(i.Delete.Key) };
        return { action: 'dynamodb:ConditionCheckItem', ...withPk(i.ConditionCheck?.Key) };
      });
    default:
      return [{ action: `dynamodb:${op}` }];
  }
};

const attributesOf = (item: Key): { attributes?: string[] } =>
  item ? { attributes: Object.keys(item) } : {};

/**
 * An expression's tokens, each the first group of a match of the sticky `token` pattern (leading space
 * skipped), or undefined when something is left over that is no token.
 */
const tokensOf = (expression: string, token: RegExp): string[] | undefined => {
  const tokens: string[] = [];
  let at = 0;
  for (;;) {
    const m = token.exec(expression);
    if (!m?.[1]) break;
    tokens.push(m[1]);
    at = token.lastIndex;
  }
  return expression.slice(at).trim() === '' ? tokens : undefined;
};

/** Words of update and condition expressions that name no attribute (case-insensitive, as DynamoDB reads them). */
const EXPRESSION_KEYWORDS = new Set(['SET', 'REMOVE', 'ADD', 'DELETE', 'AND', 'OR', 'NOT', 'BETWEEN', 'IN']);

/**
 * Every top-level attribute name an expression uses: the first name of each path (`a` of `a.b[0]`),
 * `#name` placeholders resolved through `names`; not a function's name (`if_not_exists(`), a keyword
 * or a value (`:v`). Undefined when that is not certain: a character this does not know, or a
 * placeholder `names` does not define.
 */
export const expressionNamesOf = (
  expression: string,
  names: Record<string, string> = {},
): string[] | undefined => {
  const tokens = tokensOf(
    expression,
    /\s*(#[A-Za-z0-9_]+|:[A-Za-z0-9_]+|[A-Za-z_][A-Za-z0-9_]*|[0-9]+|<=|>=|<>|[=<>(),.[\]+-])/y,
  );
  if (!tokens) return undefined;
  const found: string[] = [];
  for (const [i, t] of tokens.entries()) {
    const isName = t.startsWith('#') || /^[A-Za-z_]/.test(t);
    if (!isName) continue;
    const name = t.startsWith('#') ? names[t] : t;
    if (name === undefined) return undefined;
    // A nested name (after `.`), a function (before `(`) or a keyword: no top-level attribute.
    if (tokens[i - 1] === '.') continue;
    if (!t.startsWith('#') && (tokens[i + 1] === '(' || EXPRESSION_KEYWORDS.has(t.toUpperCase()))) continue;
    if (!found.includes(name)) found.push(name);
  }
  return found;
};

/**
 * An update's attribute names, as far as IAM's dynamodb:Attributes could count them: its key's, and
 * every top-level name its update and condition expressions use (or its legacy AttributeUpdates' and
 * Expected's). A superset of the attributes it writes; none when one expression cannot be read for
 * certain (refused wherever the attributes are checked).
 */
export const updateAttributesOf = (u: UpdateInput): { attributes?: string[] } => {
  const names: string[] = [
    ...Object.keys(u.Key ?? {}),
    ...Object.keys(u.AttributeUpdates ?? {}),
    ...Object.keys(u.Expected ?? {}),
  ];
  for (const expression of [u.UpdateExpression, u.ConditionExpression]) {
    if (expression === undefined) continue;
    const used = expressionNamesOf(expression, u.ExpressionAttributeNames);
    if (used === undefined) return {};
    names.push(...used);
  }
  return { attributes: [...new Set(names)] };
};

/** A function's name from Invoke's FunctionName: a name, or a function ARN. */
export const functionNameOf = (name: string): string =>
  /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)/.exec(name)?.[1] ?? name;

/**
 * Invoke's target as IAM sees it: the function's name, with its version or alias when one is given
 * (`Qualifier`, or a qualified name or ARN), as `name:qualifier`. The CDK grants the invoked function's
 * unqualified ARN alone, which allows no version or alias of it: neither does this.
 */
export const invokeTargetOf = (name: string, qualifier?: string): string => {
  const m = /^(?:arn:[^:]+:lambda:[^:]*:)?(?:[^:]*:function:)?([^:]+)(?::([^:]+))?$/.exec(name);
  const fn = m?.[1] ?? name;
  const q = qualifier ?? m?.[2];
  return q === undefined ? fn : `${fn}:${q}`;
};

const withPartition = (pk: string | undefined): { pk?: string } => (pk === undefined ? {} : { pk });
const withPk = (key: Key): { pk?: string } => withPartition(pkOf(key));

/** The table's partition key attribute (what dynamodb:LeadingKeys holds the values of). */
const PARTITION_KEY: string = tableKeys.partitionKey;

type Operand = { name: string } | { value: string };
/** One comparison of a key condition, its operands in the order written. */
type Clause = { op: string; operands: Operand[] };

/**
 * The clauses of a key condition, ANDed: `a = :v`, `a < :v` (<=, >, >=), `a BETWEEN :lo AND :hi`,
 * `begins_with(a, :v)`, each or all in parentheses; names as written (`#n` resolved later). Undefined
 * for anything else: OR, NOT, IN, another function, a path, a stray token.
 */
const clausesOf = (expression: string): Clause[] | undefined => {
  const tokens = tokensOf(
    expression,
    /\s*(?:(#[A-Za-z0-9_]+|:[A-Za-z0-9_]+|[A-Za-z_][A-Za-z0-9_]*|<=|>=|<>|[=<>(),]))/y,
  );
  if (!tokens) return undefined;
  let i = 0;
  const keyword = (k: string) => tokens[i]?.toUpperCase() === k;
  const take = (t: string): boolean => {
    if (tokens[i] !== t) return false;
    i++;
    return true;
  };
  // A placeholder (`:v`) or an attribute's name (`#n`, `pk`): not a keyword, a function or a symbol.
  const operand = (): Operand | undefined => {
    const t = tokens[i];
    if (t === undefined || ['AND', 'OR', 'NOT', 'BETWEEN', 'IN'].includes(t.toUpperCase())) return undefined;
    if (!/^[:#A-Za-z_]/.test(t) || tokens[i + 1] === '(') return undefined;
    i++;
    return t.startsWith(':') ? { value: t } : { name: t };
  };
  const primary = (out: Clause[]): boolean => {
    if (take('(')) return conjunction(out) && take(')');
    if (tokens[i] === 'begins_with' && tokens[i + 1] === '(') {
      i += 2;
      const a = operand();
      if (!a || !take(',')) return false;
      const b = operand();
      if (!b || !take(')')) return false;
      out.push({ op: 'begins_with', operands: [a, b] });
      return true;
    }
    const a = operand();
    if (!a) return false;
    if (keyword('BETWEEN')) {
      i++;
      const lo = operand();
      if (!lo || !keyword('AND')) return false;
      i++;
      const hi = operand();
      if (!hi) return false;
      out.push({ op: 'between', operands: [a, lo, hi] });
      return true;
    }
    const op = tokens[i];
    if (op === undefined || !['=', '<', '<=', '>', '>='].includes(op)) return false;
    i++;
    const b = operand();
    if (!b) return false;
    out.push({ op, operands: [a, b] });
    return true;
  };
  const conjunction = (out: Clause[]): boolean => {
    if (!primary(out)) return false;
    while (keyword('AND')) {
      i++;
      if (!primary(out)) return false;
    }
    return true;
  };
  const clauses: Clause[] = [];
  return conjunction(clauses) && i === tokens.length ? clauses : undefined;
};

/**
 * The partition a Query of the table reads, as IAM's dynamodb:LeadingKeys sees it: the value its key
 * condition sets the partition key equal to (`pk = :pk`, `#pk = :pk` through ExpressionAttributeNames,
 * `:pk = pk`), beside a sort key condition if any, with the value from ExpressionAttributeValues (as the
 * DocumentClient gives it, or marshalled: `{ S: ... }`). Undefined whenever that is not certain: no
 * key condition (or the legacy KeyConditions), one this does not parse, a name or value not given, no
 * equality on the partition key or more than one clause on it, a value that is not a string. An
 * undefined partition is in none of a function's readPartitions: refused, never allowed.
 */
export const queryPartitionOf = (input: Input): string | undefined => {
  const clauses = input.KeyConditionExpression ? clausesOf(input.KeyConditionExpression) : undefined;
  if (!clauses) return undefined;
  const nameOf = (o: Operand): string | undefined =>
    'value' in o ? undefined : o.name.startsWith('#') ? input.ExpressionAttributeNames?.[o.name] : o.name;
  // Every name must resolve: a key condition naming what it does not define is none DynamoDB runs.
  if (clauses.some((c) => c.operands.some((o) => 'name' in o && nameOf(o) === undefined))) return undefined;
  const onPartition = clauses.filter((c) => c.operands.some((o) => nameOf(o) === PARTITION_KEY));
  const [only] = onPartition;
  if (onPartition.length !== 1 || !only || only.op !== '=') return undefined;
  // Its other operand is the value (either side: `:pk = pk` too); `pk = pk` or `pk = sk` compares none.
  const placeholder = only.operands.find((o): o is { value: string } => 'value' in o);
  if (!placeholder) return undefined;
  const v = input.ExpressionAttributeValues?.[placeholder.value] as { S?: unknown } | string | undefined;
  const pk = typeof v === 'string' ? v : v?.S;
  return typeof pk === 'string' ? pk : undefined;
};

/** The table reads `readPartitions` scopes (a Query of an index is `dynamodb:Query@<index>`: not one). */
const TABLE_READS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'] as const;

/** Whether the function's role may put or update items at all, so holds the Deny on guarded index attributes. */
const writesItems = (def: FunctionDef): boolean =>
  (['table:write', 'audit:write', 'table:file-marks'] as const).some((p) => def.permissions.includes(p));

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
  // lambda:InvokeFunction on the functions of its `invokes` alone (the CDK grants it on their ARNs).
  if (r.action === 'lambda:InvokeFunction' && !(def.invokes ?? []).includes(r.target ?? ''))
    return `${fn} may invoke only ${(def.invokes ?? []).join(', ') || 'no function'}`;
  // audit:write alone puts audit items only (IAM: PutItem on AUDIT#* leading keys), and
  // table:file-marks statement files' marks only (PutItem on STMTFILE#*).
  const fileMark =
    r.action === 'dynamodb:PutItem' &&
    (r.pk?.startsWith(STATEMENT_FILE_PREFIX) ?? false) &&
    def.permissions.includes('table:file-marks');
  if (
    !audit &&
    !fileMark &&
    (tableActions.write as readonly string[]).includes(r.action) &&
    !def.permissions.includes('table:write')
  )
    return `${fn} has no table:write: it may put ${def.permissions.includes('table:file-marks') ? "statement files' marks" : 'audit items'} only`;
  if (
    def.writePartitions &&
    (tableActions.write as readonly string[]).includes(r.action) &&
    // An audit writer's records are allowed by their own statement (audit:write), not by these.
    !(audit && def.permissions.includes('audit:write')) &&
    (r.pk === undefined || !def.writePartitions.some((p) => r.pk?.startsWith(p)))
  )
    return `${fn} may write only in ${def.writePartitions.join(', ')}`;
  if (
    def.readPartitions &&
    (TABLE_READS as readonly string[]).includes(r.action) &&
    (r.pk === undefined || !def.readPartitions.some((p) => r.pk?.startsWith(p)))
  )
    return `${fn} may read only in ${def.readPartitions.join(', ')}`;
  // writeAttributes: a put carries those attributes alone (IAM's dynamodb:Attributes). An update's
  // attributes are in its expression, which this does not parse: refused, stricter than AWS.
  if (def.writeAttributes && (tableActions.write as readonly string[]).includes(r.action)) {
    if (r.action !== 'dynamodb:PutItem') return `${fn} declares writeAttributes: only its puts are emulated`;
    const extra = (r.attributes ?? []).filter((a) => !def.writeAttributes?.includes(a));
    if (r.attributes === undefined || extra.length > 0)
      return `${fn} may write only the attributes ${def.writeAttributes.join(', ')} (not ${extra.join(', ') || 'an unknown item'})`;
  }
  // The Deny on the guarded indexes' attributes (infra/functions.ts), on every role that puts items:
  // an item of the function's may not carry a guarded index's keys unless it writes that index.
  const denied = writesItems(def) ? deniedIndexAttributes(def.indexWrites) : [];
  if (denied.length > 0 && (indexKeyWriteActions as readonly string[]).includes(r.action)) {
    if (r.attributes === undefined)
      return `${fn} may not write ${denied.join(', ')}, and this ${r.action}'s attributes cannot be read for certain`;
    const carried = r.attributes.filter((a) => denied.includes(a));
    if (carried.length > 0)
      return `${fn} may not write ${carried.join(', ')} (an index it does not write: indexWrites)`;
  }
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

/** Refuses `action` (AccessDeniedException) when the running function, if any, may not make it. */
export const authorize = (action: string, pk?: string, target?: string): void =>
  authorizeRequest({
    action,
    ...(pk === undefined ? {} : { pk }),
    ...(target === undefined ? {} : { target }),
  });

const authorizeRequest = (r: Request): void => {
  const fn = running.getStore();
  if (fn === undefined) return;
  const why = refusal(fn, r);
  if (why) throw accessDenied(fn, r.action, why);
};

/**
 * Checks every command the client sends from inside a function (`runAs`) before it is sent, as IAM
 * does before the service runs it. A DocumentClient shares its base client's stack: either may be given.
 */
export const emulateIam = (client: Pick<DynamoDBClient, 'middlewareStack'>): void => {
  client.middlewareStack.add(
    ((next: (args: unknown) => Promise<unknown>, context: { commandName?: string; clientName?: string }) =>
      async (args: { input: Input }) => {
        const fn = running.getStore();
        if (fn === undefined) return next(args);
        for (const r of requestsOf(context.commandName ?? '', args.input, context.clientName))
          authorizeRequest(r);
        if (context.clientName === 'S3Client' && /^(Head|Get)Object/.test(context.commandName ?? ''))
          return missingKeyAsS3Answers(fn, context.commandName ?? '', next(args));
        return next(args);
      }) as never,
    { step: 'initialize', name: IAM_MIDDLEWARE, override: true },
  );
};

/**
 * S3's answer to a HeadObject or GetObject of a missing key: 404 to a caller allowed s3:ListBucket on
 * the bucket, else 403 (so that a caller cannot learn which keys exist). The emulator always says 404.
 */
const missingKeyAsS3Answers = async (fn: string, command: string, sent: Promise<unknown>) => {
  try {
    return await sent;
  } catch (e) {
    const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status !== 404 || refusal(fn, { action: 's3:ListBucket' }) === undefined) throw e;
    throw Object.assign(
      new Error(`${fn} has no s3:ListBucket: S3 answers a missing key with 403 (offline IAM)`),
      {
        name: command.startsWith('Head') ? 'Forbidden' : 'AccessDenied',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
      },
    );
  }
};

type ClientInstaller = (client: Pick<DynamoDBClient, 'middlewareStack'>) => void;
const installers: ClientInstaller[] = [];
const installed = new WeakMap<object, Set<ClientInstaller>>();
let patched = false;

/**
 * Runs `install` on every SDK client, each the first time it sends: the handlers create their clients
 * (DynamoDB, Cognito, S3, SES) lazily in their own modules, and one created later is covered without
 * being listed here. Offline only (the local stack and the tests call it); idempotent per installer.
 */
export const onEveryClient = (install: ClientInstaller): void => {
  if (!installers.includes(install)) installers.push(install);
  if (patched) return;
  patched = true;
  const send = Client.prototype.send as (
    this: Client<never, never, never, never>,
    ...a: unknown[]
  ) => unknown;
  Client.prototype.send = function (this: Client<never, never, never, never>, ...a: unknown[]) {
    let done = installed.get(this.middlewareStack);
    if (!done) {
      done = new Set();
      installed.set(this.middlewareStack, done);
    }
    for (const i of installers) {
      if (done.has(i)) continue;
      done.add(i);
      i(this as never);
    }
    return send.apply(this, a);
  } as never;
};

/** `emulateIam` on every SDK client (see onEveryClient). */
export const emulateIamEverywhere = (): void => onEveryClient(emulateIam);

/** Runs `f` outside any function: the emulation's own calls to an emulator are not the function's. */
export const outsideFunctions = <T>(f: () => T): T => running.exit(f);
