/** The Lambda bundle budget (scripts/bundle-size.ts): what makes `npm run size`, and so CI, fail. */
import { describe, expect, it } from 'vitest';
import { functionNames } from '../src/functions.ts';
import {
  BUDGET_EXCEPTIONS,
  type BudgetExceptions,
  budgetOf,
  GOAL_KB,
  overBudget,
  sizeOf,
  staleExceptions,
} from './bundle-size.ts';

/** An exception as one was written (none is needed today). */
const example: BudgetExceptions = {
  'statement-files': { kb: 364, why: 'the S3 client; pdf-lib is a chunk' },
};

describe('the Lambda bundle budget', () => {
  it('fails a function over the 300 KB goal that has no exception', () => {
    expect(overBudget([sizeOf('health', 300 * 1024)])).toEqual([]);
    expect(overBudget([sizeOf('health', 301 * 1024)])).toEqual(['health: 301 KB is over the 300 KB goal']);
  });

  it('holds an exception to its own ceiling, and says why', () => {
    const ceiling = budgetOf('statement-files', example);
    expect(ceiling).toBe(364);
    const within = sizeOf('statement-files', ceiling * 1024, [], 0, example);
    expect(within).toMatchObject({ withinGoal: false, withinBudget: true });
    expect(overBudget([within], example)).toEqual([]);
    const [line] = overBudget([sizeOf('statement-files', (ceiling + 1) * 1024, [], 0, example)], example);
    expect(line).toContain(`over its own budget of ${ceiling} KB`);
    expect(line).toContain('pdf-lib');
    // Without the exception the same size fails against the goal.
    expect(overBudget([sizeOf('statement-files', ceiling * 1024)])).toEqual([
      `statement-files: ${ceiling} KB is over the ${GOAL_KB} KB goal`,
    ]);
  });

  it('fails an exception whose function now meets the goal, so that ceilings only come down', () => {
    const size = (k: number) => sizeOf('statement-files', k * 1024, [], 0, example);
    expect(staleExceptions([size(GOAL_KB + 1)], example)).toEqual([]);
    expect(staleExceptions([size(GOAL_KB)], example)).toEqual([
      `statement-files: ${GOAL_KB} KB meets the ${GOAL_KB} KB goal: remove its entry from BUDGET_EXCEPTIONS`,
    ]);
    expect(staleExceptions([sizeOf('health', 100 * 1024)])).toEqual([]);
  });

  it('names real functions only, each above the goal (an exception under it is stale)', () => {
    for (const [fn, e] of Object.entries(BUDGET_EXCEPTIONS)) {
      expect(functionNames).toContain(fn);
      expect(e?.kb, fn).toBeGreaterThan(GOAL_KB);
      expect(e?.why, fn).not.toBe('');
    }
  });
});
