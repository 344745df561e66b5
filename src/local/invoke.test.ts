import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { buildEvent } from '../api/event.ts';
import { createInvoker, INIT_LIMIT_MS, INTEGRATION_TIMEOUT_MS, type LambdaHandler } from './invoke.ts';

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

describe("local Lambda invoke: API Gateway's integration timeout", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A handler that answers 200 after `ms`, and says when it has. */
  const slow = (ms: number) => {
    const done = { at: false };
    const handler: LambdaHandler = () =>
      new Promise((r) =>
        setTimeout(() => {
          done.at = true;
          r({ statusCode: 200, body: '{}' });
        }, ms),
      );
    return { done, handler };
  };

  it('is 503 {"message":"Service Unavailable"} 30 s after the request arrived, a cold start included; the invocation runs on', async () => {
    // A 4 s cold start and a 27 s handler: within the function's own 29 s, past API Gateway's 30 s.
    const { load, finish } = slowLoad();
    const { done, handler } = slow(27_000);
    const errors: unknown[] = [];
    const invoke = createInvoker(() => ({ timeoutMs: 29_000, load, onError: (_m, e) => errors.push(e) }));
    let answered = false;
    const answer = invoke(call).finally(() => {
      answered = true;
    });
    await vi.advanceTimersByTimeAsync(4_000);
    finish(handler);
    await vi.advanceTimersByTimeAsync(INTEGRATION_TIMEOUT_MS - 4_000 - 1);
    expect(answered).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const res = await answer;
    expect(done.at).toBe(false);
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body.toString())).toEqual({ message: 'Service Unavailable' });
    expect(res.headers['apigw-requestid']).toBe('r-1');
    expect(String(errors[0])).toContain('Integration timed out');
    // The handler was not stopped: it ends later, and its answer goes nowhere.
    await vi.advanceTimersByTimeAsync(1_000);
    expect(done.at).toBe(true);
    expect(errors).toHaveLength(1);
  });

  it("counts from the event's timeEpoch (the request's arrival), not from the invocation", async () => {
    const { done, handler } = slow(6_000);
    const arrived = { ...event, requestContext: { timeEpoch: Date.now() - 25_000 } } as typeof event;
    const invoke = createInvoker(() => ({ timeoutMs: 29_000, load: async () => handler, onError: () => {} }));
    const answer = invoke({ ...call, event: arrived });
    await vi.advanceTimersByTimeAsync(5_000);
    expect((await answer).status).toBe(503);
    expect(done.at).toBe(false);
  });

  it("leaves a function's shorter timeout its own 500, and an answer within 30 s as it is", async () => {
    const { handler } = slow(20_000);
    const invoke = createInvoker(() => ({ timeoutMs: 29_000, load: async () => handler, onError: () => {} }));
    const answer = invoke(call);
    await vi.advanceTimersByTimeAsync(20_000);
    expect((await answer).status).toBe(200);
  });
});
