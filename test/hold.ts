/** Holding a call part way, for tests that interleave two requests deterministically (no sleeps). */
import { vi } from 'vitest';

/**
 * Holds the calls of `target[method]` that `when` picks until `release()`: `reached` resolves at the
 * first one held. Others go through at once. Undone by `vi.restoreAllMocks()`.
 */
export const holdCalls = <T extends object, K extends keyof T>(
  target: T,
  method: K,
  when: (...args: T[K] extends (...a: infer A) => unknown ? A : never) => boolean,
): { reached: Promise<void>; release: () => void } => {
  let reached!: () => void;
  const atCall = new Promise<void>((r) => {
    reached = r;
  });
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const original = (target[method] as (...a: unknown[]) => unknown).bind(target);
  vi.spyOn(target, method as never).mockImplementation((async (...args: never[]) => {
    if ((when as (...a: unknown[]) => boolean)(...args)) {
      reached();
      await gate;
    }
    return original(...args);
  }) as never);
  return { reached: atCall, release };
};
