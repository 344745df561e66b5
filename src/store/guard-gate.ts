/**
 * Lets a customer route's guard (src/handlers/gate.ts: is this login disabled, signed out, waiting on a
 * password?) run beside its handler instead of before it, without letting the handler change anything
 * until the guard has let the request through.
 *
 * src/api/http.ts starts the guard, then runs the handler inside `afterGuard(guard, ...)`. Every AWS
 * call the handlers make goes through a client with `gateMiddleware` (`gated`): a read
 * (`READ_COMMANDS`) goes at once; anything else (a transaction, a put, a Cognito or S3 call that is
 * not a look-up) first waits for the guard, and fails with the guard's refusal if it refuses. Other
 * work with an effect outside the process (a DNS look-up) awaits `guardPassed()` first. The HTTP layer
 * answers a refusal as soon as the guard gives it, without waiting for the handler, so a refused caller
 * gets nothing the reads found, nor how long they took. A transfer's guard read and its account reads
 * thus share one round trip.
 *
 * Outside such a scope (the guard itself, staff routes, stream and schedule functions) nothing waits.
 * The scope travels through AsyncLocalStorage: the local gateway serves many requests in one process.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The calls that only read, by the SDK's command name: they need not wait for the guard. A name not
 * listed waits, so a command added later is held back until someone decides it only reads.
 */
export const READ_COMMANDS: ReadonlySet<string> = new Set([
  'GetItemCommand',
  'BatchGetItemCommand',
  'QueryCommand',
  'ScanCommand',
  'TransactGetItemsCommand',
  'AdminGetUserCommand',
  'GetObjectCommand',
  'HeadObjectCommand',
]);

const gates = new AsyncLocalStorage<Promise<unknown>>();

/**
 * Runs `fn` so that every gated call in it other than a read waits for `guard` first. The caller
 * must still await `guard` itself, and answer its refusal without waiting for `fn`.
 */
export const afterGuard = <T>(guard: Promise<unknown>, fn: () => Promise<T>): Promise<T> =>
  gates.run(guard, fn);

/**
 * Inside a guarded handler, waits until its guard has passed, and throws its refusal; elsewhere returns
 * at once. For what no gated client sees: a DNS look-up of a host the caller named, say.
 */
export const guardPassed = async (): Promise<void> => {
  await gates.getStore();
};

/** An SDK middleware (initialize step) that holds back all but reads until the current scope's guard passes. */
export const gateMiddleware =
  <I, O>(next: (args: I) => Promise<O>, context: { commandName?: string }) =>
  async (args: I): Promise<O> => {
    if (!READ_COMMANDS.has(context.commandName ?? '')) await guardPassed();
    return next(args);
  };

/** Installs `gateMiddleware` on an SDK client (the handlers' DynamoDB, Cognito and S3 clients), once; returns the client. */
export const gated = <C extends { middlewareStack: { add: (...a: never[]) => unknown } }>(client: C): C => {
  (client.middlewareStack.add as (m: unknown, o: object) => void)(gateMiddleware, {
    step: 'initialize',
    name: 'bankGuardGate',
    // Before the deadline's middleware: a call's time limit starts once it may be sent.
    priority: 'high',
    override: true,
  });
  return client;
};
