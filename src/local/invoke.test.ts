import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { buildEvent } from '../api/event.ts';
import { createInvoker, INIT_LIMIT_MS, type LambdaHandler } from './invoke.ts';

const event = {} as ReturnType<typeof buildEvent>;
const call = { fn: 'auth', label: 'POST /v1/auth/login', event, requestId: 'r-1' };

/** A handler module whose load the test finishes (or never does). */
const slowLoad = () => {
  let finish: (h: LambdaHandler) => void = () => {};
  const loaded = new Promise<LambdaHandler>((r) => {
    finish = r;
  });
  return { load: () => loaded, finish };
};

/** A handler that answers the time its context says it has left. */
const remaining: LambdaHandler = async (_e, context: Context) => ({
  statusCode: 200,
  body: JSON.stringify({ remaining: context.getRemainingTimeInMillis() }),
});

describe('local Lambda invoke: the init phase is not the invocation', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("a cold start's slow module load does not use up the function's timeout", async () => {
    const { load, finish } = slowLoad();
    const errors: unknown[] = [];
    const invoke = createInvoker(() => ({ timeoutMs: 3_000, load, onError: (_m, e) => errors.push(e) }));
    const answer = invoke(call);
    // The load takes longer than the function's whole timeout, within Lambda's init limit.
    await vi.advanceTimersByTimeAsync(5_000);
    finish(remaining);
    const res = await answer;
    expect(errors).toEqual([]);
    expect(res.status).toBe(200);
    // The handler's deadline starts once it is loaded: its full 3 s are left.
    expect(JSON.parse(res.body.toString()).remaining).toBe(3_000);
  });

  it('a module that does not load within the init limit is a 500', async () => {
    const { load } = slowLoad();
    const errors: unknown[] = [];
    const invoke = createInvoker(() => ({ timeoutMs: 3_000, load, onError: (_m, e) => errors.push(e) }));
    const answer = invoke(call);
    await vi.advanceTimersByTimeAsync(INIT_LIMIT_MS);
    const res = await answer;
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body.toString())).toEqual({ message: 'Internal Server Error' });
    expect(String(errors[0])).toContain('Init timed out');
  });

  it('a handler that runs past its timeout is a 500', async () => {
    const errors: unknown[] = [];
    const never: LambdaHandler = () => new Promise(() => {});
    const invoke = createInvoker(() => ({
      timeoutMs: 3_000,
      load: async () => never,
      onError: (_m, e) => errors.push(e),
    }));
    const answer = invoke(call);
    await vi.advanceTimersByTimeAsync(3_000);
    const res = await answer;
    expect(res.status).toBe(500);
    expect(String(errors[0])).toContain('Task timed out after 3000 ms');
  });
});
