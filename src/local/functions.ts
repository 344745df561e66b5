/**
 * The local stack's Lambda "runtime": imports a registry function's handler module once, as Lambda
 * loads it on a cold start, and builds each invocation's context with the function's own timeout and
 * memory from the registry (src/functions.ts).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { type FunctionDef, functions } from '../functions.ts';
import { runAs } from './iam.ts';
import { buildContext } from './lambda-event.ts';

const ROOT = join(import.meta.dirname, '..', '..');

// biome-ignore lint/suspicious/noExplicitAny: a Lambda handler takes its trigger's event
export type LambdaHandler = (event: any, context: Context) => Promise<unknown>;

const modules = new Map<string, Promise<LambdaHandler>>();

/** The function's handler, imported from its `entry` on first use (a failed import is retried next time). */
export const loadHandler = (name: string): Promise<LambdaHandler> => {
  let loading = modules.get(name);
  if (!loading) {
    const def = (functions as Record<string, FunctionDef>)[name];
    loading = (async () => {
      if (!def) throw new Error(`no function ${name}`);
      const mod = (await import(pathToFileURL(join(ROOT, def.entry)).href)) as { handler?: unknown };
      if (typeof mod.handler !== 'function') throw new Error(`${def.entry} exports no handler`);
      const handler = mod.handler as LambdaHandler;
      // Each invocation runs as its function: the offline IAM checks its calls (iam.ts).
      return (event, context) => runAs(name, () => handler(event, context));
    })();
    loading.catch(() => modules.delete(name));
    modules.set(name, loading);
  }
  return loading;
};

/** A Lambda context for one invocation of a registry function, with its timeout and memory. */
export const contextFor = (name: string, region: string): Context => {
  const def = (functions as Record<string, FunctionDef>)[name];
  return buildContext({
    functionName: name,
    region,
    timeoutMs: (def?.timeoutSeconds ?? 10) * 1000,
    memoryMb: def?.memoryMb ?? 512,
  });
};
