/**
 * Tests whose assertions hold within one UTC period only: a daily limit counts per UTC day, the
 * current statement is the current UTC month. A run that crosses into the next period meanwhile
 * (UTC midnight) cannot hold them whatever the code does: the counters start again, a statement
 * splits in two. Such a run is skipped, with a note, instead of failing; a failure within one
 * period fails as ever.
 */
import type { TestContext } from 'vitest';

/** The UTC day of an instant, `YYYY-MM-DD` (the period of the daily limits). */
export const utcDay = (d: Date): string => d.toISOString().slice(0, 10);

/**
 * Runs `body`; if it fails and the period (`periodOf` the clock) changed while it ran, skips the test
 * instead. `skip` is the test context's.
 */
export const withinOnePeriod = async (
  skip: TestContext['skip'],
  periodOf: (d: Date) => string,
  body: () => Promise<void>,
): Promise<void> => {
  const before = periodOf(new Date());
  try {
    await body();
  } catch (e) {
    const after = periodOf(new Date());
    if (after !== before) skip(`ran from ${before} into ${after}: its assertions hold within one period`);
    throw e;
  }
};
