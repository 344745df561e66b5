/**
 * Which of the bank's settings (src/config.ts) each function is given in its environment: on AWS by the
 * CDK app (infra/functions.ts sets these and no others of them), offline by the local stack, which hides
 * from a running function every setting in `perFunctionSettings` that is not its own
 * (src/local/function-env.ts), as Lambda would. One mapping for both, from the registry's permissions,
 * `invokes` and its cursor-paging functions. Kept apart from the registry, which a handler bundle
 * imports. It does not read the route table (src/local/iam.ts, and so every test's harness, imports this
 * module: the route table and its schemas took a third of a second more to load per test file); the
 * functions that page with cursors are named here, and infra/bank-stack.test.ts holds them to the routes.
 */
import { type SettingAudience, type SettingName, settings, stageSettings } from './config.ts';
import {
  type FunctionDef,
  type FunctionName,
  functionNames,
  functions,
  type Permission,
  permissionsOf,
} from './functions.ts';

/**
 * The setting that carries an invoked function's name to the functions that invoke it (`invokes`):
 * every `invoke` function has one.
 */
export const invokedNameSettings: Partial<Record<FunctionName, SettingName>> = {
  notifier: 'notifierFunction',
};

/**
 * The functions one of whose routes pages with a cursor (a `cursor` or `after` query parameter): they
 * need the cursor key. infra/bank-stack.test.ts checks this against the route table.
 */
const CURSOR_PAGING: ReadonlySet<FunctionName> = new Set<FunctionName>([
  'profile',
  'accounts-read',
  'schedules-api',
  'events-api',
  'webhooks-api',
  'admin',
  'admin-accounts',
]);

/** A function needs the cursor key when one of its routes pages with a cursor. */
export const pagesWithCursors = (fn: FunctionName): boolean => CURSOR_PAGING.has(fn);

/** The settings a stage sets for one audience (the table's users, the senders of email). */
export const stageSettingsFor = (audience: SettingAudience): SettingName[] =>
  stageSettings.filter((k) => settings[k].stage === audience);

/**
 * The settings a function's permissions need: the table's name and the stage's table settings to a
 * function with any table permission, the statements bucket to `s3:statements`, the user pool (and
 * auto-confirm) to any Cognito permission, the sender and the stage's email settings to `ses:send`.
 */
export const permissionSettings = (perms: readonly Permission[]): SettingName[] => [
  ...(perms.some((p) => p.startsWith('table:')) ? ['tableName' as const, ...stageSettingsFor('table')] : []),
  ...(perms.includes('s3:statements') ? ['statementsBucket' as const] : []),
  ...(perms.some((p) => p.startsWith('cognito:'))
    ? (['userPoolId', 'userPoolClientId', 'autoConfirm'] as const)
    : []),
  ...(perms.includes('ses:send') ? ['emailFrom' as const, ...stageSettingsFor('ses')] : []),
];

/**
 * Every setting function `fn` is given: its permissions' (`permissionSettings`), the cursor secret's id
 * when it pages with cursors, the origin secret's id to an HTTP function when the stage has the API
 * edge, and the name of each function it invokes.
 */
export const functionSettings = (fn: FunctionName, { edge }: { edge: boolean }): SettingName[] => {
  const def: FunctionDef = functions[fn];
  return [
    ...permissionSettings(permissionsOf(fn)),
    ...(pagesWithCursors(fn) ? ['cursorSecretId' as const] : []),
    ...(edge && def.trigger.type === 'http' ? ['originSecretId' as const] : []),
    ...((def.invokes ?? []) as FunctionName[]).flatMap((t) => {
      const s = invokedNameSettings[t];
      if (!s) throw new Error(`${fn} invokes ${t}, which has no name setting`);
      return [s];
    }),
  ];
};

/**
 * The settings the CDK app decides per function (given to some, withheld from others, with or without
 * the API edge). The others (offline knobs such as BANK_WEBHOOK_ALLOW_LOOPBACK, the SDK's
 * AWS_ENDPOINT_URL_S3) no function is given on AWS, and offline every function reads them.
 */
export const perFunctionSettings: ReadonlySet<SettingName> = new Set(
  functionNames.flatMap((fn) => functionSettings(fn, { edge: true })),
);
