import type { Context, ScheduledEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { scheduledEvent, startScheduler } from './scheduler.ts';

describe('local scheduler', () => {
  it('builds the event EventBridge sends for a scheduled rule', () => {
    const e = scheduledEvent('sweep', 'us-east-1', new Date('2026-11-30T10:00:00.123Z'));
    expect(e).toMatchObject({
      version: '0',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      time: '2026-11-30T10:00:00Z',
      region: 'us-east-1',
      detail: {},
    });
    expect(e.resources[0]).toMatch(/^arn:aws:events:us-east-1:\d{12}:rule\/sweep-schedule$/);
  });

  it('invokes each scheduled function on every tick with a ScheduledEvent and a Lambda context', async () => {
    const seen: { fn: string; event: ScheduledEvent; remaining: number }[] = [];
    let resolveTwo: () => void = () => {};
    const twoTicks = new Promise<void>((r) => {
      resolveTwo = r;
    });
    const record = (fn: string) => async (event: ScheduledEvent, context: Context) => {
      seen.push({ fn, event, remaining: context.getRemainingTimeInMillis() });
    };
    const scheduler = startScheduler({
      intervalMs: 1,
      region: 'eu-west-1',
      functions: ['a', 'b'],
      handlers: { a: record('a'), b: record('b') },
      onTick: (n) => n === 2 && resolveTwo(),
    });
    await twoTicks;
    await scheduler.stop();
    expect(seen.slice(0, 4).map((s) => s.fn)).toEqual(['a', 'b', 'a', 'b']);
    expect(seen[0]?.event.source).toBe('aws.events');
    expect(seen[0]?.event.region).toBe('eu-west-1');
    expect(seen[0]?.remaining).toBeGreaterThan(0);
  });

  it('keeps going after a failing run, reports it, and never overlaps runs', async () => {
    const errors: string[] = [];
    let calls = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const scheduler = startScheduler({
      intervalMs: 1_000_000,
      region: 'us-east-1',
      functions: ['boom', 'slow'],
      handlers: {
        boom: async () => {
          throw new Error('boom');
        },
        slow: async () => {
          calls++;
          await gate;
        },
      },
      onError: (fn) => errors.push(fn),
    });
    const first = scheduler.runOnce();
    const second = scheduler.runOnce();
    expect(second).toBe(first);
    release();
    await first;
    await scheduler.stop();
    expect(errors).toEqual(['boom']);
    expect(calls).toBe(1);
  });
});
