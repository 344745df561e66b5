/**
 * Each function's environment, offline. On AWS every function has an environment of its own, holding
 * only the bank's settings the CDK app gives it (src/function-env.ts `functionSettings`); offline every
 * handler runs in the one `npm start` process, whose `process.env` holds every function's settings. So a
 * handler reading a setting its function is not given would pass here and, on AWS, silently get the
 * setting's default. Once installed (by `runAs`, src/local/iam.ts, the first time a function runs),
 * `process.env` is a view: inside a function's invocation the settings the CDK app decides per function
 * (`perFunctionSettings`) that are not that function's are unset, for reads, `in`, and listings alike;
 * and `config()` (src/config.ts) reads and caches each function's configuration from its own view. Calls
 * outside any function (bootstrap, the local gateway, a test's own setup) read, and every write goes to,
 * the whole environment. Everything else (AWS_*, POWERTOOLS_*, the offline knobs no function is given on
 * AWS) every function reads, as the Lambda runtime sets its own variables for every function.
 */
import { setEnvironmentSource, settings } from '../config.ts';
import { functionSettings, perFunctionSettings } from '../function-env.ts';
import { type FunctionName, functionNames } from '../functions.ts';

/** The environment variables each function may not see: the per-function settings not its own. */
const withheld = new Map(
  functionNames.map((fn) => {
    const own = new Set(functionSettings(fn, { edge: true }));
    return [fn, new Set([...perFunctionSettings].filter((k) => !own.has(k)).map((k) => settings[k].env))];
  }),
);

let installed = false;

/**
 * Makes `process.env` each running function's own (`running` names it: src/local/iam.ts
 * `runningFunction`). Once per process; a name outside the registry sees the whole environment.
 */
export const installFunctionEnvironments = (running: () => string | undefined): void => {
  if (installed) return;
  installed = true;
  const whole = process.env;
  const hidden = (k: string | symbol): boolean => {
    const fn = running();
    return fn !== undefined && typeof k === 'string' && (withheld.get(fn as FunctionName)?.has(k) ?? false);
  };
  process.env = new Proxy(whole, {
    get: (t, k) => (hidden(k) ? undefined : Reflect.get(t, k)),
    has: (t, k) => !hidden(k) && Reflect.has(t, k),
    ownKeys: (t) => Reflect.ownKeys(t).filter((k) => !hidden(k)),
    getOwnPropertyDescriptor: (t, k) => (hidden(k) ? undefined : Reflect.getOwnPropertyDescriptor(t, k)),
    set: (t, k, v) => Reflect.set(t, k, v),
    deleteProperty: (t, k) => Reflect.deleteProperty(t, k),
  });
  setEnvironmentSource(() => {
    const fn = running();
    return fn === undefined ? undefined : { fn, env: process.env };
  });
};
