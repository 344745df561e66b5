/**
 * Which of the bank's settings (src/config.ts) each function is given in its environment: on AWS by the
 * CDK app (infra/functions.ts sets these and no others of them), offline by the local stack, which hides
 * from a running function every setting in `perFunctionSettings` that is not its own
 * (src/local/function-env.ts), as Lambda would. One mapping for both, from the registry's permissions,
 * routes and `invokes`. Kept apart from the registry, which a handler bundle imports, since it reads the
 * route table.
 */
import { routeList } from './api/routes.ts';
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

/** A function needs the cursor key when one of its routes pages with a cursor (`cursor` or `after`). */
export const pagesWithCursors = (fn: FunctionName): boolean =>
  routeList.some((r) => {
    if (r.fn !== fn || !r.query) return false;
    const shape = (r.query as { shape?: Record<string, unknown> }).shape;
    return shape !== undefined && ('cursor' in shape || 'after' in shape);
  });

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
