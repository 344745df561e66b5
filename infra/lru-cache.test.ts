/**
 * The Lambda bundles' stand-in for `mnemonist/lru-cache` (infra/lru-cache.ts) answers as mnemonist's
 * own cache does, for any sequence of the operations the SDK's endpoint cache uses.
 */
import fc from 'fast-check';
import MnemonistLRU from 'mnemonist/lru-cache.js';
import { describe, expect, it } from 'vitest';
import LRUCache from './lru-cache.ts';

/** mnemonist's own cache (a dependency of the SDK's endpoint cache), as the stand-in is typed. */
const Mnemonist = MnemonistLRU as unknown as new (capacity: number) => LRUCache<string, number>;

type Op =
  | { op: 'set'; key: string; value: number }
  | { op: 'get' | 'peek' | 'has'; key: string }
  | { op: 'clear' };

// Few keys and long runs, so that caches fill, evict and are read back often.
const key = fc.constantFrom('a', 'b', 'c', 'd');
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ op: fc.constant('set' as const), key, value: fc.integer() }) },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constantFrom('get' as const, 'peek' as const, 'has' as const), key }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
);

const apply = (cache: LRUCache<string, number>, o: Op): unknown => {
  if (o.op === 'set') return void cache.set(o.key, o.value);
  if (o.op === 'clear') return cache.clear();
  return cache[o.op](o.key);
};

describe('the bundled LRU cache', () => {
  it('answers every get, peek, has and size as mnemonist does, evictions included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.array(op, { minLength: 20, maxLength: 80 }),
        (capacity, ops) => {
          const theirs = new Mnemonist(capacity);
          const mine = new LRUCache<string, number>(capacity);
          for (const o of ops) {
            expect(apply(mine, o), JSON.stringify(o)).toEqual(apply(theirs, o));
            expect(mine.size).toBe(theirs.size);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('drops the least recently used, where a get is a use and a peek is not', () => {
    const cache = new LRUCache<string, number>(2);
    cache.set('a', 1).set('b', 2);
    cache.get('a');
    cache.set('c', 3);
    expect([cache.has('a'), cache.has('b'), cache.has('c')]).toEqual([true, false, true]);
    cache.peek('a');
    cache.set('d', 4);
    expect([cache.has('a'), cache.has('c'), cache.has('d')]).toEqual([false, true, true]);
  });
});
