/**
 * Each function's environment, offline as on AWS. On AWS the CDK app gives every function only the
 * bank's settings src/function-env.ts names for it (`functionSettings`: its permissions' settings, the
 * cursor secret's id to the functions that page with cursors, the notifier's name to the function that
 * invokes it): `infra/bank-stack.test.ts` checks that, say, no function without a table permission has
 * TABLE_NAME. Offline every handler runs in the one `npm start` process, with one `process.env` that
 * `src/local/main.ts` fills for all of them. Until 2026-12-07 every handler saw all of it (and one
 * `config()` cached from it), so a handler that read a setting its function is not given passed offline
 * and, on AWS, silently got the setting's default (an empty bucket, the default daily limit instead of
 * the stage's); a review found it. Closed since 2026-12-07: inside a local invocation of a function
 * (`runAs`, as `loadHandler` runs every handler), the bank's variables the CDK withholds from that
 * function are unset, as on Lambda, and `config()` is that function's own (src/local/function-env.ts).
 */
import type { Stack } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthProd } from '../../infra/prod-synth.ts';
import { config, resetConfig, type SettingName, settings, settingsEnv } from '../config.ts';
import { functionSettings } from '../function-env.ts';
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
  resetConfig();
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

  it("gives each function offline exactly the bank variables its Lambda has (functionSettings, the CDK's too)", () => {
    for (const fn of functionNames) {
      const onAws = [...(envOnAws.get(fn) ?? [])].filter((k) => bankVariables.has(k)).sort();
      // The prod stage has no API edge: no origin secret's id.
      const named = functionSettings(fn, { edge: false })
        .map((k) => settings[k].env)
        .sort();
      expect(onAws, fn).toEqual(named);
      const seen = runAs(fn, () => Object.keys(process.env).filter((k) => bankVariables.has(k)));
      for (const k of named) if (k in saved || k in process.env) expect(seen, fn).toContain(k);
    }
  });

  it("reads each function's config() from its own environment, and the whole one outside any function", () => {
    resetConfig();
    expect(runAs('settler', () => config().statementsBucket)).toBe('');
    expect(runAs('statement-files', () => config().statementsBucket)).toBe('serverless-bank-statements');
    expect(runAs('health', () => config().dailyLimit)).toBe(settings.dailyLimit.default);
    expect(runAs('money', () => config().dailyLimit)).toBe(500_000);
    expect(config().statementsBucket).toBe('serverless-bank-statements');
    // Cached per function: the settler's empty bucket is not the statement files' nor the process's.
    expect(runAs('settler', () => config().statementsBucket)).toBe('');
  });
});
