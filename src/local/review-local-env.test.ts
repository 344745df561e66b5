/**
 * Review (local vs AWS): each function's environment. On AWS the CDK app gives every function only the
 * variables its permissions need (infra/functions.ts `permissionEnv`, the cursor secret's id to the
 * functions that page with cursors, the notifier's name to the function that invokes it):
 * `infra/bank-stack.test.ts` checks that, say, no function without a table permission has TABLE_NAME.
 * Offline every handler runs in the one `npm start` process, so every function sees the one
 * `process.env` that `src/local/main.ts` fills for all of them (and the one `config()` cached from it).
 * A handler that reads a setting its function is not given passes offline and, on AWS, silently gets
 * the setting's default (an empty table name or bucket, the default daily limit instead of the stage's).
 * Here: inside a local invocation of a function (`runAs`, as `loadHandler` runs every handler), the
 * bank's variables the CDK withholds from that function must be unset, as they are on Lambda.
 */
import type { Stack } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthProd } from '../../infra/prod-synth.ts';
import { type SettingName, settings, settingsEnv } from '../config.ts';
import { functionNames } from '../functions.ts';
import { runAs } from './iam.ts';

type Json = Record<string, unknown>;

/** The bank's own variables (src/config.ts), which the CDK app sets per function. */
const bankVariables = new Set((Object.keys(settings) as SettingName[]).map((k) => settings[k].env));

let envOnAws: Map<string, Set<string>>;
const saved = { ...process.env };

beforeAll(() => {
  const { built, template } = synthProd();
  const resources = template.findResources('AWS::Lambda::Function');
  envOnAws = new Map(
    functionNames.map((fn) => {
      const id = built.stack.getLogicalId(
        built.stack.functions.byName[fn].node.defaultChild as Parameters<Stack['getLogicalId']>[0],
      );
      const vars = (resources[id] as { Properties: { Environment?: { Variables?: Json } } }).Properties
        .Environment?.Variables;
      return [fn, new Set(Object.keys(vars ?? {}))];
    }),
  );
  // What `npm start` puts in the process's environment for all its handlers (src/local/main.ts).
  Object.assign(process.env, {
    ...settingsEnv({
      notifierFunction: 'notifier',
      tableName: 'bank',
      userPoolId: 'local_pool',
      userPoolClientId: 'local-client',
      cursorSecretId: 'local/serverless-bank/cursor-key',
      statementsBucket: 'serverless-bank-statements',
      emailFrom: 'no-reply@bank.local',
      autoConfirm: true,
      dailyLimit: 500_000,
    }),
  });
}, 180_000);

afterAll(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
});

describe('each function sees only the environment the CDK gives it', () => {
  it('a local invocation of a function has none of the bank variables its Lambda is not given', () => {
    // Variables the CDK sets on at least one function: the ones it decides per function.
    const managed = new Set(
      [...envOnAws.values()].flatMap((s) => [...s]).filter((k) => bankVariables.has(k)),
    );
    const leaks: string[] = [];
    for (const fn of functionNames) {
      const given = envOnAws.get(fn) ?? new Set<string>();
      const seen = runAs(fn, () => Object.keys(process.env).filter((k) => process.env[k] !== undefined));
      for (const k of seen) if (managed.has(k) && !given.has(k)) leaks.push(`${fn}: ${k}`);
    }
    // e.g. `health: TABLE_NAME`, `settler: STATEMENTS_BUCKET`, `notifier: BANK_CURSOR_SECRET_ID`.
    expect(leaks).toEqual([]);
  });

  it('the health function (no permissions, no variables on AWS) reads no table name offline', () => {
    expect(envOnAws.get('health')?.has('TABLE_NAME')).toBe(false);
    expect(runAs('health', () => process.env.TABLE_NAME)).toBeUndefined();
  });
});
