/**
 * The due index's shards (gsi1 SCHEDULES#<shard>): a schedule's shard comes from its id's random
 * digits, so time-ordered (UUIDv7) ids, whose first digits are their time, still spread over every
 * shard, and no index partition takes the day's or the year's schedules alone.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DUE_SHARDS } from './keys.ts';
import { dueShardOf, newScheduleId } from './schedules.ts';

const T0 = Date.parse('2027-03-01T09:00:00.000Z');
const N = 2000;

/** How many of `ids` each shard takes. */
const spread = (ids: string[]) => {
  const counts = Array.from({ length: DUE_SHARDS }, () => 0);
  for (const id of ids) counts[dueShardOf(id)] = (counts[dueShardOf(id)] ?? 0) + 1;
  return counts;
};
/** Within a fifth of an even share each (some 5 standard deviations at N = 2000: never by chance). */
const even = (counts: number[]) => {
  const share = N / DUE_SHARDS;
  for (const c of counts) expect(Math.abs(c - share), `shards ${counts.join(', ')}`).toBeLessThan(share / 5);
};

describe('the due index’s shards', () => {
  it('spreads time-ordered ids made over a year, over a day, and in one millisecond', () => {
    const year = 365 * 86_400_000;
    even(spread(Array.from({ length: N }, (_, i) => newScheduleId(new Date(T0 + (i * year) / N)))));
    even(spread(Array.from({ length: N }, (_, i) => newScheduleId(new Date(T0 + (i * 86_400_000) / N)))));
    even(spread(Array.from({ length: N }, () => newScheduleId(new Date(T0)))));
  });

  it('spreads the random ids of schedules made before', () => {
    even(spread(Array.from({ length: N }, () => randomUUID())));
  });

  it('makes ids that sort by their time (a minute apart here), whatever order they are made in', () => {
    const days = [5, 1, 4, 2, 3];
    const ids = days.map((d) => newScheduleId(new Date(T0 + d * 60_000)));
    const byTime = [1, 2, 3, 4, 5].map((d) => ids[days.indexOf(d)]);
    expect([...ids].sort()).toEqual(byTime);
  });
});
