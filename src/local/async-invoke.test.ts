/**
 * The local Invoke endpoint (Lambda's asynchronous invocation offline), reached with the SDK's own
 * Lambda client as the stream function reaches it: 202 and the handler run as its function, Lambda's
 * retries (with no delay here), the on-failure destination after them, the maximum event age (an
 * injected clock), and its refusals: an unknown function, a synchronous invocation, a payload over the
 * limit, and, in the caller, the offline IAM's refusal of an Invoke the running function does not declare.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { functions } from '../functions.ts';
import {
  type AsyncInvokeEndpoint,
  type AsyncInvokeOptions,
  MAX_ASYNC_PAYLOAD_BYTES,
  startAsyncInvoke,
} from './async-invoke.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './bootstrap.ts';
import { emulateIam, runAs, runningFunction } from './iam.ts';

let endpoint: AsyncInvokeEndpoint | undefined;
let client: LambdaClient | undefined;
afterEach(async () => {
  client?.destroy();
  await endpoint?.stop();
  endpoint = undefined;
});

/** Each attempt's outcome, as the endpoint reports it, and a promise of the `n`-th. */
const attempts = () => {
  const seen: { fn: string; attempt: number; error?: unknown }[] = [];
  const waiting = new Map<number, () => void>();
  return {
    seen,
    onAttempt: (fn: string, attempt: number, error?: unknown) => {
      seen.push({ fn, attempt, error });
      waiting.get(seen.length)?.();
    },
    /** Resolves once `n` attempts have ended. */
    ended: (n: number) =>
      new Promise<void>((resolve) => {
        if (seen.length >= n) resolve();
        else waiting.set(n, resolve);
      }),
  };
};

const start = async (opts: Partial<AsyncInvokeOptions>) => {
  endpoint = await startAsyncInvoke({ region: LOCAL_REGION, retryDelayMs: () => 0, ...opts });
  client = new LambdaClient({
    endpoint: endpoint.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  emulateIam(client as never);
  return client;
};

const invoke = (fn: string, payload: unknown, type: 'Event' | 'RequestResponse' = 'Event') =>
  (client as LambdaClient).send(
    new InvokeCommand({
      FunctionName: fn,
      InvocationType: type,
      Payload: new TextEncoder().encode(JSON.stringify(payload)),
    }),
  );

describe('local Invoke endpoint', () => {
  it('answers 202 and runs the handler once, as its function, with the payload and its context', async () => {
    const a = attempts();
    const ran: { payload: unknown; as?: string; context: Context }[] = [];
    await start({
      onAttempt: a.onAttempt,
      handlers: {
        notifier: async (payload, context) => {
          ran.push({ payload, as: runningFunction(), context });
        },
      },
    });
    const r = await invoke('notifier', { events: [{ id: 'e1' }] });
    expect(r.StatusCode).toBe(202);
    await a.ended(1);
    expect(ran).toHaveLength(1);
    expect(ran[0]?.payload).toEqual({ events: [{ id: 'e1' }] });
    expect(ran[0]?.as).toBe('notifier');
    expect(ran[0]?.context.functionName).toBe('notifier');
    expect(a.seen).toEqual([{ fn: 'notifier', attempt: 0, error: undefined }]);
    expect(endpoint?.idle()).toBe(true);
  });

  it('retries an invocation that threw, as Lambda does: the retry that passes ends it', async () => {
    const a = attempts();
    const onFailure = vi.fn();
    let calls = 0;
    await start({
      onAttempt: a.onAttempt,
      onFailure,
      handlers: {
        notifier: async () => {
          if (++calls === 1) throw new Error('SES throttled');
        },
      },
    });
    expect((await invoke('notifier', { events: [] })).StatusCode).toBe(202);
    await a.ended(2);
    expect(a.seen.map((s) => [s.attempt, (s.error as Error | undefined)?.message])).toEqual([
      [0, 'SES throttled'],
      [1, undefined],
    ]);
    expect(onFailure).not.toHaveBeenCalled();
  });

  it('an invocation still failing after the registry’s retries goes to the on-failure destination: the log', async () => {
    const retries = functions.notifier.trigger.retryAttempts;
    const a = attempts();
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      await start({
        onAttempt: a.onAttempt,
        handlers: {
          notifier: async () => {
            throw new Error('always');
          },
        },
      });
      await invoke('notifier', { events: [{ id: 'e1' }] });
      await a.ended(retries + 1);
      expect(a.seen.map((s) => s.attempt)).toEqual([...Array(retries + 1).keys()]);
      expect(errors).toHaveBeenCalledTimes(1);
      expect(String(errors.mock.calls[0]?.[0])).toMatch(/notifier: .* sent to the on-failure destination/);
      expect((errors.mock.calls[0]?.[1] as Error | undefined)?.message).toBe('always');
      expect(endpoint?.idle()).toBe(true);
    } finally {
      errors.mockRestore();
    }
  });

  it('an event older than the maximum event age before a retry is dropped to the on-failure destination', async () => {
    let clock = 0;
    const onFailure = vi.fn();
    const a = attempts();
    const failed = new Promise<void>((resolve) => onFailure.mockImplementation(() => resolve()));
    await start({
      now: () => clock,
      // The retry's wait passes the event's maximum age.
      retryDelayMs: () => {
        clock += functions.notifier.trigger.maxEventAgeSeconds * 1000 + 1;
        return 0;
      },
      onAttempt: a.onAttempt,
      onFailure,
      handlers: {
        notifier: async () => {
          throw new Error('once');
        },
      },
    });
    await invoke('notifier', { events: [] });
    await failed;
    expect(a.seen).toHaveLength(1);
    expect((onFailure.mock.calls[0]?.[2] as Error | undefined)?.message).toMatch(/maximum event age/);
  });

  it('refuses an unknown function (404 ResourceNotFoundException) and a synchronous invocation', async () => {
    const handler = vi.fn();
    await start({ handlers: { notifier: handler } });
    await expect(invoke('no-such-function', {})).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 404 },
    });
    await expect(invoke('notifier', {}, 'RequestResponse')).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      message: expect.stringMatching(/not supported offline/),
    });
    expect(handler).not.toHaveBeenCalled();
  });

  it('refuses a payload over 256 KB (413 RequestTooLargeException)', async () => {
    const handler = vi.fn();
    await start({ handlers: { notifier: handler } });
    await expect(invoke('notifier', { big: 'x'.repeat(MAX_ASYNC_PAYLOAD_BYTES) })).rejects.toMatchObject({
      name: 'RequestTooLargeException',
      $metadata: { httpStatusCode: 413 },
    });
    expect(handler).not.toHaveBeenCalled();
  });

  it('the offline IAM: only a function that declares the Invoke of that function may make it', async () => {
    const a = attempts();
    await start({ onAttempt: a.onAttempt, handlers: { notifier: async () => {} } });
    // The settler invokes nothing; the stream function invokes the notifier and no other.
    await expect(runAs('settler', () => invoke('notifier', {}))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringMatching(/lambda:InvokeFunction .*settler does not declare/),
    });
    await expect(runAs('stream', () => invoke('settler', {}))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringMatching(/may invoke only notifier/),
    });
    expect((await runAs('stream', () => invoke('notifier', {}))).StatusCode).toBe(202);
    await a.ended(1);
    expect(a.seen).toHaveLength(1);
  });

  it('the offline IAM: a version or alias of the notifier is not the notifier (the CDK grants its unqualified ARN alone)', async () => {
    const handler = vi.fn();
    await start({ handlers: { notifier: handler } });
    const qualified = (FunctionName: string, Qualifier?: string) =>
      runAs('stream', () =>
        (client as LambdaClient).send(
          new InvokeCommand({
            FunctionName,
            ...(Qualifier ? { Qualifier } : {}),
            InvocationType: 'Event',
            Payload: new TextEncoder().encode('{}'),
          }),
        ),
      );
    for (const [name, qualifier] of [
      ['notifier', '1'],
      ['notifier:live', undefined],
      [`arn:aws:lambda:${LOCAL_REGION}:000000000000:function:notifier:live`, undefined],
    ] as const)
      await expect(qualified(name, qualifier), `${name} ${qualifier}`).rejects.toMatchObject({
        name: 'AccessDeniedException',
        message: expect.stringMatching(/may invoke only notifier/),
      });
    expect(handler).not.toHaveBeenCalled();
  });
});
